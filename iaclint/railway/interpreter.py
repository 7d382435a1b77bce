"""The interpreter: runs a :class:`~.ir.Program` once per Railway environment, never user code.

One method per IR node type, found through the ``_STMT`` / ``_EXPR`` tables.
Budgets: steps (``MAX_STEPS`` per environment), size (every string, array and
object it builds is charged to a :class:`~.values.Budget`; over it, the value
is an Unknown and the environment's result carries the first overflow as its
error, at its line), nesting (``MAX_EVAL_DEPTH``, a fixed cap, never Python's
recursion limit) and user function calls.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..terraform.values import Unknown
from . import ir, sdk
from .ir import SDK_MODULES
from .library import GLOBALS, METHODS
from .operators import binary
from .values import (MAX_TRAVERSAL, UNDEF, Budget, Builtin, Func, JSArr, JSObj, OverBudget, Ref, Scope, Walk,
                     js_str, merge, strict_eq, truthy)

MAX_STEPS = 200_000    # evaluation steps per environment
MAX_CALL_DEPTH = 40    # user function calls
MAX_EVAL_DEPTH = 250   # nested evaluation (expressions, statements, calls); deeper is an error, not a RecursionError
_GLOBAL_OBJECTS = ("Object", "JSON", "Array", "String", "Number", "Boolean", "Math")


@dataclass
class EvalResult:
    environment: str
    project: Any = None          # project name (str or Unknown)
    resources: list = field(default_factory=list)   # plain dicts, see sdk.plain_resource
    notes: list = field(default_factory=list)       # [(line, reason)] values that stayed unknown
    error: tuple | None = None                      # (line, reason) when nothing could be evaluated


class _Return(Exception):
    def __init__(self, value, line):
        self.value = value
        self.line = line


class _Break(Exception):
    pass


class _StepBudget(Exception):
    pass


class _TooDeep(Exception):
    pass


class Interpreter:
    def __init__(self, prog: ir.Program, env: str):
        self.prog = prog
        self.env = env
        self.steps = 0
        self.calls = 0
        self.call_depth = 0
        self.depth = 0
        self.notes: list = []
        self.ctx = sdk.Ctx(env)
        self.budget = Budget()

    def note(self, line, reason):
        if len(self.notes) < 200 and (line, reason) not in self.notes:
            self.notes.append((line, reason))

    def unknown(self, x, reason: str) -> Unknown:
        self.note(x.line, reason)
        return Unknown(reason)

    # -- budgets --------------------------------------------------------------------------------------------
    def tick(self):
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _StepBudget()

    def charge(self, n: int, x, total: int | None = None) -> Unknown | None:
        over = self.budget.charge(n, x.line, total)
        if over is not None:
            self.note(x.line, over.reason)
        return over

    def sized(self, n: int, x, make):
        """``make()`` when a value of size ``n`` fits the budget, else the Unknown that stands for it."""
        over = self.charge(n, x)
        return make() if over is None else over

    def to_str(self, v, x):
        try:
            return js_str(v)
        except OverBudget:
            return self.budget.over(x.line, f"a value converted to a string at line {x.line} has more than "
                                            f"{MAX_TRAVERSAL:,} parts, over iaclint's size budget; not evaluated")

    def merged(self, x, a: JSObj, b: JSObj, lines_from: JSObj | None = None):
        return self.sized(len(a) + len(b), x, lambda: merge(a, b, lines_from))

    # -- the program ----------------------------------------------------------------------------------------
    def run(self) -> EvalResult:
        res = EvalResult(self.env)
        glob = Scope()
        for local, (module, imported) in self.prog.imports.items():
            if module in SDK_MODULES or module.startswith("railway/"):
                glob.vars[local] = Builtin(imported) if imported not in ("*", "default") else Builtin("*module")
            else:
                glob.vars[local] = Unknown(f"{local!r} is imported from {module!r}, which iaclint does not read")
        try:
            self.exec_block(self.prog.body, glob)
            if self.prog.main is None:
                res.error = (1, "no `export default defineRailway(...)`")
                return res
            val, _ = self.ev(self.prog.main, glob)
            if isinstance(val, (Func, Builtin)) and not (isinstance(val, Builtin) and val.name == "*program"):
                val = self.call_value(val, [self.ctx, Builtin("project")], self.prog.main, [])
            if isinstance(val, Builtin) and val.name == "*program":
                val = self.call_value(val.this, [self.ctx, Builtin("project")], self.prog.main, [])
        except _Return as r:
            val = r.value
        except _StepBudget:
            res.error = (self.prog.main_line, "evaluation exceeded iaclint's step budget")
            res.notes = self.notes
            return res
        except _TooDeep as e:
            res.error = (e.args[0], "nested too deeply to evaluate")
            return res
        except RecursionError:  # a backstop: MAX_EVAL_DEPTH keeps the interpreter far below Python's limit
            res.error = (self.prog.main_line, "nested too deeply to evaluate")
            return res
        res.notes = self.notes
        if self.budget.exceeded is not None:
            res.error = self.budget.exceeded
            return res
        if isinstance(val, Unknown):
            res.error = (self.prog.main_line, val.reason)
            return res
        if not (isinstance(val, JSObj) and val.get("$project")):
            res.error = (self.prog.main_line, "defineRailway's function does not return project(...)")
            return res
        res.project = val.get("name")
        walk = Walk()
        for item, line in val["resources"]:
            if isinstance(item, sdk.Resource):
                try:
                    res.resources.append(sdk.plain_resource(item, walk))
                except OverBudget:
                    res.resources = []
                    res.error = (item.line, f"the evaluated project, up to the resource at line {item.line}, has "
                                            f"more than {MAX_TRAVERSAL:,} values, over iaclint's size budget; "
                                            f"not evaluated")
                    break
            elif isinstance(item, Unknown):
                self.note(line, f"a resource cannot be evaluated: {item.reason}")
        res.notes = self.notes
        return res

    # -- statements -----------------------------------------------------------------------------------------
    def exec_block(self, stmts, scope: Scope):
        for s in stmts:  # function declarations are hoisted
            if isinstance(s, ir.Const) and isinstance(s.value, ir.Function) and isinstance(s.target, str):
                scope.vars[s.target] = Func(s.value, scope)
        for s in stmts:
            self.exec(s, scope)

    def enter(self, node):
        """One step deeper: counts a step and the nesting (a fixed cap, never Python's recursion limit)."""
        self.tick()
        self.depth += 1
        if self.depth > MAX_EVAL_DEPTH:
            raise _TooDeep(node.line)

    def exec(self, s, scope: Scope):
        self.enter(s)
        try:
            run = _STMT.get(type(s))
            if run is not None:
                run(self, s, scope)
        finally:
            self.depth -= 1

    def s_const(self, s: ir.Const, scope: Scope):
        v, ln = self.ev(s.value, scope)
        if s.rebind and isinstance(s.target, str) and not isinstance(v, Func) and scope.set_existing(s.target, (v, ln)):
            return  # Python: assignment in an `if` block rebinds the function's variable
        self.bind(s.target, v, ln, scope, s)

    def s_setitem(self, s: ir.SetItem, scope: Scope):
        obj, _ = self.ev(s.obj, scope)
        key, _ = self.ev(s.key, scope)
        v, ln = self.ev(s.value, scope)
        if isinstance(obj, JSObj) and isinstance(key, str):
            if self.charge(1, s, total=len(obj) + 1) is None:
                obj.put(key, v, s.line, ln)
        elif isinstance(obj, JSArr) and isinstance(key, int) and 0 <= key < len(obj):
            obj[key] = v
        else:
            self.note(s.line, f"assignment to an item at line {s.line} is not evaluated")

    def s_return(self, s: ir.Return, scope: Scope):
        if s.value is None:
            raise _Return(UNDEF, s.line)
        v, ln = self.ev(s.value, scope)
        raise _Return(v, ln)

    def s_if(self, s: ir.If, scope: Scope):
        t, _ = self.ev(s.test, scope)
        tv = truthy(t)
        if isinstance(tv, Unknown):
            raise _Return(self.unknown(s, f"the `if` at line {s.line} depends on a value iaclint cannot know "
                                          f"({tv.reason})"), s.line)
        inner = scope if self.prog.lang == "py" else Scope(scope)  # Python blocks do not scope names
        if tv:
            self.exec_block(s.body, inner)
        elif s.orelse is not None:
            self.exec_block(s.orelse, inner)

    def s_block(self, s: ir.Block, scope: Scope):
        self.exec_block(s.body, Scope(scope))

    def s_expr(self, s: ir.ExprStmt, scope: Scope):
        self.ev(s.expr, scope)

    def s_switch(self, s: ir.Switch, scope: Scope):
        d, _ = self.ev(s.subject, scope)
        matched = False
        for case in s.cases:
            if not matched:
                if case.test is None:
                    continue
                tv, _ = self.ev(case.test, scope)
                eq = strict_eq(d, tv)
                if isinstance(eq, Unknown):
                    raise _Return(self.unknown(s, f"the `switch` at line {s.line} depends on a value iaclint "
                                                  f"cannot know ({eq.reason})"), s.line)
                matched = bool(eq)
            if matched and self.case_breaks(case, scope):
                return
        if not matched:  # from `default:` on
            for case in s.cases:
                matched = matched or case.test is None
                if matched and self.case_breaks(case, scope):
                    return

    def case_breaks(self, case: ir.Case, scope: Scope) -> bool:
        try:
            self.exec_block(case.body, Scope(scope))
        except _Break:
            return True
        return False

    def s_break(self, s: ir.Break, scope: Scope):
        raise _Break()

    def s_opaque(self, s: ir.OpaqueStmt, scope: Scope):
        self.note(s.line, s.reason)

    def bind(self, target, v, ln, scope: Scope, s):
        if isinstance(target, str):
            scope.vars[target] = (v, ln) if not isinstance(v, Func) else v
        elif isinstance(target, ir.ObjPattern):
            for key, sub in target.items:
                if isinstance(v, Unknown):
                    self.bind(sub, v, ln, scope, s)
                elif isinstance(v, JSObj):
                    self.bind(sub, v.get(key, UNDEF), v.val_lines.get(key, ln), scope, s)
                else:
                    self.bind(sub, self.member(v, key, s), ln, scope, s)
        elif isinstance(target, ir.ArrPattern):
            for i, sub in enumerate(target.items):
                if isinstance(v, JSArr) and i < len(v):
                    self.bind(sub, v[i], v.line_of(i, ln), scope, s)
                else:
                    self.bind(sub, v if isinstance(v, Unknown) else UNDEF, ln, scope, s)

    # -- expressions: every evaluation returns (value, line of the value's origin) --------------------------
    def ev(self, x, scope: Scope):
        self.enter(x)
        try:
            run = _EXPR.get(type(x))
            if run is None:
                return self.unknown(x, f"{type(x).__name__} is not evaluated"), x.line
            return run(self, x, scope)
        finally:
            self.depth -= 1

    def e_lit(self, x: ir.Lit, scope):
        return x.value, x.line

    def e_undef(self, x: ir.Undef, scope):
        return UNDEF, x.line

    def e_name(self, x: ir.Name, scope):
        try:
            v = scope.get(x.name)
        except KeyError:
            if x.name in sdk.HELPERS or x.name in _GLOBAL_OBJECTS:
                return Builtin(x.name), x.line
            if x.name == "process":
                return sdk.ProcessEnv(), x.line
            return self.unknown(x, f"{x.name!r} is not defined in the file"), x.line
        return v if isinstance(v, tuple) else (v, x.line)

    def e_template(self, x: ir.Template, scope):
        out = []
        for p in x.parts:
            if isinstance(p, str):
                out.append(p)
                continue
            v, _ = self.ev(p, scope)
            s = self.to_str(v, x)
            if isinstance(s, Unknown):
                return s, x.line
            out.append(s)
        return self.sized(sum(map(len, out)), x, lambda: "".join(out)), x.line

    def e_member(self, x: ir.Member, scope):
        o = x.obj
        if isinstance(o, ir.Member) and o.prop == "env" and isinstance(o.obj, ir.Name) and o.obj.name == "process":
            return self.unknown(x, f"process.env.{x.prop} is read when the Railway CLI evaluates the file"), x.line
        obj, ln = self.ev(o, scope)
        v = self.member(obj, x.prop, x)
        if isinstance(obj, JSObj) and x.prop in obj.val_lines:
            ln = obj.val_lines[x.prop]
        return v, ln if not isinstance(v, (Ref, sdk.Resource)) else x.line

    def e_index(self, x: ir.Index, scope):
        obj, ln = self.ev(x.obj, scope)
        idx, _ = self.ev(x.index, scope)
        if isinstance(idx, Unknown):
            return idx, x.line
        if isinstance(obj, JSArr) and isinstance(idx, (int, float)) and not isinstance(idx, bool):
            i = int(idx) if idx == idx and abs(idx) != float("inf") else -1
            if 0 <= i < len(obj):
                return obj[i], obj.line_of(i, x.line)
            return UNDEF, x.line
        key = self.to_str(idx, x)
        if isinstance(key, Unknown):
            return key, x.line
        v = self.member(obj, key, x)
        if isinstance(obj, JSObj) and key in obj.val_lines:
            ln = obj.val_lines[key]
        return v, ln

    def e_object(self, x: ir.ObjectLit, scope):
        over = self.charge(len(x.items), x)
        if over is not None:
            return over, x.line
        o = JSObj()
        for it in x.items:
            if isinstance(it, ir.Prop):
                key = it.key
                if not isinstance(key, str):
                    kv, _ = self.ev(key, scope)
                    key = self.to_str(kv, x)
                    if isinstance(key, Unknown):
                        self.note(it.line, f"computed property name: {key.reason}")
                        continue
                v, ln = self.ev(it.value, scope)
                o.put(key, v, it.line, ln)
                continue
            v, ln = self.ev(it.value, scope)
            if isinstance(v, JSObj):
                over = self.charge(len(v), x, total=len(o) + len(v))
                if over is not None:
                    return over, x.line
                for kk, vv in v.items():
                    o.put(kk, vv, v.key_lines.get(kk, it.line), v.val_lines.get(kk, it.line))
            elif isinstance(v, Unknown):
                key = f"...{it.line}"
                o.put(key, self.unknown(it.value, f"spread at line {it.line}: {v.reason}"), it.line, it.line)
        return o, x.line

    def e_array(self, x: ir.ArrayLit, scope):
        over = self.charge(len(x.items), x)
        if over is not None:
            return over, x.line
        a = JSArr()
        for it in x.items:
            if not isinstance(it, ir.Spread):
                a.add(*self.ev(it, scope))
                continue
            v, ln = self.ev(it.value, scope)
            if isinstance(v, JSArr):
                over = self.charge(len(v), x, total=len(a) + len(v))
                if over is not None:
                    return over, x.line
                a.add_all(v, ln)
            elif isinstance(v, Unknown):
                a.add(v, it.line)
            elif v is False or v is None or v is UNDEF:
                continue  # [...(cond && [x])] with a false condition: TypeError in JS; treat as nothing
            else:
                a.add(self.unknown(it, f"spread of a non-array at line {it.line}"), it.line)
        return a, x.line

    def e_cond(self, x: ir.Cond, scope):
        t, _ = self.ev(x.test, scope)
        tv = truthy(t)
        if isinstance(tv, Unknown):
            return self.unknown(x, f"the condition at line {x.line} cannot be known: {tv.reason}"), x.line
        return self.ev(x.then if tv else x.orelse, scope)

    def e_not(self, x: ir.Not, scope):
        v, _ = self.ev(x.operand, scope)
        tv = truthy(v)
        return (tv if isinstance(tv, Unknown) else (not tv)), x.line

    def e_neg(self, x: ir.Neg, scope):
        v, _ = self.ev(x.operand, scope)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return -v, x.line
        return (v if isinstance(v, Unknown) else Unknown("negation of a non-number")), x.line

    def e_func(self, x: ir.Function, scope):
        return Func(x, scope), x.line

    def e_assign(self, x: ir.Assign, scope):
        v, ln = self.ev(x.value, scope)
        if not scope.set_existing(x.name, (v, ln)):
            scope.vars[x.name] = (v, ln)
        return v, ln

    def e_spread(self, x: ir.Spread, scope):
        return self.ev(x.value, scope)

    def e_opaque(self, x: ir.Opaque, scope):
        return self.unknown(x, x.reason), x.line

    def member(self, obj, prop, x):
        if isinstance(obj, Unknown):
            return obj
        v = sdk.member(self, obj, prop, x)
        if v is not sdk.NOT_SDK:
            return v
        if isinstance(obj, JSObj):
            if prop in obj:
                return obj[prop]
            if self.prog.lang == "py" and prop in ("get", "items", "keys", "values"):
                return Builtin("dict." + prop, obj)
            return UNDEF
        if isinstance(obj, (JSArr, str)):
            if prop == "length":
                return len(obj)
            return Builtin(("array." if isinstance(obj, JSArr) else "string.") + prop, obj)
        if isinstance(obj, Builtin):
            return Builtin(prop if obj.name == "*module" else f"{obj.name}.{prop}")
        if obj is None or obj is UNDEF:
            return self.unknown(x, f"reading .{prop} of {'null' if obj is None else 'undefined'} at line {x.line}")
        return self.unknown(x, f".{prop} on this value is not evaluated")

    # -- calls ----------------------------------------------------------------------------------------------
    def e_call(self, x: ir.Call, scope):
        fv, _ = self.ev(x.func, scope)
        args: list = []
        lines: list = []
        for a in x.args:
            if isinstance(a, ir.Spread):
                v, ln = self.ev(a.value, scope)
                if isinstance(v, JSArr):
                    over = self.charge(len(v), x, total=len(args) + len(v))
                    if over is not None:
                        return over, x.line
                    args.extend(v)
                    lines.extend(v.item_lines or [ln] * len(v))
                    continue
            else:
                v, ln = self.ev(a, scope)
            args.append(v)
            lines.append(ln)
        kwargs = None
        if x.kwargs:
            kwargs = JSObj()
            for kw in x.kwargs:
                v, ln = self.ev(kw.value, scope)
                if kw.name is not None:
                    kwargs.put(kw.name, v, kw.line, ln)
                elif isinstance(v, JSObj):  # **spread
                    over = self.charge(len(v), x, total=len(kwargs) + len(v))
                    if over is not None:
                        return over, x.line
                    for kk, vv in v.items():
                        kwargs.put(kk, vv, v.key_lines.get(kk, kw.line), v.val_lines.get(kk, kw.line))
        return self.call_value(fv, args, x, lines, kwargs), x.line

    def call_value(self, fv, args, x, lines, kwargs=None):
        if isinstance(fv, Unknown):
            return fv
        if isinstance(fv, Func):
            return self.call_func(fv, args, x, lines, kwargs)
        if isinstance(fv, Builtin):
            return self.builtin(fv, args, x, lines, kwargs)
        return self.unknown(x, f"calling a non-function at line {x.line}")

    def call_func(self, f: Func, args, x, lines, kwargs=None):
        self.calls += 1
        if self.calls > MAX_CALL_DEPTH * 50:
            raise _StepBudget()
        if self.call_depth >= MAX_CALL_DEPTH:
            return self.unknown(x, "function calls nested too deeply")
        self.call_depth += 1
        try:
            scope = Scope(f.scope)
            for i, p in enumerate(f.x.params):
                v = args[i] if i < len(args) else UNDEF
                if kwargs is not None and isinstance(p.target, str) and p.target in kwargs:
                    v = kwargs[p.target]
                if v is UNDEF and p.default is not None:
                    v, _ = self.ev(p.default, f.scope)
                self.bind(p.target, v, lines[i] if i < len(lines) else x.line, scope, x)
            if f.x.expr_body:
                if f.x.body is None:
                    return UNDEF
                v, _ = self.ev(f.x.body, scope)
                return v
            try:
                self.exec_block(f.x.body, scope)
            except _Return as r:
                return r.value
            return UNDEF if self.prog.lang == "ts" else None
        finally:
            self.call_depth -= 1

    def builtin(self, b: Builtin, args, x, lines, kwargs):
        fn = sdk.HELPERS.get(b.name) or GLOBALS.get(b.name)
        if fn is not None:
            return fn(self, b, args, x, lines, kwargs)
        prefix, _, m = b.name.partition(".")
        if prefix in METHODS and isinstance(b.this, METHODS[prefix][0]):
            return METHODS[prefix][1](self, m, b.this, args, x, lines)
        return self.unknown(x, f"{b.name}() is not evaluated")


_STMT = {ir.Const: Interpreter.s_const, ir.SetItem: Interpreter.s_setitem, ir.Return: Interpreter.s_return,
         ir.If: Interpreter.s_if, ir.Block: Interpreter.s_block, ir.ExprStmt: Interpreter.s_expr,
         ir.Switch: Interpreter.s_switch, ir.Break: Interpreter.s_break, ir.OpaqueStmt: Interpreter.s_opaque}
_EXPR = {ir.Lit: Interpreter.e_lit, ir.Undef: Interpreter.e_undef, ir.Name: Interpreter.e_name,
         ir.Template: Interpreter.e_template, ir.Member: Interpreter.e_member, ir.Index: Interpreter.e_index,
         ir.Call: Interpreter.e_call, ir.ObjectLit: Interpreter.e_object, ir.ArrayLit: Interpreter.e_array,
         ir.Cond: Interpreter.e_cond, ir.Binary: binary, ir.Not: Interpreter.e_not,
         ir.Neg: Interpreter.e_neg, ir.Function: Interpreter.e_func, ir.Assign: Interpreter.e_assign,
         ir.Spread: Interpreter.e_spread, ir.Opaque: Interpreter.e_opaque}


def evaluate(prog: ir.Program, environment: str) -> EvalResult:
    """The project ``prog`` describes when the Railway CLI evaluates it for ``environment``; never raises."""
    try:
        return Interpreter(prog, environment).run()
    except (_StepBudget, RecursionError):
        r = EvalResult(environment)
        r.error = (prog.main_line, "evaluation exceeded iaclint's limits")
        return r
    except _Break:
        r = EvalResult(environment)
        r.error = (prog.main_line, "`break` outside a switch")
        return r
