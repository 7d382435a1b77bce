"""CS003: IAM policy allows every action on every resource."""
from __future__ import annotations

from iaclint.engine.helpers import as_list, blocks
from iaclint.graph.aws_policies import POLICY_ATTRS, statements
from iaclint.graph.grants import is_admin_statement
from iaclint.terraform.values import Unknown


def check(ctx):
    """FAIL: Statement {Effect=Allow, Action="*", Resource="*"}. PASS: scoped actions or resources."""
    for n in ctx.each(ctx.graph.of_kind("tf_resource", "tf_data")):
        if n.kind == "tf_resource" and n.type in POLICY_ATTRS:
            attr = POLICY_ATTRS[n.type]
            doc = n.attrs.get(attr)
            if isinstance(doc, Unknown) or doc is None:
                continue
            if any(is_admin_statement(s) for s in statements(doc)):
                site = (n.origins.get(attr) or [n.span])[0]
                yield ctx.finding(n, f"{n.meta['address']} allows every action (\"*\") on every resource (\"*\"): "
                                     f"administrator access — any credential of this principal can delete every "
                                     f"database, bucket and backup in the account", site,
                                  key=f"{n.span.path}|{n.meta['address']}|admin")
        elif n.kind == "tf_data" and n.type == "aws_iam_policy_document":
            for i, st in enumerate(blocks(n.attrs.get("statement"))):
                eff = st.get("effect", "Allow")
                acts = as_list(st.get("actions"))
                res = as_list(st.get("resources"))
                if eff == "Allow" and "*" in acts and "*" in res:
                    site = (n.origins.get("statement.actions") or [n.meta["present"].get("statement") or n.span])[0]
                    yield ctx.finding(n, f"{n.meta['address']} statement {i + 1} allows every action (\"*\") on every "
                                         f"resource (\"*\"): administrator access", site,
                                      key=f"{n.span.path}|{n.meta['address']}|admin|{i}")
