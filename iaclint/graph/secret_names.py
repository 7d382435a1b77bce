"""Which names mean "this holds a credential": the one classification the graph, the rules and ``mask`` use.

A name is split into words (``_``, ``-``, ``.``, camelCase: ``adminPassword`` → admin password). Trailing words
that only say how the secret is encoded (``_value``, ``_string``, ``_b64``, ``_wo`` …) are dropped; the name is a
secret name when what is left *ends* in a credential word. So ``administrator_login_password``,
``client_secret``, ``sas_token``, ``secret_string``, ``password_wo`` and ``DB_PASSWORD`` are secret names while
``password_length``, ``secret_arn``, ``token_url``, ``key_vault_secret_id``, ``public_key`` and
``manage_master_user_password`` (a flag) are not.

``SecretName.certain`` is False for names that only *may* hold a secret (``basic_auth``, ``ssh_key``, ``*_KEY``):
``mask`` hides their values and env files fingerprint them, but no rule reports a literal by such a name alone.
A write-only argument (``password_wo``) is a certain secret name: Terraform keeps its value out of plan and
state, but a literal written there is still in the repository, readable by anyone (and any agent) who can read
the file — CS012 reports it like ``password``; an ephemeral value or a variable there is fine.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# how the secret is written, not what it is
_ENCODING_WORDS = frozenset({"value", "string", "str", "data", "b64", "base64", "plain", "plaintext", "text", "raw",
                             "content", "contents", "wo", "pem", "json", "base", "literal"})
# a first word that makes the name a switch or a public half
_NOT_SECRET_FIRST = frozenset({"manage", "enable", "enabled", "disable", "disabled", "is", "use", "require",
                               "requires", "create", "generate", "allow", "has", "skip", "no", "public",
                               "publishable", "rotate", "random"})
_PASSWORD = frozenset({"password", "passwd", "passphrase", "pwd", "pass"})
_SECRET = frozenset({"secret", "token", "apikey", "apitoken", "credential", "credentials", "creds", "accesskey",
                     "secretkey", "privatekey", "authtoken", "sas"})
_SECRET_PAIRS = frozenset({("api", "key"), ("access", "key"), ("secret", "key"), ("private", "key"),
                           ("client", "key"), ("account", "key"), ("master", "key"), ("shared", "key"),
                           ("signing", "key"), ("auth", "key"), ("hmac", "key"), ("sas", "key")})
# one word with the credential word glued on: PGPASSWORD, NEXTAUTHSECRET
_GLUED_PASSWORD = ("password", "passwd")
_GLUED_SECRET = ("secret", "token", "apikey")
_CONNECTION = frozenset({"dsn", "connectionstring", "connstr"})
_CONNECTION_PAIRS = frozenset({("connection", "string"), ("conn", "str"), ("conn", "string"), ("database", "url"),
                               ("db", "url")})
_MAYBE = frozenset({"auth", "authorization", "key", "cookie"})


@dataclass(frozen=True)
class SecretName:
    kind: str  # catalogue kind of a literal under this name: named-password | named-secret | connection-string
    certain: bool
    schema: bool = False  # said by a resource type's schema: every string under the argument (a map's values too)


# what a resource type's schema says where the name alone would mislead: (type prefix, argument, meaning)
_SCHEMA = (
    ("google_", "secret", None),  # Secret Manager secret id (secret_environment_variables, secret versions …)
    ("azurerm_key_vault_secret", "value", SecretName("named-secret", True, True)),
    ("github_actions_", "plaintext_value", SecretName("named-secret", True, True)),
    ("github_dependabot_", "plaintext_value", SecretName("named-secret", True, True)),
    ("github_codespaces_", "plaintext_value", SecretName("named-secret", True, True)),
    ("kubernetes_secret", "data", SecretName("named-secret", True, True)),  # every value of the map
    ("kubernetes_secret", "string_data", SecretName("named-secret", True, True)),
)


def secret_name(name: str, owner: str = "") -> SecretName | None:
    """What NAME (an attribute, variable, map key or env var name) says about its value, OWNER the resource type
    holding the argument if any (its schema wins over the name); None: not a secret."""
    if owner:
        for prefix, arg, meaning in _SCHEMA:
            if name == arg and owner.startswith(prefix):
                return meaning
    return _by_name(name)


@lru_cache(maxsize=8192)
def _by_name(name: str) -> SecretName | None:
    words = [w.lower() for w in _WORDS.findall(name or "")]
    if not words or words[0] in _NOT_SECRET_FIRST:
        return None
    if tuple(words[-2:]) in _CONNECTION_PAIRS:  # before "string" is dropped as an encoding word
        return SecretName("connection-string", True)
    while len(words) > 1 and (words[-1] in _ENCODING_WORDS or words[-1].isdigit()):
        words.pop()
    last, pair = words[-1], tuple(words[-2:])
    if last in _PASSWORD or last.endswith(_GLUED_PASSWORD):
        return SecretName("named-password", True)
    if last in _SECRET or pair in _SECRET_PAIRS or last.endswith(_GLUED_SECRET):
        return SecretName("named-secret", True)
    if last in _CONNECTION or pair in _CONNECTION_PAIRS:
        return SecretName("connection-string", True)
    if last in _MAYBE and (last != "key" or len(words) > 1):
        return SecretName("named-secret", False)
    return None


# values that name where a secret is, not the secret: paths, ARNs, secret-store references, plain URLs
_NOT_A_VALUE = re.compile(r"^(?:[./~]|[A-Za-z]:\\|arn:|@Microsoft\.KeyVault\(|projects/|secrets?/|https?://(?![^/\s]*@)"
                          r"|.*\.(?:json|pem|key|p12|pfx|crt|txt|tfstate|ya?ml)$)", re.IGNORECASE)
_CONNECTION_SECRET = re.compile(r"://[^/:@\s]*:(?P<a>[^@\s]+)@|(?:^|;)\s*(?:password|pwd|accountkey|sharedaccesskey"
                                r"|sharedaccesssignature)\s*=\s*(?P<b>[^;\s]+)", re.IGNORECASE)


def literal_secret_value(kind: str, value: str, min_length: int) -> str | None:
    """The secret a literal VALUE under a name of KIND holds (the whole value, or a connection string's password),
    or None: too short, a phrase (whitespace outside a JSON or PEM document), or names a place (a path, an ARN, a Key Vault reference, a plain URL).
    Placeholders are the caller's (``credentials.is_placeholder``)."""
    v = value.strip()
    if kind == "connection-string":
        m = _CONNECTION_SECRET.search(v)
        return (m.group("a") or m.group("b")) if m else None
    document = v.startswith("{") or "\n" in v  # a key file's JSON or PEM text: spaces are part of it
    if len(v) < min_length or (not document and any(c.isspace() for c in v)) or names_a_place(v):
        return None
    return v


# a DNS name of three or more labels (``privatelink.token.botframework.com``, ``db.internal.example.com``)
_HOSTNAME = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){2,}[a-z]{2,24}\.?$")
# a lowercase identifier of two or more words (``orders-db-password``, ``mock_access_key``)
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+$")


def names_a_place(value: str) -> bool:
    """VALUE says where a secret is, not what it is (google ``credentials`` takes a path or the key itself; a
    DNS name under ``*_token`` is a host)."""
    v = value.strip()
    return _NOT_A_VALUE.match(v) is not None or _HOSTNAME.match(v) is not None


def names_a_secret(value: str) -> bool:
    """VALUE is itself a credential's name — a Secret Manager / Key Vault secret id (``orders-db-password``), the
    argument's own name echoed (``mock_secret_key``) — so it says which secret, not what it is."""
    v = value.strip()
    return len(v) <= 128 and _IDENTIFIER.match(v) is not None and _by_name(v) is not None


# -- a prefilter: which texts can hold a certain secret name at all ------------------------------------------------
# every certain secret word (_PASSWORD, _SECRET, _CONNECTION, the glued endings) and every schema argument contains
# one of these, lowercased — but "sas" and the single words ending in "key" (tests/test_literal_prefilter.py)
_HINTS = ("pass", "pwd", "secret", "token", "cred", "dsn", "conn", "plaintext")
_PAIRS_BY_LAST: dict = {}  # last word -> the first words of the pairs no hint finds (apikey: "api" "key" unseparated)
for _a, _b in sorted(_SECRET_PAIRS | _CONNECTION_PAIRS | {("api", "key"), ("access", "key"), ("private", "key")}):
    if not any(h in _a or h in _b for h in _HINTS):
        _PAIRS_BY_LAST[_b] = _PAIRS_BY_LAST.get(_b, ()) + (_a,)
del _a, _b
_SEPARATORS = frozenset(chr(i) for i in range(128) if not chr(i).isalnum())  # between two words


def may_name_secret(text: str) -> bool:
    """Could a name in TEXT (ASCII, as the names appear in it: no escape sequence) be a certain secret name or a
    schema's secret argument? False only when none can: no credential word, no ``<api|access|…> key`` or
    ``<db|database> url`` pair (whatever separates the words), no word ``sas``."""
    low = text.lower()
    if any(h in low for h in _HINTS):
        return True
    at = low.find("sas")
    while at >= 0:
        if not at or text[at] == "S" or not "a" <= text[at - 1] <= "z":  # "SasToken", "x_sas", not "disaster"
            return True
        at = low.find("sas", at + 1)
    for last, firsts in _PAIRS_BY_LAST.items():
        at = low.find(last)
        while at >= 0:
            j = at
            while j and low[j - 1] in _SEPARATORS:
                j -= 1
            if low.endswith(firsts, 0, j):
                return True
            at = low.find(last, at + 1)
    return False

