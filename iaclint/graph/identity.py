"""Data-store identity: one normalised name for a data store, whichever kind of file names it."""
from __future__ import annotations

import re

_URL = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.\-]*)://(?:[^@/]*@)?(?P<host>[^/:?#]+)(?::(?P<port>\d+))?"
                  r"(?:/(?P<path>[^?#]*))?", re.I)
_ARN_ID = re.compile(r"^arn:aws[a-z\-]*:(s3|rds|dynamodb|elasticache|efs|ec2|backup|redshift|docdb|es):[^:]*:[^:]*:"
                     r"([^\s*]+)$")
_BUCKET_KEY = re.compile(r"(^|_)(BUCKET|BUCKET_NAME|GCS_BUCKET|S3_BUCKET|VOLUME_ID|DB_INSTANCE_IDENTIFIER)$", re.I)
_BUCKET_VAL = re.compile(r"^[a-z0-9][a-z0-9.\-_]{2,62}$")


def identity_of(key: str, value: str) -> str | None:
    """A normalized identity for data stores named in a variable: host[:port]/database of a connection URL, an ARN
    of a data service, or a bucket / volume name in a variable named for it."""
    if not isinstance(value, str) or not value:
        return None
    a = _ARN_ID.match(value.strip())
    if a:
        return f"arn://{a.group(1)}/{a.group(2).split('/')[0]}"
    if _BUCKET_KEY.search(key or "") and _BUCKET_VAL.match(value.strip()):
        return f"bucket://{value.strip().lower()}"
    m = _URL.match(value.strip())
    if m and m.group("scheme").lower() not in ("http", "https") and m.group("host"):
        host = m.group("host").lower()
        if host in ("localhost", "127.0.0.1", "0.0.0.0", "host.docker.internal") or host.startswith("${"):
            return None
        if host.endswith(".railway.internal"):
            return None  # Railway private networking: the same name resolves to each environment's own service
        db = (m.group("path") or "").split("/")[0]
        return f"{m.group('scheme').lower().split('+')[0]}://{host}:{m.group('port') or ''}/{db}"
    return None
