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
