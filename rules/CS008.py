"""CS008: Azure role that can delete everything assigned at subscription, management-group or production
resource-group scope."""
from __future__ import annotations

from iaclint.graph.grants import azure_grants, reach_text


def check(ctx):
    """FAIL: azurerm_role_assignment of Owner / Contributor / User Access Administrator (by name or built-in role
    GUID), or of a repository role definition that can delete, to a service principal, managed identity or group,
    with scope = a subscription, a management group or a production resource group.
    PASS: the same role on a staging resource group or one resource; Reader anywhere; a role assigned to a user.
    A resource group of no known environment is possibly production: reported at medium, saying so. A scope
    iaclint cannot resolve is reported as cannot-verify."""
    for g in azure_grants(ctx.graph):
        n = g.node
        if n.type != "azurerm_role_assignment":
            continue
        if g.scope == "unknown":
            yield ctx.cannot_verify(n, f"the scope of its {g.role} assignment", g.extra["reason"],
                                    g.extra["scope_site"])
            continue
        where = f"resource group {g.scope_id}" if g.scope == "resource group" and g.scope_id else g.scope
        unknown_env = g.extra.get("env_unknown")
        if g.scope == "resource group":
            where = f"{where} (environment unknown; treat as production)" if unknown_env else f"production {where}"
        reach, related = reach_text(ctx.graph, g)
        yield ctx.finding(n, f"{n.meta['address']} assigns {g.role} ({g.can}) at {where} scope to {g.principal}: its "
                             f"credentials can delete every database, storage account and Recovery Services vault "
                             f"in that scope{reach} — assign a narrower role on the resource group or resource it "
                             f"manages", g.site, related=related, severity="medium" if unknown_env else None,
                          key=f"{n.span.path}|{n.meta['address']}|{g.role}")
