"""GitHub workflow-command annotations (``::error file=…,line=…,title=…::message``)."""
from __future__ import annotations

from . import Report

LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "notice", "info": "notice"}


def _esc_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _esc_prop(s: str) -> str:
    return _esc_data(s).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, path: str, line: int, col: int, title: str, message: str) -> str:
    return (f"::{level} file={_esc_prop(path)},line={line},col={col},title={_esc_prop(title)}::"
            f"{_esc_data(message)}")


def render_github(report: Report) -> str:
    out = []
    for d in sorted(report.diagnostics, key=lambda d: d.sort_key()):
        lvl = "error" if d.level == "error" else ("warning" if d.level == "warning" else "notice")
        out.append(annotation(lvl, d.path, d.line, d.col, "iaclint: file not analysed" if d.level == "error"
                              else "iaclint", d.message))
    for f in report.findings:
        if f.suppression:
            continue
        envs = f" [{', '.join(f.envs)}]" if f.envs else ""
        out.append(annotation(LEVEL.get(f.severity, "warning"), f.span.path, f.span.line, f.span.col,
                              f"{f.rule_id} ({f.family}){envs}", f.message))
    return "\n".join(out) + ("\n" if out else "")
