"""Binary operators of the interpreter (JavaScript semantics, and Python's where the program is Python):
logical short-circuits, equality, ``in``, ``+`` on strings/lists/numbers, arithmetic and comparisons.

``binary(interp, node, scope)`` is the interpreter's handler for :class:`~.ir.Binary`; strings and lists it
builds are charged to the size budget, integers are bounded in bits."""
from __future__ import annotations

from ..terraform.values import Unknown
from . import ir
from .values import UNDEF, JSArr, JSObj, strict_eq, truthy

_ORDER = {"<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def binary(interp, x: ir.Binary, scope):
    op = x.op
    if op in ("&&", "and", "||", "or", "??"):
        return _logical(interp, x, scope)
    lv, _ = interp.ev(x.left, scope)
    rv, _ = interp.ev(x.right, scope)
    if op in ("===", "==", "!==", "!="):
        eq = strict_eq(lv, rv)
        if isinstance(eq, Unknown):
            return eq, x.line
        return (eq if op in ("===", "==") else not eq), x.line
    if op in ("in", "not in"):
        return _contains(interp, x, lv, rv), x.line
    if isinstance(lv, Unknown):
        return lv, x.line
    if isinstance(rv, Unknown):
        return rv, x.line
    if op == "+":
        if isinstance(lv, JSArr) and isinstance(rv, JSArr) and interp.prog.lang == "py":
            return interp.sized(len(lv) + len(rv), x, lambda: _concat(lv, rv)), x.line
        if isinstance(lv, str) or isinstance(rv, str):
            a, b = interp.to_str(lv, x), interp.to_str(rv, x)
            if isinstance(a, Unknown):
                return a, x.line
            if isinstance(b, Unknown):
                return b, x.line
            return interp.sized(len(a) + len(b), x, lambda: a + b), x.line
        if isinstance(lv, (int, float)) and isinstance(rv, (int, float)):
            return interp.budget.number(lv + rv, x.line), x.line
    if _number(lv) and _number(rv):
        try:
            if op == "-":
                return interp.budget.number(lv - rv, x.line), x.line
            if op == "*":
                return interp.budget.number(lv * rv, x.line), x.line
            if op in ("/", "%"):
                if not rv:
                    return Unknown("division by zero"), x.line
                return (lv / rv if op == "/" else lv % rv), x.line
            if op in _ORDER:
                return _ORDER[op](lv, rv), x.line
        except (OverflowError, ValueError):
            return Unknown("arithmetic overflow"), x.line
    if isinstance(lv, str) and isinstance(rv, str) and op in _ORDER:
        return _ORDER[op](lv, rv), x.line
    return interp.unknown(x, f"operator {op} on these values is not evaluated"), x.line


def _logical(interp, x: ir.Binary, scope):
    lv, ln = interp.ev(x.left, scope)
    if x.op == "??":
        if isinstance(lv, Unknown):
            return lv, ln
        return (lv, ln) if lv is not None and lv is not UNDEF else interp.ev(x.right, scope)
    t = truthy(lv)
    if isinstance(t, Unknown):
        return interp.unknown(x, f"the condition at line {x.line} cannot be known: {t.reason}"), x.line
    if x.op in ("&&", "and"):
        return (lv, ln) if not t else interp.ev(x.right, scope)
    return (lv, ln) if t else interp.ev(x.right, scope)


def _contains(interp, x: ir.Binary, lv, rv):
    """``lv in rv``: an item of a list (containers by identity), a substring, a key of an object."""
    if isinstance(lv, Unknown):
        r = None
    elif isinstance(rv, JSArr):
        r = any(v is lv for v in rv) if isinstance(lv, (list, dict)) else lv in rv
    elif isinstance(rv, str):
        r = lv in rv if isinstance(lv, str) else None
    elif isinstance(rv, JSObj) and isinstance(lv, str):
        r = lv in rv
    else:
        r = None
    if r is None:
        return interp.unknown(x, f"`{x.op}` on values iaclint cannot know")
    return r if x.op == "in" else not r


def _concat(a: JSArr, b: JSArr) -> JSArr:
    out = JSArr(a + b)
    out.item_lines = list(a.item_lines) + list(b.item_lines)
    return out
