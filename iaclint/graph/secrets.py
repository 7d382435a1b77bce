"""Credentials into the graph: ``credential`` nodes for secrets found in dotenv files, scripts and other text,
credential files (.netrc, .pgpass…), binary key stores, JSON config and Terraform literals.

What a secret looks like is ``graph.credentials`` (the catalogue); this module decides where to look and
records what it finds with ``add_credential``, which every contributor uses.
"""
from __future__ import annotations

import posixpath
import re
from functools import cache, lru_cache

from ..kinds import FileKind
from ..model import Edge, EnvTag, Node, ParsedFile, SourceText, Span
from ..parsers.hclast import Body, Call, Cond, Lit, ObjectExpr, Template, TemplateFor, TemplateIf, Traversal, TupleExpr
from . import credentials as creds
from .credential_files import scan_credential_file
from .graph import Graph
from .identity import identity_of
from .secret_names import names_a_place, secret_name

_DOCKER_CONFIG = re.compile(r"(^|/)(\.docker/config\.json|\.dockercfg)$")
_PROVIDER_ENV = {("railway", "token"): "RAILWAY_TOKEN", ("github", "token"): "GITHUB_TOKEN",
                 ("cloudflare", "api_key"): "CLOUDFLARE_API_KEY", ("cloudflare", "api_token"): "CLOUDFLARE_API_TOKEN",
                 ("aws", "secret_key"): "AWS_SECRET_ACCESS_KEY", ("heroku", "api_key"): "HEROKU_API_KEY",
                 ("vercel", "api_token"): "VERCEL_TOKEN", ("digitalocean", "token"): "DIGITALOCEAN_TOKEN",
                 ("tfe", "token"): "TFE_TOKEN", ("neon", "api_key"): "NEON_API_KEY", ("fly", "fly_api_token"):
                 "FLY_API_TOKEN"}


def add_credential(g: Graph, m: creds.CredentialMatch, span: Span, where: str, envs: list[EnvTag], consumer=None,
                   literal=False, place="", placeholder=False) -> Node:
    """The credential node for match M at SPAN (one per file line and credential kind). A Terraform literal
    records its PLACE (provider, backend, resource, module, locals, variable, tfvars, string: inside a longer
    string, text: any other line); a PLACEHOLDER (only reported in provider and backend blocks) has no
    fingerprint."""
    nid = f"cred|{span.path}:{span.line}:{m.kind.id}"
    node = Node(nid, "credential", m.kind.id, m.name or m.kind.title, span, list(envs),
                {"kind": m.kind.id, "title": m.kind.title, "scope": m.kind.scope, "broad": m.kind.broad,
                 "provider": m.kind.provider, "redacted": m.redacted, "fingerprint": m.fingerprint,
                 "destroys": m.kind.destroys, "scope_down": m.kind.scope_down, "where": where,
                 "literal": literal, "place": place, "placeholder": placeholder},
                {}, {"reaches": m.kind.reaches})
    node = g.add(node)
    if consumer:
        g.edges.append(Edge(nid, consumer, "consumed-by", span))
    return node


def add_variable_secret(g: Graph, var: Node, m: creds.CredentialMatch | None, value: str, span: Span, where: str,
                        envs: list[EnvTag], literal=False) -> Node | None:
    """An env_var node's value: a credential (match M) is added and linked from the variable; a value that only
    its name says is secret gets a fingerprint (so the same secret in two environments can be recognised)."""
    if m is not None:
        c = add_credential(g, m, span, where, envs, literal=literal)
        var.attrs = {**var.attrs, "credential": c.id}  # a copy: a dotenv variable's attrs may be shared
        return c
    if len(value) >= 8 and secret_name(var.attrs["key"]) is not None and not creds.is_placeholder(value):
        var.attrs = {**var.attrs, "secret_fingerprint": creds.fingerprint(value)}
    return None


def terraform_context_for(b, path: str, lines: list[str]) -> bool:
    """Is a token in this file consumed by a Terraform provider (same/ancestor dir has a railway provider)?"""
    d = posixpath.dirname(path)
    while True:
        if d in b.railway_tf_dirs:
            return True
        if not d:
            break
        d = posixpath.dirname(d)
    text = "\n".join(lines[:400]).lower()
    return "terraform apply" in text or "terraform plan" in text or "tf_var_" in text


# -- per file kind ----------------------------------------------------------------------------------------------
def add_dotenv(b, f: ParsedFile) -> None:
    """An ``env_var`` node per variable of a dotenv file (16,000 in a 500-module tree), made small: the nodes of a
    file share their environments and (empty) origins, every dotenv variable of a kind of file the same meta, and
    of a name and identity the same attrs — read-only (``add_variable_secret`` records a secret on a copy)."""
    envs = list(b.envs.tags_for_path(f.path))
    tf_ctx = terraform_context_for(b, f.path, f.lines)
    example = f.kind == FileKind.DOTENV_EXAMPLE
    meta, origins = _dotenv_meta(f.kind), {}
    text = f.lines.text if isinstance(f.lines, SourceText) else "\n".join(f.lines)
    tokens = "\\" in text or creds.may_hold_token(text)  # else each value (verbatim: no escape) holds none
    for e in f.data:
        key, value, line, col = e["key"], e["value"], e["line"], e["col"]
        span = Span(f.path, line, col)
        node = b.g.add(Node(f"env|{f.path}|{key}|{line}", "env_var", key, key, span, envs,
                            _dotenv_attrs(key, identity_of(key, value), example), origins, meta))
        if example:
            continue
        m = creds.match_value(key, value, terraform_provider_context=tf_ctx) \
            if tokens or creds.may_name_credential(key, tf_ctx, False) else None
        if m is not None:
            m.line, m.col = line, col
        add_variable_secret(b.g, node, m, value, span, f.path, envs)


@lru_cache(maxsize=8192)
def _dotenv_attrs(key: str, identity: str | None, example: bool) -> dict:
    return {"key": key, "identity": identity, "example": example}


@cache
def _dotenv_meta(kind: FileKind) -> dict:
    return {"file_kind": kind}


def add_text(b, f: ParsedFile) -> None:
    tf_ctx = terraform_context_for(b, f.path, f.lines)
    envs = b.envs.tags_for_path(f.path)
    for m in creds.scan_text_lines(f.lines, terraform_provider_context=tf_ctx):
        add_credential(b.g, m, Span(f.path, m.line, m.col), f.path, envs)
    for m in scan_credential_file(f.path, f.lines):  # .netrc, .pgpass, .npmrc, .pypirc …
        add_credential(b.g, m, Span(f.path, m.line, m.col), f.path, envs)


def add_keystore(b, f: ParsedFile) -> None:
    """A binary key store (.p12, .pfx, .jks, a DER key): its presence is the finding; its bytes are not read."""
    kind = creds.kind_by_id("key-store-file")
    if kind is None:
        return
    name = posixpath.basename(f.path)
    m = creds.CredentialMatch(kind, name, 1, 1, "binary file, not read", "")
    add_credential(b.g, m, Span(f.path, 1, 1), f.path, b.envs.tags_for_path(f.path))


def add_json_config(b, f: ParsedFile) -> None:
    """Plain JSON config: look for credentials in string values (by key name and value format), and
    Google service-account key files ({"type": "service_account", "private_key": …})."""
    from ..parsers.jsonpos import line_of

    envs = b.envs.tags_for_path(f.path)
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
                add_credential(b.g, m, Span(f.path, line_of(lines, p + ("private_key",))), f.path, envs)
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
                add_credential(b.g, m, Span(f.path, line_of(lines, p)), f.path, envs)


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


# -- Terraform literals -----------------------------------------------------------------------------------------
def add_terraform_literals(b, files: list[ParsedFile], dirs) -> None:
    """Secrets written as literals in .tf / .tf.json / .tfvars and Terragrunt ``inputs``: every literal under a name that means a credential
    (``secret_names``) or holding a catalogue token format, found by walking the syntax (provider and backend
    blocks, resources and their nested blocks, map keys, ECS-style ``{name, value}`` pairs, variable defaults,
    locals, module arguments, tfvars), then token formats on any other line (comments, templates)."""
    sensitive: dict = {}
    for f in files:
        if f.kind not in (FileKind.TERRAFORM, FileKind.TFVARS, FileKind.TERRAGRUNT) or not f.lines:
            continue
        names = _sensitive_variables(dirs, f.path, sensitive) if f.kind == FileKind.TFVARS else set()
        if not names and not _may_hold_literal(f.lines):
            continue  # most files: nothing in the text a literal credential needs (its walk would find nothing)
        lines = list(iter(f.lines))  # split once (not list(): a SourceText asked its len keeps the split)
        walk = _Literals(b, f, names, lines)
        if isinstance(f.data, Body):
            walk.file(f.data)
        for m in creds.scan_text_lines(lines, terraform_provider_context=walk.tf_ctx):
            if not walk.found(m.line, m):
                walk.add(m, m.line, m.col, f.path, "text")


def _may_hold_literal(lines) -> bool:
    """Can a Terraform file (its LINES) hold a literal credential: a value or key ``match_literal`` judges, a
    sensitive variable's default, a script or template (``templatefile``) with one?"""
    text = lines.text if isinstance(lines, SourceText) else "\n".join(lines)
    return ("sensitive" in text and "default" in text) or "templatefile" in text or \
        creds.may_hold_literal_credential(text)


def _sensitive_variables(dirs, path: str, cache: dict) -> set:
    """The variables declared ``sensitive = true`` in the module a tfvars file at PATH sets (the nearest directory
    above it with a module: a tfvars file in envs/… sets the variables of the root above it)."""
    d = posixpath.dirname(path)
    while d and d not in dirs:
        d = posixpath.dirname(d)
    if d not in cache:
        md = dirs.get(d)
        cache[d] = set() if md is None else \
            {n for n, (_, blk) in md.variables.items() if _is_true(blk.body.attributes.get("sensitive"))}
    return cache[d]


def _is_true(a) -> bool:
    return a is not None and getattr(a.expr, "value", None) is True


_PATH_FUNCTIONS = ("file", "templatefile", "pathexpand", "abspath", "dirname", "basename")
_WALK_BUDGET = 200000


class _Literals:
    """One Terraform file's literals, walked with an explicit stack (never recursing with the input's depth)."""

    def __init__(self, b, f: ParsedFile, sensitive: set, lines: list[str]):
        self.b, self.f = b, f
        self.envs = b.envs.tags_for_path(f.path)
        self.tf_ctx = terraform_context_for(b, f.path, lines)
        self.sensitive = sensitive  # a tfvars file's sensitive variables
        self.kinds_at: dict[int, set] = {}  # line -> kinds found there (one finding per line and kind)
        self.budget = _WALK_BUDGET

    def found(self, line: int, m: creds.CredentialMatch | None = None) -> bool:
        """Was a credential (of M's kind) found on LINE already?"""
        kinds = self.kinds_at.get(line, ())
        return bool(kinds) if m is None else m.kind.id in kinds

    def add(self, m: creds.CredentialMatch, line: int, col: int, where: str, place: str, placeholder=False):
        add_credential(self.b.g, m, Span(self.f.path, line, col), where, self.envs, literal=True, place=place,
                       placeholder=placeholder)
        self.kinds_at.setdefault(line, set()).add(m.kind.id)

    def file(self, body: Body) -> None:
        if self.f.kind == FileKind.TFVARS:
            for name, a in body.attributes.items():
                self.expr(name, a.expr, "", "tfvars", sensitive=name in self.sensitive)
            return
        if self.f.kind == FileKind.TERRAGRUNT:  # a unit's inputs are its module's variables, as a tfvars file's
            if "inputs" in body.attributes:
                self.expr("inputs", body.attributes["inputs"].expr, "", "tfvars")
            return
        for blk in body.blocks:
            label = ".".join(blk.labels)
            if blk.type == "provider" and blk.labels:
                self.block_secrets(blk, blk.labels[0], f'provider "{blk.labels[0]}"', "provider")
            elif blk.type == "terraform":
                for inner in blk.body.blocks:
                    if inner.type in ("backend", "cloud"):
                        kind = inner.labels[0] if inner.labels else inner.type
                        self.block_secrets(inner, "", f'backend "{kind}"', "backend")
            elif blk.type == "variable" and blk.labels and "default" in blk.body.attributes:
                self.expr(blk.labels[0], blk.body.attributes["default"].expr, "variable ", "variable",
                          sensitive=_is_true(blk.body.attributes.get("sensitive")))
            elif blk.type in ("resource", "data", "module", "locals"):
                owner = blk.labels[0] if blk.type in ("resource", "data") and blk.labels else ""
                self.body(blk.body, f"module.{label}" if blk.type == "module" else label or blk.type, blk.type, owner)

    def block_secrets(self, blk, provider: str, where: str, place: str) -> None:
        """A provider or backend block: a literal under a credential name is wrong whatever its value (a
        placeholder too: Terraform sends it, and it invites the real key); an empty string is no value."""
        for an, a in blk.body.attributes.items():
            v = _literal(a.expr)
            sn = secret_name(an)
            if v is None or sn is None or not sn.certain or not v.strip() or names_a_place(v):
                continue
            m = provider_match(provider, an, v) if provider else None
            m = m or creds.match_literal(an, v, terraform_provider_context=True)
            placeholder = m is None
            if m is None:
                kind = creds.kind_by_id(sn.kind if sn.kind != "connection-string" else "named-secret")
                m = creds.CredentialMatch(kind, an, 0, 0, creds.redact(v), "")
            m.name = an
            self.add(m, a.expr.pos.line, a.expr.pos.col, f"{where} {an}", place, placeholder)
        self.body(blk.body, where, place)

    def body(self, body: Body, where: str, place: str, owner: str = "") -> None:
        """Every attribute of BODY and its nested blocks (OWNER: the resource type, whose schema may say more
        than an argument's name: ``kubernetes_secret`` ``data`` holds secrets under any key)."""
        stack = [(body, "", "")]
        while stack and self.budget > 0:
            bd, path, btype = stack.pop()
            for an, a in bd.attributes.items():
                sn = secret_name(an, owner)
                name = btype if an == "value" and btype else an  # connection_string { value = … }
                self.expr(name, a.expr, f"{where} {path}", place, owner=owner, sensitive=sn is not None and sn.schema,
                          path=an)
            stack.extend((x.body, f"{path}{x.type}.", x.type) for x in bd.blocks)

    def expr(self, name: str, e, where: str, place: str, sensitive=False, owner="", path="") -> None:
        """Literals of expression E under NAME; WHERE and PATH say where E is (``aws_db_instance.db master_auth.``
        ``password``)."""
        stack = [(name, e, path or name)]
        while stack and self.budget > 0:
            self.budget -= 1
            name, e, path = stack.pop()
            v = _literal(e)
            if v is not None:
                self.literal(name, v, e, where + path, place, sensitive, owner)
            elif isinstance(e, ObjectExpr):
                pair = _name_value(e)
                if pair is not None:
                    stack.append((pair[0], pair[1], f"{path}[{pair[0]}]"))
                else:
                    stack.extend((k, x, f"{path}.{k}") for k, x in ((_key(k), x) for k, x in e.items)
                                 if k is not None)
            elif isinstance(e, TupleExpr):
                stack.extend((name, x, path) for x in e.items)
            elif isinstance(e, Call) and e.name == "templatefile" and e.args:
                self.template_file(e.args[0], where)
                stack.extend((name, x, path) for x in e.args[1:])
            elif isinstance(e, Template) and e.pos.end_line > e.pos.line:  # a heredoc with interpolations
                self.script(_template_text(e.parts).split("\n"), lambda i, ln=e.pos.line: ln + i, where)
            elif isinstance(e, Call) and not e.name.startswith(_PATH_FUNCTIONS):
                # Terragrunt's get_env("NAME", default): NAME is a variable's name, the default a value
                stack.extend((name, x, path) for x in (e.args[1:] if e.name == "get_env" else e.args))
            elif isinstance(e, Cond):
                stack.extend([(name, e.then, path), (name, e.else_, path)])

    def literal(self, name: str, v: str, e, where: str, place: str, sensitive: bool, owner: str) -> None:
        """A data source's arguments are look-ups (a secret's name or id): only a token format counts there."""
        line, col = e.pos.line, e.pos.col
        text = v.split("\n")
        sn = secret_name(name, owner)
        m = None
        if place == "data":
            m = creds.match_value(name, v, terraform_provider_context=self.tf_ctx)
        elif len(text) == 1 or sensitive or (sn is not None and sn.certain):  # else: a token in a script, by its line
            m = creds.match_literal(name, v, terraform_provider_context=self.tf_ctx, sensitive=sensitive, owner=owner)
        if m is not None and not self.found(line):
            m.name = name
            self.add(m, line, col, where, place)
        at = (lambda i: line + i) if e.pos.end_line > line else (lambda i: line)  # heredoc lines follow the <<EOT
        if m is None and v.lstrip()[:1] in ("{", "[") and len(v) < 1000000:
            self.json_string(v, at, where)
        if len(text) > 1 and m is None:
            self.script(text, at, where)

    def script(self, text: list, at, where: str, path: str | None = None) -> None:
        """A script Terraform renders (a heredoc, ``user_data``, a ``templatefile`` template at PATH): token formats
        and assignments whose name means a credential (``DB_PASSWORD=…``), each on its line (AT: the file line of
        the script's line i)."""
        for s in creds.scan_text_lines(text, terraform_provider_context=self.tf_ctx, by_meaning=True):
            if path is not None:
                add_credential(self.b.g, s, Span(path, s.line, s.col), f"{path} (rendered by {where})", self.envs,
                               literal=True, place="string")
            elif not self.found(at(s.line), s):
                self.add(s, at(s.line), 1, f"{where} (inside the string)", "string")

    def template_file(self, arg, where: str) -> None:
        """The template a ``templatefile("${path.module}/x.tftpl", …)`` call renders, when its path is known."""
        rel = _template_path(arg)
        if rel is None:
            return
        d = posixpath.dirname(self.f.path)
        text = self.b.read_file(d, rel)
        if isinstance(text, str):
            self.script(text.split("\n"), None, where, posixpath.normpath(posixpath.join(d, rel)))

    def json_string(self, v: str, at, where: str) -> None:
        """A JSON document in a string (an ECS container definition, a policy in a heredoc): its keys and
        {"name": …, "value": …} pairs judged like HCL map keys, on the line of each value."""
        import json

        from ..parsers.jsonpos import line_map, line_of

        try:
            doc = json.loads(v)
        except ValueError:
            return
        lines = None
        stack: list = [((), doc)]
        while stack and self.budget > 0:
            self.budget -= 1
            p, x = stack.pop()
            if isinstance(x, dict):
                if isinstance(x.get("name"), str) and isinstance(x.get("value"), str):
                    stack.append((p + ("value",), (x["name"], x["value"])))
                    continue
                stack.extend((p + (k,), (k, y) if isinstance(y, str) else y) for k, y in x.items())
            elif isinstance(x, list):
                stack.extend((p + (i,), y) for i, y in enumerate(x) if not isinstance(y, str))
            elif isinstance(x, tuple):
                m = creds.match_literal(x[0], x[1], terraform_provider_context=self.tf_ctx)
                if m is not None:
                    lines = lines if lines is not None else line_map(v)
                    ln = at(line_of(lines, p))
                    if not self.found(ln, m):
                        m.name = x[0]
                        self.add(m, ln, 1, f"{where} {x[0]} (inside the JSON)", "string")


def _literal(e) -> str | None:
    """The string a literal expression is (a template without interpolation too), else None."""
    if isinstance(e, Lit):
        return e.value if isinstance(e.value, str) else None
    if isinstance(e, Template) and all(isinstance(p, str) for p in e.parts):
        return "".join(e.parts)
    return None


def _template_text(parts: list) -> str:
    """A template's text with each interpolation replaced by `${…}`; both branches of an ``%{ if }`` and a
    ``%{ for }`` body kept in place (their lines stay where the file has them)."""
    out, stack = [], list(reversed(parts))
    while stack:
        p = stack.pop()
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, TemplateIf):
            stack.extend(reversed(list(p.then) + list(p.else_)))
        elif isinstance(p, TemplateFor):
            stack.extend(reversed(list(p.body)))
        else:
            out.append("${…}")
    return "".join(out)


def _template_path(arg) -> str | None:
    """A templatefile() path relative to its module: a literal, or ``"${path.module}/…"``; else None."""
    if isinstance(arg, Template) and len(arg.parts) >= 2 and isinstance(arg.parts[0], Traversal) \
            and arg.parts[0].root == "path" and arg.parts[0].steps == [("attr", "module")] \
            and all(isinstance(p, str) for p in arg.parts[1:]):
        return "".join(arg.parts[1:]).lstrip("/") or None
    v = _literal(arg)
    return v if v and "${" not in v else None


def _key(k) -> str | None:
    if isinstance(k, Lit) and isinstance(k.value, str):
        return k.value
    if isinstance(k, Traversal) and not k.steps:
        return k.root
    return None


def _name_value(e: ObjectExpr):
    """(name, value expression) of an ECS-style {name = "DB_PASSWORD", value = "…"} element, else None."""
    keys = {_key(k): x for k, x in e.items}
    name = _literal(keys.get("name"))
    if name is not None and "value" in keys and set(keys) <= {"name", "value"}:
        return name, keys["value"]
    return None


def provider_match(provider: str, attr: str, value: str) -> creds.CredentialMatch | None:
    """A provider argument's value judged as the environment variable the provider reads it from (github
    ``token`` is GITHUB_TOKEN, railway ``token`` an account/workspace token)."""
    return creds.match_value(_PROVIDER_ENV.get((provider, attr), attr), value, terraform_provider_context=True) or \
        creds.match_value("RAILWAY_TOKEN" if provider == "railway" else attr, value, terraform_provider_context=True)


def add_resource_credentials(g: Graph, node: Node) -> None:
    """Literal secrets in resource arguments (e.g. railway_variable values)."""
    if node.type in ("railway_variable",) and isinstance(node.attrs.get("name"), str):
        v = node.attrs.get("value")
        if isinstance(v, str):
            m = creds.match_value(node.attrs["name"], v)
            site = (node.origins.get("value") or [node.span])[0]
            if m is not None:
                add_credential(g, m, site, f"{node.name} value", node.envs)


def add_provider_credentials(g: Graph, provider: Node, blk) -> None:
    """Literal credentials written into a provider block (BLK) or reaching it from a variable, consumed by the
    PROVIDER node."""
    name, attrs, present = provider.type, provider.attrs, provider.meta["present"]
    for an in blk.body.attributes:
        v = attrs.get(an)
        sn = secret_name(an)
        if isinstance(v, str) and sn is not None and sn.certain:
            lit_here = provider.origins.get(an, [])
            site = lit_here[0] if lit_here else present.get(an)
            m = provider_match(name, an, v)
            if m is not None and site is not None:
                add_credential(g, m, site, f"provider \"{name}\" {an}", list(provider.envs), consumer=provider.id,
                               literal=True, place="provider")
