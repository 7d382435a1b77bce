"""Machine-readable JSON: findings, file errors and a summary. Deterministic (sorted keys and findings)."""
from __future__ import annotations

import json
from collections import Counter

from . import Report, fingerprint


def finding_dict(f) -> dict:
    return {
        "rule_id": f.rule_id,
        "family": f.family,
        "severity": f.severity,
        "message": f.message,
        "file": f.span.path,
        "line": f.span.line,
        "column": f.span.col,
        "environments": f.envs,
        "related": [{"file": l.span.path, "line": l.span.line, "message": l.message} for l in f.related],
        "fingerprint": fingerprint(f),
        "suppressed": f.suppression,
        "properties": f.properties,
    }


def render_json(report: Report) -> str:
    active = [f for f in report.findings if not f.suppression]
    doc = {
        "version": 1,
        "tool": "iaclint",
        "findings": [finding_dict(f) for f in report.findings],
        "errors": [{"file": d.path, "line": d.line, "level": d.level, "message": d.message}
                   for d in sorted(report.diagnostics, key=lambda d: d.sort_key())],
        "summary": {
            "files_scanned": report.files_scanned,
            "findings": len(active),
            "by_family": dict(sorted(Counter(f.family for f in active).items())),
            "by_severity": dict(sorted(Counter(f.severity for f in active).items())),
            "file_errors": sum(1 for d in report.diagnostics if d.level == "error"),
        },
    }
    return json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n"
