"""CS011: Literal credential in a Terraform provider or backend block."""
from __future__ import annotations

from iaclint.engine.helpers import credential_finding

PLACES = ("provider", "backend")


def check(ctx):
    """FAIL: provider "github" { token = "…" }; backend "azurerm" { access_key = "…" }; a placeholder there too
    (low). PASS: token = var.github_token; no credential argument (the provider reads its environment).
    A broad token (AKIA…, ghp_…) there is CS002's / CS001's."""
    for n in ctx.each(ctx.graph.of_kind("credential")):
        a = n.attrs
        if a.get("place") not in PLACES or a["broad"]:
            continue
        lead = f"{a['where']} is a literal" + (" (a placeholder: nothing leaked, but Terraform sends it and the "
                                                "block invites the real key):" if a.get("placeholder") else ":")
        f = credential_finding(ctx, n, lead)
        if a.get("placeholder"):
            f.severity = "low"
        yield f
