"""Broad grants on AWS, Azure and GCP: which principal gets which role where, and what it could delete.

The rules of the credential-scope family (CS003–CS008, CS020–CS022) report them (CS004's statements:
``aws_statement_grants``, judged by ``aws_policies``); ``iaclint blast-radius`` joins
each to the stateful resources of its account, subscription, resource group or project (``grant_nodes``). The
role tables are data: ``rules/iam_actions.yaml`` (``azure_roles``, ``azure_namespaces``, ``gcp_roles``)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .. import builtin_data
from ..model import Location, Node, Span
from ..terraform.values import PLACEHOLDER, Computed, Unknown, known_text
from .aws_policies import (POLICY_ATTRS, as_list, blocks_of, can_phrase, condition_keys, deletable_types,
                           destructive_grants, policy_statements, statements)
from .blast import fix_site, reach_of
from .queries import module_index, referenced, tf_local_address


@lru_cache(maxsize=1)
def role_tables() -> dict:
    data = builtin_data("iam_actions.yaml")
    gcp = {role: {"cls": cls, **info} for cls, roles in data["gcp_roles"].items() for role, info in roles.items()}
    return {"azure": data["azure_roles"], "azure_ids": {r["id"]: name for name, r in data["azure_roles"].items()},
            "namespaces": {k.lower(): v for k, v in data["azure_namespaces"].items()}, "gcp": gcp}


@dataclass
class Grant:
    """One broad grant. SITE is the role (or action) line; SCOPE names what the grant covers: project, folder,
    organization, service account, subscription, management group, resource group, account."""

    node: Node  # the block holding the role line (a data "google_iam_policy" for its bindings)
    cloud: str  # aws | azurerm | google
    role: str
    cls: str  # gcp: basic | delete_data | impersonate; azure: builtin | custom; aws: admin | destructive
    can: str  # what the role can do, as a phrase
    deletes: object  # "*" (every stateful type of the cloud) or a list of resource types
    principal: str
    scope: str
    scope_id: str | None
    site: Span
    via: Node | None = None  # the *_iam_policy resource applying a data "google_iam_policy"
    where: tuple | None = None  # blast.py's target filter: ("project", id, root, context) / ("rg", …) / None
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------- AWS
AWS_ADMIN_MANAGED = {"AdministratorAccess": "administrator access", "PowerUserAccess": "every service except IAM",
                     "IAMFullAccess": "IAM, so it can grant itself anything"}


def is_admin_statement(st: dict) -> bool:
    if not isinstance(st, dict) or st.get("Effect", "Allow") != "Allow":
        return False
    return "*" in as_list(st.get("Action")) and "*" in as_list(st.get("Resource"))


def admin_policy(n: Node) -> bool:
    """An IAM policy resource (or aws_iam_policy_document) that allows "*" on "*"."""
    if n.type in POLICY_ATTRS:
        return any(is_admin_statement(s) for s in statements(n.attrs.get(POLICY_ATTRS[n.type])))
    if n.type == "aws_iam_policy_document":
        return any(st.get("effect", "Allow") == "Allow" and "*" in as_list(st.get("actions"))
                   and "*" in as_list(st.get("resources")) for st in blocks_of(n.attrs.get("statement")))
    return False


def managed_policy_arns(n: Node) -> list:
    """[(attribute, ARN)] of the managed policies an IAM or Identity Center attachment attaches."""
    if n.type in ("aws_iam_user_policy_attachment", "aws_iam_role_policy_attachment",
                  "aws_iam_group_policy_attachment", "aws_iam_policy_attachment"):
        return [("policy_arn", n.attrs.get("policy_arn"))]
    if n.type == "aws_ssoadmin_managed_policy_attachment":
        return [("managed_policy_arn", n.attrs.get("managed_policy_arn"))]
    if n.type == "aws_iam_role":
        return [("managed_policy_arns", a) for a in as_list(n.attrs.get("managed_policy_arns"))]
    if n.type in ("aws_iam_role_policy_attachments_exclusive", "aws_iam_user_policy_attachments_exclusive"):
        return [("policy_arns", a) for a in as_list(n.attrs.get("policy_arns"))]
    return []


def aws_managed_admin(arn) -> str | None:
    """The AWS managed admin policy ARN names (AdministratorAccess…), else None."""
    if isinstance(arn, str) and arn.startswith("arn:aws:iam::aws:policy/"):
        pol = arn.rsplit("/", 1)[-1]
        return pol if pol in AWS_ADMIN_MANAGED else None
    return None


def _aws_grants(graph) -> list:
    out = []
    for n in graph.of_kind("tf_resource", "tf_data"):
        if n.kind == "tf_resource":
            for attr, arn in managed_policy_arns(n):
                pol = aws_managed_admin(arn)
                if pol:
                    scope = "permission set" if n.type.startswith("aws_ssoadmin") else "account"
                    out.append(Grant(n, "aws", pol, "admin", AWS_ADMIN_MANAGED[pol], "*", _aws_principal(n), scope,
                                     None, fix_site(n, attr)))
        is_policy = (n.type in POLICY_ATTRS and n.type != "aws_s3_bucket_policy") or n.type == "aws_iam_policy_document"
        if is_policy and admin_policy(n):
            attr = POLICY_ATTRS.get(n.type, "statement.actions")
            out.append(Grant(n, "aws", "\"*\" on \"*\"", "admin", "administrator access", "*", _aws_principal(n),
                             "account", None, fix_site(n, attr)))
    return out


def statement_grant(n: Node, index: int, st: dict, from_document: bool, site: Span) -> Grant | None:
    """The grant of one IAM statement that allows destructive actions on ``Resource = "*"`` (CS004), else None.
    DELETES: the stateful types its actions can delete (``aws_deletes``); ``extra``: the actions with their
    classes, and the condition keys that limit it to some resources (or do not)."""
    bad = destructive_grants(st, from_document)
    if not bad:
        return None
    limiting, other = condition_keys(st, from_document)
    shown = ", ".join(a for a, _ in bad[:4]) + (f" and {len(bad) - 4} more" if len(bad) > 4 else "")
    svc = "/".join(sorted({a.split(":", 1)[0] for a, _ in bad}))
    can = f"{can_phrase(set().union(*(cls for _, cls in bad)))} every {svc} resource"
    return Grant(n, "aws", shown, "destructive", can, deletable_types([a for a, _ in bad]), _aws_principal(n),
                 "account", None, site, extra={"index": index, "bad": bad, "limiting": limiting, "other": other})


def aws_statement_grants(graph) -> list:
    """Every IAM statement of the graph that allows destructive actions on every resource (CS004's grants)."""
    def build():
        return [g for n in graph.of_kind("tf_resource", "tf_data")
                for i, st, doc, site in policy_statements(graph, n) if (g := statement_grant(n, i, st, doc, site))]
    return graph.derived("aws_statement_grants", build)


def _aws_principal(n: Node) -> str:
    for attr in ("user", "role", "group", "permission_set_arn", "name"):
        v = n.attrs.get(attr)
        if isinstance(v, str):
            return f"{attr.split('_')[0]} {v}"
    return "its principal"


# ---------------------------------------------------------------------------------------------------- GCP
_GCP_LEVELS = (("google_project_iam_", "project", "project"), ("google_folder_iam_", "folder", "folder"),
               ("google_organization_iam_", "organization", "org_id"),
               ("google_service_account_iam_", "service account", "service_account_id"))


def _gcp_level(t: str):
    for prefix, level, attr in _GCP_LEVELS:
        if t.startswith(prefix) and t[len(prefix):] in ("member", "binding", "policy"):
            return level, attr
    return None, None


def gcp_grants(graph) -> list:
    """Every GCP grant of a role of the table (basic, delete_data, impersonate) on a project, folder,
    organization or service account; bindings of a data "google_iam_policy" count where a *_iam_policy applies
    it, at the binding's role line."""
    order = {"basic": 0, "delete_data": 1, "impersonate": 2}  # the broadest role first where a principal has several
    return graph.derived("gcp_grants", lambda: sorted(_gcp_grants(graph), key=lambda g: order[g.cls]))


def _gcp_bindings(graph, n: Node) -> list:
    """[(node holding the role line, role, members, site, via)] of one project/folder/org/service-account IAM
    resource: its role, its literal policy_data's bindings, or the bindings of the data "google_iam_policy" it
    applies (an authoritative binding with `members = []` grants nothing)."""
    if not n.type.endswith("_policy"):
        members = as_list(n.attrs.get("member")) + as_list(n.attrs.get("members"))
        ok = members or n.type.endswith("_iam_member")
        return [(n, n.attrs.get("role"), members, fix_site(n, "role"), None)] if ok else []
    doc = n.attrs.get("policy_data")
    try:
        doc = json.loads(doc) if isinstance(doc, str) else doc
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        return [(n, b.get("role"), as_list(b.get("members")), fix_site(n, "policy_data"), None)
                for b in blocks_of(doc.get("bindings")) if b.get("members") != []]
    out = []
    for d in referenced(graph, n, "google_iam_policy"):
        bs = blocks_of(d.attrs.get("binding"))
        out += [(d, b.get("role"), as_list(b.get("members")),
                 fix_site(d, f"binding[{i}].role" if len(bs) > 1 else "binding.role"), n)
                for i, b in enumerate(bs) if b.get("members") != []]
    return out


def _gcp_grants(graph) -> list:
    table = role_tables()["gcp"]
    out = []
    for n in graph.of_kind("tf_resource"):
        level, attr = _gcp_level(n.type)
        if level is None:
            continue
        sid = n.attrs.get(attr)
        sid = sid if isinstance(sid, str) else None
        where = ("project", sid, n.meta.get("root"), n.meta.get("context")) if level == "project" else None
        for node, role, members, site, via in _gcp_bindings(graph, n):
            info = table.get(role) if isinstance(role, str) else None
            if info:
                who = ", ".join(m for m in members if isinstance(m, str)) or "its members"
                out.append(Grant(node, "google", role, info["cls"], info["can"], info["deletes"], who, level, sid,
                                 site, via, where, {"members": members}))
    return out


# ---------------------------------------------------------------------------------------------------- Azure
_SCOPE_SHAPES = (
    (re.compile(r"^/$"), "management group"),  # the tenant root
    (re.compile(r"^/providers/microsoft\.management/managementgroups/[^/]+/?$", re.IGNORECASE), "management group"),
    (re.compile(r"^/subscriptions/[^/]+/?$", re.IGNORECASE), "subscription"),
    (re.compile(r"^/subscriptions/[^/]+/resourcegroups/(?P<rg>[^/]+)/?$", re.IGNORECASE), "resource group"),
    (re.compile(r"^/subscriptions/[^/]+/resourcegroups/[^/]+/.+$", re.IGNORECASE), "resource"),
)
_SCOPE_TYPES = {"azurerm_subscription": "subscription", "azurerm_management_group": "management group",
                "azurerm_resource_group": "resource group"}


@dataclass
class AzureScope:
    kind: str  # subscription | management group | resource group | resource | unknown
    rg_name: str | None = None
    rg_node: Node | None = None
    reason: str = ""


def azure_scope(graph, n: Node, value) -> AzureScope:
    """What an Azure scope value covers: a literal or template path, a reference to a subscription, management
    group or resource group (resource or data source), or unknown (with why)."""
    text = known_text(value)
    if text is not None and text.strip(PLACEHOLDER):
        for rx, kind in _SCOPE_SHAPES:
            m = rx.match(text)
            if m:
                rg = m.groupdict().get("rg")
                return AzureScope(kind, rg if rg and PLACEHOLDER not in rg else None)
    if isinstance(value, str):
        return AzureScope("resource")
    source = value.source if isinstance(value, Computed) else None
    if source:
        parts = source.split(".")
        rtype = parts[-2] if len(parts) >= 2 else ""
        kind = _SCOPE_TYPES.get(rtype)
        if kind is None:
            return AzureScope("resource")
        if kind == "resource group":
            rg = _node_at(graph, n, source)
            name = rg.attrs.get("name") if rg is not None else None
            return AzureScope(kind, name if isinstance(name, str) else None, rg)
        return AzureScope(kind)
    kinds = [(r, _SCOPE_TYPES.get(r.removeprefix("data.").split(".")[0])) for r in n.meta.get("refs") or []]
    kinds = [(r, k) for r, k in kinds if k]
    if len(kinds) == 1:
        kind = kinds[0][1]
        rg = referenced(graph, n, "azurerm_resource_group")
        rg = next((x for x in rg if x.type == "azurerm_resource_group"), None)
        name = rg.attrs.get("name") if rg is not None else None
        return AzureScope(kind, name if isinstance(name, str) else None, rg)
    return AzureScope("unknown", reason=value.reason if isinstance(value, Unknown) else "the scope is not set")


def _node_at(graph, n: Node, source: str) -> Node | None:
    """The node at SOURCE (an address as Computed.source writes it) in N's root and environment context."""
    idx = module_index(graph)
    parts = source.split(".")
    local = ".".join(parts[-3:]) if len(parts) >= 3 and parts[-3] == "data" else ".".join(parts[-2:])
    for (root, ctx, _mp, addr), nodes in idx.items():
        if root == n.meta.get("root") and ctx == n.meta.get("context") and addr == local:
            for x in nodes:
                if x.meta.get("address") == source or len(nodes) == 1:
                    return x
    return None


_PRINCIPAL_TYPES = {"azuread_user": "User", "azuread_group": "Group", "azuread_service_principal": "ServicePrincipal",
                    "azuread_application": "ServicePrincipal", "azurerm_user_assigned_identity": "managed identity",
                    "azurerm_client_config": "the deploying principal"}


def azure_principal(n: Node) -> str | None:
    """principal_type, else the kind of what principal_id comes from (a user, group, service principal, managed
    identity: a resource's identity block), else None."""
    pt = n.attrs.get("principal_type")
    if isinstance(pt, str):
        return pt
    src = n.attrs.get("principal_id")
    refs = list(n.meta.get("refs") or [])
    if isinstance(src, Computed) and src.source:
        refs.insert(0, src.source)
    for r in refs:
        parts = r.split(".")
        t = parts[-2] if len(parts) >= 2 else r
        if t in _PRINCIPAL_TYPES:
            return _PRINCIPAL_TYPES[t]
    if isinstance(src, Unknown) and "identity" in src.reason:
        return "managed identity"
    return None


def azure_role_of(graph, n: Node) -> tuple[str | None, str, str]:
    """(role name, attribute naming it, class) of an azurerm_role_assignment when the role is broad: a built-in
    role of the table by name or GUID, or a custom azurerm_role_definition of the repository that can delete."""
    table = role_tables()
    name = n.attrs.get("role_definition_name")
    if isinstance(name, str) and name in table["azure"]:
        return name, "role_definition_name", "builtin"
    rid = n.attrs.get("role_definition_id")
    if isinstance(rid, str):
        guid = rid.rstrip("/").rsplit("/", 1)[-1].lower()
        if guid in table["azure_ids"]:
            return table["azure_ids"][guid], "role_definition_id", "builtin"
    for d in referenced(graph, n, "azurerm_role_definition"):
        if azure_definition_actions(d):
            rname = d.attrs.get("name")
            return (rname if isinstance(rname, str) else d.meta["address"]), "role_definition_id", "custom"
    return None, "", ""


def azure_action_deletes(action) -> object:
    """What an Azure control-plane ACTION can delete: "*" (everything), a list of types (one namespace), or
    None (read-only or one non-destructive operation)."""
    if not isinstance(action, str):
        return None
    a = action.strip().lower()
    if a in ("*", "*/delete", "*/*"):
        return "*"
    if not (a.endswith(("/*", "/delete"))):
        return None
    ns = a.split("/", 1)[0]
    return list(role_tables()["namespaces"].get(ns, [])) or ["(no stateful type iaclint models)"]


def azure_definition_actions(d: Node) -> list:
    """[(index, action, deletes)] of an azurerm_role_definition's permissions that can delete."""
    out = []
    for i, p in enumerate(blocks_of(d.attrs.get("permissions"))):
        nots = {x.lower() for x in as_list(p.get("not_actions")) if isinstance(x, str)}
        for a in as_list(p.get("actions")):
            deletes = azure_action_deletes(a)
            if deletes is None or a.lower() in nots or ("*/delete" in nots and a != "*"):
                continue
            out.append((i, a, deletes))
    return out


def rg_environment(graph, scope: AzureScope, n: Node) -> str | None:
    """"production", "unknown" (no environment and no name that says one: possibly production, the design's
    rule) or None (a known non-production environment) of a resource-group scope."""
    envs = graph.ctx.envs
    rg = scope.rg_node
    named = envs.from_token_string(scope.rg_name) if scope.rg_name else None
    known = set(rg.env_names if rg is not None else ()) | set(n.env_names) | ({named} if named else set())
    if "production" in known:
        return "production"
    return None if known else "unknown"


def azure_grants(graph) -> list:
    """Broad azurerm_role_assignments (role of the table or a deleting custom role) to anything but a user, at
    subscription, management-group or production resource-group scope (a resource group of no known environment
    too: ``extra["env_unknown"]``). Unknown scopes: Grant.scope "unknown". A user's assignment is exercised
    through an interactive Entra ID sign-in (MFA, Conditional Access, PIM), not a secret a file or pipeline
    holds, and every subscription needs a human owner: not a credential-scope finding."""
    return graph.derived("azure_grants", lambda: _azure_grants(graph))


def _azure_grants(graph) -> list:
    table = role_tables()["azure"]
    out = []
    for n in graph.of_type("azurerm_role_assignment"):
        if n.kind != "tf_resource":
            continue
        role, role_attr, cls = azure_role_of(graph, n)
        if role is None:
            continue
        principal = azure_principal(n)
        if principal == "User":
            continue
        sc = azure_scope(graph, n, n.attrs.get("scope"))
        rg_env = rg_environment(graph, sc, n) if sc.kind == "resource group" else None
        if sc.kind == "resource" or (sc.kind == "resource group" and rg_env is None):
            continue
        where = None
        if sc.kind == "resource group":
            where = ("rg", sc.rg_name, n.meta.get("root"), n.meta.get("context"),
                     tf_local_address(sc.rg_node) if sc.rg_node is not None else None)
        can = table[role]["can"] if cls == "builtin" else "delete what its actions allow"
        who = {"ServicePrincipal": "a service principal", "Group": "a group", "ForeignGroup": "a foreign group",
               "managed identity": "a managed identity", None: "its principal"}.get(principal, principal)
        out.append(Grant(n, "azurerm", role, cls, can, "*", who, sc.kind, sc.rg_name, fix_site(n, role_attr),
                         where=where, extra={"scope_site": fix_site(n, "scope"), "reason": sc.reason,
                                             "env_unknown": rg_env == "unknown"}))
    for d in graph.of_type("azurerm_role_definition"):
        if d.kind != "tf_resource":
            continue
        acts = azure_definition_actions(d)
        if not acts:
            continue
        values = [d.attrs.get("scope")] + as_list(d.attrs.get("assignable_scopes"))
        kinds = {azure_scope(graph, d, v).kind for v in values if v is not None}
        broad = kinds & {"subscription", "management group"}
        if not broad:
            continue
        i = acts[0][0]
        n_perm = len(blocks_of(d.attrs.get("permissions")))
        site = fix_site(d, f"permissions[{i}].actions" if n_perm > 1 else "permissions.actions")
        deletes = "*" if any(x == "*" for _, _, x in acts) else sorted({t for _, _, x in acts for t in x})
        name = d.attrs.get("name")
        out.append(Grant(d, "azurerm", name if isinstance(name, str) else d.meta["address"], "definition",
                         "delete " + ", ".join(a for _, a, _ in acts[:4]), deletes, "whoever it is assigned to",
                         "management group" if "management group" in broad else "subscription", None, site,
                         extra={"actions": [a for _, a, _ in acts]}))
    return out


# ---------------------------------------------------------------------------------------------------- blast
_TITLES = {"aws": "AWS grant", "azurerm": "Azure role", "google": "GCP role grant"}


def all_grants(graph) -> list:
    """Every broad grant of the three clouds (the blast-radius view lists them), role lines in source order."""
    def build():
        gs = _aws_grants(graph) + aws_statement_grants(graph) + azure_grants(graph) + \
            [g for g in gcp_grants(graph) if g.scope != "service account"]
        return sorted(gs, key=lambda g: (g.site.path, g.site.line, g.role))
    return graph.derived("all_grants", build)


def grant_node(g: Grant) -> Node:
    """A Grant as a credential-like node for blast.reach_of: its reach is the stateful resources of its cloud
    the role can delete, in its scope (one environment's account/subscription when the grant has one)."""
    n = g.node
    same_env = g.scope in ("account", "subscription", "permission set") and bool(n.env_names)
    where = f" {g.scope_id}" if g.scope_id else ""
    return Node(f"grant|{n.id}|{g.role}|{g.site.line}", "grant", g.cloud, n.meta.get("address") or n.name, g.site,
                list(n.envs), {"kind": f"{g.cloud}-grant", "title": _TITLES[g.cloud], "scope": f"{g.scope}{where}, granted to {g.principal}",
                               "broad": True, "redacted": g.role, "destroys": g.can},
                meta={"reaches": {"providers": [g.cloud], "same_environment": same_env,
                                  "types": None if g.deletes == "*" else list(g.deletes), "where": g.where}})


def grant_nodes(graph) -> list:
    return graph.derived("grant_nodes", lambda: [grant_node(g) for g in all_grants(graph)])


def reach_text(graph, g: Grant) -> tuple[str, list]:
    """("; in the scanned files it could delete …", [Location]) for a grant's finding: the stateful resources in its
    scope the role can delete, production's first; ("", []) when none is in the scanned files."""
    r = reach_of(graph, grant_node(g))
    if not r.targets:
        return "", []
    shown = 3  # each target shown names its environments; the list's environments matter for "and N more"
    envs = f" ({', '.join(r.environments()) or 'unknown environments'})" if len(r.targets) > shown else ""
    related = [Location(t.span, f"reachable: {t.meta.get('address') or t.name} ({', '.join(t.env_names) or 'unknown env'})")
               for t in r.targets[:5]]
    return f"; in the scanned files it could delete {r.summary(shown)}{envs}", related
