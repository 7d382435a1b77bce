"""Credential detection against the catalogue in ``rules/credentials.yaml``.

The raw value never leaves this module: a match carries the kind, the name,
a redacted prefix and a salted hash (so the same secret in two environments'
files can be recognised without keeping it).
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from .pem import PEM_END, key_material
from .secret_names import literal_secret_value, may_name_secret, names_a_secret, secret_name

PLACEHOLDER = re.compile(
    r"""^(
        |changeme|change[-_]?me|replace[-_]?me|todo|tbd|none|null|nil|undefined|example|dummy|test|secret|password
        |redacted|placeholder|sample|fake|foo|bar|baz|foobar|foobarbaz|hunter2|xxx.*|x+|X+|\*+|\.+|…|0+|-+|true|false
        |%[-+\#0-9.]*[sdvqfx]|<[^>]*>|\{\{.*\}\}|\$\{\{.*\}\}|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_]+%|\$\(.*\)|`.*`
        |(?:your|my)[-_ ].*|.*[-_ ]here|(?:not[-_ ]?(?:set|configured|used|provided)|unset|unconfigured|disabled)(?:[-_ ].*)?
        |(?:var|local|data|module|each|self|secrets|env|vars|inputs|steps)\..+
        |(?:process\.env|os\.environ|os\.getenv|ENV|env)[\[.(].*
    )$""",
    re.X | re.I,
)
# a known public prefix followed only by filler: ghp_xxxxxxxx, sk_live_XXXX…, AKIA****, sk-proj-...
_FILLER_TAIL = re.compile(r"^(?:[xX*.…\-_]+|0+|<[^>]*>|\.\.\..*|\{\{.*\}\}|\$\{.*\})$")
# documented dummy values (AWS docs' AKIAIOSFODNN7EXAMPLE…) and filler anywhere in the value
_PLACEHOLDER_WORD = re.compile(r"(EXAMPLE|xxxx|XXXX|\*\*\*\*|placeholder|redacted|change[-_]?me|replace[-_]?me"
                               r"|your[-_](?:api[-_])?(?:token|key|secret|password))", re.I)
_KNOWN_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "AKIA", "ASIA", "sk_live_", "rk_live_",
                   "sk_test_", "sk-admin-", "sk-proj-", "sk-ant-admin01-", "sk-ant-api03-", "sk-", "sb_secret_",
                   "sb_publishable_", "sbp_", "dop_v1_", "doo_v1_", "fo1_", "fm2_", "HRKU-", "napi_", "pscale_tkn_",
                   "pscale_pw_", "xoxp-", "xoxb-")
_LEET = str.maketrans("@4!1|3$50+7", "aaliiessoti")
_SALT = b"iaclint-credential-fingerprint-v1"


@dataclass(frozen=True)
class CredentialKind:
    id: str
    title: str
    provider: str
    scope: str
    broad: bool
    names: tuple
    value: re.Pattern | None
    prefix: str
    context: str
    destroys: str
    reaches: dict
    jwt: dict = None
    min_length: int = 8
    pem_body: bool = False
    scope_down: str = ""  # the vendor's page on a narrower credential
    by_meaning: bool = False
    document: re.Pattern | None = None  # what the surrounding document must also hold (a key file: private_key)


@dataclass
class CredentialMatch:
    kind: CredentialKind
    name: str  # variable / attribute name (may be "")
    line: int
    col: int
    redacted: str
    fingerprint: str  # salted hash of the value; never the value


def catalogue_path() -> str:
    from .. import builtin_rules_dir

    return os.path.join(builtin_rules_dir(), "credentials.yaml")


_PRIMED: dict | None = None  # the default catalogue's data, from a caller's cache (use_catalogue_data)


def use_catalogue_data(data: dict | None) -> None:
    """Use DATA (the default catalogue as parsed, kept by a caller's cache keyed by its content) instead of
    parsing the YAML: ``iaclint guard`` starts a process per shell command. None: parse it again."""
    global _PRIMED
    _PRIMED = data
    _catalogue_data.cache_clear()


@lru_cache(maxsize=4)
def _catalogue_data(path: str | None = None) -> dict:
    if path is None and _PRIMED is not None:
        return _PRIMED
    from .. import load_yaml  # yaml is imported there: `iaclint guard` masks with a primed catalogue and no yaml

    with open(path or catalogue_path(), encoding="utf-8") as fh:
        return load_yaml(fh) or {}


@lru_cache(maxsize=1)
def _documented_examples() -> re.Pattern:
    """Fragments of the example credentials vendors print in their documentation (catalogue
    ``documented_examples``): a value holding one is a copy or variant of a public example."""
    return re.compile("|".join(re.escape(x) for x in _catalogue_data().get("documented_examples") or ["(?!)"]))


@lru_cache(maxsize=4)
def load_catalogue(path: str | None = None) -> tuple[CredentialKind, ...]:
    data = _catalogue_data(path)
    kinds = []
    for k in data.get("kinds", []):
        kinds.append(CredentialKind(
            id=k["id"], title=k.get("title", k["id"]), provider=k.get("provider", ""), scope=k.get("scope", "unknown"),
            broad=bool(k.get("broad", False)),
            names=tuple(re.compile(n, re.I) for n in k.get("names", []) or []),
            value=re.compile(k["value"]) if k.get("value") else None,
            prefix=k.get("prefix", ""), context=k.get("context", ""), destroys=k.get("destroys", ""),
            reaches=k.get("reaches") or {}, jwt=k.get("jwt") or None, min_length=int(k.get("min_length", 8)),
            pem_body=bool(k.get("pem_body", False)), scope_down=k.get("scope_down", ""),
            by_meaning=bool(k.get("by_meaning", False)),
            document=re.compile(k["document"]) if k.get("document") else None,
        ))
    return tuple(kinds)


def is_placeholder(value: str, *, typed_sequences: bool = True) -> bool:
    """True for values that are not secrets: empty, filler (xxx, ***, <token>), references to other variables
    (${VAR}, Railway ${{ shared.X }}, var.x, secrets.X), a secret's name (db-password) and documented dummy
    values; typed sequences (ABCDEFGH…) unless TYPED_SEQUENCES is False (a password such as Aa12345678 is weak,
    not filler)."""
    if value is None:
        return True
    v = str(value).strip().strip("'\"").strip()
    if PLACEHOLDER.match(v) or names_a_secret(v):
        return True
    if len(set(v)) <= 2 and len(v) > 3 and not v.strip("0-"):
        return True
    if _placeholder_word(v) or _documented_examples().search(v) or (typed_sequences and _sequential(v)):
        return True
    plain = v.translate(_LEET).lower()  # Ex@mp!e1, P@ssw0rd: a placeholder word spelled in digits and signs
    if plain != v.lower() and (PLACEHOLDER.match(plain.rstrip("l")) or _placeholder_word(plain)):
        return True
    if "${" in v or "{{" in v:  # interpolated: the secret lives elsewhere
        return True
    for p in _KNOWN_PREFIXES if v.startswith(_KNOWN_PREFIXES) else ():
        if v.startswith(p) and (len(v) == len(p) or _FILLER_TAIL.match(v[len(p):]) or _sequential(v[len(p):])):
            return True
    return False


def _placeholder_word(v: str) -> bool:
    """_PLACEHOLDER_WORD in V; an ASCII value holding none of its words' letters (lowercased) is searched no further."""
    if v.isascii():
        low = v.lower()
        if not any(w in low for w in ("example", "xxxx", "****", "placeholder", "redacted", "me", "your")):
            return False
    return _PLACEHOLDER_WORD.search(v) is not None


def _sequential(v: str) -> bool:
    """Alphabet or digit runs (ABCDEFGH…, 1234567890abcdef): typed filler, not a random secret (a random token
    has a next-character step of +1 about once in 60 characters)."""
    if len(v) < 6:
        return False
    if v.isascii():  # each character's successor XOR the next character: a zero byte per step, counted in C
        n = len(v) - 1
        b = v.encode()
        steps = (int.from_bytes(b[:-1].translate(_NEXT_BYTE)) ^ int.from_bytes(b[1:])).to_bytes(n).count(0)
    else:
        steps = sum(ord(b) - ord(a) == 1 for a, b in zip(v, v[1:]))
    return steps >= 0.6 * (len(v) - 1)


_NEXT_BYTE = bytes(range(1, 256)) + b"\0"


def _placeholder_token(token: str, kind: CredentialKind) -> bool:
    """A token-shaped match that is filler: the whole match, or what follows the kind's public prefix."""
    if is_placeholder(token):
        return True
    return bool(kind.prefix) and token.startswith(kind.prefix) and is_placeholder(token[len(kind.prefix):])


def _jwt_claims(value: str) -> dict | None:
    parts = value.strip().split(".")
    if len(parts) != 3 or not parts[0].startswith("eyJ"):
        return None
    import base64
    import json

    try:
        pad = "=" * (-len(parts[1]) % 4)
        data = json.loads(base64.urlsafe_b64decode(parts[1] + pad).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def fingerprint(value: str) -> str:
    return hashlib.sha256(_SALT + value.strip().encode("utf-8", "replace")).hexdigest()[:20]


def redact(value: str, prefix: str = "") -> str:
    """What iaclint shows of a secret: its documented public prefix (if any) and its length — no other byte."""
    v = value.strip()
    if prefix and v.startswith(prefix):
        return f"{prefix}…({len(v)} chars)"
    return f"…({len(v)} chars)"


def match_value(name: str, value: str, *, terraform_provider_context: bool = False) -> CredentialMatch | None:
    """Best catalogue match for NAME=VALUE, or None. Placeholders never match."""
    if value is None or not isinstance(value, str):
        return None
    # hot path (every assignment line of every file): the kinds NAME can be (context, names) come from a
    # cache; when no token format's required literal (nor a JWT's "eyJ") is in VALUE only named kinds can
    # match; is_placeholder runs once a kind matched
    every, named_only = _candidate_kinds(name or "", terraform_provider_context)
    need = _kind_literals()
    for kind in every if may_hold_token(value) else named_only:
        lit = need[kind.id]
        if lit is not None and lit not in value:
            continue  # the kind's regex cannot match
        if kind.jwt:
            claims = _jwt_claims(value)
            if claims is None or any(claims.get(k) != v for k, v in kind.jwt.items()):
                continue
            secret = value.strip()
        elif kind.value is not None:
            m = kind.value.search(value)
            if not m:
                continue
            secret = m.group(0)
            if _placeholder_token(secret, kind) or (kind.pem_body and not key_material(value[m.end():])):
                continue
        else:
            if not kind.names or len(value.strip()) < kind.min_length or " " in value.strip():
                continue
            secret = value
        if is_placeholder(value):
            return None
        return CredentialMatch(kind, name or "", 0, 0, redact(secret, kind.prefix), fingerprint(secret))
    return None


def match_literal(name: str, value: str, *, terraform_provider_context: bool = False, sensitive: bool = False,
                  owner: str = "") -> CredentialMatch | None:
    """A Terraform literal VALUE under NAME (an attribute, variable or map key; OWNER: the resource type): a
    catalogue match, else a credential by the name's meaning (``secret_names``; SENSITIVE: the value of a
    variable declared ``sensitive = true`` or of a map the schema says holds secrets)."""
    m = match_value(name, value, terraform_provider_context=terraform_provider_context)
    if m is not None or not isinstance(value, str):
        return m
    sn = secret_name(name, owner)
    kind_id = sn.kind if sn is not None and sn.certain else "named-secret" if sensitive else None
    kind = kind_by_id(kind_id) if kind_id else None
    secret = literal_secret_value(kind.id, value, kind.min_length) if kind is not None else None
    complex_password = secret is not None and kind.id == "named-password" and \
        sum(any(f(c) for c in secret) for f in (str.isupper, str.islower, str.isdigit)) == 3
    if secret is None or is_placeholder(secret, typed_sequences=not complex_password):
        return None
    return CredentialMatch(kind, name or "", 0, 0, redact(secret), fingerprint(secret))


@lru_cache(maxsize=4096)
def _candidate_kinds(name: str, terraform_provider_context: bool) -> tuple:
    """(kinds NAME can be, the named ones among them), in catalogue order (names repeat: cached)."""
    any_name = _any_kind_name()
    named = any_name is None or any_name.fullmatch(name) is not None  # most names are no kind's
    every = tuple(k for k in load_catalogue()
                  if (k.context != "requires_terraform_provider" or terraform_provider_context)
                  and (not k.names or named and any(p.fullmatch(name) for p in k.names)))
    return every, tuple(k for k in every if k.names)


@lru_cache(maxsize=1)
def _any_kind_name() -> re.Pattern | None:
    """Every kind's name patterns as one alternation (None if one holds a back-reference or a flag)."""
    pats = [p.pattern for k in load_catalogue() for p in k.names]
    if any(re.search(r"\\[1-9]|\(\?[a-zA-Z]", x) for x in pats):  # (?i) (?P<g> (?P=g): not combinable
        return None
    return re.compile("|".join(f"(?:{x})" for x in pats), re.I)


def _required_literal(pattern: str) -> str | None:
    """The longest literal run every match of PATTERN contains (top-level literals), or None."""
    try:
        from re import _constants as c, _parser as sre  # noqa: PLC0415 (stdlib internals, guarded)

        parsed = sre.parse(pattern)
        if parsed.state.flags & (re.I | re.X):
            return None
        best, run = "", ""
        for op, av in parsed:
            if op is c.LITERAL:
                run += chr(av)
                best = max(best, run, key=len)
            elif op is not c.AT:
                run = ""
        return best if len(best) >= 2 else None
    except Exception:  # noqa: BLE001 - any surprise: no prefilter, same results
        return None


def _token_literals() -> set | None:
    """Literals one of which every name-less token format (and a JWT) contains; None when some format has
    none."""
    lits = {"eyJ"}
    for k in load_catalogue():
        if k.names or k.jwt or k.value is None:
            continue
        lit = _required_literal(k.value.pattern)
        if lit is None:
            return None
        lits.add(lit)
    return lits


@lru_cache(maxsize=1)
def _kind_literals() -> dict:
    """Kind id -> a literal every match of the kind contains (a JWT: "eyJ"), or None."""
    return {k.id: "eyJ" if k.jwt else _required_literal(k.value.pattern) if k.value is not None else None
            for k in load_catalogue()}


def _literal_search(lits: set | None) -> re.Pattern | None:
    """A search for any of LITS, as a trie (``s(?:b_…|k(?:-|_live_))``: a flat alternation tries every literal
    at each position)."""
    if lits is None:
        return None
    lits = {x for x in lits if not any(y != x and y in x for y in lits)}

    def trie(words: set) -> str:
        if "" in words:
            return ""  # a shorter literal ends here: any continuation matches too
        first: dict = {}
        for w in words:
            first.setdefault(w[0], set()).add(w[1:])
        alts = [re.escape(ch) + trie(rest) for ch, rest in sorted(first.items())]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return re.compile(trie(lits))


@lru_cache(maxsize=1)
def _bare_prefilter() -> re.Pattern | None:
    """A line containing none of the token literals cannot match: scan_bare skips it without running each
    regex."""
    return _literal_search(_token_literals())


@lru_cache(maxsize=1)
def _line_prefilter() -> re.Pattern | None:
    """The token literals and a PEM header's start: what a line scan needs besides an assignment's name."""
    lits = _token_literals()
    if lits is None or any("\n" in x for x in lits):  # a match must lie within one line of the joined text
        return None
    return _literal_search(lits | {"-----BEGIN"})


def may_hold_literal_credential(text: str) -> bool:
    """Could ``match_literal`` or ``scan_text_lines`` (by meaning too) find a credential in a value, key or line of
    TEXT (a Terraform file)? False only when TEXT is ASCII without escapes (its strings' letters are the text's)
    and holds no token format's literal, no PEM header, no literal of a name a kind is known by, and no certain
    secret name (``secret_names.may_name_secret``)."""
    if not text.isascii() or "\\" in text or "$${" in text or "%%{" in text:
        return True
    names, pre = _name_literals(), _line_prefilter()
    if names is None or pre is None or may_name_secret(text):
        return True
    low = text.lower()
    return any(n in low for n in names) or pre.search(text) is not None


@lru_cache(maxsize=1)
def _name_literals() -> tuple | None:
    """A lowercased literal of each name a kind is known by (case-insensitive), those ``may_name_secret`` already
    finds left out; None when a name has none."""
    out = set()
    for k in load_catalogue():
        for p in k.names:
            lit = _required_literal(p.pattern)
            if lit is None or not lit.isascii():
                return None
            lit = lit.lower()
            if "sas" in lit or not may_name_secret(lit):
                out.add(lit)
    return tuple(sorted(out))


def may_hold_token(text: str) -> bool:
    """Does TEXT hold a token format's required literal (or a JWT's "eyJ")? False: no name-less kind matches it, nor
    any part of it."""
    pre = _bare_prefilter()
    return pre is None or pre.search(text) is not None


def scan_bare(line: str) -> CredentialMatch | None:
    """A catalogue token format anywhere in LINE (kinds that need no variable name)."""
    if not may_hold_token(line):
        return None  # fast path: none of the formats' required literals is in the line
    need = _kind_literals()
    for kind in load_catalogue():
        lit = need[kind.id]
        if kind.names or (lit is not None and lit not in line):
            continue
        if kind.jwt:
            for tok in _JWT.findall(line):
                claims = _jwt_claims(tok)
                if claims is not None and all(claims.get(k) == v for k, v in kind.jwt.items()):
                    return CredentialMatch(kind, "", 0, line.find(tok) + 1, redact(tok, kind.prefix),
                                           fingerprint(tok))
            continue
        if kind.value is None:
            continue
        vm = kind.value.search(line)
        if vm and not _placeholder_token(vm.group(0), kind) and \
                not (kind.pem_body and not key_material(line[vm.end():])):
            return CredentialMatch(kind, "", 0, vm.start() + 1, redact(vm.group(0), kind.prefix),
                                   fingerprint(vm.group(0)))
    return None


_JWT = re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}")


# KEY=VALUE, export KEY=VALUE, KEY: VALUE, "KEY": "VALUE", KEY = "VALUE"
_ASSIGN = re.compile(
    r"""^\s*(?:export\s+|set\s+|setx\s+|\$env:)?["']?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)["']?\s*(?::=|=|:)\s*(?P<val>.+?)\s*[,;]?\s*$""")
_TOKENISH = re.compile(r"[A-Za-z0-9_\-]{20,}")


def scan_text_lines(lines, *, terraform_provider_context: bool = False,
                    by_meaning: bool = False) -> list[CredentialMatch]:
    """Credentials in a script or config file, line by line (assignments, then bare token formats). BY_MEANING
    (a script Terraform renders: a heredoc, ``user_data``, a ``templatefile`` template): an assignment whose name
    means a credential (``secret_names``: ``DB_PASSWORD=…``, ``export API_KEY=…``) is one when its value is a
    literal — not a placeholder, not a ``${…}`` / ``%{…}`` interpolation or a shell ``$VAR``."""
    if not isinstance(lines, list):  # split once: a SourceText splits per slice
        lines = list(iter(lines))  # not list(lines): a SourceText asked its len keeps the split
    out: list[CredentialMatch] = []
    for i in _lines_to_scan(lines, terraform_provider_context, by_meaning):
        found = _scan_line(lines, i, terraform_provider_context, by_meaning)
        if found:
            out.append(found)
    return out


def _scan_line(lines: list[str], i: int, terraform_provider_context: bool, by_meaning: bool):
    """The credential on line I (1-based) of LINES, or None."""
    line = lines[i - 1]
    if len(line) > 10000:
        line = line[:10000]
    found = None
    m = _ASSIGN.match(line)
    if m:
        val = m.group("val").strip()
        if val[:1] in "\"'" and val[-1:] == val[:1] and len(val) >= 2:
            val = val[1:-1]
        elif " #" in val:
            val = val.split(" #", 1)[0].strip()
        if not by_meaning:
            found = match_value(m.group("key"), val, terraform_provider_context=terraform_provider_context)
        elif "${" not in val and "%{" not in val:
            found = match_literal(m.group("key"), val, terraform_provider_context=terraform_provider_context)
        if found:
            found.line, found.col = i, m.start("key") + 1
    if found is None:
        found = scan_bare(line)
        if found is None and "-----BEGIN" in line:
            found = _pem_block(lines, i)
        if found:
            found.line = i
            if found.kind.id == "private-key":
                found.fingerprint = _key_block_fingerprint(lines, i) or found.fingerprint
    if found and found.kind.document is not None and \
            not found.kind.document.search("\n".join(lines[max(0, i - _DOCUMENT_LINES):i + _DOCUMENT_LINES])):
        found = None  # {"type": "service_account"} of a stub credentials file: no key in it
    return found


# a line's assignment name, found in the whole text at once: _ASSIGN's start, with \s kept inside one line
_KEY_AT = re.compile(r"""^[^\S\n]*(?:export[^\S\n]+|set[^\S\n]+|setx[^\S\n]+|\$env:)?["']?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)["']?"""
                     r"""[^\S\n]*(?::=|=|:)""", re.M)


def _lines_to_scan(lines: list[str], terraform_provider_context: bool, by_meaning: bool):
    """The 1-based numbers of the lines _scan_line may find a credential on, in order: a line holding a token
    format's required literal or a PEM header, or assigning to a name a credential kind is known by (by meaning
    too: a certain secret name). Any other line holds no token, so its bare scan finds nothing and its
    assignment could only match a named kind. Both searches run over the file's text at once."""
    pre = _line_prefilter()
    text = "\n".join(lines)
    if pre is None or text.count("\n") != len(lines) - 1:  # a format with no literal, or a line holding a newline
        return range(1, len(lines) + 1)
    todo = set(_line_numbers(text, _hit_offsets(pre, text)))
    names = {k for k in set(_KEY_AT.findall(text)) if may_name_credential(k, terraform_provider_context, by_meaning)}
    if names:
        todo.update(_line_numbers(text, (m.start() for m in _KEY_AT.finditer(text) if m.group("key") in names)))
    return sorted(todo)


def _hit_offsets(pre: re.Pattern, text: str):
    """The offset of the first match of PRE on each line of TEXT that has one."""
    pos = 0
    while (m := pre.search(text, pos)) is not None:
        yield m.start()
        pos = text.find("\n", m.start()) + 1
        if not pos:
            return


def _line_numbers(text: str, offsets):
    """The 1-based line numbers of ascending OFFSETS into TEXT."""
    no, last = 1, 0
    for off in offsets:
        no += text.count("\n", last, off)
        last = off
        yield no


@lru_cache(maxsize=8192)
def may_name_credential(name: str, terraform_provider_context: bool, by_meaning: bool) -> bool:
    """Can NAME = a value without any token format's literal be a credential: a kind is known by the name, or
    (BY_MEANING, ``match_literal``) the name certainly means a secret."""
    if _candidate_kinds(name, terraform_provider_context)[1]:
        return True
    sn = secret_name(name) if by_meaning else None
    return sn is not None and sn.certain


_DOCUMENT_LINES = 40  # how far a key file's fields sit from the matched line


def _pem_block(lines: list[str], start: int) -> CredentialMatch | None:
    """A private key whose header is on line START (1-based) and whose body follows on the next lines."""
    text = "\n".join(lines[start - 1:start + 200])
    for kind in load_catalogue():
        m = kind.value.search(text) if kind.pem_body and kind.value is not None else None
        if m and m.start() < len(lines[start - 1]) and key_material(text[m.end():]):
            return CredentialMatch(kind, "", start, m.start() + 1, redact(m.group(0), kind.prefix),
                                   fingerprint(m.group(0)))
    return None


def _key_block_fingerprint(lines: list[str], start: int) -> str | None:
    """Salted hash of the PEM block starting at line START (1-based): two different keys must not look alike
    (a header-only hash would make every key "the same secret")."""
    body = []
    for line in lines[start - 1:start + 200]:
        body.append(line.strip().strip("\"'"))
        if PEM_END.search(line):
            return fingerprint("\n".join(body))
    return None


def kind_by_id(kind_id: str) -> CredentialKind | None:
    for k in load_catalogue():
        if k.id == kind_id:
            return k
    return None
