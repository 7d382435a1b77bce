"""Terraform / HCL native syntax (.tf, .tfvars) parsed with tree-sitter-hcl.

tree-sitter gives every node a position and keeps parsing past errors: an
ERROR region becomes a diagnostic with its line, and the rest of the file is
still turned into blocks and attributes.
"""
from __future__ import annotations

import re
from functools import cache
import sys

from ..model import Diagnostic
from .hclast import (
    Attribute, Binary, Block, Body, Call, Cond, ForExpr, Invalid, Lit, ObjectExpr, Pos, Postfix,
    Template, TemplateFor, TemplateIf, Traversal, TupleExpr, Unary,
)

# Nesting deeper than this (blocks, expressions, template directives; ~10 Python frames a level at most) is
# reported and not recursed into: the attribute or block becomes invalid, the rest of the file is parsed.
MAX_DEPTH = 96


@cache
def _parser():
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


def _pos(n) -> Pos:
    s, e = n.start_point, n.end_point
    return Pos(s[0] + 1, s[1] + 1, e[0] + 1, e[1] + 1)


_intern = sys.intern


class _TooDeep(Exception):
    pass


class _Converter:
    """Turns a tree-sitter tree into hclast nodes.  Hot paths read each tree-sitter property once into a local
    (every ``Node`` property access is a C call that may allocate), slice text from the decoded source when it is
    ASCII (no decode per node), and build literals and variable traversals inline instead of recursing into
    ``expr`` (the depth they would have counted is still checked)."""

    def __init__(self, src: bytes, path: str):
        self.src = src
        self.path = path
        self.diags: list[Diagnostic] = []
        self.depth = 0
        # byte offsets index an ASCII source's str directly
        self.ascii = src.decode("ascii") if src.isascii() else None

    def text(self, n) -> str:
        a = self.ascii
        if a is not None:
            return a[n.start_byte:n.end_byte]
        return self.src[n.start_byte:n.end_byte].decode("utf-8", "replace")

    # -- structure ------------------------------------------------------------
    def body(self, n) -> Body:
        body = Body()
        if n is None:
            return body
        attributes = body.attributes
        for c in n.named_children:
            t = c.type
            if t == "attribute":
                a = self.attribute(c)
                if a is not None:
                    name = a.name
                    if name in attributes:
                        prev = attributes[name]
                        self.diags.append(Diagnostic(self.path, a.pos.line,
                                                     f"attribute {name!r} redefined (first defined on line {prev.pos.line})",
                                                     "error", a.pos.col))
                    attributes[name] = a
            elif t == "block":
                try:
                    b = self.block(c)
                except _TooDeep:
                    self._too_deep(c, "block")
                    continue
                if b is not None:
                    body.blocks.append(b)
            elif t == "ERROR":
                self._error(c)
        return body

    def attribute(self, n) -> Attribute | None:
        kids = n.named_children
        if not kids:
            return None
        s, e = n.start_point, n.end_point
        pos = Pos(s[0] + 1, s[1] + 1, e[0] + 1, e[1] + 1)
        if len(kids) > 1:
            try:
                expr = self.expr(kids[1])
            except _TooDeep:
                self._too_deep(n, "expression")
                expr = Invalid("", Pos(s[0] + 1, s[1] + 1, e[0] + 1, e[1] + 1))
        else:
            expr = Invalid("", Pos(s[0] + 1, s[1] + 1, e[0] + 1, e[1] + 1))
        # names repeat across thousands of files: interned, they are stored once (peak RSS)
        return Attribute(_intern(self.text(kids[0])), expr, pos)

    def block(self, n) -> Block | None:
        type_ = None
        labels: list[str] = []
        body_node = None
        text = self.text
        for c in n.named_children:
            t = c.type
            if t == "identifier":
                if type_ is None:
                    type_ = _intern(text(c))
                else:
                    labels.append(_intern(text(c)))
            elif t == "string_lit":
                labels.append(_intern(self._string_lit(c)))
            elif t == "body":
                body_node = c
            elif t == "ERROR":
                self._error(c)
        if type_ is None:
            return None
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep
        try:
            body = self.body(body_node)
        finally:
            self.depth -= 1
        return Block(type_, labels, body, _pos(n))

    def _too_deep(self, n, what: str):
        self.diags.append(Diagnostic(self.path, _pos(n).line, f"{what} nested deeper than {MAX_DEPTH} levels; "
                                                              "not analysed", "error", _pos(n).col))

    def _error(self, n):
        p = _pos(n)
        snippet = self.text(n).strip().splitlines()[0][:60] if self.text(n).strip() else ""
        self.diags.append(Diagnostic(self.path, p.line, f"invalid HCL syntax near {snippet!r}", "error", p.col))

    # -- expressions ------------------------------------------------------------
    def _string_lit(self, n) -> str:
        out = None
        for c in n.named_children:
            if c.type == "template_literal":
                v = self.text(c)
                if "\\" in v or "{" in v:  # an escape, or a $${ / %%{ to unescape
                    v = _unescape_template(v)
                out = v if out is None else out + v
        return "" if out is None else out

    def expr(self, n):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep
        try:
            t = n.type
            if t == "expression":
                return self._term(n.named_children, n)
            return _EXPR.get(t, _Converter._x_other)(self, n)
        finally:
            self.depth -= 1

    def _literal(self, n):
        c = n.named_children[0]
        ct = c.type
        s, e = n.start_point, n.end_point
        if ct == "string_lit":
            return Lit(self._string_lit(c), Pos(s[0] + 1, s[1] + 1, e[0] + 1, e[1] + 1))
        if ct == "numeric_lit":
            v = self.text(c)
            try:
                v = int(v)
            except ValueError:
                try:
                    v = float(v)
                except ValueError:
                    pass
            return Lit(v, Pos(s[0] + 1, s[1] + 1, e[0] + 1, e[1] + 1))
        if ct == "bool_lit":
            return Lit(self.text(c) == "true", Pos(s[0] + 1, s[1] + 1, e[0] + 1, e[1] + 1))
        if ct == "null_lit":
            return Lit(None, Pos(s[0] + 1, s[1] + 1, e[0] + 1, e[1] + 1))
        return Invalid(self.text(n), Pos(s[0] + 1, s[1] + 1, e[0] + 1, e[1] + 1))

    def _x_first(self, n):  # template_expr, collection_value, operation: a wrapper of one expression
        return self.expr(n.named_children[0])

    def _x_quoted(self, n):
        return _simplify_template(Template(self._template_parts(n.named_children), _pos(n)))

    def _x_tuple(self, n):
        return TupleExpr([self.expr(c) for c in n.named_children if c.type == "expression"], _pos(n))

    def _x_object(self, n):
        items = []
        for c in n.named_children:
            if c.type == "object_elem":
                k = c.child_by_field_name("key")
                v = c.child_by_field_name("val")
                if k is None or v is None:
                    continue
                kx = self.expr(k)
                # a bare identifier key is a literal string, not a reference
                if type(kx) is Traversal and not kx.steps:
                    kx = Lit(kx.root, kx.pos)
                items.append((kx, self.expr(v)))
        return ObjectExpr(items, _pos(n))

    def _x_call(self, n):
        kids = n.named_children
        name = self.text(kids[0])
        args = []
        expand = False
        for c in kids[1:]:
            if c.type == "function_arguments":
                for a in c.named_children:
                    at = a.type
                    if at == "expression":
                        args.append(self.expr(a))
                    elif at == "expand_ellipsis":
                        expand = True
        return Call(name, args, expand, _pos(n))

    def _x_unary(self, n):
        return Unary(self.text(n.children[0]), self._term(n.named_children, n), _pos(n))

    def _x_binary(self, n):
        kids = n.children
        i = next((k for k, c in enumerate(kids) if not c.is_named and c.type not in ("(", ")")), None)
        if i is None:
            return Invalid(self.text(n), _pos(n))
        left = [c for c in kids[:i] if c.is_named]
        right = [c for c in kids[i + 1:] if c.is_named]
        return Binary(self.text(kids[i]), self._term(left, n), self._term(right, n), _pos(n))

    def _x_conditional(self, n):
        es = [c for c in n.named_children if c.type == "expression"]
        if len(es) == 3:
            return Cond(self.expr(es[0]), self.expr(es[1]), self.expr(es[2]), _pos(n))
        return Invalid(self.text(n), _pos(n))

    def _x_for(self, n):
        return self._for(n.named_children[0])

    def _x_variable(self, n):
        return Traversal(self.text(n), [], _pos(n))

    def _x_error(self, n):
        self._error(n)
        return Invalid(self.text(n), _pos(n))

    def _x_paren(self, n):
        es = [c for c in n.named_children if c.type == "expression"]
        if es:
            return self.expr(es[0])
        return Invalid(self.text(n), _pos(n))

    def _x_other(self, n):
        return Invalid(self.text(n), _pos(n))

    def _term(self, kids, parent):
        """A primary expression followed by postfix get_attr / index / splat steps."""
        if not kids:
            return Invalid(self.text(parent), _pos(parent))
        first = kids[0]
        ft = first.type
        if ft == "variable_expr":
            root = first.named_children
            root = _intern(self.text(root[0] if root else first))
            s, e = first.start_point, kids[-1].end_point
            return Traversal(root, self._steps(kids[1:]) if len(kids) > 1 else [],
                             Pos(s[0] + 1, s[1] + 1, e[0] + 1, e[1] + 1))
        if len(kids) == 1:
            if ft == "literal_value":  # self.expr(first) without the call: it would count one level deeper
                if self.depth >= MAX_DEPTH:
                    self.depth += 1
                    raise _TooDeep
                return self._literal(first)
            return self.expr(first)
        return Postfix(self.expr(first), self._steps(kids[1:]), _pos(parent))

    def _steps(self, nodes) -> list:
        steps: list = []
        for s in nodes:
            t = s.type
            if t == "get_attr":
                steps.append(("attr", _intern(self.text(s.named_children[0]))))
            elif t == "index":
                inner = s.named_children[0]
                if inner.type == "new_index":
                    es = [c for c in inner.named_children if c.type == "expression"]
                    steps.append(("index", self.expr(es[0]) if es else Lit(None, _pos(inner))))
                else:  # legacy_index: .0
                    txt = self.text(inner).lstrip(".")
                    steps.append(("index", Lit(int(txt) if txt.isdigit() else txt, _pos(inner))))
            elif t == "splat":
                steps.append(("splat", self._steps(s.named_children[0].named_children)))
            elif t == "ERROR":
                self._error(s)
        return steps

    def _template_parts(self, kids) -> list:
        parts: list = []
        i = 0
        kids = list(kids)
        while i < len(kids):
            c = kids[i]
            t = c.type
            if t == "template_literal":
                parts.append(_unescape_template(self.text(c)))
            elif t == "template_interpolation":
                es = [x for x in c.named_children if x.type == "expression"]
                if es:
                    parts.append(self.expr(es[0]))
            elif t == "template_directive":
                parts.append(self._directive(c))
            i += 1
        return parts

    def _directive(self, n):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep
        try:
            return self._directive_body(n)
        finally:
            self.depth -= 1

    def _directive_body(self, n):
        inner = n.named_children[0] if n.named_child_count else None
        if inner is None:
            return ""
        if inner.type == "template_if":
            cond = None
            then: list = []
            els: list = []
            cur = then
            for c in inner.named_children:
                if c.type == "template_if_intro":
                    es = [x for x in c.named_children if x.type == "expression"]
                    cond = self.expr(es[0]) if es else Lit(False, _pos(c))
                elif c.type == "template_else_intro":
                    cur = els
                elif c.type == "template":
                    cur.extend(self._template_parts(c.named_children))
                elif c.type in ("template_literal", "template_interpolation", "template_directive"):
                    cur.extend(self._template_parts([c]))
            return TemplateIf(cond, then, els)
        if inner.type == "template_for":
            kv: str | None = None
            vv = ""
            coll = None
            body: list = []
            for c in inner.named_children:
                if c.type == "template_for_start":
                    kv, vv, coll = self._for_intro(c, None)
                elif c.type == "template":
                    body.extend(self._template_parts(c.named_children))
                elif c.type in ("template_literal", "template_interpolation", "template_directive"):
                    body.extend(self._template_parts([c]))
            return TemplateFor(kv, vv, coll, body)
        return ""

    def _for_intro(self, n, missing):
        """``for k, v in coll`` (a for expression's or a template directive's intro): (key var, value var, coll)."""
        ids = [self.text(x) for x in n.named_children if x.type == "identifier"]
        es = [x for x in n.named_children if x.type == "expression"]
        kv = ids[0] if len(ids) == 2 else None
        vv = ids[-1] if ids else ""
        return kv, vv, self.expr(es[0]) if es else missing

    def _heredoc(self, n):
        kids = n.named_children
        strip = self.text(n.children[0]).startswith("<<-") if n.child_count else False
        ids = [c for c in kids if c.type == "heredoc_identifier"]
        # content lies between the end of the opening identifier line and the closing identifier
        if len(ids) >= 2:
            start = self.src.find(b"\n", ids[0].end_byte)
            start = ids[0].end_byte if start < 0 else start + 1
            end = ids[-1].start_byte
            # drop indentation before the closing marker (it belongs to the marker's line)
            line_start = self.src.rfind(b"\n", start, end)
            end = line_start + 1 if line_start >= 0 else start
        else:
            start = end = n.end_byte
        parts: list = []
        cursor = start
        for c in kids:
            if c.type in ("template_interpolation", "template_directive") and start <= c.start_byte < end:
                if c.start_byte > cursor:
                    parts.append(self.src[cursor:c.start_byte].decode("utf-8", "replace"))
                parts.extend(self._template_parts([c]))
                cursor = c.end_byte
        if cursor < end:
            parts.append(self.src[cursor:end].decode("utf-8", "replace"))
        parts = [_unescape_heredoc(p) if isinstance(p, str) else p for p in parts]
        if strip:
            parts = _dedent_parts(parts)
        return _simplify_template(Template(parts, _pos(n), heredoc=True))

    def _for(self, n):
        is_object = n.type == "for_object_expr"
        kv = None
        vv = ""
        coll = None
        exprs = []
        cond = None
        grouping = False
        for c in n.named_children:
            if c.type == "for_intro":
                kv, vv, coll = self._for_intro(c, Lit(None, _pos(c)))
            elif c.type == "expression":
                exprs.append(self.expr(c))
            elif c.type == "for_cond":
                es = [x for x in c.named_children if x.type == "expression"]
                cond = self.expr(es[0]) if es else None
            elif c.type == "ellipsis":
                grouping = True
        if is_object:
            key = exprs[0] if exprs else Lit(None, _pos(n))
            val = exprs[1] if len(exprs) > 1 else Lit(None, _pos(n))
        else:
            key = None
            val = exprs[0] if exprs else Lit(None, _pos(n))
        return ForExpr(kv, vv, coll, key, val, cond, is_object, grouping, _pos(n))


_EXPR = {
    "literal_value": _Converter._literal, "template_expr": _Converter._x_first,
    "quoted_template": _Converter._x_quoted, "heredoc_template": _Converter._heredoc,
    "collection_value": _Converter._x_first, "tuple": _Converter._x_tuple, "object": _Converter._x_object,
    "function_call": _Converter._x_call, "operation": _Converter._x_first, "unary_operation": _Converter._x_unary,
    "binary_operation": _Converter._x_binary, "conditional": _Converter._x_conditional,
    "for_expr": _Converter._x_for, "variable_expr": _Converter._x_variable, "ERROR": _Converter._x_error,
    "parenthesized_expression": _Converter._x_paren, "(": _Converter._x_paren,
}

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESC_RE = re.compile(r'\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)')


def _unescape(s: str) -> str:
    if "\\" not in s:
        return s

    def rep(m):
        g = m.group(1)
        if g[0] in "uU" and len(g) > 1:
            try:
                return chr(int(g[1:], 16))
            except ValueError:
                return m.group(0)
        return _ESCAPES.get(g, m.group(0))

    return _ESC_RE.sub(rep, s)


def _unescape_template(s: str) -> str:
    s = _unescape(s)
    return s.replace("$${", "${").replace("%%{", "%{")


def _unescape_heredoc(s: str) -> str:
    return s.replace("$${", "${").replace("%%{", "%{")


def _dedent_parts(parts: list) -> list:
    """Implement ``<<-`` : remove the smallest common leading whitespace from every line."""
    text_lines: list[str] = []
    buf = ""
    for p in parts:
        buf += p if isinstance(p, str) else "\x00"
    for ln in buf.split("\n"):
        if ln.strip(" \t"):
            text_lines.append(ln)
    indent = min((len(ln) - len(ln.lstrip(" \t")) for ln in text_lines), default=0)
    if indent == 0:
        return parts
    out: list = []
    at_line_start = True
    for p in parts:
        if not isinstance(p, str):
            out.append(p)
            at_line_start = False
            continue
        segs = p.split("\n")
        new = []
        for i, seg in enumerate(segs):
            if i > 0:
                at_line_start = True
            if at_line_start:
                k = 0
                while k < indent and k < len(seg) and seg[k] in " \t":
                    k += 1
                seg = seg[k:]
            new.append(seg)
            at_line_start = False
        out.append("\n".join(new))
    return out


def _simplify_template(t: Template):
    parts = [p for p in t.parts if not (isinstance(p, str) and p == "")]
    if not parts:
        return Lit("", t.pos)
    if all(isinstance(p, str) for p in parts):
        return Lit("".join(parts), t.pos)
    t.parts = parts
    return t


def parse_hcl(src: bytes, path: str) -> tuple[Body, list[Diagnostic]]:
    """Parse HCL source into a Body; never raises on bad input."""
    tree = _parser().parse(src)
    conv = _Converter(src, path)
    root = tree.root_node
    try:
        body_node = next((c for c in root.named_children if c.type == "body"), None)
        body = conv.body(body_node)
    except RecursionError:  # not expected (MAX_DEPTH keeps the stack short): a last resort
        return Body(), [Diagnostic(path, 1, "nesting too deep to analyse; file skipped", "error")]
    for c in root.named_children:
        if c.type == "ERROR":
            conv._error(c)
    if root.has_error and not conv.diags:
        # a MISSING node (e.g. an unclosed brace) produces no ERROR node
        line = _first_missing(root)
        conv.diags.append(Diagnostic(path, line, "invalid HCL syntax (unbalanced or missing token)", "error"))
    conv.diags.sort(key=lambda d: (d.line, d.col))
    return body, conv.diags


def _first_missing(root) -> int:
    stack = [root]
    while stack:
        n = stack.pop()
        if n.is_missing or n.type == "ERROR":
            return n.start_point[0] + 1
        if n.has_error:
            stack.extend(reversed(n.children))
    return 1
