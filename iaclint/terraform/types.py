"""Variable type constraints, as far as they change a value: ``optional()`` object attributes.

Terraform converts every variable value (default, tfvars, module-call argument) to the variable's type. An object
attribute declared ``optional(T)`` that the value omits becomes ``null``; ``optional(T, d)`` becomes ``d`` (also when
the value gives ``null``), with the defaults of T applied to ``d`` in turn. Nothing else is converted here.
"""
from __future__ import annotations

from typing import Callable

from ..parsers.hclast import Call, Lit, ObjectExpr, Traversal, TupleExpr
from .values import Unknown

# spec: None (no object inside: nothing to fill in) | ("object", {name: (spec, optional, default_expr)})
#       | ("map" | "list", spec) | ("tuple", [spec...])


def type_spec(e):
    """The parts of type expression E that can carry optional attributes; None when it has none."""
    if isinstance(e, Call):
        if e.name in ("list", "set", "map") and len(e.args) == 1:
            inner = type_spec(e.args[0])
            return None if inner is None else ("map" if e.name == "map" else "list", inner)
        if e.name == "tuple" and len(e.args) == 1 and isinstance(e.args[0], TupleExpr):
            items = [type_spec(x) for x in e.args[0].items]
            return ("tuple", items) if any(x is not None for x in items) else None
        if e.name == "object" and len(e.args) == 1 and isinstance(e.args[0], ObjectExpr):
            attrs = {}
            for k, v in e.args[0].items:
                name = k.value if isinstance(k, Lit) else k.root if isinstance(k, Traversal) else None
                if not isinstance(name, str):
                    continue
                if isinstance(v, Call) and v.name == "optional" and v.args:
                    attrs[name] = (type_spec(v.args[0]), True, v.args[1] if len(v.args) > 1 else None)
                else:
                    attrs[name] = (type_spec(v), False, None)
            if any(opt or sub is not None for sub, opt, _ in attrs.values()):
                return ("object", attrs)
    return None


def with_defaults(spec, v, default: Callable):
    """V converted to SPEC: omitted optional attributes filled in. DEFAULT(expr) evaluates an optional()
    default. Unknown and null values are returned as they are."""
    if spec is None or v is None or isinstance(v, Unknown):
        return v
    kind = spec[0]
    if kind == "object" and isinstance(v, dict):
        out = dict(v)
        for name, (sub, optional, dexpr) in spec[1].items():
            x = out.get(name)
            if x is not None:
                out[name] = with_defaults(sub, x, default)
            elif optional and dexpr is not None:
                out[name] = with_defaults(sub, default(dexpr), default)
            elif optional:
                out[name] = None
        return out
    if kind == "map" and isinstance(v, dict):
        return {k: with_defaults(spec[1], x, default) for k, x in v.items()}
    if kind == "list" and isinstance(v, list):
        return [with_defaults(spec[1], x, default) for x in v]
    if kind == "tuple" and isinstance(v, list):
        specs = spec[1] + [None] * max(0, len(v) - len(spec[1]))
        return [with_defaults(s, x, default) for s, x in zip(specs, v)]
    return v
