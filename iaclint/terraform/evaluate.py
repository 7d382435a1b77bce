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

import sys
from typing import Any

from ..model import Diagnostic, Span
from ..parsers.hclast import (
    Binary, Call, Cond, ForExpr, Invalid, Lit, ObjectExpr, Postfix, Template, TemplateFor,
    TemplateIf, Traversal, TupleExpr, Unary,
)
from .operators import binary, unary
from .templates import parse_template
from .functions import (
    DEEP_TOLERANT, FUNCTIONS, UNKNOWN_TOLERANT, BudgetExceeded, FnError, check_size, iter_pairs, to_str,
)
from .values import (
    ALWAYS_SET, MAX_VALUE_SIZE, NODE_SIZE, Computed, EvalError, OverBudget, PartialString, Unknown, first_error,
    first_unknown, key_suffix, measure, plain, resource_source, truthy,
)

# Budgets of one evaluation (one attribute, local, output, variable default or tfvars value, with its own
# budget whatever evaluated it first). Nesting: ~4 Python frames per level, so the interpreter's stack is
# never the limit. Steps: one per expression node evaluated.
MAX_EVAL_DEPTH = 100
MAX_STEPS = 50_000
MAX_SCAN_STEPS = 20_000_000  # all evaluations of one scan (one Evaluator): ~1 minute at most
_MEMO_MIN = 64 * NODE_SIZE  # containers at least this large keep their measured size (referenced again: not re-walked)
_MEMO_MAX = 20_000
_INTERN_MAX = 1_000  # string values up to this size are interned
_new_tuple = tuple.__new__  # a Span from its fields' tuple, without NamedTuple's Python-level __new__


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


class _OutOfSteps(Exception):
    """Unwinds one evaluation that ran out of steps; carries its OverBudget value."""


class Resolver:
    """Answers references (var., local., module., resources, data...). Subclassed by the module expander."""

    def variable(self, name: str) -> Any:
        return Unknown(f"variable {name!r} has no value")

    def variable_origins(self, name: str) -> list[Span]:
        return []

    def local(self, name: str) -> Any:
        return EvalError(f"local {name!r} is not defined")

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
    """Evaluates expressions under budgets: nesting (MAX_EVAL_DEPTH), steps (MAX_STEPS) and the size of every
    value (MAX_VALUE_SIZE). Over a budget, the value is an :class:`OverBudget` Unknown and a diagnostic names
    the file and line; ``diagnostics`` collects them until the caller takes them."""

    def __init__(self):
        self.depth = 0
        self.steps = 0
        self.scan_steps = 0
        self.last_size = 0  # size of the value the last eval() returned
        self.diagnostics: list[Diagnostic] = []
        self._sizes: dict = {}  # id -> (container, size, depth): see values.measure
        self._origins: dict = {}  # origins tuple -> the equal one records hold (one per scan)

    def recorded_origins(self, e, scope: "Scope") -> tuple:
        """origins() as records keep them: the equal tuple an earlier record holds (every context and module
        instance of a block mostly sees the same lines)."""
        o = self.origins(e, scope)
        return self._origins.setdefault(o, o)

    @staticmethod
    def span(path: str, pos, full: bool = True) -> Span:
        """The Span of POS in PATH (header only when not FULL)."""
        return _new_tuple(Span, (path, pos.line, pos.col, pos.end_line, pos.end_col) if full else
                          (path, pos.line, pos.col, 0, 0))

    # -- public -----------------------------------------------------------------
    def eval(self, e, scope: Scope) -> Any:
        if type(e) is Lit:  # the commonest node, within every budget: the same accounting, without the frames
            steps = self.steps + 1 if self.depth else 1
            if steps <= MAX_STEPS and self.scan_steps < MAX_SCAN_STEPS and self.depth < MAX_EVAL_DEPTH:
                self.steps = steps
                self.scan_steps += 1
                return self._sized(e.value, e, scope)
        if self.depth == 0:  # a new evaluation: a fresh step budget
            self.steps = 0
        self.depth += 1
        self.steps += 1
        self.scan_steps += 1
        try:
            if self.scan_steps > MAX_SCAN_STEPS:
                raise _OutOfSteps(self._over(e, scope, f"the scan's evaluations took more than {MAX_SCAN_STEPS:,} "
                                                       "steps"))
            if self.depth > MAX_EVAL_DEPTH:
                return self._over(e, scope, f"expression nested deeper than {MAX_EVAL_DEPTH} levels")
            if self.steps > MAX_STEPS:
                raise _OutOfSteps(self._over(e, scope, f"evaluation took more than {MAX_STEPS:,} steps"))
            v = self._eval(e, scope)
        except _OutOfSteps as ex:  # the whole evaluation stops: its value is unknown, not a partial one
            if self.depth > 1:
                raise
            return ex.args[0]
        except BudgetExceeded as ex:
            return self._over(e, scope, str(ex))
        except FnError as ex:  # e.g. a for expression over a number: Terraform rejects it
            return EvalError(f"invalid expression: {ex}")
        finally:
            self.depth -= 1
        return self._sized(v, e, scope)

    def eval_own(self, e, scope: Scope) -> Any:
        """Evaluate E with budgets of its own, even from inside another evaluation (a local or a resource
        resolved on first reference): its value does not depend on what referenced it first."""
        saved = (self.depth, self.steps)
        self.depth = 0
        try:
            return self.eval(e, scope)
        finally:
            self.depth, self.steps = saved

    def take_diagnostics(self) -> list[Diagnostic]:
        out, self.diagnostics = self.diagnostics, []
        return out

    def _sized(self, v, e, scope):
        t = type(v)
        if t is str:
            n = NODE_SIZE + len(v)
            if n > MAX_VALUE_SIZE:
                return self._over(e, scope, f"value larger than the size budget ({MAX_VALUE_SIZE:,} units)")
            if n < _INTERN_MAX:  # the same name or region in every instance's attributes: one object
                v = sys.intern(v)
        elif t is list or t is dict:
            m = measure(v, MAX_VALUE_SIZE, self._sizes)
            if m is None:
                return self._over(e, scope, f"value larger than the size budget ({MAX_VALUE_SIZE:,} units) "
                                            "or nested too deeply")
            n = m[0]
            if n >= _MEMO_MIN:
                if len(self._sizes) >= _MEMO_MAX:
                    self._sizes.clear()
                self._sizes[id(v)] = (v, n, m[1])
        else:
            n = NODE_SIZE
        self.last_size = n
        return v

    def _over(self, e, scope, why: str) -> OverBudget:
        line = e.pos.line if hasattr(e, "pos") else 1
        self.diagnostics.append(Diagnostic(scope.path, line, f"evaluation stopped: {why}; the value is treated "
                                                             "as unknown", "warning"))
        self.last_size = NODE_SIZE
        return OverBudget(f"{why} (at {scope.path}:{line})")

    def origins(self, e, scope: Scope, depth: int = 0) -> tuple:
        """Where the value of ``e`` was set, most upstream (the fix site) first: a tuple of Spans."""
        here = (self.span(scope.path, e.pos),) if hasattr(e, "pos") else ()
        if depth > MAX_EVAL_DEPTH:
            return here
        r = scope.resolver
        if isinstance(e, Traversal) and r is not None:
            if e.root == "var" and e.steps and e.steps[0][0] == "attr":
                return tuple(r.variable_origins(e.steps[0][1])) + here
            if e.root == "local" and e.steps and e.steps[0][0] == "attr":
                return tuple(r.local_origins(e.steps[0][1], self)) + here
        if isinstance(e, Cond):
            c = truthy(self.eval(e.cond, scope))
            if c is True:
                return self.origins(e.then, scope, depth + 1)
            if c is False:
                return self.origins(e.else_, scope, depth + 1)
        if isinstance(e, Call) and e.name in ("try", "coalesce", "tobool", "tostring", "tonumber") and e.args:
            return self.origins(e.args[0], scope, depth + 1)
        return here

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
                if isinstance(c, (EvalError, OverBudget)):
                    return c
                if isinstance(c, Unknown):
                    return Unknown(f"condition unknown: {c.reason}")
                return Unknown("condition is not a bool")
            return self.eval(e.then if tv else e.else_, scope)
        if t is TupleExpr:
            items = []
            size = NODE_SIZE
            for x in e.items:
                items.append(self.eval(x, scope))
                size += self.last_size
                check_size(size, "list")
            return items
        if t is ObjectExpr:
            out = {}
            size = NODE_SIZE
            for k, v in e.items:
                kv = self.eval(k, scope)
                if isinstance(kv, Unknown):
                    return Unknown(f"object key unknown: {kv.reason}")
                out[to_str(kv)] = self.eval(v, scope)
                size += self.last_size + NODE_SIZE
                check_size(size, "object")
            return out
        if t is ForExpr:
            return self._for(e, scope)
        if t is Invalid:
            return Unknown(f"invalid expression {e.text[:40]!r}")
        return Unknown("unsupported expression")

    # -- pieces -------------------------------------------------------------------
    def _template(self, parts, scope, single=False):
        """A string, or a PartialString keeping the known text around unknown parts."""
        if single:
            return self.eval(parts[0], scope)
        out: list = []  # str or Unknown
        size = 0
        for p in parts:
            if isinstance(p, str):
                v = p
            elif isinstance(p, TemplateIf):
                c = self.eval(p.cond, scope)
                tv = truthy(c)
                if tv is None:
                    v = c if isinstance(c, (EvalError, OverBudget)) else Unknown("template condition unknown")
                else:
                    v = self._template(p.then if tv else p.else_, scope)
            elif isinstance(p, TemplateFor):
                v = self.eval(p.coll, scope)
                if not isinstance(v, Unknown):
                    pieces = []
                    for k, x in iter_pairs(v):
                        b = {p.val_var: x}
                        if p.key_var:
                            b[p.key_var] = k
                        piece = self._template(p.body, scope.child(b))
                        if isinstance(piece, (EvalError, OverBudget)):
                            return piece
                        pieces.append(piece)
                        size += len(piece) if isinstance(piece, str) else 0
                        check_size(size, "string template")
                    v = self._join(pieces)
            else:
                v = self.eval(p, scope)
                if isinstance(v, (dict, list)):
                    v = EvalError("cannot interpolate a collection into a string")
                elif not isinstance(v, Unknown):
                    v = to_str(v)
            if isinstance(v, (EvalError, OverBudget)):
                return v
            out.append(v)
            if isinstance(v, str):
                size += len(v)
                check_size(size, "string template")
        return self._join(out)

    @staticmethod
    def _join(pieces: list):
        """PIECES (str or Unknown) as one string, or a PartialString when some are unknown; an unknown
        with no known text around it stays the plain Unknown."""
        frags: list = []
        unknown = None
        for x in pieces:
            if isinstance(x, Unknown):
                if unknown is None:
                    unknown = plain(x)
                frags.extend(x.fragments if isinstance(x, PartialString) else [None])
            else:
                frags.append(x)
        if unknown is None:
            return "".join(frags)
        if all(f is None or f == "" for f in frags):
            return unknown
        head = pieces[0] if pieces else None
        return PartialString(unknown.reason, frags, head.source if isinstance(head, Computed) else None)

    def _traversal(self, e: Traversal, scope: Scope):
        found, val = scope.lookup_binding(e.root)
        if found:
            return self._apply_steps(val, e.steps, scope, "each" if e.root != "count" else "count")
        r = scope.resolver
        steps = e.steps
        if r is None:
            return EvalError(f"{e.root} is not available here")
        root = e.root
        if root == "var":
            if not steps or steps[0][0] != "attr":
                return Unknown("bad var reference")
            v = r.variable(steps[0][1])
            return self._apply_steps(v, steps[1:], scope, f"var.{steps[0][1]}") if len(steps) > 1 else v
        if root == "local":
            if not steps or steps[0][0] != "attr":
                return Unknown("bad local reference")
            v = r.local(steps[0][1])
            return self._apply_steps(v, steps[1:], scope, f"local.{steps[0][1]}") if len(steps) > 1 else v
        if root == "module":
            if not steps or steps[0][0] != "attr":
                return Unknown("bad module reference")
            v = r.module_output(steps[0][1])
            return self._apply_steps(v, steps[1:], scope, f"module.{steps[0][1]}") if len(steps) > 1 else v
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
        """VAL after STEPS. A missing attribute or key of a value known in full (variables, locals, module
        outputs, each/count and for-expression variables), a bad index or reading into a non-collection is an
        EvalError: Terraform rejects it."""
        for st in steps:
            if isinstance(val, Unknown):
                return plain(val)
            kind = st[0]
            if kind == "attr":
                name = st[1]
                if isinstance(val, dict):
                    if name in val:
                        val = val[name]
                    elif what.startswith(("var.", "local.", "each", "module.")):
                        # variables, locals and module outputs are fully known values: absence is certain
                        return EvalError(f"attribute {name!r} not in {what}")
                    elif name in ALWAYS_SET:
                        return Computed(f"{what}.{name} is known after apply", resource_source(what, scope.resolver))
                    else:
                        return Unknown(f"{what}.{name} is not set in the configuration (computed or absent)")
                else:
                    return EvalError(f"cannot read attribute {name!r} of {type(val).__name__}")
                what = f"{what}.{name}"
            elif kind == "index":
                k = self.eval(st[1], scope)
                if isinstance(k, Unknown):
                    return plain(k)
                if isinstance(val, list):
                    try:
                        val = val[int(k)]
                    except (ValueError, TypeError, IndexError):
                        return EvalError(f"index {k!r} out of range for {what}")
                elif isinstance(val, dict):
                    ks = to_str(k)
                    if ks in val:
                        val = val[ks]
                    else:
                        return EvalError(f"key {ks!r} not in {what}")
                else:
                    return EvalError(f"cannot index {type(val).__name__}")
                what = f"{what}{key_suffix(k)}"
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
        if isinstance(coll, (EvalError, OverBudget)):
            return coll
        if isinstance(coll, Unknown):
            return Unknown(f"for expression over unknown collection: {coll.reason}")
        if coll is None:
            return Unknown("for expression over null")
        out_list = []
        out_obj: dict = {}
        size = NODE_SIZE
        for k, v in iter_pairs(coll):
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
                kk = to_str(kk)
                size += self.last_size + NODE_SIZE + len(kk)
                if e.grouping:
                    out_obj.setdefault(kk, []).append(vv)
                else:
                    out_obj[kk] = vv
            else:
                out_list.append(self.eval(e.value, s))
                size += self.last_size
            check_size(size, "for expression")
        return out_obj if e.is_object else out_list

    def _unary(self, e: Unary, scope):
        return unary(e.op, self.eval(e.expr, scope))

    def _binary(self, e: Binary, scope):
        op = e.op
        if op in ("&&", "||"):  # short-circuit: the right operand is evaluated only when it decides
            lx = self.eval(e.left, scope)
            if isinstance(lx, (EvalError, OverBudget)):
                return lx
            lv = truthy(lx)
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
        return binary(op, self.eval(e.left, scope), self.eval(e.right, scope))

    def _call(self, e: Call, scope):
        name = e.name
        if "::" in name:  # provider-defined functions
            return Unknown(f"provider function {name} runs in the provider")
        if name in ("try", "can"):
            return self._try_can(name, e.args, scope)
        args = [plain(self.eval(a, scope)) for a in e.args]
        if e.expand and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return last
            if isinstance(last, list):
                args.extend(last)
        err = next((a for a in args if isinstance(a, (EvalError, OverBudget))), None)
        if err is not None:  # an argument fails: the call fails
            return err
        fn = FUNCTIONS.get(name)
        if name == "file" or name == "templatefile" or name == "fileexists":
            return self._file_fn(name, args, scope)
        if fn is None:
            return Unknown(f"function {name}() is not evaluated")
        if name not in UNKNOWN_TOLERANT:
            u = next((a for a in args if isinstance(a, Unknown)), None)
            if u is not None:
                return u
            if name not in DEEP_TOLERANT:
                for a in args:
                    fu = first_unknown(a)
                    if fu is not None:
                        return plain(fu)
        try:
            return fn(*args)
        except BudgetExceeded:
            raise
        except FnError as ex:  # Terraform's function fails too: can() is false, try() falls back
            return EvalError(f"{name}(): {ex}")
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, RecursionError) as ex:
            return Unknown(f"{name}() could not be evaluated: {type(ex).__name__}")

    def _try_can(self, name, exprs, scope):
        """Terraform's try() and can(): an argument that fails (EvalError, also nested) is false / skipped; one
        not known in full gives an unknown result, since whether it fails is not known yet. Over budget is
        not a failure Terraform would see: it stays unknown."""
        for a in exprs:
            v = self.eval(a, scope)
            err = first_error(v)
            if isinstance(err, OverBudget):
                return err
            if err is None:
                u = None if isinstance(v, Computed) else first_unknown(v)  # a computed id/arn never fails
                if u is not None:
                    return Unknown(f"{name}(): {u.reason}")
                return True if name == "can" else v
            if name == "can":
                return False
        if not exprs:
            return EvalError(f"{name}() needs an argument")
        return EvalError("no argument of try() could be evaluated")

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
        # templatefile(): rendered with its variables only (no var./local.), in this evaluation's budgets
        t, variables = parse_template(content), args[1] if len(args) > 1 else {}
        if isinstance(t, OverBudget):
            raise BudgetExceeded(t.reason)
        if isinstance(t, Unknown) or isinstance(variables, Unknown):
            return plain(t if isinstance(t, Unknown) else variables)
        if not isinstance(variables, dict):
            return EvalError("templatefile() variables must be an object")
        return self._template(t.parts, Scope(path=scope.path, bindings=dict(variables)))
