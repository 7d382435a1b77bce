"""CS021: Production Azure storage account holding data with shared-key access on."""
from __future__ import annotations

from iaclint.graph.blast import fix_site
from iaclint.graph.queries import refers_to, siblings
from iaclint.terraform.values import Unknown

DATA_CHILDREN = ("azurerm_storage_container", "azurerm_storage_share", "azurerm_storage_table",
                 "azurerm_storage_queue", "azurerm_storage_data_lake_gen2_filesystem", "azurerm_storage_blob",
                 "azurerm_storage_share_file", "azurerm_storage_table_entity")


def _holds_data(ctx, n) -> list:
    """The containers, shares, tables, queues and filesystems of this configuration stored in account N."""
    name = n.attrs.get("name")
    return [c for c in siblings(ctx.graph, n, *DATA_CHILDREN)
            if refers_to(c, n) or (isinstance(name, str) and c.attrs.get("storage_account_name") == name)]


def check(ctx):
    """FAIL: a production azurerm_storage_account with a container, share, table or queue in the configuration and
    shared_access_key_enabled unset (it defaults to true) or true.
    An account of no known environment (no path, tfvars, workspace, tag or name says one) is possibly production:
    reported at low severity, saying "environment unknown; treat as production".
    PASS: shared_access_key_enabled = false (Entra ID authorization only); a staging account; an account with no
    data resource in the configuration."""
    envs = ctx.graph.ctx.envs
    for n in ctx.each(ctx.graph.of_type("azurerm_storage_account")):
        if n.kind != "tf_resource":
            continue
        names = [v for v in (n.attrs.get("name"), n.attrs.get("resource_group_name")) if isinstance(v, str)]
        known = set(n.env_names) | {e for v in names if (e := envs.from_token_string(v))}
        if known and "production" not in known:
            continue
        unknown = not known  # an environment iaclint cannot name is possibly production
        v = n.attrs.get("shared_access_key_enabled", True)
        if v is False or v is None:
            continue
        data = _holds_data(ctx, n)
        if not data:
            continue
        if isinstance(v, Unknown):
            yield ctx.cannot_verify(n, "shared_access_key_enabled", v.reason, fix_site(n, "shared_access_key_enabled"))
            continue
        how = "is true" if "shared_access_key_enabled" in n.meta.get("present", {}) else "is unset (default: true)"
        site = fix_site(n, "shared_access_key_enabled")
        whose = "data (environment unknown; treat as production)" if unknown else "production data"
        yield ctx.finding(n, f"{n.meta['address']} holds {whose} ({data[0].meta['address']}"
                             f"{f' and {len(data) - 1} more' if len(data) > 1 else ''}) and shared_access_key_enabled "
                             f"{how}: each of its two account keys, and every SAS signed with one, is a credential "
                             f"that can delete every container, share and table in it — set "
                             f"shared_access_key_enabled = false and authorize with Entra ID roles", site,
                          severity="low" if unknown else None, key=f"{n.span.path}|{n.meta['address']}|sharedkey")
