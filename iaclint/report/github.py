"""GitHub workflow-command annotations (``::error file=…,line=…,title=…::message``).

GitHub resolves an annotation's ``file`` against the repository root (the job's working directory after
``actions/checkout``), so paths are written relative to:

* ``--source-root DIR`` when given and it contains the scan root (the same notion as SARIF);
* otherwise the current directory when it contains the scan root — ``iaclint check infra/`` run from the
  repository root annotates ``infra/main.tf``, not ``main.tf``;
* otherwise the scan root.
"""
from __future__ import annotations

from .model import Report, cwd_source_root, join_path, masked, source_prefix

LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "notice", "info": "notice"}


def _esc_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _esc_prop(s: str) -> str:
    return _esc_data(s).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, path: str, line: int, col: int, title: str, message: str) -> str:
    return (f"::{level} file={_esc_prop(path)},line={line},col={col},title={_esc_prop(title)}::"
            f"{_esc_data(message)}")


def render_github(report: Report, source_root: str | None = None) -> str:
    report = masked(report)
    _, prefix, warning = source_prefix(report.root, source_root or cwd_source_root(report.root))
    out = []
    if warning:
        out.append(f"::warning title=iaclint::{_esc_data(warning)}")
    for d in sorted(report.diagnostics, key=lambda d: d.sort_key()):
        lvl = "error" if d.level == "error" else ("warning" if d.level == "warning" else "notice")
        out.append(annotation(lvl, join_path(prefix, d.path), d.line, d.col,
                              "iaclint: file not analysed" if d.level == "error" else "iaclint", d.message))
    for e in report.tool_errors:
        out.append(f"::error title=iaclint internal error (report incomplete)::{_esc_data(e)}")
    for f in report.findings:
        if f.suppression:
            continue
        envs = f" [{', '.join(f.envs)}]" if f.envs else ""
        out.append(annotation(LEVEL.get(f.severity, "warning"), join_path(prefix, f.span.path), f.span.line,
                              f.span.col, f"{f.rule_id} ({f.family}){envs}", f.message))
    return "\n".join(out) + ("\n" if out else "")
