"""environment-separation checks: one data store reachable from two environments, production among them."""
from __future__ import annotations

from iaclint.engine.loader import check
from iaclint.model import Location


@check("ES001")
def env_files_share_datastore(ctx):
    """FAIL: .env.staging and .env.production both DATABASE_URL=…@db-prod:5432/orders.
    PASS: each environment's URL names its own host or database."""
    by_identity: dict = {}
    for n in ctx.graph.of_kind("env_var"):
        ident = n.attrs.get("identity")
        if not ident or n.attrs.get("example") or not n.env_names:
            continue
        by_identity.setdefault(ident, []).append(n)
    for ident, nodes in sorted(by_identity.items()):
        envs = sorted({e for n in nodes for e in n.env_names})
        if len(envs) < 2 or "production" not in envs:
            continue
        prod = [n for n in nodes if "production" in n.env_names]
        others = [n for n in nodes if "production" not in n.env_names]
        host = ident.split("://", 1)[-1]
        for n in others:
            p = prod[0]
            msg = (f"{n.name} in {', '.join(n.env_names)} points at {host}, the same data store as production's "
                   f"{p.name} ({p.span.path}:{p.span.line}): a {', '.join(n.env_names)} task can change or drop "
                   f"production data")
            yield ctx.finding(n, msg, related=[Location(p.span, "production uses the same data store here")],
                              key=f"{n.span.path}|{n.name}|{ident}", envs=sorted(set(n.env_names) | {"production"}))


@check("ES002")
def railway_volume_shared(ctx):
    """FAIL: a community-provider railway_service volume in a project with a staging environment;
    the same volume id mounted in the staging and production exports."""
    by_id: dict = {}
    for vol in ctx.graph.of_kind("railway_volume"):
        if vol.attrs.get("source") in ("terraform", "railway-iac"):  # declared once, exists in every env
            envs = vol.env_names
            if len(envs) >= 2 and "production" in envs:
                res = ctx.graph.nodes.get(vol.meta.get("resource"))
                reasons = [e.reason for e in vol.envs]
                msg = (f"volume {vol.name!r} exists in {' and '.join(envs)}: {reasons[0].split(',')[0]}; "
                       f"volumeDelete takes no environment, so deleting it from staging deletes production's data "
                       f"and its backups")
                f = ctx.finding(res or vol, msg, vol.span, key=f"{vol.span.path}|{vol.name}|shared", envs=envs)
                yield f
        elif vol.attrs.get("id"):
            by_id.setdefault(vol.attrs["id"], []).append(vol)
    for vid, vols in sorted(by_id.items()):
        envs = sorted({e for v in vols for e in v.env_names})
        if len(envs) < 2 or "production" not in envs:
            continue
        prod = [v for v in vols if "production" in v.env_names]
        for v in vols:
            if "production" in v.env_names:
                continue
            msg = (f"volume {vid} is mounted in {', '.join(v.env_names)} and in production "
                   f"({prod[0].span.path}:{prod[0].span.line}): one volume, two environments — volumeDelete from "
                   f"{', '.join(v.env_names)} deletes production's data and its backups")
            yield ctx.finding(v, msg, related=[Location(prod[0].span, "production mounts the same volume here")],
                              key=f"{v.span.path}|{vid}|shared", envs=envs)
