"""``iaclint blast-radius``: every credential (broad ones, or all) and every broad grant (an IAM policy, Azure role
or GCP role binding, graph/grants.py), its scope and what it could destroy."""
from __future__ import annotations

from ..graph.blast import backups_phrase, reach_of
from ..graph.grants import grant_nodes
from ..mask import mask_tree, secrets_of
from ..model import Node


def reach_dict(graph, cred: Node) -> dict:
    """The blast-radius view of one credential, as plain data (no secret: kind, name, redacted prefix)."""
    r = reach_of(graph, cred)
    a = cred.attrs
    return {"credential": {"kind": a.get("kind"), "title": a.get("title"), "name": cred.name,
                           "scope": a.get("scope"), "broad": a.get("broad"), "redacted": a.get("redacted"),
                           "file": cred.span.path, "line": cred.span.line, "environments": cred.env_names},
            "destroys": a.get("destroys", ""), "scope_down": a.get("scope_down", ""),
            "environments": r.environments(),
            "targets": [{"type": "volume" if t.kind == "railway_volume" else t.type,
                         "name": t.meta.get("address") or t.name, "file": t.span.path, "line": t.span.line,
                         "environments": t.env_names, "backups": backups_phrase(t),
                         "declared_at": [{"file": sp.path, "line": sp.line}
                                         for sp in (t.meta.get("declared_at") or [t.span])]} for t in r.targets]}


def render_blast_radius(graph, fmt: str = "text", *, show_all: bool = False) -> str:
    """The view of every credential (broad ones, or all with SHOW_ALL) and every broad grant: text or JSON, every
    string masked."""
    creds = sorted((n for n in graph.nodes.values() if n.kind == "credential" and (show_all or n.attrs.get("broad"))),
                   key=lambda n: (n.span.path, n.span.line, n.type))
    secrets = secrets_of(graph)
    views = mask_tree([reach_dict(graph, c) for c in creds], secrets)
    grants = mask_tree([reach_dict(graph, g) for g in grant_nodes(graph)], secrets)
    if fmt == "json":
        import json

        return json.dumps({"credentials": views, "grants": grants}, indent=2, sort_keys=True) + "\n"
    if not views and not grants:
        return "no broadly scoped credentials found\n" if not show_all else "no credentials found\n"
    out = []
    for v in views + grants:
        c = v["credential"]
        envs = f" [{', '.join(c['environments'])}]" if c["environments"] else ""
        out.append(f"{c['file']}:{c['line']}  {c['title']} {c['name']} ({c['redacted']}){envs}")
        out.append(f"  scope: {c['scope']}{' (broad)' if c['broad'] else ''}")
        if v["scope_down"]:
            out.append(f"  scope it down: {v['scope_down']}")
        if v["targets"]:
            out.append(f"  can destroy ({len(v['targets'])}, environments: {', '.join(v['environments']) or 'unknown'}):")
            for t in v["targets"]:
                b = f" + {t['backups']}" if t["backups"] else ""
                te = ", ".join(t["environments"]) or "unknown environment"
                out.append(f"    - {t['type']} {t['name']} [{te}]{b}  ({t['file']}:{t['line']})")
                if len(t["declared_at"]) > 1:
                    out.append(f"      declared in {len(t['declared_at'])} places: "
                               + ", ".join(f"{d['file']}:{d['line']}" for d in t["declared_at"]))
        else:
            out.append(f"  can destroy: {v['destroys'] or 'nothing iaclint can name'} (no matching resource in the "
                       f"scanned files)")
        out.append("")
    return "\n".join(out)
