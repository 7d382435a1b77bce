"""Railway data-loss checks: volume protection (deletion-protection) and volume-only backups (backup-failure-domain)."""
from __future__ import annotations

import re

from iaclint.engine.loader import check
from iaclint.engine.run import in_scope, prevent_destroy, siblings
from iaclint.model import Location, Span
from iaclint.terraform.values import Unknown, truthy

_prevent_destroy = prevent_destroy


def _iac_volume_unprotected(ctx, vol):
    """A volume (or a database helper's volume) in Railway infrastructure as code: nothing can protect it."""
    svc = ctx.graph.nodes.get(vol.attrs.get("service")) if isinstance(vol.attrs.get("service"), str) else None
    what = (f"{vol.attrs['database']} database {svc.name!r}" if vol.attrs.get("database") and svc is not None
            else f"volume {vol.name!r}")
    envs = " and ".join(vol.env_names) or "its environment"
    msg = (f"{what} (in {envs}) is declared in {vol.span.path}, and Railway infrastructure as code has no deletion "
           f"protection: dropping it from the file and applying, or one volumeDelete call with any account token, "
           f"deletes the data and every volume backup — keep production data in a project of its own with an "
           f"off-volume backup")
    return ctx.finding(vol, msg, key=f"{vol.span.path}|{vol.name}|iac-unprotected", envs=vol.env_names)


@check("DP002")
def railway_volume_prevent_destroy(ctx):
    """FAIL: railway_service with volume = {...} and no lifecycle.prevent_destroy = true; a volume or database
    that .railway/railway.ts declares in production (Railway IaC has no deletion protection)."""
    for vol in ctx.graph.of_kind("railway_volume"):
        if vol.attrs.get("source") == "railway-iac" and in_scope(ctx.rule, vol):
            yield _iac_volume_unprotected(ctx, vol)
            continue
        if vol.attrs.get("source") != "terraform" or not in_scope(ctx.rule, vol):
            continue
        res = ctx.graph.nodes.get(vol.meta.get("resource"))
        if res is None:
            continue
        pd = _prevent_destroy(res)
        addr = res.meta["address"]
        envs = " and ".join(vol.env_names) or "its environment"
        if isinstance(pd, Unknown):
            yield ctx.cannot_verify(res, "lifecycle.prevent_destroy", pd.reason)
            continue
        if truthy(pd) is True:
            continue
        site = res.meta["present"].get("lifecycle.prevent_destroy") if pd is not None else None
        msg = (f"{addr} carries volume {vol.name!r} (in {envs}) with no lifecycle {{ prevent_destroy = true }}: "
               f"Railway has no provider-side deletion protection, so a plan that replaces or destroys it deletes "
               f"the data and every volume backup")
        yield ctx.finding(res, msg, site or res.span, key=f"{res.span.path}|{addr}|prevent_destroy",
                          envs=vol.env_names)


_DUMP_WORDS = ("pg_dump", "pg-dump", "pg_dumpall", "mysqldump", "mongodump", "restic", "litestream", "wal-g",
               "pgbackrest", "BACKUP_BUCKET", "BACKUP_S3")


_DUMP_WORDS_LOWER = tuple(w.lower() for w in _DUMP_WORDS)


def _has_offsite_dump(graph) -> list:
    """Services/jobs that look like an off-volume dump (pg_dump/mysqldump/restic… to a bucket); BK001 and BK016
    share it, computed once per graph."""
    return graph.derived("offsite_dump_jobs", lambda: _offsite_dump_jobs(graph))


def _offsite_dump_jobs(graph) -> list:
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
            blob = " ".join(str(n.attrs.get(k)) for k in ("name", "source_image", "source_repo", "start_command"))
        elif n.kind == "tf_resource" and n.type in ("railway_variable", "railway_shared_variable"):
            blob = str(n.attrs.get("name"))
        if blob:
            low = blob.lower()
            if any(w in low for w in _DUMP_WORDS_LOWER):
                hits.append(n)
    return hits


@check("BK001")
def railway_volume_backups_only(ctx):
    """FAIL: volumeMounts.<id>.backupSchedules set and no off-volume dump job anywhere in the repo."""
    if _has_offsite_dump(ctx.graph):
        return
    for vol in ctx.graph.of_kind("railway_volume"):
        sched = vol.attrs.get("backup_schedules")
        if not sched or not in_scope(ctx.rule, vol):
            continue
        kinds = ", ".join(str(s.get("kind", s) if isinstance(s, dict) else s) for s in sched)
        envs = " and ".join(vol.env_names) or "its environment"
        msg = (f"volume {vol.name} (in {envs}) is backed up only by Railway volume backups ({kinds}); they live on "
               f"the volume and are deleted with it — add an off-volume copy (pg_dump to a bucket in another account)")
        yield ctx.finding(vol, msg, key=f"{vol.span.path}|{vol.name}|backups-only", envs=vol.env_names)


# ------------------------------------------------------------------ DP024 railway_project holding production
@check("DP024")
def railway_project_prevent_destroy(ctx):
    """FAIL: railway_project (default environment "production") with no lifecycle.prevent_destroy.
    PASS: lifecycle { prevent_destroy = true }, or a project whose environments are all non-production."""
    for proj in ctx.graph.of_type("railway_project"):
        if proj.kind != "tf_resource" or not in_scope(ctx.rule, proj):
            continue
        names: list = []
        de = proj.attrs.get("default_environment")
        de = de[0] if isinstance(de, list) and de else de
        dname = de.get("name") if isinstance(de, dict) else None
        names.append(dname if dname is not None else "production")  # Railway's default environment
        for env in siblings(ctx.graph, proj, "railway_environment"):
            names.append(env.attrs.get("name"))
        unknown = next((n for n in names if isinstance(n, Unknown)), None)
        holds_prod = "production" in proj.env_names or any(
            isinstance(n, str) and ctx.graph.ctx.envs.normalize_free(n) == "production" for n in names)
        if not holds_prod and unknown is None:
            continue
        pd = prevent_destroy(proj)
        addr = proj.meta["address"]
        if isinstance(pd, Unknown):
            yield ctx.cannot_verify(proj, "lifecycle.prevent_destroy", pd.reason)
            continue
        if truthy(pd) is True:
            continue
        if not holds_prod:
            yield ctx.cannot_verify(proj, "whether the project holds production", unknown.reason)
            continue
        site = proj.meta["present"].get("lifecycle.prevent_destroy") if pd is not None else None
        msg = (f"{addr} holds the production environment and has no lifecycle {{ prevent_destroy = true }}: "
               f"destroying or replacing the project deletes every service, volume and volume backup in it")
        yield ctx.finding(proj, msg, site or proj.span, key=f"{proj.span.path}|{addr}|prevent_destroy")


# ------------------------------------------------------------------ DP025 destructive deploy commands
DESTRUCTIVE = [
    (re.compile(r"\bprisma\s+migrate\s+reset\b", re.I), "prisma migrate reset drops the database"),
    (re.compile(r"\bprisma\s+db\s+push\b[^;&|]*--accept-data-loss", re.I),
     "prisma db push --accept-data-loss drops columns and tables"),
    (re.compile(r"--force-reset\b", re.I), "--force-reset resets the database"),
    (re.compile(r"\b(?:rails|rake)\s+(?:[\w:]+\s+)*db:(?:drop|reset|purge|schema:load|setup|truncate_all)\b", re.I),
     "the Rails task drops or reloads the database"),
    (re.compile(r"\bdb:(?:drop|reset|wipe|fresh)\b", re.I), "the db task drops the database"),
    (re.compile(r"\bmigrate:(?:fresh|reset|refresh)\b", re.I), "the migration task drops every table"),
    (re.compile(r"\bDROP\s+(?:DATABASE|SCHEMA|TABLE)\b", re.I), "the SQL drops data"),
    (re.compile(r"\bTRUNCATE\s+(?:TABLE\s+)?\w", re.I), "the SQL truncates a table"),
    (re.compile(r"\bdropdb\b", re.I), "dropdb drops the database"),
    (re.compile(r"\bmanage\.py\s+(?:flush|reset_db)\b", re.I), "manage.py flush deletes every row"),
    (re.compile(r"\bschema:drop\b", re.I), "schema:drop drops every table"),
    (re.compile(r"\bdrizzle-kit\s+push\b[^;&|]*--force", re.I), "drizzle-kit push --force applies data-loss statements"),
    (re.compile(r"\bdropDatabase\s*\(", re.I), "dropDatabase() drops the database"),
    (re.compile(r"\bFLUSHALL\b|\bFLUSHDB\b"), "the Redis command deletes every key"),
]
COMMAND_FIELDS = ("preDeployCommand", "startCommand")


def destructive_reason(cmd) -> str | None:
    """Why a deploy command (string or list of strings) destroys data, or None."""
    parts = cmd if isinstance(cmd, list) else [cmd]
    for p in parts:
        if not isinstance(p, str):
            continue
        for rx, why in DESTRUCTIVE:
            if rx.search(p):
                return why
    return None


def _line(node, *keys) -> int:
    lines = node.meta.get("lines", {})
    for k in keys:
        if k in lines:
            return lines[k]
    return node.span.line


@check("DP025")
def railway_destructive_deploy(ctx):
    """FAIL: deploy.preDeployCommand = "npx prisma migrate reset --force" with no production override.
    PASS: the reset only in environments.pr.deploy, production running `prisma migrate deploy`."""
    for cfg in ctx.graph.of_kind("railway_config"):
        if not in_scope(ctx.rule, cfg):
            continue
        base = cfg.attrs.get("deploy") if isinstance(cfg.attrs.get("deploy"), dict) else {}
        envs = cfg.attrs.get("environments") if isinstance(cfg.attrs.get("environments"), dict) else {}
        prod_names = [n for n in envs if ctx.graph.ctx.envs.normalize_free(n) == "production"]
        cases = []  # (environment label, field, command, key path)
        for f in COMMAND_FIELDS:
            if not prod_names and f in base:
                cases.append(("every environment, production included", f, base[f], f"deploy.{f}"))
            for pn in prod_names:
                od = (envs.get(pn) or {}).get("deploy") if isinstance(envs.get(pn), dict) else None
                if isinstance(od, dict) and f in od:
                    cases.append((f"environments.{pn}", f, od[f], f"environments.{pn}.deploy.{f}"))
                elif f in base:
                    cases.append((f"production (environments.{pn} does not override it)", f, base[f], f"deploy.{f}"))
        seen = set()
        for label, f, cmd, key in cases:
            why = destructive_reason(cmd)
            if not why or key in seen:
                continue
            seen.add(key)
            line = _line(cfg, key, key + ".0", key.rsplit(".", 1)[0])
            shown = " && ".join(cmd) if isinstance(cmd, list) else str(cmd)
            msg = (f"{f} {shown!r} runs on every deploy in {label}: {why} — one push wipes production data")
            yield ctx.finding(cfg, msg, Span(cfg.span.path, line), key=f"{cfg.span.path}|{key}",
                              envs=sorted(set(cfg.env_names) | {"production"}))
    for svc in ctx.graph.of_kind("railway_service"):
        dep = svc.attrs.get("deploy")
        if not isinstance(dep, dict) or "production" not in svc.env_names:
            continue
        for f in COMMAND_FIELDS:
            why = destructive_reason(dep.get(f))
            if why:
                msg = f"service {svc.name} runs {f} {dep.get(f)!r} in production: {why}"
                yield ctx.finding(svc, msg, key=f"{svc.span.path}|{svc.name}|{f}")


# ------------------------------------------------------------------ BK016 Postgres on a volume, no dump
_PG = re.compile(r"postgres|(^|[-_/])pg([-_/]|$)|postgis|timescale", re.I)


def _is_postgres(graph, vol) -> bool:
    if isinstance(vol.attrs.get("mount_path"), str) and "postgresql" in vol.attrs["mount_path"]:
        return True
    svc = graph.nodes.get(vol.attrs.get("service")) if isinstance(vol.attrs.get("service"), str) else None
    if svc is None:
        for e in graph.edges_to(vol.id, "mounts"):
            svc = graph.nodes.get(e.src)
    if svc is None:
        return False
    blob = " ".join(str(x) for x in (svc.name, svc.attrs.get("name"), svc.attrs.get("source_image"),
                                     svc.attrs.get("source")) if x)
    return bool(_PG.search(blob))


@check("BK016")
def railway_postgres_no_dump(ctx):
    """FAIL: railway_service "postgres" with a volume, no pg_dump job anywhere.  PASS: a pg-dump service/job."""
    dumps = _has_offsite_dump(ctx.graph)
    if dumps:
        return
    for vol in ctx.graph.of_kind("railway_volume"):
        if vol.attrs.get("backup_schedules") or not in_scope(ctx.rule, vol) or not _is_postgres(ctx.graph, vol):
            continue  # volumes with Railway backup schedules are BK001's
        envs = " and ".join(vol.env_names) or "its environment"
        msg = (f"Postgres volume {vol.name} (in {envs}) is the only copy of the database: no job dumps it "
               f"anywhere else (pg_dump/wal-g/pgbackrest to a bucket), and deleting the volume deletes the data")
        res = ctx.graph.nodes.get(vol.meta.get("resource")) if vol.meta.get("resource") else None
        related = [Location(res.span, f"{res.meta.get('address')} is declared here")] if res is not None else []
        yield ctx.finding(vol, msg, related=related, key=f"{vol.span.path}|{vol.name}|no-dump", envs=vol.env_names)
