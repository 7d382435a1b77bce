"""Stage 5: findings out as text, JSON, SARIF or GitHub workflow commands."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..model import Diagnostic, Finding


@dataclass
class Report:
    root: str
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    rules: list  # engine.loader.Rule
    files_scanned: int = 0
    lines: dict = field(default_factory=dict)  # path -> source lines (for text output)
    tool_errors: list = field(default_factory=list)


def fingerprint(f: Finding) -> str:
    """Stable across unrelated edits: rule, file and the finding's identity, not its line number."""
    h = hashlib.sha256(f"{f.rule_id}\x00{f.span.path}\x00{f.key}".encode()).hexdigest()
    return h[:32]


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    if fmt == "json":
        from .json_out import render_json

        return render_json(report)
    if fmt == "sarif":
        from .sarif import render_sarif

        return render_sarif(report)
    if fmt == "github":
        from .github import render_github

        return render_github(report)
    from .text import render_text

    return render_text(report, color=color)
