"""Rule loading. A rule is ``<ID>.yaml`` (metadata, doc, declarative check; validated by JSON Schema) and, when
its check type is ``python``, ``<ID>.py`` beside it exporting ``check(ctx)``: bound by file name, no registry.
Check type ``cannot-verify`` has no detector: the engine files other rules' unknowns under it."""
from __future__ import annotations

import glob
import importlib.util
import os
from dataclasses import dataclass, field
from typing import Callable

import yaml

from .. import builtin_rules_dir, load_schema, yaml_loader

DATA_FILES = ("credentials.yaml", "iam_actions.yaml", "modules.yaml", "coverage.yaml")  # rules-directory YAML that is data


class RuleError(Exception):
    """A rule file that cannot be used; the message names the file."""


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
    coverage: list = field(default_factory=list)  # [{aspect, types}]: its cells in docs/coverage.md
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
    fn = getattr(mod, "check", None)
    if not callable(fn):
        raise RuleError(f"{path}: a rule module must define check(ctx)")
    return fn


_LOADED: dict[tuple, list] = {}
_YAML_LOADER = yaml_loader()


def load_rules(extra_dirs: list[str] | None = None) -> list[Rule]:
    """All rules: built-in ``rules/`` plus extra directories. Raises RuleError naming the broken file."""
    key = tuple(extra_dirs or ())
    if key in _LOADED:
        return _LOADED[key]
    validator = None  # built-in rules are validated by tests/test_startup.py: jsonschema is ~0.1 s of start-up
    rules: dict[str, Rule] = {}
    for d in [builtin_rules_dir()] + list(extra_dirs or []):
        if validator is None and d != builtin_rules_dir():
            import jsonschema

            validator = jsonschema.Draft202012Validator(load_schema("rule.schema.json"))
        if not os.path.isdir(d):
            raise RuleError(f"{d}: rule directory does not exist")
        modules = {os.path.splitext(os.path.basename(p))[0]: p for p in glob.glob(os.path.join(d, "*.py"))
                   if os.path.basename(p) != "__init__.py"}
        declared = set()
        for y in sorted(glob.glob(os.path.join(d, "*.yaml")) + glob.glob(os.path.join(d, "*.yml"))):
            if os.path.basename(y) in DATA_FILES:
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
                errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path)) if validator else []
                if errors:
                    e = errors[0]
                    where = "/".join(str(p) for p in e.path) or "(top level)"
                    rid = data.get("id", "?") if isinstance(data, dict) else "?"
                    raise RuleError(f"{y}: rule {rid}: {where}: {e.message}")
                r = Rule(id=data["id"], name=data["name"], title=data["title"], family=data["family"],
                         severity=data["severity"], tags=data.get("tags", []), check=data["check"], doc=data["doc"],
                         path=y, unsuppressible=data.get("unsuppressible", False),
                         applies_to=data.get("applies_to", "all"),
                         cannot_verify_severity=data.get("cannot_verify_severity", "low"),
                         coverage=data.get("coverage", []))
                if r.id in rules:
                    raise RuleError(f"{y}: duplicate rule id {r.id} (also in {rules[r.id].path})")
                py = modules.get(r.id)
                if r.check["type"] == "python":
                    if py is None:
                        raise RuleError(f"{y}: rule {r.id}: check type python needs {r.id}.py beside it")
                    r.fn = _import_py(py)
                elif py is not None:
                    raise RuleError(f"{py}: rule {r.id} has check type {r.check['type']}; only type python has "
                                    f"a module")
                declared.add(r.id)
                rules[r.id] = r
        stray = sorted(set(modules) - declared)
        if stray:
            raise RuleError(f"{modules[stray[0]]}: no {stray[0]}.yaml declares this rule (a rule module is named "
                            f"after its rule id)")
    out = sorted(rules.values(), key=lambda r: r.id)
    _LOADED[key] = out
    return out
