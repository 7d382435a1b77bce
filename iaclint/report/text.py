"""Human output: grouped by file, the offending line with a caret, a summary with counts by family and
severity.  Long messages wrap at the terminal's width (100 columns when not a terminal, so piped output is
the same on every machine); a rule's "why" is shown at its first finding only; related locations are capped
(``… and N more``; ``--format json`` lists them all).  ``progress_bar`` draws a progress bar on stderr
for large trees when stderr is a terminal."""
from __future__ import annotations

import contextlib
import os
import re
import sys
import textwrap
import time
from collections import Counter

import click

from ..mask import Masker
from ..model import FAMILIES, SEVERITY_ORDER
from .model import Report, masked

_SEV_COLOR = {"critical": "magenta", "high": "red", "medium": "yellow", "low": "cyan", "info": "white"}
DEFAULT_WIDTH = 100
MIN_WIDTH, MAX_WIDTH = 60, 120
MAX_RELATED = 4
MAX_WHY = 240
PROGRESS_MIN_FILES = 200  # smaller trees scan in well under a second: no bar
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'`(])")


def terminal_width(output: str | None = None, stream=None) -> int:
    """Width to wrap at: $COLUMNS, else the terminal's width when writing to one, else 100; kept in 60..120."""
    stream = stream or sys.stdout
    cols = 0
    try:
        cols = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        cols = 0
    if cols <= 0 and not output:
        try:
            if stream.isatty():
                cols = os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            cols = 0
    return min(MAX_WIDTH, max(MIN_WIDTH, cols or DEFAULT_WIDTH))


def first_sentence(text: str, limit: int = MAX_WHY) -> str:
    """The first sentence of a (YAML-wrapped) paragraph, cut at a word boundary past ``limit``."""
    flat = " ".join(text.split())
    s = _SENTENCE_END.split(flat, maxsplit=1)[0]
    if len(s) > limit:
        s = s[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return s


def _wrap(text: str, width: int, indent: str, subsequent: str | None = None) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent,
                         subsequent_indent=subsequent if subsequent is not None else indent,
                         break_long_words=False, break_on_hyphens=False) or [indent.rstrip()]


def _clip(line: str, limit: int) -> str:
    return line if len(line) <= limit else line[: max(limit - 3, 1)] + "..."


def render_text(report: Report, *, color: bool = False, width: int | None = None) -> str:
    return "\n".join(text_lines(report, color=color, width=width)) + "\n"


def write_text(report: Report, write, *, width: int | None = None) -> None:
    """The text report (no colour) handed to WRITE (bytes, UTF-8) a few hundred lines at a time."""
    batch: list[str] = []
    for line in text_lines(report, width=width):
        batch.append(line)
        if len(batch) >= 512:
            write(("\n".join(batch) + "\n").encode("utf-8"))
            batch = []
    if batch:
        write(("\n".join(batch) + "\n").encode("utf-8"))


def text_lines(report: Report, *, color: bool = False, width: int | None = None):
    """The lines of the text report, made as they are asked for."""
    width = width or DEFAULT_WIDTH
    report = masked(report)

    def st(s, **kw):
        return click.style(s, **kw) if color else s

    rules = {r.id: r for r in report.rules}
    source_mask = Masker(report.secrets)  # a module's lines are quoted once per root that calls it
    by_file: dict = {}
    for f in report.findings:
        if f.suppression:
            continue
        by_file.setdefault(f.span.path, []).append(f)
    diags_by_file: dict = {}
    for d in report.diagnostics:
        by_file.setdefault(d.path, [])
        diags_by_file.setdefault(d.path, []).append(d)
    explained: set = set()
    for path in sorted(by_file):
        yield st(path or ".", bold=True, underline=True)
        for d in sorted(diags_by_file.get(path, []), key=lambda d: d.sort_key()):
            head = f"  {d.line}:{d.col}  "
            lines = _wrap(f"{d.level} {d.message}", width, head, " " * 6)
            lvl = st(d.level, fg="red" if d.level == "error" else "yellow", bold=True)
            yield lines[0].replace(d.level, lvl, 1)
            yield from lines[1:]
        for f in sorted(by_file[path], key=lambda f: f.sort_key()):
            r = rules.get(f.rule_id)
            name = r.name if r else ""
            sev = st(f.severity.upper(), fg=_SEV_COLOR.get(f.severity, "white"), bold=True)
            envs = f"  [{', '.join(f.envs)}]" if f.envs else ""
            head = f"  {f.span.line}:{f.span.col}  {sev}  {st(f.rule_id, bold=True)} {name}"
            plain = len(f"  {f.span.line}:{f.span.col}  {f.severity}  {f.rule_id} {name}{envs}")
            if plain <= width:
                yield head + st(envs, fg="blue")
            else:  # environments on a line of their own rather than past the right edge
                yield head
                yield st(" " * 6 + envs.strip(), fg="blue")
            yield from _wrap(f.message, width, " " * 6)
            src = report.lines.get(path)
            if src and 0 < f.span.line <= len(src):
                line = source_mask(src[f.span.line - 1].rstrip("\r\n"), source=True)
                indent = len(line) - len(line.lstrip())
                col = max(f.span.col - 1, indent)
                line = _clip(line, max(width - 12, col + 20))
                yield st(f"   {f.span.line:>4} | ", dim=True) + line
                yield st("        | ", dim=True) + " " * min(col, len(line)) + st("^", fg="red", bold=True)
            if r is not None and r.id not in explained:
                explained.add(r.id)
                why = first_sentence(r.doc.get("why", ""))
                if why:
                    yield from (st(x, dim=True) for x in _wrap(f"why: {why}", width, " " * 6, " " * 11))
            for loc in f.related[:MAX_RELATED]:
                yield from (st(x, dim=True) for x in
                            _wrap(f"see {loc.span.path}:{loc.span.line}: {loc.message}", width, " " * 6, " " * 10))
            if len(f.related) > MAX_RELATED:
                more = len(f.related) - MAX_RELATED
                yield st(f"      … and {more} more related location{'s' if more != 1 else ''} "
                         f"(--format json lists all)", dim=True)
        yield ""
    yield from summary_lines(report, st)
    for e in report.tool_errors:
        yield st(f"internal error: {e}", fg="red")


def _by_severity(findings) -> str:
    sev = Counter(f.severity for f in findings)
    return ", ".join(f"{sev[s]} {s}" for s in sorted(sev, key=lambda s: -SEVERITY_ORDER.get(s, 2)))


def summary_lines(report: Report, st=lambda s, **kw: s) -> list[str]:
    """``N findings (by severity) in M files; K file errors; I suppressed inline, B accepted in baseline``,
    then one line per family with its severities."""
    active = [f for f in report.findings if not f.suppression]
    kinds = Counter((f.suppression or {}).get("kind") for f in report.findings if f.suppression)
    errors = sum(1 for d in report.diagnostics if d.level == "error")
    head = f"{len(active)} finding{'s' if len(active) != 1 else ''}"
    if active:
        head += f" ({_by_severity(active)})"
    head += f" in {report.files_scanned} file{'s' if report.files_scanned != 1 else ''}"
    if errors:
        head += f"; {errors} file error{'s' if errors != 1 else ''} (not analysed)"
    quiet = []
    if kinds.get("inSource"):
        quiet.append(f"{kinds['inSource']} suppressed inline")
    if kinds.get("external"):
        quiet.append(f"{kinds['external']} accepted in baseline")
    other = sum(n for k, n in kinds.items() if k not in ("inSource", "external"))
    if other:
        quiet.append(f"{other} suppressed")
    if quiet:
        head += "; " + ", ".join(quiet)
    lines = [st(head, bold=True)]
    fams = [fam for fam in FAMILIES if any(f.family == fam for f in active)]
    fams += sorted({f.family for f in active} - set(FAMILIES))
    w = max((len(x) for x in fams), default=0)
    for fam in fams:
        these = [f for f in active if f.family == fam]
        lines.append(f"  {fam:<{w}}  {len(these):>3}  ({_by_severity(these)})")
    return lines


class _Progress:
    """``[#####.....]  1200/2684 files  parsing`` on one stderr line, redrawn at most ten times a second."""

    def __init__(self, stream, min_files: int):
        self.stream, self.min_files = stream, min_files
        self.shown = False
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int):
        if total <= self.min_files:
            return
        now = time.monotonic()
        if stage == "parse" and done < total and self.shown and now - self.last < 0.1:
            return
        self.last = now
        label = {"parse": "parsing", "graph": "parsing Terraform, building the graph",
                 "rules": "running rules"}.get(stage, stage)
        cols = terminal_width(stream=self.stream)
        counter = f"  {done}/{total} files  "
        bar_w = max(10, min(40, cols - len(counter) - len(label) - 4))
        filled = bar_w * done // total if total else bar_w
        self.stream.write("\r\x1b[K[" + "#" * filled + "." * (bar_w - filled) + "]" + counter + label)
        self.stream.flush()
        self.shown = True

    def close(self):
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


@contextlib.contextmanager
def progress_bar(enabled: bool = True, stream=None, min_files: int = PROGRESS_MIN_FILES):
    """Yield a ``progress(stage, done, total)`` callback for ``scan(..., progress=)``, or None when there is
    no one to see it (stderr not a terminal, or not the text format).  The line is erased at the end."""
    stream = stream or sys.stderr
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not enabled or not tty or os.environ.get("TERM") == "dumb":
        yield None
        return
    bar = _Progress(stream, min_files)
    try:
        yield bar
    finally:
        bar.close()
