"""CS012: Literal secret in a Terraform attribute, variable default or tfvars value."""
from __future__ import annotations

from iaclint.engine.helpers import credential_finding

PLACES = ("resource", "data", "module", "locals", "variable", "tfvars", "string")


def check(ctx):
    """FAIL: aws_db_instance password = "…"; master_auth { password = "…" }; variable "db_password" { default =
    "…" }; db_password = "…" in prod.tfvars; a {name = "DB_PASSWORD", value = "…"} container environment entry.
    PASS: password = random_password.db.result / var.db_password / ephemeral values into password_wo;
    manage_master_user_password = true; placeholders ("changeme", "<password>", "${…}", "").
    A broad token (AKIA…, ghp_…) is CS002's / CS001's."""
    for n in ctx.each(ctx.graph.of_kind("credential")):
        a = n.attrs
        if not a.get("literal") or a.get("place") not in PLACES or a["broad"]:
            continue
        yield credential_finding(ctx, n, f"{a['where']} is a literal:")
