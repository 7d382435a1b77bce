"""ES008: Railway service exists in every environment and holds production secrets."""
from __future__ import annotations

import re

from iaclint.engine.helpers import datastore_target, production_env_refs
from iaclint.graph.blast import fix_site
from iaclint.model import Location
from iaclint.terraform.values import Unknown


_SECRET_VAR_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY|_KEY$|_DSN$|"
                              r"DATABASE_URL|CONNECTION_STRING|CREDENTIALS)", re.I)


def _ref_expr(n, attr) -> str:
    """The module-qualified reference an attribute holds (`railway_service.api.id`), or ""."""
    v = n.attrs.get(attr)
    expr = v.reason.split(" ", 1)[0] if isinstance(v, Unknown) else ""
    mp = n.meta.get("module_path") or ""
    return f"{mp}.{expr}" if mp and expr else expr


def production_secret(name, value) -> str | None:
    """Why NAME = VALUE is production's secret or data, or None: a catalogue credential, a data-store URL, or a
    literal under a secret-looking name. References (${{ Postgres.DATABASE_URL }}) and placeholders are not."""
    from iaclint.graph import credentials as creds

    if not isinstance(value, str) or creds.is_placeholder(value):
        return None
    m = creds.match_value(name if isinstance(name, str) else "", value)
    if m is not None:
        return f"a {m.kind.title} ({m.redacted})"
    target = datastore_target(value)
    if target:
        return f"a connection to the data store {target}"
    if isinstance(name, str) and _SECRET_VAR_NAME.search(name) and len(value) >= 8 and " " not in value.strip():
        return "a secret"
    return None


def _service_variables(graph, svc):
    """(variable node, name, why, site) for each production secret written for SVC: railway_variable /
    railway_variable_collection whose service_id is SVC and whose environment_id is a production environment."""
    key = (svc.meta.get("root"), svc.meta.get("context"))
    prod = {addr for (r, c, addr) in production_env_refs(graph) if (r, c) == key}
    out = []
    for v in graph.of_type("railway_variable", "railway_variable_collection"):
        if v.kind != "tf_resource" or (v.meta.get("root"), v.meta.get("context")) != key:
            continue
        if not _ref_expr(v, "service_id").startswith(svc.meta["address"] + "."):
            continue
        env_ref = _ref_expr(v, "environment_id")
        if not any(env_ref.startswith(a + ".") for a in prod):
            continue
        present = v.meta.get("present") or {}
        if v.type == "railway_variable":
            pairs = [(v.attrs.get("name"), v.attrs.get("value"), "value")]
        else:
            items = v.attrs.get("variables")
            pairs = [(x.get("name"), x.get("value"), "variables") for x in items if isinstance(x, dict)] \
                if isinstance(items, list) else []
        for name, value, attr in pairs:
            why = production_secret(name, value)
            if why:
                out.append((v, name, why, fix_site(v, attr) if attr == "value" else
                            (present.get("variables.value") or present.get("variables") or v.span)))
    return out


def check(ctx):
    """FAIL: community-provider railway_service (no environment argument) in a project with production and staging,
    with a railway_variable holding a production secret or database URL written for the production environment.
    PASS: one project per environment; variables that reference Railway-provided values (${{ Postgres.… }})."""
    for svc in ctx.graph.of_type("railway_service"):
        if svc.kind != "tf_resource" or not svc.meta.get("all_environments"):
            continue
        envs = svc.env_names
        others = [e for e in envs if e != "production"]
        if "production" not in envs or not others:
            continue
        found = _service_variables(ctx.graph, svc)
        if not found:
            continue
        v0, name0, why0, site0 = found[0]
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        other = " and ".join(others)
        reason = next((e.reason for e in svc.envs if e.name != "production"), "")
        yield ctx.finding(
            svc,
            f"{svc.meta['address']} is created with no environment, so the same service exists in production and "
            f"{other} (its project also has environment {reason.split('including ')[-1]}); production's variable "
            f"{name0} holds {why0} "
            f"({site0.path}:{site0.line}){more}: an action on the service from {other} — deleting it, changing "
            f"its source or settings, an agent's serviceDelete with the service id — reaches the instance that runs "
            f"with production's secrets and data; give production its own Railway project",
            svc.span, related=[Location(site, f"production's {name} ({why.split(' (')[0]})")
                               for _v, name, why, site in found],
            key=f"{svc.span.path}|{svc.meta['address']}|allenvs", envs=envs)
