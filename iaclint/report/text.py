"""Human output: grouped by file, the offending line with a caret, a summary with counts by family."""
from __future__ import annotations

from collections import Counter

import click

from ..graph.credentials import redact_line
from ..model import FAMILIES, SEVERITY_ORDER
from . import Report

_SEV_COLOR = {"critical": "magenta", "high": "red", "medium": "yellow", "low": "cyan", "info": "white"}


def render_text(report: Report, *, color: bool = False) -> str:
    def st(s, **kw):
        return click.style(s, **kw) if color else s

    rules = {r.id: r for r in report.rules}
    out: list[str] = []
    by_file: dict = {}
    for f in report.findings:
        if f.suppression:
            continue
        by_file.setdefault(f.span.path, []).append(f)
    for d in report.diagnostics:
        by_file.setdefault(d.path, [])
    diags_by_file: dict = {}
    for d in report.diagnostics:
        diags_by_file.setdefault(d.path, []).append(d)
    for path in sorted(by_file):
        out.append(st(path, bold=True, underline=True))
        for d in sorted(diags_by_file.get(path, []), key=lambda d: d.sort_key()):
            out.append(f"  {d.line}:{d.col}  " + st(d.level, fg="red" if d.level == "error" else "yellow", bold=True)
                       + f"  {d.message}")
        for f in sorted(by_file[path], key=lambda f: f.sort_key()):
            r = rules.get(f.rule_id)
            name = r.name if r else ""
            sev = st(f.severity.upper(), fg=_SEV_COLOR.get(f.severity, "white"), bold=True)
            envs = f"  [{', '.join(f.envs)}]" if f.envs else ""
            out.append(f"  {f.span.line}:{f.span.col}  {sev}  {st(f.rule_id, bold=True)} {name}{st(envs, fg='blue')}")
            out.append(f"      {f.message}")
            src = report.lines.get(path)
            if src and 0 < f.span.line <= len(src):
                line = src[f.span.line - 1].rstrip("\n")
                if len(line) > 160:
                    line = line[:157] + "..."
                line = redact_line(line)
                out.append(st(f"   {f.span.line:>4} | ", dim=True) + line)
                indent = len(line) - len(line.lstrip())
                col = max(f.span.col - 1, indent)
                out.append(st("        | ", dim=True) + " " * col + st("^", fg="red", bold=True))
            if r is not None:
                why = r.doc.get("why", "").strip().split("\n")[0]
                if why:
                    out.append(st(f"      why: {why}", dim=True))
            for loc in f.related[:6]:
                out.append(st(f"      see {loc.span.path}:{loc.span.line}: {loc.message}", dim=True))
        out.append("")
    active = [f for f in report.findings if not f.suppression]
    fam = Counter(f.family for f in active)
    sev = Counter(f.severity for f in active)
    errors = [d for d in report.diagnostics if d.level == "error"]
    parts = [f"{len(active)} finding{'s' if len(active) != 1 else ''}"]
    if active:
        parts.append("(" + ", ".join(f"{sev[s]} {s}" for s in sorted(sev, key=lambda s: -SEVERITY_ORDER[s])) + ")")
    summary = " ".join(parts) + f" in {report.files_scanned} files"
    if errors:
        summary += f"; {len(errors)} file error{'s' if len(errors) != 1 else ''}"
    suppressed = len(report.findings) - len(active)
    if suppressed:
        summary += f"; {suppressed} suppressed"
    out.append(st(summary, bold=True))
    if active:
        out.append("  " + "  ".join(f"{fam[f]} {f}" for f in FAMILIES if fam[f]))
    for e in report.tool_errors:
        out.append(st(f"internal error: {e}", fg="red"))
    return "\n".join(out) + "\n"
