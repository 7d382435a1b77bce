"""ES007: Railway environment forked from production."""
from __future__ import annotations

from iaclint.engine.helpers import production_env_refs
from iaclint.graph.blast import fix_site
from iaclint.model import Location, Span
from iaclint.terraform.values import Unknown


def check(ctx):
    """FAIL: railway_environment "staging" with source_environment_id = railway_project.app.default_environment.id
    (production); railway_project with has_pr_deploys = true whose default environment is production.
    railway.json / railway.toml with environments.pr and no other environment than production; a PR environment's
    `railway environment config --json` export with production's variable values.
    PASS: an environment created empty, or forked from another non-production one; PR deploys in a project
    whose default environment is not production; a config that also names a staging environment."""
    prod = production_env_refs(ctx.graph)
    yield from _pr_environments(ctx, prod)
    yield from _pr_config(ctx)
    yield from _pr_exports(ctx)
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


def _pr_config(ctx):
    """Config as code with ``environments.pr`` (settings for PR environments) and no environment but production:
    the project's PR environments are forked from its base environment, production unless another is chosen."""
    envs = ctx.graph.ctx.envs
    for n in ctx.each(ctx.graph.of_kind("railway_config")):
        named = n.attrs.get("environments")
        if not isinstance(named, dict) or "pr" not in named:
            continue
        if any(envs.normalize_free(k) != "production" for k in named if k != "pr"):
            continue  # a staging environment to base PR environments on
        pr = ctx.graph.nodes.get(f"railway_env|{n.span.path}|pr")
        line = pr.span.line if pr is not None else 1
        yield ctx.finding(n, f"{n.span.path} configures PR environments (environments.pr) and names no environment "
                             f"but production: Railway forks each pull request's environment from the project's "
                             f"base environment — production unless another is chosen — with production's variables, "
                             f"secrets and database URLs included, so every PR deploy runs against production's data; "
                             f"base PR environments on a staging environment", Span(n.span.path, line),
                          key=f"{n.span.path}|environments.pr|prconfig", envs=["preview", "production"])


def _pr_exports(ctx):
    """A PR / preview environment's export whose variables hold production's values (data-store URLs, secrets):
    the environment was forked from production."""
    by_file: dict = {}
    prod: dict = {}
    for v in ctx.graph.of_kind("env_var"):
        if v.meta.get("file_kind") != "railway_env_config":
            continue
        vals = {x for x in (v.attrs.get("identity"), v.attrs.get("secret_fingerprint")) if x}
        if "production" in v.env_names:
            for x in vals:
                prod.setdefault(x, v)
        elif v.env_names == ["preview"] and vals:
            by_file.setdefault(v.span.path, []).append((v, vals))
    for path, vs in sorted(by_file.items()):
        same = [(v, prod[x]) for v, vals in vs for x in sorted(vals) if x in prod]
        v0 = next(iter(ctx.each([same[0][0]])), None) if same else None
        if v0 is None:
            continue
        names = ", ".join(dict.fromkeys(v.name for v, _ in same))
        p = same[0][1]
        yield ctx.finding(v0, f"the PR environment exported in {path} ({v0.envs[0].reason}) holds production's values "
                              f"for {names} (as production's {p.span.path}:{p.span.line}): it was forked from "
                              f"production, so the PR deploy — code nobody has reviewed yet — runs with production's "
                              f"secrets and data; base PR environments on a staging environment",
                          related=[Location(p.span, "production's value")], key=f"{path}|prexport",
                          envs=["preview", "production"])
