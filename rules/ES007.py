"""ES007: Railway environment forked from production."""
from __future__ import annotations

from iaclint.engine.helpers import production_env_refs
from iaclint.graph.blast import fix_site
from iaclint.terraform.values import Unknown


def check(ctx):
    """FAIL: railway_environment "staging" with source_environment_id = railway_project.app.default_environment.id
    (production); railway_project with has_pr_deploys = true whose default environment is production.
    PASS: an environment created empty, or forked from another non-production one; PR deploys in a project
    whose default environment is not production."""
    prod = production_env_refs(ctx.graph)
    yield from _pr_environments(ctx, prod)
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


def _pr_environments(ctx, prod):
    """A project with PR deploys: Railway forks each pull request's environment from the project's base
    environment — production, when production is the project's default environment."""
    for n in ctx.each(ctx.graph.of_type("railway_project")):
        if n.kind != "tf_resource" or n.attrs.get("has_pr_deploys") is not True:
            continue
        name = prod.get((n.meta.get("root"), n.meta.get("context"), n.meta["address"]))
        if name is None:
            continue
        yield ctx.finding(n, f"{n.meta['address']} has PR deploys, and its default environment is production "
                             f"({name!r}): every pull request gets an environment forked from production, with "
                             f"production's variables — secrets and database URLs included — so every PR deploy, "
                             f"and whoever can open a pull request, runs against production's data; give production "
                             f"its own project, or base PR environments on a staging environment",
                          fix_site(n, "has_pr_deploys"), key=f"{n.span.path}|{n.meta['address']}|prdeploys",
                          envs=["preview", "production"])
