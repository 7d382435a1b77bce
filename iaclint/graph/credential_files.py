"""Credentials in files whose format is not KEY=VALUE: .netrc, .pgpass, .npmrc, .pypirc, .git-credentials (each
secret judged by the catalogue, ``graph.credentials``)."""
from __future__ import annotations

import re

from .credentials import CredentialMatch, match_value

_NETRC_TOKEN = re.compile(r"\S+")


def _netrc_pairs(lines):
    """(machine, password, line, col) of a .netrc: whitespace-separated `machine M login L password P` tokens,
    on one line or several."""
    machine = "default"
    toks = []
    for i, line in enumerate(lines, 1):
        if line.lstrip().startswith("#"):
            continue
        toks.extend((m.group(0), i, m.start() + 1) for m in _NETRC_TOKEN.finditer(line))
    for j, (t, _i, _c) in enumerate(toks):
        if t == "machine" and j + 1 < len(toks):
            machine = toks[j + 1][0]
        elif t == "default":
            machine = "default"
        elif t == "password" and j + 1 < len(toks):
            yield machine, toks[j + 1][0], toks[j + 1][1], toks[j][2]


def _pgpass_fields(line: str) -> list[str]:
    out, cur, esc = [], "", False
    for ch in line:
        if esc:
            cur, esc = cur + ch, False
        elif ch == "\\":
            esc = True
        elif ch == ":":
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


_INI_KEY = re.compile(r"^\s*(?P<key>[^=:\s#;][^=:]*?)\s*[=:]\s*(?P<val>.*?)\s*$")  # .pypirc (configparser)
_NPMRC_KEY = re.compile(r"^\s*(?P<key>[^=\s#;][^=]*?)\s*=\s*(?P<val>.*?)\s*$")  # //host/:_authToken=…
CREDENTIAL_FILE_FORMATS = {".netrc": "netrc", "_netrc": "netrc", ".pgpass": "pgpass", ".npmrc": "npmrc",
                           ".pypirc": "pypirc", ".git-credentials": "git-credentials"}
_GIT_CRED = re.compile(r"^[a-z][a-z0-9+.\-]*://(?P<user>[^:/@\s]*):(?P<pw>[^@\s]+)@(?P<host>[^/\s:]+)", re.I)


def scan_credential_file(path: str, lines: list[str]) -> list[CredentialMatch]:
    """Credentials in files whose format is not KEY=VALUE: .netrc, .pgpass, .npmrc, .pypirc, .git-credentials.
    Each secret is judged by the catalogue (a known token format wins, else the file's own kind); the match's
    name says where it is used (machine, host, registry), never the value."""
    fmt = CREDENTIAL_FILE_FORMATS.get(path.rsplit("/", 1)[-1].lower())
    out: list[CredentialMatch] = []

    def add(name, value, label, line, col):
        m = match_value(name, value)
        if m is not None:
            m.name, m.line, m.col = label, line, col
            out.append(m)

    if fmt == "netrc":
        for machine, pw, line, col in _netrc_pairs(lines):
            add("netrc:password", pw, f"password for {machine}", line, col)
    elif fmt == "pgpass":
        for i, line in enumerate(lines, 1):
            if line.lstrip().startswith("#") or line.count(":") < 4:
                continue
            f = _pgpass_fields(line.rstrip("\n"))
            if len(f) >= 5:
                add("pgpass:password", ":".join(f[4:]), f"{f[3]}@{f[0]}:{f[1]}/{f[2]}", i, 1)
    elif fmt in ("npmrc", "pypirc"):
        section = ""
        for i, line in enumerate(lines, 1):
            st = line.strip()
            if st.startswith("[") and st.endswith("]"):
                section = st[1:-1]
                continue
            m = (_NPMRC_KEY if fmt == "npmrc" else _INI_KEY).match(line)
            if not m or st.startswith(("#", ";")):
                continue
            key, val = m.group("key"), m.group("val").strip("\"'")
            short = key.rsplit(":", 1)[-1].lower()  # //registry.npmjs.org/:_authToken
            if fmt == "npmrc" and short in ("_authtoken", "_auth", "_password"):
                reg = key.rsplit(":", 1)[0] if ":" in key else "default registry"
                add(f"npmrc:{short}", val, f"{short} for {reg}", i, m.start("key") + 1)
            elif fmt == "pypirc" and short == "password":
                add("pypirc:password", val, f"password for [{section or 'pypi'}]", i, m.start("key") + 1)
    elif fmt == "git-credentials":
        for i, line in enumerate(lines, 1):
            g = _GIT_CRED.match(line.strip())
            if g:
                add("netrc:password", g.group("pw"), f"password for {g.group('host')}", i, 1)
    return out
