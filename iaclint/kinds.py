"""Every input format iaclint reads, declared once.

A file's kind is a ``FileKind``.  Its ``KindSpec`` in ``KINDS`` says how a path is recognised (``match``, tried in
registry order, first match wins) or how a JSON document's content is (``sniff``), which parser reads it, which kind
the parsed file carries, which comment leaders an ``iaclint:ignore`` may use in it, whether it is parsed into AST
objects (kept in-process: they cost more to pickle than to build) and which graph contributor turns it into nodes.

Parsers and contributors are named ``"module:function"`` under the ``iaclint`` package and imported when first
used, so this module depends on no stage of the pipeline (discover, parse and graph all read it).

Adding an input format = one entry here + its parser (``(SourceFile, raw bytes, text) -> ParsedFile``) and its
contributor (``(Builder, ParsedFile)``; ``(Builder, [ParsedFile])`` for the project-wide phases).
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from enum import Enum, StrEnum
from functools import cache
from typing import Callable


class FileKind(StrEnum):
    """The kind of a discovered (and then of a parsed) file.  A ``str``: ``FileKind.TERRAFORM == "terraform"``."""

    KEYFILE = "keyfile"
    KEYSTORE = "keystore"
    TERRAFORM = "terraform"
    TERRAGRUNT = "terragrunt"
    TERRAFORM_JSON = "terraform_json"
    TFVARS = "tfvars"
    TFVARS_JSON = "tfvars_json"
    PLAN_JSON = "plan_json"
    RAILWAY_ENV_CONFIG = "railway_env_config"
    RAILWAY_JSON = "railway_json"
    RAILWAY_TOML = "railway_toml"
    RAILWAY_TS = "railway_ts"
    RAILWAY_PY = "railway_py"
    DOTENV_EXAMPLE = "dotenv_example"
    DOTENV = "dotenv"
    JSON = "json"
    YAML = "yaml"
    TEXT = "text"


class Phase(Enum):
    """When a kind's graph contributor runs."""

    PROJECT = "project"  # first, once, with every file of the kinds it is declared for (Terraform: module dirs)
    FILE = "file"  # once per file, every kind's files together in path order
    LATE = "late"  # after the FILE pass, once with all its files: it needs the environments the others name


@dataclass(frozen=True)
class KindSpec:
    kind: FileKind
    match: Callable[[str, str], bool] | None = None  # (relative path, lower-case file name): is it this kind?
    sniff: Callable[[dict], bool] | None = None  # a JSON document (of kind JSON) whose content says it is this kind
    parser: str | None = None  # "module:function"; None: the bytes are never read (reported by name)
    parsed_as: FileKind | None = None  # the kind the parsed file carries (None: this kind)
    binary_as: FileKind | None = None  # a binary file of this kind is parsed as that kind instead of skipped
    # comments and graph belong to a parsed kind: a kind parsed as another (parsed_as) has neither
    comments: tuple[str, ...] = ()  # comment leaders: an `iaclint:ignore` is read only in kinds that have some
    blocks: str | None = None  # "module:function" (ParsedFile) -> [(header line, end line)]: an ignore on a block's
    # header covers the block (engine/suppress.py); None: an ignore covers its own line only
    ast: bool = False  # parsed into AST objects: parsed in-process, never in a worker
    graph: str | None = None  # "module:function" graph contributor
    phase: Phase = Phase.FILE
    data: bool = True  # the parser produces data: a file whose data is None did not parse and adds nothing

    @property
    def parsed(self) -> FileKind:
        return self.parsed_as or self.kind


@cache
def load(ref: str):
    """The function a spec names, ``"module:function"`` under the iaclint package."""
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


# -- path patterns ------------------------------------------------------------------------------------------------
# credential files with no telling extension: scanned as text (keys, auth files, Terraform state) or, for binary
# key stores, reported by name only (their bytes are never read)
KEY_FILE_NAMES = {"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"}
KEY_FILE_EXT = (".pem", ".key")
KEY_STORE_EXT = (".p12", ".pfx", ".jks", ".keystore")
CREDENTIAL_FILE_NAMES = {".netrc", "_netrc", ".pgpass", "credentials", ".npmrc", ".pypirc", ".git-credentials"}
STATE_EXT = (".tfstate", ".tfstate.backup")
SCRIPT_EXT = {".sh", ".bash", ".zsh", ".ps1", ".py", ".js", ".ts", ".mjs", ".cjs", ".rb", ".go"}
CONFIG_EXT = {".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".properties", ".npmrc", ".tfrc"}
EXAMPLE_EXT = (".example", ".sample", ".template", ".dist")


def _named(names=(), suffixes=()) -> Callable[[str, str], bool]:
    """A file whose lower-case name is one of NAMES or ends with one of SUFFIXES."""
    return lambda rel, low: low in names or low.endswith(suffixes)


def _in_railway_dir(*names: str) -> Callable[[str, str], bool]:
    """Railway IaC: one of NAMES inside a ``.railway/`` directory."""
    return lambda rel, low: low in names and "/.railway/" in "/" + rel


def _dotenv_name(low: str) -> bool:
    return low == ".env" or low.startswith(".env.") or low.endswith(".env") or low in ("env", "dotenv")


def _terragrunt_name(rel: str, low: str) -> bool:
    """terragrunt.hcl, root.hcl and the *.hcl they read (env.hcl, account.hcl, _envcommon/…); not the HCL of
    other tools (.terraform.lock.hcl, Packer, Nomad)."""
    return low.endswith(".hcl") and low != ".terraform.lock.hcl" and not low.endswith(_OTHER_HCL)


_OTHER_HCL = (".pkr.hcl", ".pkrvars.hcl", ".nomad.hcl")


def _text_name(rel: str, low: str) -> bool:
    return (low.endswith(STATE_EXT) or low in CREDENTIAL_FILE_NAMES or os.path.splitext(low)[1] in SCRIPT_EXT
            or os.path.splitext(low)[1] in CONFIG_EXT)


# -- content sniffing (a JSON document, in this order) --------------------------------------------------------------
def _is_plan(v: dict) -> bool:
    """`terraform show -json` of a plan."""
    return "format_version" in v and ("planned_values" in v or "resource_changes" in v)


def _is_env_config_export(v: dict) -> bool:
    """`railway environment config --json`: services keyed by id with variables / volumeMounts, volumes, ..."""
    if not any(k in v for k in ("services", "sharedVariables", "volumes")):
        return False
    if any(k in v for k in ("build", "deploy", "$schema", "format_version")):
        return False
    services = v.get("services")
    if isinstance(services, dict) and services:
        for s in services.values():
            if isinstance(s, dict) and any(k in s for k in ("variables", "volumeMounts", "source", "deploy",
                                                            "networking", "configFile")):
                return True
    return isinstance(v.get("sharedVariables"), dict) or isinstance(v.get("volumes"), dict) and bool(v["volumes"])


def _has_railway_schema(v: dict) -> bool:
    return "$schema" in v and "railway" in str(v.get("$schema", ""))


# -- the registry: classification order ---------------------------------------------------------------------------
_HASH_SLASH = ("#", "//")
_TF_GRAPH = "graph.terraform:add_terraform"
_HCL_BLOCKS = "engine.suppress:hcl_blocks"
_BRACKETS = "engine.suppress:bracket_blocks"
_SPECS = (
    KindSpec(FileKind.KEYFILE, _named(KEY_FILE_NAMES, KEY_FILE_EXT), parser="parsers:text_file",
             parsed_as=FileKind.TEXT, binary_as=FileKind.KEYSTORE),  # PEM / OpenSSH text; a DER key: by name
    KindSpec(FileKind.KEYSTORE, _named(suffixes=KEY_STORE_EXT), graph="graph.secrets:add_keystore"),
    # before Terraform: its contributor marks the module dirs its units use (not roots of their own)
    KindSpec(FileKind.TERRAGRUNT, _terragrunt_name, parser="parsers:hcl_file", comments=_HASH_SLASH,
             blocks=_HCL_BLOCKS, ast=True, graph="terragrunt.graph:add_terragrunt", phase=Phase.PROJECT),
    KindSpec(FileKind.TERRAFORM, _named(suffixes=(".tf",)), parser="parsers:hcl_file", comments=_HASH_SLASH,
             blocks=_HCL_BLOCKS, ast=True, graph=_TF_GRAPH, phase=Phase.PROJECT),
    KindSpec(FileKind.TERRAFORM_JSON, _named(suffixes=(".tf.json",)), parser="parsers:tf_json_file",
             parsed_as=FileKind.TERRAFORM, ast=True),
    KindSpec(FileKind.TFVARS, _named(suffixes=(".tfvars",)), parser="parsers:hcl_file", comments=_HASH_SLASH,
             blocks=_HCL_BLOCKS, ast=True, graph=_TF_GRAPH, phase=Phase.PROJECT),
    KindSpec(FileKind.TFVARS_JSON, _named(suffixes=(".tfvars.json",)), parser="parsers:tf_json_file",
             parsed_as=FileKind.TFVARS, ast=True),
    KindSpec(FileKind.PLAN_JSON, sniff=_is_plan, graph="graph.plan:add_plan_nodes"),
    KindSpec(FileKind.RAILWAY_ENV_CONFIG, sniff=_is_env_config_export, graph="graph.railway:add_env_config_export"),
    KindSpec(FileKind.RAILWAY_JSON, _named({"railway.json"}, (".railway.json",)), sniff=_has_railway_schema,
             parser="parsers:json_file", graph="graph.railway:add_railway_config"),
    KindSpec(FileKind.RAILWAY_TOML, _named({"railway.toml"}, (".railway.toml",)), parser="parsers:toml_file",
             comments=("#",), blocks="engine.suppress:toml_tables", graph="graph.railway:add_railway_config"),
    KindSpec(FileKind.RAILWAY_TS, _in_railway_dir("railway.ts", "railway.mts"), parser="parsers:railway_ts_file",
             comments=("//",), blocks=_BRACKETS, ast=True, graph="graph.railway_iac:add_railway_iac", phase=Phase.LATE),
    KindSpec(FileKind.RAILWAY_PY, _in_railway_dir("railway.py"), parser="parsers:railway_py_file",
             comments=("#",), blocks=_BRACKETS, ast=True, graph="graph.railway_iac:add_railway_iac", phase=Phase.LATE),
    KindSpec(FileKind.DOTENV_EXAMPLE, lambda rel, low: _dotenv_name(low) and low.endswith(EXAMPLE_EXT),
             parser="parsers:dotenv_file", comments=("#",), graph="graph.secrets:add_dotenv"),
    KindSpec(FileKind.DOTENV, lambda rel, low: _dotenv_name(low) and not low.endswith(STATE_EXT),
             parser="parsers:dotenv_file", comments=("#",), graph="graph.secrets:add_dotenv"),
    # content decides: plan JSON, env-config export, Railway config (by $schema) or plain config
    KindSpec(FileKind.JSON, _named({".dockercfg"}, (".json",)), parser="parsers:json_file",
             graph="graph.secrets:add_json_config"),
    KindSpec(FileKind.YAML, _named(suffixes=(".yaml", ".yml")), parser="parsers:text_file",
             parsed_as=FileKind.TEXT),
    # scripts, config, Terraform state and credential files (.netrc, .pgpass…): scanned for credentials by line
    KindSpec(FileKind.TEXT, _text_name, parser="parsers:text_file", comments=_HASH_SLASH,
             graph="graph.secrets:add_text", data=False),
)
KINDS: dict[FileKind, KindSpec] = {s.kind: s for s in _SPECS}
