"""Railway infrastructure as code (``.railway/railway.ts`` / ``.railway/railway.py``) into the resource graph.

The file is evaluated once per environment the repository knows (named in the
file through ``ctx.isEnvironment`` / comparisons with ``ctx.environment``,
Railway config ``environments.<name>``, env files such as ``.env.staging``,
exports, Terraform...; Railway's default environment ``production`` always).
Each service, database and volume becomes one node carrying every environment
it exists in (``attrs["by_env"]`` holds the per-environment configuration);
each variable becomes one ``env_var`` node per environment, at the line its
value comes from, so the existing rules see the same things they see in
config-as-code exports and Terraform.
"""
from __future__ import annotations

import re

from ..model import Diagnostic, Edge, EnvTag, Node, ParsedFile, Span
from ..railway import DB_DEFAULTS, evaluate
from ..terraform.values import Unknown
from . import credentials as creds
from .identity import identity_of
from .secrets import add_credential, add_variable_secret

SOURCE = "railway-iac"
_HOSTISH = re.compile(r"(^|_)(DB|DATABASE|PG|POSTGRES|MYSQL|REDIS|MONGO|MONGODB)_?HOST(NAME)?$", re.I)
_BUCKETISH = re.compile(r"(^|_)(S3_)?BUCKET(_NAME)?$", re.I)


def environments_for(envs, f: ParsedFile, known: set) -> list[tuple[str, str, str]]:
    """[(name as ctx.environment sees it, normalized environment, why)], production first."""
    prog = f.data
    out: dict[str, tuple[str, str]] = {}
    for raw, line, how in prog.env_mentions:
        if raw and raw not in out:
            out[raw] = (envs.normalize_free(raw), f"named at line {line} by {how}")
    covered = {e for e, _ in out.values()}
    for env in sorted(known):
        if env and env not in covered:
            out[env] = (env, "an environment other files of the repository name")
            covered.add(env)
    if "production" not in covered:
        out["production"] = ("production", "Railway's default environment")
    return sorted(((raw, e, why) for raw, (e, why) in out.items()), key=lambda t: (t[1] != "production", t[1], t[0]))


def identity(key: str, value: str) -> str | None:
    """What data store a literal variable names; Railway private hostnames resolve per environment (none)."""
    if not isinstance(value, str) or not value:
        return None
    ident = identity_of(key, value)
    if ident is not None:
        host = ident.split("://", 1)[-1].split(":", 1)[0]
        return None if host.endswith(".railway.internal") else ident
    v = value.strip().lower()
    if _HOSTISH.search(key) and v and " " not in v and not v.endswith(".railway.internal") and \
            v not in ("localhost", "127.0.0.1", "0.0.0.0") and "${" not in v:
        return f"host://{v}"
    if _BUCKETISH.search(key) and v and " " not in v and "${" not in v:
        return f"bucket://{v}"
    return None


class _IaC:
    def __init__(self, g, f: ParsedFile):
        self.g = g
        self.envs = g.ctx.envs
        self.f = f
        self.path = f.path
        self.cred_lines: set = set()

    def span(self, line: int, col: int = 1) -> Span:
        return Span(self.path, max(1, int(line or 1)), max(1, int(col or 1)))

    def run(self):
        prog = self.f.data
        if prog.main is None:  # the parser already said so
            self.text_scan()
            return
        envs = environments_for(self.envs, self.f, set(self.g.environments))
        for raw, line, how in prog.env_mentions:
            e = self.envs.normalize_free(raw)
            self.g.add(Node(f"railway_env|{self.path}|{raw}", "railway_environment", "railway_environment", raw,
                            self.span(line), [EnvTag(e, f"{how} in {self.path}")], {"name": raw}))
        for raw, env, why in envs:
            tag = EnvTag(env, f"{self.path} declares it when evaluated for Railway environment {raw!r} ({why})")
            res = evaluate(prog, raw)
            if res.error is not None:
                line, reason = res.error
                self.g.diagnostics.append(Diagnostic(self.path, line, f"cannot evaluate for environment {raw!r}: "
                                                     f"{reason}", "warning"))
                continue
            for line, reason in res.notes:
                if reason.startswith("a resource cannot be evaluated") or "`if`" in reason or "`switch`" in reason:
                    self.g.diagnostics.append(Diagnostic(self.path, line, f"environment {raw!r}: {reason}",
                                                         "warning"))
            self.environment(raw, tag, res)
        self.text_scan()

    # -- one environment ------------------------------------------------------------------------------------
    def environment(self, raw: str, tag: EnvTag, res):
        volumes = {r["name"]: r for r in res.resources if r["type"] == "volume" and isinstance(r["name"], str)}
        for r in res.resources:
            if not isinstance(r["name"], str):
                continue
            if r["type"] in ("service", "database"):
                self.service(raw, tag, r, volumes)
            elif r["type"] == "volume":
                self.volume_node(r["name"], r, tag, raw)

    def service(self, raw, tag, r, volumes):
        cfg = r["config"] if isinstance(r["config"], dict) else {}
        name = r["name"]
        nid = f"rwiac|{self.path}|service|{name}"
        engine = r.get("engine")
        source = cfg.get("source")
        if engine and not source:
            source = {"type": "image", "image": DB_DEFAULTS.get(engine, ("",))[0]}
        node = self.g.add(Node(nid, "railway_service", "railway_service", name, self.span(r["line"], r["col"]),
                               [tag], {"id": name, "name": name, "source": source, "deploy": _deploy(cfg),
                                       "engine": engine, "origin": SOURCE, "by_env": {}},
                               {}, {"origin": SOURCE, "key_lines": r["key_lines"], "val_lines": r["val_lines"]}))
        node.attrs.setdefault("by_env", {})[raw] = cfg
        if engine:  # a managed database: Railway attaches a volume at the engine's data directory
            mount = DB_DEFAULTS.get(engine, (None, None, None))[2]
            v = self.volume_node(f"{name}-volume", r, tag, raw, vid=f"rwiac|{self.path}|dbvolume|{name}",
                                 extra={"database": engine, "mount_path": mount, "service": nid})
            self.edge(nid, v.id, v.span)
        variables = {}
        for key in ("variables", "env"):
            if isinstance(cfg.get(key), dict):
                for k, v in cfg[key].items():
                    variables[k] = (v, key)
        for k, (v, key) in variables.items():
            self.variable(raw, tag, name, k, v, r, f"{key}.{k}")
        mounts = cfg.get("volumeMounts")
        if isinstance(mounts, dict):
            for mkey, mval in mounts.items():
                self.mount(raw, tag, nid, name, mkey, mval, r, volumes)

    def mount(self, raw, tag, sid, sname, mkey, mval, r, volumes):
        kl = r["key_lines"].get(f"volumeMounts.{mkey}", r["line"])
        if isinstance(mval, dict) and mval.get("$resource") == "volume" and isinstance(mval.get("name"), str):
            vr = volumes.get(mval["name"])
            v = self.volume_node(mval["name"], vr or {"line": kl, "col": 1, "config": {}}, tag, raw,
                                 extra={"mount_path": mkey, "service": sid})
            self.edge(sid, v.id, self.span(kl))
            return
        if not isinstance(mval, dict):
            return
        # a raw VolumeMount ({mountPath, backupSchedules}), keyed by a volume's name/id (as `railway config pull`
        # imports it) or by the mount path
        mount_path = mval.get("mountPath") if isinstance(mval.get("mountPath"), str) else \
            (mkey if mkey.startswith("/") else None)
        sched = mval.get("backupSchedules")
        sched = [s for s in sched if isinstance(s, str)] if isinstance(sched, list) else []
        if mkey in volumes or not mkey.startswith("/"):
            vname = mkey
            vr = volumes.get(mkey) or {"line": kl, "col": 1, "config": {}}
        else:
            vname = f"{sname}-volume"
            vr = {"line": kl, "col": 1, "config": {}}
        v = self.volume_node(vname, vr, tag, raw, extra={"mount_path": mount_path, "service": sid},
                             backups=sched, backups_line=r["key_lines"].get(f"volumeMounts.{mkey}.backupSchedules"))
        self.edge(sid, v.id, self.span(kl))

    def volume_node(self, name, r, tag, raw, vid=None, extra=None, backups=None, backups_line=None) -> Node:
        vid = vid or f"rwiac|{self.path}|volume|{name}"
        cfg = r.get("config") if isinstance(r.get("config"), dict) else {}
        attrs = {"id": f"volume.{name}", "name": name, "mount_path": None, "backup_schedules": [], "service": None,
                 "source": SOURCE, "database": None, "region": cfg.get("region"), "size_mb": cfg.get("sizeMB"),
                 "by_env": {}}
        node = self.g.add(Node(vid, "railway_volume", "railway_volume", name, self.span(r.get("line", 1),
                                                                                          r.get("col", 1)),
                               [tag], attrs, {}, {"origin": SOURCE}))
        per = node.attrs.setdefault("by_env", {}).setdefault(raw, {"backup_schedules": []})
        for k, v in (extra or {}).items():
            if v is not None and node.attrs.get(k) in (None, []):
                node.attrs[k] = v
            per[k] = v
        if backups:
            per["backup_schedules"] = list(backups)
            # the node's own value: production's schedules when the volume exists there, else the first seen
            if not node.attrs["backup_schedules"] or tag.name == "production":
                node.attrs["backup_schedules"] = list(backups)
                if backups_line:
                    node.origins["backup_schedules"] = [self.span(backups_line)]
        return node

    def edge(self, src, dst, span):
        e = Edge(src, dst, "mounts", span)
        if not any(x.src == src and x.dst == dst and x.kind == "mounts" for x in self.g.edges_from(src)):
            self.g.edges.append(e)

    def variable(self, raw, tag, sname, key, value, r, path):
        line = r["val_lines"].get(path) or r["key_lines"].get(path) or r["line"]
        span = self.span(line)
        attrs: dict = {"key": key, "service": sname, "identity": None, "example": False}
        if isinstance(value, dict) and "$ref" in value:
            attrs["reference"] = value.get("text")
        elif isinstance(value, Unknown):
            attrs["unknown"] = value.reason
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = str(value)
            attrs["identity"] = identity(key, value)
        node = self.g.add(Node(f"env|{self.path}|{sname}|{key}|{raw}", "env_var", key, key, span, [tag], attrs, {},
                               {"file_kind": self.f.kind, "service": sname, "environment": raw,
                                "key_line": r["key_lines"].get(path)}))
        if isinstance(value, str):
            m = creds.match_value(key, value)
            if m is not None:
                m.line, m.col = span.line, span.col
                self.cred_lines.add(span.line)
            add_variable_secret(self.g, node, m, value, span, f"{self.path} service {sname} {path}", [tag],
                                literal=True)

    def text_scan(self):
        """Secrets written anywhere in the file (also in branches no known environment takes)."""
        for m in creds.scan_text_lines(self.f.lines):
            if m.line in self.cred_lines:
                continue
            add_credential(self.g, m, Span(self.path, m.line, m.col), self.path, [], literal=True)


def _deploy(cfg: dict) -> dict:
    run = cfg.get("run") if isinstance(cfg.get("run"), dict) else {}
    deploy = dict(cfg.get("deploy")) if isinstance(cfg.get("deploy"), dict) else {}
    out = dict(deploy)
    for k, alts in (("startCommand", (cfg.get("start"), cfg.get("startCommand"), run.get("command"))),
                    ("healthcheckPath", (cfg.get("healthcheck"), cfg.get("healthcheckPath"), run.get("healthcheck"))),
                    ("preDeployCommand", (cfg.get("preDeploy"), cfg.get("preDeployCommand"), run.get("preDeploy")))):
        for v in alts:
            if v is not None:
                out[k] = v
                break
    rep = cfg.get("replicas")
    if isinstance(rep, (int, float)) and not isinstance(rep, bool):
        out["numReplicas"] = rep
    elif isinstance(rep, dict):
        out["multiRegionConfig"] = rep
    if isinstance(cfg.get("build"), str):
        out["buildCommand"] = cfg["build"]
    return out


def add_railway_iac(b, files: list[ParsedFile]) -> None:
    """Evaluate every Railway IaC file per environment and add its nodes to the graph (``b`` is the Builder)."""
    for f in sorted(files, key=lambda f: f.path):
        if f.data is None:
            continue
        _IaC(b.g, f).run()
