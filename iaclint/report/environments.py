"""``iaclint check --explain-environments``: each file and resource with its environments and why, then the
Terraform var files that are always-loaded defaults, ignored, or contexts with no environment name, and why, then
each data-store identity (graph.identities) with who reaches it from which environment and why."""
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
    lines.extend(f"var file {e}" for e in sorted(set(graph.explained)))
    lines.extend(_identities(graph))
    return mask("\n".join(lines), secrets_of(graph)) + "\n"


def _identities(graph) -> list[str]:
    """Per data-store identity: each reference, its environment and why; shared when production and another
    environment both reach it."""
    out = []
    shared = graph.identities.shared()
    for ident, refs in sorted(graph.identities.refs.items()):
        envs = graph.identities.environments(ident)
        out.append(f"data store {ident}  ->  {', '.join(envs) or 'no environment inferred'}"
                   f"{'  (shared with production)' if ident in shared else ''}")
        for r in sorted(refs, key=lambda r: (r.env.name, r.span.path, r.span.line, r.why)):
            out.append(f"  {r.env.name}: {r.span.path}:{r.span.line} {r.role} by {r.why} ({r.source_kind}); "
                       f"{r.env.name} because {r.env.reason}")
    return out
