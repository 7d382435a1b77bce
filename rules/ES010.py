"""ES010: A data store's name does not vary with the Terraform workspace."""
from __future__ import annotations

from iaclint.graph.identity import shown, workspace_shared


def check(ctx):
    """FAIL: a root applied in the staging and prod workspaces (terraform.tfstate.d/staging, …/prod) with
    aws_db_instance identifier = "orders" or volume_id = "vol-…".
    PASS: identifier = "orders-${terraform.workspace}"."""
    g = ctx.graph
    for ident, refs in g.identities.shared().items():
        prod = [r for r in refs if r.env.name == "production"]
        sites: dict = {}
        for r in refs:
            if r.env.name != "production" and workspace_shared(g, r, prod):
                sites.setdefault((r.span.path, r.span.line, r.span.col), []).append(r)
        for rs in sites.values():
            r = rs[0]
            n = next(iter(ctx.each([g.nodes[r.node]])), None)
            if n is None:
                continue
            envs = sorted({x.env.name for x in rs} | {"production"})
            wss = sorted({g.nodes[x.node].meta["context"].split(":", 1)[1] for x in refs
                          if x.span == r.span and x.node in g.nodes
                          and str(g.nodes[x.node].meta.get("context")).startswith("workspace:")})
            yield ctx.finding(
                n, f"{r.why} names {shown(ident)} in every Terraform workspace of root {n.meta.get('root') or '.'} "
                   f"({', '.join(wss)}): the name does not vary with terraform.workspace, so "
                   f"{' and '.join(wss)} {r.role.replace('declares', 'declare').replace('uses', 'use')} one data store "
                   f"and an apply, destroy or agent task in a non-production workspace acts on production's; "
                   f"build it from terraform.workspace", r.span,
                key=f"{r.span.path}|{r.why}|{ident}|workspaces", envs=envs)
