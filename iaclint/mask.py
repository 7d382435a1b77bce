"""The one exit for text: every string iaclint prints or writes passes ``mask``.

Applied at the boundary — the renderers (``report.render``, the LSP, the graph views, the baseline writer,
the Action report) mask what they emit, so no rule, parser or evaluator has to remember it.  ``mask`` hides:

- every credential value the scan found: ``Secrets`` holds their salted fingerprints (never the values),
  and any piece of the text whose fingerprint is one of them is replaced by that credential's redacted
  form (``kind prefix…(N chars)``, what its finding shows);
- every catalogue token shape (``rules/credentials.yaml``: ``ghp_…``, ``AKIA…``, ``sk_live_…``, JWTs);
- URL userinfo passwords (``scheme://user:pw@host``) and PEM block bodies;
- values of ``KEY=value`` / ``key = "value"`` / ``"key": "value"`` assignments whose key name says secret
  (``graph.secret_names``, the classification the graph and the rules use; a trailing ``# comment`` is not part of the value, so ``TOKEN=… # paste here`` is masked too).

``source=True`` (a scanned file's line shown as an excerpt, or a parse error quoting one) adds what only
makes sense on source text, where a name-only credential (a Railway UUID under ``default = …``, any value in
a file too broken to parse) has no format to recognise it by: random-looking assignment values, runs shaped
like generated secrets (UUIDs, long hex, mixed-case base64), and the credential-file line shapes
(``.netrc`` ``password X``, ``.npmrc`` ``:_authToken=X``, ``.pgpass``).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Mapping

from .graph.credentials import _JWT, _required_literal, fingerprint, is_placeholder, load_catalogue, redact
from .graph.secret_names import secret_name

Secrets = Mapping[str, str]  # credential fingerprint -> its redacted form
NO_SECRETS: Secrets = {}

MASK = "****"
_URL_PASSWORD = re.compile(r"(?P<pre>[a-z][a-z0-9+.\-]*://[^:/@\s\"'`]*:)(?P<pw>[^@\s/\"'`]+)(?P<post>@)", re.I)
_PEM = re.compile(r"(?P<begin>-----BEGIN [A-Z0-9 ]+-----)(?P<body>.*?)(?P<end>-----END [A-Z0-9 ]+-----|\Z)", re.S)
_PEM_EMPTY = re.compile(r"\\[nr]|[\s\"',]")  # what a body that holds nothing is made of
# key (bare or quoted), an assignment operator (a colon only before a space or after a quoted key: not
# host:port), a value (quoted, or up to whitespace / a closing bracket)
_ASSIGNMENT = re.compile(
    r"""(?P<key>(?<![\w.\-])[A-Za-z_$][A-Za-z0-9_.\-]*|"[^"\n]{1,100}"|'[^'\n]{1,100}')(?P<op>\s*(?::=|=|:(?=\s)|(?<=["']):)\s*)"""
    r"""(?P<val>"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|<[^<>\n]{1,100}>|[^\s"'`,;)\]}]+)""")
_MASKED = re.compile(r"…|\*{4}")  # a value already masked (redact() form or MASK)
_PIECE = re.compile(r"(?<![A-Za-z0-9+/=])(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}(?:-[0-9a-fA-F]{1,12}){0,3}|[A-Za-z0-9+/=]{16,})")
_JSON_KEY_END = re.compile(r'"\s*:')
_HEXRUN = re.compile(r"(?=.*[0-9])(?=.*[a-fA-F])[0-9a-fA-F]+")
_RANDOMISH = re.compile(r"^[A-Za-z0-9_\-/+=.]{16,}$")
# credential-file lines that are not KEY=VALUE
_NETRC_PW = re.compile(r"(\b(?:password|passwd)\s+)(\S+)")
_NPMRC_AUTH = re.compile(r"(:_(?:authToken|auth|password)\s*=\s*)(\S+)", re.I)
_PGPASS_LINE = re.compile(r"^(\s*[^:\s#]+:[^:\s]*:[^:\s]*:[^:\s]*:)(\S.*)$", re.M)
# where the pieces of a text that may be a found credential's value begin and end
_PIECE_SPLITS = (re.compile(r"[\s\"'`]+"), re.compile(r"[\s\"'`=:,;{}()\[\]<>]+"),
                 re.compile(r"[\s\"'`=:,;{}()\[\]<>@/\\]+"))
_MIN_SECRET = 6


def secrets_of(graph) -> dict[str, str]:
    """The credentials a scan found, as fingerprint -> redacted form (no value is kept)."""
    return {n.attrs["fingerprint"]: n.attrs.get("redacted") or MASK for n in graph.nodes.values()
            if n.kind == "credential" and n.attrs.get("fingerprint")}


_SHAPES_SOURCE: tuple | None = None  # set by use_token_shapes


def token_shapes_source() -> tuple[str, list, str | None]:
    """What ``_token_shapes`` compiles, as plain strings: one alternation of every catalogue token format that
    needs no name (group i -> kind i's prefix), then of every such format's public prefix followed by 12 or more
    token characters: a token cut short (a parse error quotes 60 characters of the line) is still a token.
    Formats whose match is context rather than the secret (a PEM header, a service-account JSON field) do not
    start at a word boundary and are left to the PEM and assignment passes.  Last, the prefilter: a literal
    every shape contains (its prefix), so text holding none of them skips the alternation (10x cheaper)."""
    if _SHAPES_SOURCE is not None:
        return _SHAPES_SOURCE
    kinds = [k for k in load_catalogue() if not k.names and k.value is not None and k.value.pattern.startswith(r"\b")]
    shapes = [(k.value.pattern, k.prefix) for k in kinds]
    shapes += [(rf"\b{re.escape(p)}[A-Za-z0-9_\-]{{12,}}", p) for p in sorted({k.prefix for k in kinds if k.prefix})]
    shapes += [(r"\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=\-]*", ""), (r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_.\-]*", "eyJ")]
    pattern = "|".join(f"(?P<k{i}>{rx})" for i, (rx, _) in enumerate(shapes))
    literals = {p or _required_literal(rx) for rx, p in shapes}
    prefilter = None if None in literals else "|".join(re.escape(x) for x in sorted(literals))
    return pattern, [p for _, p in shapes], prefilter


def use_token_shapes(source) -> None:
    """Use SOURCE (what ``token_shapes_source`` returned, kept by a caller's cache keyed by the catalogue's
    content) instead of reading the catalogue: ``iaclint guard`` starts a process per shell command. None:
    read the catalogue again."""
    global _SHAPES_SOURCE
    _SHAPES_SOURCE = None if source is None else (source[0], list(source[1]), source[2])
    _token_shapes.cache_clear()
    _token_prefilter.cache_clear()


@lru_cache(maxsize=1)
def _token_prefilter() -> re.Pattern | None:
    prefilter = token_shapes_source()[2]
    return None if prefilter is None else re.compile(prefilter)


@lru_cache(maxsize=1)
def _token_shapes() -> tuple[re.Pattern, tuple]:
    """The alternation, compiled only when a text passes the prefilter (a 70-kind pattern costs milliseconds)."""
    pattern, prefixes, _ = token_shapes_source()
    return re.compile(pattern), tuple(prefixes)


def _tokens(text: str) -> str:
    prefilter = _token_prefilter()
    if prefilter is not None and not prefilter.search(text):
        return text
    rx, prefixes = _token_shapes()

    def repl(m):
        return redact(m.group(0), prefixes[int(m.lastgroup[1:])])

    return _JWT.sub("eyJ" + MASK, rx.sub(repl, text))


def _random_pieces(text: str) -> str:
    """Source text: runs shaped like generated secrets — a UUID (or its start), 16+ hex characters, 16+
    base64 characters mixing upper case, lower case and digits. A quoted JSON key is a name, not a value: a
    Railway volume id keying `volumeMounts` stays readable (a key that is a token of a known shape, or a
    credential the scan found, is still masked by the passes before this one)."""
    def repl(m):
        v = m.group(0)
        if _JSON_KEY_END.match(text, m.end()) and m.start() > 0 and text[m.start() - 1] == '"':
            return v
        if v.count("-") or (len(v) >= 16 and (_HEXRUN.fullmatch(v) or (
                any(c.isupper() for c in v) and any(c.islower() for c in v) and any(c.isdigit() for c in v)))):
            return MASK
        return v

    return _PIECE.sub(repl, text)


def _known(text: str, secrets: Secrets) -> str:
    pieces = {p for split in _PIECE_SPLITS for p in split.split(text) if len(p) >= _MIN_SECRET}
    found = {p: secrets[fp] for p in pieces if (fp := fingerprint(p)) in secrets}
    for p in sorted(found, key=len, reverse=True):
        text = text.replace(p, found[p])
    return text


def _looks_random(v: str) -> bool:
    """Shaped like a token or key (long, no spaces, letters and digits mixed)."""
    return bool(_RANDOMISH.match(v)) and any(c.isdigit() for c in v) and any(c.isalpha() for c in v) and \
        not v.startswith(("/", "http", "arn:", "ami-", "sha256:"))


def _assignments(text: str, source: bool) -> str:
    def repl(m):
        key, val = m.group("key").strip("\"'"), m.group("val")
        q = val[0] if val[:1] in "\"'" else ""
        inner = val[1:-1] if q and len(val) >= 2 and val[-1] == q else val.lstrip("\"'")
        if not inner or _MASKED.search(inner) or is_placeholder(inner):
            return m.group(0)
        if secret_name(key) is not None or (source and _looks_random(inner)):
            return m.group("key") + m.group("op") + q + MASK + q
        return m.group(0)

    return _ASSIGNMENT.sub(repl, text)


def mask(text: str, secrets: Secrets = NO_SECRETS, *, source: bool = False) -> str:
    """TEXT with every secret iaclint can recognise replaced (see the module doc). Idempotent."""
    if not text or not isinstance(text, str):
        return text
    out = _tokens(text)
    if secrets:
        out = _known(out, secrets)
    out = _PEM.sub(lambda m: m.group("begin") + (MASK if _PEM_EMPTY.sub("", m.group("body")) else m.group("body"))
                   + m.group("end"), out)
    out = _URL_PASSWORD.sub(lambda m: m.group("pre") + MASK + m.group("post"), out)
    if source:
        out = _NETRC_PW.sub(lambda m: m.group(1) + MASK, out)
        out = _NPMRC_AUTH.sub(lambda m: m.group(1) + MASK, out)
        out = _PGPASS_LINE.sub(lambda m: m.group(1) + MASK, out)
        out = _assignments(out, source)
        return _random_pieces(out)
    return _assignments(out, source)


def mask_tree(obj: Any, secrets: Secrets = NO_SECRETS, *, keep: frozenset = frozenset()) -> Any:
    """Every string in a JSON-like tree masked (dict keys too), except the values of keys in KEEP."""
    if isinstance(obj, str):
        return mask(obj, secrets)
    if isinstance(obj, dict):
        return {mask(k, secrets) if isinstance(k, str) else k: v if k in keep else mask_tree(v, secrets, keep=keep)
                for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(mask_tree(x, secrets, keep=keep) for x in obj)
    return obj
