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
from dataclasses import dataclass, field

from ..model import EnvTag

ALIASES = {
    "production": "production", "prod": "production", "prd": "production", "live": "production",
    "staging": "staging", "stage": "staging", "stg": "staging",
    "development": "development", "dev": "development", "develop": "development",
    "test": "test", "testing": "test", "qa": "test", "uat": "test",
    "preview": "preview", "pr": "preview", "review": "preview", "sandbox": "sandbox",
}
_TOKEN = re.compile(r"[-_.]")


@dataclass(frozen=True)
class Environments:
    """Environment inference under one scan's configuration: the team's aliases (``{"prod-eu": "production"}``)
    and path globs (``{"infra/live/**": "production"}``). One per scan (``ScanContext.envs``), never global:
    two scans in one process (the language server) each see only their own."""

    aliases: dict = field(default_factory=dict)  # lower-case name -> canonical environment
    paths: tuple = ()  # (glob relative to the scan root, canonical environment), in config order

    @classmethod
    def configured(cls, aliases: dict | None = None, paths: dict | None = None) -> "Environments":
        """From config: alias values and path environments normalized (an alias may name an earlier alias)."""
        user: dict = {}
        envs = cls(user)
        for k, v in (aliases or {}).items():
            user[k.lower()] = envs.normalize(v) or v.lower()
        return cls(user, tuple((k, envs.normalize(v) or v.lower()) for k, v in (paths or {}).items()))

    def normalize(self, name: str | None) -> str | None:
        if not name:
            return None
        n = name.strip().lower()
        if n in self.aliases:
            return self.aliases[n]
        return ALIASES.get(n)

    def normalize_free(self, name: str) -> str:
        """An environment name as written (e.g. a Railway environment ``pr-42``), normalized when we can."""
        n = self.normalize(name)
        if n:
            return n
        low = name.strip().lower()
        for tok in _TOKEN.split(low):
            t = self.normalize(tok)
            if t:
                return t
        return low

    def from_token_string(self, s: str) -> str | None:
        n = self.normalize(s)
        if n:
            return n
        for tok in _TOKEN.split(s.lower()):
            t = self.normalize(tok)
            if t:
                return t
        return None

    def from_path(self, path: str) -> tuple[str, str] | None:
        """(environment, reason) inferred from a relative path, or None."""
        for pat, env in self.paths:
            if fnmatch.fnmatch(path, pat):
                return env, f"path matches {pat!r} in config"
        parts = path.split("/")
        name = parts[-1]
        low = name.lower()
        # env files: .env.production, production.env, .env.staging.local
        if low.startswith(".env."):
            for tok in low[5:].split("."):
                e = self.normalize(tok)
                if e:
                    return e, f"env-file suffix {name!r}"
        if low.endswith(".env") and low != ".env":
            e = self.from_token_string(low[:-4])
            if e:
                return e, f"env-file name {name!r}"
        # tfvars / config files named after the environment
        for suf in (".tfvars.json", ".tfvars", ".json", ".toml", ".yaml", ".yml", ".config.json"):
            if low.endswith(suf) and low not in ("terraform.tfvars",):
                stem = low[: -len(suf)]
                e = self.normalize(stem) or (self.from_token_string(stem) if "auto" not in stem else None)
                if e:
                    return e, f"file name {name!r}"
                break
        for d in reversed(parts[:-1]):
            e = self.normalize(d)
            if e:
                return e, f"directory {d!r}"
        for d in reversed(parts[:-1]):
            e = self.from_token_string(d)
            if e and d.lower() not in ("tests", "testdata", "fixtures"):
                return e, f"directory {d!r}"
        return None

    def tags_for_path(self, path: str) -> list[EnvTag]:
        """``from_path`` as the node's environment tags (none when the path names no environment)."""
        r = self.from_path(path)
        return [EnvTag(r[0], r[1])] if r else []

    def from_tags(self, attrs: dict) -> tuple[str, str] | None:
        """Environment from tags/labels such as ``Environment = "prod"``."""
        for key in ("tags", "labels", "tags_all"):
            tags = attrs.get(key)
            if isinstance(tags, dict):
                for k, v in tags.items():
                    if isinstance(k, str) and k.lower() in ("environment", "env", "stage", "tier") \
                            and isinstance(v, str):
                        e = self.normalize(v)
                        if e:
                            return e, f"{key}.{k} = {v!r}"
        return None
