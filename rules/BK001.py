"""BK001: Railway volume backups are the only backups (they live on the volume)."""
from __future__ import annotations

from iaclint.engine.helpers import has_backup_schedules, offsite_dump_jobs
from iaclint.engine.run import in_scope


def check(ctx):
    """FAIL: volumeMounts.<id>.backupSchedules set and no off-volume dump job anywhere in the repo."""
    if offsite_dump_jobs(ctx.graph):
        return
    for vol in ctx.each(ctx.graph.of_kind("railway_volume")):
        if not has_backup_schedules(vol) or not in_scope(ctx.rule, vol):
            continue
        sched = vol.attrs["backup_schedules"]
        kinds = ", ".join(str(s.get("kind", s) if isinstance(s, dict) else s) for s in sched)
        envs = " and ".join(vol.env_names) or "its environment"
        msg = (f"volume {vol.name} (in {envs}) is backed up only by Railway volume backups ({kinds}); they live on "
               f"the volume and are deleted with it — add an off-volume copy (pg_dump to a bucket in another account)")
        yield ctx.finding(vol, msg, key=f"{vol.span.path}|{vol.name}|backups-only", envs=vol.env_names)
