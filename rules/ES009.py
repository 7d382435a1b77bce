"""ES009: One data store reached from production and another environment."""
from __future__ import annotations

from iaclint.engine.helpers import names_production
from iaclint.graph.identity import ENV_VAR_SOURCES, TERRAGRUNT, is_global, shown, workspace_shared
from iaclint.model import Location


def covered_elsewhere(g, r, prod) -> bool:
    """A reference another case of the identity mechanism reports: env variables on both sides (ES001), a Railway
    volume mount (ES002), a lookup of a store production declares (ES004), a value whose host names production
    (ES005, ES021 for a Terragrunt input), a name repeated by every Terraform workspace (ES010). Not this rule's
    either: a Terragrunt input whose name is unique only in one account (a DB identifier, a table name: each
    environment's account may have its own), and one the unit's local module reports at the same line."""
    if r.role == "mounts":
        return True
    if r.source_kind == TERRAGRUNT and (not is_global(r.identity) or any(
            o.source_kind != TERRAGRUNT and o.span == r.span for o in g.identities.refs.get(r.identity, ()))):
        return True
    if r.role == "uses" and names_production(shown(r.identity).split("/")[0].split(":")[0]):
        return True
    if r.role == "uses" and r.source_kind in ENV_VAR_SOURCES and \
            any(p.role == "uses" and p.source_kind in ENV_VAR_SOURCES for p in prod):
        return True
    if r.role == "looks up" and any(p.role == "declares" for p in prod):
        return True
    return workspace_shared(g, r, prod) or r.role == "declares" and all(p.role == "declares" for p in prod)


def check(ctx):
    """FAIL: environments/staging/terraform.tfvars and environments/production/terraform.tfvars both set
    data_volume_id = "vol-0a1b2c3d4e5f60718", which aws_volume_attachment.volume_id uses in both roots.
    PASS: each environment attaches its own volume."""
    g = ctx.graph
    for ident, refs in g.identities.shared().items():
        prod = [r for r in refs if r.env.name == "production"]
        sites: dict = {}
        for r in refs:
            if r.env.name == "production" or r.node not in g.nodes or covered_elsewhere(g, r, prod):
                continue
            sites.setdefault((r.span.path, r.span.line, r.node), []).append(r)
        for (_path, _line, nid), rs in sites.items():
            n = next(iter(ctx.each([g.nodes[nid]])), None)
            if n is None:
                continue
            r = rs[0]
            p = next((x for x in prod if x.role == "declares"), prod[0])
            site = r.span
            if any(x.span == site for x in prod) and n.meta.get("callers"):
                site = n.meta["callers"][0]  # a module line both environments use: the non-production call
            envs = sorted({x.env.name for x in rs})
            e = ", ".join(envs)
            why_env = "; ".join(dict.fromkeys(x.env.reason for x in rs))
            yield ctx.finding(
                n, f"{r.why} in {e} ({why_env}) reaches {shown(ident)}, which production also reaches "
                   f"({p.role} by {p.why} at {p.span.path}:{p.span.line}): one data store for both environments, "
                   f"so a {e} change, clean-up, migration or agent task acts on production's data",
                site, related=[Location(p.span, f"production {p.role} the same data store here")],
                key=f"{r.span.path}|{r.why}|{ident}|sharedstore", envs=sorted(set(envs) | {"production"}))
