"""BK002: RDS automated backups are deleted together with the instance."""
from __future__ import annotations

from iaclint.engine.helpers import attr_site, blocks, resources
from iaclint.graph.queries import referenced, refers_to, siblings
from iaclint.terraform.values import Unknown, truthy


def _copy_actions(plan) -> tuple[list, Unknown | None]:
    """All copy_action blocks of a plan, or the Unknown that hides them (dynamic over an unknown collection)."""
    out = []
    for rule in blocks(plan.attrs.get("rule")):
        for ca in blocks(rule.get("copy_action")):
            if "__dynamic_unknown__" in ca:
                return out, Unknown(ca["__dynamic_unknown__"])
            out.append(ca)
    return out, None


def check(ctx):
    """FAIL: aws_db_instance, delete_automated_backups unset (true), no automated-backups replication and no
    AWS Backup selection whose plan copies elsewhere.  PASS: delete_automated_backups = false, or a copy."""
    g = ctx.graph
    for db in resources(ctx, "aws_db_instance"):
        dab = db.attrs.get("delete_automated_backups", True)
        if isinstance(dab, Unknown):
            yield ctx.cannot_verify(db, "delete_automated_backups", dab.reason, attr_site(db, "delete_automated_backups"))
            continue
        if truthy(dab) is False:
            continue
        ret = db.attrs.get("backup_retention_period")
        if not isinstance(ret, Unknown) and ret is not None and truthy(ret) is False:
            continue  # no automated backups at all: BK003
        if "replicate_source_db" in db.attrs:
            continue
        copies = [r for r in siblings(g, db, "aws_db_instance_automated_backups_replication") if refers_to(r, db)]
        unknown = None
        for sel in siblings(g, db, "aws_backup_selection"):
            if not refers_to(sel, db):
                continue
            for plan in referenced(g, sel, "aws_backup_plan"):
                cas, u = _copy_actions(plan)
                if cas:
                    copies.append(plan)
                if unknown is None:
                    unknown = u
        if copies:
            continue
        if unknown is not None:
            yield ctx.cannot_verify(db, "whether its AWS Backup plan copies backups elsewhere", unknown.reason)
            continue
        addr = db.meta["address"]
        present = db.meta.get("present", {}).get("delete_automated_backups")
        site = attr_site(db, "delete_automated_backups") if present else db.span
        how = "sets delete_automated_backups = true" if present else \
            "leaves delete_automated_backups at its default (true)"
        msg = (f"{addr} {how} and nothing copies its backups out of the instance (no "
               f"aws_db_instance_automated_backups_replication, no AWS Backup plan with a copy_action): deleting "
               f"the instance deletes every automated backup with it")
        yield ctx.finding(db, msg, site, key=f"{db.span.path}|{addr}|automated-backups")
