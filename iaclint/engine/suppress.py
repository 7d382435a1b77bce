"""Inline suppressions: ``# iaclint:ignore[RULE_ID] reason`` (also ``//`` comments).

Where an ignore applies
    * a comment at the end of a code line covers that line;
    * a comment on a line of its own covers the next code line (several
      comment lines may be stacked above it);
    * when the covered line is a block header (HCL ``resource``/``module``/…
      block, nested blocks too, a TOML ``[table]``, or the first line of a
      multi-line call in ``.railway/railway.ts`` / ``railway.py`` such as
      ``service("db", {``), it covers the whole block;
    * on a Terraform ``module`` call it covers every finding the module expands
      to *for that caller*.  Findings in module code carry their call chains as
      related locations (one chain per root); a finding is suppressed when its
      own line is covered or when every chain it holds through has a covered
      call.  If only some callers are covered the finding stays and a warning
      says which caller still triggers it.

Syntax: ``iaclint:ignore[ID1,ID2] reason`` — ids or rule names, ``all`` for
every suppressible rule.  ``until=YYYY-MM-DD`` anywhere in the reason makes it
expire (the finding comes back the day after).  A reason is required.

Rules marked unsuppressible (rule YAML ``unsuppressible: true``, or per team in
config) reject inline ignores: the finding stays and a warning is emitted.
Problems with ignores — no reason, bad date, expired, unknown rule, matches
nothing — are reported as *warning* diagnostics: they are shown in every
format but do not change the exit code.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from dataclasses import dataclass

from ..kinds import KINDS, load
from ..model import Diagnostic, Finding, SourceText

IGNORE = re.compile(r"(?:#|//)\s*iaclint:ignore\[(?P<ids>[^\]\n]*)\](?P<rest>[^\n]*)")
UNTIL = re.compile(r"\buntil\s*=\s*(\S+)")
_TOML_HEADER = re.compile(r"^\s*\[\[?\s*[^\[\]]+\]\]?\s*(?:#.*)?$")
_COMMENT_KINDS = frozenset(k for k, spec in KINDS.items() if spec.comments)  # where an ignore may be written
_OPEN, _CLOSE = "([{", ")]}"


@dataclass
class Ignore:
    path: str
    line: int  # where the comment is
    target: int  # the code line it covers
    ids: set
    reason: str
    until: _dt.date | None = None
    problem: str | None = None
    used: bool = False


def _is_comment_only(text: str) -> bool:
    s = text.lstrip()
    return s.startswith("#") or s.startswith("//")


def parse_ignores(path: str, lines: list[str]) -> list[Ignore]:
    out: list[Ignore] = []
    for i, text in enumerate(lines, 1):
        if "iaclint:ignore" not in text:
            continue
        m = IGNORE.search(text)
        if not m:
            out.append(Ignore(path, i, i, set(), "", problem="malformed iaclint:ignore; write "
                              "`# iaclint:ignore[RULE_ID] reason`"))
            continue
        ids = {x.strip() for x in m.group("ids").split(",") if x.strip()}
        rest = m.group("rest")
        until = None
        problem = None
        um = UNTIL.search(rest)
        if um:
            raw = um.group(1).rstrip(",;.)")
            try:
                until = _dt.date.fromisoformat(raw)
            except ValueError:
                problem = f"invalid until= date {raw!r} (expected YYYY-MM-DD)"
            rest = rest[:um.start()] + rest[um.end():]
        reason = " ".join(re.sub(r"\(\s*\)", " ", rest).split()).strip(" ,;-:—")  # () left by until=
        if reason.count("(") != reason.count(")"):
            reason = reason.strip(" ,;-:—()")
        if not ids:
            problem = "iaclint:ignore[] names no rule"
        elif not reason and problem is None:
            problem = "an inline ignore needs a reason after the rule id: `# iaclint:ignore[ID] why it is safe`"
        target = i
        if not text[:m.start()].strip():
            # comment on its own line: covers the next line that is not a comment
            j = i + 1
            while j <= len(lines) and _is_comment_only(lines[j - 1]):
                j += 1
            target = j
        out.append(Ignore(path, i, target, ids, reason, until, problem))
    return out


def file_ignores(pf) -> tuple[tuple[Ignore, ...], tuple[tuple[int, int], ...]]:
    """(the inline ignores of one parsed file, and when it has some the (header, end line) ranges of its blocks:
    an ignore on a header covers the block), read while its lines and syntax are alive (graph/facts.py)."""
    lines = pf.lines
    if not lines or pf.kind not in _COMMENT_KINDS or \
            isinstance(lines, SourceText) and "iaclint:ignore" not in lines.text:
        return (), ()
    found = parse_ignores(pf.path, lines)
    if not found:
        return (), ()
    blocks = KINDS[pf.kind].blocks
    return tuple(found), (tuple(sorted(load(blocks)(pf))) if blocks else ())


# -- each kind's blocks (kinds.KindSpec.blocks): (header line, end line) ranges an ignore on the header covers --
def hcl_blocks(pf) -> list[tuple[int, int]]:
    """Terraform: every block, nested ones too."""
    out = []
    stack = list(getattr(pf.data, "blocks", ()))
    while stack:
        b = stack.pop()
        out.append((b.pos.line, b.pos.end_line))
        stack.extend(b.body.blocks)
    return out


def toml_tables(pf) -> list[tuple[int, int]]:
    """TOML: a table header covers the lines up to the next header."""
    headers = [i for i, t in enumerate(pf.lines, 1) if _TOML_HEADER.match(t)]
    return [(h, headers[n + 1] - 1 if n + 1 < len(headers) else len(pf.lines)) for n, h in enumerate(headers)]


def bracket_blocks(pf) -> list[tuple[int, int]]:
    """railway.ts / railway.py: bracketed calls and literals (strings and comments skipped)."""
    return _bracket_ranges(pf.lines, KINDS[pf.kind].comments[0])


def _bracket_ranges(lines: list[str], comment: str) -> list[tuple[int, int]]:
    """(first line, last line) of every bracketed construct spanning lines in ``.railway/railway.ts`` /
    ``railway.py`` — ``service("api", {`` … ``})`` — so an ignore on a call's first line covers the call
    (its ``volumeMounts``, ``env``…) like an ignore on an HCL block header.  Strings and comments are
    skipped; unbalanced input yields what it can."""
    out: list[tuple[int, int]] = []
    stack: list[int] = []  # line of each open bracket
    quote = ""  # what closes the open string or comment carried across lines: `, */, a Python triple quote
    for no, text in enumerate(lines, 1):
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            if quote:
                if ch == "\\":
                    i += 2
                    continue
                if text.startswith(quote, i):
                    i += len(quote)
                    quote = ""
                    continue
                i += 1
                continue
            if text.startswith(comment, i):
                break
            if comment == "//" and text.startswith("/*", i):
                quote, i = "*/", i + 2
                continue
            if ch in "\"'`":
                triple = text[i:i + 3]
                if comment == "#" and triple in ('"""', "'''"):
                    quote, i = triple, i + 3
                elif ch == "`":
                    quote, i = "`", i + 1
                else:  # single-line string
                    j = i + 1
                    while j < n and text[j] != ch:
                        j += 2 if text[j] == "\\" else 1
                    i = j + 1
                continue
            if ch in _OPEN:
                stack.append(no)
            elif ch in _CLOSE and stack:
                start = stack.pop()
                if start < no:
                    out.append((start, no))
            i += 1
    return out


def apply_suppressions(findings: list[Finding], facts: dict, rules_by_id: dict, unsuppressible: set,
                       today: _dt.date | None = None) -> tuple[list[Finding], list[Diagnostic]]:
    """Mark findings covered by a valid inline ignore as suppressed; return diagnostics about the ignores.
    FACTS: ``Graph.facts`` (path -> graph.facts.FileFacts: each file's ignores, block ranges, module calls)."""
    today = today or _dt.date.today()
    ignores: dict[str, list[Ignore]] = {path: [dataclasses.replace(ig) for ig in ff.ignores]
                                        for path, ff in facts.items() if ff.ignores}
    diags: list[Diagnostic] = []
    if not ignores:
        return findings, diags

    def anchors(path: str, line: int) -> set[int]:
        """Lines an ignore may target to cover ``line``: the line and its enclosing block headers."""
        return {line} | {start for start, end in facts[path].blocks if start <= line <= end}

    def covering(path: str, line: int, f: Finding, names: set) -> list[Ignore]:
        cands = ignores.get(path)
        if not cands:
            return []
        at = anchors(path, line)
        return [ig for ig in cands if ig.target in at and (ig.ids & names or "all" in ig.ids)]

    for f in findings:
        rule = rules_by_id.get(f.rule_id)
        names = {f.rule_id, rule.name if rule else f.rule_id}
        origin = f.properties.get("cannot_verify")
        if isinstance(origin, str) and origin in rules_by_id:  # "cannot verify X" answers to X's ignore too
            names |= {origin, rules_by_id[origin].name}
        direct = covering(f.span.path, f.span.line, f, names)
        # call chains: related locations on `module` block headers, grouped by root (their message)
        chains: dict[str, list] = {}
        for loc in f.related:
            ff = facts.get(loc.span.path)
            if ff is not None and loc.span.line in ff.module_headers:
                chains.setdefault(loc.message, []).append(loc)
        chain_cover = {k: [ig for loc in locs for ig in covering(loc.span.path, loc.span.line, f, names)]
                       for k, locs in chains.items()}
        via_callers = [ig for igs in chain_cover.values() for ig in igs]
        if not direct and not via_callers:
            continue
        for ig in direct + via_callers:
            ig.used = True
        usable = [ig for ig in direct + via_callers if ig.problem is None]
        if not usable:
            continue
        if f.rule_id in unsuppressible:
            for ig in usable:
                if ig.ids & names:  # named explicitly (an `all` ignore just does not apply)
                    diags.append(Diagnostic(ig.path, ig.line, f"{f.rule_id} cannot be suppressed inline (it is "
                                            f"unsuppressible); the finding at {f.span.path}:{f.span.line} stays",
                                            "warning"))
            continue
        expired = [ig for ig in usable if ig.until and ig.until < today]
        for ig in expired:
            diags.append(Diagnostic(ig.path, ig.line, f"inline ignore for {f.rule_id} expired on "
                                    f"{ig.until.isoformat()}; the finding at {f.span.path}:{f.span.line} is "
                                    f"reported again", "warning"))
        live = [ig for ig in usable if ig not in expired]
        direct_live = [ig for ig in direct if ig in live]
        chosen = None
        if direct_live:
            chosen = direct_live[0]
        elif chains and all(any(ig in live for ig in chain_cover[k]) for k in chains):
            chosen = next(ig for k in sorted(chains) for ig in chain_cover[k] if ig in live)
        if chosen is None:
            for ig in live:
                uncovered = sorted({f"{loc.span.path}:{loc.span.line}" for k, locs in chains.items()
                                    if not any(i in live for i in chain_cover[k]) for loc in locs[:1]})
                if uncovered:
                    diags.append(Diagnostic(ig.path, ig.line, f"ignore covers {f.rule_id} at {f.span.path}:"
                                            f"{f.span.line} only for this caller; it still holds via "
                                            f"{', '.join(uncovered)}", "warning"))
            continue
        f.suppression = {"kind": "inSource", "justification": chosen.reason,
                         "location": f"{chosen.path}:{chosen.line}"}
        if chosen.until:
            f.suppression["until"] = chosen.until.isoformat()
    known = set(rules_by_id) | {r.name for r in rules_by_id.values()} | {"all"}
    for path, igs in ignores.items():
        for ig in igs:
            unknown = sorted(ig.ids - known)
            if ig.problem:
                diags.append(Diagnostic(ig.path, ig.line, ig.problem, "warning"))
            if unknown:
                diags.append(Diagnostic(ig.path, ig.line, f"iaclint:ignore names unknown rule "
                                        f"{', '.join(unknown)}; see `iaclint rules`", "warning"))
            elif not ig.used and not ig.problem:
                diags.append(Diagnostic(ig.path, ig.line, f"iaclint:ignore[{', '.join(sorted(ig.ids))}] matches no "
                                        f"finding; remove it", "warning"))
    return findings, diags
