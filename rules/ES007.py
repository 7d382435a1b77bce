"""ES007: Railway environment forked from production."""
from __future__ import annotations

from iaclint.engine.helpers import production_env_refs
from iaclint.terraform.values import Unknown


def check(ctx):
    """FAIL: railway_environment "staging" with source_environment_id = railway_project.app.default_environment.id
    (production). PASS: an environment created empty, or forked from another non-production one."""
    prod = production_env_refs(ctx.graph)
    for n in ctx.each(ctx.graph.of_type("railway_environment")):
        if n.kind != "tf_resource" or "source_environment_id" not in (n.meta.get("present") or {}):
            continue
        name = n.attrs.get("name")
        if isinstance(name, str) and ctx.graph.ctx.envs.normalize_free(name) == "production":
            continue
        key = (n.meta.get("root"), n.meta.get("context"))
        mp = n.meta.get("module_path") or ""
        src = None
        v = n.attrs.get("source_environment_id")
        # the reference itself is kept only in the Unknown's reason ("railway_project.app.default_environment.id …")
        expr = v.reason.split(" ", 1)[0] if isinstance(v, Unknown) else ""
        for ref in n.meta.get("refs") or []:
            addr = ".".join(ref.split(".")[:2])
            full = f"{mp}.{addr}" if mp else addr
            if key + (full,) in prod and expr.startswith(addr + "."):
                src = (full, prod[key + (full,)])
        if src is None:
            continue
        site = n.meta["present"]["source_environment_id"]
        yield ctx.finding(n, f"{n.meta['address']} ({name if isinstance(name, str) else 'environment'}) is forked "
                             f"from production ({src[0]}, {src[1]!r}): Railway copies production's services, "
                             f"variables (secrets and database URLs included) and volume configuration into it, so "
                             f"it starts out pointing at production — create it empty or fork a staging environment",
                          site, key=f"{n.span.path}|{n.meta['address']}|forked",
                          envs=sorted({ctx.graph.ctx.envs.normalize_free(name) if isinstance(name, str) else "staging", "production"}))
