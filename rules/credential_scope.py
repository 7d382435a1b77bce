"""credential-scope checks: broadly scoped tokens and IAM grants, with what each could destroy."""
from __future__ import annotations

import json

from iaclint.engine.loader import check
from iaclint.graph.blast import reach_of
from iaclint.model import Location
from iaclint.terraform.values import Unknown

RAILWAY_ACCOUNT_KINDS = {"railway-account-token", "railway-provider-token"}


def _credential_message(ctx, node, lead: str) -> str:
    a = node.attrs
    msg = f"{lead} {a['title']} {node.name} ({a['redacted']}) in {node.span.path}:{node.span.line}"
    reach = reach_of(ctx.graph, node)
    if reach.targets:
        msg += f" can delete {reach.summary()}"
    elif a.get("destroys"):
        msg += f" can delete {a['destroys']}"
    return msg


@check("CS001")
def railway_account_token(ctx):
    """PASS: RAILWAY_TOKEN in a service's .env.production (CLI project token).
    FAIL: RAILWAY_API_TOKEN=<uuid> in scripts/domains/add-domain.sh."""
    for n in ctx.graph.of_kind("credential"):
        if n.attrs["kind"] not in RAILWAY_ACCOUNT_KINDS:
            continue
        lead = "account-scoped" if n.attrs["kind"] == "railway-account-token" else \
            "account/workspace-scoped (a Terraform provider consumes it)"
        f = ctx.finding(n, _credential_message(ctx, n, lead), key=f"{n.span.path}|{n.attrs['kind']}|{n.name}",
                        envs=n.env_names)
        f.properties.update({"credential_kind": n.attrs["kind"], "scope": n.attrs["scope"],
                             "redacted": n.attrs["redacted"]})
        for t in reach_of(ctx.graph, n).targets[:5]:
            f.related.append(Location(t.span, f"reachable: {t.name} ({', '.join(t.env_names) or 'unknown env'})"))
        yield f


@check("CS002")
def broad_credential(ctx):
    """PASS: github_pat_… (fine-grained). FAIL: ghp_… (classic PAT), AKIA…, sk_live_…."""
    for n in ctx.graph.of_kind("credential"):
        if not n.attrs["broad"] or n.attrs["kind"] in RAILWAY_ACCOUNT_KINDS:
            continue
        f = ctx.finding(n, _credential_message(ctx, n, f"{n.attrs['scope']}-scoped"),
                        key=f"{n.span.path}|{n.attrs['kind']}|{n.name}", envs=n.env_names)
        f.properties.update({"credential_kind": n.attrs["kind"], "scope": n.attrs["scope"],
                             "redacted": n.attrs["redacted"]})
        yield f


POLICY_ATTRS = {
    "aws_iam_policy": "policy", "aws_iam_role_policy": "policy", "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy", "aws_s3_bucket_policy": "policy",
}


def statements(doc) -> list:
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except (ValueError, TypeError):
            return []
    if not isinstance(doc, dict):
        return []
    st = doc.get("Statement", [])
    return st if isinstance(st, list) else [st]


def _as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def is_admin_statement(st: dict) -> bool:
    if not isinstance(st, dict) or st.get("Effect", "Allow") != "Allow":
        return False
    actions = _as_list(st.get("Action"))
    resources = _as_list(st.get("Resource"))
    return "*" in actions and "*" in resources


@check("CS003")
def iam_wildcard_admin(ctx):
    """FAIL: Statement {Effect=Allow, Action="*", Resource="*"}. PASS: scoped actions or resources."""
    for n in ctx.graph.of_kind("tf_resource", "tf_data"):
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
            for i, st in enumerate(n.attrs.get("statement", []) or []):
                if not isinstance(st, dict):
                    continue
                eff = st.get("effect", "Allow")
                acts = _as_list(st.get("actions"))
                res = _as_list(st.get("resources"))
                if eff == "Allow" and "*" in acts and "*" in res:
                    site = (n.origins.get("statement.actions") or [n.meta["present"].get("statement") or n.span])[0]
                    yield ctx.finding(n, f"{n.meta['address']} statement {i + 1} allows every action (\"*\") on every "
                                         f"resource (\"*\"): administrator access", site,
                                      key=f"{n.span.path}|{n.meta['address']}|admin|{i}")
