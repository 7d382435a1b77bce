"""CS006: GCP role that can delete data granted on a project, folder or organization."""
from __future__ import annotations

from iaclint.graph.grants import gcp_grants, reach_text


def check(ctx):
    """FAIL: google_project_iam_member role = "roles/owner" / "roles/editor" / "roles/storage.admin"; the same in a
    data "google_iam_policy" binding applied by google_project_iam_policy.
    PASS: predefined roles such as roles/cloudsql.client or roles/storage.objectViewer; an admin role on one bucket."""
    for g in gcp_grants(ctx.graph):
        if g.cls not in ("basic", "delete_data") or g.scope == "service account":
            continue
        kind = "basic" if g.cls == "basic" else "admin"
        via = f" (applied by {g.via.meta['address']})" if g.via is not None else ""
        reach, related = reach_text(ctx.graph, g)
        what = (f"can {g.can} — every Cloud SQL instance, bucket, disk and snapshot in the {g.scope}"
                if g.cls == "basic" else f"can {g.can} in the {g.scope}")
        yield ctx.finding(g.node, f"{g.node.meta['address']}{via} grants the {kind} role {g.role} on the {g.scope} "
                                  f"to {g.principal}: it {what}{reach} — grant the narrowest predefined role the "
                                  f"workload needs, on the resource it uses", g.site,
                          related=related,
                          key=f"{g.node.span.path}|{g.node.meta['address']}|{g.role}")
