"""dotenv files (.env, .env.*, *.env) with exact line numbers, via python-dotenv's own parser."""
from __future__ import annotations

import io

from ..model import Diagnostic


def parse_dotenv(text: str, path: str) -> tuple[list[dict], list[Diagnostic]]:
    """Return [{"key", "value", "line", "col", "quoted"}] and diagnostics for lines that do not parse."""
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
        raw = b.original.string
        col = raw.find(b.key) + 1 if b.key in raw else 1
        vstart = raw.find("=")
        rest = raw[vstart + 1:].lstrip() if vstart >= 0 else ""
        out.append({"key": b.key, "value": b.value if b.value is not None else "", "line": line, "col": col,
                    "quoted": rest[:1] in ("'", '"'), "export": raw.lstrip().startswith("export ")})
    return out, diags
