"""Unsaved editor buffers layered over the files on disk (used by ``iaclint lsp``).

The scan still discovers and parses the whole workspace — findings in one
file can come from another (a staging file sharing production's volume) —
but a file open in the editor is parsed from its buffer, not from disk.
"""
from __future__ import annotations

import os

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


def parse_with_overrides(files: list[SourceFile], overrides: dict) -> list[ParsedFile]:
    from .parsers import _parse_text, parse_file

    texts = {_real(k): v for k, v in overrides.items()}
    out = []
    for sf in files:
        text = texts.get(_real(sf.abspath))
        if text is None:
            out.append(parse_file(sf))
            continue
        text = text[1:] if text.startswith("\ufeff") else text
        try:
            out.append(_parse_text(sf, text.encode("utf-8"), text))
        except RecursionError:
            out.append(ParsedFile(sf.path, sf.kind, None, [],
                                  [Diagnostic(sf.path, 1, "nested too deeply to analyse; skipped", "error")]))
    return out
