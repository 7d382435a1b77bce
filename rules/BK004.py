"""BK004: AWS Backup vault without a vault lock."""
from __future__ import annotations

from iaclint.engine.helpers import resources
from iaclint.graph.queries import refers_to, siblings
from iaclint.terraform.values import Unknown


def check(ctx):
    """FAIL: aws_backup_vault with no aws_backup_vault_lock_configuration.  PASS: a lock referencing it."""
    g = ctx.graph
    for vault in resources(ctx, "aws_backup_vault"):
        name = vault.attrs.get("name")
        locked = False
        unknown = None
        for lock in siblings(g, vault, "aws_backup_vault_lock_configuration"):
            if refers_to(lock, vault):
                locked = True
                break
            ln = lock.attrs.get("backup_vault_name")
            if isinstance(ln, str) and isinstance(name, str) and ln == name:
                locked = True
                break
            if isinstance(ln, Unknown) and not lock.meta.get("refs"):
                unknown = ln
        if locked:
            continue
        if unknown is not None:
            yield ctx.cannot_verify(vault, "whether a vault lock applies", unknown.reason)
            continue
        addr = vault.meta["address"]
        msg = (f"{addr} has no aws_backup_vault_lock_configuration: any principal allowed to delete recovery "
               f"points (the same credentials that can delete the data) can empty the vault")
        yield ctx.finding(vault, msg, key=f"{vault.span.path}|{addr}|vault-lock")
