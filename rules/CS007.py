"""CS007: Long-lived key for a GCP service account with a basic role."""
from __future__ import annotations

from iaclint.engine.helpers import gcp_primitive_grants
from iaclint.model import Location


def check(ctx):
    """FAIL: google_service_account_key for a service account that holds roles/owner or roles/editor.
    PASS: a key-less service account (workload identity), or one with narrow roles."""
    broad_refs: dict = {}
    for n, role, members, _ in gcp_primitive_grants(ctx.graph):
        scope = (n.meta.get("root"), n.meta.get("context"), n.meta.get("module_path"))
        for ref in n.meta.get("refs") or []:
            if ref.startswith("google_service_account."):
                broad_refs.setdefault(scope + (".".join(ref.split(".")[:2]),), (n, role))
        for m in members:
            if isinstance(m, str) and m.startswith("serviceAccount:"):
                broad_refs.setdefault(scope + (m.split(":", 1)[1],), (n, role))
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
                             f"{role} ({grant.meta['address']}): whoever reads the key file can delete every "
                             f"database, bucket and disk of the project until the key is deleted — use workload "
                             f"identity or narrow the roles", k.span,
                          related=[Location(grant.span, f"{grant.meta['address']} grants {role}")],
                          key=f"{k.span.path}|{k.meta['address']}|broadkey")
