"""HCL syntax as plain data: bodies, blocks, attributes and expressions with spans.

Expressions are kept as structure (not strings) so the evaluator can follow
references.  Every node records its position (1-based line/col).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(slots=True)
class Pos:
    line: int
    col: int
    end_line: int
    end_col: int


# ---------------------------------------------------------------- expressions
@dataclass(slots=True)
class Lit:
    value: Any  # str | int | float | bool | None
    pos: Pos


@dataclass(slots=True)
class Template:
    parts: list  # str | Expr | TemplateDirective
    pos: Pos
    heredoc: bool = False


@dataclass(slots=True)
class TemplateIf:
    cond: Any
    then: list
    else_: list


@dataclass(slots=True)
class TemplateFor:
    key_var: str | None
    val_var: str
    coll: Any
    body: list


@dataclass(slots=True)
class Traversal:
    """root followed by steps: ("attr", name) | ("index", Expr) | ("splat", [steps])."""

    root: str
    steps: list
    pos: Pos


@dataclass(slots=True)
class Postfix:
    """A non-variable expression followed by steps, e.g. ``(expr).a[0]`` or ``f(x)[0]``."""

    base: Any
    steps: list
    pos: Pos


@dataclass(slots=True)
class Call:
    name: str
    args: list
    expand: bool
    pos: Pos


@dataclass(slots=True)
class Unary:
    op: str
    expr: Any
    pos: Pos


@dataclass(slots=True)
class Binary:
    op: str
    left: Any
    right: Any
    pos: Pos


@dataclass(slots=True)
class Cond:
    cond: Any
    then: Any
    else_: Any
    pos: Pos


@dataclass(slots=True)
class TupleExpr:
    items: list
    pos: Pos


@dataclass(slots=True)
class ObjectExpr:
    items: list  # list[(key_expr, value_expr)]
    pos: Pos


@dataclass(slots=True)
class ForExpr:
    key_var: str | None
    val_var: str
    coll: Any
    key: Any | None  # object form only
    value: Any
    cond: Any | None
    is_object: bool
    grouping: bool
    pos: Pos


@dataclass(slots=True)
class Invalid:
    """A piece of syntax we could not turn into an expression (kept so rules can say so)."""

    text: str
    pos: Pos


Expr = Union[Lit, Template, Traversal, Postfix, Call, Unary, Binary, Cond, TupleExpr, ObjectExpr, ForExpr, Invalid]


# ---------------------------------------------------------------- structure
@dataclass(slots=True)
class Attribute:
    name: str
    expr: Any
    pos: Pos  # the whole ``name = value`` line(s)


@dataclass(slots=True)
class Block:
    type: str
    labels: list[str]
    body: "Body"
    pos: Pos  # header line .. closing brace


@dataclass(slots=True)
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, type_: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type_]

    def block(self, type_: str) -> "Block | None":
        for b in self.blocks:
            if b.type == type_:
                return b
        return None
