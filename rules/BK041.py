"""BK041: Spanner database with no backup schedule."""
from __future__ import annotations

from iaclint.engine.helpers import resources
from iaclint.graph.queries import refers_to, siblings
from iaclint.terraform.values import Computed, Unknown, covered


def _covers(schedule, db):
    """True / False / Unknown: does this google_spanner_backup_schedule back up db (by reference or by name)?"""
    if refers_to(schedule, db):
        return True
    target = schedule.attrs.get("database")
    if isinstance(target, Unknown) and not isinstance(target, Computed):
        return target
    name = db.attrs.get("name")
    return isinstance(target, str) and isinstance(name, str) and target.rsplit("/", 1)[-1] == name


def check(ctx):
    """FAIL: google_spanner_database with no google_spanner_backup_schedule.
    PASS: a google_spanner_backup_schedule whose database is the database."""
    g = ctx.graph
    for db in resources(ctx, "google_spanner_database"):
        r = covered(_covers(s, db) for s in siblings(g, db, "google_spanner_backup_schedule"))
        if r is True:
            continue
        if isinstance(r, Unknown):
            yield ctx.cannot_verify(db, "whether a google_spanner_backup_schedule backs it up", r.reason)
            continue
        addr = db.meta["address"]
        yield ctx.finding(db, f"{addr} has no google_spanner_backup_schedule: its only way back is the version "
                              f"retention window (one hour by default), and nothing survives a dropped database",
                          key=f"{db.span.path}|{addr}|backup-schedule")
