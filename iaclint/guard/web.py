"""Destructive HTTP calls made with curl, wget or httpie: Railway GraphQL mutations (``volumeDelete``…) and
``DELETE`` requests to the platforms' REST APIs. A body given as ``@file`` is read from the repository
(``read_file``: regular files only, size-capped); ``@-`` is the command's standard input (a here-document)."""
from __future__ import annotations

import json
import re

from .model import Target, flag

RAILWAY_HOSTS = ("backboard.railway.com", "backboard.railway.app")
_MUTATION = re.compile(r"\b(volumeDelete|volumeInstanceDelete|serviceDelete|environmentDelete|projectDelete|"
                       r"volumeInstanceBackupDelete|volumeInstanceBackupRestore|serviceInstanceDelete|"
                       r"pluginDelete|databaseDelete|[a-z][A-Za-z]*Delete)\b")
_KIND = {"volume": "railway-volume", "volumeInstance": "railway-volume", "volumeInstanceBackup": "railway-volume",
         "service": "railway-service", "serviceInstance": "railway-service", "environment": "railway-environment",
         "project": "railway-project"}
_ARG = re.compile(r"\b(volumeId|volumeInstanceId|serviceId|environmentId|projectId|id)\s*:\s*(?:\\?\"([^\"\\]+)\\?\"|"
                  r"\$([A-Za-z_]\w*))")
_REST_DELETE = {"api.neon.tech": "neon", "console.neon.tech": "neon", "api.supabase.com": "supabase",
                "api.heroku.com": "heroku", "api.machines.dev": "fly", "api.fly.io": "fly",
                "api.digitalocean.com": "digitalocean", "api.render.com": "render"}
_CURL_DATA = ("-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--data-urlencode", "--json", "-F",
              "--form")
_CURL_VALUE = {"-H", "--header", "-X", "--request", "-o", "--output", "-u", "--user", "-A", "--user-agent", "-e",
               "--referer", "-b", "--cookie", "-c", "--cookie-jar", "--url", "-m", "--max-time", "-w",
               "--write-out", "--connect-timeout", "-x", "--proxy", "--retry", "-K", "--config", "-T",
               "--upload-file", "--oauth2-bearer", "--resolve", "--cacert", "--cert", "--key"} | set(_CURL_DATA)
MAX_BODY = 1024 * 1024


def _curl(argv, stdin, read_file):
    """(method, urls, headers, body, unreadable) of a curl command."""
    urls, headers, bodies, method, unreadable = [], [], [], None, []
    i = 1
    while i < len(argv):
        a = argv[i]
        key, eq, inline = a.partition("=") if a.startswith("--") else (a, "", "")
        if key in _CURL_VALUE or (a[:2] in ("-d", "-H", "-X", "-F") and len(a) > 2 and not a.startswith("--")):
            if eq:
                v = inline
            elif len(a) > 2 and not a.startswith("--") and a[:2] in ("-d", "-H", "-X", "-F"):
                key, v = a[:2], a[2:]
            else:
                v = argv[i + 1] if i + 1 < len(argv) else ""
                i += 1
            if key in ("-H", "--header"):
                headers.append(v)
            elif key in ("-X", "--request"):
                method = v.upper()
            elif key == "--url":
                urls.append(v)
            elif key == "--oauth2-bearer":
                headers.append(f"Authorization: Bearer {v}")
            elif key in _CURL_DATA:
                bodies.append(_body(v, key, stdin, read_file, unreadable))
        elif not a.startswith("-"):
            urls.append(a)
        i += 1
    if method is None:
        method = "POST" if bodies else "GET"
    return method, urls, headers, "\n".join(b for b in bodies if b), unreadable


def _body(v: str, key: str, stdin, read_file, unreadable) -> str:
    if key in ("-F", "--form"):
        v = v.split("=", 1)[1] if "=" in v else v
        v = v.lstrip("<")
    if key == "--data-raw" or not v.startswith("@"):
        return v
    path = v[1:]
    if path == "-":
        if stdin is None:
            unreadable.append("the body comes from standard input iaclint cannot see")
            return ""
        return stdin
    text = read_file(path)
    if text is None:
        unreadable.append(f"the body file {path} cannot be read (missing, not a regular file, or over the size cap)")
        return ""
    return text


def _httpie(argv, stdin, read_file):
    words = [a for a in argv[1:] if not a.startswith("-")]
    method = None
    if words and words[0].isupper() and words[0].isalpha():
        method, words = words[0], words[1:]
    urls = words[:1]
    headers, bodies, unreadable = [], [], []
    for item in words[1:]:
        m = re.match(r"^([^:=@]*?)(:=@|=@|@|:=|==|=|:)(.*)$", item, re.S)
        if not m:
            continue
        k, sep, v = m.groups()
        if sep == ":":
            headers.append(f"{k}: {v}")
        elif sep in ("=@", ":=@", "@"):
            text = read_file(v)
            if text is None:
                unreadable.append(f"the field file {v} cannot be read")
            bodies.append(f"{k}={text or ''}")
        elif sep in ("=", ":="):
            bodies.append(f"{k}={v}")
    if stdin is not None and not bodies:
        bodies.append(stdin)
    if method is None:
        method = "POST" if bodies else "GET"
    return method, urls, headers, "\n".join(bodies), unreadable


def _decode(body: str) -> str:
    """A JSON body's query and variables as text (\\" unescaped), else the body."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return body.replace('\\"', '"')
    parts = []
    for d in data if isinstance(data, list) else [data]:
        if isinstance(d, dict):
            parts.append(str(d.get("query", "")))
            if isinstance(d.get("variables"), dict):
                parts.append(json.dumps(d["variables"]))
    return "\n".join(parts) or body


def _variables(text: str) -> dict:
    out = {}
    for m in re.finditer(r'"([A-Za-z_]\w*)"\s*:\s*"([^"]+)"', text):
        out[m.group(1)] = m.group(2)
    return out


def _credential(headers: list[str]) -> str | None:
    for h in headers:
        name, _, value = h.partition(":")
        if name.strip().lower() in ("authorization", "project-access-token", "team-access-token", "x-api-key"):
            m = re.search(r"\$\{?([A-Za-z_]\w*)", value)
            kind = "project token header" if name.strip().lower() == "project-access-token" else name.strip()
            return f"${m.group(1)} ({kind})" if m else f"a literal token ({kind})"
    return None


def http_op(cmd, op, read_file) -> None:
    name = cmd.name
    if name in ("curl",):
        method, urls, headers, body, unreadable = _curl(cmd.argv, cmd.stdin, read_file)
    elif name in ("http", "https", "xh", "xhs"):
        method, urls, headers, body, unreadable = _httpie(cmd.argv, cmd.stdin, read_file)
    elif name == "wget":
        method = (flag(cmd.argv, "--method") or "GET").upper()
        urls = [a for a in cmd.argv[1:] if a.startswith("http")]
        headers = [h for h in [flag(cmd.argv, "--header")] if h]
        body, unreadable = flag(cmd.argv, "--post-data", "--body-data") or "", []
    else:
        return
    hosts = [re.sub(r"^[a-z]+://", "", u).split("/", 1)[0].split(":")[0].lower() for u in urls]
    cred = _credential(headers)
    if any(h in RAILWAY_HOSTS for h in hosts):
        text = _decode(body)
        found = sorted(set(_MUTATION.findall(text)))
        if unreadable and not found:
            op("railway", "a Railway API call whose body iaclint cannot read", targets=[], credential=cred,
               note="; ".join(unreadable))
            return
        variables = _variables(text)
        for mut in found:
            entity = mut[:-len("Delete")] if mut.endswith("Delete") else mut
            kind = _KIND.get(entity, "railway-" + entity.lower())
            ids = []
            for m in _ARG.finditer(text):
                v = m.group(2) or variables.get(m.group(3) or "")
                if v:
                    ids.append(v if not m.group(3) or v else f"${m.group(3)}")
                elif m.group(3):
                    ids.append(f"${m.group(3)}")
            op("railway", f"Railway GraphQL {mut}", targets=[Target(kind, i) for i in dict.fromkeys(ids)] or [
                Target(kind, "")], credential=cred, note="; ".join(unreadable))
        return
    if method == "DELETE":
        for h, u in zip(hosts, urls):
            platform = next((p for host, p in _REST_DELETE.items() if h == host or h.endswith("." + host)), None)
            if platform:
                segs = [s for s in re.sub(r"^[a-z]+://[^/]+", "", u).split("?")[0].split("/") if s]
                op(platform, f"HTTP DELETE {'/'.join(segs[:4])}", credential=cred,
                   targets=[Target("name", s) for s in segs[-1:]])
