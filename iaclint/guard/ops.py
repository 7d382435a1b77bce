"""Which simple commands destroy data, and what they name: one recogniser per platform CLI.

``operations(parsed, ctx)`` walks the commands ``shell.parse`` found (through wrappers such as ``sudo``,
``env``, ``npx``, ``timeout``, ``doppler run --``) and returns an ``Op`` for each destructive one: the
platform, the action as the user would say it, whether it is irreversible, the targets it names (``Target``
kinds: ``railway-volume``, ``railway-environment``, ``railway-service``, ``railway-project``, ``name``,
``db-url``, ``tf-root``, ``tf-address``, ``plan``), the credential it would use and the environment the
command itself names. HTTP calls (curl, httpie) and SQL clients are recognised in ``web`` and ``sql``.
"""
from __future__ import annotations

import os
import re
from .model import Op, Target, flag, positionals
from .shell import Command, Parsed
from .sql import sql_op
from .web import http_op

# a command line that mentions one of these and cannot be parsed is blocked (fail closed)
DESTRUCTIVE_WORDS = re.compile(
    r"(?i)\b(destroy|delete|drop|truncate|dropdb|rb|rm|volumeDelete|serviceDelete|environmentDelete|projectDelete|"
    r"down|state\s+rm|-replace|reset)\b")


_WRAPPERS = {"sudo", "nohup", "time", "command", "exec", "nice", "stdbuf", "caffeinate", "npx", "bunx", "pnpx",
             "unbuffer", "ionice", "chronic"}
_RUNNERS = {"doppler", "op", "aws-vault", "infisical", "dotenv", "railway-run", "with-env", "direnv", "chamber",
            "teller", "sops", "pnpm", "yarn", "uv", "poetry"}


def unwrap(cmd: Command) -> Command:
    """CMD without the wrappers in front of the real command (sudo, env A=B, timeout 10, doppler run --…)."""
    argv, env = list(cmd.argv), dict(cmd.env)
    for _ in range(8):
        if not argv:
            break
        name = argv[0].rsplit("/", 1)[-1]
        if name in _WRAPPERS:
            argv = argv[1:]
            while argv and argv[0].startswith("-"):
                argv = argv[1:]
        elif name == "env":
            argv = argv[1:]
            while argv and (argv[0].startswith("-") or "=" in argv[0]):
                if "=" in argv[0] and not argv[0].startswith("-"):
                    k, v = argv[0].split("=", 1)
                    env[k] = v
                argv = argv[1:]
        elif name in ("timeout", "gtimeout"):
            argv = argv[1:]
            while argv and argv[0].startswith("-"):
                argv = argv[1:]
            argv = argv[1:]
        elif name == "xargs":
            argv = [a for a in argv[1:] if not a.startswith("-")]
        elif name in _RUNNERS and "--" in argv:
            argv = argv[argv.index("--") + 1:]
        elif name == "railway" and len(argv) > 1 and argv[1] == "run":
            argv = [a for a in argv[2:]]
            while argv and argv[0].startswith("-"):
                argv = argv[1:]
        elif name in ("pnpm", "yarn") and len(argv) > 1 and argv[1] in ("dlx", "exec"):
            argv = argv[2:]
        else:
            break
    return Command(argv, env, cmd.stdin, cmd.piped, cmd.text)


# ---------------------------------------------------------------- platforms
def _railway(argv, op):
    words = positionals(argv[1:], ("-e", "--environment", "-s", "--service", "-p", "--project", "-v", "--volume"))
    env = flag(argv, "-e", "--environment")
    if not words:
        return None
    sub = words[0]
    rest = words[1:]
    if sub == "down":
        return op("railway", "railway down (removes the latest deployment)", irreversible=False,
                  targets=[Target("railway-service", s) for s in [flag(argv, "-s", "--service")] if s], env_hint=env)
    if sub == "delete":
        p = flag(argv, "-p", "--project")
        return op("railway", "railway delete (deletes the project)", targets=[Target("railway-project", p or "linked")],
                  env_hint=env)
    if sub in ("volume", "volumes") and rest[:1] and rest[0] in ("delete", "remove", "rm", "detach"):
        v = flag(argv, "-v", "--volume") or (rest[1] if len(rest) > 1 else None)
        return op("railway", f"railway volume {rest[0]}", targets=[Target("railway-volume", v or "linked")],
                  env_hint=env, irreversible=rest[0] != "detach")
    if sub in ("environment", "env", "environments") and rest[:1] and rest[0] in ("delete", "remove", "rm"):
        name = rest[1] if len(rest) > 1 else env
        return op("railway", "railway environment delete", targets=[Target("railway-environment", name or "linked")],
                  env_hint=name)
    if sub in ("service", "services") and rest[:1] and rest[0] in ("delete", "remove", "rm"):
        s = flag(argv, "-s", "--service") or (rest[1] if len(rest) > 1 else None)
        return op("railway", "railway service delete", targets=[Target("railway-service", s or "linked")],
                  env_hint=env)
    return None


_TF_BINARIES = {"terraform", "tofu", "terragrunt", "opentofu"}


def _terraform(argv, op, state):
    chdir = next((a.split("=", 1)[1] for a in argv if a.startswith("-chdir=")), None)
    args = [a for a in argv[1:] if not a.startswith("-chdir=")]
    words = positionals(args, ("-var-file", "-target", "-replace", "-var", "-state", "-lock-timeout"))
    if not words:
        return None
    sub = words[0]
    var_files = [a.split("=", 1)[1] for a in args if a.startswith(("-var-file=", "--var-file="))]
    var_files += [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-var-file", "--var-file")]
    targets = [a.split("=", 1)[1] for a in args if a.startswith(("-target=", "--target="))]
    replaces = [a.split("=", 1)[1] for a in args if a.startswith(("-replace=", "--replace="))]
    env = state.get("tf_workspace") or (var_files[0] if var_files else None)
    root = Target("tf-root", os.path.normpath(os.path.join(state["cwd"], chdir or ".")))
    what = [Target("tf-address", t) for t in targets + replaces]
    name = argv[0].rsplit("/", 1)[-1]
    if sub == "workspace" and len(words) > 2 and words[1] in ("select", "new"):
        state["tf_workspace"] = words[2]
        return None
    if sub == "destroy" or (sub == "apply" and ("-destroy" in args or "--destroy" in args)):
        return op("terraform", f"{name} destroy", targets=[root] + what, env_hint=env)
    if sub == "apply" and replaces:
        return op("terraform", f"{name} apply -replace", targets=[root] + what, env_hint=env)
    if sub == "state" and len(words) > 1 and words[1] == "rm":
        return op("terraform", f"{name} state rm", irreversible=False, env_hint=env,
                  targets=[root] + [Target("tf-address", a) for a in words[2:]],
                  note="the resources leave Terraform's state (a later apply recreates or orphans them)")
    if sub == "apply" and len(words) > 1:
        plan = os.path.normpath(os.path.join(state["cwd"], chdir or ".", words[1]))
        return op("terraform", f"{name} apply of the saved plan {words[1]}", targets=[Target("plan", plan), root],
                  env_hint=env)
    return None


def _aws(argv, op):
    words = positionals(argv[1:], ("--region", "--profile", "--output", "--query", "--endpoint-url"))
    if len(words) < 2:
        return None
    svc, verb = words[0], words[1]
    region, profile = flag(argv, "--region"), flag(argv, "--profile")
    hint = profile
    if svc == "s3":
        if verb == "rb" or (verb == "rm" and ("--recursive" in argv)):
            uri = next((w for w in words[2:] if w.startswith("s3://")), "")
            bucket = uri[5:].split("/", 1)[0]
            return op("aws", f"aws s3 {verb}", targets=[Target("name", bucket)], env_hint=hint)
        return None
    if not (verb.startswith("delete-") or verb in ("remove-tags",)) or verb == "remove-tags":
        return None
    if svc not in ("rds", "s3api", "ec2", "dynamodb", "backup", "docdb", "neptune", "elasticache", "efs", "redshift",
                   "opensearch", "es", "kms", "secretsmanager", "lightsail", "glacier", "memorydb"):
        return None
    names = []
    for i, a in enumerate(argv):
        key = a.split("=", 1)[0]
        if re.match(r"^--[a-z-]*(identifier|name|id|bucket|arn)$", key) and key not in ("--region", "--profile"):
            v = a.split("=", 1)[1] if "=" in a else (argv[i + 1] if i + 1 < len(argv) else "")
            if v:
                names.append(Target("name", v))
    if region:
        names.append(Target("region", region))
    return op("aws", f"aws {svc} {verb}", targets=names, env_hint=hint)


def _gcloud(argv, op):
    words = positionals(argv[1:], ("--project", "--region", "--zone", "--format", "--instance", "-i"))
    if not words:
        return None
    name = argv[0].rsplit("/", 1)[-1]
    if name == "gsutil":
        if words[0] == "rb" or (words[0] == "rm" and any(a in argv for a in ("-r", "-R", "-a"))):
            b = next((w[5:].split("/", 1)[0] for w in words[1:] if w.startswith("gs://")), "")
            return op("gcloud", f"gsutil {words[0]}", targets=[Target("name", b)])
        return None
    if "delete" not in words and not (len(words) > 1 and words[:2] == ["storage", "rm"]):
        return None
    if words[:2] == ["storage", "rm"]:
        if not any(a in argv for a in ("-r", "-R", "--recursive")):
            return None
        b = next((w[5:].split("/", 1)[0] for w in words[2:] if w.startswith("gs://")), "")
        return op("gcloud", "gcloud storage rm -r", targets=[Target("name", b)])
    k = words.index("delete")
    group = " ".join(words[:k])
    if not any(g in group for g in ("sql", "storage", "disks", "projects", "spanner", "bigtable", "filestore",
                                   "firestore", "redis", "alloydb", "snapshots", "container clusters")):
        return None
    targets = [Target("name", w[5:].split("/", 1)[0] if w.startswith("gs://") else w) for w in words[k + 1:]]
    inst = flag(argv, "--instance", "-i")
    if inst:
        targets.append(Target("name", inst))
    return op("gcloud", f"gcloud {group} delete", targets=targets, env_hint=flag(argv, "--project"))


def _az(argv, op):
    words = positionals(argv[1:], ("-n", "--name", "-g", "--resource-group", "--server", "-s", "--account-name",
                                   "--subscription"))
    if "delete" not in words and "purge" not in words:
        return None
    k = words.index("delete") if "delete" in words else words.index("purge")
    group = " ".join(words[:k])
    if not any(g in group for g in ("group", "sql", "storage", "postgres", "mysql", "cosmosdb", "disk", "keyvault",
                                   "backup", "redis")):
        return None
    targets = [Target("name", v) for v in (flag(argv, "-n", "--name"), flag(argv, "--server", "-s"),
                                          flag(argv, "--account-name"), flag(argv, "-g", "--resource-group")) if v]
    return op("az", f"az {group} {words[k]}", targets=targets, env_hint=flag(argv, "--subscription"))


_K8S_KINDS = {"pv", "pvc", "persistentvolume", "persistentvolumes", "persistentvolumeclaim", "persistentvolumeclaims",
              "namespace", "namespaces", "ns", "statefulset", "statefulsets", "sts"}


def _kubectl(argv, op):
    words = positionals(argv[1:], ("-n", "--namespace", "--context", "-l", "--selector", "-f", "--filename",
                                   "--kubeconfig", "-o"))
    if not words or words[0] != "delete":
        return None
    objs = words[1:]
    kinds, names = [], []
    for o in objs:
        for part in o.split(","):
            kind, _, name = part.partition("/")
            if kind.lower().split(".")[0] in _K8S_KINDS:
                kinds.append(kind)
                if name:
                    names.append(name)
            elif kinds and not name:
                names.append(part)
    if not kinds:
        return None
    ctx = flag(argv, "--context")
    ns = flag(argv, "-n", "--namespace")
    if "--all" in argv or "-A" in argv or "--all-namespaces" in argv:
        names.append("*all*")
    return op("kubectl", f"kubectl delete {'/'.join(kinds)}", targets=[Target("name", n) for n in names],
              env_hint=ctx or ns)


def _fly(argv, op):
    words = positionals(argv[1:], ("-a", "--app", "-c", "--config"))
    app = flag(argv, "-a", "--app")
    if not words:
        return None
    if words[0] in ("destroy", "delete") or (words[0] in ("apps", "app") and words[1:2] in (["destroy"], ["delete"])):
        names = words[2:] if words[0] in ("apps", "app") else words[1:]
        return op("fly", "fly apps destroy", targets=[Target("name", n) for n in names + ([app] if app else [])])
    if words[0] in ("volumes", "volume", "vol") and words[1:2] in (["destroy"], ["delete"], ["rm"]):
        return op("fly", "fly volumes destroy", targets=[Target("name", n) for n in words[2:] + ([app] if app else [])])
    if words[0] in ("postgres", "pg", "mpg") and words[1:2] in (["destroy"], ["delete"]):
        return op("fly", f"fly {words[0]} destroy", targets=[Target("name", n) for n in words[2:] + ([app] if app else [])])
    return None


def _heroku(argv, op):
    words = positionals(argv[1:], ("-a", "--app", "-r", "--remote", "--confirm"))
    app = flag(argv, "-a", "--app", "--confirm")
    if not words:
        return None
    if words[0] in ("apps:destroy", "destroy", "addons:destroy", "addons:remove", "pg:reset", "pg:backups:delete",
                    "pg:backups:destroy"):
        return op("heroku", f"heroku {words[0]}", targets=[Target("name", n) for n in words[1:] + ([app] if app else [])])
    return None


def _supabase(argv, op):
    words = positionals(argv[1:], ("--project-ref", "--db-url", "--workdir"))
    if words[:2] in (["projects", "delete"], ["branches", "delete"], ["storage", "rm"]):
        return op("supabase", f"supabase {' '.join(words[:2])}",
                  targets=[Target("name", n) for n in words[2:]] + [Target("name", r) for r in [flag(argv, "--project-ref")] if r])
    if words[:2] == ["db", "reset"] and ("--linked" in argv or flag(argv, "--db-url")):
        url = flag(argv, "--db-url")
        return op("supabase", "supabase db reset", targets=[Target("db-url", url)] if url else [Target("name", "linked")])
    return None


def _neon(argv, op):
    words = positionals(argv[1:], ("--project-id", "--org-id", "--branch", "--api-key", "-o", "--output"))
    if len(words) >= 2 and words[0] in ("projects", "project", "branches", "branch", "databases", "database", "db",
                                        "roles") and words[1] in ("delete", "rm", "reset"):
        targets = [Target("name", n) for n in words[2:]]
        for f in ("--project-id", "--branch"):
            v = flag(argv, f)
            if v:
                targets.append(Target("name", v))
        return op("neon", f"neon {words[0]} {words[1]}", targets=targets, credential="--api-key" if flag(
            argv, "--api-key") else "NEON_API_KEY")
    return None


_CLI = {"railway": _railway, "aws": _aws, "gcloud": _gcloud, "gsutil": _gcloud, "az": _az, "kubectl": _kubectl,
        "oc": _kubectl, "fly": _fly, "flyctl": _fly, "heroku": _heroku, "supabase": _supabase, "neon": _neon,
        "neonctl": _neon}


def operations(parsed: Parsed, read_file) -> list[Op]:
    """Every destructive operation among PARSED's commands. READ_FILE(path relative to the cwd) -> text or None:
    a ``curl -d @file`` body, a ``psql -f`` script (``web``/``sql`` decide what to read)."""
    ops: list[Op] = []
    state = {"cwd": ".", "tf_workspace": None}
    for raw in parsed.commands:
        cmd = unwrap(raw)
        if not cmd.argv:
            continue
        name = cmd.name
        if name == "cd" and len(cmd.argv) > 1:
            state["cwd"] = os.path.normpath(os.path.join(state["cwd"], cmd.argv[1]))
            continue
        if "TF_WORKSPACE" in cmd.env:
            state["tf_workspace"] = cmd.env["TF_WORKSPACE"]
        made: list[Op] = []

        def op(platform, action, **kw):
            o = Op(platform, action, command=cmd, cwd=state["cwd"], **kw)
            made.append(o)
            return o

        if name in _TF_BINARIES:
            _terraform(cmd.argv, op, state)
        elif name in _CLI:
            _CLI[name](cmd.argv, op)
        else:
            http_op(cmd, op, lambda p: read_file(os.path.join(state["cwd"], p)))
            sql_op(cmd, op, lambda p: read_file(os.path.join(state["cwd"], p)))
        ops.extend(made)
    return ops
