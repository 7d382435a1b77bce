"""Source lines for a report's excerpts (text output, editor ranges), read again when asked for.

The scan releases every file's lines and syntax once the findings are known (scan._scan: memory must not grow
with the tree until the report); the few files a report quotes are read again here, through the same reader as
the parser (``parsers.source_lines``: regular files only, same decoding), or taken from the editor's unsaved
buffer when the scan had one (``overrides``)."""
from __future__ import annotations

import os
from collections import OrderedDict

from ..model import SourceFile

_KEEP = 64  # files whose lines stay cached (a text report quotes one file's findings together)


class SourceLines:
    """``get(path)``: the lines of a scanned file that had lines when it was parsed, else None (a plan JSON
    read as a stream, a binary file: nothing to quote, as before)."""

    def __init__(self, files: dict[str, SourceFile], overrides: dict | None = None):
        self._files = files  # path -> its SourceFile, for the files that had lines
        self._unsaved = {os.path.realpath(os.path.abspath(k)): v for k, v in (overrides or {}).items()}
        self._cache: OrderedDict = OrderedDict()

    def __contains__(self, path: str) -> bool:
        return path in self._files

    def get(self, path: str, default=None):
        sf = self._files.get(path)
        if sf is None:
            return default
        if path in self._cache:
            self._cache.move_to_end(path)
            return self._cache[path]
        text = self._unsaved.get(os.path.realpath(sf.abspath)) if self._unsaved else None
        if text is not None:
            lines = (text[1:] if text.startswith("\ufeff") else text).splitlines()
        else:
            from ..parsers import source_lines

            lines = source_lines(sf)
        self._cache[path] = lines
        if len(self._cache) > _KEEP:
            self._cache.popitem(last=False)
        return lines
