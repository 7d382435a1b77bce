"""A static evaluator for Terraform expressions.

It evaluates what `terraform plan` would know before any API call: literals,
templates, variables, locals, module outputs, resource attributes written in
the configuration, operators, conditionals, for expressions, splats and the
common functions.  Everything else is an explicit :class:`Unknown` carrying
why, so a rule can say "cannot verify" instead of silently passing.

Provenance: :meth:`Evaluator.origins` tells where a value was *set* (the
tfvars line, the module-call argument, the default), fix site first.
"""
from __future__ import annotations

import json
import math
import os
import re
from typing import Any, Callable

from ..model import Span
from ..parsers.hclast import (
    Binary, Call, Cond, ForExpr, Invalid, Lit, ObjectExpr, Postfix, Template, TemplateFor,
    TemplateIf, Traversal, TupleExpr, Unary,
)
from .values import Unknown, contains_unknown, first_unknown, truthy

MAX_EVAL_DEPTH = 200
MAX_COLLECTION = 100_000


class Scope:
    """Names visible to an expression in one module instance."""

    def __init__(self, *, path: str = "", resolver: "Resolver | None" = None, bindings: dict | None = None,
                 parent: "Scope | None" = None):
        self.path = path  # file the expression lives in (for spans)
        self.resolver = resolver or (parent.resolver if parent else None)
        self.bindings = bindings or {}  # each / count / for-expression variables
        self.parent = parent

    def child(self, bindings: dict, path: str | None = None) -> "Scope":
        return Scope(path=path if path is not None else self.path, resolver=self.resolver, bindings=bindings,
                     parent=self)

    def lookup_binding(self, name: str):
        s: Scope | None = self
        while s is not None:
            if name in s.bindings:
                return True, s.bindings[name]
            s = s.parent
        return False, None


class Resolver:
    """Answers references (var., local., module., resources, data...). Subclassed by the module expander."""

    def variable(self, name: str) -> Any:
        return Unknown(f"variable {name!r} has no value")

    def variable_origins(self, name: str) -> list[Span]:
        return []

    def local(self, name: str) -> Any:
        return Unknown(f"local {name!r} is not defined")

    def local_origins(self, name: str, ev: "Evaluator") -> list[Span]:
        return []

    def module_output(self, module: str) -> Any:
        return Unknown(f"module.{module} is not resolved")

    def resource(self, type_: str, name: str) -> Any:
        return Unknown(f"{type_}.{name} is computed at apply time")

    def data(self, type_: str, name: str) -> Any:
        return Unknown(f"data.{type_}.{name} is read at plan time from the provider")

    def path_attr(self, name: str) -> Any:
        return Unknown(f"path.{name}")

    def workspace(self) -> Any:
        return Unknown("terraform.workspace is chosen at run time")

    def read_file(self, rel: str) -> Any:
        return Unknown(f"file({rel!r}) not read")


class Evaluator:
    def __init__(self):
        self.depth = 0

    # -- public -----------------------------------------------------------------
    def eval(self, e, scope: Scope) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_EVAL_DEPTH:
                return Unknown("expression nested too deeply")
            return self._eval(e, scope)
        except RecursionError:
            return Unknown("expression nested too deeply")
        except _FnError as ex:  # e.g. a for expression over a number: Terraform rejects it, we cannot know it
            return Unknown(f"invalid expression: {ex}")
        finally:
            self.depth -= 1

    def origins(self, e, scope: Scope) -> list[Span]:
        """Where the value of ``e`` was set, most upstream (the fix site) first."""
        here = Span(scope.path, e.pos.line, e.pos.col, e.pos.end_line, e.pos.end_col) if hasattr(e, "pos") else None
        r = scope.resolver
        if isinstance(e, Traversal) and r is not None:
            if e.root == "var" and e.steps and e.steps[0][0] == "attr":
                up = r.variable_origins(e.steps[0][1])
                return up + ([here] if here else [])
            if e.root == "local" and e.steps and e.steps[0][0] == "attr":
                up = r.local_origins(e.steps[0][1], self)
                return up + ([here] if here else [])
        if isinstance(e, Cond):
            c = truthy(self.eval(e.cond, scope))
            if c is True:
                return self.origins(e.then, scope)
            if c is False:
                return self.origins(e.else_, scope)
        if isinstance(e, Call) and e.name in ("try", "coalesce", "tobool", "tostring", "tonumber") and e.args:
            return self.origins(e.args[0], scope)
        return [here] if here else []

    # -- dispatch ---------------------------------------------------------------
    def _eval(self, e, scope: Scope) -> Any:
        t = type(e)
        if t is Lit:
            return e.value
        if t is Template:
            return self._template(e.parts, scope, single=len(e.parts) == 1 and not isinstance(e.parts[0], str))
        if t is Traversal:
            return self._traversal(e, scope)
        if t is Postfix:
            return self._apply_steps(self.eval(e.base, scope), e.steps, scope, "expression")
        if t is Call:
            return self._call(e, scope)
        if t is Unary:
            return self._unary(e, scope)
        if t is Binary:
            return self._binary(e, scope)
        if t is Cond:
            c = self.eval(e.cond, scope)
            tv = truthy(c)
            if tv is None:
                if isinstance(c, Unknown):
                    return Unknown(f"condition unknown: {c.reason}")
                return Unknown("condition is not a bool")
            return self.eval(e.then if tv else e.else_, scope)
        if t is TupleExpr:
            return [self.eval(x, scope) for x in e.items]
        if t is ObjectExpr:
            out = {}
            for k, v in e.items:
                kv = self.eval(k, scope)
                if isinstance(kv, Unknown):
                    return Unknown(f"object key unknown: {kv.reason}")
                out[_to_str(kv)] = self.eval(v, scope)
            return out
        if t is ForExpr:
            return self._for(e, scope)
        if t is Invalid:
            return Unknown(f"invalid expression {e.text[:40]!r}")
        return Unknown("unsupported expression")

    # -- pieces -------------------------------------------------------------------
    def _template(self, parts, scope, single=False):
        if single:
            return self.eval(parts[0], scope)
        out = []
        for p in parts:
            if isinstance(p, str):
                out.append(p)
            elif isinstance(p, TemplateIf):
                c = truthy(self.eval(p.cond, scope))
                if c is None:
                    return Unknown("template condition unknown")
                v = self._template(p.then if c else p.else_, scope)
                if isinstance(v, Unknown):
                    return v
                out.append(v)
            elif isinstance(p, TemplateFor):
                coll = self.eval(p.coll, scope)
                if isinstance(coll, Unknown):
                    return coll
                for k, v in _iter_pairs(coll):
                    b = {p.val_var: v}
                    if p.key_var:
                        b[p.key_var] = k
                    s = self._template(p.body, scope.child(b))
                    if isinstance(s, Unknown):
                        return s
                    out.append(s)
            else:
                v = self.eval(p, scope)
                if isinstance(v, Unknown):
                    return v
                if isinstance(v, (dict, list)):
                    return Unknown("cannot interpolate a collection into a string")
                out.append(_to_str(v))
        return "".join(out)

    def _traversal(self, e: Traversal, scope: Scope):
        found, val = scope.lookup_binding(e.root)
        if found:
            return self._apply_steps(val, e.steps, scope, "each" if e.root != "count" else "count")
        r = scope.resolver
        steps = e.steps
        if r is None:
            return Unknown(f"{e.root} is not available here")
        root = e.root
        if root == "var":
            if not steps or steps[0][0] != "attr":
                return Unknown("bad var reference")
            return self._apply_steps(r.variable(steps[0][1]), steps[1:], scope, f"var.{steps[0][1]}")
        if root == "local":
            if not steps or steps[0][0] != "attr":
                return Unknown("bad local reference")
            return self._apply_steps(r.local(steps[0][1]), steps[1:], scope, f"local.{steps[0][1]}")
        if root == "module":
            if not steps or steps[0][0] != "attr":
                return Unknown("bad module reference")
            return self._apply_steps(r.module_output(steps[0][1]), steps[1:], scope, f"module.{steps[0][1]}")
        if root == "data":
            if len(steps) < 2:
                return Unknown("bad data reference")
            return self._apply_steps(r.data(steps[0][1], steps[1][1]), steps[2:], scope, "data")
        if root == "path":
            if steps and steps[0][0] == "attr":
                return r.path_attr(steps[0][1])
            return Unknown("bad path reference")
        if root == "terraform":
            if steps and steps[0] == ("attr", "workspace"):
                return r.workspace()
            return Unknown("terraform.* is only known at run time")
        if root in ("each", "count", "self"):
            return Unknown(f"{root}.* is not available here")
        if steps and steps[0][0] == "attr":
            return self._apply_steps(r.resource(root, steps[0][1]), steps[1:], scope, f"{root}.{steps[0][1]}")
        return Unknown(f"unknown reference {root!r}")

    def _apply_steps(self, val, steps, scope, what):
        for st in steps:
            if isinstance(val, Unknown):
                return val
            kind = st[0]
            if kind == "attr":
                name = st[1]
                if isinstance(val, dict):
                    if name in val:
                        val = val[name]
                    elif what.startswith(("var.", "local.", "each", "module.")) or what in _BINDING_ROOTS:
                        # variables, locals and module outputs are fully known values: absence is certain
                        return Unknown(f"attribute {name!r} not in {what}")
                    else:
                        return Unknown(f"{what}.{name} is not set in the configuration (computed or absent)")
                else:
                    return Unknown(f"cannot read attribute {name!r} of {type(val).__name__}")
                what = f"{what}.{name}"
            elif kind == "index":
                k = self.eval(st[1], scope)
                if isinstance(k, Unknown):
                    return k
                if isinstance(val, list):
                    try:
                        val = val[int(k)]
                    except (ValueError, TypeError, IndexError):
                        return Unknown(f"index {k!r} out of range for {what}")
                elif isinstance(val, dict):
                    ks = _to_str(k)
                    if ks in val:
                        val = val[ks]
                    else:
                        return Unknown(f"key {ks!r} not in {what}")
                else:
                    return Unknown(f"cannot index {type(val).__name__}")
                what = f"{what}[{k!r}]"
            elif kind == "splat":
                sub = st[1]
                if val is None:
                    val = []
                elif isinstance(val, dict):
                    val = [val]
                if not isinstance(val, list):
                    val = [val]
                val = [self._apply_steps(x, sub, scope, what) for x in val]
                return val
        return val

    def _for(self, e: ForExpr, scope: Scope):
        coll = self.eval(e.coll, scope)
        if isinstance(coll, Unknown):
            return Unknown(f"for expression over unknown collection: {coll.reason}")
        if coll is None:
            return Unknown("for expression over null")
        pairs = list(_iter_pairs(coll))
        if len(pairs) > MAX_COLLECTION:
            return Unknown("collection too large")
        out_list = []
        out_obj: dict = {}
        for k, v in pairs:
            b = {e.val_var: v}
            if e.key_var:
                b[e.key_var] = k
            s = scope.child(b)
            if e.cond is not None:
                c = truthy(self.eval(e.cond, s))
                if c is None:
                    return Unknown("for expression condition unknown")
                if not c:
                    continue
            if e.is_object:
                kk = self.eval(e.key, s)
                if isinstance(kk, Unknown):
                    return kk
                vv = self.eval(e.value, s)
                kk = _to_str(kk)
                if e.grouping:
                    out_obj.setdefault(kk, []).append(vv)
                else:
                    out_obj[kk] = vv
            else:
                out_list.append(self.eval(e.value, s))
        return out_obj if e.is_object else out_list

    def _unary(self, e: Unary, scope):
        v = self.eval(e.expr, scope)
        if isinstance(v, Unknown):
            return v
        if e.op == "!":
            tv = truthy(v)
            return Unknown("! of non-bool") if tv is None else (not tv)
        if e.op == "-":
            n = _to_num(v)
            return Unknown("- of non-number") if n is None else -n
        return Unknown(f"unknown operator {e.op}")

    def _binary(self, e: Binary, scope):
        op = e.op
        if op in ("&&", "||"):
            lv = truthy(self.eval(e.left, scope))
            if op == "&&" and lv is False:
                return False
            if op == "||" and lv is True:
                return True
            rv = truthy(self.eval(e.right, scope))
            if op == "&&" and rv is False:
                return False
            if op == "||" and rv is True:
                return True
            if lv is None or rv is None:
                return Unknown(f"operand of {op} unknown")
            return (lv and rv) if op == "&&" else (lv or rv)
        lv = self.eval(e.left, scope)
        rv = self.eval(e.right, scope)
        if isinstance(lv, Unknown):
            return lv
        if isinstance(rv, Unknown):
            return rv
        if op == "==":
            return _equal(lv, rv)
        if op == "!=":
            return not _equal(lv, rv)
        a, b = _to_num(lv), _to_num(rv)
        if a is None or b is None:
            return Unknown(f"operator {op} needs numbers")
        try:
            if op == "+":
                return _num(a + b)
            if op == "-":
                return _num(a - b)
            if op == "*":
                return _num(a * b)
            if op == "/":
                return _num(a / b) if b else Unknown("division by zero")
            if op == "%":
                return _num(a % b) if b else Unknown("modulo by zero")
            if op == "<":
                return a < b
            if op == ">":
                return a > b
            if op == "<=":
                return a <= b
            if op == ">=":
                return a >= b
        except (OverflowError, ValueError):
            return Unknown("numeric overflow")
        return Unknown(f"unknown operator {op}")

    def _call(self, e: Call, scope):
        name = e.name
        if "::" in name:  # provider-defined functions
            return Unknown(f"provider function {name} runs in the provider")
        if name == "try":
            for a in e.args:
                v = self.eval(a, scope)
                if not contains_unknown(v):
                    return v
            return Unknown("no argument of try() could be evaluated")
        if name == "can":
            if not e.args:
                return Unknown("can() needs an argument")
            v = self.eval(e.args[0], scope)
            if isinstance(v, Unknown):
                reason = v.reason
                # an error we can prove (missing key, bad index) is false; anything else is unknown
                if any(w in reason for w in ("not in", "out of range", "cannot index", "cannot read")):
                    return False
                return Unknown(f"can(): {reason}")
            return True
        args = [self.eval(a, scope) for a in e.args]
        if e.expand and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return last
            if isinstance(last, list):
                args.extend(last)
        fn = FUNCTIONS.get(name)
        if name == "file" or name == "templatefile" or name == "fileexists":
            return self._file_fn(name, args, scope)
        if fn is None:
            return Unknown(f"function {name}() is not evaluated")
        if name not in _UNKNOWN_TOLERANT:
            u = next((a for a in args if isinstance(a, Unknown)), None)
            if u is not None:
                return u
            if name not in _DEEP_TOLERANT:
                for a in args:
                    fu = first_unknown(a)
                    if fu is not None:
                        return fu
        try:
            return fn(*args)
        except _FnError as ex:
            return Unknown(f"{name}(): {ex}")
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, RecursionError) as ex:
            return Unknown(f"{name}() could not be evaluated: {type(ex).__name__}")

    def _file_fn(self, name, args, scope):
        r = scope.resolver
        if not args or not isinstance(args[0], str) or r is None:
            return Unknown(f"{name}() argument unknown")
        if name == "fileexists":
            v = r.read_file(args[0])
            return not isinstance(v, Unknown) or Unknown(v.reason)
        content = r.read_file(args[0])
        if isinstance(content, Unknown) or name == "file":
            return content
        return Unknown("templatefile() is not rendered")


_BINDING_ROOTS: set = set()


class _FnError(Exception):
    pass


# ------------------------------------------------------------------ helpers
def _num(x):
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**63:
        return int(x)
    return x


def _to_num(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            return _num(float(v)) if any(c in v for c in ".eE") else int(v)
        except ValueError:
            return None
    return None


def _to_str(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _equal(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b if isinstance(a, bool) and isinstance(b, bool) else False
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return a == b


def _iter_pairs(coll):
    if isinstance(coll, dict):
        for k in sorted(coll):
            yield k, coll[k]
    elif isinstance(coll, (list, tuple, set)):
        for i, v in enumerate(coll):
            yield i, v
    else:
        raise_ = _FnError("not a collection")
        raise raise_


def _flatten(x):
    out = []
    for v in x:
        if isinstance(v, list):
            out.extend(_flatten(v))
        else:
            out.append(v)
    return out


def _merge(*maps):
    out = {}
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, dict):
            raise _FnError("merge() takes maps")
        out.update(m)
    return out


def _lookup(m, k, *default):
    if not isinstance(m, dict):
        raise _FnError("lookup() takes a map")
    k = _to_str(k)
    if k in m:
        return m[k]
    if default:
        return default[0]
    raise _FnError(f"key {k!r} not found")


def _coalesce(*xs):
    for x in xs:
        if isinstance(x, Unknown):
            return Unknown("coalesce() argument unknown")
        if x is not None and x != "":
            return x
    raise _FnError("no non-null argument")


def _coalescelist(*xs):
    for x in xs:
        if isinstance(x, Unknown):
            return x
        if x:
            return x
    raise _FnError("no non-empty list")


def _element(lst, i):
    if not lst:
        raise _FnError("empty list")
    return lst[int(i) % len(lst)]


def _format(fmt, *args):
    out = []
    i = 0
    ai = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and i + 1 < len(fmt):
            j = i + 1
            while j < len(fmt) and fmt[j] in "+-# 0123456789.":
                j += 1
            if j >= len(fmt):
                raise _FnError("bad format")
            verb = fmt[j]
            if verb == "%":
                out.append("%")
            else:
                if ai >= len(args):
                    raise _FnError("not enough arguments")
                a = args[ai]
                ai += 1
                spec = fmt[i:j + 1]
                if verb == "s":
                    out.append(spec % _to_str(a))
                elif verb == "d":
                    out.append(spec % int(a))
                elif verb == "q":
                    out.append(json.dumps(_to_str(a)))
                elif verb == "v":
                    out.append(_to_str(a) if not isinstance(a, (dict, list)) else json.dumps(a))
                elif verb in "fFeEgG":
                    out.append(spec.replace("F", "f") % float(a))
                elif verb == "t":
                    out.append(_to_str(a))
                else:
                    out.append(_to_str(a))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _jsondecode(s):
    try:
        return json.loads(s)
    except (json.JSONDecodeError, TypeError) as ex:
        raise _FnError("invalid JSON") from ex


def _jsonencode(v):
    # unknown leaves render as Terraform's plan shows them, so policies stay inspectable
    return json.dumps(v, separators=(",", ":"), sort_keys=True,
                      default=lambda o: "(known after apply)" if isinstance(o, Unknown) else str(o))


def _tobool(v):
    t = truthy(v)
    if t is None and v is not None:
        raise _FnError("not a bool")
    return t


def _tonumber(v):
    if v is None:
        return None
    n = _to_num(v)
    if n is None:
        raise _FnError("not a number")
    return n


def _toset(v):
    out = []
    for x in v:
        if x not in out:
            out.append(x)
    try:
        return sorted(out, key=lambda x: (str(type(x)), x))
    except TypeError:
        return out


def _regex(pattern, s):
    m = re.search(_tf_regex(pattern), s)
    if not m:
        raise _FnError("no match")
    if m.groupdict():
        return m.groupdict()
    if m.groups():
        return list(m.groups())
    return m.group(0)


def _tf_regex(p: str) -> str:
    return re.sub(r"\(\?P?<", "(?P<", p)


def _replace(s, old, new):
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return re.sub(_tf_regex(old[1:-1]), re.sub(r"\$(\d+)", r"\\\1", new), s)
    return s.replace(old, new)


def _cidrsubnet(*a):
    raise _FnError("network functions are not evaluated")


FUNCTIONS: dict[str, Callable] = {
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "yamlencode": lambda v: __import__("yaml").safe_dump(v, sort_keys=True),
    "yamldecode": lambda s: __import__("yaml").safe_load(s),
    "merge": _merge,
    "lookup": _lookup,
    "coalesce": _coalesce,
    "coalescelist": _coalescelist,
    "concat": lambda *ls: [x for l in ls for x in (l or [])],
    "format": _format,
    "formatlist": lambda fmt, *ls: [_format(fmt, *row) for row in zip(*ls)],
    "join": lambda sep, *ls: sep.join(_to_str(x) for l in ls for x in l),
    "split": lambda sep, s: s.split(sep) if sep else list(s),
    "lower": lambda s: s.lower(),
    "upper": lambda s: s.upper(),
    "title": lambda s: s.title(),
    "trimspace": lambda s: s.strip(),
    "trim": lambda s, cs: s.strip(cs),
    "trimprefix": lambda s, p: s[len(p):] if s.startswith(p) else s,
    "trimsuffix": lambda s, p: s[: -len(p)] if p and s.endswith(p) else s,
    "tostring": lambda v: None if v is None else _to_str(v),
    "tonumber": _tonumber,
    "tobool": _tobool,
    "tolist": lambda v: list(v),
    "toset": _toset,
    "tomap": lambda v: dict(v),
    "length": lambda v: len(v),
    "contains": lambda l, x: any(_equal(a, x) for a in l),
    "element": _element,
    "index": lambda l, x: next(i for i, a in enumerate(l) if _equal(a, x)),
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
    "sort": lambda l: sorted(_to_str(x) for x in l),
    "slice": lambda l, a, b: l[int(a):int(b)],
    "zipmap": lambda ks, vs: dict(zip([_to_str(k) for k in ks], vs)),
    "one": lambda l: (l[0] if len(l) == 1 else (None if not l else (_ for _ in ()).throw(_FnError("more than one")))),
    "range": lambda *a: list(range(*[int(x) for x in a]))[:MAX_COLLECTION],
    "min": lambda *a: min(a),
    "max": lambda *a: max(a),
    "abs": lambda n: abs(n),
    "ceil": lambda n: math.ceil(n),
    "floor": lambda n: math.floor(n),
    "alltrue": lambda l: all(truthy(x) for x in l),
    "anytrue": lambda l: any(truthy(x) for x in l),
    "regex": _regex,
    "regexall": lambda p, s: [m.group(0) for m in re.finditer(_tf_regex(p), s)],
    "setunion": lambda *ss: _toset([x for s in ss for x in s]),
    "setintersection": lambda a, *ss: [x for x in _toset(a) if all(x in s for s in ss)],
    "setsubtract": lambda a, b: [x for x in _toset(a) if x not in b],
    "sum": lambda l: _num(sum(l)),
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
    "cidrsubnet": _cidrsubnet,
    "nonsensitive": lambda v: v,
    "sensitive": lambda v: v,
    "type": lambda v: type(v).__name__,
    "uuid": lambda: Unknown("uuid() differs on every run"),
    "timestamp": lambda: Unknown("timestamp() differs on every run"),
    "plantimestamp": lambda: Unknown("plantimestamp() differs on every run"),
}
# functions that look at unknown arguments themselves
_UNKNOWN_TOLERANT = {"coalesce", "coalescelist", "length", "keys", "concat", "merge", "lookup", "element",
                     "flatten", "tolist", "toset", "tomap", "values", "compact", "nonsensitive", "sensitive",
                     "one", "distinct", "reverse", "zipmap", "slice"}
_DEEP_TOLERANT = {"contains", "jsonencode"} | _UNKNOWN_TOLERANT


def _wrap_tolerant():
    """Tolerant functions still need their top-level arguments known."""
    for name in list(_UNKNOWN_TOLERANT):
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
