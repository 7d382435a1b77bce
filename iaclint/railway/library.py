"""The part of the JavaScript / Python standard library railway programs use: string, array and dict methods,
``Object.*``, ``JSON.stringify``, ``String``/``str``, ``Array.isArray``, ``list``/``dict``.

Every function is ``fn(interp, builtin, args, call, lines, kwargs)``; every value it builds is charged to the
interpreter's size budget first (``interp.charge``), so doubling a value 32 times ends in an Unknown, not in
gigabytes."""
from __future__ import annotations

import json

from ..terraform.values import Unknown
from .values import MAX_TRAVERSAL, UNDEF, Builtin, Func, JSArr, JSObj, OverBudget, Walk, arr, strict_eq, to_json, truthy


def _first_unknown(values):
    return next((v for v in values if isinstance(v, Unknown)), None)


# -- strings ----------------------------------------------------------------------------------------------------
_CASE = {"toLowerCase": str.lower, "toUpperCase": str.upper, "trim": str.strip, "lower": str.lower,
         "upper": str.upper, "strip": str.strip}


def string_method(interp, m: str, s: str, args, x, lines):
    a0 = args[0] if args else UNDEF
    bad = _first_unknown(args)
    if bad is not None:
        return bad
    if m in _CASE:
        return interp.sized(len(s), x, lambda: _CASE[m](s))
    if isinstance(a0, str):
        if m in ("startsWith", "startswith"):
            return s.startswith(a0)
        if m in ("endsWith", "endswith"):
            return s.endswith(a0)
        if m == "includes":
            return a0 in s
        if m == "split":
            return interp.sized(len(s) + 1, x, lambda: arr(s.split(a0) if a0 else list(s), x.line))
        new = args[1] if len(args) > 1 else None
        if m in ("replace", "replaceAll") and isinstance(new, str):
            once = m == "replace" and interp.prog.lang == "ts"
            n = min(s.count(a0), 1) if once else s.count(a0)
            return interp.sized(len(s) + n * (len(new) - len(a0)), x, lambda: s.replace(a0, new, 1 if once else -1))
    if m == "concat":
        parts = [interp.to_str(a, x) for a in args]
        bad = _first_unknown(parts)
        if bad is not None:
            return bad
        return interp.sized(len(s) + sum(map(len, parts)), x, lambda: s + "".join(parts))
    return interp.unknown(x, f"string method {m}() is not evaluated")


# -- arrays -----------------------------------------------------------------------------------------------------
def _includes(interp, arr_, a0, x, lines, m):
    if isinstance(a0, Unknown):
        return a0
    hit = [i for i, v in enumerate(arr_) if strict_eq(v, a0) is True]
    if m == "includes":
        return bool(hit)
    return hit[0] if hit else -1


def array_method(interp, m: str, a: JSArr, args, x, lines):
    a0 = args[0] if args else UNDEF
    if m in ("includes", "indexOf"):
        return _includes(interp, a, a0, x, lines, m)
    if m in ("push", "append"):
        over = interp.charge(len(args), x, total=len(a) + len(args))
        if over is not None:
            return over
        a.extend(args)
        a.item_lines.extend(lines or [x.line] * len(args))
        return len(a)
    if m == "extend" and isinstance(a0, JSArr):
        over = interp.charge(len(a0), x, total=len(a) + len(a0))
        if over is not None:
            return over
        a.add_all(a0, x.line)
        return None
    if m == "concat":
        over = interp.charge(len(a) + sum(len(v) if isinstance(v, JSArr) else 1 for v in args), x)
        if over is not None:
            return over
        out = JSArr(a)
        out.item_lines = list(a.item_lines)
        for i, v in enumerate(args):
            if isinstance(v, JSArr):
                out.add_all(v, x.line)
            else:
                out.add(v, lines[i] if i < len(lines) else x.line)
        return out
    if m == "flat":
        over = interp.charge(sum(len(v) if isinstance(v, JSArr) else 1 for v in a), x)
        if over is not None:
            return over
        out = JSArr()
        for i, v in enumerate(a):
            ln = a.line_of(i, x.line)
            if isinstance(v, JSArr):
                out.add_all(v, ln)
            else:
                out.add(v, ln)
        return out
    if m == "join":
        sep = a0 if isinstance(a0, str) else ","
        parts = [interp.to_str(v, x) for v in a]
        bad = _first_unknown(parts)
        if bad is not None:
            return bad
        return interp.sized(sum(map(len, parts)) + len(sep) * max(len(parts) - 1, 0), x, lambda: sep.join(parts))
    if m in ("map", "filter", "flatMap") and isinstance(a0, (Func, Builtin)):
        return _map(interp, m, a, a0, x)
    return interp.unknown(x, f"array method {m}() is not evaluated")


def _map(interp, m, a: JSArr, fn, x):
    over = interp.charge(len(a), x)
    if over is not None:
        return over
    out = JSArr()
    for i, v in enumerate(a):
        ln = a.line_of(i, x.line)
        r = interp.call_value(fn, [v, i], x, [ln, x.line])
        if m == "map":
            out.add(r, ln)
        elif m == "flatMap":
            if isinstance(r, JSArr):
                over = interp.charge(len(r), x, total=len(out) + len(r))
                if over is not None:
                    return over
                out.add_all(r, ln)
            else:
                out.add(r, ln)
        else:
            t = truthy(r)
            if isinstance(t, Unknown):
                out.add(t, ln)
            elif t:
                out.add(v, ln)
    return out


# -- dicts (Python) ---------------------------------------------------------------------------------------------
def dict_method(interp, m: str, d: JSObj, args, x, lines):
    a0 = args[0] if args else UNDEF
    if m == "get":
        if isinstance(a0, str):
            return d.get(a0, args[1] if len(args) > 1 else None)
        return interp.unknown(x, "dict.get of a key iaclint cannot know")
    if m in ("items", "keys", "values"):
        return interp.sized(len(d), x, lambda: _entries(d, m, x))
    return interp.unknown(x, f"dict.{m}() is not evaluated")


def _entries(d: JSObj, m: str, x) -> JSArr:
    out = JSArr()
    for kk, vv in d.items():
        out.add(kk if m == "keys" else vv if m == "values" else arr([kk, vv], x.line), d.val_lines.get(kk, x.line))
    return out


# -- globals ----------------------------------------------------------------------------------------------------
def _object_entries(interp, b, args, x, lines, kwargs):
    a0 = args[0] if args else UNDEF
    if isinstance(a0, JSObj):
        m = {"Object.keys": "keys", "Object.values": "values", "Object.entries": "items"}[b.name]
        return interp.sized(len(a0), x, lambda: _entries(a0, m, x))
    return interp.unknown(x, f"{b.name} of a value iaclint cannot know")


def _object_assign(interp, b, args, x, lines, kwargs):
    if not (args and all(isinstance(a, JSObj) for a in args)):
        return interp.unknown(x, "Object.assign() is not evaluated")
    out = JSObj()
    for a in args:
        out = interp.merged(x, out, a)
        if isinstance(out, Unknown):
            return out
    return out


def _object_from_entries(interp, b, args, x, lines, kwargs):
    a0 = args[0] if args else UNDEF
    if not isinstance(a0, JSArr):
        return interp.unknown(x, "Object.fromEntries() is not evaluated")
    over = interp.charge(len(a0), x)
    if over is not None:
        return over
    out = JSObj()
    for i, pair in enumerate(a0):
        if not (isinstance(pair, JSArr) and len(pair) == 2 and isinstance(pair[0], str)):
            return interp.unknown(x, "Object.fromEntries of entries iaclint cannot know")
        ln = a0.line_of(i, x.line)
        out.put(pair[0], pair[1], ln, pair.line_of(1, ln))
    return out


def _json_stringify(interp, b, args, x, lines, kwargs):
    walk = Walk()
    try:
        data = to_json(args[0] if args else UNDEF, walk)
    except (TypeError, ValueError):
        return interp.unknown(x, "JSON.stringify of a value iaclint cannot know")
    except OverBudget:
        return interp.budget.over(x.line, f"JSON.stringify at line {x.line} would visit more than "
                                          f"{MAX_TRAVERSAL:,} values, over iaclint's size budget; not evaluated")
    text = json.dumps(data, separators=(",", ":"))
    return interp.sized(len(text), x, lambda: text)


def _string(interp, b, args, x, lines, kwargs):
    return interp.to_str(args[0] if args else UNDEF, x)


def _is_array(interp, b, args, x, lines, kwargs):
    return isinstance(args[0] if args else UNDEF, JSArr)


def _list_dict(interp, b, args, x, lines, kwargs):
    if interp.prog.lang != "py":
        return interp.unknown(x, f"{b.name}() is not evaluated")
    if b.name == "dict" and kwargs is not None:
        return kwargs
    a0 = args[0] if args else UNDEF
    return a0 if isinstance(a0, (JSArr, JSObj)) else (JSArr() if b.name == "list" else JSObj())


GLOBALS = {
    "Object.keys": _object_entries, "Object.values": _object_entries, "Object.entries": _object_entries,
    "Object.assign": _object_assign, "Object.fromEntries": _object_from_entries, "JSON.stringify": _json_stringify,
    "String": _string, "str": _string, "Array.isArray": _is_array, "list": _list_dict, "dict": _list_dict,
}
METHODS = {"string": (str, string_method), "array": (JSArr, array_method), "dict": (JSObj, dict_method)}
