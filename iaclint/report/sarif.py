"""SARIF 2.1.0 as plain dicts, written a result at a time (report/jsonenc.py): relative URIs under %SRCROOT%,
rules with help and tags, security-severity, stable partialFingerprints, unparsable files as
toolExecutionNotifications.  Byte-identical for the same input (no timestamps, sorted everything).

GitHub code scanning resolves a relative ``uri`` against the repository root (the "checkout path"), not
against ``originalUriBaseIds``; pass ``source_root`` (``iaclint check --source-root DIR``) when the scan
root is a sub-directory of the repository so that ``%SRCROOT%`` is the repository root and every URI is
relative to it.  Without it ``%SRCROOT%`` is the scan root.  With ``--baseline`` every result carries
``baselineState`` ("unchanged": in the baseline, also suppressed as ``external``; "new": not in it).  Checked
by the Microsoft SARIF multitool with GitHub's ingestion rules in tests/test_sarif_multitool.py."""
from __future__ import annotations

from urllib.parse import quote

from .. import __version__
from ..model import FAMILIES
from .jsonenc import stream, stream_text
from .model import Report, fingerprints, join_path as _join, masked, root_uri as _root_uri, source_prefix

LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
INFO_URI = "https://github.com/iaclint/iaclint"
GITHUB_DESCRIPTION_MAX = 1024


def rule_help_markdown(rule) -> str:
    d = rule.doc
    parts = [f"## {rule.title}", "", "### What it does", d.get("what", "").strip(), "",
             "### Why is this bad?", d.get("why", "").strip()]
    if d.get("example"):
        parts += ["", "### Example", "```", d["example"].rstrip(), "```"]
    if d.get("use_instead"):
        parts += ["", "### Use instead", "```", d["use_instead"].rstrip(), "```"]
    if d.get("references"):
        parts += ["", "### References"] + [f"- {r}" for r in d["references"]]
    return "\n".join(parts) + "\n"


def rule_help_text(rule) -> str:
    d = rule.doc
    return f"{d.get('what', '').strip()}\n\nWhy: {d.get('why', '').strip()}"


def _region(span) -> dict:
    line, col = max(1, span.line), max(1, span.col)
    region = {"startLine": line, "startColumn": col}
    end_line, end_col = getattr(span, "end_line", 0) or 0, getattr(span, "end_col", 0) or 0
    # endColumn is exclusive in SARIF; only emit an end that lies after the start
    if end_line > line or (end_line == line and end_col > col):
        region["endLine"] = end_line
        if end_col > 0:
            region["endColumn"] = end_col
    return region


def _location(span, message: str | None = None, lid: int | None = None, prefix: str = "") -> dict:
    loc = {"physicalLocation": {"artifactLocation": {"uri": _uri(_join(prefix, span.path)), "uriBaseId": "%SRCROOT%"},
                                "region": _region(span)}}
    if message:
        loc["message"] = {"text": message}
    if lid is not None:
        loc["id"] = lid
    return loc


def _uri(path: str) -> str:
    return quote(path or ".", safe="/")


def _message(text) -> dict:
    return {} if text is None else {"text": text}


def _descriptor(r) -> dict:
    tags = r.all_tags
    assert sum(1 for t in tags if t in FAMILIES) == 1
    level = LEVEL[r.severity]
    return {
        "id": r.id, "name": _pascal(r.name),
        "shortDescription": {"text": _cap(r.title)},
        "fullDescription": {"text": _cap(r.doc.get("what", r.title).strip())},
        "help": {"text": rule_help_text(r), "markdown": rule_help_markdown(r)},
        "helpUri": f"{INFO_URI}/blob/main/docs/rules.md#{r.id.lower()}",
        "defaultConfiguration": {"level": level},
        "properties": {"tags": tags, "security-severity": SECURITY_SEVERITY[r.severity], "precision": "high",
                       "problem.severity": level if level != "note" else "recommendation",
                       "iaclint-severity": r.severity, "unsuppressible": r.unsuppressible},
    }


def _results(report: Report, index: dict, prefix: str):
    """One result dict per finding, in report order (made as they are written)."""
    baselined = any("baselineState" in f.properties for f in report.findings)
    for f, fp in zip(report.findings, fingerprints(report.findings)):
        res = {"message": _message(f.message), "ruleId": f.rule_id, "level": LEVEL.get(f.severity, "warning"),
               "kind": "fail", "locations": [_location(f.span, prefix=prefix)],
               "partialFingerprints": {"iaclint/v1": fp},
               "properties": {"environments": f.envs, "family": f.family, "severity": f.severity,
                              "security-severity": SECURITY_SEVERITY.get(f.severity, "5.5"),
                              **{k: v for k, v in f.properties.items() if k != "baselineState"}}}
        rule_index = index.get(f.rule_id, -1)
        if rule_index != -1:
            res["ruleIndex"] = rule_index
        if baselined:  # SARIF §3.27.24: present on every result once the run was compared with a baseline
            res["baselineState"] = f.properties.get("baselineState", "new")
        if f.related:
            res["relatedLocations"] = [_location(l.span, l.message, i, prefix) for i, l in enumerate(f.related, 1)]
        if f.suppression:
            sup = {"kind": f.suppression.get("kind", "inSource"), "justification": f.suppression.get("justification", "")}
            res["suppressions"] = [{k: v for k, v in sup.items() if v is not None}]
        yield res


def _notification(text, level: str, descriptor: str, span=None, prefix: str = "") -> dict:
    out = {"message": _message(text), "level": level, "descriptor": {"id": descriptor}}
    if span is not None:
        out["locations"] = [_location(span, prefix=prefix)]
    return out


def _parts(report: Report, source_root: str | None) -> tuple[dict, tuple, object]:
    """(the log with an empty results list, where that list is, the results)."""
    report = masked(report)
    base, prefix, root_warning = source_prefix(report.root, source_root)
    rules = sorted(report.rules, key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    notifications = [
        _notification(d.message, d.level if d.level in ("error", "warning", "note") else "note",
                      "parse-error" if d.level == "error" else "input-warning", _diag_span(d), prefix)
        for d in sorted(report.diagnostics, key=lambda d: d.sort_key())]
    if root_warning:
        notifications.append(_notification(root_warning, "warning", "source-root"))
    notifications += [_notification(e, "error", "internal-error") for e in report.tool_errors]
    invocation = {"executionSuccessful": not any(d.level == "error" for d in report.diagnostics)
                  and not report.tool_errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run = {
        "tool": {"driver": {"name": "iaclint", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFO_URI, "rules": [_descriptor(r) for r in rules],
                            "contents": ["localizedData", "nonLocalizedData"]}},
        "results": [],
        "originalUriBaseIds": {"%SRCROOT%": {"uri": _root_uri(base)}},
        "automationDetails": {"id": "iaclint/"},
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "newlineSequences": ["\r\n", "\n"],
    }
    log = {"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": [run]}
    return log, ("runs", 0, "results"), _results(report, index, prefix)


def render_sarif(report: Report, source_root: str | None = None) -> str:
    return stream_text(*_parts(report, source_root))


def write_sarif(report: Report, write, source_root: str | None = None) -> None:
    """The SARIF log handed to WRITE (bytes, UTF-8) a result at a time."""
    stream(write, *_parts(report, source_root))


def _diag_span(d):
    from ..model import Span

    return Span(d.path, d.line, d.col)


def _cap(text: str, limit: int = GITHUB_DESCRIPTION_MAX) -> str:
    """GitHub code scanning rejects rule descriptions over 1,024 characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pascal(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("-"))
