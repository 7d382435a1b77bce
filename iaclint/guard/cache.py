"""The guard's graph cache: the ``GuardIndex`` of a repository, keyed by the content hashes of the files the
graph is built from (the discovered files, the config file among them) and iaclint's version.

It lives outside the scanned tree — ``$IACLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/iaclint/guard``, else
``~/.cache/iaclint/guard`` — one JSON file per repository root (0600, in a 0700 directory, written atomically).
It holds no secret: env files contribute data-store identities (host/port/database), credentials their kind
and scope, and ``mask`` salted fingerprints. A file that cannot be read as a regular file still changes the
key (its size and mtime stand in), so the cache never outlives the files it describes.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile

CHUNK = 1 << 20


def cache_dir() -> str:
    d = os.environ.get("IACLINT_CACHE_DIR")
    if d:
        return d
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "iaclint", "guard")


def content_key(root: str, files, extra: str = "") -> str:
    """One hash over (path, content hash) of every discovered file, and EXTRA (version, options)."""
    from ..safeio import UnsafeFile, read_regular_file

    h = hashlib.sha256(extra.encode())
    for sf in sorted(files, key=lambda f: f.path):
        h.update(sf.path.encode() + b"\0")
        try:
            h.update(hashlib.sha256(read_regular_file(sf.abspath, 64 * CHUNK)).digest())
        except (UnsafeFile, OSError):
            try:
                st = os.stat(sf.abspath)
                h.update(f"unreadable:{st.st_size}:{st.st_mtime_ns}".encode())
            except OSError:
                h.update(b"missing")
    return h.hexdigest()


def _path(root: str) -> str:
    return os.path.join(cache_dir(), hashlib.sha256(os.path.realpath(root).encode()).hexdigest()[:24] + ".json")


def load(root: str, key: str) -> dict | None:
    try:
        with open(_path(root), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("index"), dict):
        return None
    return data["index"]


def save(root: str, key: str, index: dict) -> None:
    """Best effort: a cache that cannot be written costs the next call a rebuild, nothing else."""
    d = cache_dir()
    try:
        os.makedirs(d, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"key": key, "root": os.path.realpath(root), "index": index}, fh)
            os.replace(tmp, _path(root))
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError:
        pass
