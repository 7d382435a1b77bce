"""The editor's graph parts kept across full scans, keyed by what they read.

A Terraform batch (graph/tfbatch.py) is a function of its files' contents, its roots' var files and
workspace dirs, the scan's options — and of what it reads while it runs outside those files: a ``file()`` or
``templatefile()`` (``Builder.read_file``), whether a module source dir exists, whether a dir configures a
Railway provider (``RailwayDirs``).  The key holds the first; the second is recorded while the part is built
(``Builder.note``) and asked again before the part is reused: one answer changed, and the part is built anew.

A part is kept as the pickled graph part a worker would send (nodes, edges, diagnostics, facts…: the
``tfbatch.run`` payload), so every reuse gets objects of its own (later stages add environments to nodes).
Entries no full scan used are dropped after it (``overlay.ParseCache`` owns them, with the parses).
"""
from __future__ import annotations

import hashlib
import pickle



def content_digest(value) -> str | None:
    """A read's answer, as recorded: the hash of a file's text, or the value itself (booleans, None)."""
    if isinstance(value, str):
        return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    if isinstance(value, bytes):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    return repr(value)


def options_digest(b) -> str:
    """What every part reads of the scan's options (environments, var files, TF_VAR_, stateful types, module
    catalogue) and of `terraform init`'s manifests, in one hash; '' when it cannot be pickled (nothing is kept)."""
    ctx = b.g.ctx
    try:
        blob = pickle.dumps((ctx.envs, sorted(ctx.stateful_types), ctx.modules, ctx.var_files,
                             sorted(ctx.tf_var_env.items()), ctx.root), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - a configuration object that does not pickle: no reuse
        return ""
    return hashlib.sha256(blob).hexdigest()


def cached(b, key: tuple, build, reused=None):
    """The part BUILD(b) -> result, reused from ``b.part_cache`` when KEY is there and every read it recorded still
    gets the same answer; built (into a graph of its own, then merged into ``b.g``) and kept otherwise.
    REUSED(b): what BUILD does to the builder besides the graph, done when the part is reused."""
    from .tfbatch import _merge, alone

    store = b.part_cache
    hit = store.get(key)
    if hit is not None:
        reads, blob = hit
        if all(b.answer(kind, args) == answer for kind, args, answer in reads):
            b.used_parts.add(key)
            if reused is not None:
                reused(b)
            return _merge(b, pickle.loads(blob))
    b.reads = reads = []
    try:
        part = alone(b, build)
    finally:
        b.reads = None
    try:
        store[key] = (reads, pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
        b.used_parts.add(key)
    except Exception:  # noqa: BLE001 - an unpicklable part (a bug): not kept, still merged
        store.pop(key, None)
    return _merge(b, part)
