"""Environment inference: which environment(s) a file or resource belongs to, and why.

Sources, strongest first: an explicit mapping from config, a Railway
environment, a per-environment tfvars file, a tag/label, an env-file suffix
(``.env.production``), a directory name (``envs/staging``).  Aliases are
normalized: prod/production/prd/live -> production; stage/staging/stg ->
staging; dev/development/local; test/qa; preview/pr/review.
"""
from __future__ import annotations

import fnmatch
import re

ALIASES = {
    "production": "production", "prod": "production", "prd": "production", "live": "production",
    "staging": "staging", "stage": "staging", "stg": "staging",
    "development": "development", "dev": "development", "develop": "development",
    "test": "test", "testing": "test", "qa": "test", "uat": "test",
    "preview": "preview", "pr": "preview", "review": "preview", "sandbox": "sandbox",
}
_user_aliases: dict[str, str] = {}
_path_map: list[tuple[str, str]] = []
_TOKEN = re.compile(r"[-_.]")


def configure(aliases: dict[str, str] | None = None, paths: dict[str, str] | None = None) -> None:
    """Team-specific aliases (``{"prod-eu": "production"}``) and path globs (``{"infra/live/**": "production"}``)."""
    _user_aliases.clear()
    for k, v in (aliases or {}).items():
        _user_aliases[k.lower()] = normalize(v) or v.lower()
    _path_map.clear()
    for k, v in (paths or {}).items():
        _path_map.append((k, normalize(v) or v.lower()))


def normalize(name: str | None) -> str | None:
    if not name:
        return None
    n = name.strip().lower()
    if n in _user_aliases:
        return _user_aliases[n]
    if n in ALIASES:
        return ALIASES[n]
    return None


def normalize_free(name: str) -> str:
    """An environment name as written (e.g. a Railway environment ``pr-42``), normalized when we can."""
    n = normalize(name)
    if n:
        return n
    low = name.strip().lower()
    for tok in _TOKEN.split(low):
        t = normalize(tok)
        if t:
            return t
    return low


def from_token_string(s: str) -> str | None:
    n = normalize(s)
    if n:
        return n
    for tok in _TOKEN.split(s.lower()):
        t = normalize(tok)
        if t:
            return t
    return None


def env_from_path(path: str) -> tuple[str, str] | None:
    """(environment, reason) inferred from a relative path, or None."""
    for pat, env in _path_map:
        if fnmatch.fnmatch(path, pat):
            return env, f"path matches {pat!r} in config"
    parts = path.split("/")
    name = parts[-1]
    low = name.lower()
    # env files: .env.production, production.env, .env.staging.local
    if low.startswith(".env."):
        for tok in low[5:].split("."):
            e = normalize(tok)
            if e:
                return e, f"env-file suffix {name!r}"
    if low.endswith(".env") and low != ".env":
        e = from_token_string(low[:-4])
        if e:
            return e, f"env-file name {name!r}"
    # tfvars / config files named after the environment
    for suf in (".tfvars.json", ".tfvars", ".json", ".toml", ".yaml", ".yml", ".config.json"):
        if low.endswith(suf) and low not in ("terraform.tfvars",):
            stem = low[: -len(suf)]
            e = normalize(stem) or (from_token_string(stem) if "auto" not in stem else None)
            if e:
                return e, f"file name {name!r}"
            break
    for d in reversed(parts[:-1]):
        e = normalize(d)
        if e:
            return e, f"directory {d!r}"
    for d in reversed(parts[:-1]):
        e = from_token_string(d)
        if e and d.lower() not in ("tests", "testdata", "fixtures"):
            return e, f"directory {d!r}"
    return None


def env_from_tags(attrs: dict) -> tuple[str, str] | None:
    """Environment from tags/labels such as ``Environment = "prod"``."""
    for key in ("tags", "labels", "tags_all"):
        tags = attrs.get(key)
        if isinstance(tags, dict):
            for k, v in tags.items():
                if isinstance(k, str) and k.lower() in ("environment", "env", "stage", "tier") and isinstance(v, str):
                    e = normalize(v)
                    if e:
                        return e, f"{key}.{k} = {v!r}"
    return None


def is_production(env: str) -> bool:
    return env == "production"
