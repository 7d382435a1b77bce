"""Data-store identity: one normalised name for a data store, whichever kind of file names it, and every
reference to it from every source and environment (``Graph.identities``).

An identity is a string ``<scheme>://<name>``: ``postgresql://host:port/db`` (a connection URL's host, port and
database), ``bucket://orders-data`` (S3 / GCS bucket), ``aws-ebs://vol-…``, ``aws-efs://fs-…``,
``aws-rds://orders-production`` (DB and cluster identifiers), ``aws-dynamodb://orders``, ``arn://rds/…`` (an ARN
of a data service), ``gcp-sql://project:region:instance``, ``azure://…`` (a resource id),
``azure-storage://name``, ``azure-server://name``, ``railway-volume://id``.

Entry point for contributors (any input kind, e.g. Terragrunt ``inputs``/``dependency``)::

    graph.identities.add_reference(identity, EnvTag(env, why_env), span, source_kind, why,
                                   node=None, role="uses")

``role`` is ``declares`` (the resource that creates the store), ``looks up`` (a data source) or ``uses`` (an
attribute, variable or env value naming it). Rules ask ``graph.identities.shared()``: identities reached from
production and another environment. ``collect_identities`` (run by the Builder after every contributor) adds
the references of env files, Railway exports and Railway IaC variables, Railway volumes, and Terraform
resources, data sources and attribute values (tfvars and module inputs included, through the attribute's
origin).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..model import EnvTag, Node, Span
from .blast import fix_site, is_stateful

_URL = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.\-]*)://(?:[^@/]*@)?(?P<host>[^/:?#]+)(?::(?P<port>\d+))?"
                  r"(?:/(?P<path>[^?#]*))?", re.I)
_ARN_ID = re.compile(r"^arn:aws[a-z\-]*:(s3|rds|dynamodb|elasticache|efs|ec2|backup|redshift|docdb|es):[^:]*:[^:]*:"
                     r"([^\s*]+)$")
_BUCKET_KEY = re.compile(r"(^|_)(BUCKET|BUCKET_NAME|GCS_BUCKET|S3_BUCKET|VOLUME_ID|DB_INSTANCE_IDENTIFIER)$", re.I)
_BUCKET_VAL = re.compile(r"^[a-z0-9][a-z0-9.\-_]{2,62}$")
_AWS_ID = re.compile(r"^(?P<kind>vol|fs)-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
_GCP_SQL = re.compile(r"^[a-z][a-z0-9\-]{4,28}[a-z0-9]:[a-z]+-[a-z]+\d:[a-z][a-z0-9\-]{0,97}$")
_AZURE_ID = re.compile(r"^/subscriptions/[0-9a-f\-]{36}/resourceGroups/[^/]+/providers/(?P<ns>Microsoft\.[A-Za-z]+)/"
                       r"(?P<type>[A-Za-z]+)/(?P<name>[^/]+)", re.I)
_AZURE_DATA = {"microsoft.storage/storageaccounts", "microsoft.sql/servers",
               "microsoft.dbforpostgresql/flexibleservers", "microsoft.dbforpostgresql/servers", "microsoft.dbformysql/flexibleservers",
               "microsoft.documentdb/databaseaccounts", "microsoft.compute/disks", "microsoft.cache/redis"}
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "host.docker.internal")
# URL schemes of data stores (databases, caches, queues, object stores): a connection URL with one of these names
# a store; any other scheme (api://AzureADTokenExchange, an OIDC audience; ssh://, git://) does not
DATA_SCHEMES = ("postgres", "postgresql", "mysql", "mariadb", "redis", "rediss", "mongodb", "mongodb+srv", "amqp",
                "amqps", "s3", "gs", "sqlserver", "mssql", "cockroachdb", "clickhouse", "kafka", "nats", "libsql",
                "neo4j", "bolt", "cassandra", "memcached", "couchbase", "couchbases")

# Terraform types whose identifier attribute names a data store: type -> (scheme, identifier attributes).
# Managed resources declare it; data sources of the same type look it up.
STATEFUL_IDENTIFIERS = {
    "aws_db_instance": ("aws-rds", ("identifier", "db_instance_identifier")),
    "aws_rds_cluster": ("aws-rds", ("cluster_identifier",)),
    "aws_docdb_cluster": ("aws-rds", ("cluster_identifier",)),
    "aws_neptune_cluster": ("aws-rds", ("cluster_identifier",)),
    "aws_s3_bucket": ("bucket", ("bucket",)),
    "aws_dynamodb_table": ("aws-dynamodb", ("name",)),
    "aws_efs_file_system": ("aws-efs", ("file_system_id",)),
    "aws_ebs_volume": ("aws-ebs", ("volume_id", "id")),
    "aws_elasticache_cluster": ("aws-elasticache", ("cluster_id",)),
    "aws_elasticache_replication_group": ("aws-elasticache", ("replication_group_id",)),
    "aws_redshift_cluster": ("aws-redshift", ("cluster_identifier",)),
    "google_storage_bucket": ("bucket", ("name",)),
    "google_sql_database_instance": ("gcp-sql-instance", ("name",)),
    "azurerm_storage_account": ("azure-storage", ("name",)),
    "azurerm_mssql_server": ("azure-server", ("name",)),
    "azurerm_postgresql_flexible_server": ("azure-server", ("name",)),
    "azurerm_mysql_flexible_server": ("azure-server", ("name",)),
}
# schemes whose names are unique only inside one account or project
ACCOUNT_SCHEMES = frozenset({"aws-rds", "aws-dynamodb", "aws-elasticache", "aws-redshift", "gcp-sql-instance"})
# attribute names whose value is the store another resource acts on (aws_volume_attachment.volume_id …)
_ATTR_SCHEMES = {"volume_id": "aws-ebs", "file_system_id": "aws-efs", "db_instance_identifier": "aws-rds",
                 "cluster_identifier": "aws-rds", "table_name": "aws-dynamodb", "bucket": "bucket"}
_NOT_STORE_ATTRS = ("tags", "tags_all", "labels", "name_prefix", "description")
# free-form input names (a Terragrunt unit's inputs, a module's variables) whose value is a store's identifier
_INPUT_SCHEMES = ((re.compile(r"(^|_)(db|rds|database|cluster|instance)_(instance_)?(identifier|id)$|^identifier$",
                              re.I), "aws-rds"),
                  (re.compile(r"(^|_)(dynamodb_)?table(_name)?$", re.I), "aws-dynamodb"),
                  (re.compile(r"(^|_)(endpoint|host|hostname|address)$", re.I), "host"))
# data sources whose arguments name a Terraform state backend (one bucket holds every root's state under its own
# key): reading another root's state is ES003's, not a shared data store
_STATE_READERS = frozenset({"terraform_remote_state"})


@lru_cache(maxsize=4096)
def _bucket_key(key: str) -> bool:
    """Whether a variable named KEY holds a bucket / volume / DB identifier by its name (names repeat: cached)."""
    return _BUCKET_KEY.search(key) is not None


def identity_of(key: str, value: str) -> str | None:
    """A normalized identity for data stores named in a variable: host[:port]/database of a connection URL, an ARN
    of a data service, or a bucket / volume name in a variable named for it."""
    if not isinstance(value, str) or not value:
        return None
    a = _ARN_ID.match(value.strip())
    if a:
        return f"arn://{a.group(1)}/{a.group(2).split('/')[0]}"
    if _bucket_key(key or "") and _BUCKET_VAL.match(value.strip()):
        return f"bucket://{value.strip().lower()}"
    m = _URL.match(value.strip())
    if m and m.group("scheme").lower().split("+")[0] in DATA_SCHEMES and m.group("host"):
        host = m.group("host").lower()
        if host in _LOCAL_HOSTS or host.startswith("${"):
            return None
        if host.endswith(".railway.internal"):
            return None  # Railway private networking: the same name resolves to each environment's own service
        db = (m.group("path") or "").split("/")[0]
        return f"{m.group('scheme').lower().split('+')[0]}://{host}:{m.group('port') or ''}/{db}"
    return None


def value_identity(key: str, value) -> str | None:
    """``identity_of`` plus the values that name a store by their shape alone (``vol-…``, ``fs-…``, a Cloud SQL
    connection name, an Azure resource id of a data service) or by the attribute they are set on."""
    if not isinstance(value, str) or not value or len(value) > 2000:
        return None
    v = value.strip()
    if ":" not in v and not v.startswith(("vol-", "fs-", "/")) and key not in _ATTR_SCHEMES \
            and not _bucket_key(key or ""):
        return None  # no shape below can match (URLs, ARNs and Cloud SQL names hold a ":", Azure ids start "/")
    m = _AWS_ID.match(v)
    if m:
        return f"aws-{'ebs' if m.group('kind') == 'vol' else 'efs'}://{v}"
    if _GCP_SQL.match(v):
        return f"gcp-sql://{v}"
    az = _AZURE_ID.match(v)
    if az and f"{az.group('ns')}/{az.group('type')}".lower() in _AZURE_DATA:
        return f"azure://{az.group(0).lower()}"
    ident = identity_of(key, v)
    if ident is not None:
        return ident
    scheme = _ATTR_SCHEMES.get(key)
    if scheme and _BUCKET_VAL.match(v) and "${" not in v:
        return f"{scheme}://{v.lower()}"
    return None


def input_identity(key: str, value) -> str | None:
    """``value_identity`` for an input of a free-form NAME (``db_identifier``, ``orders_table_name``): a Terragrunt
    unit's ``inputs`` hand their values to a module iaclint may not see."""
    ident = value_identity(key, value)
    if ident is not None or not isinstance(value, str):
        return ident
    v = value.strip()
    for pat, scheme in _INPUT_SCHEMES:
        if pat.search(key) and _BUCKET_VAL.match(v) and "${" not in v and (scheme != "host" or "." in v):
            return f"{scheme}://{v.lower().split(':')[0] if scheme == 'host' else v.lower()}"
    return None


def resource_identity(type_: str, attr: str, value) -> str | None:
    """The identity a Terraform resource or data source of TYPE names with its identifier ATTR (``bucket``,
    ``db_instance_identifier`` …), or None."""
    spec = STATEFUL_IDENTIFIERS.get(type_)
    if not spec or attr not in spec[1] or not isinstance(value, str) or len(value) < 3 or "${" in value:
        return None
    if spec[0] in ("aws-ebs", "aws-efs"):
        return value_identity(attr, value)
    return f"{spec[0]}://{value.strip().lower()}"


def is_global(identity: str) -> bool:
    """Whether IDENTITY names one store wherever it appears (a DB identifier or table name is unique only in
    one account: two roots declaring it are two stores)."""
    return identity.split("://", 1)[0] not in ACCOUNT_SCHEMES


@dataclass(frozen=True)
class Reference:
    """One place that names a data store, in one environment."""

    identity: str
    env: EnvTag
    span: Span
    source_kind: str  # "env file", "Railway export", "railway-iac", "terraform", "tfvars", TERRAGRUNT …
    why: str  # what the place does with it: "DATABASE_URL", "aws_volume_attachment.data.volume_id" …
    node: str | None = None  # the graph node it belongs to
    role: str = "uses"  # declares | looks up | uses


@dataclass
class Identities:
    """Every reference to every data-store identity (``Graph.identities``)."""

    refs: dict[str, list[Reference]] = field(default_factory=dict)

    def add_reference(self, identity: str, env: EnvTag, span: Span, source_kind: str, why: str, *,
                      node: str | None = None, role: str = "uses") -> Reference:
        r = Reference(identity, env, span, source_kind, why, node, role)
        lst = self.refs.setdefault(identity, [])
        if r not in lst:
            lst.append(r)
        return r

    def environments(self, identity: str) -> list[str]:
        return sorted({r.env.name for r in self.refs.get(identity, ())})

    def shared(self) -> dict[str, list[Reference]]:
        """Identities reached from production and another environment -> their references."""
        return {i: refs for i, refs in sorted(self.refs.items())
                if "production" in (envs := {r.env.name for r in refs}) and len(envs) > 1}


def _env_tags(n: Node) -> list[EnvTag]:
    return list(n.envs)


_ENV_VAR_KINDS = {"railway_ts": "railway-iac", "railway_py": "railway-iac", "railway_env_config": "Railway export",
                  "railway_json": "railway.json", "railway_toml": "railway.toml"}
TERRAGRUNT = "terragrunt inputs"  # the source kind of a Terragrunt unit's inputs (terragrunt/graph.py)
# source kinds of env-style variables (a service's environment): ES001 compares these with each other
ENV_VAR_SOURCES = frozenset(_ENV_VAR_KINDS.values()) | {"env file"}


def _env_var_kind(n: Node) -> str:
    return _ENV_VAR_KINDS.get(str(n.meta.get("file_kind") or ""), "env file")


def strings_in(v, path="", skip=("tags", "tags_all", "labels")) -> list:
    """[(attribute path, string)] for every string in a Terraform value, in order, keys in SKIP left out; nothing
    nested deeper than 6 levels (the recursion's depth is that bound, never the input's)."""
    out: list = []
    _strings(v, path, 0, skip, out)
    return out


def _strings(v, path: str, depth: int, skip, out: list) -> None:
    if isinstance(v, str):
        out.append((path, v))
    elif depth < 6:
        if isinstance(v, dict):
            for k, x in v.items():
                if k not in skip and isinstance(x, (str, dict, list)):
                    _strings(x, f"{path}.{k}" if path else str(k), depth + 1, skip, out)
        elif isinstance(v, list):
            for x in v:
                if isinstance(x, (str, dict, list)):
                    _strings(x, path, depth + 1, skip, out)


def _terraform(ids: Identities, n: Node) -> None:
    if n.type in _STATE_READERS:
        return
    envs = _env_tags(n)
    addr = n.meta.get("address") or n.name
    own = set()
    role = "declares" if n.kind == "tf_resource" else "looks up"
    for k in STATEFUL_IDENTIFIERS.get(n.type, ("", ()))[1]:
        ident = resource_identity(n.type, k, n.attrs.get(k))
        if ident:
            own.add(k)
            site = fix_site(n, k)
            for e in envs:
                ids.add_reference(ident, e, site, _source(n, site), f"{addr}.{k}", node=n.id, role=role)
            break
    for path, s in strings_in(n.attrs, skip=_NOT_STORE_ATTRS):
        top = path.split(".")[0]
        if top in own:
            continue
        ident = value_identity(path.rsplit(".", 1)[-1], s)
        if ident:
            site = fix_site(n, path, top)
            for e in envs:
                ids.add_reference(ident, e, site, _source(n, site), f"{addr}.{path}", node=n.id,
                                  role="looks up" if n.kind == "tf_data" else "uses")


def _source(n: Node, site: Span) -> str:
    return "tfvars" if site.path.endswith((".tfvars", ".tfvars.json")) else \
        ("terraform" if site.path == n.span.path else f"terraform (value from {site.path})")


def collect_identities(g) -> None:
    """Every reference the graph's nodes make to a data store, into ``g.identities``."""
    ids = g.identities
    for n in g.nodes.values():
        if n.kind == "env_var":
            ident = n.attrs.get("identity")
            if ident and not n.attrs.get("example"):
                for e in _env_tags(n):
                    ids.add_reference(ident, e, n.span, _env_var_kind(n), n.name, node=n.id)
        elif n.kind == "railway_volume" and n.attrs.get("source") not in ("terraform", "railway-iac") \
                and n.attrs.get("id"):
            for e in _env_tags(n):
                ids.add_reference(f"railway-volume://{n.attrs['id']}", e, n.span, "Railway export",
                                  f"volume mount {n.attrs['id']}", node=n.id, role="mounts")
        elif n.kind in ("tf_resource", "tf_data"):
            _terraform(ids, n)
    link_credential_stores(g)


_LABELS = {"aws-ebs": "EBS volume", "aws-efs": "EFS file system", "aws-rds": "database", "bucket": "bucket",
           "aws-dynamodb": "DynamoDB table", "gcp-sql": "Cloud SQL instance", "gcp-sql-instance": "Cloud SQL instance",
           "azure": "Azure resource", "azure-storage": "storage account", "azure-server": "database server",
           "railway-volume": "Railway volume", "arn": "", "aws-elasticache": "cache cluster",
           "aws-redshift": "Redshift cluster", "host": "host"}


def shown(identity: str) -> str:
    """An identity as a finding says it: ``volume vol-…``, ``bucket orders-data``, ``host:5432/db``."""
    scheme, _, name = identity.partition("://")
    label = _LABELS.get(scheme)
    return f"{label} {name}".strip() if label is not None else name.rstrip("/").rstrip(":")


def store_name(identity: str) -> str:
    """The name that says which store it is: a connection URL's host, else the identifier (``orders-prod``)."""
    scheme, _, name = identity.partition("://")
    return name if scheme in _LABELS else name.split("/")[0].split(":")[0]


def workspace_shared(g, r, prod) -> bool:
    """R is evaluated for a Terraform workspace and production's workspace reaches the store at the same line:
    the name does not vary with terraform.workspace (ES010)."""
    n = g.nodes.get(r.node)
    ctx = n.meta.get("context") if n is not None else None
    return isinstance(ctx, str) and ctx.startswith("workspace:") and any(p.span == r.span for p in prod)


_RDS_HOST = re.compile(r"^(?P<id>[a-z][a-z0-9\-]{0,62})\.(?:cluster-(?:ro-)?)?[a-z0-9]{6,16}\.[a-z0-9\-]+"
                       r"\.rds\.amazonaws\.com$")
_HOST_ATTRS = ("endpoint", "address", "reader_endpoint", "host", "fqdn", "domain")


def link_credential_stores(g) -> None:
    """A credential that is a connection URL (``DATABASE_URL=postgresql://postgres:…@host:5432/db``) reaches the
    store its URL identity names: the Terraform resources whose endpoint is the host (an RDS instance or cluster
    whose identifier is the host's first label, a stateful resource whose endpoint / address / domain attribute
    is the host), else one ``data_store`` node for the identity, in every environment that reaches it (an env
    file of another environment using the same URL).  Recorded as the credential's ``meta["stores"]``, which
    ``blast.reach_of`` reads."""
    for v in [n for n in g.nodes.values() if n.kind == "env_var"]:
        ident, cred = v.attrs.get("identity"), g.nodes.get(v.attrs.get("credential") or "")
        if not ident or cred is None or ident.split("://", 1)[0] in _LABELS or v.attrs.get("example"):
            continue
        targets = _url_stores(g, ident) or [_store_node(g, ident)]
        cred.meta["stores"] = list(dict.fromkeys((cred.meta.get("stores") or []) + [t.id for t in targets]))


def _url_stores(g, ident: str) -> list:
    host = store_name(ident)
    found = []
    m = _RDS_HOST.match(host)
    if m:
        for r in g.identities.refs.get(f"aws-rds://{m.group('id')}", ()):
            n = g.nodes.get(r.node)
            if r.role == "declares" and n is not None and n not in found:
                found.append(n)
    extra = g.ctx.stateful_types
    for n in g.nodes.values():
        if n not in found and n.kind == "tf_resource" and is_stateful(n, extra) and any(
                isinstance(n.attrs.get(a), str) and n.attrs[a].split(":")[0].lower() == host for a in _HOST_ATTRS):
            found.append(n)
    return found


def _store_node(g, ident: str) -> Node:
    nid = f"store|{ident}"
    if nid in g.nodes:
        return g.nodes[nid]
    refs = sorted(g.identities.refs.get(ident, ()), key=lambda r: (r.env.name != "production", r.span.path,
                                                                   r.span.line))
    envs: dict = {}
    for r in refs:
        envs.setdefault(r.env.name, EnvTag(r.env.name, f"{r.why} at {r.span.path}:{r.span.line} ({r.env.reason})"))
    span = refs[0].span if refs else Span("", 1)
    return g.add(Node(nid, "data_store", "database", shown(ident), span, list(envs.values()), {"identity": ident},
                      {}, {"named_at": list(dict.fromkeys(r.span for r in refs))}))
