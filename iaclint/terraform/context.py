"""One module instance's names: variables, locals, resources, data sources and child-module outputs.

Locals and resource blocks are resolved in dependency order with an explicit stack (:meth:`ModuleContext._resolve`):
a chain of 10,000 locals (``a600 = local.a599``) or resources referencing each other never goes deeper in
Python's stack than one, and each is evaluated with budgets of its own.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..parsers.hclast import Block
from .evaluate import Resolver, Scope
from .types import type_spec, with_defaults
from .values import EvalError, Unknown

if TYPE_CHECKING:
    from .modules import Expander, ModuleDir

_NOT_RESOURCES = {"var", "local", "module", "data", "each", "count", "self", "path", "terraform"}


class NoRefs(Resolver):
    """Variable defaults and tfvars may not reference anything."""


class ModuleContext(Resolver):
    def __init__(self, expander: "Expander", md: "ModuleDir", inputs: dict, *, root: str, context: str | None,
                 workspace: str | None, module_path: str, callers: list, stack: tuple):
        self.x = expander
        self.md = md
        self.inputs = inputs  # name -> (value, origins)
        self.root = root
        self.context = context
        self.workspace_name = workspace
        self.module_path = module_path
        self.callers = callers
        self.stack = stack
        self._locals: dict = {}
        self._local_origins: dict = {}
        self._in_progress: set = set()  # nodes being resolved: a reference to one of them is a cycle
        self._records: dict = {}  # (mode, type, name) -> instances_of(...) result, shared by expansion and references
        self.children: dict = {}  # module name -> value (object / list / map of outputs)
        self._variables: dict = {}  # name -> value converted to its type (optional attributes filled in)
        self.ev = expander.ev
        self._index = expander.blocks(md)  # {(mode, type, name): (path, Block)} of the directory
        self._deps_memo = expander.deps_memo(md)  # node -> the nodes it references, shared by the dir's instances

    # -- dependency order -----------------------------------------------------------
    # A node is ("local", name), ("local-origin", name) or (mode, type, name) for a resource / data block.
    def _deps(self, node) -> list:
        """The nodes NODE references: the same in every instance of the module directory (computed once)."""
        deps = self._deps_memo.get(node)
        if deps is None:
            deps = self._deps_memo[node] = self._find_deps(node)
        return deps

    def _find_deps(self, node) -> list:
        if node[0] in ("local", "local-origin"):
            path, a = self.md.locals[node[1]]
            target = self.x.refs(a.expr)
        else:
            target = self.x.refs(self._blocks()[node][1].body)
        out = []
        for ref in target:
            parts = ref.split(".")
            if parts[0] == "local":
                if parts[1] in self.md.locals:
                    out.append((node[0] if node[0] == "local-origin" else "local", parts[1]))
            elif node[0] == "local-origin":
                continue  # origins follow locals only
            elif parts[0] == "data" and len(parts) == 3:
                out.append(("data", parts[1], parts[2]))
            elif parts[0] not in _NOT_RESOURCES and len(parts) == 2:
                out.append(("managed", parts[0], parts[1]))
        return [d for d in out if d[0] in ("local", "local-origin") or d in self._blocks()]

    def _done(self, node) -> bool:
        if node[0] == "local":
            return node[1] in self._locals
        if node[0] == "local-origin":
            return node[1] in self._local_origins
        return node in self._records

    def _compute(self, node):
        if node[0] == "local":
            path, a = self.md.locals[node[1]]
            self._locals[node[1]] = self.ev.eval_own(a.expr, Scope(path=path, resolver=self))
        elif node[0] == "local-origin":
            path, a = self.md.locals[node[1]]
            ups = self.ev.origins(a.expr, Scope(path=path, resolver=self))
            self._local_origins[node[1]] = ups[:-1]
        else:
            path, b = self._blocks()[node]
            self._records[node] = self.x.instances_of(self, path, b, node[0])

    def _resolve(self, start):
        """Compute START after the nodes it references (depth first, with an explicit stack)."""
        self._in_progress.add(start)
        stack = [(start, iter(self._deps(start)))]
        while stack:
            node, pending = stack[-1]
            for dep in pending:
                if not self._done(dep) and dep not in self._in_progress:
                    self._in_progress.add(dep)
                    stack.append((dep, iter(self._deps(dep))))
                    break
            else:
                stack.pop()
                try:
                    self._compute(node)
                finally:
                    self._in_progress.discard(node)

    def _blocks(self) -> dict:
        return self._index

    # -- Resolver -------------------------------------------------------------------
    def variable(self, name):
        if name not in self._variables:
            self._variables[name] = self._typed(name, self._variable(name))
        return self._variables[name]

    def _typed(self, name, value):
        v = self.md.variables.get(name)
        t = v[1].body.attributes.get("type") if v is not None else None
        spec = type_spec(t.expr) if t is not None else None
        if spec is None:
            return value
        scope = Scope(path=v[0], resolver=NoRefs())
        return with_defaults(spec, value, lambda e: self.ev.eval_own(e, scope))

    def _variable(self, name):
        v = self.md.variables.get(name)
        if name in self.inputs:
            value = self.inputs[name][0]
            if value is not None or v is None or not _non_nullable(v[1]):
                return value
        if v is None:
            return EvalError(f"variable {name!r} is not declared")
        path, b = v
        d = b.body.attributes.get("default")
        if d is None:
            where = f"root {self.root or '.'}" if not self.module_path else self.module_path
            return Unknown(f"variable {name!r} has no default and no value is set for {where}")
        return self.ev.eval_own(d.expr, Scope(path=path, resolver=NoRefs()))

    def variable_origins(self, name):
        v = self.md.variables.get(name)
        if name in self.inputs:
            if self.inputs[name][0] is not None or v is None or not _non_nullable(v[1]):
                return tuple(self.inputs[name][1])
        if v is None:
            return ()
        path, b = v
        d = b.body.attributes.get("default")
        if d is None:
            return (self.ev.span(path, b.pos, full=False),)
        return (self.ev.span(path, d.pos),)

    def local(self, name):
        if name in self._locals:
            return self._locals[name]
        if name not in self.md.locals:
            return EvalError(f"local {name!r} is not defined")
        if ("local", name) in self._in_progress:
            return Unknown(f"local {name!r} refers to itself")
        self._resolve(("local", name))
        return self._locals[name]

    def local_origins(self, name, ev):
        if name not in self._local_origins:
            if name not in self.md.locals or ("local-origin", name) in self._in_progress:
                return ()
            self._resolve(("local-origin", name))
        return self._local_origins[name]

    def module_output(self, name):
        if name in self.children:
            return self.children[name]
        return Unknown(f"module.{name} outputs are not known (module not expanded)")

    def instances(self, path, b: Block, mode: str):
        """One block's instances in this module instance, evaluated once: the expansion records them and
        references to the block read the same values. None while the block is being evaluated (a cycle)."""
        key = (mode, b.labels[0], b.labels[1])
        if key not in self._records:
            if key in self._in_progress:
                return None
            self._resolve(key)
        return self._records[key]

    def _block_value(self, path, b: Block, mode: str):
        """The value a reference to this resource sees: configured attributes, computed ones Unknown."""
        insts = self.instances(path, b, mode)
        if insts is None:
            return Unknown(f"{b.labels[0]}.{b.labels[1]} refers to itself")
        kind, items = insts
        items = [(k, v) for k, v, inst in items if inst is None or inst.instances != 0]
        if kind == "single":
            return items[0][1] if items else Unknown("resource has no instance")
        if kind == "count":
            return [v for _, v in items]
        return {str(k): v for k, v in items}

    def resource(self, type_, name):
        ent = self._blocks().get(("managed", type_, name))
        if ent is None:
            return EvalError(f"{type_}.{name} is not declared in {self.md.dir or '.'}")
        return self._block_value(ent[0], ent[1], "managed")

    def data(self, type_, name):
        ent = self._blocks().get(("data", type_, name))
        if ent is None:
            return EvalError(f"data.{type_}.{name} is not declared")
        return self._block_value(ent[0], ent[1], "data")

    def path_attr(self, name):
        if name == "module":
            return self.md.dir or "."
        if name in ("root", "cwd"):
            return self.root or "."
        return Unknown(f"path.{name}")

    def workspace(self):
        if self.workspace_name:
            return self.workspace_name
        return Unknown("terraform.workspace is chosen at run time")

    def read_file(self, rel):
        return self.x.read_file(self.md.dir, rel)


def _non_nullable(b: Block) -> bool:
    """`nullable = false`: a null input means the default (Terraform >= 1.1)."""
    a = b.body.attributes.get("nullable")
    return a is not None and getattr(a.expr, "value", None) is False
