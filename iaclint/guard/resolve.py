"""Allow or block: each operation's targets resolved against the repository's ``GuardIndex``.

Block when a target is in a protected environment (production by default) or may be (an environment iaclint
cannot name), and when an irreversible operation's target cannot be resolved. Allow what provably touches
only non-production stores, saying why. Every reason names the target, its environments and why, what dies
with it, the credential the call would use and a safer path.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from .model import Op

DEFAULT_PROTECTED = ("production",)
_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@dataclass
class Verdict:
    block: bool
    reason: str


def aliases() -> dict:
    """Environment aliases (prod, prd, live, main → production …), as the index keeps them for ``norm_env``."""
    from ..graph.environments import ALIASES, BRANCH_ALIASES

    return {**BRANCH_ALIASES, **ALIASES}


def norm_env(env: str, names: dict) -> str:
    """ENV's normal name under NAMES (``aliases()``, kept in the index: the warm path does not import the graph)."""
    e = (env or "").strip().lower()
    base = e.rsplit("/", 1)[-1]
    for suffix in (".tfvars.json", ".tfvars"):
        if base.endswith(suffix):
            base = base[:-len(suffix)]
    base = base.rsplit(".", 1)[-1] if base.startswith(".env.") else base
    return names.get(base) or base


def _things(idx: dict, key: str) -> list:
    return [t for t in idx["things"] + idx["services"] if key in t["keys"]]


def _envs_text(envs: dict) -> str:
    if not envs:
        return "an environment iaclint cannot name (possibly production)"
    return " and ".join(sorted(envs)) + " (" + "; ".join(f"{e}: {r}" for e, r in sorted(envs.items())) + ")"


def _credential_text(op: Op, idx: dict) -> str:
    if not op.credential:
        return ""
    name = op.credential.split(" ", 1)[0].lstrip("$").strip("{}")
    c = idx["credentials"].get(name)
    if c is None:
        from ..graph.credentials import load_catalogue

        k = next((k for k in load_catalogue() if k.names and not k.context and any(p.fullmatch(name) for p in k.names)),
                 None)
        if k is None:
            return f" It authenticates with {op.credential}."
        c = {"title": k.title, "scope": k.scope, "destroys": k.destroys, "where": ""}
    where = f", found in {c['where']}" if c.get("where") else ""
    reach = f": it can destroy {c['destroys']}" if c.get("destroys") else ""
    return f" It authenticates with {op.credential}, a {c['title']} ({c['scope']} scope{where}){reach}."


def _safer(op: Op) -> str:
    if op.platform == "railway":
        return ("Safer path: do not run this from an agent. Ask the user; if the goal is staging, give staging its own "
                "volume and use a project token scoped to the staging environment (Project-Access-Token), and take a "
                "backup outside the volume first.")
    if op.platform == "terraform":
        return ("Safer path: run `plan -destroy` with the environment's own var file and workspace and show it to the "
                "user; add lifecycle prevent_destroy on data stores; let a human apply it.")
    return ("Safer path: take a backup or snapshot outside the target's failure domain first, and let a human run this "
            "against the environment it is meant for.")


def _plan_targets(op: Op, idx: dict, mtime, extra: list) -> list:
    """The targets that decide ``apply PLANFILE``: a plan JSON beside the binary plan, written after it, says what
    it deletes (the plan target); without one iaclint cannot read the plan and the Terraform root decides."""
    plan = next((t for t in op.targets if t.kind == "plan"), None)
    if plan is None:
        return op.targets
    d, _, base = plan.value.rpartition("/")
    beside = {f"{d}/{n}" if d else n for n in (base + ".json", base.split(".", 1)[0] + ".json", "plan.json",
                                                 base.split(".", 1)[0] + ".plan.json")}
    jsons = sorted(p for p in idx.get("plan_files") or [] if p in beside)
    made = mtime(plan.value)
    fresh = [p for p in jsons if made is not None and (mtime(p) or 0) >= made]
    if fresh:
        plan.value = fresh[0]
        return [plan]
    stale = f" ({', '.join(jsons)} is older than it, so it may describe another plan)" if jsons else ""
    root = next((t.value for t in op.targets if t.kind == "tf-root"), "")
    rel = posixpath.relpath(plan.value, root or ".")
    extra.append(f" iaclint cannot read the saved plan {plan.value} (a binary file"
                 f"{'; it does not exist' if made is None else ''}){stale}, so the Terraform root decides. To let "
                 f"the guard read what it deletes, run `terraform show -json {rel} > {rel}.json` in "
                 f"{root or 'the repository root'} and try again.")
    return [t for t in op.targets if t.kind != "plan"]


def resolve(op: Op, idx: dict, protected: set, mtime=lambda rel: None) -> Verdict:
    """The verdict on OP. MTIME(root-relative path) -> ns or None: whether a plan JSON is newer than its plan."""
    envs, labels, extra = {}, [], []
    unresolved = []
    hint = norm_env(op.env_hint, idx["aliases"]) if op.env_hint else None
    for t in _plan_targets(op, idx, mtime, extra):
        found = _match(t, idx, op, hint, extra)
        if found is None:
            unresolved.append(t)
            continue
        for thing in found:
            labels.append(thing)
            envs.update(thing["envs"])
    cred = _credential_text(op, idx)
    what = op.action + (f" ({op.note})" if op.note else "")
    if labels:
        names = ", ".join(dict.fromkeys(t["label"] for t in labels))
        ids = [t.value for t in op.targets if t.value and t.value not in names]
        target = names + (f" (named in the command as {', '.join(ids[:2])})" if ids else "")
        dies = [t["backups"] for t in labels if t.get("backups")]
        svcs = sorted({s for t in labels for s in t.get("services") or []})
        bad = sorted(e for e in envs if norm_env(e, idx["aliases"]) in protected) or ([] if envs else ["unknown"])
        detail = (f" {names} is in {_envs_text(envs)}; declared at {', '.join(labels[0]['where'][:3])}."
                  + (f" Deleting it also deletes {' and '.join(dict.fromkeys(dies))}: nothing would be left to "
                     f"restore from." if dies else "")
                  + (f" Service{'s' if len(svcs) > 1 else ''} {', '.join(svcs)} use{'' if len(svcs) > 1 else 's'} it."
                     if svcs else "") + "".join(extra))
        if bad:
            return Verdict(True, f"iaclint guard blocked {what} on {target}: the target is "
                                 f"{'in production' if 'unknown' not in bad else 'possibly production'}"
                                 f"{'' if bad == ['production'] or 'unknown' in bad else ' (protected: ' + ', '.join(bad) + ')'}."
                                 f"{detail}{cred} {_safer(op)}")
        if not unresolved:
            return Verdict(False, f"iaclint guard allowed {what} on {target}: it touches only "
                                  f"{', '.join(sorted(envs))}, none of them protected.{detail}{cred}")
    if unresolved or not op.targets:
        names = ", ".join(t.value or t.kind for t in unresolved) or "its target"
        if not op.irreversible and hint and hint not in protected and hint in _known_envs(idx):
            return Verdict(False, f"iaclint guard allowed {what}: it names the {hint} environment, which is not "
                                  f"protected, and the operation can be undone.{cred}")
        return Verdict(True, f"iaclint guard blocked {what}: iaclint cannot tell from this repository what "
                             f"{names} is or which environment it belongs to, so it may be production"
                             f"{' and this cannot be undone' if op.irreversible else ''}.{''.join(extra)}{cred} "
                             f"Name the target explicitly (an id or name this repository declares) or ask the user. "
                             f"{_safer(op)}")
    return Verdict(False, f"iaclint guard allowed {what}.{''.join(extra)}")


def _known_envs(idx: dict) -> set:
    return {norm_env(e, idx["aliases"]) for e in idx["graph_environments"]}


def _match(t, idx: dict, op: Op, hint, extra: list):
    """The things target T names ([] = resolved to nothing stateful), or None when it cannot be resolved."""
    v = t.value or ""
    if not v or v.startswith("$") or v in ("linked", "*all*"):
        return None
    if t.kind == "railway-environment":
        named = (idx.get("environment_ids") or {}).get(v)
        if named:
            extra.append(f" The environment id {v} is {named['name']}'s ({named['where']}).")
        env = norm_env(named["name"] if named else v, idx["aliases"])
        if env not in _known_envs(idx):
            if _ID.match(v):
                extra.append(f" {v} is a Railway environment id this repository does not map to a name (iaclint "
                             f"reads ids from Terraform and Railway config that name them); it may be production.")
            return None
        inside = [x for x in idx["things"] if env in {norm_env(e, idx["aliases"]) for e in x["envs"]}]
        return [{"label": f"environment {named['name'] if named else v}",
                 "envs": {env: "named in the command" if not named else f"its id is {named['name']}'s"},
                 "where": [named["where"] if named else "the command"],
                 "backups": "", "services": [], "keys": []}] + inside
    if t.kind == "db-url" or t.kind == "db-host":
        from ..graph.identity import identity_of

        ident = identity_of("DATABASE_URL", v) if t.kind == "db-url" else None
        for key, d in idx["db"].items():
            if (ident and key == ident) or (t.kind == "db-host" and v.split("/")[0] in key
                                            and key.rstrip("/").endswith("/" + v.split("/", 1)[1])):
                return [{"label": f"database {key}", "envs": d["envs"], "where": d["where"], "backups": "",
                         "services": [], "keys": []}]
        return None
    if t.kind == "tf-root":
        if v not in idx["tf_roots"]:
            return None
        addrs = [x.value for x in op.targets if x.kind == "tf-address"]
        inside = [x for x in idx["things"] if f"tf-root:{v}" in x["keys"]
                  and (not addrs or any(f"tf-address:{a}" in x["keys"] for a in addrs))]
        if hint:
            same = [x for x in inside if hint in {norm_env(e, idx["aliases"]) for e in x["envs"]}]
            inside = same or inside
        if not inside:
            extra.append(f" The Terraform root {v} declares no stateful resource{' at ' + ', '.join(addrs) if addrs else ''}.")
        return inside
    if t.kind == "tf-address":
        return [] if any(x.kind == "tf-root" for x in op.targets) else None
    if t.kind == "plan":  # a plan JSON newer than the binary plan (_plan_targets)
        deletes = [p for p in idx["plans"] if p["file"] == v and p["stateful"]]
        if deletes:
            return [{"label": f"{p['address']} (the plan {p['file']} {'/'.join(p['actions'])}s it)",
                     "envs": p.get("envs") or {}, "where": [p["file"]], "backups": "", "services": [], "keys": []}
                    for p in deletes]
        extra.append(f" The plan JSON {v}, written after the saved plan, deletes or replaces no stateful resource.")
        return []
    for prefix in ("id:", "name:", "tf-address:"):
        found = _things(idx, prefix + v)
        if found:
            return found
    return None
