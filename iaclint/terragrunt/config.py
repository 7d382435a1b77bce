"""Evaluating Terragrunt configuration files (``terragrunt.hcl``, ``root.hcl`` and the ``*.hcl`` they read).

Terragrunt files are HCL: the Terraform evaluator (budgets, Unknown) evaluates them through its extension points —
a :class:`FileEval` resolver per file answers ``local.*``, ``include.*`` and ``dependency.*``, and
:class:`TgEvaluator` adds Terragrunt's own functions (``find_in_parent_folders``, ``read_terragrunt_config``,
``get_terragrunt_dir``, ``path_relative_to_include``, ``get_parent_terragrunt_dir``, ``get_env``…).

Paths are absolute, as Terragrunt's functions return them: the scan root's absolute path joined with the file's
root-relative path (so ``dirname(find_in_parent_folders("root.hcl"))`` works). Only files of the scan are read
(parsed by the parse stage, never opened here): a path outside the repository, or one it does not hold, is
not found. Include chains and ``read_terragrunt_config`` nest at most ``MAX_DEPTH`` files, one unit loads at
most ``MAX_LOADS`` files, and a cycle is an error naming the file and line; the scan goes on.
"""
from __future__ import annotations

import posixpath

from ..model import Diagnostic, Span
from ..parsers.hclast import Body, ObjectExpr, TupleExpr
from ..terraform.evaluate import Evaluator, Resolver, Scope
from ..terraform.values import EvalError, Unknown, plain

MAX_DEPTH = 8  # files nested through include / read_terragrunt_config
MAX_LOADS = 64  # config files one unit evaluates (includes of includes…)
ENV_FUNCTION_UNKNOWN = ("get_aws_account_id", "get_aws_caller_identity_arn", "get_aws_caller_identity_user_id",
                        "run_cmd", "sops_decrypt_file", "get_terraform_command", "get_terraform_cli_args")


class Loader:
    """The scan's Terragrunt view: parsed .hcl bodies, the set of files, caches and diagnostics."""

    def __init__(self, bodies: dict[str, Body], files, root_abs: str):
        self.bodies = bodies  # root-relative path -> Body
        self.files = set(files)  # every discovered file (find_in_parent_folders looks for any name)
        self.root = posixpath.normpath(root_abs or "/")
        self.ev = TgEvaluator()
        self.diagnostics: list[Diagnostic] = []
        self.stack: list[str] = []  # files being evaluated, outermost first (cycle and depth checks)
        self.loads = 0  # files loaded for the current unit
        self.included: set = set()  # files some unit includes
        self._read_cache: dict = {}  # path -> value of read_terragrunt_config (it depends on the file only)

    def abs(self, rel: str) -> str:
        return posixpath.join(self.root, rel) if rel else self.root

    def rel(self, path: str, base_abs: str) -> str | None:
        """PATH (absolute, or relative to BASE_ABS) as a root-relative path; None outside the repository."""
        p = posixpath.normpath(posixpath.join(base_abs, path))
        if p == self.root:
            return ""
        return p[len(self.root):].lstrip("/") if p.startswith(self.root.rstrip("/") + "/") else None

    def error(self, path: str, line: int, msg: str, level: str = "error") -> None:
        self.diagnostics.append(Diagnostic(path, line, msg, level))

    def enter(self, rel: str, at: Span, what: str) -> str | None:
        """Why RELs evaluation cannot start (a cycle, too deep, too many files), or None after pushing it."""
        if rel in self.stack:
            chain = " -> ".join(self.stack[self.stack.index(rel):] + [rel])
            why = f"{what} cycle: {chain}"
        elif len(self.stack) >= MAX_DEPTH:
            why = f"{what} of {rel}: configuration files nested deeper than {MAX_DEPTH}"
        elif self.loads >= MAX_LOADS:
            why = f"{what} of {rel}: more than {MAX_LOADS} configuration files loaded for one unit"
        else:
            self.stack.append(rel)
            self.loads += 1
            return None
        self.error(at.path, at.line, why + "; not evaluated")
        return why

    def read_config(self, rel: str, at: Span):
        """The value ``read_terragrunt_config`` gives for REL: its locals, inputs, terraform source and
        dependency outputs, evaluated relative to REL itself."""
        if rel in self._read_cache:
            return self._read_cache[rel]
        why = self.enter(rel, at, "read_terragrunt_config")
        if why:
            return EvalError(why)
        try:
            fe = FileEval(self, rel, self.abs(posixpath.dirname(rel)), None)
            v = fe.value()
        finally:
            self.stack.pop()
        self._read_cache[rel] = v
        return v


class FileEval(Resolver):
    """One configuration file evaluated for one Terragrunt directory (the unit's, for an included file)."""

    def __init__(self, loader: Loader, path: str, tg_dir: str, include_dir: str | None):
        self.loader = loader
        self.path = path
        self.body = loader.bodies.get(path) or Body()
        self.tg_dir = tg_dir  # absolute: get_terragrunt_dir(), base of relative paths
        self.include_dir = include_dir  # absolute dir of this file when it is included by the unit, else None
        self._locals: dict = {}
        self._busy: set = set()
        self._includes: dict = {}
        self._value: dict | None = None
        locals_ = [b for b in self.body.blocks if b.type == "locals"]
        self.local_attrs = {n: a for b in locals_ for n, a in b.body.attributes.items()}

    def scope(self) -> Scope:
        return Scope(path=self.path, resolver=self)

    def eval(self, expr):
        return self.loader.ev.eval(expr, self.scope())

    # -- Resolver ----------------------------------------------------------------------
    def variable(self, name):
        return Unknown(f"var.{name}: Terragrunt configuration has no variables")

    def local(self, name):
        if name in self._locals:
            return self._locals[name]
        a = self.local_attrs.get(name)
        if a is None:
            return EvalError(f"local {name!r} is not defined in {self.path}")
        if name in self._busy:
            return EvalError(f"local {name!r} refers to itself in {self.path}")
        self._busy.add(name)
        try:
            v = self.eval(a.expr)
        finally:
            self._busy.discard(name)
        self._locals[name] = v
        return v

    def local_origins(self, name, ev):
        a = self.local_attrs.get(name)
        if a is None or ("o", name) in self._busy:
            return []
        self._busy.add(("o", name))
        try:
            return ev.origins(a.expr, self.scope())
        finally:
            self._busy.discard(("o", name))

    def resource(self, type_, name):
        if type_ == "include":
            inc = self.include(name)
            return inc.value() if isinstance(inc, FileEval) else inc
        if type_ == "dependency":
            for b in self.body.blocks:
                if b.type == "dependency" and b.labels and b.labels[0] == name:
                    return {"outputs": Unknown(f"dependency {name!r}: outputs of another unit, known after it is "
                                               "applied")}
            for inc in self.includes():
                v = inc.resource(type_, name) if isinstance(inc, FileEval) else None
                if isinstance(v, dict):
                    return v
            return EvalError(f"dependency {name!r} is not declared in {self.path}")
        return Unknown(f"{type_}.{name} is not known to iaclint in Terragrunt configuration")

    # -- includes ----------------------------------------------------------------------
    def include_blocks(self) -> dict:
        return {(b.labels[0] if b.labels else ""): b for b in self.body.blocks if b.type == "include"}

    def include(self, name: str):
        """The FileEval of include block NAME (evaluated for this unit's directory), or an Unknown why not."""
        if name in self._includes:
            return self._includes[name]
        b = self.include_blocks().get(name)
        if b is None:
            return EvalError(f"include {name!r} is not declared in {self.path}")
        self._includes[name] = Unknown(f"include {name!r} is being evaluated")
        out = self._load_include(name, b)
        self._includes[name] = out
        return out

    def _load_include(self, name, b):
        pa = b.body.attributes.get("path")
        at = Span(self.path, (pa or b).pos.line)
        if pa is None:
            self.loader.error(self.path, b.pos.line, f"include {name!r} has no path")
            return EvalError(f"include {name!r} has no path")
        p = self.eval(pa.expr)
        if isinstance(p, Unknown):
            return Unknown(f"include {name!r}: path unknown: {p.reason}")
        rel = self.loader.rel(str(p), self.tg_dir)
        if rel is None or rel not in self.loader.bodies:
            self.loader.error(self.path, at.line, f"include {name!r}: {p} is not a configuration file in the "
                                                  f"repository; not evaluated")
            return EvalError(f"include {name!r}: {p} not found")
        self.loader.included.add(rel)
        why = self.loader.enter(rel, at, "include")
        if why:
            return EvalError(why)
        try:
            fe = FileEval(self.loader, rel, self.tg_dir, self.loader.abs(posixpath.dirname(rel)))
            fe.value()  # evaluated while on the stack: its own includes and reads see the chain
        finally:
            self.loader.stack.pop()
        return fe

    def includes(self) -> list:
        return [self.include(n) for n in self.include_blocks()]

    # -- the file's value ----------------------------------------------------------------
    def value(self) -> dict:
        """What read_terragrunt_config / an exposed include gives: locals, inputs, terraform, dependency."""
        if self._value is not None:
            return self._value
        out: dict = {"locals": {n: self.local(n) for n in self.local_attrs}}
        ia = self.body.attributes.get("inputs")
        if ia is not None:
            out["inputs"] = self.eval(ia.expr)
        tb = self.body.block("terraform")
        if tb is not None and "source" in tb.body.attributes:
            out["terraform"] = {"source": self.eval(tb.body.attributes["source"].expr)}
        deps = {b.labels[0]: {"outputs": Unknown(f"dependency {b.labels[0]!r}: outputs known after it is applied")}
                for b in self.body.blocks if b.type == "dependency" and b.labels}
        if deps:
            out["dependency"] = deps
        self._value = out
        for name in self.include_blocks():
            self.include(name)
        return out

    # -- Terragrunt functions ---------------------------------------------------------------
    def call(self, name: str, args: list, line: int):
        loader = self.loader
        if name == "find_in_parent_folders":
            return self._find_in_parent_folders(args, line)
        if name == "read_terragrunt_config":
            if not args or not isinstance(args[0], str):
                return EvalError("read_terragrunt_config() needs a path")
            rel = loader.rel(args[0], self.tg_dir)
            if rel is None or rel not in loader.bodies:
                if len(args) > 1:
                    return args[1]
                loader.error(self.path, line, f"read_terragrunt_config({args[0]!r}): not a configuration file in "
                                              "the repository")
                return EvalError(f"read_terragrunt_config: {args[0]} not found")
            return loader.read_config(rel, Span(self.path, line))
        if name in ("get_terragrunt_dir", "get_original_terragrunt_dir"):
            return self.tg_dir
        if name == "get_parent_terragrunt_dir":
            return self.include_dir or self._first_include_dir() or self.tg_dir
        if name in ("path_relative_to_include", "path_relative_from_include"):
            inc = self.include_dir or self._first_include_dir()
            if inc is None:
                return "."
            a, b = (self.tg_dir, inc) if name == "path_relative_to_include" else (inc, self.tg_dir)
            return posixpath.relpath(a, b)
        if name == "get_repo_root":
            return loader.root
        if name == "get_path_from_repo_root":
            return posixpath.relpath(self.tg_dir, loader.root)
        if name == "get_path_to_repo_root":
            return posixpath.relpath(loader.root, self.tg_dir)
        if name == "get_env":
            if len(args) > 1:
                return args[1]
            return Unknown(f"get_env({args[0] if args else ''!r}): an environment variable of the run")
        return Unknown(f"{name}() is known only when Terragrunt runs")

    def _first_include_dir(self) -> str | None:
        for inc in self.includes():
            if isinstance(inc, FileEval):
                return inc.include_dir
        return None

    def _find_in_parent_folders(self, args, line):
        name = args[0] if args else "terragrunt.hcl"
        if not isinstance(name, str):
            return EvalError("find_in_parent_folders() needs a file name")
        d = self.loader.rel(".", self.tg_dir)
        while d:
            d = posixpath.dirname(d)
            cand = posixpath.normpath(posixpath.join(d, name)) if d else posixpath.normpath(name)
            if cand in self.loader.files:
                return self.loader.abs(cand)
        if len(args) > 1:
            return args[1]
        self.loader.error(self.path, line, f"find_in_parent_folders({name!r}): no {name} in a parent folder of "
                                           f"{self.loader.rel('.', self.tg_dir) or '.'} in the repository")
        return EvalError(f"find_in_parent_folders: {name} not found")


TG_FUNCTIONS = frozenset({
    "find_in_parent_folders", "read_terragrunt_config", "get_terragrunt_dir", "get_original_terragrunt_dir",
    "get_parent_terragrunt_dir", "path_relative_to_include", "path_relative_from_include", "get_repo_root",
    "get_path_from_repo_root", "get_path_to_repo_root", "get_env", *ENV_FUNCTION_UNKNOWN})


class TgEvaluator(Evaluator):
    """The Terraform evaluator with Terragrunt's functions (answered by the FileEval of the scope)."""

    def _call(self, e, scope):
        r = scope.resolver
        if e.name not in TG_FUNCTIONS or not isinstance(r, FileEval):
            return super()._call(e, scope)
        args = [plain(self.eval(a, scope)) for a in e.args]
        if e.name != "get_env" or len(args) < 2:
            bad = next((a for a in args if isinstance(a, Unknown)), None)
            if bad is not None:
                return bad
        return r.call(e.name, args, e.pos.line)


def key_spans(fe: FileEval, expr, value) -> dict:
    """{key: [Span]} where each key of an object-valued attribute was set: a literal object's own key lines (and
    where their values came from), else the whole expression's line."""
    out: dict = {}
    here = Span(fe.path, expr.pos.line, expr.pos.col, expr.pos.end_line, expr.pos.end_col)
    if type(expr) is ObjectExpr:
        for k, v in expr.items:
            kv = fe.eval(k)
            if isinstance(kv, str):
                out[kv] = fe.loader.ev.origins(v, fe.scope()) or [here]
    if isinstance(value, dict):
        for k in value:
            out.setdefault(k, [here])
    return out


def item_spans(fe: FileEval, expr) -> list:
    """[(value, Span)] of a list attribute: each literal item at its own line, else the values at the list's."""
    if type(expr) is TupleExpr:
        return [(fe.eval(x), Span(fe.path, x.pos.line, x.pos.col)) for x in expr.items]
    v = fe.eval(expr)
    here = Span(fe.path, expr.pos.line, expr.pos.col)
    return [(x, here) for x in v] if isinstance(v, list) else []
