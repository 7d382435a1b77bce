"""credential-scope checks: broadly scoped tokens and IAM grants, with what each could destroy.

Every message about a credential names its kind, where it is and its redacted public prefix — never the value —
and what it could delete (iaclint.graph.blast: stateful resources, environments, backups in the same domain).
"""
from __future__ import annotations

import json
import re

from iaclint.engine.loader import check
from iaclint.graph.blast import fix_site, reach_of
from iaclint.model import Location
from iaclint.terraform.values import Unknown

RAILWAY_ACCOUNT_KINDS = {"railway-account-token", "railway-provider-token"}
RAILWAY_ACCOUNT_NAMES = re.compile(r"RAILWAY_(API|ACCOUNT|WORKSPACE|TEAM)_TOKEN", re.I)


def credential_message(graph, node, lead: str) -> str:
    a = node.attrs
    msg = f"{lead} {a['title']} {node.name} ({a['redacted']}) in {node.span.path}:{node.span.line}"
    reach = reach_of(graph, node)
    if reach.targets:
        msg += f" can delete {reach.summary()}"
    elif a.get("destroys"):
        msg += f" can delete {a['destroys']}"
    return msg


def _credential_finding(ctx, n, lead):
    f = ctx.finding(n, credential_message(ctx.graph, n, lead), key=f"{n.span.path}|{n.attrs['kind']}|{n.name}",
                    envs=n.env_names)
    f.properties.update({"credential_kind": n.attrs["kind"], "scope": n.attrs["scope"],
                         "redacted": n.attrs["redacted"]})
    for t in reach_of(ctx.graph, n).targets[:5]:
        for sp in (t.meta.get("declared_at") or [t.span])[:5]:  # a thing declared in several files: its first places
            f.related.append(Location(sp, f"reachable: {t.name} ({', '.join(t.env_names) or 'unknown env'})"))
    return f


@check("CS001")
def railway_account_token(ctx):
    """PASS: RAILWAY_TOKEN in a service's .env.production (CLI project token).
    FAIL: RAILWAY_API_TOKEN=<uuid> in scripts/domains/add-domain.sh."""
    for n in ctx.graph.of_kind("credential"):
        if n.attrs["kind"] not in RAILWAY_ACCOUNT_KINDS:
            continue
        lead = "account-scoped" if n.attrs["kind"] == "railway-account-token" else \
            "account/workspace-scoped (a Terraform provider consumes it)"
        yield _credential_finding(ctx, n, lead)


@check("CS002")
def broad_credential(ctx):
    """PASS: github_pat_… (fine-grained). FAIL: ghp_… (classic PAT), AKIA…, sk_live_…."""
    for n in ctx.graph.of_kind("credential"):
        if not n.attrs["broad"] or n.attrs["kind"] in RAILWAY_ACCOUNT_KINDS:
            continue
        yield _credential_finding(ctx, n, f"{n.attrs['scope']}-scoped")


# ------------------------------------------------------------------------------------------------- IAM helpers
POLICY_ATTRS = {
    "aws_iam_policy": "policy", "aws_iam_role_policy": "policy", "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy", "aws_s3_bucket_policy": "policy",
}
ADMIN_MANAGED = {"AdministratorAccess": "administrator access", "PowerUserAccess": "every service except IAM",
                 "IAMFullAccess": "IAM, so it can grant itself anything"}
# actions that destroy or overwrite data (or switch off its protection) when granted on every resource
DESTRUCTIVE_VERB = re.compile(r"^[a-z0-9\-]+:(\*|Delete\w*\*?|Put\w*\*?|Terminate\w*|Remove\w*|Modify\w*|Drop\w*|"
                              r"Purge\w*|Empty\w*|Truncate\w*|Restore\w*|BatchWrite\w*|BatchDelete\w*)$")


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
    return "*" in _as_list(st.get("Action")) and "*" in _as_list(st.get("Resource"))


def wildcard_resource_actions(effect, actions, resources) -> list:
    """Actions that are service-wide or destructive, granted on every resource ("*"); [] when none."""
    if effect != "Allow" or "*" not in _as_list(resources):
        return []
    acts = [a for a in _as_list(actions) if isinstance(a, str)]
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


@check("CS004")
def iam_wildcard_resource(ctx):
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


def _from_policy_document(n) -> bool:
    """The policy is rendered from an aws_iam_policy_document (reported there, at the statement's line)."""
    return any(r.startswith("data.aws_iam_policy_document.") for r in n.meta.get("refs") or [])


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


@check("CS005")
def iam_admin_managed_policy(ctx):
    """FAIL: aws_iam_user_policy_attachment of arn:aws:iam::aws:policy/AdministratorAccess (worse when the user
    has an aws_iam_access_key). PASS: a customer-managed policy scoped to the service."""
    keys = _users_with_keys(ctx.graph)
    for n in ctx.graph.of_kind("tf_resource"):
        arns = []
        if n.type in ("aws_iam_user_policy_attachment", "aws_iam_role_policy_attachment",
                      "aws_iam_group_policy_attachment", "aws_iam_policy_attachment"):
            arns = [("policy_arn", n.attrs.get("policy_arn"))]
        elif n.type == "aws_iam_role":
            arns = [("managed_policy_arns", a) for a in _as_list(n.attrs.get("managed_policy_arns"))]
        elif n.type in ("aws_iam_role_policy_attachments_exclusive", "aws_iam_user_policy_attachments_exclusive"):
            arns = [("policy_arns", a) for a in _as_list(n.attrs.get("policy_arns"))]
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


# ------------------------------------------------------------------------------------------------- GCP / Azure
PRIMITIVE_ROLES = {"roles/owner": "owner", "roles/editor": "editor"}
GCP_BINDINGS = ("google_project_iam_member", "google_project_iam_binding", "google_organization_iam_member",
                "google_organization_iam_binding", "google_folder_iam_member", "google_folder_iam_binding")
GCP_POLICIES = ("google_project_iam_policy", "google_organization_iam_policy", "google_folder_iam_policy")


def _gcp_primitive_grants(graph):
    """[(node, role, members, site)] for every owner/editor grant."""
    out = []
    for n in graph.of_kind("tf_resource"):
        if n.type in GCP_BINDINGS:
            role = n.attrs.get("role")
            if role in PRIMITIVE_ROLES:
                members = _as_list(n.attrs.get("member")) + _as_list(n.attrs.get("members"))
                out.append((n, role, members, fix_site(n, "role")))
        elif n.type in GCP_POLICIES:
            doc = n.attrs.get("policy_data")
            try:
                doc = json.loads(doc) if isinstance(doc, str) else doc
            except ValueError:
                continue
            for b in (doc or {}).get("bindings", []) if isinstance(doc, dict) else []:
                if isinstance(b, dict) and b.get("role") in PRIMITIVE_ROLES:
                    out.append((n, b["role"], _as_list(b.get("members")), fix_site(n, "policy_data")))
    return out


@check("CS006")
def gcp_primitive_role(ctx):
    """FAIL: google_project_iam_member role = "roles/owner" / "roles/editor".
    PASS: predefined roles such as roles/cloudsql.client or roles/storage.objectViewer."""
    for n, role, members, site in _gcp_primitive_grants(ctx.graph):
        who = ", ".join(m for m in members if isinstance(m, str)) or "its members"
        scope = n.type.split("_")[1]
        yield ctx.finding(n, f"{n.meta['address']} grants {role} on the {scope} to {who}: the basic "
                             f"{PRIMITIVE_ROLES[role]} role can delete every Cloud SQL instance, bucket, disk and "
                             f"snapshot in the {scope} — grant the predefined roles the workload needs",
                          site, key=f"{n.span.path}|{n.meta['address']}|{role}")


@check("CS007")
def gcp_service_account_key_broad(ctx):
    """FAIL: google_service_account_key for a service account that holds roles/owner or roles/editor.
    PASS: a key-less service account (workload identity), or one with narrow roles."""
    broad_refs: dict = {}
    for n, role, members, _ in _gcp_primitive_grants(ctx.graph):
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


AZURE_BROAD = {"Owner": "full control, including role assignments",
               "Contributor": "create and delete every resource",
               "User Access Administrator": "grant itself any role"}
_SUBSCRIPTION = re.compile(r"^/subscriptions/[^/]+/?$|^/providers/Microsoft\.Management/managementGroups/[^/]+/?$",
                           re.I)


@check("CS008")
def azure_subscription_owner(ctx):
    """FAIL: azurerm_role_assignment Owner/Contributor with scope = a subscription (or management group).
    PASS: the same role on one resource group or resource."""
    for n in ctx.graph.of_type("azurerm_role_assignment"):
        if n.kind != "tf_resource":
            continue
        role = n.attrs.get("role_definition_name")
        if role not in AZURE_BROAD:
            continue
        scope = n.attrs.get("scope")
        refs = n.meta.get("refs") or []
        at_sub = (isinstance(scope, str) and bool(_SUBSCRIPTION.match(scope))) or \
            (isinstance(scope, Unknown) and any(r.startswith(("data.azurerm_subscription.",
                                                              "data.azurerm_management_group.",
                                                              "azurerm_management_group.")) for r in refs))
        if not at_sub:
            continue
        who = n.attrs.get("principal_id")
        who = f"principal {who}" if isinstance(who, str) else "its principal"
        yield ctx.finding(n, f"{n.meta['address']} assigns {role} at subscription scope to {who} ({AZURE_BROAD[role]}): "
                             f"its credentials can delete every database, storage account and Recovery Services "
                             f"vault in the subscription — assign it on the resource group it manages",
                          fix_site(n, "scope"), key=f"{n.span.path}|{n.meta['address']}|{role}")


@check("CS009")
def railway_variable_account_token(ctx):
    """FAIL: railway_variable name = "RAILWAY_API_TOKEN" (an account/workspace token handed to a service).
    PASS: name = "RAILWAY_TOKEN" (a project token, one environment)."""
    for n in ctx.graph.of_type("railway_variable", "railway_shared_variable"):
        if n.kind != "tf_resource":
            continue
        name = n.attrs.get("name")
        if not isinstance(name, str) or not RAILWAY_ACCOUNT_NAMES.fullmatch(name):
            continue
        yield ctx.finding(n, f"{n.meta['address']} hands an account/workspace Railway token ({name}) to a service: "
                             f"every process and agent running in that service can delete every project, "
                             f"environment and volume of the account (volumeDelete) — give it a project token "
                             f"(RAILWAY_TOKEN) scoped to its own environment", n.span,
                          key=f"{n.span.path}|{n.meta['address']}|account-token")
