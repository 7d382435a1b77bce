"""Railway infrastructure as code in Python: ``.railway/railway.py`` (the beta ``railway-sdk`` package).

Read with Python's own :mod:`ast` — parsed, never executed — and converted
into the same small language as ``railway.ts`` (:mod:`.railway_ts`), so the
same evaluator runs it once per environment: ``@define_railway`` on the
program function, ``project(name, resources=[...])``, ``service(name,
env={...})``, ``postgres(...)``, ``volume(...)``, ``ctx.environment`` and
``ctx.is_environment(name)``.
"""
from __future__ import annotations

import ast

from ..model import Diagnostic
from .railway_ts import ENV_PROPS, IS_ENV, MAX_DEPTH, Program, X, _is_env_expr

_CMP = {ast.Eq: "===", ast.NotEq: "!==", ast.Is: "===", ast.IsNot: "!==", ast.In: "in", ast.NotIn: "not in",
        ast.Lt: "<", ast.Gt: ">", ast.LtE: "<=", ast.GtE: ">="}
_BIN = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Mod: "%"}
DEFINE = ("define_railway", "defineRailway", "define")


class _TooDeep(Exception):
    pass


class _Py:
    def __init__(self, path: str):
        self.path = path
        self.prog = Program(path, "py")
        self.depth = 0

    def x(self, k, n, a=None, b=None, c=None) -> X:
        return X(k, getattr(n, "lineno", 1), getattr(n, "col_offset", 0) + 1, a, b, c)

    def opaque(self, n, why):
        return self.x("opaque", n, f"{why} (line {getattr(n, 'lineno', 1)})")

    # -- statements -----------------------------------------------------------------------------------------
    def module(self, m: ast.Module):
        for s in m.body:
            if isinstance(s, (ast.Import, ast.ImportFrom)):
                self.import_(s)
                continue
            if isinstance(s, ast.FunctionDef) and any(_decorator_name(d) in DEFINE for d in s.decorator_list):
                self.prog.body.append(self.x("const", s, s.name, self.func(s)))
                self.prog.main = self.x("call", s, self.x("name", s, "defineRailway"), [self.x("name", s, s.name)],
                                        [])
                self.prog.main_line = s.lineno
                continue
            self.prog.body.extend(self.stmt(s))
        if self.prog.main is None:
            for s in m.body:  # main = define_railway(fn) / a function named main
                if isinstance(s, ast.Assign) and isinstance(s.value, ast.Call) and \
                        _decorator_name(s.value.func) in DEFINE:
                    self.prog.main = self.expr(s.value)
                    self.prog.main_line = s.lineno

    def import_(self, s):
        if isinstance(s, ast.ImportFrom):
            for a in s.names:
                self.prog.imports[a.asname or a.name] = (s.module or "", a.name)
        else:
            for a in s.names:
                self.prog.imports[a.asname or a.name.split(".")[0]] = (a.name, "*")

    def block(self, stmts) -> list:
        out = []
        for s in stmts:
            out.extend(self.stmt(s))
        return out

    def stmt(self, s) -> list:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep(getattr(s, "lineno", 1))
        try:
            return self._stmt(s)
        finally:
            self.depth -= 1

    def _stmt(self, s) -> list:
        if isinstance(s, ast.Assign):
            out = []
            v = self.expr(s.value)
            for t in s.targets:
                if isinstance(t, ast.Subscript) and not isinstance(t.slice, ast.Slice):
                    out.append(self.x("setitem", s, self.expr(t.value), self.expr(t.slice), v))
                else:
                    out.append(self.x("const", s, self.target(t), v, "py"))  # function-scoped, not block-scoped
            return out
        if isinstance(s, ast.AnnAssign) and s.value is not None:
            return [self.x("const", s, self.target(s.target), self.expr(s.value), "py")]
        if isinstance(s, ast.FunctionDef):
            return [self.x("const", s, s.name, self.func(s))]
        if isinstance(s, ast.Return):
            return [self.x("return", s, self.expr(s.value) if s.value is not None else None)]
        if isinstance(s, ast.If):
            return [self.x("if", s, self.expr(s.test), self.block(s.body), self.block(s.orelse) if s.orelse else None)]
        if isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Constant) and isinstance(s.value.value, str):
                return []  # docstring
            return [self.x("expr", s, self.expr(s.value))]
        if isinstance(s, (ast.Import, ast.ImportFrom)):
            self.import_(s)
            return []
        if isinstance(s, ast.Pass):
            return []
        if isinstance(s, ast.Match):
            cases = []
            for c in s.cases:
                p = c.pattern
                if isinstance(p, ast.MatchValue) and c.guard is None:
                    cases.append((self.expr(p.value), self.block(c.body) + [self.x("break", c)]))
                elif isinstance(p, ast.MatchAs) and p.pattern is None and c.guard is None:
                    cases.append((None, self.block(c.body) + [self.x("break", c)]))
                else:
                    return [self.x("opaque_stmt", s, f"match pattern is not evaluated (line {s.lineno})")]
            disc = self.expr(s.subject)
            for test, _ in cases:
                if test is not None and test.k == "lit" and isinstance(test.a, str) and _is_env_expr(disc):
                    self.prog.env_mentions.append((test.a, test.line, "match case on ctx.environment"))
            return [self.x("switch", s, disc, cases)]
        return [self.x("opaque_stmt", s, f"{type(s).__name__} statement is not evaluated (line {s.lineno})")]

    def target(self, t):
        if isinstance(t, ast.Name):
            return t.id
        if isinstance(t, (ast.Tuple, ast.List)):
            return ("arr", [self.target(e) for e in t.elts])
        return f"<{type(t).__name__}>"

    def func(self, f) -> X:
        args = f.args
        params: list = []
        pos = list(args.posonlyargs) + list(args.args)
        defaults = [None] * (len(pos) - len(args.defaults)) + list(args.defaults)
        for a, d in zip(pos, defaults):
            params.append(("default", a.arg, self.expr(d)) if d is not None else a.arg)
        for a, d in zip(args.kwonlyargs, args.kw_defaults):
            params.append(("default", a.arg, self.expr(d)) if d is not None else a.arg)
        if isinstance(f, ast.Lambda):
            return self.x("func", f, params, self.expr(f.body), True)
        return self.x("func", f, params, self.block(f.body), False)

    # -- expressions ----------------------------------------------------------------------------------------
    def expr(self, n) -> X:
        if n is None:
            return X("lit", 1, 1, None)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep(getattr(n, "lineno", 1))
        try:
            return self._expr(n)
        finally:
            self.depth -= 1

    def _expr(self, n) -> X:
        if isinstance(n, ast.Constant):
            v = n.value
            if isinstance(v, (str, int, float, bool)) or v is None:
                return self.x("lit", n, v)
            return self.opaque(n, f"{type(v).__name__} constant")
        if isinstance(n, ast.JoinedStr):
            parts: list = []
            for v in n.values:
                if isinstance(v, ast.Constant):
                    parts.append(str(v.value))
                elif isinstance(v, ast.FormattedValue):
                    if v.format_spec is not None or v.conversion not in (-1, 115):
                        return self.opaque(n, "f-string formatting is not evaluated")
                    parts.append(self.expr(v.value))
            return self.x("tmpl", n, parts)
        if isinstance(n, ast.Name):
            if n.id in ("True", "False", "None"):
                return self.x("lit", n, {"True": True, "False": False, "None": None}[n.id])
            return self.x("name", n, n.id)
        if isinstance(n, ast.Attribute):
            return self.x("member", n, self.expr(n.value), n.attr)
        if isinstance(n, ast.Subscript):
            if isinstance(n.slice, ast.Slice):
                return self.opaque(n, "slices are not evaluated")
            return self.x("index", n, self.expr(n.value), self.expr(n.slice))
        if isinstance(n, ast.Call):
            args = []
            for a in n.args:
                args.append(self.x("spread", a, self.expr(a.value)) if isinstance(a, ast.Starred) else self.expr(a))
            kwargs = [(k.arg, self.expr(k.value), k.value.lineno if k.arg is None else k.lineno) for k in n.keywords]
            call = self.x("call", n, self.expr(n.func), args, kwargs)
            f = call.a
            if f.k == "member" and f.b in IS_ENV:
                for a in args:
                    if a.k == "lit" and isinstance(a.a, str):
                        self.prog.env_mentions.append((a.a, a.line, f"{f.b}({a.a!r})"))
            return call
        if isinstance(n, ast.Dict):
            items = []
            for k, v in zip(n.keys, n.values):
                if k is None:
                    items.append(("spread", self.expr(v), v.lineno))
                elif isinstance(k, ast.Constant) and isinstance(k.value, (str, int)):
                    items.append(("prop", str(k.value), self.expr(v), k.lineno, k.col_offset + 1))
                else:
                    items.append(("prop", self.expr(k), self.expr(v), k.lineno, k.col_offset + 1))
            return self.x("obj", n, items)
        if isinstance(n, (ast.List, ast.Tuple)):
            items = [self.x("spread", e, self.expr(e.value)) if isinstance(e, ast.Starred) else self.expr(e)
                     for e in n.elts]
            return self.x("arr", n, items)
        if isinstance(n, ast.IfExp):
            return self.x("cond", n, self.expr(n.test), self.expr(n.body), self.expr(n.orelse))
        if isinstance(n, ast.BoolOp):
            op = "&&" if isinstance(n.op, ast.And) else "||"
            cur = self.expr(n.values[0])
            for v in n.values[1:]:
                cur = self.x("bin", n, op, cur, self.expr(v))
            return cur
        if isinstance(n, ast.UnaryOp):
            if isinstance(n.op, ast.Not):
                return self.x("not", n, self.expr(n.operand))
            if isinstance(n.op, ast.USub):
                return self.x("neg", n, self.expr(n.operand))
            if isinstance(n.op, ast.UAdd):
                return self.expr(n.operand)
            return self.opaque(n, "operator is not evaluated")
        if isinstance(n, ast.BinOp):
            op = _BIN.get(type(n.op))
            if op is None:
                return self.opaque(n, "operator is not evaluated")
            return self.x("bin", n, op, self.expr(n.left), self.expr(n.right))
        if isinstance(n, ast.Compare):
            parts = []
            left = self.expr(n.left)
            for op, right_n in zip(n.ops, n.comparators):
                o = _CMP.get(type(op))
                right = self.expr(right_n)
                if o is None:
                    return self.opaque(n, "comparison is not evaluated")
                if o in ("===", "!=="):
                    for side, other in ((left, right), (right, left)):
                        if _is_env_expr(side) and other.k == "lit" and isinstance(other.a, str):
                            self.prog.env_mentions.append((other.a, other.line, "a comparison with ctx.environment"))
                if o in ("in", "not in") and _is_env_expr(left) and right.k == "arr":
                    for it in right.a:
                        if it.k == "lit" and isinstance(it.a, str):
                            self.prog.env_mentions.append((it.a, it.line, "list of environments"))
                parts.append(self.x("bin", n, o, left, right))
                left = right
            cur = parts[0]
            for p in parts[1:]:
                cur = self.x("bin", n, "&&", cur, p)
            return cur
        if isinstance(n, ast.Lambda):
            return self.func(n)
        if isinstance(n, ast.Await):
            return self.expr(n.value)
        if isinstance(n, ast.NamedExpr):
            return self.x("assign", n, n.target.id, self.expr(n.value))
        return self.opaque(n, f"{type(n).__name__} is not evaluated")


def _decorator_name(d) -> str:
    if isinstance(d, ast.Call):
        d = d.func
    if isinstance(d, ast.Name):
        return d.id
    if isinstance(d, ast.Attribute):
        return d.attr
    return ""


def parse_railway_py(text: str, path: str) -> tuple[Program | None, list[Diagnostic]]:
    """``.railway/railway.py`` as a :class:`Program` (parsed with :mod:`ast`, never executed); never raises."""
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as e:
        return None, [Diagnostic(path, e.lineno or 1, f"invalid Python syntax: {e.msg}", "error", (e.offset or 1))]
    except (ValueError, RecursionError, MemoryError) as e:
        return None, [Diagnostic(path, 1, f"cannot parse Python: {type(e).__name__}", "error")]
    conv = _Py(path)
    try:
        conv.module(tree)
    except (_TooDeep, RecursionError) as e:
        line = e.args[0] if isinstance(e, _TooDeep) else 1
        return None, [Diagnostic(path, line, "nested too deeply to analyse; skipped", "error")]
    diags = []
    if conv.prog.main is None:
        diags.append(Diagnostic(path, 1, "no function decorated with @define_railway found; nothing to evaluate",
                                "warning"))
    return conv.prog, diags


__all__ = ["parse_railway_py", "ENV_PROPS"]
