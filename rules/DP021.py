"""DP021: Azure stateful resource with no CanNotDelete management lock on it or its resource group."""
from __future__ import annotations

import re

from iaclint.engine.helpers import resources
from iaclint.graph.queries import context_index, referenced, siblings, tf_local_address
from iaclint.model import Location
from iaclint.terraform.values import Computed, Unknown, covered


AZURE_STATEFUL = (
    "azurerm_mssql_server", "azurerm_mssql_database", "azurerm_mssql_managed_instance",
    "azurerm_postgresql_flexible_server", "azurerm_postgresql_server", "azurerm_mysql_flexible_server",
    "azurerm_mysql_server", "azurerm_mariadb_server", "azurerm_cosmosdb_account", "azurerm_storage_account",
    "azurerm_key_vault", "azurerm_managed_disk", "azurerm_redis_cache", "azurerm_data_lake_store",
    "azurerm_recovery_services_vault", "azurerm_data_protection_backup_vault", "azurerm_app_configuration",
)


PROTECTING_LEVELS = ("cannotdelete", "readonly")


_SUB_ONLY = re.compile(r"^/subscriptions/[^/]+/?$", re.I)


_RG_SCOPE = re.compile(r"^/subscriptions/[^/]+/resourceGroups/([^/]+)/?$", re.I)


def _parents(graph, node, depth=0) -> list:
    """Resource groups and parent resources (server of a database...) the node references, transitively."""
    out = []
    for p in referenced(graph, node, "azurerm_"):
        if p.type.endswith("resource_group") or p.type in AZURE_STATEFUL:
            out.append(p)
            if depth < 3 and p.type in AZURE_STATEFUL:
                out.extend(_parents(graph, p, depth + 1))
    return out


def _rg_names(graph, node, parents) -> set:
    names = set()
    for n in [node] + [p for p in parents if p.type in AZURE_STATEFUL]:
        v = n.attrs.get("resource_group_name")
        if isinstance(v, str):
            names.add(v.lower())
    for p in parents:
        if p.type.endswith("resource_group") and isinstance(p.attrs.get("name"), str):
            names.add(p.attrs["name"].lower())
    return names


def _scope_targets(graph, lock) -> list:
    """The resources a lock's scope names: referenced in its block, or the resource whose id reaches `scope`
    through locals, variables or module outputs (Computed.source)."""
    targets = referenced(graph, lock)
    scope = lock.attrs.get("scope")
    if not targets and isinstance(scope, Computed) and scope.source:
        targets = [n for n in context_index(graph).get((lock.meta.get("root"), lock.meta.get("context")), ())
                   if n.meta.get("address") == scope.source]
    return targets


def _group_unknown(node, rg_names):
    """The Unknown resource group of a node whose group iaclint cannot name (None when it can)."""
    rg = node.attrs.get("resource_group_name")
    return rg if not rg_names and isinstance(rg, Unknown) else None


def _lock_protects(graph, lock, node, parents, rg_names):
    """True / False / Unknown: does this lock cover node? A lock on the node, a parent (server of a database), its
    resource group (by reference or by name) or the subscription does."""
    level = lock.attrs.get("lock_level")
    if isinstance(level, Unknown):
        return level
    if not isinstance(level, str) or level.lower() not in PROTECTING_LEVELS:
        return False
    targets = _scope_targets(graph, lock)
    if targets:
        ids = {node.id} | {p.id for p in parents}
        if any(t.id in ids for t in targets):
            return True
        if any(t.type in ("azurerm_subscription",) or t.type.endswith("_subscription") for t in targets):
            return True
        groups = [t for t in targets if t.type.endswith("resource_group")]
        if any(isinstance(g.attrs.get("name"), str) and g.attrs["name"].lower() in rg_names for g in groups):
            return True
        unknown = _group_unknown(node, rg_names) if groups else None
        return unknown if unknown is not None else False
    scope = lock.attrs.get("scope")
    if isinstance(scope, Unknown):
        return scope
    if not isinstance(scope, str):
        return False
    if _SUB_ONLY.match(scope):
        return True
    m = _RG_SCOPE.match(scope)
    if m:
        if m.group(1).lower() in rg_names:
            return True
        unknown = _group_unknown(node, rg_names)
        return unknown if unknown is not None else False
    name = node.attrs.get("name")
    low = scope.lower().rstrip("/")
    if isinstance(name, str) and "/providers/" in low and low.endswith("/" + name.lower()):
        rg = re.search(r"/resourcegroups/([^/]+)/", low)
        return rg is None or not rg_names or rg.group(1) in rg_names
    return False


def check(ctx):
    """FAIL: azurerm_storage_account in a resource group with no CanNotDelete lock.
    PASS: azurerm_management_lock scope = azurerm_resource_group.rg.id, lock_level = "CanNotDelete"."""
    g = ctx.graph
    for node in resources(ctx, *AZURE_STATEFUL):
        parents = _parents(g, node)
        rg_names = _rg_names(g, node, parents)
        r = covered(_lock_protects(g, lock, node, parents, rg_names)
                    for lock in siblings(g, node, "azurerm_management_lock"))
        if r is True:
            continue
        if isinstance(r, Unknown):
            yield ctx.cannot_verify(node, "whether a management lock covers it", r.reason)
            continue
        addr = node.meta["address"]
        where = ", ".join(sorted(rg_names)) or "its resource group"
        msg = (f"{addr} has no azurerm_management_lock (CanNotDelete) on it, its parent or its resource group "
               f"({where}): one delete call — or deleting the resource group — removes it and its data")
        related = [Location(p.span, f"parent {tf_local_address(p)}") for p in parents[:2]]
        yield ctx.finding(node, msg, related=related, key=f"{node.span.path}|{addr}|lock")
