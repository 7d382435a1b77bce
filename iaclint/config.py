"""Project configuration: ``.iaclint.yaml`` (or ``[tool.iaclint]`` in ``pyproject.toml``).

The configuration of the repository root (``discover.repository_root``: the
nearest directory above the paths holding ``.git`` or a config file, or
``--root``): its ``.iaclint.yaml``/``.iaclint.yml``, or a ``pyproject.toml``
with a ``[tool.iaclint]`` table.  Validated with
``schemas/config.schema.json``; every error names the file and line.  Paths in
the file (excludes, rule directories, path->environment globs, the baseline)
are relative to the file's directory.  The file and the command-line flags on
top of it make one ``ScanOptions``, the settings type every scanning command
uses (check, blast-radius, baseline create, lsp).
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field, fields, replace

from . import load_schema
from .discover import config_file_in, repository_root


class ConfigError(Exception):
    """A configuration problem; ``str()`` is ``file:line: message``."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}{f':{line}' if line else ''}: {message}")


def _adds(factory):
    """A field command-line flags add to (``--exclude``, ``--ignore``…) instead of replacing the file's value."""
    return field(default_factory=factory, metadata={"flags_add": True})


@dataclass
class ScanOptions:
    """What a command is told, each setting declared once: the config file fills it (``load_config``), the
    command-line flags go on top (``with_flags``). Every command that scans uses it: check (with
    --explain-environments), baseline create, blast-radius and the language server."""

    fail_on: str = "low"  # exit 1 for findings at or above this severity
    respect_gitignore: bool = False
    excludes: list = _adds(list)  # globs relative to the repository root
    var_files: list = _adds(list)
    tf_var_env: bool = False  # read TF_VAR_* from the environment
    rule_dirs: list = _adds(list)
    enabled: set = field(default_factory=set)  # rule ids; empty: every rule (--select replaces it)
    disabled: set = _adds(set)
    severity_overrides: dict = field(default_factory=dict)  # rule id -> severity
    example_trees_severity: str | None = "low"  # cap for findings in examples/, tests/… (None: off); engine/run.py
    unsuppressible: set = field(default_factory=set)
    suppressible: set = field(default_factory=set)
    stateful_types: set = _adds(set)  # extra resource types that hold data
    modules: list = field(default_factory=list)  # module catalogue entries of the team's (terraform/registry.py)
    env_aliases: dict = field(default_factory=dict)  # your name -> canonical environment
    env_paths: dict = field(default_factory=dict)  # path glob (relative to the repository root) -> environment
    baseline: str | None = None  # findings in this baseline file are marked suppressed (kind "external")
    root: str | None = None  # the graph's root (``--root``; default: nearest .git or config: discover.repository_root)
    guard: dict = field(default_factory=dict)  # `iaclint guard` settings (docs/agent-guard.md)
    jobs: int = 0  # parser processes; 0: one per CPU on a large tree, else one (scan.default_jobs)
    config_path: str | None = None  # the config file these came from (None: none)
    config_lines: dict = field(default_factory=dict, repr=False, compare=False)  # key path -> line in it

    def line_of(self, *keys) -> int | None:
        keys = tuple(keys)
        while keys:
            if keys in self.config_lines:
                return self.config_lines[keys]
            keys = keys[:-1]
        return self.config_lines.get(())

    def with_flags(self, **flags) -> ScanOptions:
        """These options with command-line flags (keyword = field name) on top: a flag not given (None, False,
        empty) keeps the file's value; given, it adds to a list/set the file started (``--exclude``,
        ``--ignore``, ``--rules-dir``, ``--var-file``, ``--stateful-type``) and replaces anything else."""
        kinds = {f.name: f for f in fields(self)}
        changes = {}
        for name, value in flags.items():
            if value is None or value is False or (isinstance(value, (tuple, list, set, frozenset)) and not value):
                continue
            old = getattr(self, name)
            if not kinds[name].metadata.get("flags_add"):
                changes[name] = type(old)(value) if isinstance(old, (list, set)) else value
            else:
                changes[name] = old | set(value) if isinstance(old, set) else old + list(value)
        return replace(self, **changes)


# ------------------------------------------------------------------ finding and reading
def find_config(start: str) -> str | None:
    """The config file governing ``start`` (a directory), or None: the nearest one up to the repository's top."""
    d = os.path.abspath(start)
    while True:
        found = config_file_in(d)
        if found:
            return found
        parent = os.path.dirname(d)
        if os.path.isdir(os.path.join(d, ".git")) or parent == d:
            return None
        d = parent


def _yaml_lines(node, prefix=(), out=None) -> dict:
    import yaml

    out = {} if out is None else out
    out.setdefault(prefix, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else str(k.value)
            out[prefix + (key,)] = k.start_mark.line + 1
            _yaml_lines(v, prefix + (key,), out)
            out[prefix + (key,)] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _yaml_lines(v, prefix + (i,), out)
    return out


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(path, None, f"cannot read config: {getattr(e, 'strerror', None) or e}") from None


def _read_yaml(path: str) -> tuple[object, dict]:
    import yaml

    text = _read_text(path)
    try:
        # one parse: the node tree gives the lines, and the same tree is constructed into data
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise ConfigError(path, mark.line + 1 if mark else None,
                          f"invalid YAML: {getattr(e, 'problem', None) or e}") from None
    return ({} if data is None else data), (_yaml_lines(node) if node is not None else {(): 1})


def _read_pyproject(path: str) -> tuple[object, dict]:
    from .parsers.tomlpos import TOMLPosError, loads_with_lines

    text = _read_text(path)
    try:
        value, pos = loads_with_lines(text)
    except TOMLPosError as e:
        raise ConfigError(path, e.line, str(e)) from None
    data = value.get("tool", {}).get("iaclint", {})
    lines = {k[2:]: v for k, v in pos.items() if k[:2] == ("tool", "iaclint")}
    lines.setdefault((), pos.get(("tool", "iaclint"), 1))
    return data, lines


def load_config(path: str, scan_root: str | None = None, extra_rule_dirs=()) -> ScanOptions:
    """Read and validate one config file for a scan of SCAN_ROOT (default: the file's directory): its paths
    resolved against the file's directory, its globs rebased to the scan root, its rule references checked
    against the rules (built-in, its ``rule_dirs`` and EXTRA_RULE_DIRS from ``--rules-dir``) and turned into
    ids. Raises ConfigError naming file and line (RuleError for a broken rule file)."""
    import jsonschema

    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise ConfigError(path, None, "config file does not exist")
    data, lines = _read_pyproject(path) if path.endswith(".toml") else _read_yaml(path)
    here = os.path.dirname(path)
    root = os.path.abspath(scan_root or here)
    opts = ScanOptions(config_path=path, config_lines=lines)
    validator = jsonschema.Draft202012Validator(load_schema("config.schema.json"))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = ".".join(str(p) for p in e.path)
        raise ConfigError(path, opts.line_of(*e.path), f"{where + ': ' if where else ''}{e.message}")
    envs = data.get("environments", {})
    opts.fail_on = data.get("fail_on", opts.fail_on)
    if "example_trees_severity" in data:
        cap = data["example_trees_severity"]
        opts.example_trees_severity = None if cap == "off" else cap
    opts.excludes = [g for p in data.get("exclude", []) if (g := rebase_glob(p, here, root))]
    opts.respect_gitignore = bool(data.get("respect_gitignore"))
    opts.env_aliases = dict(envs.get("aliases", {}))
    opts.env_paths = {g: env for p, env in envs.get("paths", {}).items() if (g := rebase_glob(p, here, root))}
    for i, v in enumerate(data.get("var_files", [])):
        p = os.path.join(here, v)
        if not os.path.isfile(p):
            raise ConfigError(path, opts.line_of("var_files", i), f"var file {v!r} does not exist")
        opts.var_files.append(p)
    if "baseline" in data:
        opts.baseline = os.path.join(here, data["baseline"])
    opts.stateful_types = set(data.get("stateful_types", []))
    opts.guard = dict(data.get("guard", {}))
    opts.modules = _modules(opts, data.get("modules", []))
    for i, d in enumerate(data.get("rule_dirs", [])):
        p = os.path.normpath(os.path.join(here, d))
        if not os.path.isdir(p):
            raise ConfigError(path, opts.line_of("rule_dirs", i), f"rule directory {d!r} does not exist")
        py = [os.path.basename(f) for f in glob.glob(os.path.join(p, "*.py")) if not f.endswith("__init__.py")]
        if py:
            # a config file travels with the repository being scanned: it must not make iaclint run its code
            raise ConfigError(path, opts.line_of("rule_dirs", i),
                              f"rule directory {d!r} contains Python ({', '.join(sorted(py))}); config may only "
                              f"add declarative YAML rules — pass Python rules with --rules-dir")
        opts.rule_dirs.append(p)
    _resolve_rules(opts, data.get("rules", {}), list(opts.rule_dirs) + list(extra_rule_dirs))
    return opts


def _modules(opts: ScanOptions, entries: list) -> list:
    """The file's module catalogue entries, validated by the catalogue's schema (terraform/registry.py)."""
    from .terraform.registry import validate

    for e in validate({"modules": entries}):
        where, _, message = e.partition(": ")
        path = tuple(int(p) if p.isdigit() else p for p in where.split("."))
        raise ConfigError(opts.config_path, opts.line_of(*path), f"{where}: {message}")
    return list(entries)


def _resolve_rules(opts: ScanOptions, rules: dict, rule_dirs: list) -> None:
    """The file's rule references (ids or names) checked against the loaded rules and stored as ids."""
    from .engine.loader import load_rules

    by_ref = {}
    for r in load_rules(rule_dirs):
        by_ref[r.id] = r.id
        by_ref[r.name] = r.id

    def ids(key: str) -> set:
        out = set()
        for i, ref in enumerate(rules.get(key, [])):
            if ref not in by_ref:
                raise ConfigError(opts.config_path, opts.line_of("rules", key, i),
                                  f"unknown rule {ref!r} in rules.{key}; see `iaclint rules`")
            out.add(by_ref[ref])
        return out

    opts.enabled, opts.disabled = ids("enable"), ids("disable")
    opts.unsuppressible, opts.suppressible = ids("unsuppressible"), ids("suppressible")
    for ref, level in rules.get("severity", {}).items():
        if ref not in by_ref:
            raise ConfigError(opts.config_path, opts.line_of("rules", "severity", ref),
                              f"unknown rule {ref!r} in rules.severity; see `iaclint rules`")
        opts.severity_overrides[by_ref[ref]] = level


def rebase_glob(pattern: str, config_dir: str, scan_root: str) -> str | None:
    """A glob written relative to the config's directory, made relative to the scan root (None: cannot match)."""
    rel = os.path.relpath(os.path.abspath(scan_root), os.path.abspath(config_dir)).replace(os.sep, "/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if rel == ".":
        return pattern
    if rel == ".." or rel.startswith("../"):
        # scan root outside the config's directory (explicit --config): make the pattern longer instead
        back = os.path.relpath(os.path.abspath(config_dir), os.path.abspath(scan_root)).replace(os.sep, "/")
        return f"{back}/{pattern}"
    if pattern.startswith(("*", "**/")):
        return pattern
    if pattern.startswith(rel + "/"):
        return pattern[len(rel) + 1:]
    return None


STARTER = """\
# iaclint configuration — https://github.com/iaclint/iaclint/blob/main/docs/configuration.md
# Paths below are relative to this file. Command-line flags override these settings.
version: 1

# Exit 1 when a finding at or above this severity is reported (info, low, medium, high, critical).
fail_on: low

# Findings located in example and test trees (a directory examples/, example/, samples/, test/, tests/,
# testdata/, fixtures/, __tests__/, e2e/ … under the scan root) are reported at most at this severity; "off"
# reports them at the rule's own severity.
example_trees_severity: low

# Paths not to scan (globs).
exclude: []
#  - "vendor/**"
#  - "examples/**"

rules:
  # Run only these rules (ids or names); empty = all rules.
  enable: []
  # Never run these rules.
  disable: []
  # Change a rule's severity for this repository.
  severity: {}
  #   DP001: critical
  # Rules that inline `# iaclint:ignore[...]` comments cannot silence (CS001 is unsuppressible by default).
  unsuppressible: []
  # Rules shipped as unsuppressible that your team allows to be ignored inline.
  suppressible: []

environments:
  # Your environment names -> production, staging, development, test, preview.
  aliases: {}
  #   prod-eu: production
  #   acc: staging
  # Path globs -> environment, when directory names do not say it.
  paths: {}
  #   "infra/live/**": production
  #   "infra/sandbox/**": staging

# Extra directories of declarative YAML rules (see docs/configuration.md#custom-rules).
rule_dirs: []

# Report only findings not in this baseline (create it with `iaclint baseline create . -o FILE`).
# baseline: .iaclint-baseline.json

# Resource types of your own providers that hold data: the plan gate (DP100) fails a plan that deletes or
# replaces them, and the blast-radius view counts them.
# stateful_types: [acme_database]
"""


def scan_options(paths: list[str], *, config: str | None = None, no_config: bool = False, **flags) -> ScanOptions:
    """The options of a command scanning PATHS: the config file (``config``, else the one found from the scan
    root, none with ``no_config``), then command-line FLAGS on top (``ScanOptions.with_flags``: ``enabled``
    from ``--select`` replaces the file's ``rules.enable``; ``excludes``, ``disabled``, ``rule_dirs``,
    ``var_files`` and ``stateful_types`` add to its lists; ``fail_on`` and ``baseline`` replace its values).
    Raises ConfigError / RuleError."""
    from .engine.loader import load_rules

    root = repository_root(paths, flags.get("root"))  # globs are relative to it, like every path of the graph
    path = None if no_config else (config or find_config(root))
    opts = load_config(path, root, flags.get("rule_dirs") or ()) if path else ScanOptions()
    opts = opts.with_flags(**flags)
    load_rules(opts.rule_dirs)  # a broken rule file is a configuration error before anything runs (cached)
    return opts
