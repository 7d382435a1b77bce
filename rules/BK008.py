"""BK008: S3 backup bucket without versioning and object lock."""
from __future__ import annotations

import re

from iaclint.engine.helpers import blocks, resources
from iaclint.graph.queries import referenced, refers_to, siblings
from iaclint.model import Location
from iaclint.terraform.values import Unknown, truthy


BACKUP_NAME = re.compile(r"(^|[-_.])(backups?|snapshots?|dumps?|dr|vault)([-_.]|$)", re.I)


def _is_backup_bucket(bucket, destinations) -> bool:
    """A replication destination, or named/tagged as a backup. A guess, not a value the decision needs: a name or
    tag iaclint cannot know abstains (not a backup bucket as far as it can tell; no cannot-verify finding)."""
    if bucket.id in destinations:
        return True
    for key in ("bucket", "bucket_prefix"):
        v = bucket.attrs.get(key)
        if isinstance(v, str) and BACKUP_NAME.search(v):
            return True
    tags = bucket.attrs.get("tags")
    if isinstance(tags, dict):
        text = " ".join(f"{k}={x}" for k, x in tags.items() if isinstance(x, str))
        return re.search(r"backup", text, re.I) is not None
    return False


def attr_refs(graph, node, path: str, type_: str) -> list[str]:
    """Names of `type_` resources referenced in the source text of one attribute (e.g. rule.destination.bucket)."""
    span = node.meta.get("present", {}).get(path)
    if span is None:
        return []
    text = "\n".join(graph.source_lines(span.path)[span.line - 1:(span.end_line or span.line)])
    return re.findall(rf"\b{re.escape(type_)}\.([A-Za-z0-9_-]+)", text)


def check(ctx):
    """FAIL: bucket "acme-db-backups" without versioning Enabled and object lock.  PASS: both."""
    g = ctx.graph
    destinations = set()
    for rep in g.of_type("aws_s3_bucket_replication_configuration"):
        if rep.kind == "tf_resource":
            names = set(attr_refs(g, rep, "rule.destination.bucket", "aws_s3_bucket"))
            for b in referenced(g, rep, "aws_s3_bucket"):
                if b.type == "aws_s3_bucket" and b.meta.get("resource_name") in names:
                    destinations.add(b.id)
    for bucket in resources(ctx, "aws_s3_bucket"):
        if not _is_backup_bucket(bucket, destinations):
            continue
        addr = bucket.meta["address"]
        name = bucket.attrs.get("bucket")
        related_res = [n for n in siblings(g, bucket, "aws_s3_bucket_versioning", "aws_s3_bucket_object_lock_configuration")
                       if refers_to(n, bucket) or (isinstance(name, str) and n.attrs.get("bucket") == name)]
        versioning = None
        for v in related_res:
            if v.type == "aws_s3_bucket_versioning":
                st = (blocks(v.attrs.get("versioning_configuration")) or [{}])[0].get("status")
                versioning = st if versioning is None or st == "Enabled" else versioning
        legacy = (blocks(bucket.attrs.get("versioning")) or [{}])[0].get("enabled")
        if versioning is None and legacy is not None:
            versioning = "Enabled" if truthy(legacy) else legacy
        lock = bucket.attrs.get("object_lock_enabled")
        if any(n.type == "aws_s3_bucket_object_lock_configuration" for n in related_res):
            lock = True
        legacy_lock = (blocks(bucket.attrs.get("object_lock_configuration")) or [{}])[0].get("object_lock_enabled")
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
