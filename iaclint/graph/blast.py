"""Blast radius: what a credential could destroy, joined from its scope and the graph."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Node

# resource types whose deletion loses data (the stateful set)
STATEFUL_PREFIXES = {
    "aws": ("aws_db_instance", "aws_rds_cluster", "aws_rds_global_cluster", "aws_docdb_cluster", "aws_neptune_cluster",
            "aws_dynamodb_table", "aws_s3_bucket", "aws_ebs_volume", "aws_efs_file_system", "aws_backup_vault",
            "aws_elasticache_replication_group", "aws_elasticache_cluster", "aws_qldb_ledger", "aws_redshift_cluster",
            "aws_opensearch_domain", "aws_elasticsearch_domain", "aws_kms_key", "aws_secretsmanager_secret"),
    "google": ("google_sql_database_instance", "google_storage_bucket", "google_compute_disk",
               "google_bigquery_dataset", "google_bigquery_table", "google_spanner_database",
               "google_spanner_instance", "google_container_cluster", "google_compute_instance"),
    "azurerm": ("azurerm_mssql_database", "azurerm_mssql_server", "azurerm_postgresql_flexible_server",
                "azurerm_mysql_flexible_server", "azurerm_storage_account", "azurerm_key_vault",
                "azurerm_managed_disk", "azurerm_cosmosdb_account", "azurerm_recovery_services_vault"),
}


# resource types a team declares stateful (config / ScanOptions.stateful_types), e.g. in-house providers
EXTRA_STATEFUL: set = set()


def is_stateful(node: Node) -> bool:
    if node.kind == "railway_volume":
        return True
    if node.kind not in ("tf_resource", "plan_resource"):
        return False
    if node.type in EXTRA_STATEFUL:
        return True
    if node.type == "railway_service" and node.attrs.get("volume"):
        return True
    for types in STATEFUL_PREFIXES.values():
        if node.type in types:
            return True
    return False


@dataclass
class Reach:
    credential: Node
    targets: list = field(default_factory=list)  # [Node]

    def summary(self, limit: int = 3) -> str:
        if not self.targets:
            return ""
        parts = []
        for t in self.targets[:limit]:
            envs = " and ".join(t.env_names) if t.env_names else "an unknown environment"
            kind = "volume" if t.kind == "railway_volume" else t.type
            backups = ""
            if t.kind == "railway_volume":
                backups = " and its backups"
            parts.append(f"{kind} {t.name} (in {envs}){backups}")
        more = f" and {len(self.targets) - limit} more" if len(self.targets) > limit else ""
        return "; ".join(parts) + more


def _stateful_nodes(graph) -> list:
    """The graph's stateful nodes, computed once per graph (every credential's reach scans them)."""
    key = (len(graph.nodes), frozenset(EXTRA_STATEFUL))
    cached = getattr(graph, "_stateful_cache", None)
    if cached is None or cached[0] != key:
        cached = (key, [n for n in graph.nodes.values() if is_stateful(n)])
        graph._stateful_cache = cached
    return cached[1]


def reach_of(graph, cred: Node) -> Reach:
    reaches = cred.meta.get("reaches") or {}
    providers = reaches.get("providers") or []
    targets = []
    cred_envs = set(cred.env_names)
    for n in _stateful_nodes(graph):
        prov = "railway" if n.kind == "railway_volume" else n.type.split("_", 1)[0]
        if prov not in providers:
            continue
        if reaches.get("same_environment") and cred_envs and n.env_names and not cred_envs & set(n.env_names):
            continue
        targets.append(n)
    # one entry per physical thing: Terraform volumes evaluated per context collapse by name+span
    seen = set()
    uniq = []
    for t in sorted(targets, key=lambda t: (0 if "production" in t.env_names else 1, t.span.path, t.span.line)):
        k = (t.name, t.span.path, t.span.line)
        if k in seen:
            continue
        seen.add(k)
        uniq.append(t)
    return Reach(cred, uniq)


def fix_site(n: Node, *attrs: str):
    """The line to change for one of ATTRS of a Terraform node: a tfvars / caller line when the value comes from
    outside the block, the attribute line for a literal, the block header when the value derives from each/count."""
    for a in attrs:
        origins = n.origins.get(a) or []
        for o in origins:
            if o.path != n.span.path or o.line < n.span.line:
                return o
        if origins and n.meta.get("key") is None:
            return origins[0]
    return n.span
