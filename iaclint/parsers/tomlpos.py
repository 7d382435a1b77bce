"""TOML with line numbers: tomllib for values, a line scan for where each key path is written."""
from __future__ import annotations

import re
import tomllib

_HEADER = re.compile(r'^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$')
_KEY = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_.\-" ]+?)\s*=')


class TOMLPosError(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def _split_key(k: str) -> tuple:
    parts = []
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_\-]+)', k):
        parts.append(next(g for g in m.groups() if g is not None))
    return tuple(parts)


def loads_with_lines(text: str) -> tuple[dict, dict]:
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"line (\d+)", msg)
        raise TOMLPosError(f"invalid TOML: {msg}", int(m.group(1)) if m else 1) from None
    lines: dict = {(): 1}
    table: tuple = ()
    for i, ln in enumerate(text.splitlines(), 1):
        s = ln.strip()
        if not s or s.startswith("#"):
            continue
        h = _HEADER.match(ln)
        if h and not _KEY.match(ln):
            table = _split_key(h.group(1))
            lines.setdefault(table, i)
            continue
        k = _KEY.match(ln)
        if k:
            lines.setdefault(table + _split_key(k.group(1)), i)
    return value, lines
