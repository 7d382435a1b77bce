"""Inline suppressions: ``# iaclint:ignore[RULE_ID] reason`` (also ``//`` comments).

Placement: on the finding's line, on the line above it, or on the header line
(or the line above the header) of the block that contains it, which covers the
block.  ``until=YYYY-MM-DD`` makes it expire.  A reason is required.  Rules
marked unsuppressible reject inline ignores.  An ignore that matches nothing is
reported.
"""
from __future__ import annotations

import datetime as _dt
import re

from ..model import Diagnostic, Finding

IGNORE = re.compile(r"(?:#|//)\s*iaclint:ignore\[(?P<ids>[A-Za-z0-9_,\- ]+)\](?P<rest>[^\n]*)")
UNTIL = re.compile(r"\buntil=(\d{4}-\d{2}-\d{2})\b")


class _Ignore:
    __slots__ = ("path", "line", "ids", "reason", "until", "used", "problem")

    def __init__(self, path, line, ids, reason, until, problem=None):
        self.path, self.line, self.ids, self.reason, self.until = path, line, ids, reason, until
        self.used = False
        self.problem = problem


def _collect(files) -> dict:
    out: dict = {}
    for path, f in files.items():
        for i, text in enumerate(f.lines or [], 1):
            if "iaclint:ignore" not in text:
                continue
            m = IGNORE.search(text)
            if not m:
                continue
            ids = {x.strip() for x in m.group("ids").split(",") if x.strip()}
            rest = m.group("rest")
            until = None
            problem = None
            um = UNTIL.search(rest)
            if um:
                try:
                    until = _dt.date.fromisoformat(um.group(1))
                except ValueError:
                    problem = f"invalid until= date {um.group(1)!r}"
                rest = UNTIL.sub("", rest)
            reason = rest.strip(" -:—\t")
            if not reason and problem is None:
                problem = "an inline ignore needs a reason after the rule id"
            out.setdefault(path, []).append(_Ignore(path, i, ids, reason, until, problem))
    return out


def _block_headers(files, path: str, line: int) -> list[int]:
    """Header lines of the HCL blocks enclosing ``line`` (innermost first)."""
    f = files.get(path)
    body = getattr(f, "data", None) if f is not None else None
    out: list[int] = []
    blocks = getattr(body, "blocks", None)
    while blocks:
        nxt = None
        for b in blocks:
            if b.pos.line <= line <= b.pos.end_line:
                out.append(b.pos.line)
                nxt = b.body.blocks
                break
        blocks = nxt
    return list(reversed(out))


def apply_suppressions(findings: list[Finding], files, rules_by_id: dict, unsuppressible: set,
                       today: _dt.date | None = None) -> tuple[list[Finding], list[Diagnostic]]:
    today = today or _dt.date.today()
    ignores = _collect(files)
    diags: list[Diagnostic] = []
    if not ignores:
        return findings, diags
    for f in findings:
        rule = rules_by_id.get(f.rule_id)
        names = {f.rule_id, rule.name if rule else f.rule_id}
        cands = ignores.get(f.span.path, [])
        if not cands:
            continue
        lines = {f.span.line, f.span.line - 1}
        for h in _block_headers(files, f.span.path, f.span.line):
            lines.update((h, h - 1))
        for ig in cands:
            if ig.line not in lines or not (ig.ids & names or "all" in ig.ids):
                continue
            ig.used = True
            if ig.problem:
                continue
            if f.rule_id in unsuppressible:
                diags.append(Diagnostic(ig.path, ig.line, f"{f.rule_id} cannot be suppressed inline (it is marked "
                                        f"unsuppressible); the finding stays", "warning"))
                continue
            if ig.until and ig.until < today:
                diags.append(Diagnostic(ig.path, ig.line, f"inline ignore for {f.rule_id} expired on "
                                        f"{ig.until.isoformat()}; the finding is reported again", "warning"))
                continue
            f.suppression = {"kind": "inSource", "justification": ig.reason}
            break
    for path, igs in ignores.items():
        for ig in igs:
            if ig.problem:
                diags.append(Diagnostic(ig.path, ig.line, ig.problem, "warning"))
            elif not ig.used:
                diags.append(Diagnostic(ig.path, ig.line, f"iaclint:ignore[{', '.join(sorted(ig.ids))}] matches no "
                                        f"finding", "warning"))
    return findings, diags
