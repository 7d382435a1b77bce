"""``iaclint check --explain-environments``: each file and resource with its environments and why."""
from __future__ import annotations

from ..graph.blast import reach_of
from ..mask import mask, secrets_of


def _envs(n) -> str:
    return "; ".join(f"{e.name} ({e.reason})" for e in n.envs) or "no environment inferred"


def render_environments(graph) -> str:
    lines = []
    for n in sorted(graph.nodes.values(), key=lambda n: (n.span.path, n.span.line, n.id)):
        if n.kind == "env_var":
            continue
        envs = _envs(n)
        what = f"{n.kind} {n.name}"
        if n.kind == "credential":
            reach = reach_of(graph, n).environments()
            what += f" ({n.attrs.get('title')}, {n.attrs.get('scope')} scope, {n.attrs.get('redacted')})"
            envs += f"; reaches {', '.join(reach)}" if reach else ""
        lines.append(f"{n.span.path}:{n.span.line}  {what}  ->  {envs}")
    files = {}
    for n in graph.nodes.values():
        if n.kind == "env_var":
            files.setdefault(n.span.path, n)
    for path, n in sorted(files.items()):
        lines.append(f"{path}  env file  ->  {_envs(n)}")
    return mask("\n".join(lines), secrets_of(graph)) + "\n"
