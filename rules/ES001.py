"""ES001: Staging and production env files point at the same database or store."""
from __future__ import annotations

from iaclint.graph.identity import ENV_VAR_SOURCES
from iaclint.model import Location


def check(ctx):
    """FAIL: .env.staging and .env.production both DATABASE_URL=…@db-prod:5432/orders.
    PASS: each environment's URL names its own host or database.

    A case of the data-store identity mechanism (graph.identities): an identity that env-style variables (env
    files, Railway exports, railway.ts/py service variables) reach from production and another environment."""
    g = ctx.graph
    for ident, refs in g.identities.shared().items():
        ids = dict.fromkeys(r.node for r in refs if r.role == "uses" and r.source_kind in ENV_VAR_SOURCES)
        nodes = list(ctx.each(g.nodes[i] for i in ids))
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
