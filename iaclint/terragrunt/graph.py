"""Terragrunt into the graph: one ``terragrunt_unit`` node per unit, and its local module's resources.

A unit's local module (``terraform { source = "../../modules/mysql" }``) is expanded as a root module with the
unit's inputs as its variables, in the unit's environment (context: the unit's terragrunt.hcl), so every
Terraform rule sees the module's resources once per unit and places a finding where the value was set — the
``inputs`` line of the unit when an input made it wrong.  Those module directories are not also expanded as
roots of their own (``Builder.terragrunt_modules``).  A remote source is noted (scan summary and
``--explain-environments``), not scanned.
"""
from __future__ import annotations

import os
import posixpath

from ..graph.identity import TERRAGRUNT, input_identity, strings_in
from ..graph import secrets
from ..graph.terraform import _instance
from ..kinds import FileKind
from ..model import Diagnostic, EnvTag, Node, Span, dedupe_diagnostics
from ..graph.tfbatch import LazyDirs
from ..terraform.modules import Expander
from .config import Loader
from .units import UNIT_FILE, Unit, evaluate_unit


def add_terragrunt(b, files) -> None:
    """Every Terragrunt configuration file of the repository (``b`` is the graph Builder)."""
    bodies = {f.path: f.data for f in files if f.data is not None}
    if not any(posixpath.basename(p) == UNIT_FILE for p in bodies):
        return
    secrets.add_terraform_literals(b, sorted(files, key=lambda f: f.path), {})  # inputs, as tfvars; token formats
    loader = Loader(bodies, b.files.keys(), b.g.ctx.root)
    units = [evaluate_unit(loader, p, b.envs) for p in sorted(bodies) if posixpath.basename(p) == UNIT_FILE]
    # a terragrunt.hcl other units include with no module of its own is an old-style root configuration
    units = [u for u in units if u.path not in loader.included or u.source is not None]
    ex = None
    for u in units:
        node = _unit_node(b.g, u)
        if u.source_kind == "remote":
            loader.diagnostics.append(Diagnostic(u.source_span.path, u.source_span.line,
                                                 f"Terragrunt unit {u.dir or '.'}: module source {u.source!r} is "
                                                 "remote; it is not scanned", "note"))
        elif u.source_kind == "local":
            ex = ex or _expander(b)
            _expand(b, ex, u, node, loader)
    b.g.diagnostics.extend(dedupe_diagnostics(loader.diagnostics + loader.ev.take_diagnostics()))


def _unit_node(g, u: Unit) -> Node:
    envs = [EnvTag(u.env, u.env_reason)] if u.env else []
    src = u.source if isinstance(u.source, str) else None
    name = f"{u.dir or '.'}"
    if u.source_kind == "remote":
        name += f" (module {src}: remote, not scanned)"
    elif u.source_kind == "local":
        name += f" (module {u.module_dir or '?'})"
    attrs = {"inputs": {k: v for k, (v, _) in u.inputs.items()}, "source": src}
    origins = {f"inputs.{k}": spans for k, (_, spans) in u.inputs.items() if spans}
    node = g.add(Node(f"tg|{u.path}", "terragrunt_unit", "terragrunt_unit", name, Span(u.path, 1), envs, attrs,
                      origins, {"dir": u.dir, "dependencies": u.dependencies, "source_kind": u.source_kind,
                                "module_dir": u.module_dir, "source_span": u.source_span}))
    _input_references(g, node)
    return node


def _input_references(g, node: Node) -> None:
    """Each input of the unit that names a data store (a bucket, volume, DB identifier, database URL…) as a
    reference from the unit's environment (graph.identities), at the line that set it."""
    for key, value in sorted(node.attrs["inputs"].items()):
        site = (node.origins.get(f"inputs.{key}") or [node.span])[0]
        for path, s in strings_in({key: value}):
            ident = input_identity(path.rsplit(".", 1)[-1], s)
            if ident:
                for e in node.envs:
                    g.identities.add_reference(ident, e, site, TERRAGRUNT,
                                               f"input {path} of unit {node.meta['dir'] or '.'}", node=node.id)


def _expander(b) -> Expander:
    """An expander over the tree's module directories, each parsed when a unit first uses it."""
    tf: dict = {}
    for p, f in sorted(b.files.items()):
        if f.kind == FileKind.TERRAFORM:
            tf.setdefault(posixpath.dirname(p), []).append(p)
    root = b.g.ctx.root
    return Expander(LazyDirs(tf, b.parse), read_file=b.read_file,
                    dir_exists=(lambda d: os.path.isdir(os.path.join(root, d))) if root else None)


def _expand(b, ex: Expander, u: Unit, node: Node, loader: Loader) -> None:
    """The unit's local module as a root with the unit's inputs, in the unit's environment."""
    if u.module_dir is None or u.module_dir not in ex.dirs:
        what = u.module_dir if u.module_dir is not None else f"{u.source} (outside the repository)"
        loader.diagnostics.append(Diagnostic(u.source_span.path, u.source_span.line,
                                             f"Terragrunt unit {u.dir or '.'}: module source {what} has no .tf "
                                             "files in the repository; not scanned", "warning"))
        return
    b.terragrunt_modules.add(u.module_dir)
    res = ex.expand_root(u.module_dir, u.inputs, u.path, None)
    b.g.diagnostics.extend(res.diagnostics)
    envs = [EnvTag(e.name, f"Terragrunt unit {u.path}: {e.reason}") for e in node.envs]
    for inst in res.instances:
        inst.root, inst.callers = u.dir or ".", [u.source_span] + inst.callers  # the unit is the root
        _instance(b.g, inst, envs)
