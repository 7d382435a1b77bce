"""BK004: AWS Backup vault without a vault lock."""
from __future__ import annotations

from iaclint.engine.helpers import resources, vault_lock


def check(ctx):
    """FAIL: aws_backup_vault with no aws_backup_vault_lock_configuration.  PASS: a lock referencing it."""
    for vault in resources(ctx, "aws_backup_vault"):
        locked = vault_lock(ctx.graph, vault)
        if locked is True:
            continue
        if locked is not None:
            yield ctx.cannot_verify(vault, "whether a vault lock applies", locked.reason)
            continue
        addr = vault.meta["address"]
        msg = (f"{addr} has no aws_backup_vault_lock_configuration: any principal allowed to delete recovery "
               f"points (the same credentials that can delete the data) can empty the vault")
        yield ctx.finding(vault, msg, key=f"{vault.span.path}|{addr}|vault-lock")
