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

import yaml

PLACEHOLDER = re.compile(
    r"""^(
        |changeme|change[-_]?me|replace[-_]?me|todo|tbd|none|null|nil|undefined|example|dummy|test|secret|password
        |x+|X+|\*+|\.+|0+|-+
        |<[^>]*>|\{\{.*\}\}|\$\{\{.*\}\}|\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|%[A-Z_]+%
        |your[-_].*|.*[-_]here|var\..+|local\..+
    )$""",
    re.X | re.I,
)
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


@lru_cache(maxsize=4)
def load_catalogue(path: str | None = None) -> tuple[CredentialKind, ...]:
    with open(path or catalogue_path(), encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    kinds = []
    for k in data.get("kinds", []):
        kinds.append(CredentialKind(
            id=k["id"], title=k.get("title", k["id"]), provider=k.get("provider", ""), scope=k.get("scope", "unknown"),
            broad=bool(k.get("broad", False)),
            names=tuple(re.compile(n, re.I) for n in k.get("names", []) or []),
            value=re.compile(k["value"]) if k.get("value") else None,
            prefix=k.get("prefix", ""), context=k.get("context", ""), destroys=k.get("destroys", ""),
            reaches=k.get("reaches") or {},
        ))
    return tuple(kinds)


def is_placeholder(value: str) -> bool:
    v = value.strip().strip("'\"")
    if PLACEHOLDER.match(v):
        return True
    if len(set(v)) <= 2 and len(v) > 3 and not v.strip("0-"):
        return True
    return False


def fingerprint(value: str) -> str:
    return hashlib.sha256(_SALT + value.strip().encode("utf-8", "replace")).hexdigest()[:20]


def redact(value: str, prefix: str = "") -> str:
    v = value.strip()
    if prefix and v.startswith(prefix):
        return f"{prefix}…({len(v)} chars)"
    shown = v[:4] if len(v) >= 16 else ""
    return f"{shown}…({len(v)} chars)"


def match_value(name: str, value: str, *, terraform_provider_context: bool = False) -> CredentialMatch | None:
    """Best catalogue match for NAME=VALUE, or None. Placeholders never match."""
    if value is None:
        return None
    value = str(value)
    if is_placeholder(value):
        return None
    for kind in load_catalogue():
        if kind.context == "requires_terraform_provider" and not terraform_provider_context:
            continue
        if kind.names and not any(p.fullmatch(name or "") for p in kind.names):
            continue
        if kind.value is not None:
            m = kind.value.search(value)
            if not m or is_placeholder(m.group(0)[len(kind.prefix):] if kind.prefix and
                                       m.group(0).startswith(kind.prefix) else m.group(0)):
                continue
            secret = m.group(0)
        else:
            if not kind.names:
                continue
            secret = value
        return CredentialMatch(kind, name or "", 0, 0, redact(secret, kind.prefix), fingerprint(secret))
    return None


# KEY=VALUE, export KEY=VALUE, KEY: VALUE, "KEY": "VALUE", KEY = "VALUE"
_ASSIGN = re.compile(
    r"""^\s*(?:export\s+|set\s+|setx\s+|\$env:)?["']?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)["']?\s*(?::=|=|:)\s*(?P<val>.+?)\s*[,;]?\s*$""")
_TOKENISH = re.compile(r"[A-Za-z0-9_\-]{20,}")


def scan_text_lines(lines: list[str], *, terraform_provider_context: bool = False) -> list[CredentialMatch]:
    """Credentials in a script or config file, line by line (assignments, then bare token formats)."""
    out: list[CredentialMatch] = []
    for i, line in enumerate(lines, 1):
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
            found = match_value(m.group("key"), val, terraform_provider_context=terraform_provider_context)
            if found:
                found.line, found.col = i, m.start("key") + 1
        if found is None:
            for kind in load_catalogue():
                if kind.value is None or kind.names:
                    continue
                vm = kind.value.search(line)
                body = vm.group(0)[len(kind.prefix):] if vm and kind.prefix and vm.group(0).startswith(kind.prefix) \
                    else (vm.group(0) if vm else "")
                if vm and not is_placeholder(body):
                    found = CredentialMatch(kind, "", i, vm.start() + 1, redact(vm.group(0), kind.prefix),
                                            fingerprint(vm.group(0)))
                    break
        if found:
            out.append(found)
    return out


_URL_PASSWORD = re.compile(r"(?P<pre>[a-z][a-z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^@\s/]+)(?P<post>@)", re.I)
_SECRET_NAME = re.compile(r"(token|secret|password|passwd|pwd|api[_-]?key|private[_-]?key|access[_-]?key|credential"
                          r"|auth)", re.I)


def redact_line(line: str) -> str:
    """A source line safe to show: assignment values of secret-looking names, catalogue token formats and
    URL passwords are masked. Used for every code line iaclint prints."""
    out = _URL_PASSWORD.sub(lambda m: m.group("pre") + "****" + m.group("post"), line)
    m = _ASSIGN.match(out)
    if m and (_SECRET_NAME.search(m.group("key")) or match_value(m.group("key"), m.group("val").strip("\"' ")) or
              any(k.value is not None and k.value.search(m.group("val")) for k in load_catalogue())):
        val = m.group("val")
        if not is_placeholder(val.strip("\"' ")):
            q = val[0] if val[:1] in "\"'" else ""
            out = out[: m.start("val")] + q + "****" + q + out[m.end("val"):]
    for k in load_catalogue():
        if k.value is not None:
            out = k.value.sub(lambda mm: (k.prefix or "") + "****", out)
    return out
