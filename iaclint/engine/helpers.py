"""Code several rules share (rules/<ID>.py import from here): resource walks, IAM statement parsing, credential
findings, production-name heuristics, Railway dump-job detection. Code one rule needs lives in that rule's file;
generic graph queries live in iaclint/graph/queries.py."""
from __future__ import annotations

import re

from .run import in_scope
from ..graph.blast import fix_site, reach_of
from ..graph.identity import DATA_SCHEMES
from ..model import Location


# ---------------------------------------- Terraform resources and attributes
def resources(ctx, *types):
    """The rule's Terraform resources of these types, in scope, through ctx.each (per-resource isolation)."""
    return ctx.each(n for n in ctx.graph.resources(*types) if in_scope(ctx.rule, n))


def blocks(v) -> list:
    return [b for b in v if isinstance(b, dict)] if isinstance(v, list) else []


def attr_site(node, path):
    return (node.origins.get(path) or [node.meta.get("present", {}).get(path) or node.span])[0]


# ---------------------------------------- AWS Backup vaults (BK004, BK005)
def vault_lock(graph, vault):
    """True when an aws_backup_vault_lock_configuration locks VAULT (by reference or by vault name), else the
    Unknown name of a lock iaclint cannot match (None: no lock)."""
    from ..graph.queries import refers_to, siblings
    from ..terraform.values import Unknown

    name = vault.attrs.get("name")
    unknown = None
    for lock in siblings(graph, vault, "aws_backup_vault_lock_configuration"):
        ln = lock.attrs.get("backup_vault_name")
        if refers_to(lock, vault) or (isinstance(ln, str) and isinstance(name, str) and ln == name):
            return True
        if isinstance(ln, Unknown) and not lock.meta.get("refs"):
            unknown = ln
    return unknown


# ---------------------------------------- off-volume dump jobs (Railway)
def has_backup_schedules(vol) -> bool:
    """A Railway volume with Railway volume backup schedules (a value iaclint cannot know counts as none)."""
    sched = vol.attrs.get("backup_schedules")
    return isinstance(sched, (list, dict)) and bool(sched)

_DUMP_WORDS = ("pg_dump", "pg-dump", "pg_dumpall", "mysqldump", "mongodump", "restic", "litestream", "wal-g",
               "pgbackrest", "BACKUP_BUCKET", "BACKUP_S3")

_DUMP_WORD = re.compile("|".join(re.escape(w.lower()) for w in _DUMP_WORDS))  # searched in lowercased text


def offsite_dump_jobs(graph) -> list:
    """Services/jobs that look like an off-volume dump (pg_dump/mysqldump/restic… to a bucket); BK001 and BK016
    share it, computed once per graph."""
    return graph.derived("offsite_dump_jobs", lambda: _dump_jobs(graph))


def _dump_jobs(graph) -> list:
    hits = []
    for n in graph.nodes.values():
        blob = ""
        if n.kind == "railway_service":
            blob = repr(n.attrs.get("deploy")) + repr(n.attrs.get("source"))
        elif n.kind == "env_var":
            blob = n.name
        elif n.kind == "railway_config":
            blob = repr(n.attrs.get("deploy"))
        elif n.kind == "tf_resource" and n.type == "railway_service":
            blob = " ".join(v for k in ("name", "source_image", "source_repo", "start_command")
                            if isinstance(v := n.attrs.get(k), str))
        elif n.kind == "tf_resource" and n.type in ("railway_variable", "railway_shared_variable"):
            blob = n.attrs["name"] if isinstance(n.attrs.get("name"), str) else ""
        if blob and _DUMP_WORD.search(blob.lower()):
            hits.append(n)
    return hits


# ---------------------------------------- credentials and IAM
RAILWAY_ACCOUNT_KINDS = {"railway-account-token", "railway-provider-token"}


def credential_message(graph, node, lead: str) -> str:
    a = node.attrs
    msg = f"{lead} {a['title']} {node.name} ({a['redacted']}) in {node.span.path}:{node.span.line}"
    reach = reach_of(graph, node)
    if reach.targets:
        msg += f" can delete {reach.summary()}"
    elif a.get("destroys"):
        msg += f" can delete {a['destroys']}"
    return msg


def credential_finding(ctx, n, lead):
    """The finding for credential node N. Its key holds the credential's redacted form (public prefix and length,
    already in the message), so two secrets of different shapes under one name in one file have fingerprints of
    their own. Never the value's hash: the salt is public, so a report fingerprint derived from it would let
    anyone holding the report test guessed passwords offline. ``legacy_key`` lets older baselines match."""
    legacy = f"{n.span.path}|{n.attrs['kind']}|{n.name}"
    f = ctx.finding(n, credential_message(ctx.graph, n, lead), key=f"{legacy}|{n.attrs['redacted']}",
                    envs=n.env_names)
    f.legacy_key = legacy
    f.properties.update({"credential_kind": n.attrs["kind"], "scope": n.attrs["scope"],
                         "redacted": n.attrs["redacted"]})
    if n.attrs.get("scope_down"):
        f.properties["scope_down"] = n.attrs["scope_down"]
    for t in reach_of(ctx.graph, n).targets[:5]:
        for sp in (t.meta.get("declared_at") or [t.span])[:5]:  # a thing declared in several files: its first places
            f.related.append(Location(sp, f"reachable: {t.name} ({', '.join(t.env_names) or 'unknown env'})"))
    return f


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


# ---------------------------------------- production names and data-store identities
# a production word, not after "non"/"pre" (orders-nonprod, db.pre-prod.internal: graph/environments.py)
_PROD_TOKEN = re.compile(r"(?<![a-z0-9])(?<!non[-_.])(?<!pre[-_.])(prod|production|prd)(?![a-z])", re.I)


_HOSTISH = re.compile(r"^(?:[a-z][a-z0-9+.\-]*://)?(?:[^@/\s]*@)?(?P<host>[a-z0-9][a-z0-9.\-]*\.[a-z0-9\-]+)"
                      r"(?::\d+)?(?:/[^\s]*)?$", re.I)


_ARN = re.compile(r"^arn:aws[a-z\-]*:(?P<svc>s3|rds|dynamodb|elasticache|es|backup|kms|ec2|efs|redshift|docdb|"
                  r"secretsmanager|sqs|sns|kinesis):[^:]*:[^:]*:(?P<res>.+)$")


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


def fix_site_of(node, attr):
    return fix_site(node, attr, attr.split(".")[0])


def shared_identities(graph) -> frozenset:
    """Data-store identities env variables name in production and another environment (ES005, ES006: once per
    graph)."""
    return graph.derived("shared_identities", lambda: _shared_identities(graph))


def _shared_identities(graph) -> frozenset:
    out: dict = {}
    for n in graph.of_kind("env_var"):
        ident = n.attrs.get("identity")
        if ident and n.envs:
            out.setdefault(ident, set()).update(n.env_names)
    return frozenset(i for i, envs in out.items() if "production" in envs and len(envs) > 1)


def production_env_refs(graph) -> dict:
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
