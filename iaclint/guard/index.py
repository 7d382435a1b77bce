"""What the guard needs from the repository graph, as small plain data (``GuardIndex``) the cache can keep.

Built only on a cache miss (it imports the whole pipeline): every stateful thing the graph knows — merged
across the files that declare it (``graph.blast.same_things``) — with the names and ids a command may use for
it, its environments and why, and what dies with it; Railway services and environments; the data stores
connection URLs name (``graph.identity``) and their environments; each env file's environment and the data
stores its variables name (identities only: never a value); the credentials the scan found with their scope;
the saved plans and the stateful resources they delete or replace; the credential fingerprints ``mask`` needs.
"""
from __future__ import annotations

import os

from ..kinds import FileKind


def _thing(members: list, merged, backups: str) -> dict:
    keys, envs, where, services = set(), {}, [], []
    for m in members:
        a = m.attrs
        for k in ("id", "name", "identifier", "cluster_identifier", "bucket", "table_name", "db_instance_identifier",
                  "replication_group_id", "domain_name", "volume_id", "project"):
            v = a.get(k)
            if isinstance(v, str) and v and not v.startswith("rwiac|"):
                keys.add(f"{'id' if k in ('id', 'volume_id') else 'name'}:{v}")
        if isinstance(a.get("volume"), dict) and isinstance(a["volume"].get("name"), str):
            keys.add(f"name:{a['volume']['name']}")
        addr = m.meta.get("address")
        if addr:
            keys.add(f"tf-address:{addr}")
            keys.add(f"tf-address:{addr.split('[', 1)[0]}")
        if m.id.startswith(("tf|", "tfvol|tf|")):
            keys.add(f"tf-root:{m.id.split('|')[2 if m.id.startswith('tfvol') else 1]}")
        for e in m.envs:
            envs.setdefault(e.name, e.reason)
        where.append(f"{m.span.path}:{m.span.line}")
        svc = a.get("service")
        if isinstance(svc, str):
            services.append(svc.rsplit("|", 1)[-1].rsplit(".", 1)[-1])
    kind = "volume" if merged.kind == "railway_volume" else merged.type
    return {"label": f"{kind} {merged.meta.get('address') or merged.name}", "kind": kind, "keys": sorted(keys),
            "envs": envs, "backups": backups, "where": sorted(set(where)), "services": sorted(set(services))}


def build_index(graph) -> dict:
    from ..graph.blast import _merge, _stateful_nodes, backups_phrase, same_things
    from ..graph.credentials import kind_by_id
    from ..graph.identity import identity_of
    from ..mask import secrets_of
    from .resolve import aliases

    things = []
    for members in same_things(graph, list(_stateful_nodes(graph))):
        merged = _merge(members)
        things.append(_thing(members, merged, backups_phrase(merged)))
    services, environments = [], {}
    for n in graph.of_kind("railway_service"):
        t = _thing([n], n, "")
        t["label"] = f"service {n.attrs.get('name') or n.name}"
        services.append(t)
    for n in graph.of_kind("railway_environment"):
        environments.setdefault(n.name, [n.span.path + f":{n.span.line}"])
    db: dict = {}
    env_files: dict = {}
    for n in graph.of_kind("env_var"):
        ident = n.attrs.get("identity") or identity_of(n.attrs.get("key") or n.name, "")
        if ident:
            d = db.setdefault(ident, {"envs": {}, "where": []})
            for e in n.envs:
                d["envs"].setdefault(e.name, e.reason)
            d["where"].append(f"{n.span.path}:{n.span.line}")
        if os.path.basename(n.span.path).startswith(".env"):
            f = env_files.setdefault(n.span.path, {"envs": n.env_names, "vars": {}})
            if ident:
                f["vars"][n.attrs.get("key") or n.name] = ident
    credentials: dict = {}
    for n in graph.of_kind("credential"):
        k = kind_by_id(n.attrs.get("kind") or "")
        credentials.setdefault(n.name, {"title": k.title if k else n.type, "scope": n.attrs.get("scope") or (
            k.scope if k else "unknown"), "destroys": k.destroys if k else "", "where": f"{n.span.path}:{n.span.line}"})
    plans = []
    for n in graph.of_kind("plan_resource"):
        actions = n.meta.get("actions") or n.attrs.get("__actions") or []
        if "delete" in actions:
            plans.append({"file": n.span.path, "address": n.meta.get("address") or n.name, "actions": list(actions),
                          "envs": {e.name: e.reason for e in n.envs},
                          "stateful": any(f"tf-address:{n.meta.get('address') or n.name}" in t["keys"] for t in things)
                          or n.type in _stateful_types(graph)})
    roots = sorted({k[8:] for t in things for k in t["keys"] if k.startswith("tf-root:")})
    tf_roots = sorted({n.id.split("|")[1] for n in graph.of_kind("tf_resource", "tf_data") if n.id.startswith("tf|")})
    return {"version": 1, "things": things, "services": services, "environments": environments, "db": db,
            "env_files": env_files, "credentials": credentials, "plans": plans, "stateful_roots": roots,
            "tf_roots": tf_roots, "graph_environments": sorted(graph.environments),
            "secrets": secrets_of(graph), "aliases": aliases(), "environment_ids": environment_ids(graph),
            "plan_files": sorted(p for p, f in graph.files.items() if f.kind == FileKind.PLAN_JSON)}


_ID_ATTRS = ("environment_id", "environmentId")


def environment_ids(graph) -> dict:
    """Railway environment ids the repository ties to a name: a ``railway_environment`` node with a literal id,
    and a literal ``environment_id`` on a node that belongs to exactly one named environment (a Terraform
    ``railway_variable`` in ``envs/staging``, a service instance in a per-environment root)."""
    out: dict = {}
    for n in graph.nodes.values():
        if n.type == "railway_environment" and isinstance(n.attrs.get("id"), str) and isinstance(n.attrs.get("name"), str):
            out.setdefault(n.attrs["id"], {"name": n.attrs["name"], "where": f"{n.span.path}:{n.span.line}"})
            continue
        for k in _ID_ATTRS:
            v = n.attrs.get(k)
            if isinstance(v, str) and v and len(n.envs) == 1:
                out.setdefault(v, {"name": n.envs[0].name, "where": f"{n.span.path}:{n.span.line}, "
                                                                    f"{n.envs[0].reason}"})
    return out


def _stateful_types(graph) -> set:
    from ..graph.blast import STATEFUL_PREFIXES

    return {t for ts in STATEFUL_PREFIXES.values() for t in ts} | set(graph.ctx.stateful_types)
