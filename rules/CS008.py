"""CS008: Azure Owner/Contributor assigned at subscription scope."""
from __future__ import annotations

import re

from iaclint.graph.blast import fix_site
from iaclint.terraform.values import Unknown


AZURE_BROAD = {"Owner": "full control, including role assignments",
               "Contributor": "create and delete every resource",
               "User Access Administrator": "grant itself any role"}


_SUBSCRIPTION = re.compile(r"^/subscriptions/[^/]+/?$|^/providers/Microsoft\.Management/managementGroups/[^/]+/?$",
                           re.I)


def check(ctx):
    """FAIL: azurerm_role_assignment Owner/Contributor with scope = a subscription (or management group).
    PASS: the same role on one resource group or resource."""
    for n in ctx.each(ctx.graph.of_type("azurerm_role_assignment")):
        if n.kind != "tf_resource":
            continue
        role = n.attrs.get("role_definition_name")
        if role not in AZURE_BROAD:
            continue
        scope = n.attrs.get("scope")
        refs = n.meta.get("refs") or []
        at_sub = (isinstance(scope, str) and bool(_SUBSCRIPTION.match(scope))) or \
            (isinstance(scope, Unknown) and any(r.startswith(("data.azurerm_subscription.",
                                                              "data.azurerm_management_group.",
                                                              "azurerm_management_group.")) for r in refs))
        if not at_sub:
            continue
        who = n.attrs.get("principal_id")
        who = f"principal {who}" if isinstance(who, str) else "its principal"
        yield ctx.finding(n, f"{n.meta['address']} assigns {role} at subscription scope to {who} ({AZURE_BROAD[role]}): "
                             f"its credentials can delete every database, storage account and Recovery Services "
                             f"vault in the subscription — assign it on the resource group it manages",
                          fix_site(n, "scope"), key=f"{n.span.path}|{n.meta['address']}|{role}")
