"""Unsaved editor buffers layered over the files on disk, and parsed files kept by content hash (``iaclint lsp``).

The scan still discovers the whole workspace and builds the whole graph —
findings in one file can come from another (a staging file sharing
production's volume) — but a file open in the editor is parsed from its
buffer, not from disk, and a ``ParseCache`` hands back the ParsedFile of a
file whose bytes it has parsed before.  Parsing is a function of (relative
path, kind, bytes) alone, so a cached parse is the parse: a scan through the
cache equals a fresh scan of the same buffers and files.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import stat

from .discover import classify
from .model import Diagnostic, ParsedFile, SourceFile


def _real(p: str) -> str:
    return os.path.realpath(os.path.abspath(p))


def add_unsaved(disc, overrides: dict) -> None:
    """Add buffers for files not on disk yet (new, unsaved) that lie under the scan root."""
    have = {_real(f.abspath) for f in disc.files}
    root = _real(disc.root)
    for path in sorted(overrides):
        real = _real(path)
        if real in have or not real.startswith(root + os.sep):
            continue
        rel = os.path.relpath(real, root).replace(os.sep, "/")
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
    (parse_file reports it by name).  Entries no scan used are dropped after each scan, so the cache holds one
    parse per workspace file.  One scan at a time per cache (``Linter`` holds a lock per root)."""

    def __init__(self):
        self._digests: dict[str, tuple[tuple, str]] = {}  # absolute path -> (stat signature, sha of its bytes)
        self._parsed: dict[tuple, ParsedFile] = {}
        self.parsed = 0  # files parsed (cache misses) by the last scan
        self.reused = 0  # files handed back from the cache by the last scan

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
            out.append(dataclasses.replace(pf))  # the pipeline may let go of a file's data: the cached one stays
        self._parsed = {k: v for k, v in self._parsed.items() if k in used}
        live = {sf.abspath for sf in files}
        self._digests = {k: v for k, v in self._digests.items() if k in live}
        return out


def parse_with_overrides(files: list[SourceFile], overrides: dict, cache: ParseCache | None = None) -> list[ParsedFile]:
    """Every file parsed, open documents from their buffers; through CACHE when given."""
    return (cache or ParseCache()).parse(files, overrides)
