"""ES003: Non-production root reads production's Terraform state."""
from __future__ import annotations

from iaclint.engine.helpers import fix_site_of, names_production, non_production
from iaclint.graph.blast import fix_site
from iaclint.graph.identity import strings_in


def _remote_state_production(attrs) -> str | None:
    ws = attrs.get("workspace")
    if names_production(ws):
        return f"workspace = {ws!r}"
    config = attrs.get("config")
    for path, s in strings_in(config if isinstance(config, dict) else {}, "config"):
        if names_production(s):
            return f"{path} = {s!r}"
    return None


def _state_site(n, attr):
    """The line naming production: a tfvars / caller line when the value comes from outside, else the `key` /
    `prefix` / `workspaces` line inside `config = { … }` (its own line, not the `config` header)."""
    parts = attr.split(".")
    present = n.meta.get("present") or {}
    for i in range(len(parts), 1, -1):  # config.workspaces.name -> config.workspaces (one level is recorded)
        a = ".".join(parts[:i])
        if a in n.origins:
            site = fix_site(n, a)
            return present.get(a, site) if site == n.span else site
    return fix_site_of(n, attr)


def check(ctx):
    """FAIL: data "terraform_remote_state" in a staging root with config.key = "production/terraform.tfstate".
    PASS: the staging root reads staging state."""
    for n in ctx.each(ctx.graph.of_type("terraform_remote_state")):
        if n.kind != "tf_data" or not non_production(n):
            continue
        why = _remote_state_production(n.attrs)
        if not why:
            continue
        attr = "workspace" if why.startswith("workspace") else why.split(" = ")[0]
        envs = ", ".join(n.env_names)
        yield ctx.finding(n, f"{n.meta['address']} in {envs} reads production's Terraform state ({why}): {envs} "
                             f"configuration is wired to production resources (their ids, endpoints and "
                             f"credentials), so a {envs} change or agent task acts on production",
                          _state_site(n, attr), key=f"{n.span.path}|{n.meta['address']}|prodstate",
                          envs=sorted(set(n.env_names) | {"production"}))
