"""Railway infrastructure as code: ``.railway/railway.ts`` read statically (tree-sitter-typescript).

Nothing here runs user code.  The TypeScript syntax tree is turned into a
small expression language (:class:`X` nodes, plain picklable data with line
numbers); :func:`evaluate` then interprets that language once per Railway
environment with a model of the ``railway/iac`` SDK (``defineRailway``,
``project``, ``service``, ``postgres``/``mysql``/``redis``/``mongo``,
``volume``, ``bucket``, ``group``, ``github``/``image``, ``preserve``,
``ctx.environment`` / ``ctx.isEnvironment``).  Whatever cannot be known
statically (``process.env``, imports from other modules, unsupported syntax)
becomes :class:`~iaclint.terraform.values.Unknown` with a reason.
``railway_py`` converts ``.railway/railway.py`` (Python ``ast``) into the same
nodes, so one evaluator serves both.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..model import Diagnostic
from ..terraform.values import Unknown

MAX_DEPTH = 300        # syntax nesting we convert; deeper is reported
MAX_STEPS = 200_000    # evaluation steps per environment
MAX_CALL_DEPTH = 40    # user function calls
SDK_MODULES = ("railway/iac", "railway", "railway_sdk", "railway_iac", "railway-sdk")
ENV_PROPS = ("environment", "environmentName", "environment_name")
IS_ENV = ("isEnvironment", "is_environment")


@dataclass(slots=True)
class X:
    """One node of the small expression/statement language (k = kind)."""

    k: str
    line: int
    col: int = 1
    a: Any = None
    b: Any = None
    c: Any = None


@dataclass
class Program:
    path: str
    lang: str  # "ts" | "py"
    body: list = field(default_factory=list)      # module-level statements
    imports: dict = field(default_factory=dict)   # local name -> (module, imported name | "*")
    main: X | None = None                           # the defineRailway(...) expression
    main_line: int = 1
    env_mentions: list = field(default_factory=list)  # [(raw environment name, line, how)]


# ---------------------------------------------------------------------------------------------------------------
# TypeScript -> X
_PARSER = None


def _parser():
    global _PARSER
    if _PARSER is None:
        import tree_sitter
        import tree_sitter_typescript

        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_typescript()))
    return _PARSER


class _TooDeep(Exception):
    pass


_ESC = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f", "v": "\v"}


def _unescape(s: str) -> str:
    def rep(m):
        e = m.group(1)
        if e[0] in _ESC:
            return _ESC[e[0]]
        if e[0] == "u":
            h = e[1:].strip("{}")
            try:
                return chr(int(h, 16))
            except ValueError:
                return e
        if e[0] == "x":
            try:
                return chr(int(e[1:], 16))
            except ValueError:
                return e
        return e

    return re.sub(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", rep, s, flags=re.S)


class _TS:
    def __init__(self, src: bytes, path: str):
        self.src = src
        self.path = path
        self.diags: list[Diagnostic] = []
        self.depth = 0
        self.prog = Program(path, "ts")

    def text(self, n) -> str:
        return self.src[n.start_byte:n.end_byte].decode("utf-8", "replace")

    def x(self, k, n, a=None, b=None, c=None) -> X:
        return X(k, n.start_point[0] + 1, n.start_point[1] + 1, a, b, c)

    def opaque(self, n, why: str) -> X:
        return self.x("opaque", n, f"{why} (line {n.start_point[0] + 1})")

    # -- statements -----------------------------------------------------------------------------------------
    def program(self, root):
        for c in root.named_children:
            self.prog.body.extend(self.stmt(c, top=True))

    def block(self, n) -> list:
        out = []
        if n is None:
            return out
        if n.type != "statement_block":
            return self.stmt(n)
        for c in n.named_children:
            out.extend(self.stmt(c))
        return out

    def stmt(self, n, top=False) -> list:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep(n.start_point[0] + 1)
        try:
            return self._stmt(n, top)
        finally:
            self.depth -= 1

    def _stmt(self, n, top) -> list:
        t = n.type
        if t in ("comment", "empty_statement", "type_alias_declaration", "interface_declaration",
                 "ambient_declaration", "hash_bang_line"):
            return []
        if t == "import_statement":
            self.import_(n)
            return []
        if t == "export_statement":
            decl = n.child_by_field_name("declaration")
            if decl is not None:
                return self.stmt(decl, top)
            val = n.child_by_field_name("value")
            is_default = any(c.type == "default" for c in n.children)
            if val is not None and is_default:
                e = self.expr(val)
                self.prog.main = e
                self.prog.main_line = n.start_point[0] + 1
                return []
            return []
        if t in ("lexical_declaration", "variable_declaration"):
            out = []
            for d in n.named_children:
                if d.type != "variable_declarator":
                    continue
                name = d.child_by_field_name("name")
                val = d.child_by_field_name("value")
                e = self.expr(val) if val is not None else self.x("lit", d, None)
                if name is None:
                    continue
                out.append(self.x("const", d, self.pattern(name), e))
            return out
        if t == "function_declaration" or t == "generator_function_declaration":
            name = n.child_by_field_name("name")
            return [self.x("const", n, self.text(name) if name else "", self.func(n))]
        if t == "return_statement":
            val = n.named_children[0] if n.named_children else None
            return [self.x("return", n, self.expr(val) if val is not None else None)]
        if t == "if_statement":
            cond = n.child_by_field_name("condition")
            cons = n.child_by_field_name("consequence")
            alt = n.child_by_field_name("alternative")
            alt_stmts = None
            if alt is not None:
                inner = [c for c in alt.named_children]
                alt_stmts = []
                for c in inner:
                    alt_stmts.extend(self.stmt(c))
            return [self.x("if", n, self.expr(cond), self.block(cons), alt_stmts)]
        if t == "statement_block":
            return [self.x("block", n, self.block(n))]
        if t == "expression_statement":
            c = n.named_children[0] if n.named_children else None
            if c is None:
                return []
            return [self.x("expr", n, self.expr(c))]
        if t == "switch_statement":
            val = n.child_by_field_name("value")
            body = n.child_by_field_name("body")
            cases = []
            for c in (body.named_children if body is not None else []):
                if c.type == "switch_case":
                    v = c.child_by_field_name("value")
                    stmts = []
                    for s in c.named_children:
                        if s == v or s.type == "comment":
                            continue
                        stmts.extend(self.stmt(s))
                    cases.append((self.expr(v) if v is not None else None, stmts))
                elif c.type == "switch_default":
                    stmts = []
                    for s in c.named_children:
                        stmts.extend(self.stmt(s))
                    cases.append((None, stmts))
            disc = self.expr(val)
            for test, _ in cases:
                if test is not None and test.k == "lit" and isinstance(test.a, str) and _is_env_expr(disc):
                    self.prog.env_mentions.append((test.a, test.line, "switch case on ctx.environment"))
            return [self.x("switch", n, disc, cases)]
        if t == "break_statement":
            return [self.x("break", n)]
        if t == "ERROR":
            self._error(n)
            return []
        return [self.x("opaque_stmt", n, f"{t.replace('_', ' ')} is not evaluated (line {n.start_point[0] + 1})")]

    def import_(self, n):
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
                        if spec.type != "import_specifier":
                            continue
                        name = spec.child_by_field_name("name")
                        alias = spec.child_by_field_name("alias")
                        if name is not None:
                            self.prog.imports[self.text(alias or name)] = (module, self.text(name))

    def pattern(self, n):
        """A binding target: a name, or ("obj", [(key, target)]) / ("arr", [target])."""
        t = n.type
        if t == "identifier":
            return self.text(n)
        if t == "object_pattern":
            items = []
            for c in n.named_children:
                if c.type == "shorthand_property_identifier_pattern":
                    items.append((self.text(c), self.text(c)))
                elif c.type == "pair_pattern":
                    k = c.child_by_field_name("key")
                    v = c.child_by_field_name("value")
                    items.append((self.key_text(k), self.pattern(v)))
                elif c.type == "object_assignment_pattern":
                    left = c.child_by_field_name("left")
                    if left is not None:
                        items.append((self.text(left), self.text(left)))
            return ("obj", items)
        if t == "array_pattern":
            return ("arr", [self.pattern(c) for c in n.named_children])
        return self.text(n)

    def func(self, n) -> X:
        params = []
        ps = n.child_by_field_name("parameters") or n.child_by_field_name("parameter")
        if ps is not None:
            if ps.type == "identifier":
                params.append(self.text(ps))
            else:
                for p in ps.named_children:
                    pat = p.child_by_field_name("pattern") if p.type in ("required_parameter",
                                                                        "optional_parameter") else p
                    dflt = p.child_by_field_name("value")
                    target = self.pattern(pat) if pat is not None else ""
                    params.append(("default", target, self.expr(dflt)) if dflt is not None else target)
        body = n.child_by_field_name("body")
        if body is not None and body.type == "statement_block":
            return self.x("func", n, params, self.block(body), False)
        return self.x("func", n, params, self.expr(body) if body is not None else None, True)

    def _error(self, n):
        snippet = self.text(n).strip().splitlines()[0][:60] if self.text(n).strip() else ""
        self.diags.append(Diagnostic(self.path, n.start_point[0] + 1, f"invalid TypeScript syntax near {snippet!r}",
                                     "error", n.start_point[1] + 1))

    # -- expressions ----------------------------------------------------------------------------------------
    def str_of(self, n) -> str:
        return "".join(_unescape(self.text(c)) if c.type == "escape_sequence" else self.text(c)
                       for c in n.named_children)

    def key_text(self, k) -> Any:
        if k is None:
            return ""
        if k.type == "string":
            return self.str_of(k)
        if k.type == "number":
            return self.text(k)
        if k.type == "computed_property_name":
            inner = k.named_children[0] if k.named_children else None
            return self.expr(inner) if inner is not None else ""
        return self.text(k)

    def expr(self, n) -> X:
        if n is None:
            return X("lit", 1, 1, None)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep(n.start_point[0] + 1)
        try:
            return self._expr(n)
        finally:
            self.depth -= 1

    def _expr(self, n) -> X:
        t = n.type
        if t == "string":
            return self.x("lit", n, self.str_of(n))
        if t == "number":
            s = self.text(n).replace("_", "")
            try:
                v: Any = int(s, 0) if re.fullmatch(r"0[xob][0-9a-f]+|\d+", s, re.I) else float(s)
            except ValueError:
                v = Unknown(f"number {s!r}")
            return self.x("lit", n, v)
        if t in ("true", "false"):
            return self.x("lit", n, t == "true")
        if t == "null":
            return self.x("lit", n, None)
        if t == "undefined":
            return self.x("undef", n)
        if t == "template_string":
            parts: list = []
            for c in n.named_children:
                if c.type == "string_fragment":
                    parts.append(self.text(c))
                elif c.type == "escape_sequence":
                    parts.append(_unescape(self.text(c)))
                elif c.type == "template_substitution":
                    inner = c.named_children[0] if c.named_children else None
                    parts.append(self.expr(inner))
            return self.x("tmpl", n, parts)
        if t == "identifier":
            name = self.text(n)
            if name == "undefined":
                return self.x("undef", n)
            return self.x("name", n, name)
        if t in ("this", "super"):
            return self.opaque(n, f"`{t}` is not evaluated")
        if t == "parenthesized_expression":
            inner = [c for c in n.named_children if c.type != "comment"]
            return self.expr(inner[-1]) if inner else self.x("undef", n)
        if t in ("as_expression", "satisfies_expression", "non_null_expression", "type_assertion"):
            inner = [c for c in n.named_children if c.type not in ("type_arguments",) and "type" not in c.type]
            return self.expr(inner[0]) if inner else self.x("undef", n)
        if t == "await_expression":
            inner = n.named_children[0] if n.named_children else None
            return self.expr(inner)
        if t == "member_expression":
            obj = n.child_by_field_name("object")
            prop = n.child_by_field_name("property")
            return self.x("member", n, self.expr(obj), self.text(prop) if prop is not None else "")
        if t == "subscript_expression":
            obj = n.child_by_field_name("object")
            idx = n.child_by_field_name("index")
            return self.x("index", n, self.expr(obj), self.expr(idx))
        if t == "call_expression":
            fn = n.child_by_field_name("function")
            args = n.child_by_field_name("arguments")
            if args is not None and args.type == "template_string":
                return self.opaque(n, "tagged template is not evaluated")
            arg_x = []
            for a in (args.named_children if args is not None else []):
                if a.type == "comment":
                    continue
                arg_x.append(self.x("spread", a, self.expr(a.named_children[0])) if a.type == "spread_element"
                             else self.expr(a))
            call = self.x("call", n, self.expr(fn), arg_x, [])
            self._note_env_call(call)
            return call
        if t == "new_expression":
            return self.opaque(n, "`new` is not evaluated")
        if t == "object":
            items = []
            for c in n.named_children:
                if c.type == "pair":
                    k = c.child_by_field_name("key")
                    v = c.child_by_field_name("value")
                    items.append(("prop", self.key_text(k), self.expr(v), c.start_point[0] + 1, c.start_point[1] + 1))
                elif c.type == "shorthand_property_identifier":
                    nm = self.text(c)
                    items.append(("prop", nm, self.x("name", c, nm), c.start_point[0] + 1, c.start_point[1] + 1))
                elif c.type == "spread_element":
                    inner = c.named_children[0] if c.named_children else None
                    items.append(("spread", self.expr(inner), c.start_point[0] + 1))
                elif c.type == "method_definition":
                    k = c.child_by_field_name("name")
                    items.append(("prop", self.key_text(k), self.func(c), c.start_point[0] + 1,
                                  c.start_point[1] + 1))
                elif c.type == "ERROR":
                    self._error(c)
            return self.x("obj", n, items)
        if t == "array":
            items = []
            for c in n.named_children:
                if c.type == "comment":
                    continue
                if c.type == "spread_element":
                    inner = c.named_children[0] if c.named_children else None
                    items.append(self.x("spread", c, self.expr(inner)))
                else:
                    items.append(self.expr(c))
            return self.x("arr", n, items)
        if t == "ternary_expression":
            return self.x("cond", n, self.expr(n.child_by_field_name("condition")),
                          self.expr(n.child_by_field_name("consequence")),
                          self.expr(n.child_by_field_name("alternative")))
        if t == "binary_expression":
            op = n.child_by_field_name("operator")
            l_x = self.expr(n.child_by_field_name("left"))
            r_x = self.expr(n.child_by_field_name("right"))
            opt = self.text(op) if op is not None else "?"
            b = self.x("bin", n, opt, l_x, r_x)
            if opt in ("===", "==", "!==", "!="):
                for side, other in ((l_x, r_x), (r_x, l_x)):
                    if _is_env_expr(side) and other.k == "lit" and isinstance(other.a, str):
                        self.prog.env_mentions.append((other.a, other.line, "a comparison with ctx.environment"))
            return b
        if t == "unary_expression":
            op = n.child_by_field_name("operator")
            arg = self.expr(n.child_by_field_name("argument"))
            o = self.text(op) if op is not None else ""
            if o == "!":
                return self.x("not", n, arg)
            if o == "-":
                return self.x("neg", n, arg)
            if o == "+":
                return arg
            if o == "typeof":
                return self.opaque(n, "typeof is not evaluated")
            return self.opaque(n, f"operator {o} is not evaluated")
        if t in ("arrow_function", "function_expression", "function", "generator_function"):
            return self.func(n)
        if t == "assignment_expression":
            left = n.child_by_field_name("left")
            right = n.child_by_field_name("right")
            if left is not None and left.type == "identifier":
                return self.x("assign", n, self.text(left), self.expr(right))
            return self.opaque(n, "assignment to a property is not evaluated")
        if t == "sequence_expression":
            kids = [c for c in n.named_children]
            return self.expr(kids[-1]) if kids else self.x("undef", n)
        if t == "ERROR":
            self._error(n)
            return self.opaque(n, "invalid syntax")
        return self.opaque(n, f"{t.replace('_', ' ')} is not evaluated")

    def _note_env_call(self, call: X):
        f = call.a
        if f.k == "member" and f.b in IS_ENV:
            for a in call.b:
                if a.k == "lit" and isinstance(a.a, str):
                    self.prog.env_mentions.append((a.a, a.line, f"{f.b}({a.a!r})"))
        # ["staging", "production"].includes(ctx.environment)
        if f.k == "member" and f.b == "includes" and f.a.k == "arr" and call.b and _is_env_expr(call.b[0]):
            for it in f.a.a:
                if it.k == "lit" and isinstance(it.a, str):
                    self.prog.env_mentions.append((it.a, it.line, "list of environments"))


def _is_env_expr(x: X | None) -> bool:
    return x is not None and x.k == "member" and x.b in ENV_PROPS


def _first_error(root, path: str) -> Diagnostic | None:
    stack = [root]
    n_seen = 0
    while stack and n_seen < 500000:
        n_seen += 1
        n = stack.pop()
        if n.is_missing:
            return Diagnostic(path, n.start_point[0] + 1, f"invalid TypeScript syntax: missing {n.type!r}", "error",
                              n.start_point[1] + 1)
        if n.type == "ERROR":
            return Diagnostic(path, n.start_point[0] + 1, "invalid TypeScript syntax", "error", n.start_point[1] + 1)
        if n.has_error:
            stack.extend(reversed(n.children))
    return None


def parse_railway_ts(src: bytes, path: str) -> tuple[Program | None, list[Diagnostic]]:
    """The file as a :class:`Program`, and diagnostics (syntax errors keep their line; never raises)."""
    try:
        tree = _parser().parse(src)
    except Exception as e:  # pragma: no cover - tree-sitter failure on odd input
        return None, [Diagnostic(path, 1, f"cannot parse TypeScript: {e}", "error")]
    conv = _TS(src, path)
    try:
        conv.program(tree.root_node)
    except _TooDeep as e:
        return None, [Diagnostic(path, e.args[0], "nested too deeply to analyse; skipped", "error")]
    if tree.root_node.has_error and not conv.diags:
        d = _first_error(tree.root_node, path)
        if d is not None:
            conv.diags.append(d)
    if conv.prog.main is None:
        conv.diags.append(Diagnostic(path, 1, "no `export default defineRailway(...)` found; nothing to evaluate",
                                     "warning"))
    return conv.prog, conv.diags


# ---------------------------------------------------------------------------------------------------------------
# evaluation
class _Undef:
    __slots__ = ()

    def __repr__(self):
        return "undefined"


UNDEF = _Undef()


class JSObj(dict):
    """An evaluated object literal: key -> value, with the line of each property and of each value's origin."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.key_lines: dict = {}
        self.val_lines: dict = {}


class JSArr(list):
    def __init__(self, *a):
        super().__init__(*a)
        self.item_lines: list = []


class Resource:
    """service(...) / postgres(...) / volume(...) / bucket(...) / group(...)."""

    def __init__(self, type_: str, name: Any, config: JSObj, line: int, col: int, engine: str | None = None,
                 helper: str = ""):
        self.type = type_
        self.name = name
        self.config = config
        self.line = line
        self.col = col
        self.engine = engine
        self.helper = helper
        self.group: str | None = None


class _Ref:
    """A reference resolved by Railway per environment: service.env.X, ctx.shared.X, preserve(), randomString()."""

    def __init__(self, kind: str, text: str):
        self.kind = kind
        self.text = text


class _EnvRefs:
    def __init__(self, res: Resource):
        self.res = res


class _Ctx:
    def __init__(self, env: str):
        self.env = env


class _Shared:
    pass


class _ProcessEnv:
    pass


class _Func:
    def __init__(self, x: X, scope: "_Scope"):
        self.x = x
        self.scope = scope


class _Builtin:
    def __init__(self, name: str, this: Any = None):
        self.name = name
        self.this = this


class _Scope:
    def __init__(self, parent: "_Scope | None" = None):
        self.vars: dict = {}
        self.parent = parent

    def get(self, name):
        s = self
        while s is not None:
            if name in s.vars:
                return s.vars[name]
            s = s.parent
        raise KeyError(name)

    def set_existing(self, name, val) -> bool:
        s = self
        while s is not None:
            if name in s.vars:
                s.vars[name] = val
                return True
            s = s.parent
        return False


class _Return(Exception):
    def __init__(self, value, line):
        self.value = value
        self.line = line


class _Budget(Exception):
    pass


HELPERS = {"defineRailway", "define", "define_railway", "project", "service", "fn", "postgres", "mysql", "redis",
           "mongo", "database", "volume", "bucket", "group", "github", "image", "template", "empty", "preserve", "ref"}
DB_DEFAULTS = {  # engine -> (image, output variable, default mount path), from the railway/iac SDK
    "postgres": ("ghcr.io/railwayapp-templates/postgres-ssl:18", "DATABASE_URL", "/var/lib/postgresql/data"),
    "mysql": ("mysql:9", "MYSQL_URL", "/var/lib/mysql"),
    "redis": ("railwayapp/redis:8.2", "REDIS_URL", "/bitnami"),
    "mongo": ("mongo:8", "MONGO_URL", "/data/db"),
}


@dataclass
class EvalResult:
    environment: str
    project: Any = None          # project name (str or Unknown)
    resources: list = field(default_factory=list)   # plain dicts, see _plain_resource
    notes: list = field(default_factory=list)       # [(line, reason)] values that stayed unknown
    error: tuple | None = None                      # (line, reason) when nothing could be evaluated


def _truthy(v):
    if isinstance(v, Unknown):
        return v
    if v is None or v is UNDEF or v is False:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v != 0
    if isinstance(v, str):
        return v != ""
    return True


def _js_str(v) -> Any:
    if isinstance(v, Unknown):
        return v
    if isinstance(v, _Ref):
        return Unknown(f"{v.text} is resolved by Railway")
    if v is None:
        return "null"
    if v is UNDEF:
        return "undefined"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, float, str)):
        return str(v)
    if isinstance(v, list):
        parts = [_js_str(x) for x in v]
        bad = next((p for p in parts if isinstance(p, Unknown)), None)
        return bad if bad is not None else ",".join(parts)
    return Unknown("an object converted to a string")


def _strict_eq(a, b):
    if isinstance(a, Unknown):
        return a
    if isinstance(b, Unknown):
        return b
    if isinstance(a, _Ref) or isinstance(b, _Ref):
        return Unknown("a Railway reference compared")
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, (str, bool)) or a is None or a is UNDEF:
        return a == b
    return a is b


class Evaluator:
    def __init__(self, prog: Program, env: str):
        self.prog = prog
        self.env = env
        self.steps = 0
        self.calls = 0
        self.notes: list = []
        self.ctx = _Ctx(env)

    def note(self, line, reason):
        if len(self.notes) < 200 and (line, reason) not in self.notes:
            self.notes.append((line, reason))

    def unknown(self, x: X, reason: str) -> Unknown:
        self.note(x.line, reason)
        return Unknown(reason)

    # -- statements -----------------------------------------------------------------------------------------
    def run(self) -> EvalResult:
        res = EvalResult(self.env)
        glob = _Scope()
        for local, (module, imported) in self.prog.imports.items():
            if module in SDK_MODULES or module.startswith("railway/"):
                glob.vars[local] = _Builtin(imported) if imported not in ("*", "default") else _Builtin("*module")
            else:
                glob.vars[local] = Unknown(f"{local!r} is imported from {module!r}, which iaclint does not read")
        try:
            self.exec_block(self.prog.body, glob)
            if self.prog.main is None:
                res.error = (1, "no `export default defineRailway(...)`")
                return res
            val, _ = self.ev(self.prog.main, glob)
            if isinstance(val, (_Func, _Builtin)) and not (isinstance(val, _Builtin) and val.name == "*program"):
                val = self.call_value(val, [self.ctx, _Builtin("project")], self.prog.main, [])
            if isinstance(val, _Builtin) and val.name == "*program":
                val = self.call_value(val.this, [self.ctx, _Builtin("project")], self.prog.main, [])
        except _Return as r:
            val = r.value
        except _Budget:
            res.error = (self.prog.main_line, "evaluation exceeded iaclint's step budget")
            res.notes = self.notes
            return res
        except RecursionError:
            res.error = (self.prog.main_line, "nested too deeply to evaluate")
            return res
        res.notes = self.notes
        if isinstance(val, Unknown):
            res.error = (self.prog.main_line, val.reason)
            return res
        if not (isinstance(val, JSObj) and val.get("$project")):
            res.error = (self.prog.main_line, "defineRailway's function does not return project(...)")
            return res
        res.project = val.get("name")
        for item, line in val["resources"]:
            if isinstance(item, Resource):
                res.resources.append(_plain_resource(item))
            elif isinstance(item, Unknown):
                self.note(line, f"a resource cannot be evaluated: {item.reason}")
        res.notes = self.notes
        return res

    def exec_block(self, stmts, scope: _Scope):
        # function declarations are hoisted
        for s in stmts:
            if s.k == "const" and isinstance(s.b, X) and s.b.k == "func" and isinstance(s.a, str):
                scope.vars[s.a] = _Func(s.b, scope)
        for s in stmts:
            self.exec(s, scope)

    def exec(self, s: X, scope: _Scope):
        self.tick()
        k = s.k
        if k == "const":
            v, ln = self.ev(s.b, scope)
            if s.c == "py" and isinstance(s.a, str) and not isinstance(v, _Func) and \
                    scope.set_existing(s.a, (v, ln)):
                return  # Python: assignment in an `if` block rebinds the function's variable
            self.bind(s.a, v, ln, scope, s)
        elif k == "setitem":
            obj, _ = self.ev(s.a, scope)
            key, _ = self.ev(s.b, scope)
            v, ln = self.ev(s.c, scope)
            if isinstance(obj, JSObj) and isinstance(key, str):
                obj[key] = v
                obj.key_lines[key] = s.line
                obj.val_lines[key] = ln
            elif isinstance(obj, JSArr) and isinstance(key, int) and 0 <= key < len(obj):
                obj[key] = v
            else:
                self.note(s.line, f"assignment to an item at line {s.line} is not evaluated")
        elif k == "return":
            if s.a is None:
                raise _Return(UNDEF, s.line)
            v, ln = self.ev(s.a, scope)
            raise _Return(v, ln)
        elif k == "if":
            t, _ = self.ev(s.a, scope)
            tv = _truthy(t)
            if isinstance(tv, Unknown):
                raise _Return(self.unknown(s, f"the `if` at line {s.line} depends on a value iaclint cannot know "
                                              f"({tv.reason})"), s.line)
            inner = scope if self.prog.lang == "py" else _Scope(scope)  # Python blocks do not scope names
            if tv:
                self.exec_block(s.b, inner)
            elif s.c is not None:
                self.exec_block(s.c, inner)
        elif k == "block":
            self.exec_block(s.a, _Scope(scope))
        elif k == "expr":
            self.ev(s.a, scope)
        elif k == "switch":
            d, _ = self.ev(s.a, scope)
            matched = False
            for test, stmts in s.b:
                if not matched:
                    if test is None:
                        continue
                    tv, _ = self.ev(test, scope)
                    eq = _strict_eq(d, tv)
                    if isinstance(eq, Unknown):
                        raise _Return(self.unknown(s, f"the `switch` at line {s.line} depends on a value iaclint "
                                                      f"cannot know ({eq.reason})"), s.line)
                    matched = bool(eq)
                if matched:
                    try:
                        self.exec_block(stmts, _Scope(scope))
                    except _Break:
                        return
            if not matched:
                for test, stmts in s.b:
                    if test is None:
                        matched = True
                    if matched:
                        try:
                            self.exec_block(stmts, _Scope(scope))
                        except _Break:
                            return
        elif k == "break":
            raise _Break()
        elif k == "opaque_stmt":
            self.note(s.line, s.a)

    def bind(self, target, v, ln, scope: _Scope, s: X):
        if isinstance(target, str):
            scope.vars[target] = (v, ln) if not isinstance(v, _Func) else v
            return
        kind, items = target
        if kind == "obj":
            for key, sub in items:
                if isinstance(v, Unknown):
                    self.bind(sub, v, ln, scope, s)
                elif isinstance(v, JSObj):
                    self.bind(sub, v.get(key, UNDEF), v.val_lines.get(key, ln), scope, s)
                else:
                    self.bind(sub, self.member(v, key, s), ln, scope, s)
        elif kind == "arr":
            for i, sub in enumerate(items):
                if isinstance(v, JSArr) and i < len(v):
                    self.bind(sub, v[i], v.item_lines[i] if i < len(v.item_lines) else ln, scope, s)
                else:
                    self.bind(sub, v if isinstance(v, Unknown) else UNDEF, ln, scope, s)

    def tick(self):
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _Budget()

    # -- expressions: every evaluation returns (value, line of the value's origin) --------------------------
    def ev(self, x: X, scope: _Scope):
        self.tick()
        k = x.k
        if k == "lit":
            return x.a, x.line
        if k == "undef":
            return UNDEF, x.line
        if k == "name":
            try:
                v = scope.get(x.a)
            except KeyError:
                if x.a in HELPERS:
                    return _Builtin(x.a), x.line
                if x.a == "process":
                    return _ProcessEnv(), x.line
                if x.a in ("Object", "JSON", "Array", "String", "Number", "Boolean", "Math"):
                    return _Builtin(x.a), x.line
                return self.unknown(x, f"{x.a!r} is not defined in the file"), x.line
            if isinstance(v, tuple):
                return v
            return v, x.line
        if k == "tmpl":
            out = []
            for p in x.a:
                if isinstance(p, str):
                    out.append(p)
                    continue
                v, _ = self.ev(p, scope)
                s = _js_str(v)
                if isinstance(s, Unknown):
                    return s, x.line
                out.append(s)
            return "".join(out), x.line
        if k == "member":
            if x.a.k == "member" and x.a.b == "env" and x.a.a.k == "name" and x.a.a.a == "process":
                return self.unknown(x, f"process.env.{x.b} is read when the Railway CLI evaluates the file"), x.line
            obj, ln = self.ev(x.a, scope)
            v = self.member(obj, x.b, x)
            if isinstance(obj, JSObj) and x.b in obj.val_lines:
                ln = obj.val_lines[x.b]
            return v, ln if not isinstance(v, (_Ref, Resource)) else x.line
        if k == "index":
            obj, ln = self.ev(x.a, scope)
            idx, _ = self.ev(x.b, scope)
            if isinstance(idx, Unknown):
                return idx, x.line
            if isinstance(obj, JSArr) and isinstance(idx, (int, float)) and not isinstance(idx, bool):
                i = int(idx)
                if 0 <= i < len(obj):
                    return obj[i], (obj.item_lines[i] if i < len(obj.item_lines) else x.line)
                return UNDEF, x.line
            key = _js_str(idx)
            if isinstance(key, Unknown):
                return key, x.line
            v = self.member(obj, key, x)
            if isinstance(obj, JSObj) and key in obj.val_lines:
                ln = obj.val_lines[key]
            return v, ln
        if k == "call":
            return self.call(x, scope)
        if k == "obj":
            o = JSObj()
            for it in x.a:
                if it[0] == "prop":
                    _, key, vx, line, _col = it
                    if isinstance(key, X):
                        kv, _ = self.ev(key, scope)
                        key = _js_str(kv)
                        if isinstance(key, Unknown):
                            self.note(line, f"computed property name: {key.reason}")
                            continue
                    v, ln = self.ev(vx, scope)
                    o[key] = v
                    o.key_lines[key] = line
                    o.val_lines[key] = ln
                else:
                    v, ln = self.ev(it[1], scope)
                    if isinstance(v, JSObj):
                        for kk, vv in v.items():
                            o[kk] = vv
                            o.key_lines[kk] = v.key_lines.get(kk, it[2])
                            o.val_lines[kk] = v.val_lines.get(kk, it[2])
                    elif isinstance(v, Unknown):
                        o[f"...{it[2]}"] = self.unknown(vx_or(it[1]), f"spread at line {it[2]}: {v.reason}")
                        o.key_lines[f"...{it[2]}"] = it[2]
                        o.val_lines[f"...{it[2]}"] = it[2]
            return o, x.line
        if k == "arr":
            a = JSArr()
            for it in x.a:
                if it.k == "spread":
                    v, ln = self.ev(it.a, scope)
                    if isinstance(v, JSArr):
                        a.extend(v)
                        a.item_lines.extend(v.item_lines or [ln] * len(v))
                    elif isinstance(v, Unknown):
                        a.append(v)
                        a.item_lines.append(it.line)
                    elif v is False or v is None or v is UNDEF:
                        # [...(cond && [x])] with a false condition: TypeError in JS; treat as nothing
                        continue
                    else:
                        a.append(self.unknown(it, f"spread of a non-array at line {it.line}"))
                        a.item_lines.append(it.line)
                else:
                    v, ln = self.ev(it, scope)
                    a.append(v)
                    a.item_lines.append(ln)
            return a, x.line
        if k == "cond":
            t, _ = self.ev(x.a, scope)
            tv = _truthy(t)
            if isinstance(tv, Unknown):
                return self.unknown(x, f"the condition at line {x.line} cannot be known: {tv.reason}"), x.line
            return self.ev(x.b if tv else x.c, scope)
        if k == "bin":
            return self.binary(x, scope)
        if k == "not":
            v, _ = self.ev(x.a, scope)
            tv = _truthy(v)
            return (tv if isinstance(tv, Unknown) else (not tv)), x.line
        if k == "neg":
            v, _ = self.ev(x.a, scope)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return -v, x.line
            return (v if isinstance(v, Unknown) else Unknown("negation of a non-number")), x.line
        if k == "func":
            return _Func(x, scope), x.line
        if k == "assign":
            v, ln = self.ev(x.b, scope)
            if not scope.set_existing(x.a, (v, ln)):
                scope.vars[x.a] = (v, ln)
            return v, ln
        if k == "spread":
            return self.ev(x.a, scope)
        if k == "opaque":
            return self.unknown(x, x.a), x.line
        return self.unknown(x, f"{k} is not evaluated"), x.line

    def binary(self, x: X, scope: _Scope):
        op, lx, rx = x.a, x.b, x.c
        if op in ("&&", "and"):
            lv, ln = self.ev(lx, scope)
            t = _truthy(lv)
            if isinstance(t, Unknown):
                return self.unknown(x, f"the condition at line {x.line} cannot be known: {t.reason}"), x.line
            return (lv, ln) if not t else self.ev(rx, scope)
        if op in ("||", "or"):
            lv, ln = self.ev(lx, scope)
            t = _truthy(lv)
            if isinstance(t, Unknown):
                return self.unknown(x, f"the condition at line {x.line} cannot be known: {t.reason}"), x.line
            return (lv, ln) if t else self.ev(rx, scope)
        if op == "??":
            lv, ln = self.ev(lx, scope)
            if isinstance(lv, Unknown):
                return lv, ln
            return (lv, ln) if lv is not None and lv is not UNDEF else self.ev(rx, scope)
        lv, _ = self.ev(lx, scope)
        rv, _ = self.ev(rx, scope)
        if op in ("===", "==", "!==", "!="):
            eq = _strict_eq(lv, rv)
            if isinstance(eq, Unknown):
                return eq, x.line
            return (eq if op in ("===", "==") else not eq), x.line
        if op == "in" or op == "not in":
            if isinstance(rv, (JSArr, str)) and not isinstance(lv, Unknown):
                r = lv in rv
                return (r if op == "in" else not r), x.line
            if isinstance(rv, JSObj) and isinstance(lv, str):
                r = lv in rv
                return (r if op == "in" else not r), x.line
            return self.unknown(x, f"`{op}` on values iaclint cannot know"), x.line
        if isinstance(lv, Unknown):
            return lv, x.line
        if isinstance(rv, Unknown):
            return rv, x.line
        if op == "+":
            if isinstance(lv, JSArr) and isinstance(rv, JSArr) and self.prog.lang == "py":
                out = JSArr(lv + rv)
                out.item_lines = list(lv.item_lines) + list(rv.item_lines)
                return out, x.line
            if isinstance(lv, str) or isinstance(rv, str):
                a, b = _js_str(lv), _js_str(rv)
                if isinstance(a, Unknown):
                    return a, x.line
                if isinstance(b, Unknown):
                    return b, x.line
                return a + b, x.line
            if isinstance(lv, (int, float)) and isinstance(rv, (int, float)):
                return lv + rv, x.line
        if isinstance(lv, (int, float)) and isinstance(rv, (int, float)) and not isinstance(lv, bool) \
                and not isinstance(rv, bool):
            try:
                if op == "-":
                    return lv - rv, x.line
                if op == "*":
                    return lv * rv, x.line
                if op == "/":
                    return (lv / rv if rv else Unknown("division by zero")), x.line
                if op == "%":
                    return (lv % rv if rv else Unknown("division by zero")), x.line
                if op in ("<", ">", "<=", ">="):
                    return {"<": lv < rv, ">": lv > rv, "<=": lv <= rv, ">=": lv >= rv}[op], x.line
            except (OverflowError, ValueError):
                return Unknown("arithmetic overflow"), x.line
        if isinstance(lv, str) and isinstance(rv, str) and op in ("<", ">", "<=", ">="):
            return {"<": lv < rv, ">": lv > rv, "<=": lv <= rv, ">=": lv >= rv}[op], x.line
        return self.unknown(x, f"operator {op} on these values is not evaluated"), x.line

    def member(self, obj, prop, x: X):
        if isinstance(obj, Unknown):
            return obj
        if isinstance(obj, _Ctx):
            if prop in ENV_PROPS:
                return obj.env
            if prop in IS_ENV or prop in ("randomString", "random_string"):
                return _Builtin("ctx." + prop, obj)
            if prop == "shared":
                return _Shared()
            return self.unknown(x, f"ctx.{prop} is known only when the Railway CLI runs")
        if isinstance(obj, _Shared):
            return _Ref("shared", f"${{{{shared.{prop}}}}}")
        if isinstance(obj, _ProcessEnv):
            if prop == "env":
                return _ProcessEnv()
            return self.unknown(x, f"process.{prop} is read when the Railway CLI evaluates the file")
        if isinstance(obj, Resource):
            if prop == "env":
                return _EnvRefs(obj)
            if prop == "name":
                return obj.name
            if prop == "address":
                return f"{obj.type}.{obj.name}"
            return obj.config.get(prop, UNDEF)
        if isinstance(obj, _EnvRefs):
            return _Ref("reference", f"${{{{{obj.res.name}.{prop}}}}}")
        if isinstance(obj, JSObj):
            if prop in obj:
                return obj[prop]
            if self.prog.lang == "py" and prop in ("get", "items", "keys", "values"):
                return _Builtin("dict." + prop, obj)
            return UNDEF
        if isinstance(obj, JSArr):
            if prop == "length":
                return len(obj)
            return _Builtin("array." + prop, obj)
        if isinstance(obj, str):
            if prop == "length":
                return len(obj)
            return _Builtin("string." + prop, obj)
        if isinstance(obj, _Builtin):
            if obj.name == "*module":
                return _Builtin(prop)
            return _Builtin(f"{obj.name}.{prop}")
        if obj is None or obj is UNDEF:
            return self.unknown(x, f"reading .{prop} of {'null' if obj is None else 'undefined'} at line {x.line}")
        return self.unknown(x, f".{prop} on this value is not evaluated")

    # -- calls ----------------------------------------------------------------------------------------------
    def call(self, x: X, scope: _Scope):
        fv, _ = self.ev(x.a, scope)
        args: list = []
        lines: list = []
        for a in x.b:
            if a.k == "spread":
                v, ln = self.ev(a.a, scope)
                if isinstance(v, JSArr):
                    args.extend(v)
                    lines.extend(v.item_lines or [ln] * len(v))
                    continue
                args.append(v)
                lines.append(ln)
                continue
            v, ln = self.ev(a, scope)
            args.append(v)
            lines.append(ln)
        kwargs = None
        if x.c:
            kwargs = JSObj()
            for name, vx, line in x.c:
                v, ln = self.ev(vx, scope)
                if name is None:  # **spread
                    if isinstance(v, JSObj):
                        for kk, vv in v.items():
                            kwargs[kk] = vv
                            kwargs.key_lines[kk] = v.key_lines.get(kk, line)
                            kwargs.val_lines[kk] = v.val_lines.get(kk, line)
                    continue
                kwargs[name] = v
                kwargs.key_lines[name] = line
                kwargs.val_lines[name] = ln
        return self.call_value(fv, args, x, lines, kwargs), x.line

    def call_value(self, fv, args, x: X, lines, kwargs=None):
        if isinstance(fv, Unknown):
            return fv
        if isinstance(fv, _Func):
            return self.call_func(fv, args, x, lines, kwargs)
        if isinstance(fv, _Builtin):
            return self.builtin(fv, args, x, lines, kwargs)
        return self.unknown(x, f"calling a non-function at line {x.line}")

    def call_func(self, f: _Func, args, x: X, lines, kwargs=None):
        self.calls += 1
        if self.calls > MAX_CALL_DEPTH * 50:
            raise _Budget()
        depth = getattr(self, "_depth", 0)
        if depth >= MAX_CALL_DEPTH:
            return self.unknown(x, "function calls nested too deeply")
        self._depth = depth + 1
        try:
            scope = _Scope(f.scope)
            params = f.x.a or []
            for i, p in enumerate(params):
                if isinstance(p, tuple) and p and p[0] == "default":
                    name, dflt = p[1], p[2]
                    v = args[i] if i < len(args) else UNDEF
                    if kwargs is not None and name in kwargs:
                        v = kwargs[name]
                    if v is UNDEF and dflt is not None:
                        v, _ = self.ev(dflt, f.scope)
                    self.bind(name, v, lines[i] if i < len(lines) else x.line, scope, x)
                    continue
                v = args[i] if i < len(args) else UNDEF
                if kwargs is not None and isinstance(p, str) and p in kwargs:
                    v = kwargs[p]
                self.bind(p, v, lines[i] if i < len(lines) else x.line, scope, x)
            if f.x.c:  # expression body
                v, _ = self.ev(f.x.b, scope)
                return v
            try:
                self.exec_block(f.x.b, scope)
            except _Return as r:
                return r.value
            return UNDEF if self.prog.lang == "ts" else None
        finally:
            self._depth = depth

    def builtin(self, b: _Builtin, args, x: X, lines, kwargs):
        name = b.name
        a0 = args[0] if args else UNDEF
        if name in ("defineRailway", "define", "define_railway"):
            if isinstance(a0, (_Func, _Builtin)):
                return _Builtin("*program", a0)
            return self.unknown(x, "defineRailway needs a function")
        if name == "project":
            definition = args[1] if len(args) > 1 and isinstance(args[1], JSObj) else JSObj()
            if kwargs:
                definition = _merge(definition, kwargs)
            res = definition.get("resources", definition.get("services", JSArr()))
            out = JSObj({"$project": True, "name": a0})
            out["resources"] = self.flatten(res, definition.val_lines.get("resources", x.line), x)
            return out
        if name in ("service", "fn"):
            cfg = self.config(args, kwargs, x)
            return Resource("service", a0, cfg, x.line, x.col, helper=name)
        if name in DB_DEFAULTS:
            cfg = self.config(args, kwargs, x)
            return Resource("database", a0, cfg, x.line, x.col, engine=name, helper=name)
        if name == "database":
            engine = args[1] if len(args) > 1 and isinstance(args[1], str) else "database"
            cfg = args[2] if len(args) > 2 and isinstance(args[2], JSObj) else JSObj()
            if kwargs:
                cfg = _merge(cfg, kwargs)
            return Resource("database", a0, cfg, x.line, x.col, engine=engine, helper=name)
        if name in ("volume", "bucket"):
            cfg = self.config(args, kwargs, x)
            return Resource(name, a0, cfg, x.line, x.col, helper=name)
        if name == "group":
            items = args[1] if len(args) > 1 else UNDEF
            if isinstance(items, JSArr):
                flat = self.flatten(items, x.line, x)
                out = JSArr()
                for r, ln in flat:
                    if isinstance(r, Resource):
                        r.group = a0 if isinstance(a0, str) else None
                    out.append(r)
                    out.item_lines.append(ln)
                return out
            return JSArr()
        if name in ("github", "image", "template", "empty"):
            opts = args[1] if len(args) > 1 and isinstance(args[1], JSObj) else JSObj()
            if kwargs:
                opts = _merge(opts, kwargs)
            out = JSObj({"type": name})
            key = {"github": "repo", "image": "image", "template": "template"}.get(name)
            if key:
                out[key] = a0
                out.key_lines[key] = out.val_lines[key] = lines[0] if lines else x.line
            for kk, vv in opts.items():
                out[kk] = vv
                out.key_lines[kk] = opts.key_lines.get(kk, x.line)
                out.val_lines[kk] = opts.val_lines.get(kk, x.line)
            return out
        if name == "preserve":
            return _Ref("preserve", "preserve()")
        if name == "ref":
            if isinstance(a0, Resource) and len(args) > 1 and isinstance(args[1], str):
                return _Ref("reference", f"${{{{{a0.name}.{args[1]}}}}}")
            return self.unknown(x, "ref() of something iaclint cannot resolve")
        if name in ("ctx.isEnvironment", "ctx.is_environment"):
            if isinstance(a0, Unknown):
                return a0
            return isinstance(a0, str) and a0 == b.this.env
        if name in ("ctx.randomString", "ctx.random_string"):
            return _Ref("generated", "ctx.randomString()")
        if name.startswith("string."):
            return self.string_method(name[7:], b.this, args, x)
        if name.startswith("array."):
            return self.array_method(name[6:], b.this, args, x, lines)
        if name.startswith("dict."):
            return self.dict_method(name[5:], b.this, args, x)
        if name in ("Object.keys", "Object.values", "Object.entries"):
            if isinstance(a0, JSObj):
                out = JSArr()
                for kk, vv in a0.items():
                    item = kk if name == "Object.keys" else vv if name == "Object.values" else _arr([kk, vv], x.line)
                    out.append(item)
                    out.item_lines.append(a0.val_lines.get(kk, x.line))
                return out
            return self.unknown(x, f"{name} of a value iaclint cannot know")
        if name == "Object.assign" and args and all(isinstance(a, JSObj) for a in args):
            out = JSObj()
            for a in args:
                out = _merge(out, a)
            return out
        if name == "Object.fromEntries" and isinstance(a0, JSArr):
            out = JSObj()
            for i, pair in enumerate(a0):
                if isinstance(pair, JSArr) and len(pair) == 2 and isinstance(pair[0], str):
                    out[pair[0]] = pair[1]
                    ln = a0.item_lines[i] if i < len(a0.item_lines) else x.line
                    out.key_lines[pair[0]] = ln
                    out.val_lines[pair[0]] = pair.item_lines[1] if len(pair.item_lines) > 1 else ln
                else:
                    return self.unknown(x, "Object.fromEntries of entries iaclint cannot know")
            return out
        if name == "JSON.stringify":
            try:
                return json.dumps(_to_json(a0), separators=(",", ":"))
            except (TypeError, ValueError):
                return self.unknown(x, "JSON.stringify of a value iaclint cannot know")
        if name in ("String", "str"):
            return _js_str(a0)
        if name == "Array.isArray":
            return isinstance(a0, JSArr)
        if name in ("list", "dict") and self.prog.lang == "py":
            if name == "dict" and kwargs is not None:
                return kwargs
            return a0 if isinstance(a0, (JSArr, JSObj)) else (JSArr() if name == "list" else JSObj())
        return self.unknown(x, f"{name}() is not evaluated")

    def config(self, args, kwargs, x) -> JSObj:
        cfg = args[1] if len(args) > 1 else JSObj()
        if isinstance(cfg, Unknown):
            self.note(x.line, f"the configuration at line {x.line} cannot be known: {cfg.reason}")
            cfg = JSObj()
        elif not isinstance(cfg, JSObj):
            cfg = JSObj()
        if kwargs:
            if "config" in kwargs and isinstance(kwargs["config"], JSObj):
                cfg = _merge(cfg, kwargs["config"])
            cfg = _merge(cfg, JSObj({k: v for k, v in kwargs.items() if k != "config"}), kwargs)
        return cfg

    def flatten(self, res, line, x, depth=0) -> list:
        out: list = []
        if isinstance(res, Unknown):
            return [(res, line)]
        if not isinstance(res, JSArr):
            if isinstance(res, Resource):
                return [(res, line)]
            return []
        for i, r in enumerate(res):
            ln = res.item_lines[i] if i < len(res.item_lines) else line
            if isinstance(r, JSArr) and depth < 20:
                out.extend(self.flatten(r, ln, x, depth + 1))
            elif isinstance(r, (Resource, Unknown)):
                out.append((r, ln))
        return out

    def string_method(self, m, s: str, args, x):
        a0 = args[0] if args else UNDEF
        if any(isinstance(a, Unknown) for a in args):
            return next(a for a in args if isinstance(a, Unknown))
        simple = {"toLowerCase": s.lower, "toUpperCase": s.upper, "trim": s.strip, "lower": s.lower,
                  "upper": s.upper, "strip": s.strip}
        if m in simple:
            return simple[m]()
        if isinstance(a0, str):
            if m in ("startsWith", "startswith"):
                return s.startswith(a0)
            if m in ("endsWith", "endswith"):
                return s.endswith(a0)
            if m == "includes":
                return a0 in s
            if m == "split":
                out = _arr(s.split(a0) if a0 else list(s), x.line)
                return out
            if m == "replace" and len(args) > 1 and isinstance(args[1], str):
                return s.replace(a0, args[1], 1 if self.prog.lang == "ts" else -1)
            if m == "replaceAll" and len(args) > 1 and isinstance(args[1], str):
                return s.replace(a0, args[1])
            if m == "format":
                pass
        if m == "concat":
            parts = [_js_str(a) for a in args]
            bad = next((p for p in parts if isinstance(p, Unknown)), None)
            return bad if bad is not None else s + "".join(parts)
        return self.unknown(x, f"string method {m}() is not evaluated")

    def array_method(self, m, arr: JSArr, args, x, lines):
        a0 = args[0] if args else UNDEF
        if m == "includes" or m == "indexOf":
            if isinstance(a0, Unknown):
                return a0
            hit = [i for i, v in enumerate(arr) if _strict_eq(v, a0) is True]
            if m == "includes":
                return bool(hit)
            return hit[0] if hit else -1
        if m in ("push", "append"):
            arr.extend(args)
            arr.item_lines.extend(lines or [x.line] * len(args))
            return len(arr)
        if m == "extend" and isinstance(a0, JSArr):
            arr.extend(a0)
            arr.item_lines.extend(a0.item_lines or [x.line] * len(a0))
            return None
        if m == "concat":
            out = JSArr(arr)
            out.item_lines = list(arr.item_lines)
            for i, a in enumerate(args):
                if isinstance(a, JSArr):
                    out.extend(a)
                    out.item_lines.extend(a.item_lines or [x.line] * len(a))
                else:
                    out.append(a)
                    out.item_lines.append(lines[i] if i < len(lines) else x.line)
            return out
        if m == "flat":
            out = JSArr()
            for i, a in enumerate(arr):
                ln = arr.item_lines[i] if i < len(arr.item_lines) else x.line
                if isinstance(a, JSArr):
                    out.extend(a)
                    out.item_lines.extend(a.item_lines or [ln] * len(a))
                else:
                    out.append(a)
                    out.item_lines.append(ln)
            return out
        if m == "join":
            sep = a0 if isinstance(a0, str) else ","
            parts = [_js_str(v) for v in arr]
            bad = next((p for p in parts if isinstance(p, Unknown)), None)
            return bad if bad is not None else sep.join(parts)
        if m in ("map", "filter", "flatMap") and isinstance(a0, (_Func, _Builtin)):
            out = JSArr()
            for i, v in enumerate(arr):
                ln = arr.item_lines[i] if i < len(arr.item_lines) else x.line
                r = self.call_value(a0, [v, i], x, [ln, x.line])
                if m == "map":
                    out.append(r)
                    out.item_lines.append(ln)
                elif m == "flatMap":
                    if isinstance(r, JSArr):
                        out.extend(r)
                        out.item_lines.extend(r.item_lines or [ln] * len(r))
                    else:
                        out.append(r)
                        out.item_lines.append(ln)
                else:
                    t = _truthy(r)
                    if isinstance(t, Unknown):
                        out.append(t)
                        out.item_lines.append(ln)
                    elif t:
                        out.append(v)
                        out.item_lines.append(ln)
            return out
        return self.unknown(x, f"array method {m}() is not evaluated")

    def dict_method(self, m, d: JSObj, args, x):
        a0 = args[0] if args else UNDEF
        if m == "get":
            if isinstance(a0, str):
                return d.get(a0, args[1] if len(args) > 1 else None)
            return self.unknown(x, "dict.get of a key iaclint cannot know")
        if m in ("items", "keys", "values"):
            out = JSArr()
            for kk, vv in d.items():
                out.append(kk if m == "keys" else vv if m == "values" else _arr([kk, vv], x.line))
                out.item_lines.append(d.val_lines.get(kk, x.line))
            return out
        return self.unknown(x, f"dict.{m}() is not evaluated")


class _Break(Exception):
    pass


def vx_or(x):
    return x if isinstance(x, X) else X("opaque", 1)


def _arr(items, line) -> JSArr:
    a = JSArr(items)
    a.item_lines = [line] * len(items)
    return a


def _merge(a: JSObj, b: JSObj, lines_from: JSObj | None = None) -> JSObj:
    out = JSObj()
    for src in (a, b):
        for k, v in src.items():
            out[k] = v
            ls = lines_from if (lines_from is not None and src is b) else src
            out.key_lines[k] = ls.key_lines.get(k, src.key_lines.get(k, 1))
            out.val_lines[k] = ls.val_lines.get(k, src.val_lines.get(k, 1))
    return out


def _to_json(v):
    if isinstance(v, (Unknown, _Ref, Resource, _Func, _Builtin)) or v is UNDEF:
        raise TypeError("not JSON")
    if isinstance(v, dict):
        return {k: _to_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_to_json(x) for x in v]
    return v


def _plain(v, path: str, key_lines: dict, val_lines: dict, key_line: int, val_line: int, depth=0):
    """Evaluated value -> plain data; records the property line and value-origin line of every dotted path."""
    if path:
        key_lines[path] = key_line
        val_lines[path] = val_line
    if depth > 30:
        return Unknown("nested too deeply")
    if isinstance(v, JSObj):
        return {str(k): _plain(x, f"{path}.{k}" if path else str(k), key_lines, val_lines,
                               v.key_lines.get(k, key_line), v.val_lines.get(k, val_line), depth + 1)
                for k, x in v.items()}
    if isinstance(v, JSArr):
        return [_plain(x, f"{path}.{i}" if path else str(i), key_lines, val_lines, key_line,
                       v.item_lines[i] if i < len(v.item_lines) else val_line, depth + 1)
                for i, x in enumerate(v)]
    if isinstance(v, Resource):
        return {"$resource": v.type, "name": v.name if isinstance(v.name, str) else None}
    if isinstance(v, _Ref):
        return {"$ref": v.kind, "text": v.text}
    if v is UNDEF:
        return None
    if isinstance(v, (_Func, _Builtin, _Ctx, _Shared, _EnvRefs, _ProcessEnv)):
        return Unknown("a function or context object, not a value")
    return v


def _plain_resource(r: Resource) -> dict:
    key_lines: dict = {}
    val_lines: dict = {}
    cfg = _plain(r.config, "", key_lines, val_lines, r.line, r.line)
    return {"type": r.type, "name": r.name if isinstance(r.name, (str, Unknown)) else Unknown("a non-string name"),
            "engine": r.engine, "helper": r.helper, "group": r.group, "line": r.line, "col": r.col, "config": cfg,
            "key_lines": key_lines, "val_lines": val_lines}


def evaluate(prog: Program, environment: str) -> EvalResult:
    """The project ``prog`` describes when the Railway CLI evaluates it for ``environment``; never raises."""
    ev = Evaluator(prog, environment)
    try:
        return ev.run()
    except (_Budget, RecursionError):
        r = EvalResult(environment)
        r.error = (prog.main_line, "evaluation exceeded iaclint's limits")
        return r
    except _Break:
        r = EvalResult(environment)
        r.error = (prog.main_line, "`break` outside a switch")
        return r


def parse_railway_ts_text(text: str, path: str):
    return parse_railway_ts(text.encode("utf-8"), path)
