"""ES020: Non-production Terragrunt unit depends on a production unit."""
from __future__ import annotations

from iaclint.engine.helpers import non_production
from iaclint.model import Location


def _target_env(ctx, dep):
    """(environment, the production unit's node or None) of the unit a dependency names."""
    node = ctx.graph.nodes.get(f"tg|{dep.target}/terragrunt.hcl" if dep.target else "tg|terragrunt.hcl")
    if node is not None:
        return ("production" if "production" in node.env_names else None), node
    r = ctx.graph.ctx.envs.from_path(f"{dep.target}/terragrunt.hcl")
    return (r[0] if r else None), None


def check(ctx):
    """FAIL: stage/app/terragrunt.hcl with dependency "db" { config_path = "../../prod/mysql" }.
    PASS: stage/app depends on ../mysql (the staging database)."""
    for n in ctx.each(ctx.graph.of_kind("terragrunt_unit")):
        if not non_production(n):
            continue
        for dep in n.meta.get("dependencies", []):
            if dep.target is None:
                continue
            env, target = _target_env(ctx, dep)
            if env != "production":
                continue
            envs = ", ".join(n.env_names)
            how = f'dependency "{dep.name}"' if dep.name else "dependencies"
            related = [Location(target.span, f"production unit {target.meta['dir']}")] if target else []
            yield ctx.finding(n, f"Terragrunt unit {n.meta['dir']} in {envs} depends on production unit "
                                 f"{dep.target} ({how}, {dep.raw!r}): {envs} is wired to production's outputs "
                                 f"(endpoints, ids, credentials) and runs after it, so a {envs} change or agent "
                                 f"task acts on production", dep.span, related=related,
                              key=f"{n.span.path}|tgdep|{dep.target}", envs=sorted(set(n.env_names) | {"production"}))
