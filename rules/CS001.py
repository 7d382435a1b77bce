"""CS001: Railway account/workspace token readable in the repository."""
from __future__ import annotations

from iaclint.engine.helpers import RAILWAY_ACCOUNT_KINDS, credential_finding


def check(ctx):
    """PASS: RAILWAY_TOKEN in a service's .env.production (CLI project token).
    FAIL: RAILWAY_API_TOKEN=<uuid> in scripts/domains/add-domain.sh."""
    for n in ctx.each(ctx.graph.of_kind("credential")):
        if n.attrs["kind"] not in RAILWAY_ACCOUNT_KINDS:
            continue
        lead = "account-scoped" if n.attrs["kind"] == "railway-account-token" else \
            "account/workspace-scoped (a Terraform provider consumes it)"
        yield credential_finding(ctx, n, lead)
