"""CS020: Azure custom role definition that can delete, assignable at subscription or management-group scope."""
from __future__ import annotations

from iaclint.graph.grants import azure_grants, reach_text


def check(ctx):
    """FAIL: azurerm_role_definition with permissions.actions ["*"], ["*/delete"] or ["Microsoft.Storage/*/delete"]
    and scope / assignable_scopes a subscription or management group.
    PASS: read actions ("*/read", "Microsoft.Storage/storageAccounts/read"); the same role assignable only on one
    resource group."""
    for g in azure_grants(ctx.graph):
        d = g.node
        if d.type != "azurerm_role_definition":
            continue
        acts = g.extra["actions"]
        shown = ", ".join(acts[:4]) + (f" and {len(acts) - 4} more" if len(acts) > 4 else "")
        reach, related = reach_text(ctx.graph, g)
        yield ctx.finding(d, f"{d.meta['address']} ({g.role}) allows {shown}, assignable at {g.scope} scope: whoever "
                             f"it is assigned to can delete every matching resource of the {g.scope}{reach} — list "
                             f"the read and write actions the job needs, or limit assignable_scopes to its resource "
                             f"group", g.site, related=related,
                          key=f"{d.span.path}|{d.meta['address']}|definition")
