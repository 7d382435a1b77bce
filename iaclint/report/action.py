"""GitHub Action reporting, derived from the one SARIF log the action's scan wrote.

``iaclint action-report SARIF --exit-code N`` (run by ``action.yml``) turns the SARIF log into:

- workflow-command annotations (``::error file=…,line=…::…``), at most 10 per level (error, warning,
  notice) — GitHub drops the rest of a step's annotations silently, so the most severe findings go
  first and every other finding is listed in the job summary;
- a Markdown job summary appended to ``$GITHUB_STEP_SUMMARY``: counts by family and severity, files
  that could not be analysed, and the findings with links to ``file#Lline`` at the analysed commit
  (``GITHUB_SERVER_URL`` / ``GITHUB_REPOSITORY`` / ``GITHUB_SHA``);
- with the scanned paths (``iaclint action-report SARIF PATH…``), a Mermaid diagram in that summary, beside
  the findings table: the blast radius of every broad credential and every data store shared by two
  environments, with their backups' failure domain (``report.diagram``), bounded in size; the summary stays
  under GitHub's limit of 1 MiB per step (``SUMMARY_LIMIT``: the diagram goes first, then findings rows);
- step outputs appended to ``$GITHUB_OUTPUT``: ``sarif-file``, ``findings``, ``exit-code`` (and
  ``errors``, ``suppressed``).

Paths are made relative to ``GITHUB_WORKSPACE`` (the repository root annotations are resolved against)
by resolving each URI through the log's ``originalUriBaseIds``, so annotations land on the right file
whatever directory was scanned.

Every message and path read from the log passes ``mask.mask`` as it is read (the log may come from another
tool or an older iaclint), and so does every error message about the log itself.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlparse

from ..mask import mask
from ..model import FAMILIES, SEVERITY_ORDER
from .github import annotation

MAX_PER_LEVEL = 10  # GitHub: at most 10 annotations of each level per step
SUMMARY_ROWS = 100
SUMMARY_LIMIT = 1024 * 1024  # GitHub refuses a step summary over 1 MiB ("supports content up to a size of 1024k")
MERMAID_MAX_TEXT = 50_000  # Mermaid's default maxTextSize: a longer diagram is not drawn
ANNOTATION_LEVEL = {"error": "error", "warning": "warning", "note": "notice", "none": "notice"}
LEVEL_SEVERITY = {"error": "high", "warning": "medium", "note": "low", "none": "info"}
SEVERITIES = ("critical", "high", "medium", "low", "info")


class ActionReportError(Exception):
    """The SARIF log is missing or unreadable."""


@dataclass
class Item:
    """A finding (or a file iaclint could not analyse) read back from SARIF."""

    level: str  # annotation level: error | warning | notice
    severity: str
    path: str  # relative to the workspace when inside it
    line: int
    col: int
    message: str
    rule_id: str = ""
    family: str = ""
    envs: list[str] = field(default_factory=list)
    help_uri: str = ""
    suppressed: bool = False
    is_input: bool = False  # a problem with the input (from the run's notifications), not a finding
    is_error: bool = False  # a file that could not be analysed
    is_internal: bool = False  # iaclint itself failed (a rule raised): the report is incomplete
    related: list = field(default_factory=list)  # [(path, line)] of the result's related locations

    def __post_init__(self):
        self.message, self.path = mask(self.message), mask(self.path)
        self.related = [(mask(p), ln) for p, ln in self.related]
        self.envs = [mask(e) for e in self.envs]

    def rank(self):
        return (not self.is_error, -SEVERITY_ORDER.get(self.severity, 2), self.path, self.line, self.col,
                self.rule_id, self.message)


@dataclass
class ActionReport:
    findings: list[Item]  # unsuppressed, most severe first
    suppressed: list[Item]
    errors: list[Item]  # files not analysed, warnings about the input
    tool: str = "iaclint"
    version: str = ""


def load_sarif(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except FileNotFoundError:
        raise ActionReportError(f"{path}: no such file (did the scan step write its SARIF report?)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ActionReportError(f"{path}: not a readable SARIF log: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        raise ActionReportError(f"{path}: not a SARIF log (no 'runs' array)")
    return doc


def _base_dirs(run: dict) -> dict[str, str]:
    out = {}
    for key, loc in (run.get("originalUriBaseIds") or {}).items():
        uri = (loc or {}).get("uri", "")
        parsed = urlparse(uri)
        if parsed.scheme == "file":
            out[key] = unquote(parsed.path)
    return out


def _path_of(location: dict, bases: dict[str, str], workspace: str) -> str:
    art = ((location or {}).get("physicalLocation") or {}).get("artifactLocation") or {}
    uri = art.get("uri", "")
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        full = unquote(parsed.path)
    else:
        rel = unquote(uri)
        base = bases.get(art.get("uriBaseId", ""))
        if base is None:
            return rel
        full = os.path.join(base, rel)
    ws = os.path.realpath(workspace)
    real = os.path.realpath(full)
    if real == ws or real.startswith(ws.rstrip(os.sep) + os.sep):
        return os.path.relpath(real, ws).replace(os.sep, "/")
    return full


def _region(location: dict) -> tuple[int, int]:
    region = ((location or {}).get("physicalLocation") or {}).get("region") or {}
    return max(1, int(region.get("startLine") or 1)), max(1, int(region.get("startColumn") or 1))


def read_report(doc: dict, workspace: str) -> ActionReport:
    findings, suppressed, errors = [], [], []
    tool, version = "iaclint", ""
    for run in doc.get("runs") or []:
        driver = ((run.get("tool") or {}).get("driver") or {})
        tool, version = driver.get("name", tool), driver.get("version", version)
        rules = {r.get("id"): r for r in driver.get("rules") or []}
        bases = _base_dirs(run)
        for res in run.get("results") or []:
            rule = rules.get(res.get("ruleId")) or {}
            rprops, props = rule.get("properties") or {}, res.get("properties") or {}
            level = res.get("level") or (rule.get("defaultConfiguration") or {}).get("level") or "warning"
            severity = props.get("severity") or rprops.get("iaclint-severity") or LEVEL_SEVERITY.get(level, "medium")
            family = props.get("family") or next((t for t in rprops.get("tags") or [] if t in FAMILIES), "")
            loc = (res.get("locations") or [{}])[0]
            line, col = _region(loc)
            item = Item(level=ANNOTATION_LEVEL.get(level, "warning"), severity=severity,
                        path=_path_of(loc, bases, workspace), line=line, col=col,
                        message=(res.get("message") or {}).get("text", ""), rule_id=res.get("ruleId", ""),
                        family=family, envs=list(props.get("environments") or []),
                        help_uri=rule.get("helpUri", ""),
                        related=[(_path_of(r, bases, workspace), _region(r)[0])
                                 for r in res.get("relatedLocations") or []],
                        suppressed=any(s.get("status", "accepted") == "accepted"
                                       for s in res.get("suppressions") or []))
            (suppressed if item.suppressed else findings).append(item)
        for inv in run.get("invocations") or []:
            for n in inv.get("toolExecutionNotifications") or []:
                level = n.get("level", "warning")
                if level not in ("error", "warning"):
                    continue
                locs = n.get("locations") or []
                line, col = _region(locs[0]) if locs else (1, 1)
                rid = (n.get("descriptor") or {}).get("id", "")
                errors.append(Item(level=ANNOTATION_LEVEL[level], severity="high" if level == "error" else "medium",
                                   path=_path_of(locs[0], bases, workspace) if locs else "", line=line, col=col,
                                   message=(n.get("message") or {}).get("text", ""), is_error=level == "error", is_input=True,
                                   rule_id=rid, is_internal=rid == "internal-error"))
    findings.sort(key=Item.rank)
    suppressed.sort(key=Item.rank)
    errors.sort(key=Item.rank)
    return ActionReport(findings, suppressed, errors, tool, version)


def annotations(report: ActionReport, limit: int = MAX_PER_LEVEL) -> tuple[list[str], list[Item]]:
    """Workflow commands for the most severe items, at most ``limit`` per level; and the items left out."""
    used: dict[str, int] = {}
    lines, left_out = [], []
    for item in report.errors + report.findings:
        if used.get(item.level, 0) >= limit:
            left_out.append(item)
            continue
        used[item.level] = used.get(item.level, 0) + 1
        if item.is_internal:
            title = "iaclint: internal error (report incomplete)"
        elif item.is_input:
            title = "iaclint: file not analysed" if item.is_error else "iaclint"
        else:
            envs = f" [{', '.join(item.envs)}]" if item.envs else ""
            title = (f"{item.rule_id} ({item.family})" if item.family else item.rule_id or "iaclint") + envs
        if item.path:
            lines.append(annotation(item.level, item.path, item.line, item.col, title, item.message))
        else:
            lines.append(f"::{item.level} title={title}::{item.message}")
    return lines, left_out


def _md(text: str, limit: int = 400) -> str:
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _problem(item: Item) -> str:
    return "**internal error**" if item.is_internal else "**not analysed**" if item.is_error else "warning"


def _link(item: Item, env: dict) -> str:
    where = f"{item.path}:{item.line}" if item.path else "(no file)"
    server, repo, sha = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_SHA")
    if server and repo and sha and item.path and not os.path.isabs(item.path):
        url = f"{server.rstrip('/')}/{repo}/blob/{sha}/{quote(item.path)}#L{item.line}"
        return f"[`{_md(where)}`]({url})"
    return f"`{_md(where)}`"


def summary_markdown(report: ActionReport, *, exit_code: int | None, annotated: int, left_out: int,
                     env: dict, rows: int = SUMMARY_ROWS, diagram: str | None = None,
                     limit: int = SUMMARY_LIMIT) -> str:
    """The job summary, at most LIMIT bytes: past it the diagram is left out, then findings rows (halved until
    it fits)."""
    md = _summary(report, exit_code=exit_code, annotated=annotated, left_out=left_out, env=env, rows=rows,
                  diagram=diagram)
    if len(md.encode()) > limit and diagram:
        diagram = DIAGRAM_TOO_BIG
        md = _summary(report, exit_code=exit_code, annotated=annotated, left_out=left_out, env=env, rows=rows,
                      diagram=diagram)
    while len(md.encode()) > limit and rows > 0:
        rows //= 2
        md = _summary(report, exit_code=exit_code, annotated=annotated, left_out=left_out, env=env, rows=rows,
                      diagram=diagram)
    return md


DIAGRAM_TOO_BIG = "omitted: too big"  # diagram= value: one was drawn but left out for size
DIAGRAM_LEGEND = ("Hexagons: credentials, edges labelled with their scope, to the data stores they can delete; "
                  "each store is drawn in every environment it is in (yellow: shared by several), with the "
                  "backups that die with it (their failure domain). Red: carries a finding. "
                  "`iaclint graph` draws the whole picture.")


def _diagram_section(diagram: str | None) -> list[str]:
    if diagram is None:
        return []
    if diagram == DIAGRAM_TOO_BIG or len(diagram) > MERMAID_MAX_TEXT:
        return ["### Blast radius", "", ("The diagram is left out: it would not fit in the summary. "
                                         "Run `iaclint graph --format mermaid` to draw it."), ""]
    if diagram.startswith("error:"):
        return ["### Blast radius", "", f"No diagram: {_md(diagram[6:].strip())}", ""]
    return ["### Blast radius", "", DIAGRAM_LEGEND, "", "```mermaid", diagram.rstrip("\n"), "```", ""]


def _summary(report: ActionReport, *, exit_code: int | None, annotated: int, left_out: int, env: dict, rows: int,
             diagram: str | None) -> str:
    n = len(report.findings)
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in SEVERITIES}
    parts = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])
    head = f"## {report.tool}: {n} finding{'s' if n != 1 else ''}" + (f" ({parts})" if parts else "")
    out = [head, ""]
    if exit_code is not None:
        verdict = {0: "nothing at or above `fail-on`",
                   1: "findings at or above `fail-on`, or files that could not be analysed",
                   3: "an internal error (a rule failed): the report is incomplete"}
        out += [f"`iaclint check` exit code {exit_code}: {verdict.get(exit_code, 'iaclint could not run')}.", ""]
    families = list(FAMILIES) + sorted({f.family for f in report.findings} - set(FAMILIES) - {""})
    out += ["| family | " + " | ".join(SEVERITIES) + " | total |",
            "| --- | " + " | ".join("---:" for _ in SEVERITIES) + " | ---: |"]
    for fam in families:
        mine = [f for f in report.findings if f.family == fam]
        out.append(f"| {fam} | " + " | ".join(str(sum(1 for f in mine if f.severity == s)) for s in SEVERITIES)
                   + f" | {len(mine)} |")
    out.append("| **total** | " + " | ".join(f"**{counts[s]}**" for s in SEVERITIES) + f" | **{n}** |")
    out.append("")
    out += _diagram_section(diagram)
    if report.errors:
        out += [f"### Input problems ({len(report.errors)})", ""]
        out += [f"- {_problem(e)} {_link(e, env)}: {_md(e.message)}" for e in report.errors[:rows]]
        out.append("")
    if report.findings:
        out += ["### Findings" if n <= rows else f"### Top {rows} findings", "",
                "| severity | rule | location | environments | message |", "| --- | --- | --- | --- | --- |"]
        for f in report.findings[:rows]:
            rule = f"[{f.rule_id}]({f.help_uri})" if f.help_uri else f.rule_id
            out.append(f"| {f.severity} | {rule} | {_link(f, env)} | {_md(', '.join(f.envs)) or '—'} | "
                       f"{_md(f.message)} |")
        out.append("")
        if n > rows:
            out += [f"…and {n - rows} more in the SARIF report.", ""]
    if left_out and annotated:
        out += [f"{annotated} shown as annotations; {left_out} more listed here only (GitHub shows at most "
                f"{MAX_PER_LEVEL} annotations per level in a step).", ""]
    if report.suppressed:
        out += [f"{len(report.suppressed)} suppressed finding{'s' if len(report.suppressed) != 1 else ''} "
                "not counted.", ""]
    return "\n".join(out) + "\n"


def text_log(report: ActionReport) -> list[str]:
    lines = [f"{e.path}:{e.line}:{e.col}: {'internal error' if e.is_internal else 'error' if e.is_error else 'warning'}: "
             f"{e.message}" for e in report.errors]
    lines += [f"{f.path}:{f.line}:{f.col}: {f.severity} {f.rule_id} [{f.family}] {f.message}"
              for f in report.findings]
    return lines


def _append_outputs(path: str, values: dict[str, str]):
    with open(path, "a", encoding="utf-8") as fh:
        for k, v in values.items():
            v = str(v)
            if "\n" in v:
                delim = "IACLINT_EOF"
                while delim in v:
                    delim += "_"
                fh.write(f"{k}<<{delim}\n{v}\n{delim}\n")
            else:
                fh.write(f"{k}={v}\n")


def blast_radius_mermaid(report: ActionReport, workspace: str, paths: list, flags: dict) -> str | None:
    """The summary's diagram of the repository PATHS are in (scanned with the scan FLAGS, ``config.scan_options``),
    its nodes highlighted where REPORT's findings are; None when there is nothing to draw, "error: …" when the
    graph cannot be built (the summary says so; the rest of the report is unaffected)."""
    from ..config import scan_options
    from ..scan import build_graph
    from .diagram import Mark, summary_diagram

    try:
        graph, _, _ = build_graph(paths, scan_options(paths, **flags))
    except Exception as e:  # noqa: BLE001 - a diagram must never cost the annotations and the summary
        return mask(f"error: the graph could not be built: {type(e).__name__}: {e}")

    def rel(path: str) -> str:
        full = path if os.path.isabs(path) else os.path.join(workspace, path)
        return os.path.relpath(full, graph.root).replace(os.sep, "/")

    marks = [Mark(f.rule_id, f.family, rel(f.path), f.line, tuple(f.envs), tuple((rel(p), ln) for p, ln in f.related))
             for f in report.findings if f.path]
    return summary_diagram(graph, marks)


def run(sarif: str, *, exit_code: int | None, emit_annotations: bool = True, log: str = "text",
        env: dict | None = None, echo=print, paths: list | None = None, scan_flags: dict | None = None) -> int:
    """Emit everything for one SARIF log; return 0, or 2 when the log cannot be read. PATHS (the scanned ones)
    and SCAN_FLAGS (``config.scan_options``' keywords): add the blast-radius diagram to the summary."""
    env = dict(os.environ if env is None else env)
    workspace = env.get("GITHUB_WORKSPACE") or os.getcwd()
    outputs = {"sarif-file": sarif, "exit-code": "" if exit_code is None else str(exit_code)}
    try:
        report = read_report(load_sarif(sarif), workspace)
    except ActionReportError as e:
        e = mask(str(e))
        echo(f"::error title=iaclint::{e}")
        if env.get("GITHUB_STEP_SUMMARY"):
            with open(env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as fh:
                fh.write(f"## iaclint: no report\n\n{_md(e)}"
                         + (f" (iaclint exit code {exit_code})" if exit_code is not None else "") + "\n")
        if env.get("GITHUB_OUTPUT"):
            _append_outputs(env["GITHUB_OUTPUT"], {**outputs, "sarif-file": "", "findings": "", "errors": ""})
        return 2
    if log == "text":
        lines = text_log(report)
        if lines:
            echo(f"::group::{report.tool}: {len(report.findings)} findings, {len(report.errors)} input problems")
            for line in lines:
                echo(line)
            echo("::endgroup::")
    annotated, left_out = 0, list(report.errors + report.findings)
    if emit_annotations:
        lines, left_out = annotations(report)
        annotated = len(lines)
        for line in lines:
            echo(line)
    if env.get("GITHUB_STEP_SUMMARY"):
        diagram = blast_radius_mermaid(report, workspace, paths, scan_flags or {}) if paths else None
        md = summary_markdown(report, exit_code=exit_code, annotated=annotated, left_out=len(left_out), env=env,
                              diagram=diagram)
        with open(env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as fh:
            fh.write(md)
    outputs.update(findings=str(len(report.findings)), errors=str(sum(1 for e in report.errors if e.is_error)),
                   suppressed=str(len(report.suppressed)))
    if env.get("GITHUB_OUTPUT"):
        _append_outputs(env["GITHUB_OUTPUT"], outputs)
    return 0
