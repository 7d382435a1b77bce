"""Railway into the graph: config-as-code (``railway.json`` / ``railway.toml``), ``railway environment config
--json`` exports, and the environments of Terraform-declared Railway services and volumes.

Railway IaC programs (``.railway/railway.ts`` / ``railway.py``) are ``graph.railway_iac``.
"""
from __future__ import annotations

import posixpath

from ..model import Edge, EnvTag, Node, ParsedFile, Span
from ..parsers.jsonpos import line_of
from ..terraform.values import Unknown
from . import credentials as creds
from .graph import Graph
from .identity import identity_of
from .secrets import add_variable_secret


def add_railway_config(b, f: ParsedFile) -> None:
    """railway.json / railway.toml config-as-code: one service config, with per-environment overrides."""
    value = f.data["value"]
    lines = f.data["lines"]
    if not isinstance(value, dict):
        return
    svc_dir = posixpath.dirname(f.path) or "."
    nid = f"railway_config|{f.path}"
    node = Node(nid, "railway_config", "railway_config", svc_dir, Span(f.path, 1), b.envs.tags_for_path(f.path),
                {"build": value.get("build") or {}, "deploy": value.get("deploy") or {},
                 "environments": value.get("environments") or {}},
                {}, {"lines": {".".join(map(str, k)): v for k, v in lines.items() if k}})
    b.g.add(node)
    for env_name in (value.get("environments") or {}):
        e = b.envs.normalize_free(env_name)
        b.g.environments.add(e)
        b.g.add(Node(f"railway_env|{f.path}|{env_name}", "railway_environment", "railway_environment",
                     env_name, Span(f.path, _first_line(lines, ("environments", env_name))),
                     [EnvTag(e, f"environments.{env_name} in {f.path}")], {"name": env_name}))


def _first_line(lines: dict, path: tuple) -> int:
    """Line of PATH, else of the first key under it (TOML's ``[environments.pr.deploy]`` opens ``pr`` implicitly)."""
    if path in lines:
        return lines[path]
    under = [ln for k, ln in lines.items() if k[:len(path)] == path]
    return min(under) if under else line_of(lines, path)


def add_env_config_export(b, f: ParsedFile) -> None:
    """`railway environment config --json` export: services, variables, volume mounts, volumes, buckets."""
    g = b.g
    value = f.data["value"]
    lines = f.data["lines"]
    env_guess = None
    for k in ("environment", "environmentName", "name"):
        if isinstance(value.get(k), str):
            env_guess = (b.envs.normalize_free(value[k]), f"{k} = {value[k]!r} in the export")
    if env_guess is None:
        r = b.envs.from_path(f.path)
        if r:
            env_guess = (r[0], f"export file {r[1]}")
    envs = [EnvTag(env_guess[0], env_guess[1])] if env_guess else []
    services = value.get("services") or {}
    volumes = value.get("volumes") or {}
    for sid, svc in sorted(services.items()) if isinstance(services, dict) else []:
        if not isinstance(svc, dict):
            continue
        sp = ("services", sid)
        snode = Node(f"rw_service|{f.path}|{sid}", "railway_service", "railway_service",
                     str(svc.get("name") or sid), Span(f.path, line_of(lines, sp)), list(envs),
                     {"id": sid, "source": svc.get("source"), "deploy": svc.get("deploy")}, {},
                     {"origin": "env-config export"})
        g.add(snode)
        for vname, var in sorted((svc.get("variables") or {}).items()):
            val = var.get("value") if isinstance(var, dict) else var
            _export_variable(g, f, sp + ("variables", vname), vname, val, envs, lines)
        for vol_id, mount in sorted((svc.get("volumeMounts") or {}).items()):
            mp = sp + ("volumeMounts", vol_id)
            mount = mount if isinstance(mount, dict) else {}
            vol_def = volumes.get(vol_id) if isinstance(volumes, dict) else None
            backups = mount.get("backupSchedules") or (vol_def or {}).get("backupSchedules") or []
            vnode = _volume(g, f"rw_volume|{f.path}|{vol_id}", vol_id, Span(f.path, line_of(lines, mp)), envs,
                            {"id": vol_id, "mount_path": mount.get("mountPath"), "backup_schedules": backups,
                             "service": sid, "source": "env-config export"})
            g.edges.append(Edge(snode.id, vnode.id, "mounts", vnode.span))
    for vol_id, vol in sorted(volumes.items()) if isinstance(volumes, dict) else []:
        nid = f"rw_volume|{f.path}|{vol_id}"
        if nid in g.nodes:
            continue
        vol = vol if isinstance(vol, dict) else {}
        _volume(g, nid, vol_id, Span(f.path, line_of(lines, ("volumes", vol_id))), envs,
                {"id": vol_id, "backup_schedules": vol.get("backupSchedules") or [], "source": "env-config export"})
    for vname, var in sorted((value.get("sharedVariables") or {}).items()):
        val = var.get("value") if isinstance(var, dict) else var
        _export_variable(g, f, ("sharedVariables", vname), vname, val, envs, lines)


def _export_variable(g: Graph, f: ParsedFile, p, name, val, envs, lines):
    span = Span(f.path, line_of(lines, p))
    node = Node(f"env|{f.path}|{'/'.join(map(str, p))}", "env_var", name, name, span, list(envs),
                {"key": name, "identity": identity_of(name, val if isinstance(val, str) else "")}, {},
                {"file_kind": f.kind})
    g.add(node)
    if isinstance(val, str):
        add_variable_secret(g, node, creds.match_value(name, val), val, span, f.path, envs)


def _volume(g: Graph, nid, name, span, envs, attrs) -> Node:
    return g.add(Node(nid, "railway_volume", "railway_volume", str(name), span, list(envs), attrs, {}, {}))


# -- Terraform-declared Railway services and volumes -----------------------------------------------------------
def add_volume_environments(g: Graph) -> None:
    """Terraform-declared Railway volumes exist in every environment of their project."""
    envs = g.ctx.envs
    projects = {n.id: n for n in g.of_type("railway_project") if n.kind == "tf_resource"}
    envs_by_root: dict = {}
    for n in g.of_type("railway_environment"):
        if n.kind != "tf_resource":
            continue
        name = n.attrs.get("name")
        if isinstance(name, str):
            envs_by_root.setdefault((n.meta["root"], n.meta["context"]), []).append((name, n.span))
            # a Railway environment IS its name's environment, whatever the root's context says
            e = envs.normalize_free(name)
            site = n.meta["present"].get("name") or n.span
            n.envs = [EnvTag(e, f"railway_environment name = {name!r} ({site.path}:{site.line})")]
            g.environments.add(e)
    for p in projects.values():
        de = p.attrs.get("default_environment")
        if isinstance(de, list) and de:
            de = de[0]
        name = de.get("name") if isinstance(de, dict) else None
        if isinstance(name, str):
            envs_by_root.setdefault((p.meta["root"], p.meta["context"]), []).append(
                (name, (p.meta["present"].get("default_environment") or p.span)))
        elif not isinstance(name, Unknown):
            envs_by_root.setdefault((p.meta["root"], p.meta["context"]), []).append(
                ("production", p.span))  # Railway's default environment is "production"
    for n in list(g.of_type("railway_service", "railway_volume")):
        if n.kind != "tf_resource":
            continue
        vol = n.attrs.get("volume")
        if isinstance(vol, list):
            vol = vol[0] if vol else None
        if n.type == "railway_service" and not isinstance(vol, dict):
            _service_environments(envs, n, envs_by_root.get((n.meta["root"], n.meta["context"]), []))
            continue
        if n.type == "railway_volume":
            vol = n.attrs
        env_list = envs_by_root.get((n.meta["root"], n.meta["context"]), [])
        if n.type == "railway_service":
            _service_environments(envs, n, env_list)
        tags = _every_environment_tags(envs, "volume", env_list) or list(n.envs)
        vspan = n.meta["present"].get("volume") or n.span
        vname = vol.get("name") if isinstance(vol, dict) else None
        vnode = Node(f"tfvol|{n.id}", "railway_volume", "railway_volume",
                     vname if isinstance(vname, str) else n.name, vspan, tags,
                     {"name": vname, "mount_path": vol.get("mount_path") if isinstance(vol, dict) else None,
                      "service": n.id, "source": "terraform", "backup_schedules": []},
                     {}, {"resource": n.id, "resource_span": n.span, "root": n.meta["root"],
                          "context": n.meta["context"]})
        g.add(vnode)
        g.edges.append(Edge(n.id, vnode.id, "mounts", vspan))


def _service_environments(envs, n: Node, env_list: list):
    """A community-provider railway_service has no environment argument: it exists in every environment of
    its project (ES008 asks what that exposes)."""
    tags = _every_environment_tags(envs, "service", env_list)
    if tags:
        n.envs = tags
        n.meta["all_environments"] = True


def _every_environment_tags(envs, what: str, env_list: list) -> list[EnvTag]:
    """One tag per environment of the project, for a WHAT (volume, service) created with no environment."""
    tags: list[EnvTag] = []
    for name, span in env_list:
        e = envs.normalize_free(name)
        if e not in [t.name for t in tags]:
            tags.append(EnvTag(e, f"the {what} is created with no environment, so it exists in every "
                                  f"environment of its project, including {name!r} ({span.path}:{span.line})"))
    return tags
