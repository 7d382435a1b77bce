"""Runtime values of the interpreter: JS-like objects and arrays that remember source lines, functions, scopes,
the coercions (truthiness, string conversion, strict equality) and the size budget."""
from __future__ import annotations

from ..terraform.values import Unknown
from . import ir

MAX_VALUE_SIZE = 1_000_000   # characters of one string, items of one array or object
MAX_BUILT = 4_000_000        # characters and items built in one evaluation, all values together
MAX_TRAVERSAL = 50_000       # nodes one conversion (JSON.stringify, String(), the result) may visit
MAX_INT_BITS = 4096          # integers larger than this are not computed
MAX_VALUE_DEPTH = 30         # nesting of a value converted to plain data


class _Undef:
    __slots__ = ()

    def __repr__(self):
        return "undefined"


UNDEF = _Undef()


class JSObj(dict):
    """An evaluated object literal: key -> value, with the line of each property and of each value's origin."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.key_lines: dict = {}
        self.val_lines: dict = {}

    def put(self, key, value, key_line: int, val_line: int) -> None:
        self[key] = value
        self.key_lines[key] = key_line
        self.val_lines[key] = val_line


class JSArr(list):
    def __init__(self, *a):
        super().__init__(*a)
        self.item_lines: list = []

    def add(self, value, line: int) -> None:
        self.append(value)
        self.item_lines.append(line)

    def add_all(self, other, line: int) -> None:
        """Append every item of ``other`` (a JSArr keeps its items' lines, anything else gets ``line``)."""
        self.extend(other)
        self.item_lines.extend(getattr(other, "item_lines", None) or [line] * len(other))

    def line_of(self, i: int, default: int) -> int:
        return self.item_lines[i] if i < len(self.item_lines) else default


def arr(items, line) -> JSArr:
    a = JSArr(items)
    a.item_lines = [line] * len(items)
    return a


def merge(a: JSObj, b: JSObj, lines_from: JSObj | None = None) -> JSObj:
    out = JSObj()
    for src in (a, b):
        for k, v in src.items():
            ls = lines_from if (lines_from is not None and src is b) else src
            out.put(k, v, ls.key_lines.get(k, src.key_lines.get(k, 1)), ls.val_lines.get(k, src.val_lines.get(k, 1)))
    return out


class Func:
    """A user function (closure)."""

    def __init__(self, x: ir.Function, scope: "Scope"):
        self.x = x
        self.scope = scope


class Builtin:
    """A function iaclint models (an SDK helper, a method bound to ``this``)."""

    def __init__(self, name: str, this=None):
        self.name = name
        self.this = this


class Scope:
    def __init__(self, parent: "Scope | None" = None):
        self.vars: dict = {}
        self.parent = parent

    def get(self, name):
        s = self
        while s is not None:
            if name in s.vars:
                return s.vars[name]
            s = s.parent
        raise KeyError(name)

    def set_existing(self, name, val) -> bool:
        s = self
        while s is not None:
            if name in s.vars:
                s.vars[name] = val
                return True
            s = s.parent
        return False


class Ref:
    """A reference resolved by Railway per environment: service.env.X, ctx.shared.X, preserve(), randomString()."""

    def __init__(self, kind: str, text: str):
        self.kind = kind
        self.text = text


class OverBudget(Exception):
    """A value conversion visited more than MAX_TRAVERSAL nodes."""


class Budget:
    """The size budget of one evaluation: ``charge(n)`` before building a value of size ``n``."""

    def __init__(self):
        self.built = 0
        self.exceeded: tuple | None = None  # (line, reason) of the first value over budget

    def charge(self, n: int, line: int, total: int | None = None) -> Unknown | None:
        """None when ``n`` more characters/items may be built (``total``: the size of the value they make, when it
        grows in place); else the Unknown that stands for the value."""
        size = n if total is None else total
        if size > MAX_VALUE_SIZE:
            return self.over(line, f"a value at line {line} would hold {size:,} characters or items, over iaclint's "
                                   f"size budget ({MAX_VALUE_SIZE:,}); not evaluated")
        self.built += n
        if self.built > MAX_BUILT:
            return self.over(line, f"the values built up to line {line} exceed iaclint's size budget "
                                   f"({MAX_BUILT:,} characters or items in all); not evaluated")
        return None

    def over(self, line: int, reason: str) -> Unknown:
        if self.exceeded is None:
            self.exceeded = (line, reason)
        return Unknown(reason)

    def number(self, v, line: int):
        """An arithmetic result, or Unknown when an integer grows past MAX_INT_BITS."""
        if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > MAX_INT_BITS:
            return self.over(line, f"a number at line {line} exceeds iaclint's size budget ({MAX_INT_BITS} bits); "
                                   f"not evaluated")
        return v


class Walk:
    """Counts the nodes one recursive conversion visits; raises OverBudget past MAX_TRAVERSAL (shared sub-values
    make a small value's tree exponentially large)."""

    __slots__ = ("left",)

    def __init__(self):
        self.left = MAX_TRAVERSAL

    def step(self, n: int = 1):
        self.left -= n
        if self.left < 0:
            raise OverBudget()


def truthy(v):
    if isinstance(v, Unknown):
        return v
    if v is None or v is UNDEF or v is False:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v != 0
    if isinstance(v, str):
        return v != ""
    return True


def js_str(v, walk: Walk | None = None, depth: int = 0):
    """String(v) as JavaScript converts it; Unknown for values only Railway or the runtime know."""
    if isinstance(v, Unknown):
        return v
    if isinstance(v, Ref):
        return Unknown(f"{v.text} is resolved by Railway")
    if v is None:
        return "null"
    if v is UNDEF:
        return "undefined"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, float, str)):
        return str(v)
    if isinstance(v, list):
        walk = walk or Walk()
        walk.step(len(v))
        if depth > MAX_VALUE_DEPTH:
            return Unknown("an array nested too deeply converted to a string")
        parts = [js_str(x, walk, depth + 1) for x in v]
        bad = next((p for p in parts if isinstance(p, Unknown)), None)
        if bad is not None:
            return bad
        walk.step(sum(len(p) for p in parts))
        return ",".join(parts)
    return Unknown("an object converted to a string")


def strict_eq(a, b):
    if isinstance(a, Unknown):
        return a
    if isinstance(b, Unknown):
        return b
    if isinstance(a, Ref) or isinstance(b, Ref):
        return Unknown("a Railway reference compared")
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, (str, bool)) or a is None or a is UNDEF:
        return a == b
    return a is b


def to_json(v, walk: Walk, depth: int = 0):
    """Plain JSON data (for JSON.stringify); TypeError for what JSON cannot hold."""
    walk.step()
    if isinstance(v, (Unknown, Ref, Func, Builtin)) or v is UNDEF or not isinstance(v, (dict, list, str, int,
                                                                                          float, bool, type(None))):
        raise TypeError("not JSON")
    if depth > MAX_VALUE_DEPTH:
        raise TypeError("nested too deeply")
    if isinstance(v, dict):
        return {k: to_json(x, walk, depth + 1) for k, x in v.items()}
    if isinstance(v, list):
        return [to_json(x, walk, depth + 1) for x in v]
    if isinstance(v, str):
        walk.step(len(v))
    return v
