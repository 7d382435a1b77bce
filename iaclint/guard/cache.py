"""The guard's caches: a repository's ``GuardIndex``, where a working directory's repository root is, and the
token shapes ``mask`` compiles from the credential catalogue.

They live outside the scanned tree — ``$IACLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/iaclint/guard``, else
``~/.cache/iaclint/guard`` — as JSON files (0600, in a 0700 directory, written atomically). They hold no secret:
env files contribute data-store identities (host/port/database), credentials their kind and scope, and ``mask``
salted fingerprints.

**Validity.** The index is keyed by the content hashes of the files the graph is built from (the discovered
files and the config file) and iaclint's version. Re-hashing them on every call costs a discovery walk and a
read of every file, so the record also keeps each file's stat signature (size, mtime_ns, ctime_ns, inode,
device) and that of every directory the walk entered:

- every directory unchanged and every file's signature unchanged: the stored hashes stand (no file is read);
- a file whose signature changed is re-hashed alone; same content, the index stands (and the record is
  refreshed);
- a directory whose signature changed (an entry created, deleted or renamed in it) or a file whose content
  changed: the slow path — discover, hash everything, rebuild the graph if the key differs.

The trade-off: a file rewritten in place with the same size inside one timestamp tick of the previous write,
and before the record was taken, would be missed. ``ctime`` cannot be set from user space (``touch -r``/``utime``
restoring mtime still moves it), and an entry whose mtime or ctime is within ``RACY_NS`` of the moment the
record was taken is treated as unverified (re-hashed, or for a directory the slow path) until a later record
sees it settled — git's "racily clean" rule. A clock set backwards or a filesystem that does not keep ctime
(some network and FUSE mounts) defeats it; ``IACLINT_GUARD_VERIFY=content`` turns the fast path off.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time

CHUNK = 1 << 20
RACY_NS = 2_000_000_000  # coarse-timestamp filesystems (FAT: 2 s) included
# what discover.repository_root looks at in each directory above the cwd (tests/test_guard_fast.py keeps this
# in step with discover.CONFIG_NAMES)
ROOT_MARKERS = (".git", ".iaclint.yaml", ".iaclint.yml", "pyproject.toml")


def cache_dir() -> str:
    d = os.environ.get("IACLINT_CACHE_DIR")
    if d:
        return d
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "iaclint", "guard")


def _name(kind: str, text: str) -> str:
    return os.path.join(cache_dir(), f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:24]}.json")


def read_json(path: str):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def write_json(path: str, data) -> None:
    """Best effort: a cache that cannot be written costs the next call a rebuild, nothing else."""
    d = os.path.dirname(path)
    try:
        os.makedirs(d, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except (OSError, TypeError, ValueError):
        pass


# ---------------------------------------------------------------- signatures and hashes
def _sig(path: str) -> list | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _racy(sig: list | None, taken) -> bool:
    """Changed too close to the moment the record was TAKEN for its signature to prove anything."""
    return sig is not None and (not isinstance(taken, int) or max(sig[1], sig[2]) >= taken - RACY_NS)


def digest(abspath: str) -> str:
    """The content hash of a file; a file that cannot be read as a regular file is described by its stat."""
    from ..safeio import UnsafeFile, read_regular_file

    try:
        return hashlib.sha256(read_regular_file(abspath, 64 * CHUNK)).hexdigest()
    except (UnsafeFile, OSError):
        try:
            st = os.stat(abspath)
            return f"unreadable:{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            return "missing"


def combine(extra: str, digests: dict) -> str:
    """One key over EXTRA (version, options) and (path, content hash) of every file."""
    h = hashlib.sha256(extra.encode())
    for path in sorted(digests):
        h.update(path.encode() + b"\0" + digests[path].encode())
    return h.hexdigest()


def walked_dirs(root: str, skip: set) -> list[str]:
    """Every directory discovery enters under ROOT (SKIP pruned, symlinked directories inside ROOT followed once)."""
    out, seen = [], set()
    real_root = os.path.realpath(root)
    for dirpath, dirnames, _ in os.walk(root, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen or not (real == real_root or real.startswith(real_root + os.sep)):
            dirnames[:] = []
            continue
        seen.add(real)
        out.append(dirpath)
        dirnames[:] = [d for d in dirnames if d not in skip]
    return out


# ---------------------------------------------------------------- where a cwd's repository root is
def locate(cwd: str) -> str | None:
    """The root remembered for CWD, if nothing repository_root looks at has changed since."""
    rec = read_json(_name("root", cwd))
    if not isinstance(rec, dict) or not isinstance(rec.get("probes"), list) or _fast_off():
        return None
    for path, sig in rec["probes"]:
        cur = _sig(path)
        if cur != sig or _racy(cur, rec.get("taken")):
            return None
    return rec.get("root")


def remember(cwd: str, root: str) -> None:
    taken, probes, d = time.time_ns(), [], cwd
    while True:
        probes.append([d, _sig(d)])
        probes += [[p, _sig(p)] for p in (os.path.join(d, m) for m in ROOT_MARKERS)]
        parent = os.path.dirname(d)
        if d == root or parent == d:
            break
        d = parent
    write_json(_name("root", cwd), {"root": root, "probes": probes, "taken": taken})


# ---------------------------------------------------------------- the index
def _fast_off() -> bool:
    return os.environ.get("IACLINT_GUARD_VERIFY") == "content"


def load_fast(root: str, extra: str) -> dict | None:
    """The cached index of ROOT when the stat signatures (re-hashing only the files whose signature moved) show
    the same files with the same content; None sends the caller to the slow path."""
    rec = read_json(_name("index", root))
    if not isinstance(rec, dict) or not isinstance(rec.get("files"), dict) or _fast_off():
        return None
    taken, now = rec.get("taken"), time.time_ns()
    for path, sig in rec.get("dirs") or []:
        cur = _sig(path)
        if cur != sig or _racy(cur, taken):
            return None
    digests, moved = {}, False
    for rel, (abspath, sig, dig) in rec["files"].items():
        cur = _sig(abspath)
        if cur == sig and not _racy(cur, taken):
            digests[rel] = dig
        else:
            digests[rel], moved = digest(abspath), True
    if combine(extra, digests) != rec.get("key") or not isinstance(rec.get("index"), dict):
        return None
    if moved:
        save(root, rec["key"], rec["index"], {r: v[0] for r, v in rec["files"].items()},
             [p for p, _ in rec.get("dirs") or []], digests, now)
    return rec["index"]


def content_key(files: dict, extra: str) -> tuple[str, dict]:
    """(key, digests) over FILES (root-relative path -> absolute path)."""
    digests = {rel: digest(p) for rel, p in files.items()}
    return combine(extra, digests), digests


def load(root: str, key: str) -> dict | None:
    rec = read_json(_name("index", root))
    if not isinstance(rec, dict) or rec.get("key") != key or not isinstance(rec.get("index"), dict):
        return None
    return rec["index"]


def save(root: str, key: str, index: dict, files: dict, dirs: list, digests: dict, taken: int) -> None:
    """The index with the signatures of FILES (root-relative -> absolute) and DIRS. TAKEN is when hashing
    began: a file written since has an mtime after TAKEN - RACY_NS, so its signature stays unverified."""
    write_json(_name("index", root), {
        "key": key, "root": root, "index": index, "taken": taken,
        "files": {rel: [p, _sig(p), digests[rel]] for rel, p in files.items()},
        "dirs": [[d, _sig(d)] for d in dirs]})


# ---------------------------------------------------------------- the credential catalogue, for mask
def prime_mask() -> None:
    """Hand ``mask`` the credential catalogue (its data, and the token shapes mask compiles from it) kept as JSON
    keyed by the content hashes of the catalogue and of mask's source: no YAML parse, no compile of every kind."""
    from .. import mask
    from ..graph import credentials

    try:
        h = hashlib.sha256()
        for p in (credentials.catalogue_path(), mask.__file__):
            with open(p, "rb") as fh:
                h.update(hashlib.sha256(fh.read()).digest())
    except OSError:
        return
    path = os.path.join(cache_dir(), f"catalogue-{h.hexdigest()[:24]}.json")
    data = read_json(path)
    if isinstance(data, dict) and isinstance(data.get("data"), dict) and isinstance(data.get("shapes"), list):
        credentials.use_catalogue_data(data["data"])
        mask.use_token_shapes(data["shapes"])
        return
    data = credentials._catalogue_data()
    if json.loads(json.dumps(data, default=str)) == data:  # JSON keeps it as YAML read it
        write_json(path, {"data": data, "shapes": list(mask.token_shapes_source())})
