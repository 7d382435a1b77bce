"""BK016: Railway Postgres with a volume and no off-volume dump job."""
from __future__ import annotations

import re

from iaclint.engine.helpers import offsite_dump_jobs
from iaclint.engine.run import in_scope
from iaclint.model import Location


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


def check(ctx):
    """FAIL: railway_service "postgres" with a volume, no pg_dump job anywhere.  PASS: a pg-dump service/job."""
    dumps = offsite_dump_jobs(ctx.graph)
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
