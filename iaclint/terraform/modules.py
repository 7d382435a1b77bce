"""Terraform configuration semantics: module directories, root modules, and their expansion.

A root module is evaluated once per environment context (its tfvars), local
child modules are expanded recursively with their inputs, ``count`` /
``for_each`` / ``dynamic`` are expanded into instances.  The result is a flat
list of :class:`ResourceInstance` plain records, each knowing the root, the
environment context, the module-call chain and where each value was set.
"""
from __future__ import annotations

import json
import posixpath
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from ..model import Diagnostic, Span
from ..parsers.hclast import Block, Body, Call, Lit, ObjectExpr, TupleExpr, Traversal
from .context import ModuleContext, NoRefs
from . import registry
from .evaluate import Evaluator, Scope
from .functions import iter_pairs, to_str
from .values import Unknown, key_suffix, render, truthy

META_ARGS = {"count", "for_each", "depends_on", "provider", "lifecycle", "providers", "source", "version",
             "connection", "provisioner"}
MAX_MODULE_DEPTH = 32
MAX_INSTANCES = 1000


@dataclass
class ModuleDir:
    dir: str
    files: list = field(default_factory=list)  # [(path, Body)]
    variables: dict = field(default_factory=dict)  # name -> (path, Block)
    locals: dict = field(default_factory=dict)  # name -> (path, Attribute)
    resources: list = field(default_factory=list)  # [(path, Block)] resource + data
    module_calls: list = field(default_factory=list)  # [(path, Block)]
    outputs: dict = field(default_factory=dict)  # name -> (path, Block)
    providers: list = field(default_factory=list)  # [(path, Block)]
    other: list = field(default_factory=list)  # terraform, import, moved...


def build_module_dirs(tf_files: dict[str, Body]) -> dict[str, ModuleDir]:
    dirs: dict[str, ModuleDir] = {}
    for path in sorted(tf_files):
        body = tf_files[path]
        d = posixpath.dirname(path)
        md = dirs.setdefault(d, ModuleDir(d))
        md.files.append((path, body))
        for b in body.blocks:
            t = b.type
            if t == "variable" and b.labels:
                md.variables[b.labels[0]] = (path, b)
            elif t == "locals":
                for name, a in b.body.attributes.items():
                    md.locals[name] = (path, a)
            elif t in ("resource", "data") and len(b.labels) >= 2:
                md.resources.append((path, b))
            elif t == "module" and b.labels:
                md.module_calls.append((path, b))
            elif t == "output" and b.labels:
                md.outputs[b.labels[0]] = (path, b)
            elif t == "provider":
                md.providers.append((path, b))
            else:
                md.other.append((path, b))
    return dirs


def module_source(block: Block) -> str | None:
    a = block.body.attributes.get("source")
    if a is not None and isinstance(a.expr, Lit) and isinstance(a.expr.value, str):
        return a.expr.value
    return None


def resolve_local_source(caller_dir: str, source: str) -> str | None:
    if source.startswith("./") or source.startswith("../") or source in (".", ".."):
        p = posixpath.normpath(posixpath.join(caller_dir or ".", source))
        return "" if p == "." else p
    return None


def module_targets(md: ModuleDir) -> set[str]:
    """The dirs a module directory calls locally.  A dir no other dir calls is a root module (graph/tfbatch.py
    finds the roots of a whole tree from these, batch by batch; copies under `.terraform/modules` never are)."""
    out = set()
    for _, b in md.module_calls:
        src = module_source(b)
        t = resolve_local_source(md.dir, src) if src is not None else None
        if t is not None and t != md.dir:
            out.add(t)
    return out


@dataclass
class ResourceInstance:
    mode: str  # managed | data
    type: str
    name: str
    key: Any  # None | int | str
    address: str
    path: str
    span: Span  # block header
    attrs: dict
    origins: dict  # attr path -> (Span, …) fix site first; shared between equal records: read-only
    present: dict  # attr path -> Span of the attribute line in the block; shared like origins
    callers: list  # [Span] module call sites, root first; shared by a module instance's records: read-only
    root: str
    context: str | None  # environment context name (tfvars) or None
    refs: list  # addresses referenced from the block
    module_path: str  # "module.a.module.b" or ""
    instances: int | None = None  # 0: count/for_each yields no instance here (a template record, lifecycle only)


@dataclass
class ExpandResult:
    instances: list = field(default_factory=list)
    diagnostics: list = field(default_factory=list)
    providers: list = field(default_factory=list)  # [(path, Block, root, context)]
    module_calls: list = field(default_factory=list)  # [(path, Block, root, context, target_dir)]


class Expander:
    def __init__(self, dirs: dict[str, ModuleDir], read_file=None, installed: dict | None = None,
                 dir_exists=None, catalogue: registry.Catalogue | None = None):
        self.dirs = dirs
        self.catalogue = catalogue  # registry modules judged without their code when not installed
        self.dir_exists = dir_exists  # (module dir) -> bool: whether a local source with no scanned .tf exists
        self.ev = Evaluator()
        self._read_file = read_file
        self.reported_remote: set = set()
        # root dir -> {module key ("vpc", "vpc.nat"): dir of its copy}, from `terraform init`'s
        # .terraform/modules/modules.json: registry/git modules scanned from where init put them
        self.installed = installed or {}
        self._refs: dict = {}  # id(node) -> (node, sorted references)
        self._ref_lists: dict = {}  # tuple(references) -> the one equal list every record holds
        self._dir_memo: dict = {}  # id(ModuleDir) -> (ModuleDir, {"blocks": {(mode, type, name): (path, Block)},
        #                                                     "deps": ModuleContext._deps' {node: [node]}})
        self._shared: dict = {}  # hash of a record's keys and value ids -> [equal origins / present dicts]
        self._callers: dict = {}  # tuple(call chain) -> the one list of it every instance's record holds

    def refs(self, node) -> list:
        """The sorted addresses a body or expression references (block_refs), computed once per node."""
        ent = self._refs.get(id(node))
        if ent is None or ent[0] is not node:
            refs = tuple(sorted(map(sys.intern, block_refs(node))))
            ent = self._refs[id(node)] = (node, self._ref_lists.setdefault(refs, list(refs)))  # shared: read-only
        return ent[1]

    def _per_dir(self, md: ModuleDir) -> dict:
        ent = self._dir_memo.get(id(md))
        if ent is None or ent[0] is not md:
            ent = self._dir_memo[id(md)] = (md, {})
        return ent[1]

    def blocks(self, md: ModuleDir) -> dict:
        """{(mode, type, name): (path, Block)} of a module directory's resource and data blocks (the first
        of duplicates)."""
        memo = self._per_dir(md)
        index = memo.get("blocks")
        if index is None:
            index = memo["blocks"] = {}
            for path, b in md.resources:
                index.setdefault(("managed" if b.type == "resource" else "data", b.labels[0], b.labels[1]), (path, b))
        return index

    def deps_memo(self, md: ModuleDir) -> dict:
        """{node: the nodes it references} of a module directory (ModuleContext._deps), shared by its instances."""
        return self._per_dir(md).setdefault("deps", {})

    def share(self, d: dict) -> dict:
        """D, or an equal dict (the same keys in the same order, equal values) an earlier record holds:
        the instances of a block in every module instance and context mostly locate the same lines. Records are
        read-only once built (azapi.fold copies before it merges)."""
        cands = self._shared.setdefault(hash(tuple(d.items())), [])
        for c in cands:
            if c == d and list(c) == list(d):
                return c
        cands.append(d)
        return d

    def call_chain(self, callers: list) -> list:
        """The one shared list equal to CALLERS (module call sites, root first; never modified)."""
        return self._callers.setdefault(tuple(callers), callers)

    def read_file(self, module_dir: str, rel: str):
        if self._read_file is None:
            return Unknown("file() is not read")
        return self._read_file(module_dir, rel)

    # -- expansion ---------------------------------------------------------------------
    def expand_root(self, root: str, inputs: dict, context: str | None, workspace: str | None) -> ExpandResult:
        res = ExpandResult()
        self._expand(self.dirs[root], inputs, root, context, workspace, "", [], (root,), res)
        res.diagnostics.extend(self.ev.take_diagnostics())  # over-budget evaluations, tfvars' included
        return res

    def _expand(self, md: ModuleDir, inputs, root, context, workspace, module_path, callers, stack, res):
        ctx = ModuleContext(self, md, inputs, root=root, context=context, workspace=workspace,
                            module_path=module_path, callers=callers, stack=stack)
        # child modules first, so their outputs are visible to resources that use them
        for path, b in md.module_calls:
            self._expand_call(ctx, path, b, res)
        for path, b in md.providers:
            res.providers.append((path, b, root, context, ctx))
        for path, b in md.resources:
            mode = "managed" if b.type == "resource" else "data"
            insts = ctx.instances(path, b, mode)
            if insts is None:
                continue
            for inst in insts[1]:
                res.instances.append(inst[2])
        return ctx

    def _expand_call(self, ctx: ModuleContext, path: str, b: Block, res: ExpandResult):
        name = b.labels[0]
        src = module_source(b)
        header = self.ev.span(path, b.pos, full=False)
        if src is None:
            res.diagnostics.append(Diagnostic(path, b.pos.line, f"module {name!r}: source is not a literal string",
                                              "warning"))
            ctx.children[name] = Unknown(f"module {name} source unknown")
            return
        target = resolve_local_source(ctx.md.dir, src)
        if target is None:
            target = self._installed_dir(ctx, name)
        if target is None and self.catalogue is not None:
            entry, ref = self.catalogue.match(src)
            if entry is not None:
                self._catalogued(ctx, path, b, entry, ref, res)
                return
        if target is None:
            if (path, b.pos.line) not in self.reported_remote:
                self.reported_remote.add((path, b.pos.line))
                res.diagnostics.append(Diagnostic(
                    path, b.pos.line,
                    f"module {name!r} comes from {src!r} (registry/remote); it is not scanned", "note"))
            ctx.children[name] = Unknown(f"module {name} is remote ({src}) and not scanned")
            return
        md = self.dirs.get(target)
        if md is None:
            if self.dir_exists is not None and not self.dir_exists(target):
                res.diagnostics.append(Diagnostic(path, b.pos.line,
                                                  f"module {name!r}: local source {src!r} does not exist", "error"))
            else:
                res.diagnostics.append(Diagnostic(path, b.pos.line, f"module {name!r}: local source {src!r} has "
                                                  "no .tf files", "warning"))
            ctx.children[name] = Unknown(f"module {name} source {src} not found")
            return
        if target in ctx.stack:
            cycle = " -> ".join(list(ctx.stack) + [target])
            res.diagnostics.append(Diagnostic(path, b.pos.line, f"module cycle: {cycle}", "error"))
            ctx.children[name] = Unknown("module cycle")
            return
        if len(ctx.stack) > MAX_MODULE_DEPTH:
            res.diagnostics.append(Diagnostic(path, b.pos.line, "modules nested too deeply", "error"))
            return
        res.module_calls.append((path, b, ctx.root, ctx.context, target))

        def instance(key, addr, inputs):
            child = self._expand(md, {n: (v, o) for n, (v, o, _) in inputs.items()}, ctx.root, ctx.context,
                                 ctx.workspace_name, addr, self.call_chain(ctx.callers + [header]), ctx.stack + (target,),
                                 res)
            out = {}
            for on, (opath, ob) in sorted(child.md.outputs.items()):
                va = ob.body.attributes.get("value")
                out[on] = self.ev.eval(va.expr, Scope(path=opath, resolver=child)) if va else None
            return out

        ctx.children[name] = self._each_call_instance(ctx, path, b, instance)

    def _each_call_instance(self, ctx: ModuleContext, path: str, b: Block, instance):
        """The module call's outputs value (an object, or a list / map of them under count / for_each):
        INSTANCE(key, address, {input: (value, origins, Span of its line)}) gives one instance's outputs."""
        keys = self._keys(ctx, path, b)
        if keys is None:
            keys = ("single", [(None, {})])
        kind, pairs = keys
        outputs: Any = {} if kind == "for_each" else []
        for key, bindings in pairs:
            scope = Scope(path=path, resolver=ctx, bindings=bindings)
            inputs = {}
            for an, a in b.body.attributes.items():
                if an in META_ARGS:
                    continue
                inputs[an] = (self.ev.eval(a.expr, scope), self.ev.origins(a.expr, scope), self.ev.span(path, a.pos))
            addr = f"{ctx.module_path + '.' if ctx.module_path else ''}module.{b.labels[0]}{key_suffix(key)}"
            out = instance(key, addr, inputs)
            if kind == "single":
                outputs = out
            elif kind == "count":
                outputs.append(out)
            else:
                outputs[str(key)] = out
        return outputs

    def _catalogued(self, ctx: ModuleContext, path: str, b: Block, entry: dict, ref, res: ExpandResult):
        """A registry module call `terraform init` did not install, judged from the module catalogue: the resource
        nodes the module would create, with the call's inputs or the module's defaults (registry.synthesize)."""
        name = b.labels[0]
        header = self.ev.span(path, b.pos)
        va = b.body.attributes.get("version")
        version = va.expr.value if va is not None and isinstance(va.expr, Lit) and isinstance(va.expr.value, str) \
            else ref
        call = f"{name} ({entry['name']})"
        res.diagnostics.append(Diagnostic(path, b.pos.line, f"module {name!r} ({module_source(b)!r}) is not "
                                          f"installed: judged from iaclint's module catalogue entry "
                                          f"{entry['name']!r}", "note"))

        def instance(key, addr, inputs):
            made = registry.synthesize(entry, {n: registry.Input(without_nulls(v), o, s)
                                               for n, (v, o, s) in inputs.items()}, version, call, header)
            by_index = {}
            for spec, attrs, origins, present, unknown in made:
                inner = spec["address"].split(".")
                mpath = ".".join([addr] + inner[:-2])
                address = f"{mpath}.{inner[-2]}.{inner[-1]}"
                by_index[entry["resources"].index(spec)] = address
                if unknown is not None:
                    attrs["__instances_unknown__"] = unknown
                res.instances.append(ResourceInstance(
                    mode="managed", type=inner[-2], name=inner[-1], key=None, address=address, path=path,
                    span=header, attrs=attrs, origins=origins, present=present,
                    callers=self.call_chain(ctx.callers + [header]), root=ctx.root, context=ctx.context,
                    refs=sorted(spec.get("refs", [])), module_path=mpath))
            return registry.outputs(entry, by_index.get)

        ctx.children[name] = self._each_call_instance(ctx, path, b, instance)

    def _installed_dir(self, ctx: ModuleContext, name: str) -> str | None:
        """The directory `terraform init` installed remote module NAME into (modules.json key: the call names
        from the root, dot-joined, without instance keys), when it holds .tf files we read."""
        manifest = self.installed.get(ctx.root)
        if not manifest:
            return None
        key = ".".join(_MODULE_NAME.findall(ctx.module_path) + [name])
        d = manifest.get(key)
        return d if d is not None and d in self.dirs else None

    def _keys(self, ctx, path, b: Block):
        """("single"|"count"|"for_each", [(key, bindings)]) or None when the block has no instances known."""
        attrs = b.body.attributes
        scope = Scope(path=path, resolver=ctx)
        if "count" in attrs:
            n = self.ev.eval(attrs["count"].expr, scope)
            if isinstance(n, Unknown) or not isinstance(n, (int, float)) or isinstance(n, bool):
                reason = n.reason if isinstance(n, Unknown) else "count is not a number"
                return ("count", [(0, {"count": {"index": Unknown(f"count unknown: {reason}")},
                                       "__unknown_count__": reason})])
            n = max(0, min(int(n), MAX_INSTANCES))
            return ("count", [(i, {"count": {"index": i}}) for i in range(n)])
        if "for_each" in attrs:
            coll = self.ev.eval(attrs["for_each"].expr, scope)
            if isinstance(coll, Unknown) or not isinstance(coll, (dict, list)):
                reason = coll.reason if isinstance(coll, Unknown) else "for_each is not a collection"
                u = Unknown(f"for_each unknown: {reason}")
                return ("for_each", [("?", {"each": {"key": u, "value": u}, "__unknown_count__": reason})])
            pairs = []
            if isinstance(coll, dict):
                items = [(str(k), v) for k, v in sorted(coll.items())]
            else:
                items = [(to_str(v), v) for v in coll]
            for k, v in items[:MAX_INSTANCES]:
                pairs.append((k, {"each": {"key": k, "value": v}}))
            return ("for_each", pairs)
        return ("single", [(None, {})])

    def instances_of(self, ctx: ModuleContext, path: str, b: Block, mode: str):
        """("single"|"count"|"for_each", [(key, attrs, ResourceInstance)]); call through ModuleContext.instances."""
        kind, pairs = self._keys(ctx, path, b)
        out = []
        type_, name = b.labels[0], b.labels[1]
        refs = self.refs(b.body)  # the block's references: the same for every instance
        for key, bindings in pairs:
            scope = Scope(path=path, resolver=ctx, bindings={k: v for k, v in bindings.items()
                                                                if not k.startswith("__")})
            origins: dict = {}
            present: dict = {}
            attrs = self.eval_body(b.body, scope, "", origins, present, top=True)
            if mode == "data" and type_ == "aws_iam_policy_document":
                attrs.setdefault("json", sys.intern(policy_document_json(attrs)))
            prefix = ("data." if mode == "data" else "") + f"{type_}.{name}{key_suffix(key)}"
            address = sys.intern(f"{ctx.module_path}.{prefix}" if ctx.module_path else prefix)
            if "__unknown_count__" in bindings:
                attrs["__instances_unknown__"] = bindings["__unknown_count__"]
            inst = ResourceInstance(
                mode=mode, type=type_, name=name, key=key, address=address, path=path, span=self.ev.span(path, b.pos),
                attrs=attrs, origins=self.share(origins), present=self.share(present), callers=ctx.callers,
                root=ctx.root, context=ctx.context, refs=refs, module_path=ctx.module_path)
            out.append((key, attrs, inst))
        if not pairs and mode == "managed":
            out.append((None, {}, self._template_record(ctx, path, b, refs)))
        return (kind, out)

    def _template_record(self, ctx: ModuleContext, path: str, b: Block, refs: list) -> ResourceInstance:
        """A block whose count/for_each is empty here: only its static ``lifecycle`` is known (Terraform evaluates
        it before any variable), so rules about lifecycle guards can still see the block."""
        origins: dict = {}
        present: dict = {}
        attrs: dict = {}
        for lc in b.body.blocks_of("lifecycle"):
            attrs.setdefault("lifecycle", []).append(
                self.eval_body(lc.body, Scope(path=path, resolver=NoRefs()), "lifecycle.", origins, present))
            present.setdefault("lifecycle", self.ev.span(path, lc.pos))
        type_, name = b.labels[0], b.labels[1]
        address = sys.intern(f"{ctx.module_path}.{type_}.{name}" if ctx.module_path else f"{type_}.{name}")
        return ResourceInstance(
            mode="managed", type=type_, name=name, key=None, address=address, path=path, span=self.ev.span(path, b.pos),
            attrs=attrs, origins=self.share(origins), present=self.share(present), callers=ctx.callers, root=ctx.root,
            context=ctx.context, refs=refs, module_path=ctx.module_path, instances=0)

    def _object_items(self, obj: ObjectExpr, value, p: str, scope: Scope, origins: dict, present: dict, depth: int):
        for k, v in obj.items:
            if type(k) is Lit and isinstance(k.value, str):
                if isinstance(value, dict) and k.value not in value:
                    continue  # null: not set
                kp = sys.intern(f"{p}.{k.value}")
                present.setdefault(kp, self.ev.span(scope.path, k.pos, full=False))
                origins.setdefault(kp, self.ev.recorded_origins(v, scope))
                if depth > 1 and type(v) is ObjectExpr:
                    sub = value.get(k.value) if isinstance(value, dict) else None
                    self._object_items(v, sub, kp, scope, origins, present, depth - 1)
                elif depth > 1 and type(v) is TupleExpr:  # `Statement = [{…}, {…}]`: each item's keys, by index
                    sub = value.get(k.value) if isinstance(value, dict) else None
                    for i, item in enumerate(v.items):
                        if type(item) is ObjectExpr:
                            item_value = sub[i] if isinstance(sub, list) and i < len(sub) else None
                            self._object_items(item, item_value, sys.intern(f"{kp}[{i}]"), scope, origins, present,
                                               depth - 1)

    def eval_body(self, body: Body, scope: Scope, prefix: str, origins: dict, present: dict, top=False) -> dict:
        out: dict = {}
        for an, a in body.attributes.items():
            if top and an in ("count", "for_each", "depends_on", "provider"):
                continue
            v = without_nulls(self.ev.eval(a.expr, scope))
            if v is None:
                continue  # `attr = null` (or a null variable): the attribute is not set
            p = sys.intern(prefix + an) if prefix else an
            out[an] = v
            present[p] = self.ev.span(scope.path, a.pos)
            origins[p] = self.ev.recorded_origins(a.expr, scope)
            obj = a.expr
            if type(obj) is Call and obj.name == "jsonencode" and len(obj.args) == 1:
                obj = obj.args[0]  # `policy = jsonencode({…})`: its keys' lines too
                v = None  # the attribute's value is the encoded string: the keys' values are not known here
            if type(obj) is ObjectExpr:  # `config = { key = … }`: each literal key's own line and origins
                self._object_items(obj, v, p, scope, origins, present, 3)
        seen: set = set()
        repeated = {b.type for b in body.blocks if b.type in seen or seen.add(b.type)}
        for blk in body.blocks:
            if blk.type == "dynamic" and blk.labels:
                bname = blk.labels[0]
                it = blk.body.attributes.get("iterator")
                it_name = bname
                if it is not None and hasattr(it.expr, "root"):
                    it_name = it.expr.root
                fe = blk.body.attributes.get("for_each")
                content = blk.body.block("content")
                if content is None:
                    continue
                coll = self.ev.eval(fe.expr, scope) if fe else Unknown("dynamic block without for_each")
                lst = out.setdefault(bname, [])
                p = sys.intern(prefix + bname) if prefix else bname
                present.setdefault(p, self.ev.span(scope.path, blk.pos, full=False))
                if isinstance(coll, Unknown) or not isinstance(coll, (dict, list)):
                    u = coll if isinstance(coll, Unknown) else Unknown("for_each is not a collection")
                    sub = scope.child({it_name: {"key": u, "value": u}})
                    d = self.eval_body(content.body, sub, p + ".", origins, present)
                    d["__dynamic_unknown__"] = u.reason
                    lst.append(d)
                    continue
                for k, v in list(iter_pairs(coll))[:MAX_INSTANCES]:
                    sub = scope.child({it_name: {"key": k, "value": v}})
                    lst.append(self.eval_body(content.body, sub, p + ".", origins, present))
                continue
            p = sys.intern(prefix + blk.type) if prefix else blk.type
            present.setdefault(p, self.ev.span(scope.path, blk.pos))
            lst = out.setdefault(blk.type, [])
            lst.append(self.eval_body(blk.body, scope, p + ".", origins, present))
            if blk.type in repeated:  # `statement {…} statement {…}`: block I's own lines as `statement[I].attr`
                for an in blk.body.attributes:
                    ip = sys.intern(f"{p}[{len(lst) - 1}].{an}")
                    present[ip] = present[f"{p}.{an}"]
                    origins[ip] = origins[f"{p}.{an}"]
        return out


def without_nulls(v):
    """V with null-valued object attributes dropped (Terraform: null is "not set"), at any depth; V itself
    when it holds none (values are shared: never modified in place). Values nest at most MAX_VALUE_DEPTH."""
    if isinstance(v, dict):
        out = {k: without_nulls(x) for k, x in v.items() if x is not None}
        return v if len(out) == len(v) and all(out[k] is x for k, x in v.items()) else out
    if isinstance(v, list):
        out_l = [without_nulls(x) for x in v]
        return v if all(a is b for a, b in zip(out_l, v)) else out_l
    return v


_MODULE_NAME = re.compile(r'(?:^|\.)module\.([^.\[]+)')


def modules_manifest(root: str, manifest_path: str, data) -> dict:
    """{module key: module dir (scan-relative)} from a .terraform/modules/modules.json of root module ROOT.
    Only directories inside ROOT's .terraform/modules are taken (the file is data, not a pointer to follow)."""
    out: dict = {}
    mods = data.get("Modules") if isinstance(data, dict) else None
    base = posixpath.join(root, ".terraform", "modules") if root else ".terraform/modules"
    for m in mods if isinstance(mods, list) else []:
        if not isinstance(m, dict) or not isinstance(m.get("Key"), str) or not isinstance(m.get("Dir"), str):
            continue
        if not m["Key"] or m["Dir"].startswith("/"):
            continue
        d = posixpath.normpath(posixpath.join(root or ".", m["Dir"]))
        if d == base or d.startswith(base + "/"):
            out[m["Key"]] = d
    return out




_FIELDS: dict = {}  # AST node type -> its slots but pos (block_refs' walk)


def block_refs(body) -> set[str]:
    """Addresses (type.name, data.type.name, module.name, var.x) referenced anywhere in a body or expression."""
    refs: set[str] = set()
    stack: list = [body]
    while stack:
        o = stack.pop()
        if isinstance(o, Body):
            stack.extend(a.expr for a in o.attributes.values())
            stack.extend(b.body for b in o.blocks)
            continue
        if isinstance(o, Traversal):
            st = o.steps
            if o.root == "data" and len(st) >= 2 and st[0][0] == "attr" and st[1][0] == "attr":
                refs.add(f"data.{st[0][1]}.{st[1][1]}")
            elif o.root in ("module", "var", "local") and st and st[0][0] == "attr":
                refs.add(f"{o.root}.{st[0][1]}")
            elif o.root not in ("each", "count", "self", "path", "terraform") and st and st[0][0] == "attr":
                refs.add(f"{o.root}.{st[0][1]}")
            steps = list(st)
            while steps:  # index expressions, also inside splats
                s = steps.pop()
                if s[0] == "index":
                    stack.append(s[1])
                elif s[0] == "splat":
                    steps.extend(s[1])
            continue
        t = type(o)
        if t is Lit:
            continue
        fields = _FIELDS.get(t)
        if fields is None:
            fields = _FIELDS[t] = tuple(s for s in getattr(t, "__slots__", ()) if s != "pos")
        if fields:
            for s in fields:
                v = getattr(o, s)
                if isinstance(v, (list, tuple)):
                    for x in v:
                        if isinstance(x, tuple):
                            stack.extend(y for y in x if hasattr(y, "__slots__"))
                        elif hasattr(x, "__slots__"):
                            stack.append(x)
                elif hasattr(v, "__slots__"):
                    stack.append(v)
    return refs


def policy_document_json(attrs: dict) -> str:
    """Render an aws_iam_policy_document's statements as the JSON policy AWS would see."""
    stmts = []
    for st in attrs.get("statement", []) or []:
        s: dict = {"Effect": st.get("effect", "Allow")}
        for src, dst in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"),
                         ("not_resources", "NotResource")):
            if src in st:
                v = st[src]
                s[dst] = v if not isinstance(v, Unknown) else "(known after apply)"
        stmts.append(s)
    return json.dumps({"Version": "2012-10-17", "Statement": stmts}, sort_keys=True,
                      default=lambda o: "(known after apply)")


def tfvars_inputs(body: Body, path: str, ev: Evaluator) -> dict:
    out = {}
    for name, a in body.attributes.items():
        out[name] = (ev.eval(a.expr, Scope(path=path, resolver=NoRefs())), (ev.span(path, a.pos),))
    return out


__all__ = ["ModuleDir", "build_module_dirs", "module_targets", "Expander", "ResourceInstance", "tfvars_inputs",
           "render", "truthy"]
