"""dotenv files (.env, .env.*, *.env) with exact line numbers, via python-dotenv's own parser.

A file whose every line is blank, a comment or a plain ``[export ]KEY=value`` (no quotes, no spaces in the value)
takes a fast path that gives exactly what python-dotenv's parser gives (``tests/test_parsers_dotenv_fast.py``
compares them); python-dotenv's reader costs ~2 ms per file (a character-level Python reader), most of a
1,500-file repository's dotenv time.
"""
from __future__ import annotations

import io
import re

from ..model import Diagnostic

# one plain assignment line: python-dotenv reads it as key = group 2, value = group 3 (unquoted, nothing stripped)
_PLAIN = re.compile(r"\s*((?:export[^\S\r\n]+)?)([^=#\s'\"]+)=([^\s'\"]\S*)?")


def parse_dotenv(text: str, path: str) -> tuple[list[dict], list[Diagnostic]]:
    """Return [{"key", "value", "line", "col"}] and diagnostics for lines that do not parse (a 4-key dict per
    binding, kept while the file is: nothing reads whether the value was quoted or exported)."""
    fast = _parse_plain(text)
    if fast is not None:
        return fast, []
    from dotenv.parser import parse_stream

    out: list[dict] = []
    diags: list[Diagnostic] = []
    for b in parse_stream(io.StringIO(text)):
        line = b.original.line
        if b.error:
            snippet = b.original.string.strip()
            if snippet:
                diags.append(Diagnostic(path, line, "invalid dotenv line (expected KEY=VALUE)", "error"))
            continue
        if b.key is None:
            continue
        out.append(_entry(b.key, b.value if b.value is not None else "", b.original.string, line))
    return out, diags


def _entry(key: str, value: str, raw: str, line: int) -> dict:
    """One binding; RAW is python-dotenv's ``original.string`` (blank lines before it included), LINE its line."""
    return {"key": key, "value": value, "line": line, "col": raw.find(key) + 1 if key in raw else 1}


def _parse_plain(text: str) -> list[dict] | None:
    """The bindings of a file of blank, comment and plain assignment lines, as python-dotenv reads them: each
    binding's text starts right after the previous one's line (so blank lines before it are part of it and its
    line is the first of them); None when any line is anything else."""
    if "\r" in text:
        return None
    out: list[dict] = []
    mark, start, pos = 1, 0, 0  # the next binding's first line and offset; this line's offset
    for no, ln in enumerate(text.split("\n"), 1):
        end = pos + len(ln) + 1
        stripped = ln.strip()
        if stripped:
            if not stripped.startswith("#"):
                m = _PLAIN.fullmatch(ln)
                if m is None:
                    return None
                out.append(_entry(m.group(2), m.group(3) or "", text[start:end], mark))
            mark, start = no + 1, end
        pos = end
    return out
