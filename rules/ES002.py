"""ES002: Railway volume exists in several environments, production among them."""
from __future__ import annotations

from iaclint.model import Location


def check(ctx):
    """FAIL: a community-provider railway_service volume in a project with a staging environment;
    the same volume id mounted in the staging and production exports."""
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
    # one volume id mounted by several environments' exports: a case of the data-store identity mechanism
    for ident, refs in ctx.graph.identities.shared().items():
        vols = [ctx.graph.nodes[i] for i in dict.fromkeys(r.node for r in refs if r.role == "mounts")]
        envs = sorted({e for v in vols for e in v.env_names})
        if len(envs) < 2 or "production" not in envs:
            continue
        vid = ident.split("://", 1)[1]
        prod = [v for v in vols if "production" in v.env_names]
        for v in vols:
            if "production" in v.env_names:
                continue
            msg = (f"volume {vid} is mounted in {', '.join(v.env_names)} and in production "
                   f"({prod[0].span.path}:{prod[0].span.line}): one volume, two environments — volumeDelete from "
                   f"{', '.join(v.env_names)} deletes production's data and its backups")
            yield ctx.finding(v, msg, related=[Location(prod[0].span, "production mounts the same volume here")],
                              key=f"{v.span.path}|{vid}|shared", envs=envs)
