"""BK005: AWS Backup plan rule without a copy to another region or account."""
from __future__ import annotations

from iaclint.engine.helpers import blocks, resources, vault_lock
from iaclint.graph.queries import referenced, siblings
from iaclint.model import Location
from iaclint.terraform.values import render


def check(ctx):
    """FAIL: aws_backup_plan rule without copy_action.  PASS: every rule copies to another vault, or backs up
    into a vault an aws_backup_vault_lock_configuration locks."""
    g = ctx.graph
    for plan in resources(ctx, "aws_backup_plan"):
        addr = plan.meta["address"]
        rules = blocks(plan.attrs.get("rule"))
        if not rules:
            continue
        rule_site = plan.meta.get("present", {}).get("rule")
        for rule in rules:
            cas = blocks(rule.get("copy_action"))
            dyn = next((c for c in cas if "__dynamic_unknown__" in c), None)
            name = rule.get("rule_name")
            label = f"rule {name!r}" if isinstance(name, str) else "a rule"
            if dyn is not None:
                yield ctx.cannot_verify(plan, f"copy_action of {label}", dyn["__dynamic_unknown__"],
                                        plan.meta.get("present", {}).get("rule.copy_action"))
                break
            target = rule.get("target_vault_name")
            if _locked_target(g, plan, target):
                continue  # recovery points no principal can delete before their retention ends
            if cas:
                same = [c for c in cas if isinstance(c.get("destination_vault_arn"), str) and isinstance(target, str)
                        and c["destination_vault_arn"].rstrip("/").endswith(":" + target)]
                local = [v for v in (_same_domain_vault(g, plan, target, c) for c in cas) if v is not None]
                if same:
                    what = f"its copy_action goes back to the source vault {target!r}"
                elif len(local) == len(cas):
                    what = (f"its copy_action goes to {local[0].meta['address']}, created through the same "
                            f"provider configuration (same region and account) as the source vault")
                else:
                    continue
            else:
                what = "it has no copy_action"
            msg = (f"{addr} {label} keeps recovery points only in {render(target) if target is not None else 'its vault'}"
                   f" — {what}: the backups stay in the data's account and region, so one regional outage or "
                   f"one compromised account destroys data and backups together")
            related = [Location(rule_site, "backup rule")] if rule_site else []
            vaults = [v for v in referenced(g, plan, "aws_backup_vault")]
            related += [Location(v.span, "target vault") for v in vaults[:1]]
            yield ctx.finding(plan, msg, plan.span, related=related, key=f"{plan.span.path}|{addr}|copy|{name}")
            break


def _locked_target(g, plan, target) -> bool:
    """Is the rule's target vault (by name, among the plan's references or its root's vaults) locked?"""
    if not isinstance(target, str):
        return False
    vaults = referenced(g, plan, "aws_backup_vault") + siblings(g, plan, "aws_backup_vault")
    return any(v.type == "aws_backup_vault" and v.attrs.get("name") == target and vault_lock(g, v) is True
               for v in vaults)


def _provider_key(g, node) -> str:
    """The provider configuration a resource block names (``provider = aws.dr``), "aws" when it names none."""
    facts = g.facts.get(node.span.path)
    return (facts.providers or {}).get(node.span.line, "aws") if facts is not None else "aws"


def _provider_region(g, node, key: str):
    """(region, assume_role, profile) of the provider configuration KEY in node's root and environment, or None."""
    alias = key.split(".", 1)[1] if "." in key else None

    def build():  # (root, context) -> that context's aws provider configurations, in graph order
        idx: dict = {}
        for p in g.of_kind("tf_provider"):
            if p.type == "aws":
                idx.setdefault((p.meta.get("root"), p.meta.get("context")), []).append(p)
        return idx
    for p in g.derived("BK005 aws providers", build).get((node.meta.get("root"), node.meta.get("context")), ()):
        if p.attrs.get("alias") == alias:
            region = p.attrs.get("region")
            if isinstance(region, str):
                return region, render(p.attrs.get("assume_role")), render(p.attrs.get("profile"))
    return None


def _same_domain_vault(g, plan, target, copy_action):
    """The destination vault of COPY_ACTION when it is created through the same provider configuration as the
    rule's target vault (or one with the same known region and credentials), in the same module: the copy stays
    in the source's region and account. None otherwise, or when iaclint cannot tell."""
    dest = copy_action.get("destination_vault_arn")
    source = getattr(dest, "source", None)
    if not isinstance(target, str) or not isinstance(source, str):
        return None
    vaults = referenced(g, plan, "aws_backup_vault") + siblings(g, plan, "aws_backup_vault")
    src = next((v for v in vaults if v.type == "aws_backup_vault" and v.attrs.get("name") == target), None)
    dst = next((v for v in vaults if v.type == "aws_backup_vault" and v.meta.get("address") == source), None)
    if src is None or dst is None or src is dst or src.meta.get("module_path") != dst.meta.get("module_path"):
        return None
    ks, kd = _provider_key(g, src), _provider_key(g, dst)
    if ks == kd:
        return dst
    rs, rd = _provider_region(g, src, ks), _provider_region(g, dst, kd)
    return dst if rs is not None and rs == rd else None
