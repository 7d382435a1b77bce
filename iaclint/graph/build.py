"""Stage 3: one resource graph over every parsed file.

Nodes: Terraform resource/data instances (per root module and environment
context), providers, Railway services/volumes/environments (from Terraform,
config-as-code and environment-config exports), env variables and
credentials.  Every node carries its span and its environments with the
reason each was inferred.  Edges: references, mounts, consumes.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from ..context import ScanContext
from ..model import Diagnostic, Edge, EnvTag, Node, ParsedFile, Span, dedupe_diagnostics
from ..terraform.modules import (Expander, ResourceInstance, build_module_dirs, find_roots, modules_manifest,
                                 tfvars_inputs)
from ..terraform.values import Unknown
from . import credentials as creds

_DOCKER_CONFIG = re.compile(r"(^|/)(\.docker/config\.json|\.dockercfg)$")
MODULES_MANIFEST = ".terraform/modules/modules.json"  # written by `terraform init`
AUTO_TFVARS = re.compile(r"(^|/)(terraform\.tfvars(\.json)?|[^/]*\.auto\.tfvars(\.json)?)$")


@dataclass
class Graph:
    root: str = ""
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    files: dict[str, ParsedFile] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    environments: set = field(default_factory=set)
    ctx: ScanContext = field(default_factory=ScanContext)  # the scan's configuration, for the rules
    _derived: dict = field(default_factory=dict, repr=False, compare=False)

    def add(self, node: Node) -> Node:
        if node.id in self.nodes:  # same id twice: keep the first, merge environments
            old = self.nodes[node.id]
            for e in node.envs:
                if e.name not in old.env_names:
                    old.envs.append(e)
            return old
        self.nodes[node.id] = node
        for e in node.envs:
            self.environments.add(e.name)
        return node

    def derived(self, key, build):
        """``build()`` computed once and reused until a node is added (nodes are never removed): the one
        mechanism for the indexes rules and views need, so none of them rescans the graph per node."""
        hit = self._derived.get(key)
        if hit is None or hit[0] != len(self.nodes):
            hit = (len(self.nodes), build())
            self._derived[key] = hit
        return hit[1]

    def _index(self) -> tuple[dict, dict]:
        """Nodes by kind and by type."""
        def build():
            by_kind: dict = {}
            by_type: dict = {}
            for n in self.nodes.values():
                by_kind.setdefault(n.kind, []).append(n)
                by_type.setdefault(n.type, []).append(n)
            return by_kind, by_type
        return self.derived("by_kind_type", build)

    def of_kind(self, *kinds: str) -> list[Node]:
        by_kind = self._index()[0]
        if len(kinds) == 1:
            return list(by_kind.get(kinds[0], ()))
        return [n for n in self.nodes.values() if n.kind in kinds]

    def nodes_of_type(self, type_: str) -> list[Node]:
        """Every node of one type, including blocks with no instance (kind tells them apart)."""
        return list(self._index()[1].get(type_, ()))

    def of_type(self, *types: str) -> list[Node]:
        """Nodes of these types that exist (a block whose count/for_each is empty is left out)."""
        by_type = self._index()[1]
        if len(types) == 1:
            return [n for n in by_type.get(types[0], ()) if n.kind != "tf_resource_unused"]
        return [n for n in self.nodes.values() if n.type in types and n.kind != "tf_resource_unused"]

    def edges_from(self, nid: str, kind: str | None = None) -> list[Edge]:
        return [e for e in self.edges if e.src == nid and (kind is None or e.kind == kind)]

    def edges_to(self, nid: str, kind: str | None = None) -> list[Edge]:
        return [e for e in self.edges if e.dst == nid and (kind is None or e.kind == kind)]


class Builder:
    def __init__(self, files: list[ParsedFile], ctx: ScanContext):
        self.g = Graph(ctx=ctx)
        self.files = {f.path: f for f in files}
        self.g.files = self.files
        self.envs = ctx.envs
        self.read_file = ctx.read_file
        self.var_files = ctx.var_files
        self.tf_var_env = ctx.tf_var_env
        self.railway_tf_dirs: set[str] = set()

    # -----------------------------------------------------------------------------------------
    def build(self) -> Graph:
        for f in self.files.values():
            self.g.diagnostics.extend(f.diagnostics)
        self._terraform()
        for f in sorted(self.files.values(), key=lambda f: f.path):
            if f.data is None and f.kind != "text":
                continue
            if f.kind in ("dotenv", "dotenv_example"):
                self._dotenv(f)
            elif f.kind in ("railway_json", "railway_toml"):
                self._railway_config(f)
            elif f.kind == "railway_env_config":
                self._railway_env_config(f)
            elif f.kind == "text":
                self._text(f)
            elif f.kind == "keystore":
                self._keystore(f)
            elif f.kind == "json":
                self._json_config(f)
            elif f.kind == "plan_json":
                from .plan import add_plan_nodes

                add_plan_nodes(self.g, f)
        from .railway_iac import add_railway_iac  # after the other files: it needs the environments they name

        add_railway_iac(self, [f for f in self.files.values() if f.kind in ("railway_ts", "railway_py")])
        self._railway_volume_environments()
        return self.g

    # -- Terraform -------------------------------------------------------------------------------
    def _terraform(self):
        tf = {p: f.data for p, f in self.files.items() if f.kind == "terraform" and f.data is not None}
        if not tf:
            return
        dirs = build_module_dirs(tf)
        for d, md in dirs.items():
            for _, b in md.providers:
                if b.labels and b.labels[0] == "railway":
                    self.railway_tf_dirs.add(d)
            for _, b in md.other:
                if b.type == "terraform":
                    for rp in b.body.blocks_of("required_providers"):
                        if "railway" in rp.body.attributes:
                            self.railway_tf_dirs.add(d)
        self._tf_literal_credentials(dirs)
        roots = find_roots(dirs)
        installed = {}
        for p, f in sorted(self.files.items()):
            if p == MODULES_MANIFEST or p.endswith("/" + MODULES_MANIFEST):
                root = p[: -len(MODULES_MANIFEST)].rstrip("/")
                if f.data is not None:
                    installed[root] = modules_manifest(root, p, f.data.get("value"))
        ex = Expander(dirs, read_file=self.read_file, installed=installed)
        tfvars = {p: f for p, f in self.files.items() if f.kind == "tfvars" and f.data is not None}
        for root in roots:
            for ctx_name, env, reason, inputs in self._contexts(root, tfvars, ex):
                res = ex.expand_root(root, inputs, ctx_name, env)
                self.g.diagnostics.extend(res.diagnostics)
                root_env = [EnvTag(env, reason)] if env else []
                for inst in res.instances:
                    self._tf_instance(inst, root_env)
                for path, b, r, c, mctx in res.providers:
                    self._tf_provider(path, b, r, c, mctx, root_env, ex)
        self.g.diagnostics = dedupe_diagnostics(self.g.diagnostics)  # one per context otherwise

    def _tfvars_near(self, root: str, tfvars: dict) -> list:
        """Sorted tfvars paths in ROOT or in a var directory under it (envs/, vars/…): the only ones
        _contexts can use. Indexed once: scanning every tfvars file per root was quadratic."""
        cached = getattr(self, "_tfvars_index", None)
        if cached is None or cached[0] is not tfvars:
            idx: dict = {}
            for p in tfvars:
                d = posixpath.dirname(p)
                idx.setdefault(d, set()).add(p)
                parts = d.split("/") if d else []
                for i, part in enumerate(parts):  # ancestors whose next component is a var directory
                    if part in _VAR_DIRS:
                        idx.setdefault("/".join(parts[:i]), set()).add(p)
            cached = (tfvars, {k: sorted(v) for k, v in idx.items()})
            self._tfvars_index = cached
        return cached[1].get(root, [])

    def _contexts(self, root: str, tfvars: dict, ex: Expander):
        """[(context name, env, reason, inputs)]: one per environment var file, else one for the root."""
        auto: dict = {}
        env_files: list[tuple[str, str]] = []
        for p in self._tfvars_near(root, tfvars):
            d = posixpath.dirname(p)
            if d == root and AUTO_TFVARS.search(p):
                auto.update(tfvars_inputs(tfvars[p].data, p, ex.ev))
            elif d == root or _is_var_dir(d, root):
                stem = posixpath.basename(p).split(".tfvars")[0]
                env = self.envs.normalize(stem) or self.envs.from_token_string(stem)
                if env:
                    env_files.append((p, env))
        for vf in self.var_files:
            if vf in tfvars and (posixpath.dirname(vf) + "/").startswith(root + "/" if root else ""):
                stem = posixpath.basename(vf).split(".tfvars")[0]
                env_files.append((vf, self.envs.normalize_free(stem)))
        for k, v in self.tf_var_env.items():
            auto[k] = (v, [])
        if not env_files:
            root_env = self.envs.from_path(root + "/main.tf") if root else None
            if root_env:
                return [(None, root_env[0], f"root module in {root_env[1]}", auto)]
            return [(None, None, "", auto)]
        out = []
        for p, env in sorted(set(env_files)):
            inputs = dict(auto)
            inputs.update(tfvars_inputs(tfvars[p].data, p, ex.ev))
            out.append((p, env, f"var file {p}", inputs))
        return out

    def _tf_instance(self, inst: ResourceInstance, root_env: list[EnvTag]):
        envs = list(root_env)
        t = self.envs.from_tags(inst.attrs)
        if t and t[0] not in [e.name for e in envs]:
            envs.append(EnvTag(t[0], t[1]))
        if not envs:
            envs = self.envs.tags_for_path(inst.path)
        kind = "tf_resource" if inst.mode == "managed" else "tf_data"
        if inst.instances == 0:
            kind = "tf_resource_unused"  # count/for_each empty here: only its static lifecycle is known
        nid = f"tf|{inst.root}|{inst.context or ''}|{inst.address}"
        node = Node(nid, kind, inst.type, inst.address, inst.span, envs, inst.attrs, inst.origins,
                    {"root": inst.root, "context": inst.context, "callers": inst.callers, "present": inst.present,
                     "address": inst.address, "key": inst.key, "module_path": inst.module_path, "refs": inst.refs,
                     "resource_name": inst.name})
        self.g.add(node)
        for ref in inst.refs:
            if ref.startswith(("var.", "local.")):
                continue
            prefix = f"{inst.module_path}." if inst.module_path else ""
            self.g.edges.append(Edge(nid, f"tf|{inst.root}|{inst.context or ''}|{prefix}{ref}", "references",
                                     inst.span))
        self._tf_credentials(node)

    def _tf_provider(self, path, b, root, ctx_name, mctx, root_env, ex):
        from ..terraform.evaluate import Scope

        name = b.labels[0] if b.labels else "?"
        origins: dict = {}
        present: dict = {}
        attrs = ex.eval_body(b.body, Scope(path=path, resolver=mctx), "", origins, present)
        nid = f"tfprovider|{root}|{ctx_name or ''}|{path}:{b.pos.line}"
        node = Node(nid, "tf_provider", name, f"provider.{name}", Span(path, b.pos.line, b.pos.col), list(root_env),
                    attrs, origins, {"root": root, "context": ctx_name, "present": present})
        self.g.add(node)
        # literal credentials written into the provider block
        for an, a in b.body.attributes.items():
            v = attrs.get(an)
            if isinstance(v, str) and _SECRETISH_ATTR.search(an):
                lit_here = origins.get(an, [])
                site = lit_here[0] if lit_here else present.get(an)
                m = creds.match_value(_provider_env_name(name, an), v, terraform_provider_context=True) or \
                    creds.match_value(an, v, terraform_provider_context=True)
                if m is None and not creds.is_placeholder(v) and len(v) >= 8:
                    m = creds.match_value("RAILWAY_TOKEN" if name == "railway" else an, v,
                                          terraform_provider_context=(name == "railway"))
                if m is not None and site is not None:
                    self._credential(m, site, f"provider \"{name}\" {an}", list(root_env), consumer=nid,
                                     literal=True)

    def _tf_credentials(self, node: Node):
        """Literal secrets in resource arguments (e.g. railway_variable values)."""
        if node.type in ("railway_variable",) and isinstance(node.attrs.get("name"), str):
            v = node.attrs.get("value")
            if isinstance(v, str):
                m = creds.match_value(node.attrs["name"], v)
                site = (node.origins.get("value") or [node.span])[0]
                if m is not None:
                    self._credential(m, site, f"{node.name} value", node.envs)

    def _tf_literal_credentials(self, dirs):
        """Secrets written as literals in .tf / .tfvars: token formats on any line (resource arguments, locals,
        heredocs, tfvars values by name), and variable defaults judged by the variable's name."""
        for p, f in sorted(self.files.items()):
            if f.kind not in ("terraform", "tfvars") or not f.lines:
                continue
            envs = self.envs.tags_for_path(p)
            tf_ctx = self._terraform_context_for(p, f.lines)
            for m in creds.scan_text_lines(f.lines, terraform_provider_context=tf_ctx):
                self._credential(m, Span(p, m.line, m.col), p, envs, literal=True)
        for d, md in sorted(dirs.items()):
            for name, (path, b) in sorted(md.variables.items()):
                a = b.body.attributes.get("default")
                v = getattr(a.expr, "value", None) if a is not None else None
                parts = getattr(a.expr, "parts", None) if a is not None else None
                if v is None and parts and all(isinstance(x, str) for x in parts):
                    v = "".join(parts)
                if not isinstance(v, str):
                    continue
                m = creds.match_value(name, v, terraform_provider_context=d in self.railway_tf_dirs)
                if m is not None:
                    self._credential(m, Span(path, a.pos.line, a.pos.col), f'variable "{name}" default',
                                     self.envs.tags_for_path(path), literal=True)

    # -- credentials ------------------------------------------------------------------------------
    def _credential(self, m: creds.CredentialMatch, span: Span, where: str, envs: list[EnvTag], consumer=None,
                    literal=False):
        nid = f"cred|{span.path}:{span.line}:{m.kind.id}"
        node = Node(nid, "credential", m.kind.id, m.name or m.kind.title, span, list(envs),
                    {"kind": m.kind.id, "title": m.kind.title, "scope": m.kind.scope, "broad": m.kind.broad,
                     "provider": m.kind.provider, "redacted": m.redacted, "fingerprint": m.fingerprint,
                     "destroys": m.kind.destroys, "where": where, "literal": literal},
                    {}, {"reaches": m.kind.reaches})
        node = self.g.add(node)
        if consumer:
            self.g.edges.append(Edge(nid, consumer, "consumed-by", span))
        return node

    def _terraform_context_for(self, path: str, lines: list[str]) -> bool:
        """Is a token in this file consumed by a Terraform provider (same/ancestor dir has a railway provider)?"""
        d = posixpath.dirname(path)
        while True:
            if d in self.railway_tf_dirs:
                return True
            if not d:
                break
            d = posixpath.dirname(d)
        text = "\n".join(lines[:400]).lower()
        return "terraform apply" in text or "terraform plan" in text or "tf_var_" in text

    # -- dotenv -------------------------------------------------------------------------------------
    def _dotenv(self, f: ParsedFile):
        envs = self.envs.tags_for_path(f.path)
        tf_ctx = self._terraform_context_for(f.path, f.lines)
        for e in f.data:
            span = Span(f.path, e["line"], e["col"])
            nid = f"env|{f.path}|{e['key']}|{e['line']}"
            node = Node(nid, "env_var", e["key"], e["key"], span, list(envs),
                        {"key": e["key"], "identity": identity_of(e["key"], e["value"]),
                         "example": f.kind == "dotenv_example"}, {}, {"file_kind": f.kind})
            self.g.add(node)
            if f.kind == "dotenv_example":
                continue
            m = creds.match_value(e["key"], e["value"], terraform_provider_context=tf_ctx)
            if m is not None:
                m.line, m.col = e["line"], e["col"]
                c = self._credential(m, span, f"{f.path}", envs)
                node.attrs["credential"] = c.id
            elif _SECRETISH_NAME.search(e["key"]) and not creds.is_placeholder(e["value"]) and len(e["value"]) >= 8:
                node.attrs["secret_fingerprint"] = creds.fingerprint(e["value"])

    def _text(self, f: ParsedFile):
        tf_ctx = self._terraform_context_for(f.path, f.lines)
        envs = self.envs.tags_for_path(f.path)
        for m in creds.scan_text_lines(f.lines, terraform_provider_context=tf_ctx):
            self._credential(m, Span(f.path, m.line, m.col), f.path, envs)
        for m in creds.scan_credential_file(f.path, f.lines):  # .netrc, .pgpass, .npmrc, .pypirc …
            self._credential(m, Span(f.path, m.line, m.col), f.path, envs)

    def _keystore(self, f: ParsedFile):
        """A binary key store (.p12, .pfx, .jks, a DER key): its presence is the finding; its bytes are not read."""
        kind = creds.kind_by_id("key-store-file")
        if kind is None:
            return
        name = posixpath.basename(f.path)
        m = creds.CredentialMatch(kind, name, 1, 1, "binary file, not read", "")
        self._credential(m, Span(f.path, 1, 1), f.path, self.envs.tags_for_path(f.path))

    def _json_config(self, f: ParsedFile):
        """Plain JSON config: look for credentials in string values (by key name and value format), and
        Google service-account key files ({"type": "service_account", "private_key": …})."""
        from ..parsers.jsonpos import line_of

        envs = self.envs.tags_for_path(f.path)
        docker = _DOCKER_CONFIG.search(f.path) is not None
        lines = _LazyLines(f)
        stack: list = [((), f.data["value"])]
        n = 0
        while stack and n < 200000:
            n += 1
            p, v = stack.pop()
            if isinstance(v, dict) and v.get("type") == "service_account" and isinstance(v.get("private_key"), str):
                m = creds.match_value("", '"type": "service_account"')
                if m is not None and not creds.is_placeholder(v["private_key"]):
                    m.fingerprint = creds.fingerprint(v["private_key"])
                    m.redacted = creds.redact(v["private_key"])
                    m.name = str(v.get("client_email") or "service account")
                    self._credential(m, Span(f.path, line_of(lines, p + ("private_key",))), f.path, envs)
                continue
            if isinstance(v, dict):
                stack.extend((p + (k,), x) for k, x in v.items())
            elif isinstance(v, list):
                stack.extend((p + (i,), x) for i, x in enumerate(v))
            elif isinstance(v, str) and p:
                key = str(p[-1]) if not isinstance(p[-1], int) else ""
                m = creds.match_value(key, v)
                if m is None and docker and key in ("auth", "identitytoken", "password") and len(p) >= 2:
                    m = creds.match_value(f"docker:{key}", v)  # {"auths": {"ghcr.io": {"auth": base64(user:pw)}}}
                    if m is not None:
                        m.name = f"{key} for {p[-2]}"
                if m is not None:
                    from ..parsers.jsonpos import line_of

                    self._credential(m, Span(f.path, line_of(lines, p)), f.path, envs)

    # -- Railway ------------------------------------------------------------------------------------
    def _railway_config(self, f: ParsedFile):
        """railway.json / railway.toml config-as-code: one service config, with per-environment overrides."""
        value = f.data["value"]
        lines = f.data["lines"]
        if not isinstance(value, dict):
            return
        from ..parsers.jsonpos import line_of

        svc_dir = posixpath.dirname(f.path) or "."
        base_envs = self.envs.tags_for_path(f.path)
        nid = f"railway_config|{f.path}"
        node = Node(nid, "railway_config", "railway_config", svc_dir, Span(f.path, 1), base_envs,
                    {"build": value.get("build") or {}, "deploy": value.get("deploy") or {},
                     "environments": value.get("environments") or {}},
                    {}, {"lines": {".".join(map(str, k)): v for k, v in lines.items() if k}})
        self.g.add(node)
        for env_name in (value.get("environments") or {}):
            e = self.envs.normalize_free(env_name)
            self.g.environments.add(e)
            self.g.add(Node(f"railway_env|{f.path}|{env_name}", "railway_environment", "railway_environment",
                            env_name, Span(f.path, line_of(lines, ("environments", env_name))),
                            [EnvTag(e, f"environments.{env_name} in {f.path}")], {"name": env_name}))

    def _railway_env_config(self, f: ParsedFile):
        """`railway environment config --json` export: services, variables, volume mounts, volumes, buckets."""
        from ..parsers.jsonpos import line_of

        value = f.data["value"]
        lines = f.data["lines"]
        env_guess = None
        for k in ("environment", "environmentName", "name"):
            if isinstance(value.get(k), str):
                env_guess = (self.envs.normalize_free(value[k]), f"{k} = {value[k]!r} in the export")
        if env_guess is None:
            r = self.envs.from_path(f.path)
            if r:
                env_guess = (r[0], f"export file {r[1]}")
        envs = [EnvTag(env_guess[0], env_guess[1])] if env_guess else []
        services = value.get("services") or {}
        volumes = value.get("volumes") or {}
        for sid, svc in sorted(services.items()) if isinstance(services, dict) else []:
            if not isinstance(svc, dict):
                continue
            sp = ("services", sid)
            snode = Node(f"rw_service|{f.path}|{sid}", "railway_service", "railway_service",
                         str(svc.get("name") or sid), Span(f.path, line_of(lines, sp)), list(envs),
                         {"id": sid, "source": svc.get("source"), "deploy": svc.get("deploy")}, {},
                         {"origin": "env-config export"})
            self.g.add(snode)
            for vname, var in sorted((svc.get("variables") or {}).items()):
                val = var.get("value") if isinstance(var, dict) else var
                self._export_variable(f, sp + ("variables", vname), vname, val, envs, lines)
            for vol_id, mount in sorted((svc.get("volumeMounts") or {}).items()):
                mp = sp + ("volumeMounts", vol_id)
                mount = mount if isinstance(mount, dict) else {}
                vol_def = volumes.get(vol_id) if isinstance(volumes, dict) else None
                backups = mount.get("backupSchedules") or (vol_def or {}).get("backupSchedules") or []
                vnode = self._railway_volume(
                    f"rw_volume|{f.path}|{vol_id}", vol_id, Span(f.path, line_of(lines, mp)), envs,
                    {"id": vol_id, "mount_path": mount.get("mountPath"), "backup_schedules": backups,
                     "service": sid, "source": "env-config export"})
                self.g.edges.append(Edge(snode.id, vnode.id, "mounts", vnode.span))
        for vol_id, vol in sorted(volumes.items()) if isinstance(volumes, dict) else []:
            nid = f"rw_volume|{f.path}|{vol_id}"
            if nid in self.g.nodes:
                continue
            vol = vol if isinstance(vol, dict) else {}
            self._railway_volume(nid, vol_id, Span(f.path, line_of(lines, ("volumes", vol_id))), envs,
                                 {"id": vol_id, "backup_schedules": vol.get("backupSchedules") or [],
                                  "source": "env-config export"})
        for vname, var in sorted((value.get("sharedVariables") or {}).items()):
            val = var.get("value") if isinstance(var, dict) else var
            self._export_variable(f, ("sharedVariables", vname), vname, val, envs, lines)

    def _export_variable(self, f, p, name, val, envs, lines):
        from ..parsers.jsonpos import line_of

        span = Span(f.path, line_of(lines, p))
        node = Node(f"env|{f.path}|{'/'.join(map(str, p))}", "env_var", name, name, span, list(envs),
                    {"key": name, "identity": identity_of(name, val if isinstance(val, str) else "")}, {},
                    {"file_kind": "railway_env_config"})
        self.g.add(node)
        if isinstance(val, str):
            m = creds.match_value(name, val)
            if m is not None:
                c = self._credential(m, span, f.path, envs)
                node.attrs["credential"] = c.id
            elif _SECRETISH_NAME.search(name) and not creds.is_placeholder(val) and len(val) >= 8:
                node.attrs["secret_fingerprint"] = creds.fingerprint(val)

    def _railway_volume(self, nid, name, span, envs, attrs) -> Node:
        node = Node(nid, "railway_volume", "railway_volume", str(name), span, list(envs), attrs, {}, {})
        return self.g.add(node)

    def _railway_volume_environments(self):
        """Terraform-declared Railway volumes exist in every environment of their project."""
        projects = {n.id: n for n in self.g.of_type("railway_project") if n.kind == "tf_resource"}
        envs_by_root: dict = {}
        for n in self.g.of_type("railway_environment"):
            if n.kind != "tf_resource":
                continue
            name = n.attrs.get("name")
            if isinstance(name, str):
                envs_by_root.setdefault((n.meta["root"], n.meta["context"]), []).append((name, n.span))
                # a Railway environment IS its name's environment, whatever the root's context says
                e = self.envs.normalize_free(name)
                site = n.meta["present"].get("name") or n.span
                n.envs = [EnvTag(e, f"railway_environment name = {name!r} ({site.path}:{site.line})")]
                self.g.environments.add(e)
        for p in projects.values():
            de = p.attrs.get("default_environment")
            if isinstance(de, list) and de:
                de = de[0]
            name = de.get("name") if isinstance(de, dict) else None
            if isinstance(name, str):
                envs_by_root.setdefault((p.meta["root"], p.meta["context"]), []).append(
                    (name, (p.meta["present"].get("default_environment") or p.span)))
            elif not isinstance(name, Unknown):
                envs_by_root.setdefault((p.meta["root"], p.meta["context"]), []).append(
                    ("production", p.span))  # Railway's default environment is "production"
        for n in list(self.g.of_type("railway_service", "railway_volume")):
            if n.kind != "tf_resource":
                continue
            vol = n.attrs.get("volume")
            if isinstance(vol, list):
                vol = vol[0] if vol else None
            if n.type == "railway_service" and not isinstance(vol, dict):
                self._railway_service_environments(n, envs_by_root.get((n.meta["root"], n.meta["context"]), []))
                continue
            if n.type == "railway_volume":
                vol = n.attrs
            env_list = envs_by_root.get((n.meta["root"], n.meta["context"]), [])
            if n.type == "railway_service":
                self._railway_service_environments(n, env_list)
            tags = _every_environment_tags(self.envs, "volume", env_list) or list(n.envs)
            vspan = n.meta["present"].get("volume") or n.span
            vname = vol.get("name") if isinstance(vol, dict) else None
            vnode = Node(f"tfvol|{n.id}", "railway_volume", "railway_volume",
                         vname if isinstance(vname, str) else n.name, vspan, tags,
                         {"name": vname, "mount_path": vol.get("mount_path") if isinstance(vol, dict) else None,
                          "service": n.id, "source": "terraform", "backup_schedules": []},
                         {}, {"resource": n.id, "resource_span": n.span, "root": n.meta["root"],
                              "context": n.meta["context"]})
            self.g.add(vnode)
            self.g.edges.append(Edge(n.id, vnode.id, "mounts", vspan))

    def _railway_service_environments(self, n: Node, env_list: list):
        """A community-provider railway_service has no environment argument: it exists in every environment of
        its project (ES008 asks what that exposes)."""
        tags = _every_environment_tags(self.envs, "service", env_list)
        if tags:
            n.envs = tags
            n.meta["all_environments"] = True


def _every_environment_tags(envs, what: str, env_list: list) -> list[EnvTag]:
    """One tag per environment of the project, for a WHAT (volume, service) created with no environment."""
    tags: list[EnvTag] = []
    for name, span in env_list:
        e = envs.normalize_free(name)
        if e not in [t.name for t in tags]:
            tags.append(EnvTag(e, f"the {what} is created with no environment, so it exists in every "
                                  f"environment of its project, including {name!r} ({span.path}:{span.line})"))
    return tags


_SECRETISH_ATTR = re.compile(r"(token|secret|password|access_key|api_key|apikey|credentials|private_key)", re.I)
_SECRETISH_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY|_KEY$|DATABASE_URL|"
                             r"_DSN$|CONNECTION_STRING)", re.I)
_PROVIDER_ENV = {("railway", "token"): "RAILWAY_TOKEN", ("github", "token"): "GITHUB_TOKEN",
                 ("cloudflare", "api_key"): "CLOUDFLARE_API_KEY", ("cloudflare", "api_token"): "CLOUDFLARE_API_TOKEN",
                 ("aws", "secret_key"): "AWS_SECRET_ACCESS_KEY", ("heroku", "api_key"): "HEROKU_API_KEY",
                 ("vercel", "api_token"): "VERCEL_TOKEN", ("digitalocean", "token"): "DIGITALOCEAN_TOKEN",
                 ("tfe", "token"): "TFE_TOKEN", ("neon", "api_key"): "NEON_API_KEY", ("fly", "fly_api_token"):
                 "FLY_API_TOKEN"}


class _LazyLines(dict):
    """A JSON file's key-path -> line map, computed the first time a finding needs a line."""

    def __init__(self, f: ParsedFile):
        super().__init__()
        self._f = f
        self._done = False

    def _fill(self):
        if not self._done:
            self._done = True
            known = self._f.data.get("lines")
            if known is None:
                from ..parsers.jsonpos import line_map

                known = line_map("\n".join(self._f.lines))
            self.update(known)

    def __contains__(self, key):
        self._fill()
        return super().__contains__(key)

    def __getitem__(self, key):
        self._fill()
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._fill()
        return super().get(key, default)


def _provider_env_name(provider: str, attr: str) -> str:
    return _PROVIDER_ENV.get((provider, attr), attr)


def _is_var_dir(d: str, root: str) -> bool:
    if root and not d.startswith(root + "/"):
        return False
    rel = d[len(root) + 1:] if root else d
    first = rel.split("/")[0]
    return first in _VAR_DIRS


_VAR_DIRS = ("envs", "env", "environments", "vars", "tfvars", "var-files", "config", "configs")


_URL = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.\-]*)://(?:[^@/]*@)?(?P<host>[^/:?#]+)(?::(?P<port>\d+))?"
                  r"(?:/(?P<path>[^?#]*))?", re.I)


_ARN_ID = re.compile(r"^arn:aws[a-z\-]*:(s3|rds|dynamodb|elasticache|efs|ec2|backup|redshift|docdb|es):[^:]*:[^:]*:"
                     r"([^\s*]+)$")
_BUCKET_KEY = re.compile(r"(^|_)(BUCKET|BUCKET_NAME|GCS_BUCKET|S3_BUCKET|VOLUME_ID|DB_INSTANCE_IDENTIFIER)$", re.I)
_BUCKET_VAL = re.compile(r"^[a-z0-9][a-z0-9.\-_]{2,62}$")


def identity_of(key: str, value: str) -> str | None:
    """A normalized identity for data stores named in a variable: host[:port]/database of a connection URL, an ARN
    of a data service, or a bucket / volume name in a variable named for it."""
    if not isinstance(value, str) or not value:
        return None
    a = _ARN_ID.match(value.strip())
    if a:
        return f"arn://{a.group(1)}/{a.group(2).split('/')[0]}"
    if _BUCKET_KEY.search(key or "") and _BUCKET_VAL.match(value.strip()):
        return f"bucket://{value.strip().lower()}"
    m = _URL.match(value.strip())
    if m and m.group("scheme").lower() not in ("http", "https") and m.group("host"):
        host = m.group("host").lower()
        if host in ("localhost", "127.0.0.1", "0.0.0.0", "host.docker.internal") or host.startswith("${"):
            return None
        if host.endswith(".railway.internal"):
            return None  # Railway private networking: the same name resolves to each environment's own service
        db = (m.group("path") or "").split("/")[0]
        return f"{m.group('scheme').lower().split('+')[0]}://{host}:{m.group('port') or ''}/{db}"
    return None
