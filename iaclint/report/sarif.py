"""SARIF 2.1.0 built with sarif-om: relative URIs under %SRCROOT%, rules with help and tags,
security-severity, stable partialFingerprints, unparsable files as toolExecutionNotifications.
Byte-identical for the same input (no timestamps, sorted everything).

GitHub code scanning resolves a relative ``uri`` against the repository root (the "checkout path"), not
against ``originalUriBaseIds``; pass ``source_root`` (``iaclint check --source-root DIR``) when the scan
root is a sub-directory of the repository so that ``%SRCROOT%`` is the repository root and every URI is
relative to it.  Without it ``%SRCROOT%`` is the scan root.  With ``--baseline`` every result carries
``baselineState`` ("unchanged": in the baseline, also suppressed as ``external``; "new": not in it).  Checked by the Microsoft SARIF multitool with
GitHub's ingestion rules in tests/test_sarif_multitool.py."""
from __future__ import annotations

import functools
import json

import attr
import sarif_om as so

from .. import __version__
from ..model import FAMILIES
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


def _to_dict(obj):
    """Serialize sarif-om attrs objects using their SARIF property names; drop unset values."""
    if isinstance(obj, list):
        return [_to_dict(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _to_dict(v) for k, v in obj.items()}
    fields = _attr_fields(type(obj))
    if fields is None:
        return obj
    out = {}
    for name, prop, default in fields:
        v = getattr(obj, name)
        if v is None or (default is not _KEEP and v == default):
            continue
        out[prop] = _to_dict(v)
    return out


_KEEP = object()  # a field written whatever its value


@functools.cache
def _attr_fields(cls) -> tuple | None:
    """(attribute, SARIF property, default that is left out or _KEEP) per field of an attrs class; None for any
    other type (once per class: asking attrs per object was half of the SARIF time)."""
    if not attr.has(cls):
        return None
    return tuple((f.name, f.metadata.get("schema_property_name", f.name),
                  f.default if f.default is not attr.NOTHING and not isinstance(f.default, attr.Factory)
                  and f.name not in ("level", "kind") else _KEEP) for f in attr.fields(cls))


def _region(span) -> so.Region:
    line, col = max(1, span.line), max(1, span.col)
    region = so.Region(start_line=line, start_column=col)
    end_line, end_col = getattr(span, "end_line", 0) or 0, getattr(span, "end_col", 0) or 0
    # endColumn is exclusive in SARIF; only emit an end that lies after the start
    if end_line > line or (end_line == line and end_col > col):
        region.end_line = end_line
        if end_col > 0:
            region.end_column = end_col
    return region


def _location(span, message: str | None = None, lid: int | None = None, prefix: str = ""):
    path = span.path
    loc = so.Location(physical_location=so.PhysicalLocation(
        artifact_location=so.ArtifactLocation(uri=_uri(_join(prefix, path)), uri_base_id="%SRCROOT%"),
        region=_region(span)))
    if message:
        loc.message = so.Message(text=message)
    if lid is not None:
        loc.id = lid
    return loc


def _uri(path: str) -> str:
    from urllib.parse import quote

    return quote(path or ".", safe="/")


def render_sarif(report: Report, source_root: str | None = None) -> str:
    report = masked(report)
    base, prefix, root_warning = source_prefix(report.root, source_root)
    rules = sorted(report.rules, key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    descriptors = []
    for r in rules:
        tags = r.all_tags
        assert sum(1 for t in tags if t in FAMILIES) == 1
        descriptors.append(so.ReportingDescriptor(
            id=r.id, name=_pascal(r.name),
            short_description=so.MultiformatMessageString(text=_cap(r.title)),
            full_description=so.MultiformatMessageString(text=_cap(r.doc.get("what", r.title).strip())),
            help=so.MultiformatMessageString(text=rule_help_text(r), markdown=rule_help_markdown(r)),
            help_uri=f"{INFO_URI}/blob/main/docs/rules.md#{r.id.lower()}",
            default_configuration=so.ReportingConfiguration(level=LEVEL[r.severity]),
            properties={"tags": tags, "security-severity": SECURITY_SEVERITY[r.severity],
                        "precision": "high", "problem.severity": LEVEL[r.severity] if LEVEL[r.severity] != "note"
                        else "recommendation", "iaclint-severity": r.severity,
                        "unsuppressible": r.unsuppressible},
        ))
    results = []
    baselined = any("baselineState" in f.properties for f in report.findings)
    for f, fp in zip(report.findings, fingerprints(report.findings)):
        res = so.Result(
            message=so.Message(text=f.message), rule_id=f.rule_id, rule_index=index.get(f.rule_id, -1),
            level=LEVEL.get(f.severity, "warning"), kind="fail",
            locations=[_location(f.span, prefix=prefix)],
            partial_fingerprints={"iaclint/v1": fp},
            properties={"environments": f.envs, "family": f.family, "severity": f.severity,
                        "security-severity": SECURITY_SEVERITY.get(f.severity, "5.5"),
                        **{k: v for k, v in f.properties.items() if k != "baselineState"}},
        )
        if baselined:  # SARIF §3.27.24: present on every result once the run was compared with a baseline
            res.baseline_state = f.properties.get("baselineState", "new")
        if f.related:
            res.related_locations = [_location(l.span, l.message, i, prefix)
                                     for i, l in enumerate(f.related, 1)]
        if f.suppression:
            res.suppressions = [so.Suppression(kind=f.suppression.get("kind", "inSource"),
                                               justification=f.suppression.get("justification", ""))]
        results.append(res)
    notifications = []
    for d in sorted(report.diagnostics, key=lambda d: d.sort_key()):
        notifications.append(so.Notification(
            message=so.Message(text=d.message), level=d.level if d.level in ("error", "warning", "note") else "note",
            locations=[_location(_diag_span(d), prefix=prefix)],
            descriptor=so.ReportingDescriptorReference(id="parse-error" if d.level == "error" else "input-warning")))
    if root_warning:
        notifications.append(so.Notification(message=so.Message(text=root_warning), level="warning",
                                             descriptor=so.ReportingDescriptorReference(id="source-root")))
    for e in report.tool_errors:
        notifications.append(so.Notification(message=so.Message(text=e), level="error",
                                             descriptor=so.ReportingDescriptorReference(id="internal-error")))
    run = so.Run(
        tool=so.Tool(driver=so.ToolComponent(name="iaclint", version=__version__, semantic_version=__version__,
                                             information_uri=INFO_URI, rules=descriptors)),
        results=results,
        original_uri_base_ids={"%SRCROOT%": so.ArtifactLocation(uri=_root_uri(base))},
        automation_details=so.RunAutomationDetails(id="iaclint/"),
        invocations=[so.Invocation(execution_successful=not any(d.level == "error" for d in report.diagnostics)
                                   and not report.tool_errors,
                                   tool_execution_notifications=notifications or None)],
        column_kind="unicodeCodePoints",
    )
    log = so.SarifLog(version="2.1.0", schema_uri="https://json.schemastore.org/sarif-2.1.0.json", runs=[run])
    return dumps(_to_dict(log))


def dumps(tree) -> str:
    """``json.dumps(tree, indent=2, sort_keys=True, ensure_ascii=False)`` and a newline, byte for byte; through
    orjson (C: 0.05 s instead of 0.8 s for the 500-module report) unless the tree holds what the two write
    differently (floats: ``1e+16`` / ``NaN``; orjson refuses the rest — huge ints, lone surrogates — and json
    writes it)."""
    if not _has_float(tree):
        try:
            import orjson

            return orjson.dumps(tree, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
                                | orjson.OPT_APPEND_NEWLINE).decode("utf-8")
        except (ImportError, TypeError):  # orjson.JSONEncodeError is a TypeError
            pass
    return json.dumps(tree, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _has_float(tree) -> bool:
    stack = [tree]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is dict:
            stack.extend(x.values())
        elif t is list or t is tuple:
            stack.extend(x)
        elif t is float:
            return True
    return False


def _diag_span(d):
    from ..model import Span

    return Span(d.path, d.line, d.col)


def _cap(text: str, limit: int = GITHUB_DESCRIPTION_MAX) -> str:
    """GitHub code scanning rejects rule descriptions over 1,024 characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pascal(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("-"))
