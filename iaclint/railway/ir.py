"""The intermediate representation both front ends produce and the interpreter runs.

Plain, picklable data with named fields and the source line/column of every
node.  ``typescript.py`` builds it from ``.railway/railway.ts`` and
``python.py`` from ``.railway/railway.py``; ``interpreter.py`` evaluates it.
A binding target (pattern) is a name, an :class:`ObjPattern` or an
:class:`ArrPattern`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

MAX_NESTING = 200      # syntax nesting the front ends convert; deeper is a diagnostic, never a RecursionError
SDK_MODULES = ("railway/iac", "railway", "railway_sdk", "railway_iac", "railway-sdk")
ENV_PROPS = ("environment", "environmentName", "environment_name")
IS_ENV = ("isEnvironment", "is_environment")


class TooDeep(Exception):
    """Raised by a front end when the syntax nests deeper than MAX_NESTING (args: the line)."""


@dataclass(slots=True)
class Node:
    line: int
    col: int


# -- expressions ------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class Lit(Node):
    value: Any


@dataclass(slots=True)
class Undef(Node):
    pass


@dataclass(slots=True)
class Name(Node):
    name: str


@dataclass(slots=True)
class Template(Node):
    parts: list  # str | expression


@dataclass(slots=True)
class Member(Node):
    obj: Node
    prop: str


@dataclass(slots=True)
class Index(Node):
    obj: Node
    index: Node


@dataclass(slots=True)
class Kwarg:
    name: str | None  # None: **spread
    value: Node
    line: int


@dataclass(slots=True)
class Call(Node):
    func: Node
    args: list           # expressions or Spread
    kwargs: list = field(default_factory=list)  # [Kwarg] (Python)


@dataclass(slots=True)
class Spread(Node):
    value: Node


@dataclass(slots=True)
class Prop:
    key: Any  # str, or an expression (computed name)
    value: Node
    line: int
    col: int


@dataclass(slots=True)
class SpreadProp:
    value: Node
    line: int


@dataclass(slots=True)
class ObjectLit(Node):
    items: list  # [Prop | SpreadProp]


@dataclass(slots=True)
class ArrayLit(Node):
    items: list  # expressions or Spread


@dataclass(slots=True)
class Cond(Node):
    test: Node
    then: Node
    orelse: Node


@dataclass(slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(slots=True)
class Not(Node):
    operand: Node


@dataclass(slots=True)
class Neg(Node):
    operand: Node


@dataclass(slots=True)
class Param:
    target: Any            # pattern
    default: Node | None = None


@dataclass(slots=True)
class Function(Node):
    params: list            # [Param]
    body: Any               # [statement] or an expression
    expr_body: bool = False


@dataclass(slots=True)
class Assign(Node):
    name: str
    value: Node


@dataclass(slots=True)
class Opaque(Node):
    reason: str


# -- statements -------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class Const(Node):
    target: Any             # pattern
    value: Node
    rebind: bool = False    # Python: assignment rebinds the function's variable (no block scope)


@dataclass(slots=True)
class SetItem(Node):
    obj: Node
    key: Node
    value: Node


@dataclass(slots=True)
class Return(Node):
    value: Node | None


@dataclass(slots=True)
class If(Node):
    test: Node
    body: list
    orelse: list | None


@dataclass(slots=True)
class Block(Node):
    body: list


@dataclass(slots=True)
class ExprStmt(Node):
    expr: Node


@dataclass(slots=True)
class Case:
    test: Node | None  # None: default
    body: list


@dataclass(slots=True)
class Switch(Node):
    subject: Node
    cases: list  # [Case]


@dataclass(slots=True)
class Break(Node):
    pass


@dataclass(slots=True)
class OpaqueStmt(Node):
    reason: str


# -- patterns ---------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class ObjPattern:
    items: list  # [(key, pattern)]


@dataclass(slots=True)
class ArrPattern:
    items: list  # [pattern]


Pattern = Union[str, ObjPattern, ArrPattern]


@dataclass
class Program:
    path: str
    lang: str  # "ts" | "py"
    body: list = field(default_factory=list)      # module-level statements
    imports: dict = field(default_factory=dict)   # local name -> (module, imported name | "*" | "default")
    main: Node | None = None                      # the defineRailway(...) expression
    main_line: int = 1
    env_mentions: list = field(default_factory=list)  # [(raw environment name, line, how)]


def is_env_expr(x) -> bool:
    """``ctx.environment`` (any object's ``environment`` property, as the SDK names it)."""
    return isinstance(x, Member) and x.prop in ENV_PROPS


def str_lit(x) -> str | None:
    return x.value if isinstance(x, Lit) and isinstance(x.value, str) else None


def note_env_comparison(prog: Program, left, right) -> None:
    """``ctx.environment === "name"`` (either side) names an environment."""
    for side, other in ((left, right), (right, left)):
        if is_env_expr(side) and str_lit(other) is not None:
            prog.env_mentions.append((other.value, other.line, "a comparison with ctx.environment"))


def note_env_cases(prog: Program, switch: Switch, how: str) -> None:
    if not is_env_expr(switch.subject):
        return
    for case in switch.cases:
        if str_lit(case.test) is not None:
            prog.env_mentions.append((case.test.value, case.test.line, how))


def note_env_call(prog: Program, call: Call) -> None:
    """``ctx.isEnvironment("name")``."""
    f = call.func
    if isinstance(f, Member) and f.prop in IS_ENV:
        for a in call.args:
            if str_lit(a) is not None:
                prog.env_mentions.append((a.value, a.line, f"{f.prop}({a.value!r})"))
