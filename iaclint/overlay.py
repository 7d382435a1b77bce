"""Unsaved editor buffers layered over the files on disk, and parsed files kept by content hash (``iaclint lsp``).

The full scan discovers the whole workspace and builds the whole graph —
findings in one file can come from another (a staging file sharing
production's volume) — but a file open in the editor is parsed from its
buffer, not from disk, and a ``ParseCache`` hands back the ParsedFile of a
file whose bytes it has parsed before.  Parsing is a function of (relative
path, kind, bytes) alone, so a cached parse is the parse: a scan through the
cache equals a fresh scan of the same buffers and files.

``focus_files`` picks the files the language server's fast pass builds its
small graph from: the Terraform root closure of one edited file.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import posixpath
import stat
from contextlib import contextmanager

from .discover import Discovery, classify
from .kinds import FileKind
from .model import Diagnostic, ParsedFile, SourceFile

TF_KINDS = frozenset({FileKind.TERRAFORM, FileKind.TERRAFORM_JSON, FileKind.TFVARS, FileKind.TFVARS_JSON})
TFVARS_KINDS = frozenset({FileKind.TFVARS, FileKind.TFVARS_JSON})


def _real(p: str) -> str:
    return os.path.realpath(os.path.abspath(p))


def add_unsaved(disc, overrides: dict) -> None:
    """Add buffers for files not on disk yet (new, unsaved) that lie under the scan root."""
    known = {f.path for f in disc.files}
    have = None  # the real paths of the files, needed only for a buffer whose path was not discovered
    root = _real(disc.root)
    for path in sorted(overrides):
        real = _real(path)
        if not real.startswith(root + os.sep):
            continue
        rel = os.path.relpath(real, root).replace(os.sep, "/")
        if rel in known:  # discovered under this very path (real, so the same file)
            continue
        if have is None:
            have = {_real(f.abspath) for f in disc.files}
        if real in have:
            continue
        kind = classify(rel)
        if kind is not None:
            disc.files.append(SourceFile(rel, real, kind))
    disc.files.sort(key=lambda f: f.path)


def _parse_buffer(sf: SourceFile, text: str) -> ParsedFile:
    from .parsers import _parse_text

    text = text.removeprefix("\ufeff")
    try:
        return _parse_text(sf, text.encode("utf-8"), text)
    except RecursionError:
        return ParsedFile(sf.path, sf.kind, None, [],
                          [Diagnostic(sf.path, 1, "nested too deeply to analyse; skipped", "error")])


class ParseCache:
    """ParsedFiles of one workspace keyed by (relative path, kind, sha-256 of the bytes parsed): a buffer's
    text, or the file's bytes on disk.  A file on disk is re-hashed only when its stat signature (mtime, ctime,
    size, inode) changed — git's index makes the same bet.  A file that is not a regular file is never cached
    (parse_file reports it by name).  Entries no full scan used are dropped after each, so the cache holds one
    parse per workspace file; a focused pass (``kept``) parses a few files and drops nothing.  One scan at a
    time per cache (``Linter`` holds a lock per root)."""

    def __init__(self):
        self._digests: dict[str, tuple[tuple, str]] = {}  # absolute path -> (stat signature, sha of its bytes)
        self._parsed: dict[tuple, ParsedFile] = {}
        self._prune = True
        self.files: list[SourceFile] = []  # the files of the last full scan
        self.current: dict[str, ParsedFile] = {}  # relative path -> its parse, of the last parse call
        self.digests: dict[str, str] = {}  # relative path -> the content hash of that parse (None: not cached)
        # graph parts built from these files (graph/partcache.py), kept across full scans
        self.parts: dict = {}
        self.parsed = 0  # files parsed (cache misses) by the last scan
        self.reused = 0  # files handed back from the cache by the last scan

    @contextmanager
    def kept(self):
        """Parse calls meanwhile drop no entry (a focused pass over a few files)."""
        self._prune = False
        try:
            yield self
        finally:
            self._prune = True

    def _disk_digest(self, path: str) -> str | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        sig = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
        known = self._digests.get(path)
        if known is not None and known[0] == sig:
            return known[1]
        try:
            with open(path, "rb") as fh:
                digest = "disk:" + hashlib.sha256(fh.read()).hexdigest()
        except OSError:
            return None
        self._digests[path] = (sig, digest)
        return digest

    def parse(self, files: list[SourceFile], overrides: dict) -> list[ParsedFile]:
        from .parsers import parse_file

        texts = {_real(k): v for k, v in overrides.items()}
        out, used = [], set()
        self.parsed = self.reused = 0
        self.current = {}
        self.digests = {}
        for sf in files:
            text = texts.get(_real(sf.abspath))
            if text is not None:
                digest = "buffer:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
            else:
                digest = self._disk_digest(sf.abspath)
            key = (sf.path, sf.kind, digest)
            pf = self._parsed.get(key) if digest else None
            if pf is None:
                self.parsed += 1
                pf = _parse_buffer(sf, text) if text is not None else parse_file(sf)
                if digest:
                    self._parsed[key] = pf
            else:
                self.reused += 1
            used.add(key)
            self.current[sf.path] = pf
            self.digests[sf.path] = digest
            out.append(dataclasses.replace(pf))  # the pipeline may let go of a file's data: the cached one stays
        if self._prune:
            self.files = list(files)
            self._parsed = {k: v for k, v in self._parsed.items() if k in used}
            live = {sf.abspath for sf in files}
            self._digests = {k: v for k, v in self._digests.items() if k in live}
        return out


def parse_with_overrides(files: list[SourceFile], overrides: dict, cache: ParseCache | None = None) -> list[ParsedFile]:
    """Every file parsed, open documents from their buffers; through CACHE when given."""
    return (cache or ParseCache()).parse(files, overrides)


def _local_calls(pf: ParsedFile) -> list[str]:
    """The directories a parsed Terraform file's module blocks call by a local source (``./x``, ``../x``)."""
    from .terraform.modules import module_source, resolve_local_source

    if pf.kind != FileKind.TERRAFORM or pf.data is None:
        return []
    d = posixpath.dirname(pf.path)
    out = []
    for b in pf.data.blocks:
        src = module_source(b) if b.type == "module" else None
        target = resolve_local_source(d, src) if src else None
        if target is not None and target != d:
            out.append(target)
    return out


def module_callers(parsed: dict) -> dict[str, set]:
    """Directory -> the directories whose module blocks call it by a local source, over PARSED (path ->
    ParsedFile: a full scan's ``ParseCache.current``)."""
    callers: dict[str, set] = {}
    for pf in parsed.values():
        for target in _local_calls(pf):
            callers.setdefault(target, set()).add(posixpath.dirname(pf.path))
    return callers


def _var_dir_roots(d: str) -> list[str]:
    """The directories a var file in D can be a context of: D, and each ancestor whose next path component is
    a var directory (``envs/``, ``vars/``…: ``graph.terraform._tfvars_by_root``)."""
    from .graph.terraform import _VAR_DIRS

    parts = d.split("/") if d else []
    return [d] + ["/".join(parts[:i]) for i, part in enumerate(parts) if part in _VAR_DIRS]


def focus_files(cache: ParseCache, root: str, rel: str, overrides: dict, callers: dict,
                var_files: tuple = ()) -> list[SourceFile] | None:
    """The Terraform files the edited file REL's findings can depend on, or None when REL is not a Terraform
    file iaclint can focus on: the root modules whose module calls reach REL's directory (CALLERS:
    ``module_callers`` of the last full scan; a var file: the roots it can be a context of), and every local
    module directory those call, transitively, each with its Terraform files, the var files of its var
    directories and ``.terraform/``, and the ``--var-file`` files.  A Terragrunt workspace is not focused on
    (a unit makes a module directory a root of its own).  Files come from the last full scan's list plus
    unsaved buffers; module calls from the current buffers."""
    disc = Discovery(root, [sf for sf in cache.files])
    add_unsaved(disc, overrides)
    me = next((sf for sf in disc.files if sf.path == rel), None)
    if me is None or me.kind not in TF_KINDS or "/.terraform/" in f"/{rel}" or \
            any(sf.kind == FileKind.TERRAGRUNT for sf in disc.files):
        return None
    by_dir: dict[str, list] = {}
    for sf in disc.files:
        if sf.kind in TF_KINDS:
            by_dir.setdefault(posixpath.dirname(sf.path), []).append(sf)
    start = posixpath.dirname(rel)
    modules = {d for d, fs in by_dir.items() if any(sf.kind not in TFVARS_KINDS for sf in fs)}
    up, todo = set(), [start] + [d for d in _var_dir_roots(start)[1:] if d in modules] \
        if me.kind in TFVARS_KINDS else [start]
    while todo:  # the directories whose expansion reaches REL's, up to their roots
        d = todo.pop()
        if d not in up:
            up.add(d)
            todo.extend(callers.get(d, ()))
    dirs, todo = set(), sorted(up)
    with cache.kept():
        while todo:  # and every module they call, read from the current buffers
            d = todo.pop()
            if d in dirs:
                continue
            dirs.add(d)
            cache.parse([sf for sf in by_dir.get(d, []) if sf.kind not in TFVARS_KINDS], overrides)
            todo.extend(t for pf in cache.current.values() for t in _local_calls(pf))
    tf_dirs = {f"{x}/.terraform/" if x else ".terraform/" for x in dirs}

    def wanted(sf: SourceFile) -> bool:
        d = posixpath.dirname(sf.path)
        if "/.terraform/" in f"/{sf.path}":
            return any(sf.path.startswith(x) for x in tf_dirs)
        if sf.kind not in TF_KINDS:
            return False
        return d in dirs or sf.path in var_files or \
            sf.kind in TFVARS_KINDS and any(anc in dirs for anc in _var_dir_roots(d)[1:])

    return [sf for sf in disc.files if wanted(sf)]
