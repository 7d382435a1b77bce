"""TypeScript front end: ``.railway/railway.ts`` (tree-sitter-typescript) -> the IR of :mod:`.ir`.

Nothing is executed.  Each tree-sitter node type has one converter method,
found through the ``_STMT`` / ``_EXPR`` tables; syntax nesting deeper than
:data:`~.ir.MAX_NESTING` is a diagnostic, never a RecursionError.
"""
from __future__ import annotations

import re
from functools import cache
from typing import Any

from ..model import Diagnostic
from ..terraform.values import Unknown
from . import ir
from .ir import MAX_NESTING, TooDeep

_SKIPPED = ("comment", "empty_statement", "type_alias_declaration", "interface_declaration", "ambient_declaration",
            "hash_bang_line")
_ESC = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f", "v": "\v"}


@cache
def _parser():
    import tree_sitter
    import tree_sitter_typescript

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_typescript()))


def _unescape(s: str) -> str:
    def rep(m):
        e = m.group(1)
        if e[0] in _ESC:
            return _ESC[e[0]]
        if e[0] in "ux":
            try:
                return chr(int(e[1:].strip("{}"), 16))
            except ValueError:
                return e
        return e

    return re.sub(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", rep, s, flags=re.S)


def _line(n) -> int:
    return n.start_point[0] + 1


class _TS:
    def __init__(self, src: bytes, path: str):
        self.src = src
        self.path = path
        self.diags: list[Diagnostic] = []
        self.depth = 0
        self.prog = ir.Program(path, "ts")

    def text(self, n) -> str:
        return self.src[n.start_byte:n.end_byte].decode("utf-8", "replace")

    @staticmethod
    def at(n) -> tuple[int, int]:
        return n.start_point[0] + 1, n.start_point[1] + 1

    def opaque(self, n, why: str) -> ir.Opaque:
        return ir.Opaque(*self.at(n), f"{why} (line {_line(n)})")

    def enter(self, n):
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise TooDeep(_line(n))

    # -- statements -----------------------------------------------------------------------------------------
    def program(self, root):
        for c in root.named_children:
            self.prog.body.extend(self.stmt(c))

    def block(self, n) -> list:
        if n is None:
            return []
        if n.type != "statement_block":
            return self.stmt(n)
        out = []
        for c in n.named_children:
            out.extend(self.stmt(c))
        return out

    def stmt(self, n) -> list:
        if n.type in _SKIPPED:
            return []
        self.enter(n)
        try:
            conv = _STMT.get(n.type)
            if conv is None:
                return [ir.OpaqueStmt(*self.at(n), f"{n.type.replace('_', ' ')} is not evaluated (line {_line(n)})")]
            return conv(self, n)
        finally:
            self.depth -= 1

    def s_import(self, n) -> list:
        src = n.child_by_field_name("source")
        module = self.str_of(src) if src is not None else ""
        for c in n.named_children:
            if c.type != "import_clause":
                continue
            for cc in c.named_children:
                if cc.type == "identifier":  # default import
                    self.prog.imports[self.text(cc)] = (module, "default")
                elif cc.type == "namespace_import":
                    ids = [x for x in cc.named_children if x.type == "identifier"]
                    if ids:
                        self.prog.imports[self.text(ids[-1])] = (module, "*")
                elif cc.type == "named_imports":
                    for spec in cc.named_children:
                        name = spec.child_by_field_name("name") if spec.type == "import_specifier" else None
                        if name is not None:
                            alias = spec.child_by_field_name("alias")
                            self.prog.imports[self.text(alias or name)] = (module, self.text(name))
        return []

    def s_export(self, n) -> list:
        decl = n.child_by_field_name("declaration")
        if decl is not None:
            return self.stmt(decl)
        val = n.child_by_field_name("value")
        if val is not None and any(c.type == "default" for c in n.children):
            self.prog.main = self.expr(val)
            self.prog.main_line = _line(n)
        return []

    def s_declaration(self, n) -> list:
        out = []
        for d in n.named_children:
            if d.type != "variable_declarator":
                continue
            name = d.child_by_field_name("name")
            val = d.child_by_field_name("value")
            e = self.expr(val) if val is not None else ir.Lit(*self.at(d), None)
            if name is not None:
                out.append(ir.Const(*self.at(d), self.pattern(name), e))
        return out

    def s_function(self, n) -> list:
        name = n.child_by_field_name("name")
        return [ir.Const(*self.at(n), self.text(name) if name else "", self.func(n))]

    def s_return(self, n) -> list:
        val = n.named_children[0] if n.named_children else None
        return [ir.Return(*self.at(n), self.expr(val) if val is not None else None)]

    def s_if(self, n) -> list:
        alt = n.child_by_field_name("alternative")
        alt_stmts = None
        if alt is not None:
            alt_stmts = []
            for c in alt.named_children:
                alt_stmts.extend(self.stmt(c))
        return [ir.If(*self.at(n), self.expr(n.child_by_field_name("condition")),
                      self.block(n.child_by_field_name("consequence")), alt_stmts)]

    def s_block(self, n) -> list:
        return [ir.Block(*self.at(n), self.block(n))]

    def s_expression(self, n) -> list:
        c = n.named_children[0] if n.named_children else None
        return [] if c is None else [ir.ExprStmt(*self.at(n), self.expr(c))]

    def s_switch(self, n) -> list:
        body = n.child_by_field_name("body")
        cases = []
        for c in (body.named_children if body is not None else []):
            if c.type not in ("switch_case", "switch_default"):
                continue
            v = c.child_by_field_name("value") if c.type == "switch_case" else None
            stmts = []
            for s in c.named_children:
                if s != v and s.type != "comment":
                    stmts.extend(self.stmt(s))
            cases.append(ir.Case(self.expr(v) if v is not None else None, stmts))
        sw = ir.Switch(*self.at(n), self.expr(n.child_by_field_name("value")), cases)
        ir.note_env_cases(self.prog, sw, "switch case on ctx.environment")
        return [sw]

    def s_break(self, n) -> list:
        return [ir.Break(*self.at(n))]

    def s_error(self, n) -> list:
        self.error(n)
        return []

    def pattern(self, n) -> ir.Pattern:
        """A binding target: a name, an object pattern or an array pattern."""
        self.enter(n)
        try:
            if n.type == "object_pattern":
                items = []
                for c in n.named_children:
                    if c.type == "shorthand_property_identifier_pattern":
                        items.append((self.text(c), self.text(c)))
                    elif c.type == "pair_pattern":
                        items.append((self.key_text(c.child_by_field_name("key")),
                                      self.pattern(c.child_by_field_name("value"))))
                    elif c.type == "object_assignment_pattern":
                        left = c.child_by_field_name("left")
                        if left is not None:
                            items.append((self.text(left), self.text(left)))
                return ir.ObjPattern(items)
            if n.type == "array_pattern":
                return ir.ArrPattern([self.pattern(c) for c in n.named_children])
            return self.text(n)
        finally:
            self.depth -= 1

    def func(self, n) -> ir.Function:
        params = []
        ps = n.child_by_field_name("parameters") or n.child_by_field_name("parameter")
        if ps is not None:
            if ps.type == "identifier":
                params.append(ir.Param(self.text(ps)))
            else:
                for p in ps.named_children:
                    pat = p.child_by_field_name("pattern") if p.type in ("required_parameter",
                                                                        "optional_parameter") else p
                    dflt = p.child_by_field_name("value")
                    params.append(ir.Param(self.pattern(pat) if pat is not None else "",
                                           self.expr(dflt) if dflt is not None else None))
        body = n.child_by_field_name("body")
        if body is not None and body.type == "statement_block":
            return ir.Function(*self.at(n), params, self.block(body), False)
        return ir.Function(*self.at(n), params, self.expr(body) if body is not None else None, True)

    def error(self, n):
        snippet = self.text(n).strip().splitlines()[0][:60] if self.text(n).strip() else ""
        self.diags.append(Diagnostic(self.path, _line(n), f"invalid TypeScript syntax near {snippet!r}", "error",
                                     n.start_point[1] + 1))

    # -- expressions ----------------------------------------------------------------------------------------
    def str_of(self, n) -> str:
        return "".join(_unescape(self.text(c)) if c.type == "escape_sequence" else self.text(c)
                       for c in n.named_children)

    def key_text(self, k) -> Any:
        if k is None:
            return ""
        if k.type == "string":
            return self.str_of(k)
        if k.type == "computed_property_name":
            inner = k.named_children[0] if k.named_children else None
            return self.expr(inner) if inner is not None else ""
        return self.text(k)

    def expr(self, n) -> ir.Node:
        if n is None:
            return ir.Lit(1, 1, None)
        self.enter(n)
        try:
            conv = _EXPR.get(n.type)
            return conv(self, n) if conv is not None else self.opaque(n, f"{n.type.replace('_', ' ')} is not evaluated")
        finally:
            self.depth -= 1

    def e_string(self, n):
        return ir.Lit(*self.at(n), self.str_of(n))

    def e_number(self, n):
        s = self.text(n).replace("_", "")
        try:
            v: Any = int(s, 0) if re.fullmatch(r"0[xob][0-9a-f]+|\d+", s, re.I) else float(s)
        except ValueError:
            v = Unknown(f"number {s!r}")
        return ir.Lit(*self.at(n), v)

    def e_bool(self, n):
        return ir.Lit(*self.at(n), n.type == "true")

    def e_null(self, n):
        return ir.Lit(*self.at(n), None)

    def e_undefined(self, n):
        return ir.Undef(*self.at(n))

    def e_template(self, n):
        parts: list = []
        for c in n.named_children:
            if c.type == "string_fragment":
                parts.append(self.text(c))
            elif c.type == "escape_sequence":
                parts.append(_unescape(self.text(c)))
            elif c.type == "template_substitution":
                parts.append(self.expr(c.named_children[0] if c.named_children else None))
        return ir.Template(*self.at(n), parts)

    def e_identifier(self, n):
        name = self.text(n)
        return ir.Undef(*self.at(n)) if name == "undefined" else ir.Name(*self.at(n), name)

    def e_this(self, n):
        return self.opaque(n, f"`{n.type}` is not evaluated")

    def e_last_child(self, n):  # (a, b) and a, b: the last expression
        inner = [c for c in n.named_children if c.type != "comment"]
        return self.expr(inner[-1]) if inner else ir.Undef(*self.at(n))

    def e_type_wrapper(self, n):  # x as T, x satisfies T, x!, <T>x
        inner = [c for c in n.named_children if "type" not in c.type]
        return self.expr(inner[0]) if inner else ir.Undef(*self.at(n))

    def e_await(self, n):
        return self.expr(n.named_children[0] if n.named_children else None)

    def e_member(self, n):
        prop = n.child_by_field_name("property")
        return ir.Member(*self.at(n), self.expr(n.child_by_field_name("object")),
                         self.text(prop) if prop is not None else "")

    def e_subscript(self, n):
        return ir.Index(*self.at(n), self.expr(n.child_by_field_name("object")),
                        self.expr(n.child_by_field_name("index")))

    def e_call(self, n):
        args = n.child_by_field_name("arguments")
        if args is not None and args.type == "template_string":
            return self.opaque(n, "tagged template is not evaluated")
        arg_x = []
        for a in (args.named_children if args is not None else []):
            if a.type == "spread_element":
                arg_x.append(ir.Spread(*self.at(a), self.expr(a.named_children[0])))
            elif a.type != "comment":
                arg_x.append(self.expr(a))
        call = ir.Call(*self.at(n), self.expr(n.child_by_field_name("function")), arg_x)
        ir.note_env_call(self.prog, call)
        f = call.func  # ["staging", "production"].includes(ctx.environment)
        if isinstance(f, ir.Member) and f.prop == "includes" and isinstance(f.obj, ir.ArrayLit) and call.args \
                and ir.is_env_expr(call.args[0]):
            for it in f.obj.items:
                if ir.str_lit(it) is not None:
                    self.prog.env_mentions.append((it.value, it.line, "list of environments"))
        return call

    def e_new(self, n):
        return self.opaque(n, "`new` is not evaluated")

    def e_object(self, n):
        items = []
        for c in n.named_children:
            line, col = self.at(c)
            if c.type == "pair":
                items.append(ir.Prop(self.key_text(c.child_by_field_name("key")),
                                     self.expr(c.child_by_field_name("value")), line, col))
            elif c.type == "shorthand_property_identifier":
                nm = self.text(c)
                items.append(ir.Prop(nm, ir.Name(line, col, nm), line, col))
            elif c.type == "spread_element":
                items.append(ir.SpreadProp(self.expr(c.named_children[0] if c.named_children else None), line))
            elif c.type == "method_definition":
                items.append(ir.Prop(self.key_text(c.child_by_field_name("name")), self.func(c), line, col))
            elif c.type == "ERROR":
                self.error(c)
        return ir.ObjectLit(*self.at(n), items)

    def e_array(self, n):
        items = []
        for c in n.named_children:
            if c.type == "spread_element":
                items.append(ir.Spread(*self.at(c), self.expr(c.named_children[0] if c.named_children else None)))
            elif c.type != "comment":
                items.append(self.expr(c))
        return ir.ArrayLit(*self.at(n), items)

    def e_ternary(self, n):
        return ir.Cond(*self.at(n), self.expr(n.child_by_field_name("condition")),
                       self.expr(n.child_by_field_name("consequence")),
                       self.expr(n.child_by_field_name("alternative")))

    def e_binary(self, n):
        op = n.child_by_field_name("operator")
        left = self.expr(n.child_by_field_name("left"))
        right = self.expr(n.child_by_field_name("right"))
        opt = self.text(op) if op is not None else "?"
        if opt in ("===", "==", "!==", "!="):
            ir.note_env_comparison(self.prog, left, right)
        return ir.Binary(*self.at(n), opt, left, right)

    def e_unary(self, n):
        op = n.child_by_field_name("operator")
        arg = self.expr(n.child_by_field_name("argument"))
        o = self.text(op) if op is not None else ""
        if o == "!":
            return ir.Not(*self.at(n), arg)
        if o == "-":
            return ir.Neg(*self.at(n), arg)
        if o == "+":
            return arg
        return self.opaque(n, "typeof is not evaluated" if o == "typeof" else f"operator {o} is not evaluated")

    def e_assignment(self, n):
        left = n.child_by_field_name("left")
        if left is not None and left.type == "identifier":
            return ir.Assign(*self.at(n), self.text(left), self.expr(n.child_by_field_name("right")))
        return self.opaque(n, "assignment to a property is not evaluated")

    def e_error(self, n):
        self.error(n)
        return self.opaque(n, "invalid syntax")


_STMT = {
    "import_statement": _TS.s_import, "export_statement": _TS.s_export,
    "lexical_declaration": _TS.s_declaration, "variable_declaration": _TS.s_declaration,
    "function_declaration": _TS.s_function, "generator_function_declaration": _TS.s_function,
    "return_statement": _TS.s_return, "if_statement": _TS.s_if, "statement_block": _TS.s_block,
    "expression_statement": _TS.s_expression, "switch_statement": _TS.s_switch, "break_statement": _TS.s_break,
    "ERROR": _TS.s_error,
}
_EXPR = {
    "string": _TS.e_string, "number": _TS.e_number, "true": _TS.e_bool, "false": _TS.e_bool, "null": _TS.e_null,
    "undefined": _TS.e_undefined, "template_string": _TS.e_template, "identifier": _TS.e_identifier,
    "this": _TS.e_this, "super": _TS.e_this, "parenthesized_expression": _TS.e_last_child,
    "sequence_expression": _TS.e_last_child, "as_expression": _TS.e_type_wrapper,
    "satisfies_expression": _TS.e_type_wrapper, "non_null_expression": _TS.e_type_wrapper,
    "type_assertion": _TS.e_type_wrapper, "await_expression": _TS.e_await, "member_expression": _TS.e_member,
    "subscript_expression": _TS.e_subscript, "call_expression": _TS.e_call, "new_expression": _TS.e_new,
    "object": _TS.e_object, "array": _TS.e_array, "ternary_expression": _TS.e_ternary,
    "binary_expression": _TS.e_binary, "unary_expression": _TS.e_unary, "arrow_function": _TS.func,
    "function_expression": _TS.func, "function": _TS.func, "generator_function": _TS.func,
    "assignment_expression": _TS.e_assignment, "ERROR": _TS.e_error,
}


def _first_error(root, path: str) -> Diagnostic | None:
    stack = [root]
    n_seen = 0
    while stack and n_seen < 500000:
        n_seen += 1
        n = stack.pop()
        if n.is_missing:
            return Diagnostic(path, _line(n), f"invalid TypeScript syntax: missing {n.type!r}", "error",
                              n.start_point[1] + 1)
        if n.type == "ERROR":
            return Diagnostic(path, _line(n), "invalid TypeScript syntax", "error", n.start_point[1] + 1)
        if n.has_error:
            stack.extend(reversed(n.children))
    return None


def parse_railway_ts(src: bytes, path: str) -> tuple[ir.Program | None, list[Diagnostic]]:
    """The file as an :class:`~.ir.Program`, and diagnostics (syntax errors keep their line; never raises)."""
    try:
        tree = _parser().parse(src)
    except Exception as e:  # pragma: no cover - tree-sitter failure on odd input
        return None, [Diagnostic(path, 1, f"cannot parse TypeScript: {e}", "error")]
    conv = _TS(src, path)
    try:
        conv.program(tree.root_node)
    except TooDeep as e:
        return None, [Diagnostic(path, e.args[0], "nested too deeply to analyse; skipped", "error")]
    if tree.root_node.has_error and not conv.diags:
        d = _first_error(tree.root_node, path)
        if d is not None:
            conv.diags.append(d)
    if conv.prog.main is None:
        conv.diags.append(Diagnostic(path, 1, "no `export default defineRailway(...)` found; nothing to evaluate",
                                     "warning"))
    return conv.prog, conv.diags
