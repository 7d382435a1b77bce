"""A ``View`` as Mermaid, Graphviz DOT or JSON: sorted, byte-identical for the same view.

Labels are already masked (``view.build_view``); here they are only escaped. Mermaid: every character that
could end a quoted label or start markup (``" # & < > | ` [ ] { }``) becomes an entity
code ``#N;``, which Mermaid decodes; lines are joined with ``<br/>``. DOT: backslash and double quote are
escaped inside a double-quoted string and lines are joined with ``\\n``. Control characters are dropped.
"""
from __future__ import annotations

import json

from .view import View

FINDING_COLOR = "#cf222e"
_MERMAID_SPECIAL = set('"#&<>|`[]{}')
_MERMAID_SHAPES = {"credential": ('{{"', '"}}'), "store": ('[("', '")]'), "backups": ('[["', '"]]'),
                   "more": ('(["', '"])')}
_DOT_SHAPES = {"credential": "hexagon", "store": "cylinder", "backups": "folder", "more": "plaintext"}
_FILL = {"credential": "#ffebe9", "store": "#ddf4ff", "backups": "#f6f8fa", "more": "#ffffff"}
SHARED_FILL = "#fff8c5"


def _printable(text: str) -> str:
    return "".join(c for c in text if c.isprintable())


def mermaid_text(text: str) -> str:
    return "".join(f"#{ord(c)};" if c in _MERMAID_SPECIAL else c for c in _printable(text))


def dot_text(text: str) -> str:
    return _printable(text).replace("\\", "\\\\").replace('"', '\\"')


def _clustered(view: View):
    """(nodes outside every cluster, [(cluster id, label, nodes)])."""
    top = [n for n in view.nodes if n.cluster is None]
    return top, [(cid, label, [n for n in view.nodes if n.cluster == env]) for cid, env, label in view.clusters]


def render_mermaid(view: View) -> str:
    out = ["flowchart LR"]
    for kind, fill in _FILL.items():
        dash = ",stroke-dasharray:4 4" if kind == "more" else ""
        out.append(f"  classDef {kind} fill:{fill},stroke:#57606a,color:#1f2328{dash}")
    out.append(f"  classDef shared fill:{SHARED_FILL},stroke:#9a6700,stroke-width:2px")
    out.append(f"  classDef finding stroke:{FINDING_COLOR},stroke-width:3px")

    def node(n, indent):
        left, right = _MERMAID_SHAPES[n.kind]
        return f"{indent}{n.id}{left}{'<br/>'.join(mermaid_text(x) for x in n.label)}{right}"

    top, clusters = _clustered(view)
    out += [node(n, "  ") for n in top]
    for cid, label, members in clusters:
        out.append(f'  subgraph {cid}["{mermaid_text(label)}"]')
        out.append("    direction TB")
        out += [node(n, "    ") for n in members]
        out.append("  end")
        out.append(f"  style {cid} fill:#ffffff,stroke:#57606a,stroke-dasharray:4 4")
    for e in view.edges:
        out.append(f'  {e.src} -->|"{mermaid_text(e.label)}"| {e.dst}')
    for kind in _FILL:
        ids = [n.id for n in view.nodes if n.kind == kind]
        if ids:
            out.append(f"  class {','.join(ids)} {kind}")
    for cls, ids in (("shared", [n.id for n in view.nodes if n.shared]),
                     ("finding", [n.id for n in view.nodes if n.findings])):
        if ids:
            out.append(f"  class {','.join(ids)} {cls}")
    hot = [str(i) for i, e in enumerate(view.edges) if e.findings]
    if hot:
        out.append(f"  linkStyle {','.join(hot)} stroke:{FINDING_COLOR},stroke-width:3px,color:{FINDING_COLOR}")
    return "\n".join(out) + "\n"


def render_dot(view: View) -> str:
    out = ["digraph iaclint {",
           '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.3, ranksep=0.8];',
           '  node [fontname="Helvetica", fontsize=10, style=filled, color="#57606a"];',
           '  edge [fontname="Helvetica", fontsize=9, color="#57606a"];']

    def node(n, indent):
        label = "\\n".join(dot_text(x) for x in n.label)
        attrs = [f'label="{label}"', f"shape={_DOT_SHAPES[n.kind]}",
                 f'fillcolor="{SHARED_FILL if n.shared else _FILL[n.kind]}"']
        if n.findings:
            attrs += [f'color="{FINDING_COLOR}"', "penwidth=3"]
        if n.shared:
            attrs.append('style="filled,bold"')
        return f'{indent}"{n.id}" [{", ".join(attrs)}];'

    top, clusters = _clustered(view)
    out += [node(n, "  ") for n in top]
    for cid, label, members in clusters:
        out.append(f'  subgraph "cluster_{cid}" {{')
        out.append(f'    label="{dot_text(label)}"; style="rounded,dashed"; color="#57606a";')
        out += [node(n, "    ") for n in members]
        out.append("  }")
    for e in view.edges:
        attrs = [f'label="{dot_text(e.label)}"']
        if e.findings:
            attrs += [f'color="{FINDING_COLOR}"', f'fontcolor="{FINDING_COLOR}"', "penwidth=2.5"]
        out.append(f'  "{e.src}" -> "{e.dst}" [{", ".join(attrs)}];')
    out.append("}")
    return "\n".join(out) + "\n"


def render_json(view: View) -> str:
    doc = {"clusters": [{"id": cid, "environment": env or None, "label": label} for cid, env, label in view.clusters],
           "nodes": [{"id": n.id, "kind": n.kind, "label": n.label, "environment": n.cluster or None,
                      "in_cluster": n.cluster is not None, "shared": n.shared, "findings": n.findings}
                     for n in view.nodes],
           "edges": [{"from": e.src, "to": e.dst, "label": e.label, "findings": e.findings} for e in view.edges],
           "omitted": view.omitted}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


RENDERERS = {"mermaid": render_mermaid, "dot": render_dot, "json": render_json}
