"""CS006: GCP basic role (owner/editor) granted."""
from __future__ import annotations

from iaclint.engine.helpers import PRIMITIVE_ROLES, gcp_primitive_grants


def check(ctx):
    """FAIL: google_project_iam_member role = "roles/owner" / "roles/editor".
    PASS: predefined roles such as roles/cloudsql.client or roles/storage.objectViewer."""
    for n, role, members, site in gcp_primitive_grants(ctx.graph):
        who = ", ".join(m for m in members if isinstance(m, str)) or "its members"
        scope = n.type.split("_")[1]
        yield ctx.finding(n, f"{n.meta['address']} grants {role} on the {scope} to {who}: the basic "
                             f"{PRIMITIVE_ROLES[role]} role can delete every Cloud SQL instance, bucket, disk and "
                             f"snapshot in the {scope} — grant the predefined roles the workload needs",
                          site, key=f"{n.span.path}|{n.meta['address']}|{role}")
