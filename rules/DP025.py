"""DP025: Destructive database command in a production deploy command."""
from __future__ import annotations

import re

from iaclint.engine.run import in_scope
from iaclint.model import Span


DESTRUCTIVE = [
    (re.compile(r"\bprisma\s+migrate\s+reset\b", re.I), "prisma migrate reset drops the database"),
    (re.compile(r"\bprisma\s+db\s+push\b[^;&|]*--accept-data-loss", re.I),
     "prisma db push --accept-data-loss drops columns and tables"),
    (re.compile(r"--force-reset\b", re.I), "--force-reset resets the database"),
    (re.compile(r"\b(?:rails|rake)\s+(?:[\w:]+\s+)*db:(?:drop|reset|purge|schema:load|setup|truncate_all)\b", re.I),
     "the Rails task drops or reloads the database"),
    (re.compile(r"\bdb:(?:drop|reset|wipe|fresh)\b", re.I), "the db task drops the database"),
    (re.compile(r"\bmigrate:(?:fresh|reset|refresh)\b", re.I), "the migration task drops every table"),
    (re.compile(r"\bDROP\s+(?:DATABASE|SCHEMA|TABLE)\b", re.I), "the SQL drops data"),
    (re.compile(r"\bTRUNCATE\s+(?:TABLE\s+)?\w", re.I), "the SQL truncates a table"),
    (re.compile(r"\bdropdb\b", re.I), "dropdb drops the database"),
    (re.compile(r"\bmanage\.py\s+(?:flush|reset_db)\b", re.I), "manage.py flush deletes every row"),
    (re.compile(r"\bschema:drop\b", re.I), "schema:drop drops every table"),
    (re.compile(r"\bdrizzle-kit\s+push\b[^;&|]*--force", re.I), "drizzle-kit push --force applies data-loss statements"),
    (re.compile(r"\bdropDatabase\s*\(", re.I), "dropDatabase() drops the database"),
    (re.compile(r"\bFLUSHALL\b|\bFLUSHDB\b"), "the Redis command deletes every key"),
]


COMMAND_FIELDS = ("preDeployCommand", "startCommand")


def destructive_reason(cmd) -> str | None:
    """Why a deploy command (string or list of strings) destroys data, or None."""
    parts = cmd if isinstance(cmd, list) else [cmd]
    for p in parts:
        if not isinstance(p, str):
            continue
        for rx, why in DESTRUCTIVE:
            if rx.search(p):
                return why
    return None


def _line(node, *keys) -> int:
    lines = node.meta.get("lines", {})
    for k in keys:
        if k in lines:
            return lines[k]
    return node.span.line


def check(ctx):
    """FAIL: deploy.preDeployCommand = "npx prisma migrate reset --force" with no production override.
    PASS: the reset only in environments.pr.deploy, production running `prisma migrate deploy`."""
    for cfg in ctx.graph.of_kind("railway_config"):
        if not in_scope(ctx.rule, cfg):
            continue
        base = cfg.attrs.get("deploy") if isinstance(cfg.attrs.get("deploy"), dict) else {}
        envs = cfg.attrs.get("environments") if isinstance(cfg.attrs.get("environments"), dict) else {}
        prod_names = [n for n in envs if ctx.graph.ctx.envs.normalize_free(n) == "production"]
        cases = []  # (environment label, field, command, key path)
        for f in COMMAND_FIELDS:
            if not prod_names and f in base:
                cases.append(("every environment, production included", f, base[f], f"deploy.{f}"))
            for pn in prod_names:
                od = (envs.get(pn) or {}).get("deploy") if isinstance(envs.get(pn), dict) else None
                if isinstance(od, dict) and f in od:
                    cases.append((f"environments.{pn}", f, od[f], f"environments.{pn}.deploy.{f}"))
                elif f in base:
                    cases.append((f"production (environments.{pn} does not override it)", f, base[f], f"deploy.{f}"))
        seen = set()
        for label, f, cmd, key in cases:
            why = destructive_reason(cmd)
            if not why or key in seen:
                continue
            seen.add(key)
            line = _line(cfg, key, key + ".0", key.rsplit(".", 1)[0])
            shown = " && ".join(cmd) if isinstance(cmd, list) else str(cmd)
            msg = (f"{f} {shown!r} runs on every deploy in {label}: {why} — one push wipes production data")
            yield ctx.finding(cfg, msg, Span(cfg.span.path, line), key=f"{cfg.span.path}|{key}",
                              envs=sorted(set(cfg.env_names) | {"production"}))
    for svc in ctx.graph.of_kind("railway_service"):
        dep = svc.attrs.get("deploy")
        if not isinstance(dep, dict) or "production" not in svc.env_names:
            continue
        for f in COMMAND_FIELDS:
            why = destructive_reason(dep.get(f))
            if why:
                msg = f"service {svc.name} runs {f} {dep.get(f)!r} in production: {why}"
                yield ctx.finding(svc, msg, key=f"{svc.span.path}|{svc.name}|{f}")
