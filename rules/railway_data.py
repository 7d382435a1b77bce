"""Railway data-loss checks: volume protection (deletion-protection) and volume-only backups (backup-failure-domain)."""
from __future__ import annotations

from iaclint.engine.loader import check
from iaclint.engine.run import in_scope
from iaclint.model import Location
from iaclint.terraform.values import Unknown, truthy


def _prevent_destroy(node):
    lc = node.attrs.get("lifecycle")
    if isinstance(lc, list) and lc and isinstance(lc[0], dict):
        return lc[0].get("prevent_destroy")
    return None


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


def _has_offsite_dump(graph) -> list:
    """Services/jobs that look like an off-volume dump (pg_dump/mysqldump/restic… to a bucket)."""
    hits = []
    words = ("pg_dump", "pg_dumpall", "mysqldump", "mongodump", "restic", "litestream", "wal-g", "pgbackrest",
             "BACKUP_BUCKET", "BACKUP_S3")
    for n in graph.nodes.values():
        blob = ""
        if n.kind == "railway_service":
            blob = repr(n.attrs.get("deploy")) + repr(n.attrs.get("source"))
        elif n.kind == "env_var":
            blob = n.name
        elif n.kind == "railway_config":
            blob = repr(n.attrs.get("deploy"))
        if any(w.lower() in blob.lower() for w in words):
            hits.append(n)
    return hits


@check("BK001")
def railway_volume_backups_only(ctx):
    """FAIL: volumeMounts.<id>.backupSchedules set and no off-volume dump job anywhere in the repo."""
    dumps = _has_offsite_dump(ctx.graph)
    for vol in ctx.graph.of_kind("railway_volume"):
        sched = vol.attrs.get("backup_schedules")
        if not sched or not in_scope(ctx.rule, vol):
            continue
        if dumps:
            continue
        kinds = ", ".join(str(s.get("kind", s) if isinstance(s, dict) else s) for s in sched)
        envs = " and ".join(vol.env_names) or "its environment"
        msg = (f"volume {vol.name} (in {envs}) is backed up only by Railway volume backups ({kinds}); they live on "
               f"the volume and are deleted with it — add an off-volume copy (pg_dump to a bucket in another account)")
        yield ctx.finding(vol, msg, key=f"{vol.span.path}|{vol.name}|backups-only", envs=vol.env_names)
