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

from .graph.credentials import (_JWT, _literal_search, _required_literal, fingerprint, is_placeholder, load_catalogue,
                                redact)
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
_FINER_SEPARATOR = re.compile(r"[=:,;{}()\[\]<>@/\\]")  # what the finer splits cut at and the first does not
_MIN_SECRET = 6
_UNSEEN, _NOT_FOUND = object(), object()


def secrets_of(graph) -> dict[str, str]:
    """The credentials a scan found, as fingerprint -> redacted form (no value is kept)."""
    return {n.attrs["fingerprint"]: n.attrs.get("redacted") or MASK for n in graph.nodes.values()
            if n.kind == "credential" and n.attrs.get("fingerprint")}


_SHAPES_SOURCE: tuple | None = None  # set by use_token_shapes


def token_shapes_source() -> tuple[list, str | None]:
    """What ``_token_shapes`` compiles, as plain data: every catalogue token format that needs no name, as
    [pattern, public prefix, the longest literal every match contains or None], then every such format's public prefix
    followed by 12 or more token characters: a token cut short (a parse error quotes 60 characters of the line)
    is still a token.  Formats whose match is context rather than the secret (a PEM header, a service-account
    JSON field) do not start at a word boundary and are left to the PEM and assignment passes.  Last, the
    prefilter: a literal per shape (its public prefix, else its literal), so text holding none of them skips
    the shapes (10x cheaper); None when some shape has neither."""
    if _SHAPES_SOURCE is not None:
        return _SHAPES_SOURCE
    kinds = [k for k in load_catalogue() if not k.names and k.value is not None and k.value.pattern.startswith(r"\b")]
    shapes = [(k.value.pattern, k.prefix) for k in kinds]
    shapes += [(rf"\b{re.escape(p)}[A-Za-z0-9_\-]{{12,}}", p) for p in sorted({k.prefix for k in kinds if k.prefix})]
    shapes += [(r"\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=\-]*", ""), (r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_.\-]*", "eyJ")]
    table = [[rx, p, _required_literal(rx)] for rx, p in shapes]
    literals = {p or lit for _, p, lit in table}
    prefilter = None if None in literals else _literal_search(literals).pattern  # a trie: 3x faster than a flat "|"
    return table, prefilter


def use_token_shapes(source) -> None:
    """Use SOURCE (what ``token_shapes_source`` returned, kept by a caller's cache keyed by the catalogue's
    content and this module's source) instead of reading the catalogue: ``iaclint guard`` starts a process per
    shell command. None: read the catalogue again."""
    global _SHAPES_SOURCE
    _SHAPES_SOURCE = None if source is None else ([list(row) for row in source[0]], source[1])
    _token_table.cache_clear()
    _token_prefilter.cache_clear()
    _token_shapes.cache_clear()


@lru_cache(maxsize=1)
def _token_prefilter() -> re.Pattern | None:
    prefilter = token_shapes_source()[1]
    return None if prefilter is None else re.compile(prefilter)


@lru_cache(maxsize=1)
def _token_table() -> tuple[tuple, tuple]:
    """(pattern, prefix, literal) per shape, and the prefixes."""
    table = tuple(tuple(row) for row in token_shapes_source()[0])
    return table, tuple(p for _, p, _ in table)


@lru_cache(maxsize=64)
def _token_shapes(present: tuple) -> re.Pattern:
    """The alternation of the shapes numbered PRESENT, compiled only when a text passes the
    prefilter (the 70-kind pattern costs milliseconds to compile and most of a millisecond per text to run);
    group ``k<i>`` is shape i.  A shape whose literal a text lacks cannot match anywhere in it, so leaving it
    out of the alternation changes no match (a shape without a literal is always in)."""
    table = _token_table()[0]
    return re.compile("|".join(f"(?P<k{i}>{table[i][0]})" for i in present))


def _tokens(text: str) -> str:
    prefilter = _token_prefilter()
    if prefilter is not None and not prefilter.search(text):
        return text
    table, prefixes = _token_table()
    present = tuple(i for i, (_, _, lit) in enumerate(table) if lit is None or lit in text)

    def repl(m):
        return redact(m.group(0), prefixes[int(m.lastgroup[1:])])

    return _JWT.sub("eyJ" + MASK, _token_shapes(present).sub(repl, text) if present else text)


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


def _pieces(text: str):
    """The pieces of TEXT at least _MIN_SECRET long, as each of _PIECE_SPLITS cuts it (repeats possible): the
    finer splits cut only the coarse pieces that hold one of their extra separators (the same pieces, fewer
    passes over the text)."""
    coarse, finer = _PIECE_SPLITS[0], _PIECE_SPLITS[1:]
    for p in coarse.split(text):
        if len(p) >= _MIN_SECRET:
            yield p
            if _FINER_SEPARATOR.search(p):
                for split in finer:
                    for q in split.split(p):
                        if len(q) >= _MIN_SECRET:
                            yield q


def _known(text: str, secrets: Secrets, pieces_seen: dict) -> str:
    """TEXT with each piece that is a found credential replaced by its redacted form; PIECES_SEEN: piece -> its
    redacted form, or _NOT_FOUND (kept across the texts of one report: their pieces repeat)."""
    found = None
    for p in _pieces(text):
        r = pieces_seen.get(p, _UNSEEN)
        if r is _UNSEEN:
            r = pieces_seen[p] = secrets.get(fingerprint(p), _NOT_FOUND)
        if r is not _NOT_FOUND:
            found = found or {}
            found[p] = r
    if found:
        for p in sorted(found, key=len, reverse=True):
            text = text.replace(p, found[p])
    return text


def _looks_random(v: str) -> bool:
    """Shaped like a token or key (long, no spaces, letters and digits mixed)."""
    return bool(_RANDOMISH.match(v)) and any(c.isdigit() for c in v) and any(c.isalpha() for c in v) and \
        not v.startswith(("/", "http", "arn:", "ami-", "sha256:"))


def _assignments(text: str, source: bool) -> str:
    if "=" not in text and ":" not in text:  # every operator holds one
        return text

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
    return _mask(text, secrets, source, {})


def _mask(text: str, secrets: Secrets, source: bool, pieces_seen: dict) -> str:
    if not text or not isinstance(text, str):
        return text
    out = _tokens(text)
    if secrets:
        out = _known(out, secrets, pieces_seen)
    if "-----BEGIN " in out:  # what every match of _PEM and _URL_PASSWORD holds: the rest skips them
        out = _PEM.sub(lambda m: m.group("begin") + (MASK if _PEM_EMPTY.sub("", m.group("body")) else m.group("body"))
                       + m.group("end"), out)
    if "://" in out and "@" in out:  # both in every match
        out = _URL_PASSWORD.sub(lambda m: m.group("pre") + MASK + m.group("post"), out)
    if source:
        out = _NETRC_PW.sub(lambda m: m.group(1) + MASK, out)
        out = _NPMRC_AUTH.sub(lambda m: m.group(1) + MASK, out)
        out = _PGPASS_LINE.sub(lambda m: m.group(1) + MASK, out)
        out = _assignments(out, source)
        return _random_pieces(out)
    return _assignments(out, source)


class Masker:
    """``mask`` with one scan's SECRETS, once per distinct text: a report repeats its environments, property
    names and related-location messages thousands of times (same results as calling ``mask`` each time)."""

    def __init__(self, secrets: Secrets = NO_SECRETS):
        self.secrets = secrets
        self._seen: tuple[dict, dict] = ({}, {})  # text -> masked, without and with source=True
        self._pieces: dict = {}  # see _known

    def __call__(self, text: str, *, source: bool = False) -> str:
        seen = self._seen[source]
        out = seen.get(text)
        if out is None:
            out = seen[text] = _mask(text, self.secrets, source, self._pieces)
        return out

    def tree(self, obj: Any, keep: frozenset = frozenset()) -> Any:
        """Every string in a JSON-like tree masked (dict keys too), except the values of keys in KEEP."""
        if isinstance(obj, str):
            return self(obj)
        if isinstance(obj, dict):
            return {self(k) if isinstance(k, str) else k: v if k in keep else self.tree(v, keep)
                    for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return type(obj)(self.tree(x, keep) for x in obj)
        return obj


def mask_tree(obj: Any, secrets: Secrets = NO_SECRETS, *, keep: frozenset = frozenset()) -> Any:
    """Every string in a JSON-like tree masked (dict keys too), except the values of keys in KEEP."""
    return Masker(secrets).tree(obj, keep)
