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
                if not same:
                    continue
                what = f"its copy_action goes back to the source vault {target!r}"
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
