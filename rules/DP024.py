"""DP024: Railway project holding production without lifecycle prevent_destroy."""
from __future__ import annotations

from iaclint.engine.run import in_scope
from iaclint.graph.queries import prevent_destroy, siblings
from iaclint.terraform.values import Unknown, truthy


def check(ctx):
    """FAIL: railway_project (default environment "production") with no lifecycle.prevent_destroy.
    PASS: lifecycle { prevent_destroy = true }, or a project whose environments are all non-production."""
    for proj in ctx.graph.of_type("railway_project"):
        if proj.kind != "tf_resource" or not in_scope(ctx.rule, proj):
            continue
        names: list = []
        de = proj.attrs.get("default_environment")
        de = de[0] if isinstance(de, list) and de else de
        dname = de.get("name") if isinstance(de, dict) else None
        names.append(dname if dname is not None else "production")  # Railway's default environment
        for env in siblings(ctx.graph, proj, "railway_environment"):
            names.append(env.attrs.get("name"))
        unknown = next((n for n in names if isinstance(n, Unknown)), None)
        holds_prod = "production" in proj.env_names or any(
            isinstance(n, str) and ctx.graph.ctx.envs.normalize_free(n) == "production" for n in names)
        if not holds_prod and unknown is None:
            continue
        pd = prevent_destroy(proj)
        addr = proj.meta["address"]
        if isinstance(pd, Unknown):
            yield ctx.cannot_verify(proj, "lifecycle.prevent_destroy", pd.reason)
            continue
        if truthy(pd) is True:
            continue
        if not holds_prod:
            yield ctx.cannot_verify(proj, "whether the project holds production", unknown.reason)
            continue
        site = proj.meta["present"].get("lifecycle.prevent_destroy") if pd is not None else None
        msg = (f"{addr} holds the production environment and has no lifecycle {{ prevent_destroy = true }}: "
               f"destroying or replacing the project deletes every service, volume and volume backup in it")
        yield ctx.finding(proj, msg, site or proj.span, key=f"{proj.span.path}|{addr}|prevent_destroy")
