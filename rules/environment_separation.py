"""environment-separation checks: one data store reachable from two environments, production among them."""
from __future__ import annotations

import re

from iaclint.engine.loader import check
from iaclint.graph.blast import fix_site
from iaclint.model import Location
from iaclint.terraform.values import Unknown


@check("ES001")
def env_files_share_datastore(ctx):
    """FAIL: .env.staging and .env.production both DATABASE_URL=…@db-prod:5432/orders.
    PASS: each environment's URL names its own host or database."""
    by_identity: dict = {}
    for n in ctx.graph.of_kind("env_var"):
        ident = n.attrs.get("identity")
        if not ident or n.attrs.get("example") or not n.env_names:
            continue
        by_identity.setdefault(ident, []).append(n)
    for ident, nodes in sorted(by_identity.items()):
        envs = sorted({e for n in nodes for e in n.env_names})
        if len(envs) < 2 or "production" not in envs:
            continue
        prod = [n for n in nodes if "production" in n.env_names]
        others = [n for n in nodes if "production" not in n.env_names]
        host = ident.split("://", 1)[-1]
        for n in others:
            p = prod[0]
            msg = (f"{n.name} in {', '.join(n.env_names)} points at {host}, the same data store as production's "
                   f"{p.name} ({p.span.path}:{p.span.line}): a {', '.join(n.env_names)} task can change or drop "
                   f"production data")
            yield ctx.finding(n, msg, related=[Location(p.span, "production uses the same data store here")],
                              key=f"{n.span.path}|{n.name}|{ident}", envs=sorted(set(n.env_names) | {"production"}))


@check("ES002")
def railway_volume_shared(ctx):
    """FAIL: a community-provider railway_service volume in a project with a staging environment;
    the same volume id mounted in the staging and production exports."""
    by_id: dict = {}
    for vol in ctx.graph.of_kind("railway_volume"):
        if vol.attrs.get("source") in ("terraform", "railway-iac"):  # declared once, exists in every env
            envs = vol.env_names
            if len(envs) >= 2 and "production" in envs:
                res = ctx.graph.nodes.get(vol.meta.get("resource"))
                reasons = [e.reason for e in vol.envs]
                msg = (f"volume {vol.name!r} exists in {' and '.join(envs)}: {reasons[0].split(',')[0]}; "
                       f"volumeDelete takes no environment, so deleting it from staging deletes production's data "
                       f"and its backups")
                f = ctx.finding(res or vol, msg, vol.span, key=f"{vol.span.path}|{vol.name}|shared", envs=envs)
                yield f
        elif vol.attrs.get("id"):
            by_id.setdefault(vol.attrs["id"], []).append(vol)
    for vid, vols in sorted(by_id.items()):
        envs = sorted({e for v in vols for e in v.env_names})
        if len(envs) < 2 or "production" not in envs:
            continue
        prod = [v for v in vols if "production" in v.env_names]
        for v in vols:
            if "production" in v.env_names:
                continue
            msg = (f"volume {vid} is mounted in {', '.join(v.env_names)} and in production "
                   f"({prod[0].span.path}:{prod[0].span.line}): one volume, two environments — volumeDelete from "
                   f"{', '.join(v.env_names)} deletes production's data and its backups")
            yield ctx.finding(v, msg, related=[Location(prod[0].span, "production mounts the same volume here")],
                              key=f"{v.span.path}|{vid}|shared", envs=envs)


# ------------------------------------------------------------------------------------------------- helpers
_PROD_TOKEN = re.compile(r"(?<![a-z0-9])(prod|production|prd)(?![a-z])", re.I)
_HOSTISH = re.compile(r"^(?:[a-z][a-z0-9+.\-]*://)?(?:[^@/\s]*@)?(?P<host>[a-z0-9][a-z0-9.\-]*\.[a-z0-9\-]+)"
                      r"(?::\d+)?(?:/[^\s]*)?$", re.I)
DATA_SCHEMES = ("postgres", "postgresql", "mysql", "mariadb", "redis", "rediss", "mongodb", "mongodb+srv", "amqp",
                "amqps", "s3", "gs", "sqlserver", "mssql", "cockroachdb", "clickhouse", "kafka", "nats", "libsql")
_ARN = re.compile(r"^arn:aws[a-z\-]*:(?P<svc>s3|rds|dynamodb|elasticache|es|backup|kms|ec2|efs|redshift|docdb|"
                  r"secretsmanager|sqs|sns|kinesis):[^:]*:[^:]*:(?P<res>.+)$")
STATEFUL_DATA = {
    "aws_db_instance", "aws_rds_cluster", "aws_s3_bucket", "aws_dynamodb_table", "aws_ebs_volume",
    "aws_efs_file_system", "aws_elasticache_cluster", "aws_elasticache_replication_group", "aws_docdb_cluster",
    "aws_backup_vault", "aws_db_snapshot", "aws_ebs_snapshot", "aws_kms_key", "aws_secretsmanager_secret",
    "aws_redshift_cluster", "aws_opensearch_domain", "aws_sqs_queue",
    "google_sql_database_instance", "google_storage_bucket", "google_compute_disk", "google_bigquery_dataset",
    "google_spanner_instance", "google_redis_instance", "google_compute_snapshot",
    "azurerm_storage_account", "azurerm_mssql_server", "azurerm_postgresql_flexible_server",
    "azurerm_managed_disk", "azurerm_cosmosdb_account", "azurerm_key_vault",
    "railway_project", "railway_service", "railway_environment",
}
IDENTIFIER_ATTRS = ("name", "bucket", "identifier", "db_instance_identifier", "cluster_identifier", "table_name",
                    "volume_id", "id", "arn", "instance", "domain_name", "replication_group_id", "key_id",
                    "file_system_id", "queue_name", "dataset_id")


def names_production(s) -> bool:
    return isinstance(s, str) and bool(_PROD_TOKEN.search(s))


def non_production(node) -> bool:
    envs = node.env_names
    return bool(envs) and "production" not in envs


def datastore_target(value) -> str | None:
    """The host / resource part of a value that names a data store: a database URL, an ARN of a data service."""
    if not isinstance(value, str) or len(value) > 2000:
        return None
    v = value.strip()
    m = _ARN.match(v)
    if m:
        return m.group("res")
    if "://" in v:
        scheme = v.split("://", 1)[0].lower()
        if scheme not in DATA_SCHEMES:
            return None
        h = _HOSTISH.match(v)
        if h:
            return h.group("host")
    return None


def _strings(v, path="", depth=0):
    if depth > 6:
        return
    if isinstance(v, str):
        yield path, v
    elif isinstance(v, dict):
        for k, x in v.items():
            if k in ("tags", "tags_all", "labels"):
                continue
            yield from _strings(x, f"{path}.{k}" if path else str(k), depth + 1)
    elif isinstance(v, list):
        for x in v:
            yield from _strings(x, path, depth + 1)


def _site(node, attr):
    return fix_site(node, attr, attr.split(".")[0])


# ------------------------------------------------------------------------------------------------- ES003
def _remote_state_production(attrs) -> str | None:
    ws = attrs.get("workspace")
    if names_production(ws):
        return f"workspace = {ws!r}"
    for path, s in _strings(attrs.get("config") or {}, "config"):
        if names_production(s):
            return f"{path} = {s!r}"
    return None


def _state_site(n, attr):
    """The line naming production: a tfvars / caller line when the value comes from outside, else the `key` /
    `prefix` / `workspaces` line inside `config = { … }` (its own line, not the `config` header)."""
    parts = attr.split(".")
    present = n.meta.get("present") or {}
    for i in range(len(parts), 1, -1):  # config.workspaces.name -> config.workspaces (one level is recorded)
        a = ".".join(parts[:i])
        if a in n.origins:
            site = fix_site(n, a)
            return present.get(a, site) if site == n.span else site
    return _site(n, attr)


@check("ES003")
def remote_state_production(ctx):
    """FAIL: data "terraform_remote_state" in a staging root with config.key = "production/terraform.tfstate".
    PASS: the staging root reads staging state."""
    for n in ctx.graph.of_type("terraform_remote_state"):
        if n.kind != "tf_data" or not non_production(n):
            continue
        why = _remote_state_production(n.attrs)
        if not why:
            continue
        attr = "workspace" if why.startswith("workspace") else why.split(" = ")[0]
        envs = ", ".join(n.env_names)
        yield ctx.finding(n, f"{n.meta['address']} in {envs} reads production's Terraform state ({why}): {envs} "
                             f"configuration is wired to production resources (their ids, endpoints and "
                             f"credentials), so a {envs} change or agent task acts on production",
                          _state_site(n, attr), key=f"{n.span.path}|{n.meta['address']}|prodstate",
                          envs=sorted(set(n.env_names) | {"production"}))


# ------------------------------------------------------------------------------------------------- ES004
def _production_identities(graph) -> dict:
    """identifier value -> node of a production-only stateful resource."""
    out = {}
    for n in graph.of_kind("tf_resource"):
        if n.env_names != ["production"] or n.type not in STATEFUL_DATA:
            continue
        for a in IDENTIFIER_ATTRS:
            v = n.attrs.get(a)
            if isinstance(v, str) and len(v) >= 3:
                out.setdefault(v, n)
    return out


@check("ES004")
def lookup_production_resource(ctx):
    """FAIL: in staging, data "aws_db_instance" with db_instance_identifier = "orders-production" (or the name of a
    resource only production declares). PASS: the staging lookup names a staging resource."""
    prod_ids = _production_identities(ctx.graph)
    for n in ctx.graph.of_kind("tf_data"):
        if n.type not in STATEFUL_DATA or not non_production(n):
            continue
        for path, s in _strings(n.attrs):
            top = path.split(".")[0]
            if top not in IDENTIFIER_ATTRS and top != "filter":
                continue
            owner = prod_ids.get(s)
            if not (names_production(s) or owner is not None):
                continue
            envs = ", ".join(n.env_names)
            why = f"the identifier of {owner.meta['address']}, declared only for production" if owner is not None \
                else "a production name"
            related = [Location(owner.span, "production declares it here")] if owner is not None else []
            yield ctx.finding(n, f"{n.meta['address']} in {envs} looks up {n.type} {s!r} ({why}): {envs} then "
                                 f"reads and writes production's data, and anything that destroys or restores it "
                                 f"from {envs} hits production", _site(n, path), related=related,
                              key=f"{n.span.path}|{n.meta['address']}|prodlookup",
                              envs=sorted(set(n.env_names) | {"production"}))
            break


# ------------------------------------------------------------------------------------------------- ES005
def _shared_identities(graph) -> set:
    out: dict = {}
    for n in graph.of_kind("env_var"):
        ident = n.attrs.get("identity")
        if ident and n.env_names:
            out.setdefault(ident, set()).update(n.env_names)
    return {i for i, envs in out.items() if "production" in envs and len(envs) > 1}


@check("ES005")
def production_host_in_nonproduction(ctx):
    """FAIL: .env.staging DATABASE_URL=postgresql://…@orders-prod.abc.rds.amazonaws.com/orders; a staging
    railway_variable whose value points at db.production.internal. PASS: staging hosts; production files."""
    shared = _shared_identities(ctx.graph)
    for n in ctx.graph.of_kind("env_var"):
        if not non_production(n) or n.attrs.get("example") or n.attrs.get("identity") in shared:
            continue
        ident = n.attrs.get("identity")
        if not ident:
            continue
        target = ident.split("://", 1)[-1].rstrip("/").rstrip(":")
        if not names_production(target.split("/")[0].split(":")[0] if ident.startswith(DATA_SCHEMES) else target):
            continue
        envs = ", ".join(n.env_names)
        yield ctx.finding(n, f"{n.name} in {envs} points at {target}, a production data store: a "
                             f"{envs} migration, test run or agent task changes production data",
                          key=f"{n.span.path}|{n.name}|prodhost", envs=sorted(set(n.env_names) | {"production"}))
    for n in ctx.graph.of_kind("tf_resource"):
        if not non_production(n):
            continue
        for path, s in _strings(n.attrs):
            target = datastore_target(s)
            if not target or not names_production(target):
                continue
            envs = ", ".join(n.env_names)
            yield ctx.finding(n, f"{n.meta['address']} in {envs} points {path} at {target}, a production data store: "
                                 f"{envs} reads and writes production data", _site(n, path),
                              key=f"{n.span.path}|{n.meta['address']}|prodhost",
                              envs=sorted(set(n.env_names) | {"production"}))
            break


# ------------------------------------------------------------------------------------------------- ES006
def _secret_occurrences(graph):
    """fingerprint -> [(node, label)] for credentials and secret-looking env variables."""
    out: dict = {}
    seen = set()
    for n in graph.of_kind("credential"):
        fp = n.attrs.get("fingerprint")
        if fp:
            out.setdefault(fp, []).append((n, n.name))
            seen.add(n.id)
    for n in graph.of_kind("env_var"):
        fp = n.attrs.get("secret_fingerprint")
        if fp and n.attrs.get("credential") not in seen:
            out.setdefault(fp, []).append((n, n.name))
    return out


@check("ES006")
def shared_secret_across_environments(ctx):
    """FAIL: SESSION_SECRET (or a token) with the same value in .env.staging and .env.production.
    PASS: each environment has its own value."""
    shared = _shared_identities(ctx.graph)
    for fp, occ in sorted(_secret_occurrences(ctx.graph).items()):
        occ = [(n, label) for n, label in occ if n.env_names and n.attrs.get("identity") not in shared]
        envs = sorted({e for n, _ in occ for e in n.env_names})
        if len(envs) < 2 or "production" not in envs:
            continue
        prod = sorted((n for n, _ in occ if "production" in n.env_names), key=lambda n: (n.span.path, n.span.line))
        p = prod[0]
        for n, label in sorted(occ, key=lambda x: (x[0].span.path, x[0].span.line)):
            if "production" in n.env_names:
                continue
            e = ", ".join(n.env_names)
            yield ctx.finding(n, f"{label} in {e} has the same secret value as production's {p.name} "
                                 f"({p.span.path}:{p.span.line}): whoever holds the {e} copy — any {e} process, "
                                 f"CI job or agent — holds production's credential",
                              related=[Location(p.span, "production's copy of the same secret")],
                              key=f"{n.span.path}|{label}|sharedsecret", envs=sorted(set(n.env_names) | {"production"}))


# ------------------------------------------------------------------------------------------------- ES007
def _production_env_refs(graph) -> dict:
    """(root, context, address) -> name for Railway environments that are production."""
    out = {}
    for n in graph.of_kind("tf_resource"):
        key = (n.meta.get("root"), n.meta.get("context"))
        if n.type == "railway_environment":
            name = n.attrs.get("name")
            if isinstance(name, str) and graph.ctx.envs.normalize_free(name) == "production":
                out[key + (n.meta["address"],)] = name
        elif n.type == "railway_project":
            de = n.attrs.get("default_environment")
            de = de[0] if isinstance(de, list) and de else de
            name = de.get("name") if isinstance(de, dict) else None
            if name is None or (isinstance(name, str) and graph.ctx.envs.normalize_free(name) == "production"):
                out[key + (n.meta["address"],)] = name or "production"
    return out


@check("ES007")
def railway_environment_forked_from_production(ctx):
    """FAIL: railway_environment "staging" with source_environment_id = railway_project.app.default_environment.id
    (production). PASS: an environment created empty, or forked from another non-production one."""
    prod = _production_env_refs(ctx.graph)
    for n in ctx.graph.of_type("railway_environment"):
        if n.kind != "tf_resource" or "source_environment_id" not in (n.meta.get("present") or {}):
            continue
        name = n.attrs.get("name")
        if isinstance(name, str) and ctx.graph.ctx.envs.normalize_free(name) == "production":
            continue
        key = (n.meta.get("root"), n.meta.get("context"))
        mp = n.meta.get("module_path") or ""
        src = None
        v = n.attrs.get("source_environment_id")
        # the reference itself is kept only in the Unknown's reason ("railway_project.app.default_environment.id …")
        expr = v.reason.split(" ", 1)[0] if isinstance(v, Unknown) else ""
        for ref in n.meta.get("refs") or []:
            addr = ".".join(ref.split(".")[:2])
            full = f"{mp}.{addr}" if mp else addr
            if key + (full,) in prod and expr.startswith(addr + "."):
                src = (full, prod[key + (full,)])
        if src is None:
            continue
        site = n.meta["present"]["source_environment_id"]
        yield ctx.finding(n, f"{n.meta['address']} ({name if isinstance(name, str) else 'environment'}) is forked "
                             f"from production ({src[0]}, {src[1]!r}): Railway copies production's services, "
                             f"variables (secrets and database URLs included) and volume configuration into it, so "
                             f"it starts out pointing at production — create it empty or fork a staging environment",
                          site, key=f"{n.span.path}|{n.meta['address']}|forked",
                          envs=sorted({ctx.graph.ctx.envs.normalize_free(name) if isinstance(name, str) else "staging",
                                       "production"}))


# ------------------------------------------------------------------------------------------------- ES008
_SECRET_VAR_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY|_KEY$|_DSN$|"
                              r"DATABASE_URL|CONNECTION_STRING|CREDENTIALS)", re.I)


def _ref_expr(n, attr) -> str:
    """The module-qualified reference an attribute holds (`railway_service.api.id`), or ""."""
    v = n.attrs.get(attr)
    expr = v.reason.split(" ", 1)[0] if isinstance(v, Unknown) else ""
    mp = n.meta.get("module_path") or ""
    return f"{mp}.{expr}" if mp and expr else expr


def production_secret(name, value) -> str | None:
    """Why NAME = VALUE is production's secret or data, or None: a catalogue credential, a data-store URL, or a
    literal under a secret-looking name. References (${{ Postgres.DATABASE_URL }}) and placeholders are not."""
    from iaclint.graph import credentials as creds

    if not isinstance(value, str) or creds.is_placeholder(value):
        return None
    m = creds.match_value(name if isinstance(name, str) else "", value)
    if m is not None:
        return f"a {m.kind.title} ({m.redacted})"
    target = datastore_target(value)
    if target:
        return f"a connection to the data store {target}"
    if isinstance(name, str) and _SECRET_VAR_NAME.search(name) and len(value) >= 8 and " " not in value.strip():
        return "a secret"
    return None


def _service_variables(graph, svc):
    """(variable node, name, why, site) for each production secret written for SVC: railway_variable /
    railway_variable_collection whose service_id is SVC and whose environment_id is a production environment."""
    key = (svc.meta.get("root"), svc.meta.get("context"))
    prod = {addr for (r, c, addr) in _production_env_refs(graph) if (r, c) == key}
    out = []
    for v in graph.of_type("railway_variable", "railway_variable_collection"):
        if v.kind != "tf_resource" or (v.meta.get("root"), v.meta.get("context")) != key:
            continue
        if not _ref_expr(v, "service_id").startswith(svc.meta["address"] + "."):
            continue
        env_ref = _ref_expr(v, "environment_id")
        if not any(env_ref.startswith(a + ".") for a in prod):
            continue
        present = v.meta.get("present") or {}
        if v.type == "railway_variable":
            pairs = [(v.attrs.get("name"), v.attrs.get("value"), "value")]
        else:
            items = v.attrs.get("variables")
            pairs = [(x.get("name"), x.get("value"), "variables") for x in items if isinstance(x, dict)] \
                if isinstance(items, list) else []
        for name, value, attr in pairs:
            why = production_secret(name, value)
            if why:
                out.append((v, name, why, fix_site(v, attr) if attr == "value" else
                            (present.get("variables.value") or present.get("variables") or v.span)))
    return out


@check("ES008")
def railway_service_every_environment(ctx):
    """FAIL: community-provider railway_service (no environment argument) in a project with production and staging,
    with a railway_variable holding a production secret or database URL written for the production environment.
    PASS: one project per environment; variables that reference Railway-provided values (${{ Postgres.… }})."""
    for svc in ctx.graph.of_type("railway_service"):
        if svc.kind != "tf_resource" or not svc.meta.get("all_environments"):
            continue
        envs = svc.env_names
        others = [e for e in envs if e != "production"]
        if "production" not in envs or not others:
            continue
        found = _service_variables(ctx.graph, svc)
        if not found:
            continue
        v0, name0, why0, site0 = found[0]
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        other = " and ".join(others)
        reason = next((e.reason for e in svc.envs if e.name != "production"), "")
        yield ctx.finding(
            svc,
            f"{svc.meta['address']} is created with no environment, so the same service exists in production and "
            f"{other} (its project also has environment {reason.split('including ')[-1]}); production's variable "
            f"{name0} holds {why0} "
            f"({site0.path}:{site0.line}){more}: an action on the service from {other} — deleting it, changing "
            f"its source or settings, an agent's serviceDelete with the service id — reaches the instance that runs "
            f"with production's secrets and data; give production its own Railway project",
            svc.span, related=[Location(site, f"production's {name} ({why.split(' (')[0]})")
                               for _v, name, why, site in found],
            key=f"{svc.span.path}|{svc.meta['address']}|allenvs", envs=envs)
