"""backup-failure-domain graph checks: do the backups survive the thing that kills the data?

BK002 RDS automated backups deleted with the instance and no copy elsewhere, BK004 AWS Backup vault without
a vault lock, BK005 AWS Backup plan rule with no copy to another vault, BK008 S3 backup bucket without
versioning and object lock, BK012 Cloud SQL backups pinned to the instance's region.
"""
from __future__ import annotations

import re

from iaclint.engine.loader import check
from iaclint.engine.run import in_scope, referenced, refers_to, siblings
from iaclint.model import Location
from iaclint.terraform.values import Unknown, first_unknown, render, truthy

BACKUP_NAME = re.compile(r"(^|[-_.])(backups?|snapshots?|dumps?|dr|vault)([-_.]|$)", re.I)


def _resources(ctx, *types):
    for n in ctx.graph.nodes.values():
        if n.kind == "tf_resource" and n.type in types and in_scope(ctx.rule, n):
            yield n


def _blocks(v) -> list:
    return [b for b in v if isinstance(b, dict)] if isinstance(v, list) else []


def _site(node, path):
    return (node.origins.get(path) or [node.meta.get("present", {}).get(path) or node.span])[0]


def _copy_actions(plan) -> tuple[list, Unknown | None]:
    """All copy_action blocks of a plan, or the Unknown that hides them (dynamic over an unknown collection)."""
    out = []
    for rule in _blocks(plan.attrs.get("rule")):
        for ca in _blocks(rule.get("copy_action")):
            if "__dynamic_unknown__" in ca:
                return out, Unknown(ca["__dynamic_unknown__"])
            out.append(ca)
    return out, None


@check("BK002")
def rds_automated_backups_deleted(ctx):
    """FAIL: aws_db_instance, delete_automated_backups unset (true), no automated-backups replication and no
    AWS Backup selection whose plan copies elsewhere.  PASS: delete_automated_backups = false, or a copy."""
    g = ctx.graph
    for db in _resources(ctx, "aws_db_instance"):
        dab = db.attrs.get("delete_automated_backups", True)
        if isinstance(dab, Unknown):
            yield ctx.cannot_verify(db, "delete_automated_backups", dab.reason, _site(db, "delete_automated_backups"))
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
                unknown = unknown or u
        if copies:
            continue
        if unknown is not None:
            yield ctx.cannot_verify(db, "whether its AWS Backup plan copies backups elsewhere", unknown.reason)
            continue
        addr = db.meta["address"]
        present = db.meta.get("present", {}).get("delete_automated_backups")
        site = _site(db, "delete_automated_backups") if present else db.span
        how = "sets delete_automated_backups = true" if present else \
            "leaves delete_automated_backups at its default (true)"
        msg = (f"{addr} {how} and nothing copies its backups out of the instance (no "
               f"aws_db_instance_automated_backups_replication, no AWS Backup plan with a copy_action): deleting "
               f"the instance deletes every automated backup with it")
        yield ctx.finding(db, msg, site, key=f"{db.span.path}|{addr}|automated-backups")


@check("BK004")
def backup_vault_no_lock(ctx):
    """FAIL: aws_backup_vault with no aws_backup_vault_lock_configuration.  PASS: a lock referencing it."""
    g = ctx.graph
    for vault in _resources(ctx, "aws_backup_vault"):
        name = vault.attrs.get("name")
        locked = False
        unknown = None
        for lock in siblings(g, vault, "aws_backup_vault_lock_configuration"):
            if refers_to(lock, vault):
                locked = True
                break
            ln = lock.attrs.get("backup_vault_name")
            if isinstance(ln, str) and isinstance(name, str) and ln == name:
                locked = True
                break
            if isinstance(ln, Unknown) and not lock.meta.get("refs"):
                unknown = ln
        if locked:
            continue
        if unknown is not None:
            yield ctx.cannot_verify(vault, "whether a vault lock applies", unknown.reason)
            continue
        addr = vault.meta["address"]
        msg = (f"{addr} has no aws_backup_vault_lock_configuration: any principal allowed to delete recovery "
               f"points (the same credentials that can delete the data) can empty the vault")
        yield ctx.finding(vault, msg, key=f"{vault.span.path}|{addr}|vault-lock")


@check("BK005")
def backup_plan_no_copy(ctx):
    """FAIL: aws_backup_plan rule without copy_action.  PASS: every rule copies to another vault."""
    g = ctx.graph
    for plan in _resources(ctx, "aws_backup_plan"):
        addr = plan.meta["address"]
        rules = _blocks(plan.attrs.get("rule"))
        if not rules:
            continue
        rule_site = plan.meta.get("present", {}).get("rule")
        for rule in rules:
            cas = _blocks(rule.get("copy_action"))
            dyn = next((c for c in cas if "__dynamic_unknown__" in c), None)
            name = rule.get("rule_name")
            label = f"rule {name!r}" if isinstance(name, str) else "a rule"
            if dyn is not None:
                yield ctx.cannot_verify(plan, f"copy_action of {label}", dyn["__dynamic_unknown__"],
                                        plan.meta.get("present", {}).get("rule.copy_action"))
                break
            target = rule.get("target_vault_name")
            if cas:
                same = [c for c in cas if isinstance(c.get("destination_vault_arn"), str) and isinstance(target, str)
                        and c["destination_vault_arn"].rstrip("/").endswith(":" + target)]
                if not same:
                    continue
                what = f"its copy_action goes back to the source vault {target!r}"
            else:
                what = "it has no copy_action"
            msg = (f"{addr} {label} keeps recovery points only in {render(target) if target is not None else 'its vault'}"
                   f" — {what}: the backups stay in the data's account and region, so one regional outage or "
                   f"one compromised account destroys data and backups together")
            related = [Location(rule_site, "backup rule")] if rule_site else []
            vaults = [v for v in referenced(g, plan, "aws_backup_vault")]
            related += [Location(v.span, "target vault") for v in vaults[:1]]
            yield ctx.finding(plan, msg, plan.span, related=related, key=f"{plan.span.path}|{addr}|copy|{name}")
            break


def _is_backup_bucket(ctx, bucket, destinations) -> bool | Unknown:
    if bucket.id in destinations:
        return True
    unknown = None
    for key in ("bucket", "bucket_prefix", "tags"):
        v = bucket.attrs.get(key)
        if v is None:
            continue
        u = first_unknown(v)
        if key == "tags" and isinstance(v, dict):
            text = " ".join(f"{k}={x}" for k, x in v.items() if isinstance(x, str))
            if re.search(r"backup", text, re.I):
                return True
            if u is not None:
                unknown = unknown or u
            continue
        if isinstance(v, str) and BACKUP_NAME.search(v):
            return True
        if u is not None:
            unknown = unknown or u
    if unknown is not None:
        return unknown
    return False


@check("BK008")
def s3_backup_bucket_unprotected(ctx):
    """FAIL: bucket "acme-db-backups" without versioning Enabled and object lock.  PASS: both."""
    g = ctx.graph
    destinations = set()
    for rep in g.of_type("aws_s3_bucket_replication_configuration"):
        if rep.kind == "tf_resource":
            names = set(attr_refs(g, rep, "rule.destination.bucket", "aws_s3_bucket"))
            for b in referenced(g, rep, "aws_s3_bucket"):
                if b.type == "aws_s3_bucket" and b.meta.get("resource_name") in names:
                    destinations.add(b.id)
    for bucket in _resources(ctx, "aws_s3_bucket"):
        is_backup = _is_backup_bucket(ctx, bucket, destinations)
        if is_backup is False:
            continue
        addr = bucket.meta["address"]
        if isinstance(is_backup, Unknown):
            yield ctx.cannot_verify(bucket, "whether it is a backup bucket (name/tags)", is_backup.reason,
                                    _site(bucket, "bucket"))
            continue
        name = bucket.attrs.get("bucket")
        related_res = [n for n in siblings(g, bucket, "aws_s3_bucket_versioning", "aws_s3_bucket_object_lock_configuration")
                       if refers_to(n, bucket) or (isinstance(name, str) and n.attrs.get("bucket") == name)]
        versioning = None
        for v in related_res:
            if v.type == "aws_s3_bucket_versioning":
                st = (_blocks(v.attrs.get("versioning_configuration")) or [{}])[0].get("status")
                versioning = st if versioning is None or st == "Enabled" else versioning
        legacy = (_blocks(bucket.attrs.get("versioning")) or [{}])[0].get("enabled")
        if versioning is None and legacy is not None:
            versioning = "Enabled" if truthy(legacy) else legacy
        lock = bucket.attrs.get("object_lock_enabled")
        if any(n.type == "aws_s3_bucket_object_lock_configuration" for n in related_res):
            lock = True
        legacy_lock = (_blocks(bucket.attrs.get("object_lock_configuration")) or [{}])[0].get("object_lock_enabled")
        if legacy_lock == "Enabled":
            lock = True
        for what, v in (("versioning", versioning), ("object_lock_enabled", lock)):
            if isinstance(v, Unknown):
                yield ctx.cannot_verify(bucket, what, v.reason)
                break
        else:
            missing = []
            if versioning != "Enabled":
                missing.append("versioning (aws_s3_bucket_versioning status Enabled)")
            if truthy(lock) is not True:
                missing.append("object lock")
            if not missing:
                continue
            why = "is a replication destination" if bucket.id in destinations else "is named/tagged as a backup bucket"
            msg = (f"{addr} {why} but has no {' and no '.join(missing)}: the credentials that can delete the data "
                   f"can delete or overwrite every backup in it")
            related = [Location(n.span, f"{n.type} for this bucket") for n in related_res]
            yield ctx.finding(bucket, msg, related=related, key=f"{bucket.span.path}|{addr}|backup-bucket")


def attr_refs(graph, node, path: str, type_: str) -> list[str]:
    """Names of `type_` resources referenced in the source text of one attribute (e.g. rule.destination.bucket)."""
    span = node.meta.get("present", {}).get(path)
    f = graph.files.get(span.path) if span else None
    if f is None:
        return []
    text = "\n".join(f.lines[span.line - 1:(span.end_line or span.line)])
    return re.findall(rf"\b{re.escape(type_)}\.([A-Za-z0-9_-]+)", text)


@check("BK012")
def cloudsql_backup_same_region(ctx):
    """FAIL: region = "europe-west1" and backup_configuration.location = "europe-west1".  PASS: another
    region, a multi-region, or unset (Cloud SQL's multi-region default)."""
    for inst in _resources(ctx, "google_sql_database_instance"):
        settings = (_blocks(inst.attrs.get("settings")) or [{}])[0]
        bc = (_blocks(settings.get("backup_configuration")) or [{}])[0]
        if "location" not in bc:
            continue
        loc, region = bc.get("location"), inst.attrs.get("region")
        if loc is None:
            continue
        for what, v in (("settings.backup_configuration.location", loc), ("region", region)):
            if isinstance(v, Unknown):
                yield ctx.cannot_verify(inst, what, v.reason, _site(inst, what))
                break
        else:
            if not isinstance(region, str) or not isinstance(loc, str) or loc.lower() != region.lower():
                continue
            addr = inst.meta["address"]
            site = _site(inst, "settings.backup_configuration.location")
            msg = (f"{addr} stores its backups in {loc}, the instance's own region: a regional outage or loss takes "
                   f"the database and its backups together")
            related = [Location(_site(inst, "region"), "the instance's region")]
            yield ctx.finding(inst, msg, site, related=related, key=f"{inst.span.path}|{addr}|backup-location")


@check("BK020")
def gce_disk_no_snapshot_schedule(ctx):
    """FAIL: google_compute_disk with no resource_policies and no resource-policy attachment.
    PASS: a google_compute_disk_resource_policy_attachment (or resource_policies) naming a snapshot schedule."""
    g = ctx.graph
    for disk in _resources(ctx, "google_compute_disk", "google_compute_region_disk"):
        rp = disk.attrs.get("resource_policies")
        if isinstance(rp, Unknown):
            yield ctx.cannot_verify(disk, "resource_policies", rp.reason, _site(disk, "resource_policies"))
            continue
        if rp:
            continue
        name = disk.attrs.get("name")
        attached = [a for a in siblings(g, disk, "google_compute_disk_resource_policy_attachment",
                                        "google_compute_region_disk_resource_policy_attachment")
                    if refers_to(a, disk) or (isinstance(name, str) and a.attrs.get("disk") == name)]
        if attached:
            continue
        addr = disk.meta["address"]
        idle = _declared_without_instances(g, disk, ("google_compute_disk_resource_policy_attachment",
                                                     "google_compute_region_disk_resource_policy_attachment"))
        msg = (f"{addr} has no snapshot schedule (no resource_policies, no resource-policy attachment): the disk "
               f"is the only copy of its data")
        if idle:
            msg += " — the attachment declared for it creates no instance here (its count/for_each is empty)"
        related = [Location(sp, "snapshot attachment declared here, with no instance in this environment")
                   for sp in idle]
        yield ctx.finding(disk, msg, related=related, key=f"{disk.span.path}|{addr}|snapshots")


def _terraform_files_by_dir(graph) -> dict:
    """dir -> [(path, parsed .tf file)] in path order, built once per graph (a scan of every file per node
    was quadratic in the size of the tree)."""
    def build():
        idx: dict = {}
        for path, f in sorted(graph.files.items()):
            if f.kind == "terraform" and f.data is not None:
                idx.setdefault(path.rsplit("/", 1)[0] if "/" in path else "", []).append((path, f))
        return idx
    return graph.derived("tf_files_by_dir", build)


def _declared_without_instances(graph, node, types) -> list:
    """Spans of resource blocks of `types` in node's module directory that reference node but were expanded to no
    instance (count = 0 / empty for_each) in node's root and environment."""
    from iaclint.model import Span
    from iaclint.terraform.modules import block_refs

    d = node.span.path.rsplit("/", 1)[0] if "/" in node.span.path else ""
    local = f"{node.type}.{node.meta.get('resource_name', node.name)}"
    live = {(n.span.path, n.span.line) for n in siblings(graph, node, *types)
            if n.meta.get("module_path") == node.meta.get("module_path")}
    out = []
    for path, f in _terraform_files_by_dir(graph).get(d, ()):
        for b in getattr(f.data, "blocks", []):
            if b.type == "resource" and len(b.labels) >= 2 and b.labels[0] in types and \
                    (path, b.pos.line) not in live and local in block_refs(b.body):
                out.append(Span(path, b.pos.line, b.pos.col))
    return out


@check("BK021")
def gce_snapshots_same_region(ctx):
    """FAIL: google_compute_resource_policy in europe-west1 with storage_locations = ["europe-west1"].
    PASS: a multi-region ("eu") or another region, or unset (the nearest multi-region)."""
    for pol in _resources(ctx, "google_compute_resource_policy"):
        ssp = (_blocks(pol.attrs.get("snapshot_schedule_policy")) or [None])[0]
        if ssp is None:
            continue
        props = (_blocks(ssp.get("snapshot_properties")) or [{}])[0]
        locs = props.get("storage_locations")
        if locs is None:
            continue
        region = pol.attrs.get("region")
        path = "snapshot_schedule_policy.snapshot_properties.storage_locations"
        u = first_unknown(locs) if not isinstance(locs, Unknown) else locs
        for what, v in ((path, u), ("region", region)):
            if isinstance(v, Unknown):
                yield ctx.cannot_verify(pol, what, v.reason, _site(pol, what))
                break
        else:
            if not isinstance(region, str) or not isinstance(locs, list) or not locs:
                continue
            if any(not isinstance(x, str) or x.lower() != region.lower() for x in locs):
                continue
            addr = pol.meta["address"]
            msg = (f"{addr} stores snapshots in {region}, the region of the disks it protects: a regional outage or "
                   f"a regional deletion takes disks and snapshots together")
            related = [Location(_site(pol, "region"), "the policy's region")]
            yield ctx.finding(pol, msg, _site(pol, path), related=related, key=f"{pol.span.path}|{addr}|snap-region")
