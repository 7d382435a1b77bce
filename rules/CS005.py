"""CS005: AWS managed AdministratorAccess attached (worst with access keys)."""
from __future__ import annotations

from iaclint.engine.helpers import as_list
from iaclint.model import Location


ADMIN_MANAGED = {"AdministratorAccess": "administrator access", "PowerUserAccess": "every service except IAM",
                 "IAMFullAccess": "IAM, so it can grant itself anything"}


def _principal(n):
    for attr, kind in (("user", "user"), ("role", "role"), ("group", "group")):
        v = n.attrs.get(attr)
        if isinstance(v, str):
            return kind, v
    return None, None


def _users_with_keys(graph) -> dict:
    """IAM user name -> [aws_iam_access_key nodes], per (root, context)."""
    out: dict = {}
    for k in graph.of_type("aws_iam_access_key"):
        if k.kind != "tf_resource" or k.attrs.get("status", "Active") == "Inactive":
            continue
        u = k.attrs.get("user")
        if isinstance(u, str):
            out.setdefault((k.meta.get("root"), k.meta.get("context"), u), []).append(k)
    return out


def check(ctx):
    """FAIL: aws_iam_user_policy_attachment of arn:aws:iam::aws:policy/AdministratorAccess (worse when the user
    has an aws_iam_access_key). PASS: a customer-managed policy scoped to the service."""
    keys = _users_with_keys(ctx.graph)
    for n in ctx.each(ctx.graph.of_kind("tf_resource")):
        arns = []
        if n.type in ("aws_iam_user_policy_attachment", "aws_iam_role_policy_attachment",
                      "aws_iam_group_policy_attachment", "aws_iam_policy_attachment"):
            arns = [("policy_arn", n.attrs.get("policy_arn"))]
        elif n.type == "aws_iam_role":
            arns = [("managed_policy_arns", a) for a in as_list(n.attrs.get("managed_policy_arns"))]
        elif n.type in ("aws_iam_role_policy_attachments_exclusive", "aws_iam_user_policy_attachments_exclusive"):
            arns = [("policy_arns", a) for a in as_list(n.attrs.get("policy_arns"))]
        for attr, arn in arns:
            if not isinstance(arn, str) or not arn.startswith("arn:aws:iam::aws:policy/"):
                continue
            pol = arn.rsplit("/", 1)[-1]
            if pol not in ADMIN_MANAGED:
                continue
            kind, who = _principal(n)
            if n.type == "aws_iam_role":
                kind, who = "role", n.attrs.get("name") if isinstance(n.attrs.get("name"), str) else n.name
            principal = f"{kind} {who!r}" if who else "the principal"
            msg = f"{n.meta['address']} attaches the AWS managed {pol} ({ADMIN_MANAGED[pol]}) to {principal}"
            related = []
            ukeys = keys.get((n.meta.get("root"), n.meta.get("context"), who), []) if kind == "user" else []
            if ukeys:
                msg += (f", which has a long-lived access key ({ukeys[0].meta['address']}): anyone who reads that key "
                        f"can delete every database, bucket, snapshot and backup vault in the account")
                related = [Location(k.span, f"{k.meta['address']}: long-lived access key of {who}") for k in ukeys]
            else:
                msg += ": any credential of this principal can delete every database, bucket and backup in the account"
            yield ctx.finding(n, msg, n.span, related=related, key=f"{n.span.path}|{n.meta['address']}|{pol}")
