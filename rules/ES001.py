"""ES001: Staging and production env files point at the same database or store."""
from __future__ import annotations

from iaclint.model import Location


def check(ctx):
    """FAIL: .env.staging and .env.production both DATABASE_URL=…@db-prod:5432/orders.
    PASS: each environment's URL names its own host or database."""
    by_identity: dict = {}
    for n in ctx.each(ctx.graph.of_kind("env_var")):
        ident = n.attrs.get("identity")
        if not ident or n.attrs.get("example") or not n.env_names:
            continue
        by_identity.setdefault(ident, []).append(n)
    for ident, nodes in sorted(by_identity.items()):
        envs = sorted({e for n in nodes for e in n.env_names})
        if len(envs) < 2 or "production" not in envs:
            continue
        prod = [n for n in nodes if "production" in n.env_names]
        others = [n for n in nodes if "production" not in n.env_names]
        host = ident.split("://", 1)[-1]
        for n in others:
            p = prod[0]
            msg = (f"{n.name} in {', '.join(n.env_names)} points at {host}, the same data store as production's "
                   f"{p.name} ({p.span.path}:{p.span.line}): a {', '.join(n.env_names)} task can change or drop "
                   f"production data")
            yield ctx.finding(n, msg, related=[Location(p.span, "production uses the same data store here")],
                              key=f"{n.span.path}|{n.name}|{ident}", envs=sorted(set(n.env_names) | {"production"}))
