"""DP002: Railway volume without lifecycle prevent_destroy."""
from __future__ import annotations

from iaclint.engine.run import in_scope
from iaclint.graph.queries import prevent_destroy
from iaclint.terraform.values import Unknown, truthy


def _iac_volume_unprotected(ctx, vol):
    """A volume (or a database helper's volume) in Railway infrastructure as code: nothing can protect it."""
    svc = ctx.graph.nodes.get(vol.attrs.get("service")) if isinstance(vol.attrs.get("service"), str) else None
    what = (f"{vol.attrs['database']} database {svc.name!r}" if vol.attrs.get("database") and svc is not None
            else f"volume {vol.name!r}")
    envs = " and ".join(vol.env_names) or "its environment"
    msg = (f"{what} (in {envs}) is declared in {vol.span.path}, and Railway infrastructure as code has no deletion "
           f"protection: dropping it from the file and applying, or one volumeDelete call with any account token, "
           f"deletes the data and every volume backup — keep production data in a project of its own with an "
           f"off-volume backup")
    return ctx.finding(vol, msg, key=f"{vol.span.path}|{vol.name}|iac-unprotected", envs=vol.env_names)


def check(ctx):
    """FAIL: railway_service with volume = {...} and no lifecycle.prevent_destroy = true; a volume or database
    that .railway/railway.ts declares in production (Railway IaC has no deletion protection)."""
    for vol in ctx.graph.of_kind("railway_volume"):
        if vol.attrs.get("source") == "railway-iac" and in_scope(ctx.rule, vol):
            yield _iac_volume_unprotected(ctx, vol)
            continue
        if vol.attrs.get("source") != "terraform" or not in_scope(ctx.rule, vol):
            continue
        res = ctx.graph.nodes.get(vol.meta.get("resource"))
        if res is None:
            continue
        pd = prevent_destroy(res)
        addr = res.meta["address"]
        envs = " and ".join(vol.env_names) or "its environment"
        if isinstance(pd, Unknown):
            yield ctx.cannot_verify(res, "lifecycle.prevent_destroy", pd.reason)
            continue
        if truthy(pd) is True:
            continue
        site = res.meta["present"].get("lifecycle.prevent_destroy") if pd is not None else None
        msg = (f"{addr} carries volume {vol.name!r} (in {envs}) with no lifecycle {{ prevent_destroy = true }}: "
               f"Railway has no provider-side deletion protection, so a plan that replaces or destroys it deletes "
               f"the data and every volume backup")
        yield ctx.finding(res, msg, site or res.span, key=f"{res.span.path}|{addr}|prevent_destroy",
                          envs=vol.env_names)
