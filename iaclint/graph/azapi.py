"""azapi_resource / azapi_update_resource as the azurerm resources the rules already read.

Azure Verified Modules create resources through the AzAPI provider: ``type = "Microsoft.Storage/storageAccounts@…"``
and an ARM ``body = { properties = { … } }``. ``as_azurerm`` gives such a node the azurerm type and the azurerm
attributes its ARM properties mean (the table below: protection, backup and replication properties only), each
located on the body line that sets it, so DP021, DP022, BK022… judge it unchanged. Its address stays the azapi one
(``meta["tf_type"]`` keeps the Terraform type references name). ``fold`` then merges what a child resource
(``…/blobServices``, ``…/backupLongTermRetentionPolicies``) or an ``azapi_update_resource`` sets into the node it
targets (``parent_id`` / ``resource_id``): blob soft delete lives on the blobServices child in ARM but on the
storage account in azurerm.
"""
from __future__ import annotations

import json
import re

from ..model import Node, Span
from ..terraform.values import Computed, Unknown

AZAPI_TYPES = ("azapi_resource", "azapi_update_resource")
_SKIP = object()  # a converter's "the azurerm attribute is not set"
_NEAR = 40  # how many lines below a located key its nested keys are looked for


def _repl(v):  # sku.name "Standard_RAGRS" -> account_replication_type "RAGRS"
    return v.split("_", 1)[1] if isinstance(v, str) and "_" in v else _SKIP


def _tier(v):  # sku.name "Premium_LRS" -> account_tier "Premium"
    return v.split("_", 1)[0] if isinstance(v, str) and "_" in v else _SKIP


def _enabled(v):  # "Enabled" / "Disabled" -> bool
    return v.lower() == "enabled" if isinstance(v, str) else v


def _not_disabled(v):  # softDeleteState "Enabled" | "AlwaysON" | "Disabled" -> bool
    return v.lower() != "disabled" if isinstance(v, str) else v


def _str_bool(v):  # redisConfiguration values are strings: "true"
    return v.lower() == "true" if isinstance(v, str) else v


def _lower(v):
    return v.lower() if isinstance(v, str) else v


def _policy(v):
    """deleteRetentionPolicy {enabled, days} -> a delete_retention_policy block when enabled, else not set."""
    if not isinstance(v, dict):
        return v
    on = v.get("enabled")
    if isinstance(on, Unknown):
        return on
    return [{"days": v.get("days", 7)}] if on is True else _SKIP


def _immutability(v):
    """immutableStorageWithVersioning {enabled, immutabilityPolicy} -> an immutability_policy block when enabled."""
    if not isinstance(v, dict):
        return v
    on = v.get("enabled")
    if isinstance(on, Unknown):
        return on
    pol = v.get("immutabilityPolicy") if isinstance(v.get("immutabilityPolicy"), dict) else {}
    return [{"state": pol.get("state", "Unlocked"),
             "period_since_creation_in_days": pol.get("immutabilityPeriodSinceCreationInDays")}] if on is True else _SKIP


def _ident(v):
    return v


# ARM type (no API version) -> (azurerm type | None, the ARM type a child folds into | None,
#                                          [(body path, azurerm attribute path, converter)])
# Paths are dotted; a number indexes a list. Every intermediate azurerm segment is a nested block.
TABLE: dict[str, tuple] = {
    "Microsoft.Storage/storageAccounts": ("azurerm_storage_account", None, [
        ("kind", "account_kind", _ident),
        ("sku.name", "account_replication_type", _repl),
        ("sku.name", "account_tier", _tier),
        ("properties.isHnsEnabled", "is_hns_enabled", _ident),
        ("properties.allowSharedKeyAccess", "shared_access_key_enabled", _ident),
        ("properties.immutableStorageWithVersioning", "immutability_policy", _immutability),
    ]),
    "Microsoft.Storage/storageAccounts/blobServices": (None, "Microsoft.Storage/storageAccounts", [
        ("properties.deleteRetentionPolicy", "blob_properties.delete_retention_policy", _policy),
        ("properties.containerDeleteRetentionPolicy", "blob_properties.container_delete_retention_policy", _policy),
        ("properties.isVersioningEnabled", "blob_properties.versioning_enabled", _ident),
    ]),
    "Microsoft.KeyVault/vaults": ("azurerm_key_vault", None, [
        ("properties.enableSoftDelete", "soft_delete_enabled", _ident),
        ("properties.enablePurgeProtection", "purge_protection_enabled", _ident),
        ("properties.softDeleteRetentionInDays", "soft_delete_retention_days", _ident),
    ]),
    "Microsoft.Sql/servers": ("azurerm_mssql_server", None, []),
    "Microsoft.Sql/servers/databases": ("azurerm_mssql_database", None, [
        ("properties.requestedBackupStorageRedundancy", "storage_account_type", _ident),
    ]),
    "Microsoft.Sql/servers/databases/backupLongTermRetentionPolicies": (None, "Microsoft.Sql/servers/databases", [
        ("properties.weeklyRetention", "long_term_retention_policy.weekly_retention", _ident),
        ("properties.monthlyRetention", "long_term_retention_policy.monthly_retention", _ident),
        ("properties.yearlyRetention", "long_term_retention_policy.yearly_retention", _ident),
        ("properties.weekOfYear", "long_term_retention_policy.week_of_year", _ident),
    ]),
    "Microsoft.Sql/servers/databases/backupShortTermRetentionPolicies": (None, "Microsoft.Sql/servers/databases", [
        ("properties.retentionDays", "short_term_retention_policy.retention_days", _ident),
    ]),
    "Microsoft.Sql/managedInstances": ("azurerm_mssql_managed_instance", None, [
        ("properties.requestedBackupStorageRedundancy", "storage_account_type", _ident),
    ]),
    "Microsoft.DBforPostgreSQL/flexibleServers": ("azurerm_postgresql_flexible_server", None, [
        ("properties.backup.geoRedundantBackup", "geo_redundant_backup_enabled", _enabled),
        ("properties.backup.backupRetentionDays", "backup_retention_days", _ident),
    ]),
    "Microsoft.DBforMySQL/flexibleServers": ("azurerm_mysql_flexible_server", None, [
        ("properties.backup.geoRedundantBackup", "geo_redundant_backup_enabled", _enabled),
        ("properties.backup.backupRetentionDays", "backup_retention_days", _ident),
    ]),
    **{t: (az, None, [
        ("properties.storageProfile.geoRedundantBackup", "geo_redundant_backup_enabled", _enabled),
        ("properties.storageProfile.backupRetentionDays", "backup_retention_days", _ident),
    ]) for t, az in (("Microsoft.DBforPostgreSQL/servers", "azurerm_postgresql_server"),
                     ("Microsoft.DBforMySQL/servers", "azurerm_mysql_server"),
                     ("Microsoft.DBforMariaDB/servers", "azurerm_mariadb_server"))},
    "Microsoft.DocumentDB/databaseAccounts": ("azurerm_cosmosdb_account", None, [
        ("properties.backupPolicy.type", "backup.type", _ident),
        ("properties.backupPolicy.periodicModeProperties.backupStorageRedundancy", "backup.storage_redundancy",
         _ident),
    ]),
    "Microsoft.RecoveryServices/vaults": ("azurerm_recovery_services_vault", None, [
        ("properties.securitySettings.softDeleteSettings.softDeleteState", "soft_delete_enabled", _not_disabled),
        ("properties.redundancySettings.standardTierStorageRedundancy", "storage_mode_type", _ident),
    ]),
    "Microsoft.RecoveryServices/vaults/backupconfig": (None, "Microsoft.RecoveryServices/vaults", [
        ("properties.softDeleteFeatureState", "soft_delete_enabled", _not_disabled),
        ("properties.storageModelType", "storage_mode_type", _ident),
    ]),
    "Microsoft.RecoveryServices/vaults/backupstorageconfig": (None, "Microsoft.RecoveryServices/vaults", [
        ("properties.storageModelType", "storage_mode_type", _ident),
    ]),
    "Microsoft.DataProtection/backupVaults": ("azurerm_data_protection_backup_vault", None, [
        ("properties.storageSettings.0.type", "redundancy", _ident),
    ]),
    "Microsoft.Compute/disks": ("azurerm_managed_disk", None, []),
    "Microsoft.Cache/redis": ("azurerm_redis_cache", None, [
        ("properties.sku.name", "sku_name", _ident),
        ("properties.redisConfiguration.rdb-backup-enabled", "redis_configuration.rdb_backup_enabled", _str_bool),
        ("properties.redisConfiguration.aof-backup-enabled", "redis_configuration.aof_backup_enabled", _str_bool),
    ]),
    "Microsoft.AppConfiguration/configurationStores": ("azurerm_app_configuration", None, [
        ("sku.name", "sku", _lower),
        ("properties.enablePurgeProtection", "purge_protection_enabled", _ident),
        ("properties.softDeleteRetentionInDays", "soft_delete_retention_days", _ident),
    ]),
    "Microsoft.Authorization/locks": ("azurerm_management_lock", None, [
        ("properties.level", "lock_level", _ident),
    ]),
}

_BY_TYPE = {k.lower(): v for k, v in TABLE.items()}  # ARM resource types are case-insensitive
_RG = re.compile(r"^/subscriptions/[^/]+/resourceGroups/([^/]+)/?$", re.I)


def arm_types(azurerm_type: str) -> list[str]:
    """The ARM resource types iaclint judges as AZURERM_TYPE (docs/coverage.md names them)."""
    return [k for k, v in TABLE.items() if v[0] == azurerm_type]


def arm_type(node: Node):
    """The table key of an azapi node (``type`` without ``@api-version``, lower case), or None."""
    t = node.attrs.get("type")
    return t.split("@", 1)[0].lower() if isinstance(t, str) else None


def _body(node: Node):
    b = node.attrs.get("body")
    if isinstance(b, str):  # azapi 1.x: body = jsonencode({…})
        try:
            b = json.loads(b)
        except ValueError:
            return None
    return b


def _get(body, path: str):
    """(value, found) at an ARM body path; an Unknown on the way is the value."""
    cur = body
    for part in path.split("."):
        if isinstance(cur, Unknown):
            return cur, True
        if isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        elif isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return None, False
    return cur, cur is not None


def _site(node: Node, path: str, files: dict):
    """(origins, present span) of the body key of PATH: the deepest one the evaluator located, followed down the
    source lines through the keys below it (the evaluator locates three levels of an object)."""
    parts = ["body"] + path.split(".")
    present = node.meta.get("present", {})
    rest: list = []
    while parts:
        p = ".".join(parts)
        if p in present:
            site = present[p]
            lines = getattr(files.get(site.path), "lines", None) or []
            for key in rest:
                pat = re.compile(r'^\s*"?' + re.escape(key) + r'"?\s*[=:]')
                hit = next((i for i in range(site.line, min(len(lines), site.line + _NEAR)) if pat.match(lines[i])),
                           None)
                if hit is None:
                    break
                site = Span(site.path, hit + 1, len(lines[hit]) - len(lines[hit].lstrip()) + 1)
            return (node.origins.get(p) or [] if not rest or site is present[p] else []), site
        rest.insert(0, parts.pop())
    return [], None


def _set(attrs: dict, path: str, value) -> None:
    """Set an azurerm attribute path, creating (or copying: values are shared) the nested blocks on the way."""
    *blocks, last = path.split(".")
    cur = attrs
    for b in blocks:
        old = cur.get(b)
        inner = dict(old[0]) if isinstance(old, list) and old and isinstance(old[0], dict) else {}
        cur[b] = [inner]
        cur = inner
    cur[last] = value


def _mapped(node: Node, entries, attrs: dict, origins: dict, present: dict, files: dict) -> None:
    body = _body(node)
    for arm, az, conv in entries:
        value, found = (body, True) if isinstance(body, Unknown) else _get(body, arm)
        if not found:
            continue
        value = value if isinstance(value, Unknown) else conv(value)
        if value is _SKIP or value is None:
            continue
        _set(attrs, az, value)
        org, site = _site(node, arm, files)
        origins[az] = org
        if site is not None:
            present[az] = site


def as_azurerm(node: Node, files: dict) -> Node:
    """NODE, or for an azapi_resource of a type in TABLE the same resource typed and shaped as azurerm."""
    if node.type != "azapi_resource" or node.kind not in ("tf_resource", "tf_resource_unused"):
        return node
    spec = _BY_TYPE.get(arm_type(node) or "")
    if spec is None or spec[0] is None:
        return node
    az, _, entries = spec
    attrs, origins, present = dict(node.attrs), dict(node.origins), dict(node.meta.get("present", {}))
    parent = node.attrs.get("parent_id")
    if az == "azurerm_management_lock":
        attrs["scope"] = parent
        if "parent_id" in present:
            present["scope"] = present["parent_id"]
    elif isinstance(parent, Unknown) and not isinstance(parent, Computed):
        attrs.setdefault("resource_group_name", parent)  # a group iaclint cannot name (DP021: cannot verify)
    elif isinstance(parent, str) and _RG.match(parent):
        attrs.setdefault("resource_group_name", _RG.match(parent).group(1))
    _mapped(node, entries, attrs, origins, present, files)
    meta = dict(node.meta, present=present, tf_type=node.type, arm_type=arm_type(node))
    return Node(node.id, node.kind, az, node.name, node.span, node.envs, attrs, origins, meta)


def fold(nodes: list[Node], files: dict) -> None:
    """Merge azapi child resources and azapi_update_resource patches into the resource they target (one root and
    context's nodes): the target's attributes, origins and lines become what the child or patch sets."""
    by_addr = {n.meta.get("address"): n for n in nodes}
    for n in nodes:
        if n.type not in AZAPI_TYPES or n.kind != "tf_resource":
            continue
        spec = _BY_TYPE.get(arm_type(n) or "")
        if spec is None or (spec[0] is not None and n.type == "azapi_resource"):
            continue  # a resource of its own (as_azurerm typed it), not a child or a patch
        ref = n.attrs.get("parent_id" if n.type == "azapi_resource" else "resource_id")
        target = by_addr.get(getattr(ref, "source", None))  # a Computed id, or "${….id}/blobServices/default"
        if target is not None and target.type == _BY_TYPE[(spec[1] or arm_type(n) or "").lower()][0]:
            # the expansion's origins / present are shared between equal records: merge into copies
            target.origins = dict(target.origins)
            target.meta["present"] = dict(target.meta.get("present", {}))
            _mapped(n, spec[2], target.attrs, target.origins, target.meta["present"], files)
