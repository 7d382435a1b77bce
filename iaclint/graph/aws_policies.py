"""AWS IAM policies: their statements, and what an action granted on ``Resource = "*"`` can destroy.

The model is data, ``rules/iam_actions.yaml``: ``actions`` / ``verbs`` / ``append_only`` / ``unscopable`` say
what an action can destroy (delete, overwrite, switch off a protection, change permissions: CS004), and
``aws_deletes`` which stateful resource types a deleting action removes (its blast radius,
``grants.aws_statement_grants``)."""
from __future__ import annotations

import fnmatch
import json
import re
from functools import lru_cache

from .. import builtin_data
from ..terraform.values import PLACEHOLDER, Unknown, known_text
from .blast import fix_site
from .queries import tf_local_address

POLICY_ATTRS = {
    "aws_iam_policy": "policy", "aws_iam_role_policy": "policy", "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy", "aws_s3_bucket_policy": "policy",
    "aws_ssoadmin_permission_set_inline_policy": "inline_policy",
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

def as_list(v) -> list:
    return [] if v is None else v if isinstance(v, list) else [v]


def blocks_of(v) -> list:
    return [b for b in v if isinstance(b, dict)] if isinstance(v, list) else []


KMS_KEY_POLICY_TYPES = ("aws_kms_key", "aws_kms_key_policy", "aws_kms_replica_key", "aws_kms_external_key",
                        "aws_kms_replica_external_key")
_WILD = re.compile(r"[*?]")


@lru_cache(maxsize=1)
def _model() -> dict:
    data = builtin_data("iam_actions.yaml")
    return {
        "explicit": {a.lower(): cls for cls, names in data["actions"].items() for a in names},
        "verbs": [(v.lower(), cls) for cls, vs in data["verbs"].items() for v in vs],
        "harmless": [p.lower() for p in data["append_only"] + data["unscopable"]],
        "resource_keys": [p.lower() for p in data["resource_condition_keys"]],
        "deletes": {a.lower(): types for a, types in data["aws_deletes"].items()},
    }


def action_classes(action: str) -> set:
    """What ACTION (a name or a wildcard pattern) can destroy on "*": a subset of delete / overwrite /
    protection / permission; empty for read, append-only and unscopable actions."""
    m = _model()
    a = action.lower()
    svc, _, name = a.partition(":")
    if not name:
        return set()
    if not _WILD.search(name):
        if any(fnmatch.fnmatchcase(a, p) for p in m["harmless"]):
            return set()
        if a in m["explicit"]:
            return {m["explicit"][a]}
        return next(({cls} for verb, cls in m["verbs"] if name.startswith(verb)), set())
    head = _WILD.split(name, 1)[0]
    out = {cls for full, cls in m["explicit"].items() if fnmatch.fnmatchcase(full, a)}
    out |= {cls for verb, cls in m["verbs"] if head.startswith(verb) or verb.startswith(head)}
    return out


def condition_keys(st: dict, from_document: bool) -> tuple[list, list]:
    """(keys that limit the statement to some resources, other condition keys) of one statement."""
    pairs = []  # (operator, key, values)
    if from_document:
        for c in blocks_of(st.get("condition")):
            # a key known in part (`autoscaling:ResourceTag/k8s.io/cluster/${var.name}`) is decided on its known
            # text; one not known at all is still a condition, of a kind iaclint cannot name
            key = known_text(c.get("variable"))
            pairs.append((str(c.get("test", "")), "(unknown condition key)" if key is None else key,
                          as_list(c.get("values"))))
    elif isinstance(st.get("Condition"), dict):
        for op, kv in st["Condition"].items():
            for k, v in (kv.items() if isinstance(kv, dict) else ()):
                pairs.append((str(op), str(k), as_list(v)))
    limiting, other = [], []
    for op, key, values in pairs:
        # `Null` with "true" asks that the tag be ABSENT: that does not narrow the grant to owned resources
        absent = op.lower() == "null" and any(str(v).lower() == "true" for v in values)
        shown = key.replace(PLACEHOLDER, "…")  # the unknown stretch of a key known in part
        if not absent and any(fnmatch.fnmatchcase(key.lower(), p) for p in _model()["resource_keys"]):
            limiting.append(shown)
        else:
            other.append(shown)
    return limiting, other


def policy_statements(graph, n) -> list:
    """[(index, statement, from_document, site)] of an IAM policy resource or aws_iam_policy_document (not one
    rendered from a document, nor a document only KMS keys use as their key policy)."""
    return _policy_statements(n, graph.derived("cs004_kms_documents", lambda: _kms_documents(graph)))


def _policy_statements(n, kms_documents):
    """[(index, statement, from_document, site)] of an IAM policy resource or aws_iam_policy_document."""
    out = []
    if n.kind == "tf_resource" and n.type in POLICY_ATTRS:
        attr = POLICY_ATTRS[n.type]
        doc = n.attrs.get(attr)
        if isinstance(doc, Unknown) or doc is None or _from_policy_document(n):
            return out
        sts = statements(doc)
        single = len(sts) == 1
        for i, st in enumerate(sts):
            if isinstance(st, dict):
                at = f"{attr}.Statement" if single else f"{attr}.Statement[{i}]"
                site = None if single else _statement_site(n, f"{at}.Resource", f"{at}.Action")
                out.append((i, st, False, site or (n.origins.get(attr) or [n.span])[0]))
    elif n.kind == "tf_data" and n.type == "aws_iam_policy_document" and not _is_key_policy(n, kms_documents):
        sts = blocks_of(n.attrs.get("statement"))
        for i, st in enumerate(sts):
            site = _statement_site(n, f"statement[{i}].resources", f"statement[{i}].actions") if len(sts) > 1 else None
            out.append((i, st, True, site or fix_site(n, "statement.resources", "statement.actions")))
    return out


def _statement_site(n, *keys):
    """The line of one statement's attribute: where its value comes from when that is outside the block (a
    caller, a tfvars file), else the attribute's own line."""
    for k in keys:
        for o in n.origins.get(k) or []:
            if o.path != n.span.path or not n.span.line <= o.line <= n.span.end_line:
                return o
        if k in n.meta.get("present", {}):
            return n.meta["present"][k]
    return None


def _from_policy_document(n) -> bool:
    """The policy is rendered from an aws_iam_policy_document (reported there, at the statement's line)."""
    return any(r.startswith("data.aws_iam_policy_document.") for r in n.meta.get("refs") or [])


def _kms_documents(graph) -> tuple[set, set]:
    """(policy documents a KMS key uses as its key policy, documents anything else uses), by module instance."""
    kms, other = set(), set()
    for n in graph.of_kind("tf_resource"):
        for r in n.meta.get("refs") or []:
            if r.startswith("data.aws_iam_policy_document."):
                key = (n.meta.get("root"), n.meta.get("context"), n.meta.get("module_path"), r)
                (kms if n.type in KMS_KEY_POLICY_TYPES else other).add(key)
    return kms, other


def _is_key_policy(n, kms_documents) -> bool:
    """In a key policy, Resource "*" means "this key": a document only KMS keys use is not a broad grant."""
    key = (n.meta.get("root"), n.meta.get("context"), n.meta.get("module_path"), tf_local_address(n))
    kms, other = kms_documents
    return key in kms and key not in other


def destructive_grants(statement: dict, from_document: bool) -> list:
    """[(action, classes)] an Allow statement grants on Resource "*"; [] when none."""
    g = (lambda k_doc, k_json: statement.get(k_doc if from_document else k_json))
    if g("effect", "Effect") not in (None, "Allow") or "*" not in as_list(g("resources", "Resource")):
        return []
    acts = [a for a in as_list(g("actions", "Action")) if isinstance(a, str)]
    if "*" in acts:
        return []  # CS003's business
    return [(a, c) for a in acts if (c := action_classes(a))]


def can_phrase(classes: set) -> str:
    if classes & {"delete", "overwrite"}:
        return "delete or overwrite"
    return " or ".join(t for c, t in (("protection", "switch off the protection of"),
                                       ("permission", "change the permissions on")) if c in classes)


def deletable_types(actions) -> list:
    """The stateful resource types (``aws_deletes``) the granted ACTIONS (names or wildcard patterns) can delete, in
    the table's order."""
    out = []
    for name, types in _model()["deletes"].items():
        if any(fnmatch.fnmatchcase(name, a.lower()) for a in actions):
            out += [t for t in types if t not in out]
    return out
