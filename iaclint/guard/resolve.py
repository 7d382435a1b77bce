"""Allow or block: each operation's targets resolved against the repository's ``GuardIndex``.

Block when a target is in a protected environment (production by default) or may be (an environment iaclint
cannot name), and when an irreversible operation's target cannot be resolved. Allow what provably touches
only non-production stores, saying why. Every reason names the target, its environments and why, what dies
with it, the credential the call would use and a safer path.
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import Op

DEFAULT_PROTECTED = ("production",)


@dataclass
class Verdict:
    block: bool
    reason: str


def norm_env(env: str) -> str:
    from ..graph.environments import ALIASES, BRANCH_ALIASES

    e = (env or "").strip().lower()
    base = e.rsplit("/", 1)[-1]
    for suffix in (".tfvars.json", ".tfvars"):
        if base.endswith(suffix):
            base = base[:-len(suffix)]
    base = base.rsplit(".", 1)[-1] if base.startswith(".env.") else base
    return ALIASES.get(base) or BRANCH_ALIASES.get(base) or base


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


def resolve(op: Op, idx: dict, protected: set) -> Verdict:
    envs, labels, extra = {}, [], []
    unresolved = []
    hint = norm_env(op.env_hint) if op.env_hint else None
    for t in op.targets:
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
        bad = sorted(e for e in envs if norm_env(e) in protected) or ([] if envs else ["unknown"])
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
    return {norm_env(e) for e in idx["graph_environments"]}


def _match(t, idx: dict, op: Op, hint, extra: list):
    """The things target T names ([] = resolved to nothing stateful), or None when it cannot be resolved."""
    from ..graph.identity import identity_of

    v = t.value or ""
    if not v or v.startswith("$") or v in ("linked", "*all*"):
        return None
    if t.kind == "railway-environment":
        env = norm_env(v)
        if env not in _known_envs(idx):
            return None
        inside = [x for x in idx["things"] if env in {norm_env(e) for e in x["envs"]}]
        return [{"label": f"environment {v}", "envs": {env: "named in the command"}, "where": ["the command"],
                 "backups": "", "services": [], "keys": []}] + inside
    if t.kind == "db-url" or t.kind == "db-host":
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
            same = [x for x in inside if hint in {norm_env(e) for e in x["envs"]}]
            inside = same or inside
        if not inside:
            extra.append(f" The Terraform root {v} declares no stateful resource{' at ' + ', '.join(addrs) if addrs else ''}.")
        return inside
    if t.kind == "tf-address":
        return [] if any(x.kind == "tf-root" for x in op.targets) else None
    if t.kind == "plan":
        base = v[:-5] if v.endswith(".json") else v
        rows = [p for p in idx["plans"] if p["file"].rsplit(".", 1)[0].endswith(base.rsplit("/", 1)[-1])]
        deletes = [p for p in rows if p["stateful"]]
        if deletes:
            return [{"label": f"{p['address']} (the plan {p['file']} {'/'.join(p['actions'])}s it)", "envs": {},
                     "where": [p["file"]], "backups": "", "services": [], "keys": []} for p in deletes]
        extra.append(f" No plan JSON in the repository shows {v} deleting a stateful resource.")
        return []
    for prefix in ("id:", "name:", "tf-address:"):
        found = _things(idx, prefix + v)
        if found:
            return found
    return None
