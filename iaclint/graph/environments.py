"""Environment inference: which environment(s) a file or resource belongs to, and why.

Sources, strongest first: an explicit mapping from config, a Railway
environment, a per-environment tfvars file, a tag/label, an env-file suffix
(``.env.production``), a directory name (``envs/staging``).  Aliases are
normalized: prod/production/prd/live (and prod1, prd2…) -> production; stage/staging/stg and pre-production
(preprod, pre-prod) -> staging; dev/development/develop; test/testing/qa/uat; preview/pr/review; sandbox;
nonprod/non-prod/non-production -> non-production.  A production word preceded by ``non`` or ``pre`` (one name or
two tokens: ``non-prod``, ``eu-preprod``) never means production, and a word that merely contains "prod"
(``reproduction``, ``product``, ``products-api``) names no environment.

A name iaclint cannot normalise is *possibly production* (DESIGN.md): it never becomes an environment of its own
that would silence production-only rules.  Inside a path, a component names an environment when it IS an alias
(``envs/staging``, ``live/production``); a component is split into tokens (``-``, ``_``, ``.``) only for the
distinctive names in ``TOKEN_ALIASES`` (``prod-eu``, ``app-staging``), never for English words such as
``review``, ``live``, ``test`` or ``main`` (``tools/code-review`` is not a preview environment).
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
    "nonprod": "non-production", "nonproduction": "non-production", "nonprd": "non-production",
    "preprod": "staging", "preproduction": "staging", "preprd": "staging",
}
# a word before a production word that turns it into another environment (``non-prod``, ``pre_production``)
_NEGATING = frozenset({"non", "pre"})
# names that are environments even as one token of a longer name (``prod-eu``, ``us-east-1-stg``)
TOKEN_ALIASES = frozenset({"production", "prod", "prd", "staging", "stg", "development", "dev", "uat", "preview",
                           "nonprod", "nonproduction", "preprod", "preproduction"})
_NUMBERED = re.compile(r"^(production|prod|prd|staging|stg|stage|development|dev|uat|qa)[-_]?\d{1,3}$")
# always-loaded Terraform defaults and examples: file names that never name an environment
NOT_ENV_STEMS = frozenset({"terraform", "default", "defaults", "common", "shared", "global", "example", "sample"})
# branch names used as environment names: production as a var file or Railway environment, not as a directory
# (``src/main`` is not production)
BRANCH_ALIASES = {"main": "production", "master": "production"}
_TOKEN = re.compile(r"[-_.]")


def _tokens(s: str) -> list[str]:
    """S split at ``-``, ``_`` and ``.``, a negating word joined to the word after it (``non-prod-eu`` ->
    ``nonprod``, ``eu``): ``prod`` alone in ``non-prod`` is not production."""
    out: list[str] = []
    for tok in _TOKEN.split(s.lower()):
        if out and out[-1] in _NEGATING and tok:
            out[-1] += tok
        else:
            out.append(tok)
    return out
# var files that are not one deployment's inputs: examples, templates, values shared by every environment
_NOT_A_DEPLOYMENT = re.compile(r"(^|[-_.])(examples?|samples?|templates?|defaults?|common|shared|global)([-_.]|$)")


def not_a_deployment(path: str) -> bool:
    """A var file named as an example, a template or shared values (``example.tfvars``, ``prod.example.tfvars``,
    ``common.tfvars``): when its name says no environment either, it is not a context of its own."""
    return bool(_NOT_A_DEPLOYMENT.search(path.rsplit("/", 1)[-1].lower().split(".tfvars")[0]))


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
        m = _NUMBERED.match(n)  # prod1, prd-2, stg3
        if m:
            return ALIASES.get(m.group(1))
        toks = _tokens(n)
        return ALIASES.get(toks[0] if len(toks) == 1 else n)  # non-prod, pre_prod: one name

    def normalize_free(self, name: str) -> str:
        """An environment name as written (e.g. a Railway environment ``pr-42``), normalized when we can."""
        n = self.normalize(name) or BRANCH_ALIASES.get(name.strip().lower())
        if n:
            return n
        low = name.strip().lower()
        for tok in _tokens(low):
            t = self.normalize(tok)
            if t:
                return t
        return low

    def from_token_string(self, s: str) -> str | None:
        """The environment a name says: the whole name, else one of its distinctive tokens (``TOKEN_ALIASES``,
        the team's aliases) — never an English word inside a longer name (``code-review``)."""
        n = self.normalize(s)
        if n:
            return n
        for tok in _tokens(s):
            if tok in self.aliases or tok in TOKEN_ALIASES or _NUMBERED.match(tok):
                return self.normalize(tok)
        return None

    def from_tfvars(self, path: str, root: str) -> tuple[str | None, str]:
        """(environment or None, reason) of a var file of the root module ROOT: its name (``prod.tfvars``,
        ``app-staging.tfvars``; never ``terraform.tfvars`` or ``*.auto.tfvars``), else the directories between
        the root and the file (``environments/production/terraform.tfvars``).  None = a name iaclint cannot
        normalise: possibly production."""
        env, _name, reason = self._var_file_name(path, root)
        return env, reason

    def var_file_workspace(self, path: str, root: str) -> str | None:
        """The Terraform workspace a per-environment var file is applied in, as the file writes it: its stem
        (``prod.tfvars`` -> ``prod``), else the directory that names its environment
        (``environments/prd/terraform.tfvars`` -> ``prd``); None when neither names an environment."""
        return self._var_file_name(path, root)[1]

    def _var_file_name(self, path: str, root: str) -> tuple[str | None, str | None, str]:
        base = path.rsplit("/", 1)[-1]
        stem = base.lower().split(".tfvars")[0]
        if stem not in NOT_ENV_STEMS and not stem.endswith(".auto"):
            e = self.from_token_string(stem) or BRANCH_ALIASES.get(stem)
            if e:
                return e, base[:len(stem)], f"var file name {base!r}"
        rel = path[len(root) + 1:] if root and path.startswith(root + "/") else path
        for d in reversed(rel.split("/")[:-1]):
            e = self.from_token_string(d)
            if e:
                return e, d, f"var file {path} in directory {d!r}"
        return None, None, (f"{stem!r} is not an environment name iaclint knows, so possibly "
                            f"production (name it in environments.aliases)")

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
            if low.endswith(suf):
                stem = low[: -len(suf)]
                e = None if stem in NOT_ENV_STEMS or stem.endswith(".auto") else self.from_token_string(stem)
                if e:
                    return e, f"file name {name!r}"
                break
        for d in reversed(parts[:-1]):
            e = self.normalize(d)
            if e:
                return e, f"directory {d!r}"
        for d in reversed(parts[:-1]):
            e = self.from_token_string(d)
            if e:
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


_WS_COMPARED = re.compile(r'terraform\.workspace\s*[!=]=\s*"([A-Za-z0-9_.\-]{1,64})"|'
                          r'"([A-Za-z0-9_.\-]{1,64})"\s*[!=]=\s*terraform\.workspace')
STATE_DIR = "terraform.tfstate.d/"
_WS_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
SELECTED_WORKSPACE = ".terraform/environment"


def selected_workspace(root: str, read_file) -> str | None:
    """The workspace ``terraform workspace select`` chose for ROOT: ``.terraform/environment`` in it, when present
    (READ_FILE: the scan's reader, (module dir, path) -> text or Unknown)."""
    text = read_file(root or ".", SELECTED_WORKSPACE) if read_file is not None else None
    ws = text.strip() if isinstance(text, str) else ""
    return ws if _WS_NAME.match(ws) else None


def terraform_workspaces(root: str, paths, tf_texts) -> list[tuple[str, str]]:
    """[(workspace, why)] a root module is known to be applied in: ``terraform.tfstate.d/<ws>/`` in the repository
    (local state of each workspace), and names its configuration (TF_TEXTS, the root's .tf sources) compares
    ``terraform.workspace`` with. Empty when the root names none."""
    out: dict = {}
    prefix = (root + "/" if root else "") + STATE_DIR
    for p in sorted(paths):
        if p.startswith(prefix) and "/" in p[len(prefix):]:
            ws = p[len(prefix):].split("/", 1)[0]
            out.setdefault(ws, f"its state directory {prefix}{ws}/")
    for text in tf_texts:
        if "terraform.workspace" not in text:
            continue
        for m in _WS_COMPARED.finditer(text):
            ws = m.group(1) or m.group(2)
            out.setdefault(ws, f"the configuration compares terraform.workspace with {ws!r}")
    return sorted(out.items())
