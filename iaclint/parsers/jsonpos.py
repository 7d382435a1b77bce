"""JSON with line numbers: the values as ``json.loads`` gives them, plus the line of every key path.

``json.loads`` does the parsing and validation (its error carries the line);
a small tokenizer then records where each object member starts, keyed by a
path tuple such as ``("services", "abc", "volumeMounts")``.
"""
from __future__ import annotations

import json
import re

MAX_DEPTH = 1000


class JSONPosError(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def line_map(text: str) -> dict:
    """Key-path tuples -> 1-based line numbers of already validated JSON text."""
    return _lines(text)


def loads_with_lines(text: str, positions: bool = True) -> tuple[object, dict | None]:
    """Return (value, lines) where lines maps key-path tuples to 1-based line numbers (None unless asked)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise JSONPosError(f"invalid JSON: {e.msg}", e.lineno) from None
    except RecursionError:
        raise JSONPosError("invalid JSON: nested too deeply", 1) from None
    return value, (_lines(text) if positions else None)


# the same tokens, each with the whitespace before it (one match per token: the hot loop of big plan JSON)
_WS_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[{}\[\],:]|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)', re.S)


def _lines(text: str) -> dict:
    lines: dict = {(): 1}
    line = 1
    stack: list = []  # containers: [type, key-or-index, expecting_key]
    pos = 0
    for m in _WS_TOKEN.finditer(text):
        if m.start() != pos:
            break  # a character no token matches (NaN, Infinity): stop, as the tokenizer always did
        tok = m.group(1)
        start = m.start(1)
        if start != pos:
            line += text.count("\n", pos, start)
        pos = m.end()
        c = tok[0]
        if c == "{" or c == "[":
            if stack and stack[-1][0] == "[":
                lines.setdefault(tuple(f[1] for f in stack), line)
            if len(stack) > MAX_DEPTH:
                break
            stack.append([c, 0 if c == "[" else None, True])
        elif c == "}" or c == "]":
            if stack:
                stack.pop()
        elif c == ",":
            if stack:
                if stack[-1][0] == "[":
                    stack[-1][1] += 1
                else:
                    stack[-1][2] = True
        elif c == ":":
            if stack:
                stack[-1][2] = False
        elif c == '"' and stack and stack[-1][0] == "{" and stack[-1][2]:
            try:
                key = json.loads(tok)
            except json.JSONDecodeError:
                key = tok[1:-1]
            stack[-1][1] = key
            lines[tuple(f[1] for f in stack)] = line
            line += tok.count("\n")
        else:
            if stack and stack[-1][0] == "[":
                lines.setdefault(tuple(f[1] for f in stack), line)
            line += tok.count("\n")
    return lines


def line_of(lines: dict, path: tuple, default: int = 1) -> int:
    """Line of ``path`` or of its nearest recorded ancestor."""
    p = tuple(path)
    while p:
        if p in lines:
            return lines[p]
        p = p[:-1]
    return default
