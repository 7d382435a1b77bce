"""CS002: Broadly scoped credential committed to the repository."""
from __future__ import annotations

from iaclint.engine.helpers import RAILWAY_ACCOUNT_KINDS, credential_finding


def check(ctx):
    """PASS: github_pat_… (fine-grained). FAIL: ghp_… (classic PAT), AKIA…, sk_live_…."""
    for n in ctx.each(ctx.graph.of_kind("credential")):
        if not n.attrs["broad"] or n.attrs["kind"] in RAILWAY_ACCOUNT_KINDS:
            continue
        yield credential_finding(ctx, n, f"{n.attrs['scope']}-scoped")
