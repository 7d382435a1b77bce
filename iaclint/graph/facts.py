"""What the stages after the graph need of one file, taken while its syntax tree and lines are alive.

A parsed file's AST and source lines are dropped once its part of the graph is built (memory must not grow with
the tree); the rules and the suppressions read this small record instead (``Graph.facts``: path -> FileFacts,
only for the files that have one).  ``file_facts`` runs once per file, in the process that parsed it: the
record is picklable and holds plain values only.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from ..engine.suppress import file_ignores
from ..kinds import STATE_EXT
from ..model import ParsedFile
from ..parsers.hclast import Body


@dataclass(slots=True)
class FileFacts:
    ignores: tuple = ()  # its inline ignores (engine.suppress.Ignore, as parsed: copied before use)
    blocks: tuple = ()  # (header line, end line) of the blocks an ignore on their header covers; files with ignores
    module_headers: frozenset = frozenset()  # header lines of its Terraform `module` calls (call-chain ignores)
    providers: dict | None = None  # resource block header line -> the provider it names ("aws.dr"), when it names one
    state: tuple | None = None  # a Terraform state file: (line of "resources", resource count or None: unreadable)


def file_facts(pf: ParsedFile) -> FileFacts | None:
    """PF's facts, or None when the later stages need nothing of it."""
    ignores, blocks = file_ignores(pf)
    modules: list[int] = []
    providers: dict = {}
    if type(pf.data) is Body:
        for b in pf.data.blocks:
            if b.type == "module":
                modules.append(b.pos.line)
            elif b.type == "resource":
                a = b.body.attributes.get("provider")
                ref = _reference(a.expr) if a is not None else None
                if ref is not None:
                    providers.setdefault(b.pos.line, ref)
    state = state_summary(pf.lines) if pf.lines and pf.path.lower().endswith(STATE_EXT) else None
    if not (ignores or modules or providers or state):
        return None
    return FileFacts(ignores, blocks, frozenset(modules), providers or None, state)


def _reference(e) -> str | None:
    """``aws.dr`` for ``provider = aws.dr``, ``aws`` for ``provider = aws``; None for anything else."""
    steps = getattr(e, "steps", None)
    if steps and steps[0][0] == "attr":
        return f"{e.root}.{steps[0][1]}"
    return getattr(e, "root", None) or None


def state_summary(lines) -> tuple[int, int | None]:
    """(line of `"resources"`, number of resources or None when the JSON cannot be read) of a Terraform state."""
    line = next((i for i, s in enumerate(lines, 1) if '"resources"' in s), 1)
    try:
        data = json.loads("\n".join(lines))
    except (ValueError, RecursionError):
        return line, None
    res = data.get("resources") if isinstance(data, dict) else None
    if not isinstance(res, list):  # pre-0.12 state: modules[].resources
        mods = data.get("modules") if isinstance(data, dict) else None
        res = [r for m in mods if isinstance(m, dict) for r in (m.get("resources") or {})] \
            if isinstance(mods, list) else []
    return line, len(res)
