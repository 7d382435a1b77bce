"""Terraform plan JSON (`terraform show -json plan.out`) into graph nodes.

``planned_values`` become ``plan_resource`` nodes (the same attribute rules run
on them as on HCL); ``resource_changes`` record each resource's actions so the
plan gate can flag a delete or replace of a stateful resource. A large plan
arrives already streamed (``parsers.planstream.PlanDoc``); a small one as the
JSON value and its line map.
"""
from __future__ import annotations

from ..model import EnvTag, Node, ParsedFile, Span
from ..parsers.jsonpos import line_of
from ..parsers.planstream import PlanDoc


def _walk_modules(mod: dict, out: list):
    for r in mod.get("resources", []) or []:
        if isinstance(r, dict):
            out.append(r)
    for c in mod.get("child_modules", []) or []:
        if isinstance(c, dict):
            _walk_modules(c, out)


def plan_doc(value: dict, lines: dict) -> PlanDoc:
    """The PlanDoc of a plan read whole (``json.loads``), with its line map."""
    doc = PlanDoc()
    env = (value.get("variables") or {}).get("environment", {})
    if isinstance(env, dict) and isinstance(env.get("value"), str):
        doc.environment = env["value"]
    for i, rc in enumerate(value.get("resource_changes", []) or []):
        if not isinstance(rc, dict) or not isinstance(rc.get("address"), str):
            continue
        doc.changes[rc["address"]] = rc
        doc.change_lines[rc["address"]] = line_of(lines, ("resource_changes", i, "address"), 1)
    planned: list = []
    _walk_modules(((value.get("planned_values") or {}).get("root_module") or {}), planned)
    for res in planned:
        if isinstance(res.get("address"), str):
            doc.planned.append((res["address"], res.get("type", ""), res.get("mode", "managed"),
                                res.get("values") or {}))
    return doc


def add_plan_nodes(b, f: ParsedFile) -> None:
    """A plan's resources as plan_resource / plan_data nodes (``b`` is the graph Builder)."""
    graph = b.g
    doc = f.data.get("plan") or plan_doc(f.data["value"], f.data.get("lines") or {})
    envs = []
    r = graph.ctx.envs.from_path(f.path)
    if r:
        envs.append(EnvTag(r[0], r[1]))
    elif doc.environment is not None:
        envs.append(EnvTag(graph.ctx.envs.normalize_free(doc.environment),
                           f"plan variable environment = {doc.environment!r}"))
    changes = doc.changes
    seen = set()
    for addr, type_, mode, values in doc.planned:
        seen.add(addr)
        _add(graph, f, type_, mode, addr, values, changes.get(addr), doc.change_lines.get(addr, 1), envs)
    # deleted resources are absent from planned_values: take them from resource_changes (their "before")
    for addr, rc in sorted(changes.items()):
        if addr in seen:
            continue
        ch = rc.get("change") or {}
        before = rc.get("before")
        if before is None:
            before = ch.get("before") if isinstance(ch.get("before"), dict) else {}
        _add(graph, f, rc.get("type", ""), rc.get("mode", "managed"), addr, before, rc,
             doc.change_lines.get(addr, 1), envs)


def _add(graph, f, type_, mode, addr, values, rc, line, envs):
    actions = list(((rc or {}).get("change") or {}).get("actions") or [])
    if not isinstance(values, dict):
        values = {}
    elif type(values) is dict:
        values = dict(values)  # (a streamed plan's LazyValues is already this resource's own)
    node = Node(f"plan|{f.path}|{addr}", "plan_resource" if mode == "managed" else "plan_data", type_, addr,
                Span(f.path, line), list(envs), values, {},
                {"address": addr, "actions": actions,
                 "action_reason": (rc or {}).get("action_reason"),
                 "replace_paths": ((rc or {}).get("change") or {}).get("replace_paths"),
                 "present": {}, "callers": []})
    graph.add(node)
