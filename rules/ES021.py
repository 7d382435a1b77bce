"""ES021: Non-production Terragrunt unit's input names a production data store."""
from __future__ import annotations

import re

from iaclint.engine.helpers import datastore_target, names_production, non_production
from iaclint.graph.identity import strings_in

# input names that hold a data store's identity (a name, id, ARN, endpoint or URL)
_STORE_KEY = re.compile(r"(^|_)(identifier|bucket|table|database|db|volume|cluster|endpoint|host|url|arn|snapshot|"
                        r"efs|file_system|filesystem|instance)(_|$)", re.I)


def check(ctx):
    """FAIL: stage/app/terragrunt.hcl with inputs = { db_identifier = "orders-prod" }.
    PASS: the staging unit names orders-stage."""
    for n in ctx.each(ctx.graph.of_kind("terragrunt_unit")):
        if not non_production(n):
            continue
        for key, value in sorted((n.attrs.get("inputs") or {}).items()):
            for path, s in strings_in({key: value}):
                last = path.split(".")[-1]
                if not (_STORE_KEY.search(last) or datastore_target(s)):
                    continue
                if not names_production(datastore_target(s) or s):
                    continue
                envs = ", ".join(n.env_names)
                site = (n.origins.get(f"inputs.{key}") or [n.span])[0]
                yield ctx.finding(n, f"Terragrunt unit {n.meta['dir']} in {envs} sets input {path} = {s!r}, which "
                                     f"names a production data store: {envs} is wired to production data, so a "
                                     f"{envs} change or agent task acts on it", site,
                                  key=f"{n.span.path}|tginput|{path}", envs=sorted(set(n.env_names) | {"production"}))
                break
