"""Stage 5: findings out as text, JSON, SARIF or GitHub workflow commands (``render``); the report itself and what
the renderers share in report/model.py; the graph views (blast radius, explained environments) in report/blast.py
and report/environments.py."""
from __future__ import annotations

from .model import Report


def render(report: Report, fmt: str, *, color: bool = False, source_root: str | None = None,
           width: int | None = None) -> str:
    """``source_root``: JSON, SARIF and github paths relative to this directory (github defaults to the
    current directory when it contains the scan root)."""
    if fmt == "json":
        from .json_out import render_json

        return render_json(report, source_root=source_root)
    if fmt == "sarif":
        from .sarif import render_sarif

        return render_sarif(report, source_root=source_root)
    if fmt == "github":
        from .github import render_github

        return render_github(report, source_root=source_root)
    from .text import render_text

    return render_text(report, color=color, width=width)


def write(report: Report, fmt: str, fh, *, source_root: str | None = None, width: int | None = None) -> None:
    """The report in FMT (no colour) to FH, a binary file, in UTF-8, as it is made (never the whole text at once:
    27 MB of SARIF for 5,000 modules): JSON and SARIF a finding at a time, text in batches of lines."""
    if fmt == "json":
        from .json_out import write_json

        write_json(report, fh.write, source_root=source_root)
    elif fmt == "sarif":
        from .sarif import write_sarif

        write_sarif(report, fh.write, source_root=source_root)
    elif fmt == "github":
        fh.write(render(report, fmt, source_root=source_root).encode("utf-8"))
    else:
        from .text import write_text

        write_text(report, fh.write, width=width)
