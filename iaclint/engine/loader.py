"""Rule loading: YAML metadata + declarative checks validated by JSON Schema, Python checks bound by id."""
from __future__ import annotations

import glob
import importlib.util
import json
import os
from dataclasses import dataclass, field
from typing import Callable

import yaml

from .. import builtin_rules_dir

_PY_CHECKS: dict[str, Callable] = {}


class RuleError(Exception):
    """A rule file that cannot be used; the message names the file."""


def check(rule_id: str):
    """Decorator binding a Python graph check to a rule id declared in YAML."""

    def deco(fn):
        _PY_CHECKS[rule_id] = fn
        fn.rule_id = rule_id
        return fn

    return deco


@dataclass
class Rule:
    id: str
    name: str
    title: str
    family: str
    severity: str
    tags: list
    check: dict
    doc: dict
    path: str
    unsuppressible: bool = False
    applies_to: str = "all"
    cannot_verify_severity: str = "low"
    fn: Callable | None = None
    extra: dict = field(default_factory=dict)

    @property
    def all_tags(self) -> list[str]:
        out = [self.family]
        for t in self.tags:
            if t not in out and t not in ("deletion-protection", "backup-failure-domain", "credential-scope",
                                          "environment-separation"):
                out.append(t)
        return out


_SCHEMA = None


def _schema():
    global _SCHEMA
    if _SCHEMA is None:
        with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "schemas", "rule.schema.json")) as fh:
            _SCHEMA = json.load(fh)
    return _SCHEMA


def _import_py(path: str):
    name = "iaclint_rules_" + os.path.splitext(os.path.basename(path))[0] + f"_{abs(hash(path)) % 10**8}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise RuleError(f"{path}: cannot import")
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception as e:  # a broken custom rule must not crash the scan with a traceback
        raise RuleError(f"{path}: cannot import rule module: {type(e).__name__}: {e}") from None


_LOADED: dict[tuple, list] = {}
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_rules(extra_dirs: list[str] | None = None) -> list[Rule]:
    """All rules: built-in ``rules/`` plus extra directories. Raises RuleError naming the broken file."""
    key = tuple(extra_dirs or ())
    if key in _LOADED:
        return _LOADED[key]
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    rules: dict[str, Rule] = {}
    for d in [builtin_rules_dir()] + list(extra_dirs or []):
        if not os.path.isdir(d):
            raise RuleError(f"{d}: rule directory does not exist")
        for py in sorted(glob.glob(os.path.join(d, "*.py"))):
            if os.path.basename(py) != "__init__.py":
                _import_py(py)
        for y in sorted(glob.glob(os.path.join(d, "*.yaml")) + glob.glob(os.path.join(d, "*.yml"))):
            if os.path.basename(y) in ("credentials.yaml",):
                continue
            try:
                with open(y, encoding="utf-8") as fh:
                    docs = list(yaml.load_all(fh, Loader=_YAML_LOADER))  # libyaml when present: start-up
            except yaml.YAMLError as e:
                mark = getattr(e, "problem_mark", None)
                line = f":{mark.line + 1}" if mark else ""
                raise RuleError(f"{y}{line}: invalid YAML: {getattr(e, 'problem', e)}") from None
            for data in docs:
                if data is None:
                    continue
                errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
                if errors:
                    e = errors[0]
                    where = "/".join(str(p) for p in e.path) or "(top level)"
                    rid = data.get("id", "?") if isinstance(data, dict) else "?"
                    raise RuleError(f"{y}: rule {rid}: {where}: {e.message}")
                r = Rule(id=data["id"], name=data["name"], title=data["title"], family=data["family"],
                         severity=data["severity"], tags=data.get("tags", []), check=data["check"], doc=data["doc"],
                         path=y, unsuppressible=data.get("unsuppressible", False),
                         applies_to=data.get("applies_to", "all"),
                         cannot_verify_severity=data.get("cannot_verify_severity", "low"))
                if r.id in rules:
                    raise RuleError(f"{y}: duplicate rule id {r.id} (also in {rules[r.id].path})")
                if r.check["type"] == "python":
                    fn = _PY_CHECKS.get(r.check.get("function") or r.id)
                    if fn is None:
                        raise RuleError(f"{y}: rule {r.id}: no Python check registered with @check({r.id!r})")
                    r.fn = fn
                rules[r.id] = r
    out = sorted(rules.values(), key=lambda r: r.id)
    _LOADED[key] = out
    return out
