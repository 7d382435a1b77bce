"""SQL clients that drop data: ``DROP``/``TRUNCATE`` sent with psql, mysql, mariadb, sqlcmd, mongosh, redis-cli
``FLUSHALL``, and ``dropdb``. The statement is found in ``-c``/``-e``, a here-document, a pipeline's input or a
``-f`` script read from the repository; the target is the connection URL (or host/database flags)."""
from __future__ import annotations

import re

from .model import Target, flag, positionals

_DESTRUCTIVE = re.compile(r"(?is)\b(drop\s+(?:database|schema|table|index|collection|view|materialized\s+view|"
                          r"owned|user|role)\b|truncate\b|\.drop(?:Database)?\s*\(|flushall\b|flushdb\b|"
                          r"delete\s+from\s+[\w.\"`]+\s*(?:;|$))")
_CLIENTS = {"psql", "mysql", "mariadb", "sqlcmd", "mongosh", "mongo", "redis-cli", "pgcli", "mycli", "sqlite3",
            "cockroach", "clickhouse-client", "usql"}
_URL = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.I)


def _statements(cmd, read_file) -> tuple[str, list]:
    argv, texts, unreadable = cmd.argv, [], []
    for name in ("-c", "--command", "-e", "--execute", "-Q", "-q", "--eval"):
        v = flag(argv, name)
        if v:
            texts.append(v)
    for name in ("-f", "--file", "-i"):
        v = flag(argv, name)
        if v and v != "-":
            t = read_file(v)
            if t is None:
                unreadable.append(f"the script {v} cannot be read")
            else:
                texts.append(t)
    if cmd.stdin:
        texts.append(cmd.stdin)
    elif "\0stdin_file" in cmd.env:
        path = cmd.env["\0stdin_file"]
        t = read_file(path)
        if t is None:
            unreadable.append(f"the input file {path} cannot be read")
        else:
            texts.append(t)
    if cmd.name == "redis-cli":
        texts.append(" ".join(positionals(argv[1:], ("-h", "-p", "-a", "-u", "-n"))))
    return "\n".join(texts), unreadable


def _targets(cmd) -> list[Target]:
    argv = cmd.argv
    out = []
    for a in argv[1:]:
        v = a.split("=", 1)[1] if a.startswith(("--dbname=", "--url=", "--uri=")) else a
        if _URL.match(v):
            out.append(Target("db-url", v))
        elif v.startswith("$") and not out:
            out.append(Target("db-url", v))
    for name in ("-d", "--dbname", "-u", "--url", "-h", "--host", "-S", "--server"):
        v = flag(argv, name)
        if v and _URL.match(v):
            out.append(Target("db-url", v))
    host = flag(argv, "-h", "--host", "-S", "--server")
    db = flag(argv, "-d", "--dbname", "--database", "-D")
    if host and not _URL.match(host) and cmd.name != "redis-cli":
        out.append(Target("db-host", f"{host}/{db or ''}"))
    elif host and cmd.name == "redis-cli":
        out.append(Target("db-host", f"{host}/"))
    if not out:
        pos = positionals(argv[1:], ("-U", "-p", "-h", "-d", "-c", "-e", "-f", "-P", "-u", "--user", "--port"))
        if cmd.name in ("mysql", "mariadb") and pos:
            out.append(Target("name", pos[0]))
        for env in ("DATABASE_URL", "PGHOST"):
            if env in cmd.env:
                out.append(Target("db-url", cmd.env[env]))
    return out


def sql_op(cmd, op, read_file) -> None:
    name = cmd.name
    if name == "dropdb":
        pos = positionals(cmd.argv[1:], ("-h", "--host", "-p", "--port", "-U", "--username", "--maintenance-db"))
        targets = [Target("db-url", p) if _URL.match(p) else Target("name", p) for p in pos]
        host = flag(cmd.argv, "-h", "--host")
        if host:
            targets.append(Target("db-host", f"{host}/{pos[0] if pos else ''}"))
        op("sql", "dropdb", targets=targets)
        return
    if name not in _CLIENTS:
        return
    text, unreadable = _statements(cmd, read_file)
    m = _DESTRUCTIVE.search(text)
    if m:
        stmt = " ".join(m.group(0).split()).rstrip(";").upper()
        op("sql", f"{name} {stmt}", targets=_targets(cmd))
    elif unreadable:
        op("sql", f"{name} with input iaclint cannot read", targets=_targets(cmd), note="; ".join(unreadable))
