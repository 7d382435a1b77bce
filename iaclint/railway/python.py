"""Python front end: ``.railway/railway.py`` (the beta ``railway-sdk`` package) -> the IR of :mod:`.ir`.

Read with Python's own :mod:`ast` — parsed, never executed — into the same
IR as ``railway.ts``, so one interpreter runs both once per environment:
``@define_railway`` on the program function, ``project(name, resources=[...])``,
``service(name, env={...})``, ``postgres(...)``, ``volume(...)``,
``ctx.environment`` and ``ctx.is_environment(name)``.  One converter method
per ``ast`` class, found through the ``_STMT`` / ``_EXPR`` tables.
"""
from __future__ import annotations

import ast

from ..model import Diagnostic
from . import ir
from .ir import MAX_NESTING, TooDeep

_CMP = {ast.Eq: "===", ast.NotEq: "!==", ast.Is: "===", ast.IsNot: "!==", ast.In: "in", ast.NotIn: "not in",
        ast.Lt: "<", ast.Gt: ">", ast.LtE: "<=", ast.GtE: ">="}
_BIN = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Mod: "%"}
DEFINE = ("define_railway", "defineRailway", "define")


def _at(n) -> tuple[int, int]:
    return getattr(n, "lineno", 1), getattr(n, "col_offset", 0) + 1


class _Py:
    def __init__(self, path: str):
        self.path = path
        self.prog = ir.Program(path, "py")
        self.depth = 0

    def opaque(self, n, why) -> ir.Opaque:
        return ir.Opaque(*_at(n), f"{why} (line {getattr(n, 'lineno', 1)})")

    def enter(self, n):
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise TooDeep(getattr(n, "lineno", 1))

    # -- statements -----------------------------------------------------------------------------------------
    def module(self, m: ast.Module):
        for s in m.body:
            if isinstance(s, ast.FunctionDef) and any(_decorator_name(d) in DEFINE for d in s.decorator_list):
                self.prog.body.append(ir.Const(*_at(s), s.name, self.func(s)))
                self.prog.main = ir.Call(*_at(s), ir.Name(*_at(s), "defineRailway"), [ir.Name(*_at(s), s.name)])
                self.prog.main_line = s.lineno
                continue
            self.prog.body.extend(self.stmt(s))
        if self.prog.main is None:
            for s in m.body:  # main = define_railway(fn)
                if isinstance(s, ast.Assign) and isinstance(s.value, ast.Call) and \
                        _decorator_name(s.value.func) in DEFINE:
                    self.prog.main = self.expr(s.value)
                    self.prog.main_line = s.lineno

    def block(self, stmts) -> list:
        out = []
        for s in stmts:
            out.extend(self.stmt(s))
        return out

    def stmt(self, s) -> list:
        self.enter(s)
        try:
            conv = _STMT.get(type(s))
            if conv is None:
                return [ir.OpaqueStmt(*_at(s), f"{type(s).__name__} statement is not evaluated (line {s.lineno})")]
            return conv(self, s)
        finally:
            self.depth -= 1

    def s_import(self, s) -> list:
        if isinstance(s, ast.ImportFrom):
            for a in s.names:
                self.prog.imports[a.asname or a.name] = (s.module or "", a.name)
        else:
            for a in s.names:
                self.prog.imports[a.asname or a.name.split(".")[0]] = (a.name, "*")
        return []

    def s_assign(self, s) -> list:
        out = []
        v = self.expr(s.value)
        for t in s.targets:
            if isinstance(t, ast.Subscript) and not isinstance(t.slice, ast.Slice):
                out.append(ir.SetItem(*_at(s), self.expr(t.value), self.expr(t.slice), v))
            else:
                out.append(ir.Const(*_at(s), self.target(t), v, True))  # function-scoped, not block-scoped
        return out

    def s_annassign(self, s) -> list:
        if s.value is None:
            return [ir.OpaqueStmt(*_at(s), f"AnnAssign statement is not evaluated (line {s.lineno})")]
        return [ir.Const(*_at(s), self.target(s.target), self.expr(s.value), True)]

    def s_def(self, s) -> list:
        return [ir.Const(*_at(s), s.name, self.func(s))]

    def s_return(self, s) -> list:
        return [ir.Return(*_at(s), self.expr(s.value) if s.value is not None else None)]

    def s_if(self, s) -> list:
        return [ir.If(*_at(s), self.expr(s.test), self.block(s.body), self.block(s.orelse) if s.orelse else None)]

    def s_expr(self, s) -> list:
        if isinstance(s.value, ast.Constant) and isinstance(s.value.value, str):
            return []  # docstring
        return [ir.ExprStmt(*_at(s), self.expr(s.value))]

    def s_pass(self, s) -> list:
        return []

    def s_match(self, s) -> list:
        cases = []
        for c in s.cases:
            p = c.pattern
            if isinstance(p, ast.MatchValue) and c.guard is None:
                cases.append(ir.Case(self.expr(p.value), self.block(c.body) + [ir.Break(*_at(c))]))
            elif isinstance(p, ast.MatchAs) and p.pattern is None and c.guard is None:
                cases.append(ir.Case(None, self.block(c.body) + [ir.Break(*_at(c))]))
            else:
                return [ir.OpaqueStmt(*_at(s), f"match pattern is not evaluated (line {s.lineno})")]
        sw = ir.Switch(*_at(s), self.expr(s.subject), cases)
        ir.note_env_cases(self.prog, sw, "match case on ctx.environment")
        return [sw]

    def target(self, t) -> ir.Pattern:
        if isinstance(t, ast.Name):
            return t.id
        if isinstance(t, (ast.Tuple, ast.List)):
            self.enter(t)
            try:
                return ir.ArrPattern([self.target(e) for e in t.elts])
            finally:
                self.depth -= 1
        return f"<{type(t).__name__}>"

    def func(self, f) -> ir.Function:
        args = f.args
        params: list = []
        pos = list(args.posonlyargs) + list(args.args)
        defaults = [None] * (len(pos) - len(args.defaults)) + list(args.defaults)
        for a, d in list(zip(pos, defaults)) + list(zip(args.kwonlyargs, args.kw_defaults)):
            params.append(ir.Param(a.arg, self.expr(d) if d is not None else None))
        if isinstance(f, ast.Lambda):
            return ir.Function(*_at(f), params, self.expr(f.body), True)
        return ir.Function(*_at(f), params, self.block(f.body), False)

    # -- expressions ----------------------------------------------------------------------------------------
    def expr(self, n) -> ir.Node:
        if n is None:
            return ir.Lit(1, 1, None)
        self.enter(n)
        try:
            conv = _EXPR.get(type(n))
            return conv(self, n) if conv is not None else self.opaque(n, f"{type(n).__name__} is not evaluated")
        finally:
            self.depth -= 1

    def items(self, elts) -> list:
        return [ir.Spread(*_at(e), self.expr(e.value)) if isinstance(e, ast.Starred) else self.expr(e) for e in elts]

    def e_constant(self, n):
        v = n.value
        if isinstance(v, (str, int, float, bool)) or v is None:
            return ir.Lit(*_at(n), v)
        return self.opaque(n, f"{type(v).__name__} constant")

    def e_fstring(self, n):
        parts: list = []
        for v in n.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            elif isinstance(v, ast.FormattedValue):
                if v.format_spec is not None or v.conversion not in (-1, 115):
                    return self.opaque(n, "f-string formatting is not evaluated")
                parts.append(self.expr(v.value))
        return ir.Template(*_at(n), parts)

    def e_name(self, n):
        if n.id in ("True", "False", "None"):
            return ir.Lit(*_at(n), {"True": True, "False": False, "None": None}[n.id])
        return ir.Name(*_at(n), n.id)

    def e_attribute(self, n):
        return ir.Member(*_at(n), self.expr(n.value), n.attr)

    def e_subscript(self, n):
        if isinstance(n.slice, ast.Slice):
            return self.opaque(n, "slices are not evaluated")
        return ir.Index(*_at(n), self.expr(n.value), self.expr(n.slice))

    def e_call(self, n):
        args = self.items(n.args)
        kwargs = [ir.Kwarg(k.arg, self.expr(k.value), k.value.lineno if k.arg is None else k.lineno)
                  for k in n.keywords]
        call = ir.Call(*_at(n), self.expr(n.func), args, kwargs)
        ir.note_env_call(self.prog, call)
        return call

    def e_dict(self, n):
        items = []
        for k, v in zip(n.keys, n.values):
            if k is None:
                items.append(ir.SpreadProp(self.expr(v), v.lineno))
            elif isinstance(k, ast.Constant) and isinstance(k.value, (str, int)):
                items.append(ir.Prop(str(k.value), self.expr(v), k.lineno, k.col_offset + 1))
            else:
                items.append(ir.Prop(self.expr(k), self.expr(v), k.lineno, k.col_offset + 1))
        return ir.ObjectLit(*_at(n), items)

    def e_list(self, n):
        return ir.ArrayLit(*_at(n), self.items(n.elts))

    def e_ifexp(self, n):
        return ir.Cond(*_at(n), self.expr(n.test), self.expr(n.body), self.expr(n.orelse))

    def e_boolop(self, n):
        op = "&&" if isinstance(n.op, ast.And) else "||"
        cur = self.expr(n.values[0])
        for v in n.values[1:]:
            cur = ir.Binary(*_at(n), op, cur, self.expr(v))
        return cur

    def e_unaryop(self, n):
        if isinstance(n.op, ast.Not):
            return ir.Not(*_at(n), self.expr(n.operand))
        if isinstance(n.op, ast.USub):
            return ir.Neg(*_at(n), self.expr(n.operand))
        if isinstance(n.op, ast.UAdd):
            return self.expr(n.operand)
        return self.opaque(n, "operator is not evaluated")

    def e_binop(self, n):
        op = _BIN.get(type(n.op))
        if op is None:
            return self.opaque(n, "operator is not evaluated")
        return ir.Binary(*_at(n), op, self.expr(n.left), self.expr(n.right))

    def e_compare(self, n):
        parts = []
        left = self.expr(n.left)
        for op, right_n in zip(n.ops, n.comparators):
            o = _CMP.get(type(op))
            right = self.expr(right_n)
            if o is None:
                return self.opaque(n, "comparison is not evaluated")
            if o in ("===", "!=="):
                ir.note_env_comparison(self.prog, left, right)
            if o in ("in", "not in") and ir.is_env_expr(left) and isinstance(right, ir.ArrayLit):
                for it in right.items:
                    if ir.str_lit(it) is not None:
                        self.prog.env_mentions.append((it.value, it.line, "list of environments"))
            parts.append(ir.Binary(*_at(n), o, left, right))
            left = right
        cur = parts[0]
        for p in parts[1:]:
            cur = ir.Binary(*_at(n), "&&", cur, p)
        return cur

    def e_await(self, n):
        return self.expr(n.value)

    def e_namedexpr(self, n):
        return ir.Assign(*_at(n), n.target.id, self.expr(n.value))


_STMT = {ast.Assign: _Py.s_assign, ast.AnnAssign: _Py.s_annassign, ast.FunctionDef: _Py.s_def,
         ast.Return: _Py.s_return, ast.If: _Py.s_if, ast.Expr: _Py.s_expr, ast.Import: _Py.s_import,
         ast.ImportFrom: _Py.s_import, ast.Pass: _Py.s_pass, ast.Match: _Py.s_match}
_EXPR = {ast.Constant: _Py.e_constant, ast.JoinedStr: _Py.e_fstring, ast.Name: _Py.e_name,
         ast.Attribute: _Py.e_attribute, ast.Subscript: _Py.e_subscript, ast.Call: _Py.e_call, ast.Dict: _Py.e_dict,
         ast.List: _Py.e_list, ast.Tuple: _Py.e_list, ast.IfExp: _Py.e_ifexp, ast.BoolOp: _Py.e_boolop,
         ast.UnaryOp: _Py.e_unaryop, ast.BinOp: _Py.e_binop, ast.Compare: _Py.e_compare, ast.Lambda: _Py.func,
         ast.Await: _Py.e_await, ast.NamedExpr: _Py.e_namedexpr}


def _decorator_name(d) -> str:
    if isinstance(d, ast.Call):
        d = d.func
    if isinstance(d, ast.Name):
        return d.id
    if isinstance(d, ast.Attribute):
        return d.attr
    return ""


def parse_railway_py(text: str, path: str) -> tuple[ir.Program | None, list[Diagnostic]]:
    """``.railway/railway.py`` as an :class:`~.ir.Program` (parsed with :mod:`ast`, never executed); never raises."""
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as e:
        return None, [Diagnostic(path, e.lineno or 1, f"invalid Python syntax: {e.msg}", "error", (e.offset or 1))]
    except (ValueError, RecursionError, MemoryError) as e:
        return None, [Diagnostic(path, 1, f"cannot parse Python: {type(e).__name__}", "error")]
    conv = _Py(path)
    try:
        conv.module(tree)
    except TooDeep as e:
        return None, [Diagnostic(path, e.args[0], "nested too deeply to analyse; skipped", "error")]
    diags = []
    if conv.prog.main is None:
        diags.append(Diagnostic(path, 1, "no function decorated with @define_railway found; nothing to evaluate",
                                "warning"))
    return conv.prog, diags
