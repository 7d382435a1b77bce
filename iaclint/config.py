"""Project configuration: ``.iaclint.yaml`` (or ``[tool.iaclint]`` in ``pyproject.toml``).

Found by walking up from the scan root to the repository root (the first
directory holding ``.git``) — the first ``.iaclint.yaml``/``.iaclint.yml``, or
a ``pyproject.toml`` with a ``[tool.iaclint]`` table, wins.  Validated with
``schemas/config.schema.json``; every error names the file and line.  Paths in
the file (excludes, rule directories, path->environment globs, the baseline)
are relative to the file's directory.  Command-line flags override it.
"""
from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass, field

CONFIG_NAMES = (".iaclint.yaml", ".iaclint.yml")


class ConfigError(Exception):
    """A configuration problem; ``str()`` is ``file:line: message``."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}{f':{line}' if line else ''}: {message}")


@dataclass
class Config:
    path: str | None = None  # None: no config file
    dir: str = "."
    fail_on: str | None = None
    exclude: list = field(default_factory=list)
    respect_gitignore: bool | None = None
    var_files: list = field(default_factory=list)
    baseline: str | None = None
    rule_dirs: list = field(default_factory=list)
    enable: list = field(default_factory=list)
    disable: list = field(default_factory=list)
    severity: dict = field(default_factory=dict)
    unsuppressible: list = field(default_factory=list)
    suppressible: list = field(default_factory=list)
    env_aliases: dict = field(default_factory=dict)
    env_paths: dict = field(default_factory=dict)
    stateful_types: list = field(default_factory=list)
    lines: dict = field(default_factory=dict)  # key path tuple -> line

    def line_of(self, *keys) -> int | None:
        keys = tuple(keys)
        while keys:
            if keys in self.lines:
                return self.lines[keys]
            keys = keys[:-1]
        return self.lines.get(())


# ------------------------------------------------------------------ finding and reading
def find_config(start: str) -> str | None:
    """The config file governing ``start`` (a directory), or None."""
    d = os.path.abspath(start)
    while True:
        for name in CONFIG_NAMES:
            p = os.path.join(d, name)
            if os.path.isfile(p):
                return p
        pp = os.path.join(d, "pyproject.toml")
        if os.path.isfile(pp) and _pyproject_has_table(pp):
            return pp
        parent = os.path.dirname(d)
        if os.path.isdir(os.path.join(d, ".git")) or parent == d:
            return None
        d = parent


def _pyproject_has_table(path: str) -> bool:
    import tomllib

    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        # a broken pyproject.toml that mentions us is still ours to report
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                return "[tool.iaclint" in fh.read()
        except OSError:
            return False
    return isinstance(data.get("tool"), dict) and "iaclint" in data["tool"]


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


_SCHEMA = None


def _schema() -> dict:
    global _SCHEMA
    if _SCHEMA is None:
        with open(os.path.join(os.path.dirname(__file__), "schemas", "config.schema.json"), encoding="utf-8") as fh:
            _SCHEMA = json.load(fh)
    return _SCHEMA


def load_config(path: str) -> Config:
    """Read and validate one config file. Raises ConfigError naming file and line."""
    import jsonschema

    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise ConfigError(path, None, "config file does not exist")
    data, lines = _read_pyproject(path) if path.endswith(".toml") else _read_yaml(path)
    cfg = Config(path=path, dir=os.path.dirname(path), lines=lines)
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = ".".join(str(p) for p in e.path)
        raise ConfigError(path, cfg.line_of(*e.path), f"{where + ': ' if where else ''}{e.message}")
    rules = data.get("rules", {})
    envs = data.get("environments", {})
    cfg.fail_on = data.get("fail_on")
    cfg.exclude = list(data.get("exclude", []))
    cfg.respect_gitignore = data.get("respect_gitignore")
    cfg.enable = list(rules.get("enable", []))
    cfg.disable = list(rules.get("disable", []))
    cfg.severity = dict(rules.get("severity", {}))
    cfg.unsuppressible = list(rules.get("unsuppressible", []))
    cfg.suppressible = list(rules.get("suppressible", []))
    cfg.env_aliases = dict(envs.get("aliases", {}))
    cfg.env_paths = dict(envs.get("paths", {}))
    for i, v in enumerate(data.get("var_files", [])):
        p = os.path.join(cfg.dir, v)
        if not os.path.isfile(p):
            raise ConfigError(path, cfg.line_of("var_files", i), f"var file {v!r} does not exist")
        cfg.var_files.append(p)
    if "baseline" in data:
        cfg.baseline = os.path.join(cfg.dir, data["baseline"])
    cfg.stateful_types = list(data.get("stateful_types", []))
    for i, d in enumerate(data.get("rule_dirs", [])):
        p = os.path.normpath(os.path.join(cfg.dir, d))
        if not os.path.isdir(p):
            raise ConfigError(path, cfg.line_of("rule_dirs", i), f"rule directory {d!r} does not exist")
        py = [os.path.basename(f) for f in glob.glob(os.path.join(p, "*.py")) if not f.endswith("__init__.py")]
        if py:
            # a config file travels with the repository being scanned: it must not make iaclint run its code
            raise ConfigError(path, cfg.line_of("rule_dirs", i),
                              f"rule directory {d!r} contains Python ({', '.join(sorted(py))}); config may only "
                              f"add declarative YAML rules — pass Python rules with --rules-dir")
        cfg.rule_dirs.append(p)
    return cfg


def load_for(scan_root: str, explicit: str | None = None) -> Config:
    """The config for a scan: ``explicit`` if given, else the one found from the scan root, else defaults."""
    path = explicit or find_config(scan_root)
    return load_config(path) if path else Config(dir=os.path.abspath(scan_root))


# ------------------------------------------------------------------ applying
def resolve_rules(cfg: Config, rules: list) -> None:
    """Check every rule reference against the loaded rules; turn names into ids. Raises ConfigError."""
    by_ref = {}
    for r in rules:
        by_ref[r.id] = r.id
        by_ref[r.name] = r.id

    def fix(refs, *keys):
        out = []
        for i, ref in enumerate(refs):
            if ref not in by_ref:
                raise ConfigError(cfg.path or "config", cfg.line_of(*keys, i),
                                  f"unknown rule {ref!r} in {'.'.join(keys)}; see `iaclint rules`")
            out.append(by_ref[ref])
        return out

    cfg.enable = fix(cfg.enable, "rules", "enable")
    cfg.disable = fix(cfg.disable, "rules", "disable")
    cfg.unsuppressible = fix(cfg.unsuppressible, "rules", "unsuppressible")
    cfg.suppressible = fix(cfg.suppressible, "rules", "suppressible")
    sev = {}
    for ref, level in cfg.severity.items():
        if ref not in by_ref:
            raise ConfigError(cfg.path or "config", cfg.line_of("rules", "severity", ref),
                              f"unknown rule {ref!r} in rules.severity; see `iaclint rules`")
        sev[by_ref[ref]] = level
    cfg.severity = sev


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


def scan_globs(cfg: Config, patterns, scan_root: str) -> list:
    out = []
    for p in patterns:
        g = rebase_glob(p, cfg.dir, scan_root)
        if g:
            out.append(g)
    return out


STARTER = """\
# iaclint configuration — https://github.com/iaclint/iaclint/blob/main/docs/configuration.md
# Paths below are relative to this file. Command-line flags override these settings.
version: 1

# Exit 1 when a finding at or above this severity is reported (info, low, medium, high, critical).
fail_on: low

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


def scan_root_of(paths: list[str]) -> str:
    """The scan root ``discover`` will use: the common directory of the paths."""
    abspaths = [os.path.abspath(p) for p in paths] or [os.getcwd()]
    return os.path.commonpath([p if os.path.isdir(p) else os.path.dirname(p) for p in abspaths])


def scan_options(paths: list[str], *, config: str | None = None, no_config: bool = False, fail_on: str | None = None,
                 respect_gitignore: bool = False, exclude=(), var_file=(), tf_var_env: bool = False, rules_dir=(),
                 select=(), ignore=(), baseline: str | None = None, jobs: int = 1, stateful_type=()):
    """ScanOptions and fail-on for a run: config file first, command-line flags on top.

    ``select`` replaces the config's ``rules.enable``; ``exclude``, ``ignore``, ``rules_dir`` and ``var_file``
    add to the config's lists; ``fail_on`` and ``baseline`` replace it.  Raises ConfigError / RuleError.
    """
    from .engine.loader import load_rules
    from .scan import ScanOptions

    root = scan_root_of(paths)
    cfg = Config(dir=root) if no_config else load_for(root, config)
    rule_dirs = list(cfg.rule_dirs) + list(rules_dir)
    resolve_rules(cfg, load_rules(rule_dirs))
    opts = ScanOptions(
        respect_gitignore=respect_gitignore or bool(cfg.respect_gitignore),
        excludes=scan_globs(cfg, cfg.exclude, root) + list(exclude),
        var_files=list(cfg.var_files) + list(var_file), tf_var_env=tf_var_env, rule_dirs=rule_dirs,
        enabled=set(select) if select else set(cfg.enable), disabled=set(cfg.disable) | set(ignore),
        severity_overrides=dict(cfg.severity), unsuppressible=set(cfg.unsuppressible),
        suppressible=set(cfg.suppressible), jobs=jobs, env_aliases=dict(cfg.env_aliases),
        env_paths={g: env for p, env in cfg.env_paths.items() if (g := rebase_glob(p, cfg.dir, root))},
        baseline=baseline or cfg.baseline, stateful_types=set(cfg.stateful_types) | set(stateful_type))
    return opts, fail_on or cfg.fail_on or "low"
