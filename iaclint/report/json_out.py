"""Machine-readable JSON: findings, file errors and a summary. Deterministic (sorted keys and findings).

``file`` fields are relative to the scan root, or to ``--source-root DIR`` when given (the same notion as
SARIF and the github format); ``root.uri`` names that directory and ``root.scan_root`` the scan root's
place under it ("" when they are the same).  ``errors`` lists the files that could not be analysed and, with
``"level": "internal"`` and no file, iaclint's own failures (a rule that raised: exit code 3)."""
from __future__ import annotations

from collections import Counter

from .jsonenc import stream, stream_text
from .model import Report, fingerprints, join_path, masked, root_uri, source_prefix


def finding_dict(f, fp: str, prefix: str = "") -> dict:
    return {
        "rule_id": f.rule_id,
        "family": f.family,
        "severity": f.severity,
        "message": f.message,
        "file": join_path(prefix, f.span.path),
        "line": f.span.line,
        "column": f.span.col,
        "environments": f.envs,
        "related": [{"file": join_path(prefix, l.span.path), "line": l.span.line, "message": l.message} for l in f.related],
        "fingerprint": fp,
        "suppressed": f.suppression,
        "properties": f.properties,
    }


def _parts(report: Report, source_root: str | None) -> tuple[dict, tuple, object]:
    """(the document with an empty findings list, where that list is, the findings)."""
    report = masked(report)
    base, prefix, warning = source_prefix(report.root, source_root)
    active = [f for f in report.findings if not f.suppression]
    doc = {
        "version": 1,
        "tool": "iaclint",
        "root": {"uri": root_uri(base), "scan_root": prefix},
        "findings": [],
        "errors": [{"file": join_path(prefix, d.path), "line": d.line, "level": d.level, "message": d.message}
                   for d in sorted(report.diagnostics, key=lambda d: d.sort_key())]
        + [{"file": None, "line": None, "level": "internal", "message": e} for e in report.tool_errors],
        "summary": {
            "files_scanned": report.files_scanned,
            "findings": len(active),
            "by_family": dict(sorted(Counter(f.family for f in active).items())),
            "by_severity": dict(sorted(Counter(f.severity for f in active).items())),
            "file_errors": sum(1 for d in report.diagnostics if d.level == "error"),
            "internal_errors": len(report.tool_errors),
            "suppressed_inline": sum(1 for f in report.findings if _kind(f) == "inSource"),
            "baseline_matched": sum(1 for f in report.findings if _kind(f) == "external"),
        },
    }
    if warning:
        doc["root"]["warning"] = warning
    findings = (finding_dict(f, fp, prefix) for f, fp in zip(report.findings, fingerprints(report.findings)))
    return doc, ("findings",), findings


def render_json(report: Report, source_root: str | None = None) -> str:
    return stream_text(*_parts(report, source_root), ensure_ascii=True, default=str)


def write_json(report: Report, write, source_root: str | None = None) -> None:
    """The document handed to WRITE (bytes) a finding at a time."""
    stream(write, *_parts(report, source_root), ensure_ascii=True, default=str)


def _kind(f) -> str | None:
    return (f.suppression or {}).get("kind")
