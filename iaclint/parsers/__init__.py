"""Stage 2: turn each discovered file into plain data with spans.

``parse_file`` never raises on user input: unreadable, binary, oversized,
non-UTF-8 or invalid files come back with a Diagnostic naming file and line,
and the scan goes on with the other files.  Which parser reads a file is its
kind's (``kinds.KINDS``); the parsers it names are below.
"""
from __future__ import annotations

import dataclasses
import json
import os

from ..discover import MAX_FILE_BYTES, PLAN_MAX_BYTES
from ..kinds import KINDS, FileKind, load
from ..model import Diagnostic, ParsedFile, SourceFile, SourceText
from ..safeio import UnsafeFile, open_regular_file, read_regular_file


def _read(sf: SourceFile, limit: int) -> tuple[bytes | None, Diagnostic | None]:
    """The file's bytes; opened non-blocking and read only when it is a regular file (a FIFO named main.tf
    must not block the scan)."""
    try:
        return read_regular_file(sf.abspath, limit), None
    except UnsafeFile as e:
        if e.size is None:
            return None, Diagnostic(sf.path, 1, "not a regular file; not read", "warning")
        return None, Diagnostic(sf.path, 1, f"file is {e.size // (1024 * 1024)} MiB, over the "
                                f"{limit // (1024 * 1024)} MiB limit; skipped", "warning")
    except OSError as e:
        return None, Diagnostic(sf.path, 1, f"cannot read file: {e.strerror or e}", "error")


def _decode(sf: SourceFile, raw: bytes) -> tuple[str | None, Diagnostic | None]:
    if b"\x00" in raw[:8192]:
        return None, Diagnostic(sf.path, 1, "binary file (contains NUL bytes); skipped", "error")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return None, Diagnostic(sf.path, line, "file is not valid UTF-8; skipped", "error")


def _is_plan_json_name(path: str) -> bool:
    low = path.lower()
    return low.endswith(".json") and ("plan" in os.path.basename(low) or "tfplan" in low)


class SameContent:
    """Syntax trees shared by files with the same bytes, within one scan and one process: a module copied per
    service (``modules/orders-db``, ``modules/billing-db``) repeats its variables.tf and outputs.tf byte for byte
    (a third of the generated 500-module corpus's .tf files; one parse of 2 KB costs ~1 ms).  Only contents
    known to repeat are kept (``repeated``: ``hash()`` of their bytes, counted by the Terraform planner, which
    reads every .tf file anyway), looked up by the bytes themselves, least recently used first out past
    ``budget`` bytes of source (a kept tree holds ~8x its source: 512 KB keeps every repeat of the 500-module
    corpus and ~4 MB; the 5,000-module corpus's peak stays under 600 MB).  Shared trees are read-only: nothing
    after the parser changes a ``hclast`` node; diagnostics, which name their file, are made per file
    (tests/test_same_content.py compares the graph node by node with each file parsed alone)."""

    def __init__(self, repeated: set, budget: int = 512 << 10):
        self.repeated = repeated
        self.budget = budget
        self._kept: dict = {}  # raw bytes -> (body, diagnostics), oldest use first
        self._bytes = 0

    def hcl(self, sf: SourceFile, raw: bytes, parse):
        """PARSE(raw)'s (body, diagnostics) for SF: parsed once per content known to repeat."""
        if len(raw) > self.budget or hash(raw) not in self.repeated:
            return parse()
        hit = self._kept.pop(raw, None)
        if hit is None:
            hit = parse()
            self._bytes += len(raw)
            while self._bytes > self.budget and self._kept:
                old = next(iter(self._kept))
                del self._kept[old]
                self._bytes -= len(old)
        self._kept[raw] = hit  # the most recent use last
        body, diags = hit
        return body, [d if d.path == sf.path else dataclasses.replace(d, path=sf.path) for d in diags]


def parse_file(sf: SourceFile, same: SameContent | None = None) -> ParsedFile:
    """SF parsed (never raises on its content).  SAME: trees shared by files with the same bytes (Terraform)."""
    spec = KINDS[sf.kind]
    if spec.parser is None:  # its bytes are never read (binary key store: .p12, .pfx, .jks): reported by name
        return ParsedFile(sf.path, spec.parsed, {}, [], [])
    if spec.kind is FileKind.JSON:
        big_plan = _streamed_plan(sf)
        if big_plan is not None:
            return big_plan
    limit = PLAN_MAX_BYTES if spec.kind is FileKind.JSON and _is_plan_json_name(sf.path) else MAX_FILE_BYTES
    raw, diag = _read(sf, limit)
    if raw is None:
        return ParsedFile(sf.path, sf.kind, None, [], [diag])
    text, diag = _decode(sf, raw)
    if text is None:
        if spec.binary_as is not None:  # a DER / binary key: reported by name like a key store
            return ParsedFile(sf.path, spec.binary_as, {}, [], [])
        return ParsedFile(sf.path, sf.kind, None, [], [diag])
    try:
        if same is not None and spec.kind is FileKind.TERRAFORM:
            return hcl_file(sf, raw, text, same)
        return _parse_text(sf, raw, text)
    except RecursionError:
        return ParsedFile(sf.path, sf.kind, None, [], [Diagnostic(sf.path, 1, "nested too deeply to analyse; "
                                                                  "skipped", "error")])
    except Exception as e:  # noqa: BLE001 - a parser bug: that file is not analysed, the scan goes on (exit 3)
        return ParsedFile(sf.path, sf.kind, None, SourceText(text),
                          internal_error=f"parsing {sf.path} failed: {type(e).__name__}: {e}; the file was skipped")


def _streamed_plan(sf: SourceFile) -> ParsedFile | None:
    """A JSON file over planstream.STREAM_BYTES that starts like a Terraform plan, read without loading it
    whole (parsers/planstream.py); None for anything else (read as usual)."""
    from .planstream import STREAM_BYTES, change_lines, looks_like_plan, stream_plan

    try:
        if os.stat(sf.abspath).st_size <= STREAM_BYTES:
            return None
        with open_regular_file(sf.abspath, PLAN_MAX_BYTES) as fh:
            if not looks_like_plan(fh.read(64 * 1024)):
                return None
    except OSError:  # not a regular file, too large, unreadable: the usual path says which
        return None

    def reopen():
        return open_regular_file(sf.abspath, PLAN_MAX_BYTES)

    try:
        doc = stream_plan(reopen)
        doc.change_lines = change_lines(reopen, list(doc.changes))
    except ValueError as e:
        return ParsedFile(sf.path, FileKind.PLAN_JSON, None, [], [Diagnostic(sf.path, 1, str(e), "error")])
    except OSError as e:
        return ParsedFile(sf.path, FileKind.PLAN_JSON, None, [],
                          [Diagnostic(sf.path, 1, f"cannot read file: {e.strerror or e}", "error")])
    return ParsedFile(sf.path, FileKind.PLAN_JSON, {"plan": doc}, [], [])


def _parse_text(sf: SourceFile, raw: bytes, text: str) -> ParsedFile:
    """The kind's parser on the file's bytes and text (an editor buffer of a kind never read is text)."""
    parser = KINDS[sf.kind].parser
    return load(parser)(sf, raw, text) if parser else text_file(sf, raw, text)


# -- the parsers KINDS names: (SourceFile, raw bytes, decoded text) -> ParsedFile ----------------------------------
def _no_bom(raw: bytes) -> bytes:
    return raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw


def hcl_file(sf: SourceFile, raw: bytes, text: str, same: SameContent | None = None) -> ParsedFile:
    from .hcl import parse_hcl

    if same is None:
        body, diags = parse_hcl(_no_bom(raw), sf.path)
    else:
        body, diags = same.hcl(sf, raw, lambda: parse_hcl(_no_bom(raw), sf.path))
    return ParsedFile(sf.path, KINDS[sf.kind].parsed, body, SourceText(text), diags)


def tf_json_file(sf: SourceFile, raw: bytes, text: str) -> ParsedFile:
    from .tfjson import parse_tf_json

    kind = KINDS[sf.kind].parsed
    body, diags = parse_tf_json(text, sf.path, vars_only=(kind is FileKind.TFVARS))
    return ParsedFile(sf.path, kind, body, SourceText(text), diags)


def dotenv_file(sf: SourceFile, raw: bytes, text: str) -> ParsedFile:
    from .dotenv import parse_dotenv

    entries, diags = parse_dotenv(text, sf.path)
    return ParsedFile(sf.path, KINDS[sf.kind].parsed, entries, SourceText(text), diags)


def toml_file(sf: SourceFile, raw: bytes, text: str) -> ParsedFile:
    from .tomlpos import TOMLPosError, loads_with_lines

    kind, lines = KINDS[sf.kind].parsed, SourceText(text)
    try:
        value, pos = loads_with_lines(text)
    except TOMLPosError as e:
        return ParsedFile(sf.path, kind, None, lines, [Diagnostic(sf.path, e.line, str(e), "error")])
    return ParsedFile(sf.path, kind, {"value": value, "lines": pos}, lines, [])


def json_file(sf: SourceFile, raw: bytes, text: str) -> ParsedFile:
    """JSON; a file of kind JSON becomes the kind its content says (plan, env-config export, Railway config)."""
    from .jsonpos import JSONPosError, line_map, loads_with_lines

    kind, lines = KINDS[sf.kind].parsed, SourceText(text)
    if kind is FileKind.JSON and len(raw) > 8 * 1024 * 1024:
        return _parse_big_json(sf, text, lines)
    try:
        value, pos = loads_with_lines(text, positions=False)
    except JSONPosError as e:
        if kind is FileKind.JSON and not _looks_like_ours(sf.path):
            # arbitrary JSON-ish files (comments, templates) are still scanned for secrets as text
            return ParsedFile(sf.path, FileKind.TEXT, None, lines, [])
        return ParsedFile(sf.path, kind, None, lines, [Diagnostic(sf.path, e.line, str(e), "error")])
    if kind is FileKind.JSON:
        kind = _json_kind(value)
    # plain JSON config (package-lock.json…) gets its line map only if a finding needs one (graph stage)
    pos = line_map(text) if kind is not FileKind.JSON else None
    return ParsedFile(sf.path, kind, {"value": value, "lines": pos}, lines, [])


def railway_ts_file(sf: SourceFile, raw: bytes, text: str) -> ParsedFile:
    from ..railway import parse_railway_ts

    prog, diags = parse_railway_ts(_no_bom(raw), sf.path)
    return ParsedFile(sf.path, KINDS[sf.kind].parsed, prog, SourceText(text), diags)


def railway_py_file(sf: SourceFile, raw: bytes, text: str) -> ParsedFile:
    from ..railway import parse_railway_py

    prog, diags = parse_railway_py(text, sf.path)
    return ParsedFile(sf.path, KINDS[sf.kind].parsed, prog, SourceText(text), diags)


def text_file(sf: SourceFile, raw: bytes, text: str) -> ParsedFile:
    """Shell scripts, YAML, INI, keys…: scanned for credentials line by line."""
    return ParsedFile(sf.path, FileKind.TEXT, None, SourceText(text), [])


def _looks_like_ours(path: str) -> bool:
    low = path.lower()
    return "railway" in low or _is_plan_json_name(path)


def _parse_big_json(sf: SourceFile, text: str, lines: list[str]) -> ParsedFile:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        line = getattr(e, "lineno", 1)
        return ParsedFile(sf.path, FileKind.JSON, None, [], [Diagnostic(sf.path, line, f"invalid JSON: {e}",
                                                                          "error")])
    kind = _json_kind(value)
    return ParsedFile(sf.path, kind, {"value": value, "lines": {}}, [] if kind is FileKind.PLAN_JSON else lines, [])


def _json_kind(value) -> FileKind:
    """The first kind (in registry order) whose content sniffing recognises the document, else plain JSON."""
    if isinstance(value, dict):
        for spec in KINDS.values():
            if spec.sniff is not None and spec.sniff(value):
                return spec.kind
    return FileKind.JSON


def source_lines(sf: SourceFile) -> list[str]:
    """The lines of SF as its parser saw them (BOM dropped, UTF-8, ``splitlines``), read again: a report's
    excerpts after the parsed files were released (``report.source.SourceLines``); [] when it cannot be read."""
    raw, _ = _read(sf, PLAN_MAX_BYTES)
    if raw is None:
        return []
    text, _ = _decode(sf, raw)
    return text.splitlines() if text is not None else []
