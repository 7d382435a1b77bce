"""CS005: Administrator policy attached to an AWS principal or permission set (worst with access keys)."""
from __future__ import annotations

from iaclint.graph.blast import fix_site
from iaclint.graph.grants import (
    AWS_ADMIN_MANAGED,
    admin_policy,
    aws_managed_admin,
    managed_policy_arns,
)
from iaclint.graph.queries import referenced
from iaclint.model import Location


def _principal(n):
    for attr, kind in (("user", "user"), ("role", "role"), ("group", "group")):
        v = n.attrs.get(attr)
        if isinstance(v, str):
            return kind, v
    if n.type == "aws_iam_role":
        return "role", n.attrs.get("name") if isinstance(n.attrs.get("name"), str) else n.name
    if n.type.startswith("aws_ssoadmin"):
        return "permission set", None
    return None, None


def _users_with_keys(graph) -> dict:
    """(root, context, IAM user name) -> [active aws_iam_access_key nodes]."""
    out: dict = {}
    for k in graph.of_type("aws_iam_access_key"):
        if k.kind != "tf_resource" or k.attrs.get("status", "Active") == "Inactive":
            continue
        u = k.attrs.get("user")
        if isinstance(u, str):
            out.setdefault((k.meta.get("root"), k.meta.get("context"), u), []).append(k)
    return out


def _admin_users(graph) -> dict:
    """(root, context, user name) -> why the user is an administrator, for routes other than a directly attached
    AWS managed admin policy (whose finding names the keys): an inline "*" policy, an attached customer policy
    that allows "*" on "*", membership of an administrator group."""
    by_ctx: dict = {}
    admin_groups = set()
    for n in graph.of_kind("tf_resource"):
        key = (n.meta.get("root"), n.meta.get("context"))
        why = None
        if n.type in ("aws_iam_user_policy", "aws_iam_group_policy") and admin_policy(n):
            why = f"its inline policy {n.meta['address']} allows \"*\" on \"*\""
        elif n.type in ("aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment"):
            pol = next((p for p in referenced(graph, n, "aws_iam_policy") if admin_policy(p)), None)
            if pol is None and aws_managed_admin(n.attrs.get("policy_arn")) and "group" in n.attrs:
                why = f"{n.meta['address']} attaches {aws_managed_admin(n.attrs.get('policy_arn'))} to its group"
            elif pol is not None:
                why = f"{n.meta['address']} attaches {pol.meta['address']}, which allows \"*\" on \"*\""
        if why is None:
            continue
        kind, who = _principal(n)
        if kind == "group":
            admin_groups.add(key + (who,))
            by_ctx.setdefault(("group",) + key + (who,), why)
        elif kind == "user":
            by_ctx.setdefault(key + (who,), why)
    for n in graph.of_type("aws_iam_user_group_membership", "aws_iam_group_membership"):
        key = (n.meta.get("root"), n.meta.get("context"))
        groups = n.attrs.get("groups") if n.type == "aws_iam_user_group_membership" else [n.attrs.get("group")]
        users = [n.attrs.get("user")] if n.type == "aws_iam_user_group_membership" else n.attrs.get("users")
        for grp in groups if isinstance(groups, list) else []:
            if key + (grp,) in admin_groups:
                for u in users if isinstance(users, list) else []:
                    if isinstance(u, str):
                        by_ctx.setdefault(key + (u,), f"it is a member of group {grp!r}: "
                                                       + by_ctx[("group",) + key + (grp,)])
    return {k: v for k, v in by_ctx.items() if k[0] != "group"}


def _customer_policy(graph, n):
    """The repository's aws_iam_policy an aws_ssoadmin_customer_managed_policy_attachment attaches, by name."""
    ref = n.attrs.get("customer_managed_policy_reference")
    ref = ref[0] if isinstance(ref, list) and ref else ref
    name = ref.get("name") if isinstance(ref, dict) else None
    if not isinstance(name, str):
        return None
    return next((p for p in graph.of_type("aws_iam_policy") if p.attrs.get("name") == name), None)


def check(ctx):
    """FAIL: aws_iam_user_policy_attachment of arn:aws:iam::aws:policy/AdministratorAccess (worse when the user
    has an aws_iam_access_key); aws_ssoadmin_managed_policy_attachment of AdministratorAccess or PowerUserAccess;
    aws_ssoadmin_customer_managed_policy_attachment of a repository policy that allows "*" on "*"; an
    aws_iam_access_key of a user who is an administrator through an inline policy, a customer policy or a group.
    PASS: a customer-managed policy scoped to the service; ReadOnlyAccess; a key of a narrow user."""
    keys = _users_with_keys(ctx.graph)
    for n in ctx.each(ctx.graph.of_kind("tf_resource")):
        if n.type == "aws_ssoadmin_customer_managed_policy_attachment":
            pol = _customer_policy(ctx.graph, n)
            if pol is not None and admin_policy(pol):
                yield ctx.finding(n, f"{n.meta['address']} attaches the customer-managed policy {pol.meta['address']} "
                                     f"(\"*\" on \"*\": administrator access) to an IAM Identity Center permission "
                                     f"set: everyone assigned it, in every account it is provisioned to, can delete "
                                     f"every database, bucket and backup vault there",
                                  fix_site(n, "customer_managed_policy_reference.name",
                                           "customer_managed_policy_reference"),
                                  related=[Location(pol.span, f"{pol.meta['address']} allows \"*\" on \"*\"")],
                                  key=f"{n.span.path}|{n.meta['address']}|customer-admin")
            continue
        for attr, arn in managed_policy_arns(n):
            pol = aws_managed_admin(arn)
            if pol is None:
                continue
            kind, who = _principal(n)
            principal = f"{kind} {who!r}" if who else f"the {kind}" if kind else "the principal"
            msg = f"{n.meta['address']} attaches the AWS managed {pol} ({AWS_ADMIN_MANAGED[pol]}) to {principal}"
            related = []
            ukeys = keys.get((n.meta.get("root"), n.meta.get("context"), who), []) if kind == "user" else []
            if ukeys:
                msg += (f", which has a long-lived access key ({ukeys[0].meta['address']}): anyone who reads that key "
                        f"can delete every database, bucket, snapshot and backup vault in the account")
                related = [Location(k.span, f"{k.meta['address']}: long-lived access key of {who}") for k in ukeys]
            elif kind == "permission set":
                msg += (": everyone assigned it, in every account it is provisioned to, can delete every database, "
                        "bucket and backup vault there")
            else:
                msg += ": any credential of this principal can delete every database, bucket and backup in the account"
            yield ctx.finding(n, msg, fix_site(n, attr) if kind == "permission set" else n.span, related=related,
                              key=f"{n.span.path}|{n.meta['address']}|{pol}")
    admins = _admin_users(ctx.graph)
    for (root, context, user), ks in keys.items():
        why = admins.get((root, context, user))
        for k in ks if why else []:
            yield ctx.finding(k, f"{k.meta['address']} is a long-lived access key of IAM user {user!r}, an "
                                 f"administrator ({why}): anyone who reads the key — Terraform state holds its "
                                 f"secret — can delete every database, bucket, snapshot and backup vault in the "
                                 f"account; use an IAM Identity Center or OIDC role instead",
                              fix_site(k, "user"), key=f"{k.span.path}|{k.meta['address']}|adminkey")
