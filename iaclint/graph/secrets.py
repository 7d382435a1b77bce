"""Credentials into the graph: ``credential`` nodes for secrets found in dotenv files, scripts and other text,
credential files (.netrc, .pgpass…), binary key stores, JSON config and Terraform literals.

What a secret looks like is ``graph.credentials`` (the catalogue); this module decides where to look and
records what it finds with ``add_credential``, which every contributor uses.
"""
from __future__ import annotations

import posixpath
import re

from ..kinds import FileKind
from ..model import Edge, EnvTag, Node, ParsedFile, Span
from . import credentials as creds
from .graph import Graph
from .identity import identity_of

_DOCKER_CONFIG = re.compile(r"(^|/)(\.docker/config\.json|\.dockercfg)$")
_SECRETISH_ATTR = re.compile(r"(token|secret|password|access_key|api_key|apikey|credentials|private_key)", re.I)
SECRETISH_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY|_KEY$|DATABASE_URL|"
                            r"_DSN$|CONNECTION_STRING)", re.I)
_PROVIDER_ENV = {("railway", "token"): "RAILWAY_TOKEN", ("github", "token"): "GITHUB_TOKEN",
                 ("cloudflare", "api_key"): "CLOUDFLARE_API_KEY", ("cloudflare", "api_token"): "CLOUDFLARE_API_TOKEN",
                 ("aws", "secret_key"): "AWS_SECRET_ACCESS_KEY", ("heroku", "api_key"): "HEROKU_API_KEY",
                 ("vercel", "api_token"): "VERCEL_TOKEN", ("digitalocean", "token"): "DIGITALOCEAN_TOKEN",
                 ("tfe", "token"): "TFE_TOKEN", ("neon", "api_key"): "NEON_API_KEY", ("fly", "fly_api_token"):
                 "FLY_API_TOKEN"}


def add_credential(g: Graph, m: creds.CredentialMatch, span: Span, where: str, envs: list[EnvTag], consumer=None,
                   literal=False) -> Node:
    """The credential node for match M at SPAN (one per file line and credential kind)."""
    nid = f"cred|{span.path}:{span.line}:{m.kind.id}"
    node = Node(nid, "credential", m.kind.id, m.name or m.kind.title, span, list(envs),
                {"kind": m.kind.id, "title": m.kind.title, "scope": m.kind.scope, "broad": m.kind.broad,
                 "provider": m.kind.provider, "redacted": m.redacted, "fingerprint": m.fingerprint,
                 "destroys": m.kind.destroys, "scope_down": m.kind.scope_down, "where": where,
                 "literal": literal},
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
        var.attrs["credential"] = c.id
        return c
    if SECRETISH_NAME.search(var.attrs["key"]) and not creds.is_placeholder(value) and len(value) >= 8:
        var.attrs["secret_fingerprint"] = creds.fingerprint(value)
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
    envs = b.envs.tags_for_path(f.path)
    tf_ctx = terraform_context_for(b, f.path, f.lines)
    example = f.kind == FileKind.DOTENV_EXAMPLE
    for e in f.data:
        span = Span(f.path, e["line"], e["col"])
        nid = f"env|{f.path}|{e['key']}|{e['line']}"
        node = Node(nid, "env_var", e["key"], e["key"], span, list(envs),
                    {"key": e["key"], "identity": identity_of(e["key"], e["value"]), "example": example}, {},
                    {"file_kind": f.kind})
        b.g.add(node)
        if example:
            continue
        m = creds.match_value(e["key"], e["value"], terraform_provider_context=tf_ctx)
        if m is not None:
            m.line, m.col = e["line"], e["col"]
        add_variable_secret(b.g, node, m, e["value"], span, f"{f.path}", envs)


def add_text(b, f: ParsedFile) -> None:
    tf_ctx = terraform_context_for(b, f.path, f.lines)
    envs = b.envs.tags_for_path(f.path)
    for m in creds.scan_text_lines(f.lines, terraform_provider_context=tf_ctx):
        add_credential(b.g, m, Span(f.path, m.line, m.col), f.path, envs)
    for m in creds.scan_credential_file(f.path, f.lines):  # .netrc, .pgpass, .npmrc, .pypirc …
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
    """Secrets written as literals in .tf / .tfvars: token formats on any line (resource arguments, locals,
    heredocs, tfvars values by name), and variable defaults judged by the variable's name."""
    for f in files:
        if f.kind not in (FileKind.TERRAFORM, FileKind.TFVARS) or not f.lines:
            continue
        envs = b.envs.tags_for_path(f.path)
        tf_ctx = terraform_context_for(b, f.path, f.lines)
        for m in creds.scan_text_lines(f.lines, terraform_provider_context=tf_ctx):
            add_credential(b.g, m, Span(f.path, m.line, m.col), f.path, envs, literal=True)
    for d, md in sorted(dirs.items()):
        for name, (path, blk) in sorted(md.variables.items()):
            a = blk.body.attributes.get("default")
            v = getattr(a.expr, "value", None) if a is not None else None
            parts = getattr(a.expr, "parts", None) if a is not None else None
            if v is None and parts and all(isinstance(x, str) for x in parts):
                v = "".join(parts)
            if not isinstance(v, str):
                continue
            m = creds.match_value(name, v, terraform_provider_context=d in b.railway_tf_dirs)
            if m is not None:
                add_credential(b.g, m, Span(path, a.pos.line, a.pos.col), f'variable "{name}" default',
                               b.envs.tags_for_path(path), literal=True)


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
    """Literal credentials written into a provider block (BLK), consumed by the PROVIDER node."""
    name, attrs, present = provider.type, provider.attrs, provider.meta["present"]
    for an in blk.body.attributes:
        v = attrs.get(an)
        if isinstance(v, str) and _SECRETISH_ATTR.search(an):
            lit_here = provider.origins.get(an, [])
            site = lit_here[0] if lit_here else present.get(an)
            m = creds.match_value(_PROVIDER_ENV.get((name, an), an), v, terraform_provider_context=True) or \
                creds.match_value(an, v, terraform_provider_context=True)
            if m is None and not creds.is_placeholder(v) and len(v) >= 8:
                m = creds.match_value("RAILWAY_TOKEN" if name == "railway" else an, v,
                                      terraform_provider_context=(name == "railway"))
            if m is not None and site is not None:
                add_credential(g, m, site, f"provider \"{name}\" {an}", list(provider.envs), consumer=provider.id,
                               literal=True)

