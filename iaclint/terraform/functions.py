"""Terraform's built-in functions, as the evaluator runs them.

Every function that can build a value larger than its arguments (``range``, ``join``, ``format``,
``concat``, ``flatten``, ``setproduct``, ``replace``...) checks the size of its result *before* building
it and raises :class:`BudgetExceeded` instead. Regular expressions are RE2 (linear time), as in Terraform.
"""
from __future__ import annotations

import functools
import json
import math
import os
import re
from typing import Callable

import re2

from .values import MAX_VALUE_SIZE, NODE_SIZE, Unknown, truthy

MAX_NUMBER_BITS = 1024  # integers beyond this are not configuration values; squaring locals would grow without end


class FnError(Exception):
    """A function or expression Terraform would reject: the value is unknown to iaclint."""


class BudgetExceeded(FnError):
    """Evaluating would build a value over the size budget."""


def check_size(n: int, what: str) -> None:
    if n > MAX_VALUE_SIZE:
        raise BudgetExceeded(f"{what} would be larger than the size budget ({MAX_VALUE_SIZE:,} units)")


# ------------------------------------------------------------------ conversions
def num(x):
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**63:
        return int(x)
    if isinstance(x, int) and x.bit_length() > MAX_NUMBER_BITS:
        raise BudgetExceeded(f"number larger than {MAX_NUMBER_BITS} bits")
    return x


def to_num(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            return num(float(v)) if any(c in v for c in ".eE") else int(v)
        except ValueError:
            return None
    return None


def to_str(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def equal(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b if isinstance(a, bool) and isinstance(b, bool) else False
    return a == b


def iter_pairs(coll):
    if isinstance(coll, dict):
        for k in sorted(coll):
            yield k, coll[k]
    elif isinstance(coll, (list, tuple, set)):
        yield from enumerate(coll)
    else:
        raise FnError("not a collection")


def _set_key(x):
    """A hashable identity for set functions (linear, not quadratic, in the number of elements)."""
    if isinstance(x, (dict, list)):
        return ("c", json.dumps(x, sort_keys=True, default=str))
    return (type(x).__name__, x)


# ------------------------------------------------------------------ collections
def _flatten(x):
    out = []
    stack = [iter(x)]
    while stack:
        for v in stack[-1]:
            if isinstance(v, list):
                stack.append(iter(v))
                break
            out.append(v)
            check_size(len(out) * NODE_SIZE, "flatten()")
        else:
            stack.pop()
    return out


def _concat(*ls):
    check_size(sum(len(l) for l in ls if l) * NODE_SIZE, "concat()")
    return [x for l in ls for x in (l or [])]


def _merge(*maps):
    out = {}
    check_size(sum(len(m) for m in maps if isinstance(m, dict)) * NODE_SIZE, "merge()")
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, dict):
            raise FnError("merge() takes maps")
        out.update(m)
    return out


def _setproduct(*sets):
    n = 1
    for s in sets:
        n *= len(s)
        check_size(n * (len(sets) + 1) * NODE_SIZE, "setproduct()")
    rows: list = [[]]
    for s in sets:
        rows = [r + [x] for r in rows for x in s]
    return rows


def _range(*a):
    nums = [to_num(x) for x in a]
    if not nums or any(x is None for x in nums):
        raise FnError("range() takes numbers")
    if any(isinstance(x, float) and not x.is_integer() for x in nums):
        raise FnError("fractional range() is not evaluated")
    r = range(*[int(x) for x in nums])
    check_size(len(r) * NODE_SIZE, "range()")  # before building it
    return list(r)


def _toset(v):
    seen: set = set()
    out = []
    for x in v:
        k = _set_key(x)
        if k not in seen:
            seen.add(k)
            out.append(x)
    try:
        return sorted(out, key=lambda x: (str(type(x)), x))
    except TypeError:
        return out


def _setintersection(a, *ss):
    keys = [{_set_key(x) for x in s} for s in ss]
    return [x for x in _toset(a) if all(_set_key(x) in k for k in keys)]


def _setsubtract(a, b):
    kb = {_set_key(x) for x in b}
    return [x for x in _toset(a) if _set_key(x) not in kb]


def _lookup(m, k, *default):
    if not isinstance(m, dict):
        raise FnError("lookup() takes a map")
    k = to_str(k)
    if k in m:
        return m[k]
    if default:
        return default[0]
    raise FnError(f"key {k!r} not found")


def _coalesce(*xs):
    for x in xs:
        if isinstance(x, Unknown):
            return Unknown("coalesce() argument unknown")
        if x is not None and x != "":
            return x
    raise FnError("no non-null argument")


def _coalescelist(*xs):
    for x in xs:
        if isinstance(x, Unknown):
            return x
        if x:
            return x
    raise FnError("no non-empty list")


def _element(lst, i):
    if not lst:
        raise FnError("empty list")
    return lst[int(i) % len(lst)]


def _index(lst, x):
    for i, a in enumerate(lst):
        if equal(a, x):
            return i
    raise FnError("value not in list")


def _one(lst):
    if len(lst) > 1:
        raise FnError("more than one element")
    return lst[0] if lst else None


# ------------------------------------------------------------------ strings
_FORMAT_WIDTH = re.compile(r"\d+")


def _format(fmt, *args):
    out = []
    size = 0
    i = 0
    ai = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and i + 1 < len(fmt):
            j = i + 1
            while j < len(fmt) and fmt[j] in "+-# 0123456789.":
                j += 1
            if j >= len(fmt):
                raise FnError("bad format")
            verb = fmt[j]
            spec = fmt[i:j + 1]
            widths = [int(w) for w in _FORMAT_WIDTH.findall(spec[1:-1])]
            check_size(max(widths, default=0), "format() width")
            if verb == "%":
                piece = "%"
            else:
                if ai >= len(args):
                    raise FnError("not enough arguments")
                a = args[ai]
                ai += 1
                if verb == "s":
                    piece = spec % to_str(a)
                elif verb == "d":
                    piece = spec % int(a)
                elif verb == "q":
                    piece = json.dumps(to_str(a))
                elif verb == "v":
                    piece = to_str(a) if not isinstance(a, (dict, list)) else json.dumps(a)
                elif verb in "fFeEgG":
                    piece = spec.replace("F", "f") % float(a)
                else:
                    piece = to_str(a)
            i = j + 1
        else:
            piece = c
            i += 1
        size += len(piece)
        check_size(size, "format()")
        out.append(piece)
    return "".join(out)


def _formatlist(fmt, *ls):
    out = []
    size = 0
    for row in zip(*ls):
        s = _format(fmt, *row)
        size += NODE_SIZE + len(s)
        check_size(size, "formatlist()")
        out.append(s)
    return out


def _join(sep, *ls):
    items = [to_str(x) for l in ls for x in l]
    check_size(sum(len(x) for x in items) + len(sep) * max(len(items) - 1, 0), "join()")
    return sep.join(items)


def _split(sep, s):
    n = s.count(sep) + 1 if sep else len(s)
    check_size(n * NODE_SIZE + len(s), "split()")
    return s.split(sep) if sep else list(s)


def _replace(s, old, new):
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return _regex_replace(s, old[1:-1], new)
    n = s.count(old) if old else len(s) + 1
    check_size(len(s) + n * (len(new) - len(old)), "replace()")
    return s.replace(old, new)


def _jsondecode(s):
    try:
        return json.loads(s)
    except (json.JSONDecodeError, TypeError) as ex:
        raise FnError("invalid JSON") from ex


def _jsonencode(v):
    # unknown leaves render as Terraform's plan shows them, so policies stay inspectable
    return json.dumps(v, separators=(",", ":"), sort_keys=True,
                      default=lambda o: "(known after apply)" if isinstance(o, Unknown) else str(o))


def _tobool(v):
    t = truthy(v)
    if t is None and v is not None:
        raise FnError("not a bool")
    return t


def _tonumber(v):
    if v is None:
        return None
    n = to_num(v)
    if n is None:
        raise FnError("not a number")
    return n


# ------------------------------------------------------------------ regular expressions (RE2, like Terraform)
@functools.lru_cache(maxsize=256)
def _re(pattern: str):
    opts = re2.Options()
    opts.log_errors = False
    try:
        return re2.compile(pattern, options=opts)
    except re2.error as ex:
        raise FnError("invalid regular expression") from ex


def _match_value(m):
    if m.groupdict():
        return m.groupdict()
    if m.groups():
        return list(m.groups())
    return m.group(0)


def _regex(pattern, s):
    m = _re(pattern).search(s)
    if not m:
        raise FnError("no match")
    return _match_value(m)


def _regexall(pattern, s):
    out = []
    size = 0
    for m in _re(pattern).finditer(s):
        v = _match_value(m)
        size += NODE_SIZE * (1 + len(m.groups())) + m.end() - m.start()
        check_size(size, "regexall()")
        out.append(v)
    return out


_GO_REPL = re.compile(r"\$(?:(\$)|\{(\w+)\}|(\w+))")


def _expand(m, template: str) -> str:
    """Go's Regexp.Expand: $1, ${1}, ${name} and $$ in a replacement."""
    def sub(g):
        if g.group(1):
            return "$"
        name = g.group(2) or g.group(3)
        try:
            return (m.group(int(name)) if name.isdigit() else m.group(name)) or ""
        except (IndexError, KeyError):
            return ""
    return _GO_REPL.sub(sub, template)


def _regex_replace(s, pattern, new):
    """Go's Regexp.ReplaceAllString, built piece by piece under the size budget."""
    out = []
    size = 0
    pos = 0
    for m in _re(pattern).finditer(s):
        for piece in (s[pos:m.start()], _expand(m, new)):
            size += len(piece)
            check_size(size, "replace()")
            out.append(piece)
        pos = m.end()
    check_size(size + len(s) - pos, "replace()")
    out.append(s[pos:])
    return "".join(out)


FUNCTIONS: dict[str, Callable] = {
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "yamlencode": lambda v: __import__("yaml").safe_dump(v, sort_keys=True),
    "yamldecode": lambda s: __import__("yaml").safe_load(s),
    "merge": _merge,
    "lookup": _lookup,
    "coalesce": _coalesce,
    "coalescelist": _coalescelist,
    "concat": _concat,
    "format": _format,
    "formatlist": _formatlist,
    "join": _join,
    "split": _split,
    "lower": lambda s: s.lower(),
    "upper": lambda s: s.upper(),
    "title": lambda s: s.title(),
    "trimspace": lambda s: s.strip(),
    "trim": lambda s, cs: s.strip(cs),
    "trimprefix": lambda s, p: s[len(p):] if s.startswith(p) else s,
    "trimsuffix": lambda s, p: s[: -len(p)] if p and s.endswith(p) else s,
    "tostring": lambda v: None if v is None else to_str(v),
    "tonumber": _tonumber,
    "tobool": _tobool,
    "tolist": lambda v: list(v),
    "toset": _toset,
    "tomap": lambda v: dict(v),
    "length": lambda v: len(v),
    "contains": lambda l, x: any(equal(a, x) for a in l),
    "element": _element,
    "index": lambda l, x: _index(l, x),
    "flatten": _flatten,
    "keys": lambda m: sorted(m.keys()),
    "values": lambda m: [m[k] for k in sorted(m.keys())],
    "replace": _replace,
    "startswith": lambda s, p: s.startswith(p),
    "endswith": lambda s, p: s.endswith(p),
    "strcontains": lambda s, p: p in s,
    "substr": lambda s, o, n: s[int(o):] if int(n) < 0 else s[int(o):int(o) + int(n)],
    "distinct": _toset,
    "compact": lambda l: [x for x in l if x not in (None, "")],
    "reverse": lambda l: list(reversed(l)),
    "sort": lambda l: sorted(to_str(x) for x in l),
    "slice": lambda l, a, b: l[int(a):int(b)],
    "zipmap": lambda ks, vs: dict(zip([to_str(k) for k in ks], vs)),
    "one": _one,
    "range": _range,
    "min": lambda *a: min(a),
    "max": lambda *a: max(a),
    "abs": lambda n: abs(n),
    "ceil": lambda n: math.ceil(n),
    "floor": lambda n: math.floor(n),
    "alltrue": lambda l: all(truthy(x) for x in l),
    "anytrue": lambda l: any(truthy(x) for x in l),
    "regex": _regex,
    "regexall": _regexall,
    "setunion": lambda *ss: _toset([x for s in ss for x in s]),
    "setintersection": _setintersection,
    "setsubtract": _setsubtract,
    "setproduct": _setproduct,
    "sum": lambda l: num(sum(l)),
    "chunklist": lambda l, n: [l[i:i + int(n)] for i in range(0, len(l), int(n))],
    "basename": lambda p: os.path.basename(p),
    "dirname": lambda p: os.path.dirname(p),
    "abspath": lambda p: p,
    "pathexpand": lambda p: p,
    "base64encode": lambda s: __import__("base64").b64encode(s.encode()).decode(),
    "base64decode": lambda s: __import__("base64").b64decode(s).decode("utf-8", "replace"),
    "md5": lambda s: __import__("hashlib").md5(s.encode()).hexdigest(),
    "sha1": lambda s: __import__("hashlib").sha1(s.encode()).hexdigest(),
    "sha256": lambda s: __import__("hashlib").sha256(s.encode()).hexdigest(),
    "nonsensitive": lambda v: v,
    "sensitive": lambda v: v,
    "type": lambda v: type(v).__name__,
    "uuid": lambda: Unknown("uuid() differs on every run"),
    "timestamp": lambda: Unknown("timestamp() differs on every run"),
    "plantimestamp": lambda: Unknown("plantimestamp() differs on every run"),
}
# functions that look at unknown arguments themselves
UNKNOWN_TOLERANT = {"coalesce", "coalescelist", "length", "keys", "concat", "merge", "lookup", "element",
                    "flatten", "tolist", "toset", "tomap", "values", "compact", "nonsensitive", "sensitive",
                    "one", "distinct", "reverse", "zipmap", "slice"}
DEEP_TOLERANT = {"contains", "jsonencode"} | UNKNOWN_TOLERANT


def _wrap_tolerant():
    """Tolerant functions still need their top-level arguments known."""
    for name in list(UNKNOWN_TOLERANT):
        fn = FUNCTIONS[name]

        def make(fn=fn, name=name):
            def g(*args):
                if name in ("coalesce", "coalescelist"):
                    return fn(*args)
                if name == "lookup":
                    if isinstance(args[0], Unknown):
                        return args[0]
                    return fn(*args)
                if name == "merge":
                    for a in args:
                        if isinstance(a, Unknown):
                            return Unknown(f"merge() argument unknown: {a.reason}")
                    return fn(*args)
                for a in args:
                    if isinstance(a, Unknown):
                        return a
                return fn(*args)
            return g
        FUNCTIONS[name] = make()


_wrap_tolerant()
