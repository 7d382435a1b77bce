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
               "google_spanner_instance", "google_container_cluster", "google_compute_instance",
               "google_bigtable_instance", "google_bigtable_table", "google_firestore_database", "google_redis_instance",
               "google_alloydb_cluster", "google_filestore_instance"),
    "azurerm": ("azurerm_mssql_database", "azurerm_mssql_server", "azurerm_postgresql_flexible_server",
                "azurerm_mysql_flexible_server", "azurerm_storage_account", "azurerm_key_vault",
                "azurerm_managed_disk", "azurerm_cosmosdb_account", "azurerm_recovery_services_vault",
                "azurerm_postgresql_server", "azurerm_mysql_server", "azurerm_mariadb_server",
                "azurerm_mssql_managed_instance", "azurerm_redis_cache", "azurerm_data_protection_backup_vault"),
}


def is_stateful(node: Node, extra_types: frozenset) -> bool:
    """Whether deleting NODE loses data. EXTRA_TYPES: the types the team declares stateful (``graph.ctx``)."""
    if node.kind in ("railway_volume", "data_store"):  # data_store: a database only a URL names (graph/identity.py)
        return True
    if node.kind not in ("tf_resource", "plan_resource"):
        return False
    if node.type in extra_types:
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
    places = len(t.meta.get("declared_at") or [])
    where = f"; declared in {places} places" if places > 1 else ""
    return f"{kind} {name} (in {envs}{where})" + (f" and {b}" if b else "")


def _stateful_nodes(graph) -> list:
    """The graph's stateful nodes, computed once per graph (every credential's reach scans them)."""
    extra = graph.ctx.stateful_types
    return graph.derived("stateful", lambda: [n for n in graph.nodes.values() if is_stateful(n, extra)])


def reach_of(graph, cred: Node) -> Reach:
    """What CRED could destroy. The answer depends only on the credential's providers, whether it is bound
    to its environment, and (then) its environments: computed once per such key and graph — otherwise every
    credential regrouped every stateful node, quadratic in the size of the tree."""
    reaches = cred.meta.get("reaches") or {}
    providers = reaches.get("providers") or []
    same_env = bool(reaches.get("same_environment"))
    types = tuple(reaches["types"]) if reaches.get("types") is not None else None
    where = reaches.get("where")
    key = (tuple(providers), same_env, frozenset(cred.env_names) if same_env else None, types, where)
    memo = graph.derived("reach", dict)
    if key not in memo:
        memo[key] = _reach_targets(graph, providers, same_env, set(cred.env_names), types=types, where=where)
    # the data store a connection URL credential names (graph.identity links it: meta["stores"])
    stores = [graph.nodes[i] for i in cred.meta.get("stores") or () if i in graph.nodes]
    return Reach(cred, stores + [t for t in memo[key] if t not in stores])


def _reach_targets(graph, providers, same_environment: bool, cred_envs: set, *, types=None, where=None) -> list:
    """The stateful nodes of PROVIDERS (of TYPES only, when given) a credential or grant reaches; WHERE narrows a
    grant to its GCP project or Azure resource group (grants.Grant.where)."""
    targets = []
    for n in _stateful_nodes(graph) if where is None else _near(graph, where):
        if n.kind == "data_store":
            continue  # reached by the credential its URL is (reach_of), never by a provider's scope
        prov = "railway" if n.kind == "railway_volume" else n.type.split("_", 1)[0]
        if prov not in providers or (types is not None and n.type not in types):
            continue
        if same_environment and cred_envs and n.env_names and not cred_envs & set(n.env_names):
            continue
        if where is not None and not _within(n, where):
            continue
        targets.append(n)
    # a railway_service whose volume is its own node: the volume stands for it
    targets = [t for t in targets if not (t.type == "railway_service" and f"tfvol|{t.id}" in graph.nodes)]
    # grants of many roots on one project reach the same nodes: grouped once per distinct list of targets
    groups = graph.derived("reach groups", dict)
    key = tuple(t.id for t in targets)
    uniq = groups.get(key)
    if uniq is None:
        uniq = [_merge(members) for members in same_things(graph, targets)]
        uniq.sort(key=lambda t: (0 if "production" in t.env_names else 1, t.span.path, t.span.line))
        groups[key] = uniq
    return list(uniq)


def _near(graph, where: tuple) -> list:
    """The stateful nodes that can lie within WHERE (``_within``'s candidates), in ``_stateful_nodes`` order: those
    whose project / resource_group_name is its id, and those evaluated in its root and context.  Indexed once per
    graph: a tree with a grant in every root otherwise compared every grant with every stateful node."""
    def build():
        by_ident: dict = {}
        by_ctx: dict = {}
        for i, n in enumerate(_stateful_nodes(graph)):
            for attr in ("project", "resource_group_name"):
                if isinstance(n.attrs.get(attr), str):
                    by_ident.setdefault((attr, n.attrs[attr]), []).append((i, n))
            by_ctx.setdefault((n.meta.get("root"), n.meta.get("context")), []).append((i, n))
        return by_ident, by_ctx
    by_ident, by_ctx = graph.derived("stateful near", build)
    kind, ident, root, context = where[:4]
    hits = dict(by_ctx.get((root, context), ()))
    if ident:
        hits.update(by_ident.get(("project" if kind == "project" else "resource_group_name", ident), ()))
    return [n for _, n in sorted(hits.items(), key=lambda x: x[0])]


def _within(n: Node, where: tuple) -> bool:
    """Whether stateful N lies in a grant's GCP project ("project", id, root, context) or Azure resource group
    ("rg", name, root, context, local address): its project / resource_group_name attribute says so, or (unset or
    unknown) it is evaluated in the grant's root and environment context (the provider's default project) or
    references the resource group."""
    kind, ident, root, context = where[:4]
    same_ctx = (n.meta.get("root"), n.meta.get("context")) == (root, context)
    attr = n.attrs.get("project" if kind == "project" else "resource_group_name")
    if isinstance(attr, str) and ident:
        return attr == ident
    if kind == "rg" and where[4] and same_ctx:
        return where[4] in (n.meta.get("refs") or [])
    return same_ctx


# attributes naming a resource whose name is unique in its scope (bucket names are global)
_NAME_ATTRS = ("bucket", "identifier", "cluster_identifier", "db_instance_identifier", "name", "table_name",
               "replication_group_id", "domain_name")
_GLOBAL_NAMES = {"aws_s3_bucket", "google_storage_bucket"}


def _service_of(graph, t: Node) -> Node | None:
    sid = t.attrs.get("service")
    if not isinstance(sid, str):
        return None
    n = graph.nodes.get(sid)
    if n is None and t.attrs.get("source") == "env-config export":
        n = graph.nodes.get(f"rw_service|{t.span.path}|{sid}")
    return n


def _source_of(svc: Node | None):
    """A Railway service's image or repo, whichever way the file spells it."""
    if svc is None:
        return None
    a = svc.attrs
    src = a.get("source") if isinstance(a.get("source"), dict) else {}
    for v in (src.get("image"), src.get("repo"), a.get("source_image"), a.get("source_repo")):
        if isinstance(v, str) and v:
            return v
    return None


def _thing_keys(graph, t: Node) -> list:
    """[(key, needs shared environment)]: two targets with a common key are the same named thing. A Railway
    volume id is the volume; a volume name with its service's name, or the service's image/repo with the mount
    path, name it across files (IaC, Terraform, exports) — but only when they share an environment, so two
    projects (one per environment) that both call their volume "pgdata" stay apart."""
    keys = [(("span", t.span.path, t.span.line, t.span.col, t.meta.get("address") or t.name), False)]
    if t.kind == "railway_volume":
        vid = t.attrs.get("id")
        if isinstance(vid, str) and vid and t.attrs.get("source") == "env-config export":
            keys.append((("railway-volume-id", vid), False))
        svc = _service_of(graph, t)
        sname = svc.attrs.get("name") if svc is not None else None
        vname = t.attrs.get("name")
        if isinstance(sname, str) and isinstance(vname, str):
            keys.append((("railway-volume", sname, vname), True))
        mount, src = t.attrs.get("mount_path"), _source_of(svc)
        if isinstance(mount, str) and src:
            keys.append((("railway-mount", src, mount), True))
        return keys
    for a in _NAME_ATTRS:
        v = t.attrs.get(a)
        if isinstance(v, str) and v:
            keys.append(((t.type, a, v), t.type not in _GLOBAL_NAMES))
            break
    return keys


def same_things(graph, targets: list) -> list:
    """TARGETS grouped into physical things (union of targets sharing a key), each group sorted by location."""
    targets = sorted(targets, key=lambda t: (t.span.path, t.span.line, t.id))
    parent = list(range(len(targets)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_key: dict = {}
    # (node id, span) -> its keys: every grant's reach groups the same nodes (a diagram's proxies differ by span)
    known = graph.derived("thing keys", dict)
    for i, t in enumerate(targets):
        keys = known.get((t.id, t.span))
        if keys is None:
            keys = known[(t.id, t.span)] = _thing_keys(graph, t)
        for key, needs_env in keys:
            by_key.setdefault(key, []).append((i, needs_env))
    for members in by_key.values():
        for (i, needs_env) in members[1:]:
            j = members[0][0]
            a, b = targets[i].env_names, targets[j].env_names
            if needs_env and a and b and not set(a) & set(b):
                continue
            parent[find(i)] = find(j)
    groups: dict = {}
    for i, t in enumerate(targets):
        groups.setdefault(find(i), []).append(t)
    return list(groups.values())


def _merge(members: list) -> Node:
    """One node for a thing declared in several places: the first declaration, every environment, and the
    other declarations in meta["declared_at"] (spans, first one included)."""
    first = members[0]
    if len(members) == 1:
        return first
    envs = {e.name: e for m in members for e in m.envs}
    spans = []
    for m in members:
        if (m.span.path, m.span.line) not in [(s.path, s.line) for s in spans]:
            spans.append(m.span)
    named = next((m for m in members if m.kind != "railway_volume" or m.attrs.get("name")), first)
    return Node(first.id, first.kind, first.type, named.name, first.span, list(envs.values()), first.attrs,
                first.origins, dict(first.meta, merged=[m.id for m in members], declared_at=spans,
                                    address=named.meta.get("address")))


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
