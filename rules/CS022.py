"""CS022: GCP role that lets its holder act as other service accounts granted broadly."""
from __future__ import annotations

from iaclint.graph.grants import gcp_grants, reach_text


def _broad_accounts(grants) -> dict:
    """serviceAccount e-mail or google_service_account address -> a broad role it holds on a project/folder/org."""
    out: dict = {}
    for g in grants:
        if g.scope == "service account" or g.cls == "impersonate":
            continue
        for m in g.extra["members"]:
            if isinstance(m, str) and m.startswith("serviceAccount:"):
                out.setdefault(m.split(":", 1)[1], g.role)
        for r in (g.node.meta.get("refs") or []) + ((g.via.meta.get("refs") or []) if g.via else []):
            if r.startswith("google_service_account."):
                out.setdefault(".".join(r.split(".")[:2]), g.role)
    return out


def _target_role(g, broad: dict):
    """The broad role of the service account a google_service_account_iam_* grant is on, else None."""
    sid = g.scope_id or ""
    for key, role in broad.items():
        if key in sid:
            return role
    for r in g.node.meta.get("refs") or []:
        if ".".join(r.split(".")[:2]) in broad:
            return broad[".".join(r.split(".")[:2])]
    return None


def check(ctx):
    """FAIL: roles/iam.serviceAccountTokenCreator (or serviceAccountKeyAdmin, serviceAccountUser,
    workloadIdentityUser…) granted on a project, folder or organization — every service account in it — or on
    one service account that holds roles/owner, roles/editor or a data admin role.
    PASS: the role on one service account with narrow roles; roles/iam.serviceAccountViewer."""
    grants = gcp_grants(ctx.graph)
    broad = _broad_accounts(grants)
    for g in grants:
        if g.cls != "impersonate":
            continue
        if g.scope == "service account":
            role = _target_role(g, broad)
            if role is None:
                continue
            what = f"a service account that holds {role}: the holder becomes that identity"
        else:
            what = f"every service account of the {g.scope}: the holder can {g.can} and become the broadest of them"
        reach, related = reach_text(ctx.graph, g) if g.scope != "service account" else ("", [])
        via = f" (applied by {g.via.meta['address']})" if g.via is not None else ""
        yield ctx.finding(g.node, f"{g.node.meta['address']}{via} grants {g.role} to {g.principal} on {what}{reach} — "
                                  f"grant it on the one service account the workload must impersonate, and keep that "
                                  f"account narrow", g.site, related=related,
                          key=f"{g.node.span.path}|{g.node.meta['address']}|{g.role}|{g.site.line}")
