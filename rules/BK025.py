"""BK025: Azure storage account used for backups without immutable storage."""
from __future__ import annotations

import re

from iaclint.engine.helpers import blocks, resources
from iaclint.graph.queries import refers_to, siblings
from iaclint.model import Location

BACKUP_WORDS = re.compile(r"backups?|bkp|snapshots?|dumps?", re.I)


def _is_backup_account(acct) -> bool:
    """Named or tagged as a backup store. A guess, not a value the decision needs: a name or tags iaclint cannot know
    abstain (no cannot-verify finding)."""
    name = acct.attrs.get("name")
    if isinstance(name, str) and BACKUP_WORDS.search(name):
        return True
    tags = acct.attrs.get("tags")
    if isinstance(tags, dict):
        return any(isinstance(v, str) and re.search("backup", f"{k}={v}", re.I) for k, v in tags.items())
    return False


def _container_policies(graph, acct) -> list:
    """Container-level immutability policies on a container of this account."""
    containers = [c for c in siblings(graph, acct, "azurerm_storage_container") if refers_to(c, acct)]
    return [p for p in siblings(graph, acct, "azurerm_storage_container_immutability_policy")
            if any(refers_to(p, c) for c in containers) or refers_to(p, acct)]


def check(ctx):
    """FAIL: azurerm_storage_account "acmebackupsprod" with no immutability_policy.  PASS: an account-level
    immutability_policy, or an azurerm_storage_container_immutability_policy on one of its containers."""
    g = ctx.graph
    for acct in resources(ctx, "azurerm_storage_account"):
        if not _is_backup_account(acct):
            continue
        if blocks(acct.attrs.get("immutability_policy")):
            continue
        policies = _container_policies(g, acct)
        if policies:
            continue
        addr = acct.meta["address"]
        msg = (f"{addr} is named or tagged as a backup store but has no immutability_policy (account or container "
               f"level): the credentials that can delete the data can delete or overwrite every backup in it")
        related = [Location(c.span, "container of this account, with no immutability policy")
                   for c in siblings(g, acct, "azurerm_storage_container") if refers_to(c, acct)][:3]
        yield ctx.finding(acct, msg, related=related, key=f"{acct.span.path}|{addr}|immutability")
