"""CS004: IAM policy grants service-wide or destructive actions on every resource."""
from __future__ import annotations

import re

from iaclint.engine.helpers import POLICY_ATTRS, as_list, resources, statements
from iaclint.graph.blast import fix_site
from iaclint.terraform.values import Unknown


# actions that destroy or overwrite data (or switch off its protection) when granted on every resource
DESTRUCTIVE_VERB = re.compile(r"^[a-z0-9\-]+:(\*|Delete\w*\*?|Put\w*\*?|Terminate\w*|Remove\w*|Modify\w*|Drop\w*|"
                              r"Purge\w*|Empty\w*|Truncate\w*|Restore\w*|BatchWrite\w*|BatchDelete\w*)$")


def wildcard_resource_actions(effect, actions, resources) -> list:
    """Actions that are service-wide or destructive, granted on every resource ("*"); [] when none."""
    if effect != "Allow" or "*" not in as_list(resources):
        return []
    acts = [a for a in as_list(actions) if isinstance(a, str)]
    if "*" in acts:
        return []  # CS003's business
    return [a for a in acts if DESTRUCTIVE_VERB.match(a)]


def _policy_statements(n):
    """[(index, effect, actions, resources, site)] of an IAM policy resource or aws_iam_policy_document."""
    out = []
    if n.kind == "tf_resource" and n.type in POLICY_ATTRS:
        attr = POLICY_ATTRS[n.type]
        doc = n.attrs.get(attr)
        if isinstance(doc, Unknown) or doc is None or _from_policy_document(n):
            return out
        site = (n.origins.get(attr) or [n.span])[0]
        for i, st in enumerate(statements(doc)):
            if isinstance(st, dict):
                out.append((i, st.get("Effect", "Allow"), st.get("Action"), st.get("Resource"), site))
    elif n.kind == "tf_data" and n.type == "aws_iam_policy_document":
        for i, st in enumerate(n.attrs.get("statement", []) or []):
            if not isinstance(st, dict):
                continue
            site = fix_site(n, "statement.resources", "statement.actions")
            out.append((i, st.get("effect", "Allow"), st.get("actions"), st.get("resources"), site))
    return out


def _from_policy_document(n) -> bool:
    """The policy is rendered from an aws_iam_policy_document (reported there, at the statement's line)."""
    return any(r.startswith("data.aws_iam_policy_document.") for r in n.meta.get("refs") or [])


def check(ctx):
    """FAIL: actions ["s3:*"] or ["s3:DeleteObject"] on resources ["*"].
    PASS: the same actions on the service's own bucket ARN; read-only actions (Describe*, List*) on "*"."""
    for n in ctx.graph.of_kind("tf_resource", "tf_data"):
        for i, eff, acts, res, site in _policy_statements(n):
            bad = wildcard_resource_actions(eff, acts, res)
            if not bad:
                continue
            shown = ", ".join(bad[:4]) + (f" and {len(bad) - 4} more" if len(bad) > 4 else "")
            svc = sorted({a.split(":", 1)[0] for a in bad})
            yield ctx.finding(n, f"{n.meta['address']} statement {i + 1} grants {shown} on every resource (\"*\"): "
                                 f"whoever holds this principal's credentials can delete or overwrite every "
                                 f"{'/'.join(svc)} resource in the account, in every environment — scope it to this "
                                 f"service's own ARNs", site, key=f"{n.span.path}|{n.meta['address']}|wildres|{i}")
