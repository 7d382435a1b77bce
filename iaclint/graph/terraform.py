"""Terraform (.tf, .tf.json, .tfvars) into the graph.

Module directories are built from every Terraform file at once; each root module is expanded once per
evaluation context (one per environment var file, else one for the root) into resource / data instances
and providers carrying the context's environment.
"""
from __future__ import annotations

import posixpath
import re

from ..kinds import FileKind
from ..model import Edge, EnvTag, Node, ParsedFile, Span, dedupe_diagnostics
from ..terraform import registry
from ..terraform.modules import (Expander, ResourceInstance, build_module_dirs, module_targets, modules_manifest,
                                 tfvars_inputs)
from . import azapi, partcache, secrets, tfbatch
from .environments import STATE_DIR, BRANCH_ALIASES, not_a_deployment, selected_workspace, terraform_workspaces

MODULES_MANIFEST = ".terraform/modules/modules.json"  # written by `terraform init`
AUTO_TFVARS = re.compile(r"(^|/)(terraform\.tfvars(\.json)?|[^/]*\.auto\.tfvars(\.json)?)$")
_VAR_DIRS = ("envs", "env", "environments", "vars", "tfvars", "var-files", "config", "configs")


def add_terraform(b, files: list[ParsedFile]) -> None:
    """Every Terraform and tfvars file of the repository (``b`` is the graph Builder), in batches of root modules
    (graph/tfbatch.py): planned here, each batch a part of the graph (``b.add_part``: its files parsed (a deferred
    file) or taken as parsed, expanded, released) built after the PROJECT phase, here or in a worker."""
    tf: dict = {}
    tfvars: list = []
    for f in sorted(files, key=lambda f: f.path):
        if f.kind == FileKind.TERRAFORM:
            tf.setdefault(posixpath.dirname(f.path), []).append(f.path)
        elif f.kind == FileKind.TFVARS:
            tfvars.append(f.path)
    installed = _installed(b)
    links: dict = {}
    mentions: dict = {}  # dir -> its files that mention "railway" (RailwayDirs)
    seen: set = set()
    # hash() of the contents more than one file has (parsers.SameContent), counted where the files are parsed
    # here, per batch (an editor's are parsed already: None)
    repeated: set | None = set() if b.deferred else None
    for d, paths in tf.items():
        for p in paths:
            raw = b.source_bytes(p)
            links.setdefault(d, set()).update(tfbatch.local_sources(raw, d))
            if b"railway" in raw:
                mentions.setdefault(d, []).append(p)
            if repeated is not None:
                h = hash(raw)
                (repeated if h in seen else seen).add(h)
    b.railway_tf_dirs = RailwayDirs(b, mentions)
    if repeated:
        from ..parsers import SameContent

        b.same = SameContent(repeated)
    for root, copies in installed.items():  # a root reads the copies `terraform init` installed for it
        links.setdefault(root, set()).update(copies.values())
    near = _tfvars_by_root(tfvars)
    known = set(tfvars)
    attached = {r: set(near.get(r, ())) | {v for v in b.var_files if v in known and _under(v, r)} for r in tf}
    excluded = set(b.terragrunt_modules) | {d for d in tf if "/.terraform/" in f"/{d}/"}
    plan = tfbatch.Planner(tf, tfvars, links, attached, excluded)
    candidates = plan.candidate_roots()
    plan.add_batches(plan.order(candidates))
    plan.sweep()
    ex_args = dict(read_file=b.read_file, installed=installed, catalogue=registry.catalogue(b.g.ctx.modules),
                   dir_exists=b.dir_exists if b.g.ctx.root else None)
    idx = _files_by_dir(b)
    # the editor: parts kept across scans by what they read (graph/partcache.py)
    same_everywhere = (b.options_key, repr(sorted(installed.items()))) if b.options_key else None

    def part(batch):
        def build(b):
            return _batch(b, batch, near, ex_args, idx)
        digests = tuple(b.digests.get(p) for p in batch.files)
        if same_everywhere is not None and None not in digests:
            roots = tuple(batch.roots)
            key = ("terraform", roots, tuple(batch.files), tuple(sorted(batch.owned)), digests,
                   tuple(tuple(near.get(r, ())) for r in roots), tuple(tuple(idx["state_d"].get(r, ())) for r in roots),
                   same_everywhere)
            return b.add_part(lambda b: partcache.cached(b, key, build), len(batch.owned))
        return b.add_part(build, len(batch.owned))

    parts = [part(batch) for batch in plan.batches]

    def missing_roots():
        """Roots the plan did not start from (a dir its links said was called that nothing parsed calls): expanded
        here once every batch is in."""
        called = {t for p in parts if p.result for t in p.result[0]}
        parsed_dirs = {d for p in parts if p.result for d in p.result[1]}
        missing = sorted(parsed_dirs - called - excluded - set(candidates))
        if missing:
            first = len(plan.batches)
            plan.add_batches(plan.order(missing))
            for batch in plan.batches[first:]:
                _batch(b, batch, near, ex_args, idx)
        b.g.diagnostics = dedupe_diagnostics(b.g.diagnostics)  # one per context otherwise

    b.after_parts.append(missing_roots)


def _under(path: str, root: str) -> bool:
    return (posixpath.dirname(path) + "/").startswith(root + "/" if root else "")


def _installed(b) -> dict:
    """root dir -> {module key: dir} from the `.terraform/modules/modules.json` files `terraform init` wrote."""
    installed = {}
    for p, f in sorted(b.files.items()):
        if p == MODULES_MANIFEST or p.endswith("/" + MODULES_MANIFEST):
            root = p[: -len(MODULES_MANIFEST)].rstrip("/")
            data = b.parse(p).data  # a JSON file: parsed when its contributor runs, so here for this alone
            if data is not None:
                installed[root] = modules_manifest(root, p, data.get("value"))
    return installed


class RailwayDirs:
    """The module dirs that configure a Railway provider (a provider block, or required_providers naming it), as
    ``d in b.railway_tf_dirs`` asks (secrets.terraform_context_for: a token in a file below one is a provider's),
    decided when first asked: a dir none of whose files mention "railway" is not one; the files of the others
    are read from the running batch, or parsed for the answer alone.  MENTIONS: dir -> those files."""

    def __init__(self, b, mentions: dict):
        self.b, self.mentions = b, mentions
        self._known: dict = {}

    def __contains__(self, d) -> bool:
        hit = self._known.get(d)
        if hit is None:
            files = self.b.files
            hit = self._known[d] = any(_configures_railway(files[p] if files[p].data is not None else self.b.parse(p))
                                       for p in self.mentions.get(d, ()))
        return self.b.note("railway", d, hit)  # a kept part depends on it (graph/partcache.py)


def _configures_railway(f: ParsedFile) -> bool:
    for blk in getattr(f.data, "blocks", ()):
        if blk.type == "provider" and blk.labels and blk.labels[0] == "railway":
            return True
        if blk.type == "terraform" and any("railway" in rp.body.attributes
                                           for rp in blk.body.blocks_of("required_providers")):
            return True
    return False


def _batch(b, batch, near: dict, ex_args: dict, idx: dict) -> tuple[set, set]:
    """One batch: parse, literal credentials of the files it owns, its roots expanded, files released.  Returns
    (the dirs its module directories call (exactly: ``module_targets``), the module dirs it parsed)."""
    parsed = {p: b.parse(p) for p in batch.files}
    placeholders = {p: b.files[p] for p in batch.files}
    b.files.update(parsed)  # while the batch runs: workspaces, azapi sites and literal scans read them
    try:
        for p in sorted(batch.owned):
            b.record(parsed[p])
        dirs = build_module_dirs({p: f.data for p, f in parsed.items()
                                  if f.kind == FileKind.TERRAFORM and f.data is not None})
        secrets.add_terraform_literals(b, [parsed[p] for p in sorted(batch.owned)], dirs)
        ex = Expander(dirs, **ex_args)
        tfvars = {p: f for p, f in parsed.items() if f.kind == FileKind.TFVARS and f.data is not None}
        for root in batch.roots:
            if root in dirs:
                _expand_root(b, ex, root, [p for p in near.get(root, ()) if p in tfvars], tfvars, idx)
        return {t for md in dirs.values() for t in module_targets(md)}, set(dirs)
    finally:
        b.files.update(placeholders)


def _expand_root(b, ex: Expander, root: str, near: list, tfvars: dict, idx: dict) -> None:
    for ctx_name, env, reason, inputs, workspace in _contexts(b, root, near, tfvars, ex, idx):
        res = ex.expand_root(root, inputs, ctx_name, workspace)
        b.g.diagnostics.extend(res.diagnostics)
        root_env = [EnvTag(env, reason)] if env else []
        azapi.fold([_instance(b.g, inst, root_env) for inst in res.instances], b.g.files)  # children, patches
        for path, blk, r, c, mctx in res.providers:
            _provider(b.g, path, blk, r, c, mctx, root_env, ex)


def _tfvars_by_root(tfvars: dict) -> dict:
    """Root dir -> sorted tfvars paths in it or in a var directory under it (envs/, vars/…): the only ones
    _contexts can use. Indexed once: scanning every tfvars file per root was quadratic."""
    idx: dict = {}
    for p in tfvars:
        d = posixpath.dirname(p)
        idx.setdefault(d, set()).add(p)
        parts = d.split("/") if d else []
        for i, part in enumerate(parts):  # ancestors whose next component is a var directory
            if part in _VAR_DIRS:
                idx.setdefault("/".join(parts[:i]), set()).add(p)
    return {k: sorted(v) for k, v in idx.items()}


def _contexts(b, root: str, near: list, tfvars: dict, ex: Expander, idx: dict):
    """[(context name, env, reason, inputs, workspace)]: one per environment var file, else one per known
    Terraform workspace (``terraform_workspaces``), else one for the root.

    ``terraform.tfvars`` and ``*.auto.tfvars`` in the root are always loaded: they are inputs of every context
    and never name its environment.  A var file in the root or a var directory under it (``envs/``,
    ``environments/production/``) is a context when its name or directory names an environment; one with a name
    iaclint cannot normalise is listed by ``--explain-environments`` and left out.  A ``--var-file`` is always a
    context: its environment from its name or directory, else none (possibly production)."""
    auto: dict = {}
    env_files: list[tuple[str, str | None, str]] = []
    for p in near:
        d = posixpath.dirname(p)
        if d == root and AUTO_TFVARS.search(p):
            auto.update(tfvars_inputs(tfvars[p].data, p, ex.ev))
            b.g.explained.append(f"{p}: always loaded by Terraform for root {root or '.'}; an input of its every "
                                 f"context, not an environment")
        elif d == root or _is_var_dir(d, root):
            env, reason = b.envs.from_tfvars(p, root)
            if env or not not_a_deployment(p):
                env_files.append((p, env, reason))  # a name iaclint cannot normalise: a context, possibly production
            elif p not in b.var_files:
                b.g.explained.append(f"{p}: ignored for root {root or '.'}: named as an example, a template or values "
                                     f"shared by every environment, not one deployment's; pass it with --var-file "
                                     f"to scan it as a context")
    for vf in b.var_files:
        if vf in tfvars and (posixpath.dirname(vf) + "/").startswith(root + "/" if root else ""):
            env, reason = b.envs.from_tfvars(vf, root)
            env_files.append((vf, env, reason if env else f"--var-file {vf}: {reason}"))
    for k, v in b.tf_var_env.items():
        auto[k] = (v, [])
    selected = selected_workspace(root, b.read_file)
    if not env_files:
        workspaces = terraform_workspaces(root, idx["state_d"].get(root, ()),
                                          ["\n".join(b.files[p].lines) for p in idx["tf"].get(root, ())])
        if workspaces:
            return [(f"workspace:{ws}", b.envs.from_token_string(ws) or BRANCH_ALIASES.get(ws.lower()),
                     f"Terraform workspace {ws!r} of root {root or '.'} ({why})", auto, ws) for ws, why in workspaces]
        root_env = b.envs.from_path(root + "/main.tf") if root else None
        if root_env:
            return [(None, root_env[0], f"root module in {root_env[1]}", auto, selected or root_env[0])]
        return [(None, None, "", auto, selected)]
    out = []
    for p, (env, reason) in sorted({p: (env, reason) for p, env, reason in env_files}.items()):
        inputs = dict(auto)
        inputs.update(tfvars_inputs(tfvars[p].data, p, ex.ev))
        if env is None:
            b.g.explained.append(f"{p}: a context of root {root or '.'} with no environment name: {reason}")
        # terraform.workspace: the name the file gives it (prod.tfvars -> "prod"), else the selected workspace
        out.append((p, env, f"var file {p}", inputs, b.envs.var_file_workspace(p, root) or selected))
    return out


def _files_by_dir(b) -> dict:
    """{"tf": dir -> its .tf paths, "state_d": dir -> paths under its terraform.tfstate.d/}, in b.files order,
    built once per scan: filtering every file for every root was quadratic (10 s of a 5,190-file profile)."""
    idx: dict = {"tf": {}, "state_d": {}}
    for p in b.files:
        if p.endswith(".tf"):
            idx["tf"].setdefault(posixpath.dirname(p), []).append(p)
        at = p.find(STATE_DIR)
        while at >= 0:  # every root the path is under a terraform.tfstate.d/ of
            if at == 0 or p[at - 1] == "/":
                idx["state_d"].setdefault(p[:max(at - 1, 0)], []).append(p)
            at = p.find(STATE_DIR, at + 1)
    return idx


def _is_var_dir(d: str, root: str) -> bool:
    if root and not d.startswith(root + "/"):
        return False
    rel = d[len(root) + 1:] if root else d
    first = rel.split("/")[0]
    return first in _VAR_DIRS


def _instance(g, inst: ResourceInstance, root_env: list[EnvTag]):
    envs = list(root_env)
    t = g.ctx.envs.from_tags(inst.attrs)
    if t and t[0] not in [e.name for e in envs]:
        envs.append(EnvTag(t[0], t[1]))
    if not envs:
        envs = g.ctx.envs.tags_for_path(inst.path)
    kind = "tf_resource" if inst.mode == "managed" else "tf_data"
    if inst.instances == 0:
        kind = "tf_resource_unused"  # count/for_each empty here: only its static lifecycle is known
    nid = f"tf|{inst.root}|{inst.context or ''}|{inst.address}"
    node = Node(nid, kind, inst.type, inst.address, inst.span, envs, inst.attrs, inst.origins,
                {"root": inst.root, "context": inst.context, "callers": inst.callers, "present": inst.present,
                 "address": inst.address, "key": inst.key, "module_path": inst.module_path, "refs": inst.refs,
                 "resource_name": inst.name})
    node = azapi.as_azurerm(node, g.files)  # an azapi_resource as the azurerm resource it creates
    g.add(node)
    for ref in inst.refs:
        if ref.startswith(("var.", "local.")):
            continue
        prefix = f"{inst.module_path}." if inst.module_path else ""
        g.edges.append(Edge(nid, f"tf|{inst.root}|{inst.context or ''}|{prefix}{ref}", "references", inst.span))
    secrets.add_resource_credentials(g, node)
    return node


def _provider(g, path, blk, root, ctx_name, mctx, root_env, ex):
    from ..terraform.evaluate import Scope

    name = blk.labels[0] if blk.labels else "?"
    origins: dict = {}
    present: dict = {}
    attrs = ex.eval_body(blk.body, Scope(path=path, resolver=mctx), "", origins, present)
    nid = f"tfprovider|{root}|{ctx_name or ''}|{path}:{blk.pos.line}"
    node = Node(nid, "tf_provider", name, f"provider.{name}", Span(path, blk.pos.line, blk.pos.col), list(root_env),
                attrs, origins, {"root": root, "context": ctx_name, "present": present})
    g.add(node)
    secrets.add_provider_credentials(g, node, blk)
