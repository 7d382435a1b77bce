"""BK035: production data with no backups that no AWS Backup selection covers."""
from __future__ import annotations

import fnmatch
import re

from iaclint.engine.helpers import blocks, resources
from iaclint.graph.queries import refers_to, siblings
from iaclint.model import Location
from iaclint.terraform.values import Computed, Unknown, all_hold, covered

# resource type -> (ARN service, resource part before the name, attribute holding the name in the ARN)
ARNS = {
    "aws_db_instance": ("rds", "db:", "identifier"),
    "aws_rds_cluster": ("rds", "cluster:", "cluster_identifier"),
    "aws_docdb_cluster": ("rds", "cluster:", "cluster_identifier"),
    "aws_neptune_cluster": ("rds", "cluster:", "cluster_identifier"),
    "aws_dynamodb_table": ("dynamodb", "table/", "name"),
    "aws_efs_file_system": ("elasticfilesystem", "file-system/", None),
    "aws_ebs_volume": ("ec2", "volume/", None),
    "aws_fsx_lustre_file_system": ("fsx", "file-system/", None),
    "aws_fsx_windows_file_system": ("fsx", "file-system/", None),
    "aws_fsx_ontap_file_system": ("fsx", "file-system/", None),
    "aws_fsx_openzfs_file_system": ("fsx", "file-system/", None),
    "aws_s3_bucket": ("s3", "", "bucket"),
    "aws_redshift_cluster": ("redshift", "cluster:", "cluster_identifier"),
}

_KEY = re.compile(r"\[[^\]]*\]$")


def _selections(g, node) -> tuple[list, list, set]:
    """The aws_backup_selection resources that could apply to NODE: every one sharing an environment with it (a
    central backup root selects by tag across the account), or whose environments are unknown; as (all of them,
    the ones to ask ``selects``, the addresses the others select).  A selection that lists only references to
    resources (``resources = [aws_db_instance.x.arn]``: no tags, conditions or exclusions) selects exactly those:
    looked up by address instead of asked per resource (a tree with thousands of selections).  Built once per
    set of environments."""
    envs = frozenset(node.env_names)

    def build():
        sels = [s for s in g.of_type("aws_backup_selection") if s.kind == "tf_resource"
                and (not envs or not s.env_names or envs & set(s.env_names))]
        ask, listed = [], set()
        for s in sels:
            res = s.attrs.get("resources")
            if isinstance(res, list) and res and all(isinstance(p, Computed) for p in res) and not any(
                    s.attrs.get(k) for k in ("selection_tag", "condition", "not_resources")):
                listed.update(p.source for p in res if p.source is not None)
            else:
                ask.append(s)
        return sels, ask, listed
    return g.derived(("BK035 selections", envs), build)


def _arn_match(pattern, node):
    """True / False / Unknown: does one entry of a selection's resources (an ARN, a wildcard ARN, or a resource's
    arn) select NODE?"""
    if isinstance(pattern, Computed):
        addr = node.meta["address"]
        return pattern.source is not None and pattern.source in (addr, _KEY.sub("", addr))
    if isinstance(pattern, Unknown):
        return pattern
    if not isinstance(pattern, str):
        return False
    if pattern == "*":
        return True
    service, prefix, name_attr = ARNS[node.type]
    parts = pattern.split(":", 5)
    if len(parts) < 6 or not fnmatch.fnmatchcase(service, parts[2]):
        return False
    rest = parts[5]
    name = node.attrs.get(name_attr) if name_attr else None
    if isinstance(name, str):
        return fnmatch.fnmatchcase(prefix + name, rest)
    if fnmatch.fnmatchcase(prefix + "\0", rest):
        return True  # the name part is a wildcard: every resource of the type
    head = rest[:len(prefix)]
    if "*" not in head and "?" not in head and head != prefix:
        return False
    return name if isinstance(name, Unknown) else Unknown(f"{node.meta['address']} has no name iaclint knows")


def _tag_match(tags, key, value, like=False, negate=False):
    if isinstance(tags, Unknown) or isinstance(key, Unknown) or isinstance(value, Unknown):
        return next(x for x in (tags, key, value) if isinstance(x, Unknown))
    if isinstance(key, str) and key.startswith("aws:ResourceTag/"):
        key = key[len("aws:ResourceTag/"):]
    have = tags.get(key) if isinstance(tags, dict) else None
    if isinstance(have, Unknown):
        return have
    hit = isinstance(have, str) and isinstance(value, str) and (
        fnmatch.fnmatchcase(have, value) if like else have == value)
    return hit != negate


def selects(sel, node):
    """True / False / Unknown: does an aws_backup_selection select NODE? (resources or selection_tag match,
    every condition holds, and not_resources does not name it)"""
    a = sel.attrs
    res = a.get("resources")
    tags = node.attrs.get("tags") if "tags" in node.attrs else {}
    by_arn = covered(_arn_match(p, node) for p in res) if isinstance(res, list) else (
        res if isinstance(res, Unknown) else False)
    by_tag = covered(_tag_match(tags, t.get("key"), t.get("value")) for t in blocks(a.get("selection_tag"))
                  if t.get("type", "STRINGEQUALS") == "STRINGEQUALS")
    hit = covered([by_arn, by_tag])
    conds = []
    for c in blocks(a.get("condition")):
        for kind, like, negate in (("string_equals", False, False), ("string_like", True, False),
                                   ("string_not_equals", False, True), ("string_not_like", True, True)):
            conds.extend(_tag_match(tags, x.get("key"), x.get("value"), like, negate) for x in blocks(c.get(kind)))
    if conds and not blocks(a.get("selection_tag")) and res is None:
        hit = True  # conditions alone select among every resource
    excluded = a.get("not_resources")
    out = all_hold([hit] + conds)
    if isinstance(excluded, list) and out is not False and covered(_arn_match(p, node) for p in excluded) is True:
        return False
    return out


def native_backups(g, node) -> str | None:
    """The service's own backups of NODE, when it keeps any: RDS/Aurora/DocumentDB/Neptune automated backups,
    Redshift automated snapshots, DynamoDB point-in-time recovery, EFS automatic backups."""
    t, a = node.type, node.attrs
    if t == "aws_db_instance" and _not_zero(a.get("backup_retention_period")):
        return "RDS automated backups"
    if t in ("aws_rds_cluster", "aws_docdb_cluster", "aws_neptune_cluster"):
        return "automated cluster backups"
    if t == "aws_redshift_cluster" and _not_zero(a.get("automated_snapshot_retention_period")):
        return "automated snapshots"
    if t == "aws_dynamodb_table":
        pitr = blocks(a.get("point_in_time_recovery"))
        if pitr and pitr[0].get("enabled") is not False:
            return "point-in-time recovery"
    if t == "aws_efs_file_system":
        for p in siblings(g, node, "aws_efs_backup_policy"):
            status = [b.get("status") for b in blocks(p.attrs.get("backup_policy"))]
            if refers_to(p, node) and status and (isinstance(status[0], Unknown) or status[0] != "DISABLED"):
                return "EFS automatic backups"
    if t == "aws_s3_bucket" and any(refers_to(r, node) for r in siblings(
            g, node, "aws_s3_bucket_replication_configuration")):
        return "replication"
    return None


def _not_zero(v) -> bool:
    """A retention that is set to more than 0, or unset (the service's default keeps backups), or unknown (the
    retention rule says cannot verify)."""
    return isinstance(v, Unknown) or v != 0


def check(ctx):
    """FAIL: a production EFS / S3 bucket / RDS instance without automated backups… that no aws_backup_selection
    selects, where AWS Backup is in use.  PASS: a selection whose resources (ARN, wildcard ARN, reference),
    selection_tag or conditions select it; or the service's own backups (PITR, automated backups)."""
    g = ctx.graph
    for node in resources(ctx, *ARNS):
        if node.attrs.get("__instances_unknown__") is not None or native_backups(g, node):
            continue  # the service backs it up: where those backups live is BK002's and the copy rules' matter
        sels, ask, listed = _selections(g, node)
        if not sels:
            continue  # no AWS Backup in this configuration: plans may be organisation backup policies
        addr = node.meta["address"]
        if addr in listed or _KEY.sub("", addr) in listed:
            continue
        r = covered(selects(sel, node) for sel in ask)
        if r is True:
            continue
        if isinstance(r, Unknown):
            yield ctx.cannot_verify(node, "whether an AWS Backup selection covers it", r.reason)
            continue
        msg = (f"{addr} has no backups: no aws_backup_selection selects it (this configuration backs up other "
               f"data with AWS Backup) and the service keeps none of its own")
        related = [Location(s.span, "an AWS Backup selection that does not select it") for s in sels[:2]]
        # a bucket often holds objects the system can re-create (assets, logs): a weaker signal than a database
        yield ctx.finding(node, msg, related=related, key=f"{node.span.path}|{addr}|backup-selection",
                          severity="medium" if node.type == "aws_s3_bucket" else None)
