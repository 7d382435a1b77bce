"""BK001: Railway volume backups are the only backups (they live on the volume)."""
from __future__ import annotations

from iaclint.engine.helpers import offsite_dump_jobs
from iaclint.engine.run import in_scope


def check(ctx):
    """FAIL: volumeMounts.<id>.backupSchedules set and no off-volume dump job anywhere in the repo."""
    if offsite_dump_jobs(ctx.graph):
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
