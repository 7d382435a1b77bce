"""CS007: Long-lived key for a GCP service account with a broad role."""
from __future__ import annotations

from iaclint.graph.grants import gcp_grants
from iaclint.model import Location


def check(ctx):
    """FAIL: google_service_account_key for a service account that holds roles/owner, roles/editor, an admin role
    that deletes data (roles/storage.admin…) or a token-creator role on the project, folder or organization.
    PASS: a key-less service account (workload identity), or one with narrow roles."""
    broad_refs: dict = {}
    for g in gcp_grants(ctx.graph):
        if g.scope == "service account":
            continue
        n, role, members = (g.via or g.node), g.role, g.extra["members"]
        scope = (n.meta.get("root"), n.meta.get("context"), n.meta.get("module_path"))
        for ref in (g.node.meta.get("refs") or []) + (n.meta.get("refs") or []):
            if ref.startswith("google_service_account."):
                broad_refs.setdefault(scope + (".".join(ref.split(".")[:2]),), (g.node, role))
        for m in members:
            if isinstance(m, str) and m.startswith("serviceAccount:"):
                broad_refs.setdefault(scope + (m.split(":", 1)[1],), (g.node, role))
    for k in ctx.graph.of_type("google_service_account_key"):
        if k.kind != "tf_resource":
            continue
        scope = (k.meta.get("root"), k.meta.get("context"), k.meta.get("module_path"))
        hit = None
        for ref in k.meta.get("refs") or []:
            if ref.startswith("google_service_account."):
                hit = hit or broad_refs.get(scope + (".".join(ref.split(".")[:2]),))
        sa = k.attrs.get("service_account_id")
        if isinstance(sa, str):
            hit = hit or broad_refs.get(scope + (sa.rsplit("/", 1)[-1],))
        if hit is None:
            continue
        grant, role = hit
        yield ctx.finding(k, f"{k.meta['address']} creates a long-lived JSON key for a service account that holds "
                             f"{role} ({grant.meta['address']}): the key sits in Terraform state, and whoever reads it "
                             f"can do what {role} allows until the key is deleted — use workload "
                             f"identity or narrow the roles", k.span,
                          related=[Location(grant.span, f"{grant.meta['address']} grants {role}")],
                          key=f"{k.span.path}|{k.meta['address']}|broadkey")
