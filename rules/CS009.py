"""CS009: Railway account/workspace token handed to a service."""
from __future__ import annotations

import re



RAILWAY_ACCOUNT_NAMES = re.compile(r"RAILWAY_(API|ACCOUNT|WORKSPACE|TEAM)_TOKEN", re.I)


def check(ctx):
    """FAIL: railway_variable name = "RAILWAY_API_TOKEN" (an account/workspace token handed to a service).
    PASS: name = "RAILWAY_TOKEN" (a project token, one environment)."""
    for n in ctx.each(ctx.graph.of_type("railway_variable", "railway_shared_variable")):
        if n.kind != "tf_resource":
            continue
        name = n.attrs.get("name")
        if not isinstance(name, str) or not RAILWAY_ACCOUNT_NAMES.fullmatch(name):
            continue
        yield ctx.finding(n, f"{n.meta['address']} hands an account/workspace Railway token ({name}) to a service: "
                             f"every process and agent running in that service can delete every project, "
                             f"environment and volume of the account (volumeDelete) — give it a project token "
                             f"(RAILWAY_TOKEN) scoped to its own environment", n.span,
                          key=f"{n.span.path}|{n.meta['address']}|account-token")
