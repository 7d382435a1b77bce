"""``iaclint lsp``: a language server publishing iaclint findings as editor diagnostics.

On open, change (debounced) and save of a document it scans the whole
workspace root — findings in one file can come from another (a staging env
file that points at production's database) — reading open documents from
their unsaved buffers.  The project's config (``.iaclint.yaml`` /
``[tool.iaclint]``) applies; a broken config is shown on the config file and
the scan goes on with defaults.  Suppressed and baseline-accepted findings
are not shown.  Everything sent to the editor passes ``mask.mask`` (the report through
``report.masked``); internal errors (a rule that raised) are shown as an error message
(``window/showMessage``), since they belong to no file.

pygls is imported lazily (only by ``serve``) so ``iaclint check`` starts fast.
"""
from __future__ import annotations

import asyncio
import os
from urllib.parse import unquote, urlparse

from .mask import mask
from .report.model import masked

DEBOUNCE_SECONDS = 0.3
SEVERITY = {"critical": 1, "high": 1, "medium": 2, "low": 3, "info": 4}  # LSP Error/Warning/Information/Hint
LEVEL = {"error": 1, "warning": 2, "note": 3}
HELP_URI = "https://github.com/iaclint/iaclint/blob/main/docs/rules.md#{}"


def uri_to_path(uri: str) -> str | None:
    p = urlparse(uri)
    if p.scheme != "file":
        return None
    return os.path.normpath(unquote(p.path))


def path_to_uri(path: str) -> str:
    from pathlib import Path

    return Path(path).resolve().as_uri()


def _utf16_col(line_text: str | None, col: int) -> int:
    """LSP columns count UTF-16 code units; iaclint's are 1-based code points."""
    if not line_text:
        return max(col - 1, 0)
    prefix = line_text[: max(col - 1, 0)]
    return len(prefix.encode("utf-16-le")) // 2


def _range(types, lines: list | None, line: int, col: int = 1, end_line: int = 0, end_col: int = 0):
    line = max(line, 1)
    text = lines[line - 1] if lines and line <= len(lines) else None
    start = types.Position(line=line - 1, character=_utf16_col(text, col))
    if end_line and end_line >= line and end_col:
        etext = lines[end_line - 1] if lines and end_line <= len(lines) else None
        end = types.Position(line=end_line - 1, character=_utf16_col(etext, end_col))
    else:  # to the end of the line
        end = types.Position(line=line - 1, character=_utf16_col(text, len(text) + 1) if text else 0)
    return types.Range(start=start, end=end)


def diagnostics_by_path(report, types) -> dict:
    """Absolute path -> [lsprotocol Diagnostic] for every unsuppressed finding and input problem."""
    report = masked(report)
    out: dict = {}
    root = report.root
    for f in report.findings:
        if f.suppression:
            continue
        s = f.span
        lines = report.lines.get(s.path)
        related = []
        for loc in f.related:
            related.append(types.DiagnosticRelatedInformation(
                location=types.Location(uri=path_to_uri(os.path.join(root, loc.span.path)),
                                        range=_range(types, report.lines.get(loc.span.path), loc.span.line,
                                                     loc.span.col)),
                message=loc.message or "related"))
        envs = f" [{', '.join(f.envs)}]" if f.envs else ""
        out.setdefault(os.path.join(root, s.path), []).append(types.Diagnostic(
            range=_range(types, lines, s.line, s.col, s.end_line, s.end_col),
            message=f"{f.message}{envs}", severity=types.DiagnosticSeverity(SEVERITY.get(f.severity, 2)), code=f.rule_id, source="iaclint",
            code_description=types.CodeDescription(href=HELP_URI.format(f.rule_id.lower())),
            related_information=related or None))
    for d in report.diagnostics:
        out.setdefault(os.path.join(root, d.path), []).append(types.Diagnostic(
            range=_range(types, report.lines.get(d.path), d.line, d.col), message=d.message,
            severity=types.DiagnosticSeverity(LEVEL.get(d.level, 3)), source="iaclint"))
    for diags in out.values():
        diags.sort(key=lambda d: (d.range.start.line, d.range.start.character, str(d.code), d.message))
    return out


def internal_errors(report) -> list[str]:
    """The editor messages for the scan's internal errors (the report is incomplete), masked."""
    return [f"iaclint internal error (results are incomplete): {e}" for e in masked(report).tool_errors]


class Linter:
    """The editor-independent part: scan a workspace with buffer overrides, keep track of what was published."""

    def __init__(self):
        self.published: set = set()  # absolute paths that currently have diagnostics
        self.shown_errors: set = set()  # internal-error messages shown for the last scan

    def scan(self, root: str, overrides: dict):
        """(report, config_error) for the workspace at ``root``."""
        from .config import ConfigError, scan_options
        from .engine.loader import RuleError
        from .scan import scan

        config_error = None
        try:
            opts = scan_options([root])
        except (ConfigError, RuleError) as e:
            config_error = e
            opts = scan_options([root], no_config=True)
        mine = {p: t for p, t in overrides.items() if os.path.realpath(p).startswith(os.path.realpath(root) + os.sep)}
        return scan([root], opts, overrides=mine), config_error


def serve() -> None:  # pragma: no cover - exercised through tests/test_lsp.py over stdio
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer

    from . import __version__

    server = LanguageServer("iaclint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
    linter = Linter()
    state = {"generation": 0}

    def workspace_root(doc_path: str | None) -> str | None:
        root = server.workspace.root_path
        if root:
            return root
        return os.path.dirname(doc_path) if doc_path else None

    def lint(doc_uri: str | None, closed: bool = False) -> None:
        doc_path = uri_to_path(doc_uri) if doc_uri else None
        root = workspace_root(doc_path)
        if not root or not os.path.isdir(root):
            return
        overrides = {}
        for uri, doc in list(server.workspace.text_documents.items()):
            p = uri_to_path(uri)
            if p:
                overrides[p] = doc.source
        try:
            report, config_error = linter.scan(root, overrides)
        except Exception as e:  # never take the editor session down
            server.window_log_message(types.LogMessageParams(type=types.MessageType.Error,
                                                             message=mask(f"iaclint: scan failed: {type(e).__name__}: {e}")))
            return
        by_path = diagnostics_by_path(report, types)
        if config_error is not None:
            cpath = getattr(config_error, "path", None) or str(config_error).split(":", 1)[0]
            line = getattr(config_error, "line", None) or 1
            by_path.setdefault(os.path.abspath(cpath), []).insert(0, types.Diagnostic(
                range=types.Range(start=types.Position(line=line - 1, character=0),
                                  end=types.Position(line=line - 1, character=200)),
                message=mask(f"iaclint configuration error (scanning with defaults): "
                             f"{getattr(config_error, 'message', config_error)}"),
                severity=types.DiagnosticSeverity.Error, source="iaclint"))
        errors = internal_errors(report)
        for message in errors:
            if message not in linter.shown_errors:  # once, not at every keystroke
                server.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))
        linter.shown_errors = set(errors)
        open_paths = set(overrides)
        if closed and doc_path:
            open_paths.add(doc_path)  # publish once more: its diagnostics now come from the file on disk
        for path in sorted(set(by_path) | linter.published | open_paths):
            diags = by_path.get(path, [])
            server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=path_to_uri(path), diagnostics=diags))
        linter.published = {p for p, d in by_path.items() if d}

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls, params: types.DidOpenTextDocumentParams):
        lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls, params: types.DidSaveTextDocumentParams):
        lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls, params: types.DidChangeTextDocumentParams):
        state["generation"] += 1
        mine = state["generation"]
        await asyncio.sleep(DEBOUNCE_SECONDS)
        if mine == state["generation"]:  # no newer edit arrived meanwhile
            lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls, params: types.DidCloseTextDocumentParams):
        lint(params.text_document.uri, closed=True)  # the file on disk counts again

    server.start_io()
