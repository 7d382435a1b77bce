"""Blast radius: what a credential could destroy, joined from its scope and the graph."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Node

# resource types whose deletion loses data (the stateful set)
STATEFUL_PREFIXES = {
    "aws": ("aws_db_instance", "aws_rds_cluster", "aws_rds_global_cluster", "aws_docdb_cluster", "aws_neptune_cluster",
            "aws_dynamodb_table", "aws_s3_bucket", "aws_ebs_volume", "aws_efs_file_system", "aws_backup_vault",
            "aws_elasticache_replication_group", "aws_elasticache_cluster", "aws_qldb_ledger", "aws_redshift_cluster",
            "aws_opensearch_domain", "aws_elasticsearch_domain", "aws_kms_key", "aws_secretsmanager_secret",
            "aws_cognito_user_pool"),
    "google": ("google_sql_database_instance", "google_storage_bucket", "google_compute_disk", "google_compute_region_disk",
               "google_bigquery_dataset", "google_bigquery_table", "google_spanner_database",
               "google_spanner_instance", "google_container_cluster", "google_compute_instance"),
    "azurerm": ("azurerm_mssql_database", "azurerm_mssql_server", "azurerm_postgresql_flexible_server",
                "azurerm_mysql_flexible_server", "azurerm_storage_account", "azurerm_key_vault",
                "azurerm_managed_disk", "azurerm_cosmosdb_account", "azurerm_recovery_services_vault",
                "azurerm_postgresql_server", "azurerm_mysql_server", "azurerm_mariadb_server",
                "azurerm_mssql_managed_instance", "azurerm_redis_cache", "azurerm_data_protection_backup_vault"),
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
        parts = [describe(t) for t in self.targets[:limit]]
        more = f" and {len(self.targets) - limit} more" if len(self.targets) > limit else ""
        return "; ".join(parts) + more

    def environments(self) -> list:
        return sorted({e for t in self.targets for e in t.env_names})


def backups_phrase(t: Node) -> str:
    """The backups that die with T (they share its failure domain), as a phrase; "" when none are known."""
    if t.kind == "railway_volume":
        return "its backups (Railway volume backups live on the volume)"
    if t.type in ("aws_db_instance",) and t.attrs.get("delete_automated_backups") is not False:
        return "its automated backups"
    if t.type in ("aws_rds_cluster", "aws_docdb_cluster", "aws_neptune_cluster"):
        return "its automated backups"
    if t.type == "google_sql_database_instance":
        return "its automated backups"
    if t.type == "railway_service":
        return "its volume's backups"
    return ""


def describe(t: Node) -> str:
    envs = " and ".join(t.env_names) if t.env_names else "an unknown environment"
    kind = "volume" if t.kind == "railway_volume" else t.type
    name = t.meta.get("address") or t.name
    b = backups_phrase(t)
    return f"{kind} {name} (in {envs})" + (f" and {b}" if b else "")


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
    # a railway_service whose volume is its own node: the volume stands for it
    targets = [t for t in targets if not (t.type == "railway_service" and f"tfvol|{t.id}" in graph.nodes)]
    # one entry per physical thing: a Terraform block evaluated per environment context collapses by span, a
    # Railway volume id seen in several exports by id; the entry lists every environment it is in
    groups: dict = {}
    for t in sorted(targets, key=lambda t: (t.span.path, t.span.line, t.id)):
        k = ("volume-id", t.attrs.get("id")) if t.kind == "railway_volume" and t.attrs.get("id") else \
            (t.span.path, t.span.line, t.span.col, t.meta.get("address") or t.name)
        groups.setdefault(k, []).append(t)
    uniq = []
    for members in groups.values():
        first = members[0]
        envs = {e.name: e for m in members for e in m.envs}
        if len(members) > 1 and set(envs) != set(first.env_names):
            first = Node(first.id, first.kind, first.type, first.name, first.span, list(envs.values()), first.attrs,
                         first.origins, dict(first.meta, merged=[m.id for m in members]))
        uniq.append(first)
    uniq.sort(key=lambda t: (0 if "production" in t.env_names else 1, t.span.path, t.span.line))
    return Reach(cred, uniq)


def reach_dict(graph, cred: Node) -> dict:
    """The blast-radius view of one credential, as plain data (no secret: kind, name, redacted prefix)."""
    r = reach_of(graph, cred)
    a = cred.attrs
    return {"credential": {"kind": a.get("kind"), "title": a.get("title"), "name": cred.name,
                           "scope": a.get("scope"), "broad": a.get("broad"), "redacted": a.get("redacted"),
                           "file": cred.span.path, "line": cred.span.line, "environments": cred.env_names},
            "destroys": a.get("destroys", ""),
            "environments": r.environments(),
            "targets": [{"type": "volume" if t.kind == "railway_volume" else t.type,
                         "name": t.meta.get("address") or t.name, "file": t.span.path, "line": t.span.line,
                         "environments": t.env_names, "backups": backups_phrase(t)} for t in r.targets]}


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


def render_blast_radius(graph, fmt: str = "text", *, show_all: bool = False) -> str:
    """`iaclint blast-radius`: every credential (broad ones, or all), its scope and reach."""
    creds = sorted((n for n in graph.nodes.values() if n.kind == "credential" and (show_all or n.attrs.get("broad"))),
                   key=lambda n: (n.span.path, n.span.line, n.type))
    views = [reach_dict(graph, c) for c in creds]
    if fmt == "json":
        import json

        return json.dumps({"credentials": views}, indent=2, sort_keys=True) + "\n"
    if not views:
        return "no broadly scoped credentials found\n" if not show_all else "no credentials found\n"
    out = []
    for v in views:
        c = v["credential"]
        envs = f" [{', '.join(c['environments'])}]" if c["environments"] else ""
        out.append(f"{c['file']}:{c['line']}  {c['title']} {c['name']} ({c['redacted']}){envs}")
        out.append(f"  scope: {c['scope']}{' (broad)' if c['broad'] else ''}")
        if v["targets"]:
            out.append(f"  can destroy ({len(v['targets'])}, environments: {', '.join(v['environments']) or 'unknown'}):")
            for t in v["targets"]:
                b = f" + {t['backups']}" if t["backups"] else ""
                te = ", ".join(t["environments"]) or "unknown environment"
                out.append(f"    - {t['type']} {t['name']} [{te}]{b}  ({t['file']}:{t['line']})")
        else:
            out.append(f"  can destroy: {v['destroys'] or 'nothing iaclint can name'} (no matching resource in the "
                       f"scanned files)")
        out.append("")
    return "\n".join(out)
