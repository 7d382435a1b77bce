"""iaclint: a static policy linter for infrastructure-as-code.

Pipeline: discover -> parse -> graph -> rules -> report (see DESIGN in README).
"""
from __future__ import annotations

import json
import os
from functools import cache

__version__ = "0.1.0"


@cache
def load_schema(name: str) -> dict:
    """One of iaclint's JSON Schemas (``iaclint/schemas/NAME``: rule.schema.json, config.schema.json), read once."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas", name), encoding="utf-8") as fh:
        return json.load(fh)


def yaml_loader():
    """The safe YAML loader, libyaml's when installed (the pure-Python one takes ~10x longer: 20 ms for
    modules.yaml, on the path of every scan)."""
    import yaml  # here: `iaclint guard` and the language server's fast path may never need it

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(stream):
    """One YAML document (a str or an open file) as plain data (``yaml_loader``)."""
    import yaml

    return yaml.load(stream, Loader=yaml_loader())


@cache
def builtin_data(name: str):
    """A data file of the shipped rules directory (``iam_actions.yaml``, ``modules.yaml``…), read once per
    process.  Shared: callers derive their tables from it and never change it."""
    with open(os.path.join(builtin_rules_dir(), name), encoding="utf-8") as fh:
        return load_yaml(fh)


def builtin_rules_dir() -> str:
    """The shipped ``rules/`` directory (installed as the ``iaclint.builtin_rules`` package)."""
    here = os.path.dirname(os.path.abspath(__file__))
    installed = os.path.join(here, "builtin_rules")
    if os.path.isdir(installed):
        return installed
    source = os.path.join(os.path.dirname(here), "rules")  # a source checkout: rules/ beside iaclint/
    if os.path.isfile(os.path.join(source, "credentials.yaml")):
        return source
    try:
        import importlib.util

        spec = importlib.util.find_spec("iaclint.builtin_rules")
        if spec and spec.submodule_search_locations:
            return list(spec.submodule_search_locations)[0]
    except (ImportError, ValueError):
        pass
    return os.path.join(os.path.dirname(here), "rules")
