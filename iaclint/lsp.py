"""``iaclint lsp``: a language server publishing iaclint findings as editor diagnostics.

On open, change (debounced) and save of a document it scans the whole
workspace root — findings in one file can come from another (a staging env
file that points at production's database) — reading open documents from
their unsaved buffers.  Parsed files are kept by content hash
(``overlay.ParseCache``): an edit re-parses the edited file only, and the
graph and rules run over the whole workspace again, so the diagnostics after
any sequence of edits are those of a fresh scan of the same buffers.  An edit
is answered twice: first by a fast pass (``Linter.fast_diagnostics``) that
recomputes only what the edited file's own Terraform root closure decides,
carrying the rest over from the last full scan, then by the full scan.  Scans
run on a worker thread, never on the server's; an edit that arrives while a
scan is pending or running supersedes it.  Diagnostics are published for the
files whose diagnostics changed (cleared for those that have none left) and
for the document that triggered the scan.  The project's config (``.iaclint.yaml`` /
``[tool.iaclint]``) applies; a broken config is shown on the config file and
the scan goes on with defaults.  Suppressed and baseline-accepted findings
are not shown.  Everything sent to the editor passes ``mask.mask`` (the report through
``report.masked``); internal errors (a rule that raised) are shown as an error message
(``window/showMessage``), since they belong to no file.

pygls is imported lazily (only by ``serve``) so ``iaclint check`` starts fast.
"""
from __future__ import annotations

import asyncio
import dataclasses
import gc
import os
import threading
from urllib.parse import unquote, urlparse

from .mask import mask
from .report.model import masked

DEBOUNCE_SECONDS = 0.05  # quiet time after a change before scanning (a newer change restarts it)
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


def _line(lines: list | None, n: int) -> str | None:
    return lines[n - 1] if lines and 0 < n <= len(lines) else None


def _finding_key(f, lines: dict) -> tuple:
    """Everything a finding's Diagnostic is made of (the lines its ranges are measured on included)."""
    s = f.span
    return ("f", f.rule_id, f.message, s, tuple(f.envs), f.severity,
            _line(lines.get(s.path), s.line), _line(lines.get(s.path), s.end_line),
            tuple((loc.span, loc.message, _line(lines.get(loc.span.path), loc.span.line)) for loc in f.related))


def _diagnostic_key(d, lines: dict) -> tuple:
    return ("d", d.path, d.line, d.col, d.message, d.level, _line(lines.get(d.path), d.line))


def diagnostics_by_path(report, types, memo: dict | None = None) -> dict:
    """Absolute path -> [lsprotocol Diagnostic] for every unsuppressed finding and input problem.

    MEMO, a dict kept across scans of one workspace, keeps each Diagnostic by everything it is made of
    (``_finding_key``): masking is a function of the text and the scan's secrets, so the memo holds while the
    secrets stay the same and is emptied when they change; only findings new to it are masked and converted."""
    if memo is None:
        memo = {}
    if memo.get("secrets") != report.secrets:
        memo.clear()
        memo["secrets"] = report.secrets
    root, lines = report.root, report.lines
    uris: dict = {}

    def uri(rel: str) -> str:
        if rel not in uris:
            uris[rel] = path_to_uri(os.path.join(root, rel))
        return uris[rel]

    findings = [(f, _finding_key(f, lines)) for f in report.findings if not f.suppression]
    problems = [(d, _diagnostic_key(d, lines)) for d in report.diagnostics]
    todo_f = [k for _, k in findings if k not in memo]
    todo_d = [k for _, k in problems if k not in memo]
    new = masked(dataclasses.replace(report, findings=[f for f, k in findings if k not in memo],
                                     diagnostics=[d for d, k in problems if k not in memo]))
    for f, k in zip(new.findings, todo_f):
        s = f.span
        related = [types.DiagnosticRelatedInformation(
            location=types.Location(uri=uri(loc.span.path),
                                    range=_range(types, lines.get(loc.span.path), loc.span.line, loc.span.col)),
            message=loc.message or "related") for loc in f.related]
        envs = f" [{', '.join(f.envs)}]" if f.envs else ""
        memo[k] = types.Diagnostic(
            range=_range(types, lines.get(s.path), s.line, s.col, s.end_line, s.end_col),
            message=f"{f.message}{envs}", severity=types.DiagnosticSeverity(SEVERITY.get(f.severity, 2)),
            code=f.rule_id, source="iaclint", code_description=types.CodeDescription(href=HELP_URI.format(
                f.rule_id.lower())), related_information=related or None)
    for d, k in zip(new.diagnostics, todo_d):
        memo[k] = types.Diagnostic(range=_range(types, lines.get(d.path), d.line, d.col), message=d.message,
                                   severity=types.DiagnosticSeverity(LEVEL.get(d.level, 3)), source="iaclint")
    out: dict = {}
    used = {"secrets"}
    for item, k in findings + problems:
        used.add(k)
        out.setdefault(os.path.join(root, item.span.path if k[0] == "f" else item.path), []).append(memo[k])
    for k in [k for k in memo if k not in used]:  # one entry per current finding: the memo does not grow
        del memo[k]
    for diags in out.values():
        diags.sort(key=lambda d: (d.range.start.line, d.range.start.character, str(d.code), d.message))
    return out


def internal_errors(report) -> list[str]:
    """The editor messages for the scan's internal errors (the report is incomplete), masked."""
    return [f"iaclint internal error (results are incomplete): {e}" for e in masked(report).tool_errors]


def config_error_diagnostic(config_error, types):
    """(absolute path, Diagnostic) for a broken configuration file (the scan went on with defaults)."""
    cpath = getattr(config_error, "path", None) or str(config_error).split(":", 1)[0]
    line = getattr(config_error, "line", None) or 1
    return os.path.abspath(cpath), types.Diagnostic(
        range=types.Range(start=types.Position(line=line - 1, character=0),
                          end=types.Position(line=line - 1, character=200)),
        message=mask(f"iaclint configuration error (scanning with defaults): "
                     f"{getattr(config_error, 'message', config_error)}"),
        severity=types.DiagnosticSeverity.Error, source="iaclint")


class Superseded(Exception):
    """A scan stopped because a newer edit wants a newer one."""


def _stop_when(superseded):
    def progress(stage: str, done: int, total: int) -> None:
        if superseded():
            raise Superseded(stage)
    return progress


def local_evidence(f, attribute_ids) -> bool:
    """Whether finding F was made by a declarative attribute rule (its own or, filed under the family's
    cannot-verify rule, its cannot-verify): evidence read from one resource's evaluated attributes."""
    return f.rule_id in attribute_ids or f.properties.get("cannot_verify") in attribute_ids


def _sorted(diags: list) -> list:
    return sorted(diags, key=lambda d: (d.range.start.line, d.range.start.character, str(d.code), d.message))


class Linter:
    """The editor-independent part: scan a workspace with buffer overrides, keeping each workspace's parsed
    files by content hash (``overlay.ParseCache``), and track what was published.  ``diagnostics`` is the full
    scan; ``fast_diagnostics`` the focused answer for one edited document between two full scans."""

    def __init__(self):
        self.published: dict = {}  # absolute path -> its diagnostics as last published (non-empty lists only)
        self.shown_errors: set = set()  # internal-error messages shown for the last scan
        # real workspace root -> (ParseCache, lock: one scan at a time, Diagnostic memo, last full scan's state)
        self._caches: dict = {}
        self._lock = threading.Lock()

    def cache(self, root: str):
        from .overlay import ParseCache

        with self._lock:
            return self._caches.setdefault(os.path.realpath(root), (ParseCache(), threading.RLock(), {}, {}))

    @staticmethod
    def _options(root: str):
        from .config import ConfigError, scan_options
        from .engine.loader import RuleError

        try:
            return scan_options([root]), None
        except (ConfigError, RuleError) as e:
            return scan_options([root], no_config=True), e

    @staticmethod
    def _mine(root: str, overrides: dict) -> dict:
        return {p: t for p, t in overrides.items() if os.path.realpath(p).startswith(os.path.realpath(root) + os.sep)}

    def scan(self, root: str, overrides: dict, superseded=None):
        """(report, config_error) for the workspace at ``root``.  SUPERSEDED: a callable saying a newer scan is
        wanted; asked between the pipeline's stages, it stops this one with ``Superseded``."""
        from .scan import scan

        opts, config_error = self._options(root)
        cache, lock, _, _ = self.cache(root)
        with lock:
            return scan([root], opts, overrides=self._mine(root, overrides), parse_cache=cache,
                        progress=_stop_when(superseded) if superseded else None), config_error

    def diagnostics(self, root: str, overrides: dict, superseded=None) -> tuple[dict, list[str]]:
        """(absolute path -> [Diagnostic], internal-error messages) of one full scan, which the fast passes
        after it carry over from."""
        from lsprotocol import types

        from .overlay import module_callers

        cache, lock, memo, last = self.cache(root)
        with lock:
            report, config_error = self.scan(root, overrides, superseded)
            by_path = diagnostics_by_path(report, types, memo)
            if config_error is not None:
                path, diag = config_error_diagnostic(config_error, types)
                by_path.setdefault(path, []).insert(0, diag)
            ids = frozenset(r.id for r in report.rules if r.check["type"] == "attribute")
            parse = {p: {_parse_key(d) for d in pf.diagnostics} for p, pf in cache.current.items() if pf.diagnostics}
            # what a fast pass recomputes: attribute-rule findings and parse errors; the rest it carries over
            redone = {id(memo.get(_finding_key(f, report.lines))) for f in report.findings
                      if not f.suppression and local_evidence(f, ids)}
            redone |= {id(memo.get(_diagnostic_key(d, report.lines))) for d in report.diagnostics
                       if _parse_key(d) in parse.get(d.path, ())}
            last.clear()
            last.update(report=report, callers=module_callers(cache.current), attribute_ids=ids,
                        carry={p: [d for d in ds if id(d) not in redone] for p, ds in by_path.items()})
            # the parse cache and this scan's state live on: out of the collector's sight, a gen-2 pass over
            # them (~2 s at 500 modules) never lands in a fast pass (acyclic data: reference counts free it)
            gc.freeze()
        return by_path, internal_errors(report)

    def fast_diagnostics(self, root: str, overrides: dict, path: str, superseded=None) -> list | None:
        """The focused answer for the edited document PATH (absolute), or None before ROOT's first full scan.

        Recomputed: PATH's parse errors and, for a Terraform file, the findings located in it of the
        declarative attribute rules (``local_evidence``), over a graph of its root closure only
        (``overlay.focus_files``).  Every other diagnostic of PATH is the last full scan's, carried over until
        the next full scan replaces it."""
        from lsprotocol import types

        from .discover import classify
        from .model import SourceFile
        from .overlay import focus_files
        from .scan import scan

        cache, lock, _, last = self.cache(root)
        real = os.path.realpath(path)
        if not last or not real.startswith(os.path.realpath(root) + os.sep):
            return None
        rel = os.path.relpath(real, os.path.realpath(last["report"].root)).replace(os.sep, "/")  # the repository's
        mine = self._mine(root, overrides)
        ids = last["attribute_ids"]
        with lock:
            opts, _ = self._options(root)
            files = focus_files(cache, last["report"].root, rel, mine, last["callers"], opts.var_files)
            select = {r.id for r in last["report"].rules if r.id in ids
                      and (not opts.enabled or r.id in opts.enabled or r.name in opts.enabled)}
            findings, secrets, lines = [], dict(last["report"].secrets), None
            with cache.kept():
                if files is not None and select:
                    report = scan([root], dataclasses.replace(opts, enabled=select), overrides=mine,
                                  parse_cache=cache, only_files=files,
                                  progress=_stop_when(superseded) if superseded else None)
                    findings = [f for f in report.findings if not f.suppression and f.span.path == rel
                                and local_evidence(f, ids)]
                    secrets.update(report.secrets)  # masking knows every secret either scan found
                    lines = report.lines
                else:
                    sf = next((sf for sf in cache.files if sf.path == rel), None)
                    kind = sf.kind if sf else classify(rel)
                    if kind is None:
                        return None
                    cache.parse([sf or SourceFile(rel, real, kind)], mine)
                pf = cache.current.get(rel)
            if lines is None:
                lines = {rel: pf.lines if pf else []}
            problems = list(pf.diagnostics) if pf else []
            fresh = diagnostics_by_path(dataclasses.replace(last["report"], findings=findings, diagnostics=problems,
                                                            lines=lines, secrets=secrets),
                                        types, last.setdefault("memo", {}))
            return _sorted(fresh.get(os.path.join(last["report"].root, rel), []) + self.carried(last, rel))

    @staticmethod
    def carried(last: dict, rel: str) -> list:
        """The diagnostics of REL (relative to the repository root) of the full scan LAST that a fast pass
        does not recompute."""
        return last["carry"].get(os.path.join(last["report"].root, rel), [])

    def to_publish(self, by_path: dict, always=()) -> list[tuple[str, list]]:
        """[(path, diagnostics)] to send after a scan: files whose diagnostics changed since the last publish
        (an empty list clears a file that has none left) and the paths in ALWAYS (the documents whose open,
        change, save or close triggered the scan: the editor hears back about them)."""
        out = []
        for path in sorted(set(by_path) | set(self.published) | set(always)):
            diags = by_path.get(path, [])
            if path in always or diags != self.published.get(path, []):
                out.append((path, diags))
        self.published = {p: d for p, d in by_path.items() if d}
        return out

    def published_fast(self, path: str, diags: list) -> None:
        """Record the fast pass's answer for PATH as published."""
        if diags:
            self.published[path] = diags
        else:
            self.published.pop(path, None)


def _parse_key(d) -> tuple:
    return (d.path, d.line, d.col, d.message, d.level)


def serve() -> None:  # pragma: no cover - exercised through tests/test_lsp.py over stdio
    from concurrent.futures import ThreadPoolExecutor

    from lsprotocol import types
    from pygls.lsp.server import LanguageServer

    from . import __version__

    server = LanguageServer("iaclint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
    linter = Linter()
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="iaclint-scan")  # scans never run on the loop
    # generation: bumped by every request; a scan whose generation is not the newest is superseded
    # focus: the document an edit changed, answered first by the fast pass
    state: dict = {"generation": 0, "task": None, "delay": 0.0, "root": None, "always": set(), "focus": None}

    def workspace_root(doc_path: str | None) -> str | None:
        root = server.workspace.root_path
        if root:
            return root
        return os.path.dirname(doc_path) if doc_path else None

    def log(message: str) -> None:
        server.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=mask(message)))

    def request(doc_uri: str, delay: float, edited: bool = False) -> None:
        """Ask for a scan after DELAY seconds of quiet; the newest request's delay and root count.  EDITED: the
        document changed: a fast pass answers it before the full scan."""
        doc_path = uri_to_path(doc_uri)
        state["focus"] = doc_path if edited else None
        state["generation"] += 1
        state["delay"] = delay
        state["root"] = workspace_root(doc_path)
        if doc_path:
            state["always"].add(doc_path)
        if state["task"] is None or state["task"].done():
            state["task"] = asyncio.ensure_future(run())

    async def run() -> None:
        loop = asyncio.get_running_loop()
        while True:
            mine = state["generation"]
            await asyncio.sleep(state["delay"])
            if mine != state["generation"]:
                continue  # a newer edit arrived: wait for quiet again
            root = state["root"]
            if not root or not os.path.isdir(root):
                state["always"].clear()
                return
            overrides = {p: doc.source for uri, doc in list(server.workspace.text_documents.items())
                         if (p := uri_to_path(uri))}
            stop = lambda mine=mine: mine != state["generation"]  # noqa: E731
            try:
                focus, state["focus"] = state["focus"], None
                if focus:
                    diags = await loop.run_in_executor(worker, linter.fast_diagnostics, root, overrides, focus, stop)
                    if diags is not None and not stop():
                        linter.published_fast(focus, diags)
                        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                            uri=path_to_uri(focus), diagnostics=diags))
                by_path, errors = await loop.run_in_executor(worker, linter.diagnostics, root, overrides, stop)
            except Superseded:
                continue
            except Exception as e:  # noqa: BLE001 - never take the editor session down
                log(f"iaclint: scan failed: {type(e).__name__}: {e}")
                state["always"].clear()
                return
            if mine != state["generation"]:
                continue  # superseded while it ran: scan the newer buffers
            publish(by_path, errors)
            return

    def publish(by_path: dict, errors: list[str]) -> None:
        for message in errors:
            if message not in linter.shown_errors:  # once, not at every keystroke
                server.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))
        linter.shown_errors = set(errors)
        always, state["always"] = state["always"], set()
        for path, diags in linter.to_publish(by_path, always):
            server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=path_to_uri(path), diagnostics=diags))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls, params: types.DidOpenTextDocumentParams):
        request(params.text_document.uri, 0.0)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls, params: types.DidSaveTextDocumentParams):
        request(params.text_document.uri, 0.0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls, params: types.DidChangeTextDocumentParams):
        request(params.text_document.uri, DEBOUNCE_SECONDS, edited=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls, params: types.DidCloseTextDocumentParams):
        request(params.text_document.uri, 0.0)  # the file on disk counts again

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def did_change_watched_files(ls, params: types.DidChangeWatchedFilesParams):
        if params.changes:
            request(params.changes[0].uri, DEBOUNCE_SECONDS)

    server.start_io()
