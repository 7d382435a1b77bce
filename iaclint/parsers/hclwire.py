"""HCL bodies (parsers/hclast.py) as nested tuples of builtins, for ``marshal``: how a worker process sends a
parsed Terraform file back to the scan (scan.parse_all).

``pickle`` of the slots dataclasses costs about as much to load as parsing the file again (3.2 s against 4.3 s
for the 3,188 HCL files of the 500-module corpus); marshal of these tuples is C code on both sides and the
rebuild below is a constructor call per node (docs/performance.md has the numbers).  ``decode(encode(b))`` equals
``b`` field for field (tests/test_parallel.py); interned names stay interned (marshal records it).
"""
from __future__ import annotations

from .hclast import (Attribute, Binary, Block, Body, Call, Cond, ForExpr, Invalid, Lit, ObjectExpr, Pos, Postfix,
                     Template, TemplateFor, TemplateIf, Traversal, TupleExpr, Unary)

_LIT, _TEMPLATE, _TIF, _TFOR, _TRAV, _POSTFIX, _CALL, _UNARY, _BINARY, _COND, _TUPLE, _OBJECT, _FOR, _INVALID = \
    range(14)


def _p(p: Pos) -> tuple:
    return (p.line, p.col, p.end_line, p.end_col)


def encode(body: Body) -> tuple:
    return (tuple((a.name, _e(a.expr), _p(a.pos)) for a in body.attributes.values()),
            tuple((b.type, tuple(b.labels), encode(b.body), _p(b.pos)) for b in body.blocks))


def _e(x):
    t = type(x)
    if t is Lit:
        return (_LIT, x.value, _p(x.pos))
    if t is Traversal:
        return (_TRAV, x.root, _steps(x.steps), _p(x.pos))
    if t is Template:
        return (_TEMPLATE, _parts(x.parts), _p(x.pos), x.heredoc)
    if t is Call:
        return (_CALL, x.name, tuple(_e(a) for a in x.args), x.expand, _p(x.pos))
    if t is ObjectExpr:
        return (_OBJECT, tuple((_e(k), _e(v)) for k, v in x.items), _p(x.pos))
    if t is TupleExpr:
        return (_TUPLE, tuple(_e(i) for i in x.items), _p(x.pos))
    if t is Binary:
        return (_BINARY, x.op, _e(x.left), _e(x.right), _p(x.pos))
    if t is Cond:
        return (_COND, _e(x.cond), _e(x.then), _e(x.else_), _p(x.pos))
    if t is Unary:
        return (_UNARY, x.op, _e(x.expr), _p(x.pos))
    if t is Postfix:
        return (_POSTFIX, _e(x.base), _steps(x.steps), _p(x.pos))
    if t is ForExpr:
        return (_FOR, x.key_var, x.val_var, _e(x.coll), _opt(x.key), _e(x.value), _opt(x.cond), x.is_object,
                x.grouping, _p(x.pos))
    if t is Invalid:
        return (_INVALID, x.text, _p(x.pos))
    if t is TemplateIf:
        return (_TIF, _opt(x.cond), _parts(x.then), _parts(x.else_))
    if t is TemplateFor:
        return (_TFOR, x.key_var, x.val_var, _opt(x.coll), _parts(x.body))
    raise TypeError(f"not an HCL expression: {t.__name__}")


def _opt(x):
    return None if x is None else _e(x)


def _parts(parts: list) -> tuple:
    return tuple(p if type(p) is str else _e(p) for p in parts)


def _steps(steps: list) -> tuple:
    return tuple((k, _steps(v) if k == "splat" else (_e(v) if k == "index" else v)) for k, v in steps)


def decode(enc: tuple) -> Body:
    attrs, blocks = enc
    return Body({n: Attribute(n, _d(x), Pos(*p)) for n, x, p in attrs},
                [Block(t, list(labels), decode(b), Pos(*p)) for t, labels, b, p in blocks])


def _d(x):
    return _DECODE[x[0]](x)


def _dopt(x):
    return None if x is None else _DECODE[x[0]](x)


def _dparts(parts: tuple) -> list:
    return [p if type(p) is str else _DECODE[p[0]](p) for p in parts]


def _dsteps(steps: tuple) -> list:
    return [(k, _dsteps(v) if k == "splat" else (_DECODE[v[0]](v) if k == "index" else v)) for k, v in steps]


_DECODE = (
    lambda x: Lit(x[1], Pos(*x[2])),
    lambda x: Template(_dparts(x[1]), Pos(*x[2]), x[3]),
    lambda x: TemplateIf(_dopt(x[1]), _dparts(x[2]), _dparts(x[3])),
    lambda x: TemplateFor(x[1], x[2], _dopt(x[3]), _dparts(x[4])),
    lambda x: Traversal(x[1], _dsteps(x[2]), Pos(*x[3])),
    lambda x: Postfix(_d(x[1]), _dsteps(x[2]), Pos(*x[3])),
    lambda x: Call(x[1], [_d(a) for a in x[2]], x[3], Pos(*x[4])),
    lambda x: Unary(x[1], _d(x[2]), Pos(*x[3])),
    lambda x: Binary(x[1], _d(x[2]), _d(x[3]), Pos(*x[4])),
    lambda x: Cond(_d(x[1]), _d(x[2]), _d(x[3]), Pos(*x[4])),
    lambda x: TupleExpr([_d(i) for i in x[1]], Pos(*x[2])),
    lambda x: ObjectExpr([(_d(k), _d(v)) for k, v in x[1]], Pos(*x[2])),
    lambda x: ForExpr(x[1], x[2], _d(x[3]), _dopt(x[4]), _d(x[5]), _dopt(x[6]), x[7], x[8], Pos(*x[9])),
    lambda x: Invalid(x[1], Pos(*x[2])),
)
