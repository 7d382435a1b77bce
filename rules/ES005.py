"""ES005: Non-production configuration points at a production data store."""
from __future__ import annotations

from iaclint.engine.helpers import (
    datastore_target,
    fix_site_of,
    names_production,
    non_production,
    shared_identities,
)
from iaclint.graph.identity import DATA_SCHEMES, strings_in


def check(ctx):
    """FAIL: .env.staging DATABASE_URL=postgresql://…@orders-prod.abc.rds.amazonaws.com/orders; a staging
    railway_variable whose value points at db.production.internal. PASS: staging hosts; production files."""
    shared = shared_identities(ctx.graph)
    for n in ctx.each(ctx.graph.of_kind("env_var")):
        if not non_production(n) or n.attrs.get("example") or n.attrs.get("identity") in shared:
            continue
        ident = n.attrs.get("identity")
        if not ident:
            continue
        target = ident.split("://", 1)[-1].rstrip("/").rstrip(":")
        if not names_production(target.split("/")[0].split(":")[0] if ident.startswith(DATA_SCHEMES) else target):
            continue
        envs = ", ".join(n.env_names)
        yield ctx.finding(n, f"{n.name} in {envs} points at {target}, a production data store: a "
                             f"{envs} migration, test run or agent task changes production data",
                          key=f"{n.span.path}|{n.name}|prodhost", envs=sorted(set(n.env_names) | {"production"}))
    for n in ctx.each(ctx.graph.of_kind("tf_resource")):
        if not non_production(n):
            continue
        for path, s in strings_in(n.attrs):
            target = datastore_target(s)
            if not target or not names_production(target):
                continue
            envs = ", ".join(n.env_names)
            yield ctx.finding(n, f"{n.meta['address']} in {envs} points {path} at {target}, a production data store: "
                                 f"{envs} reads and writes production data", fix_site_of(n, path),
                              key=f"{n.span.path}|{n.meta['address']}|prodhost",
                              envs=sorted(set(n.env_names) | {"production"}))
            break
