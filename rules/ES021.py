"""ES021: Non-production Terragrunt unit's input names a production data store."""
from __future__ import annotations

from iaclint.engine.helpers import names_production, non_production
from iaclint.graph.identity import TERRAGRUNT, shown, store_name


def check(ctx):
    """FAIL: stage/app/terragrunt.hcl with inputs = { db_identifier = "orders-prod" }.
    PASS: the staging unit names orders-stage.

    A case of the data-store identity mechanism (graph.identities): a Terragrunt input of a non-production unit
    whose identity is named for production. The same identity reached from a production unit or root is ES009's
    too only when its name does not say production; here the name alone is the evidence (as ES005 for env
    variables), so no production reference is needed."""
    g = ctx.graph
    for ident, refs in sorted(g.identities.refs.items()):
        if not names_production(store_name(ident)):
            continue
        for r in refs:
            n = g.nodes.get(r.node) if r.source_kind == TERRAGRUNT else None
            if n is None or not non_production(n) or not list(ctx.each([n])):
                continue
            envs = ", ".join(n.env_names)
            yield ctx.finding(n, f"Terragrunt unit {n.meta['dir']} in {envs}: {r.why.split(' of unit ')[0]} names "
                                 f"{shown(ident)}, a production data store: {envs} is wired to production data, so "
                                 f"a {envs} change or agent task acts on it", r.span,
                              key=f"{n.span.path}|tginput|{r.why}", envs=sorted(set(n.env_names) | {"production"}))
