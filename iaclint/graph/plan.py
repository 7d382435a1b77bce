"""Terraform plan JSON (`terraform show -json plan.out`) into graph nodes.

``planned_values`` become ``plan_resource`` nodes (the same attribute rules run
on them as on HCL); ``resource_changes`` record each resource's actions so the
plan gate can flag a delete or replace of a stateful resource.
"""
from __future__ import annotations

from ..model import EnvTag, Node, ParsedFile, Span
from ..parsers.jsonpos import line_of


def _walk_modules(mod: dict, out: list):
    for r in mod.get("resources", []) or []:
        if isinstance(r, dict):
            out.append(r)
    for c in mod.get("child_modules", []) or []:
        if isinstance(c, dict):
            _walk_modules(c, out)


def add_plan_nodes(b, f: ParsedFile) -> None:
    """A plan's resources as plan_resource / plan_data nodes (``b`` is the graph Builder)."""
    graph = b.g
    value = f.data["value"]
    lines = f.data.get("lines") or {}
    envs = []
    r = graph.ctx.envs.from_path(f.path)
    if r:
        envs.append(EnvTag(r[0], r[1]))
    else:
        ws = (value.get("variables") or {}).get("environment", {})
        if isinstance(ws, dict) and isinstance(ws.get("value"), str):
            envs.append(EnvTag(graph.ctx.envs.normalize_free(ws["value"]),
                               f"plan variable environment = {ws['value']!r}"))
    changes: dict = {}
    change_lines: dict = {}
    for i, rc in enumerate(value.get("resource_changes", []) or []):
        if not isinstance(rc, dict) or not isinstance(rc.get("address"), str):
            continue
        changes[rc["address"]] = rc
        change_lines[rc["address"]] = line_of(lines, ("resource_changes", i, "address"), 1)
    planned: list = []
    _walk_modules(((value.get("planned_values") or {}).get("root_module") or {}), planned)
    seen = set()
    for res in planned:
        addr = res.get("address")
        if not isinstance(addr, str):
            continue
        seen.add(addr)
        _add(graph, f, res.get("type", ""), res.get("mode", "managed"), addr, res.get("values") or {},
             changes.get(addr), change_lines.get(addr, 1), envs)
    # deleted resources are absent from planned_values: take them from resource_changes (their "before")
    for addr, rc in sorted(changes.items()):
        if addr in seen:
            continue
        ch = rc.get("change") or {}
        before = ch.get("before") if isinstance(ch.get("before"), dict) else {}
        _add(graph, f, rc.get("type", ""), rc.get("mode", "managed"), addr, before, rc, change_lines.get(addr, 1),
             envs)


def _add(graph, f, type_, mode, addr, values, rc, line, envs):
    actions = list(((rc or {}).get("change") or {}).get("actions") or [])
    node = Node(f"plan|{f.path}|{addr}", "plan_resource" if mode == "managed" else "plan_data", type_, addr,
                Span(f.path, line), list(envs), dict(values) if isinstance(values, dict) else {}, {},
                {"address": addr, "actions": actions,
                 "action_reason": (rc or {}).get("action_reason"),
                 "replace_paths": ((rc or {}).get("change") or {}).get("replace_paths"),
                 "present": {}, "callers": []})
    graph.add(node)
