"""Terragrunt units: a ``terragrunt.hcl`` with everything it includes merged, as plain data.

A unit's inputs are its included configurations' inputs with its own on top (Terragrunt's default, shallow
merge: a key the child sets wins), each input with the spans where it was set.  Its module is ``terraform {
source }`` (the child's, else the last include's), local (a path, ``//`` subdirectory syntax included) or remote
(``git::``, ``tfr:///``, a registry address).  Its dependencies are ``dependency "x" { config_path }`` blocks and
``dependencies { paths }`` items, resolved against the unit's directory.  Its environment comes from the nearest
``env.hcl`` / ``account.hcl`` locals (``environment = "prod"``), else from its folders.
"""
from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass, field
from typing import Any

from ..model import Span
from ..terraform.values import Unknown
from .config import FileEval, Loader, item_spans, key_spans

UNIT_FILE = "terragrunt.hcl"
ENV_FILES = (("env.hcl", ("environment", "env", "environment_name", "env_name", "stage")),
             ("account.hcl", ("environment", "env", "account_name", "account_env")))
_REMOTE_PREFIXES = ("tfr:", "git@", "github.com/", "bitbucket.org/", "http://", "https://", "s3::", "gcs::",
                    "hg::", "git::")


@dataclass
class Dependency:
    name: str  # the dependency block's label; "" for a `dependencies { paths }` item
    raw: str  # config_path / path as written (evaluated)
    target: str | None  # root-relative directory of the unit it names; None outside the repository / unknown
    span: Span  # the config_path / paths item line


@dataclass
class Unit:
    path: str  # root-relative terragrunt.hcl
    dir: str
    env: str | None
    env_reason: str
    inputs: dict = field(default_factory=dict)  # name -> (value, [Span])
    source: Any = None  # str | Unknown | None
    source_span: Span | None = None
    source_kind: str = "none"  # local | remote | unknown | none
    module_dir: str | None = None  # root-relative directory of a local source
    dependencies: list = field(default_factory=list)


def evaluate_unit(loader: Loader, path: str, envs) -> Unit:
    d = posixpath.dirname(path)
    env, reason = unit_environment(loader, envs, path)
    unit = Unit(path, d, env, reason)
    loader.loads, loader.stack = 1, [path]
    try:
        fe = FileEval(loader, path, loader.abs(d), None)
        fe.value()
        unit.inputs = _inputs(fe)
        src = _source(fe)
        deps: dict = {}
        _dependencies(fe, deps)
    finally:
        loader.stack = []
    unit.dependencies = list(deps.values())
    if src is not None:
        unit.source, unit.source_span = src
        unit.source_kind, unit.module_dir = classify_source(loader, unit.source, loader.abs(d))
    return unit


def _merged(fe: FileEval) -> list:
    """FE's included FileEvals whose configuration merges into it (merge_strategy other than no_merge)."""
    out = []
    for name, b in fe.include_blocks().items():
        ms = b.body.attributes.get("merge_strategy")
        if ms is not None and fe.eval(ms.expr) == "no_merge":
            continue
        inc = fe.include(name)
        if isinstance(inc, FileEval):
            out.append(inc)
    return out


def _inputs(fe: FileEval) -> dict:
    out: dict = {}
    for inc in _merged(fe):
        out.update(_inputs(inc))
    a = fe.body.attributes.get("inputs")
    if a is None:
        return out
    v = fe.value().get("inputs")
    if isinstance(v, Unknown):
        return out
    spans = key_spans(fe, a.expr, v)
    if isinstance(v, dict):
        for k, x in v.items():
            out[k] = (x, spans.get(k, []))
    return out


def _source(fe: FileEval):
    """(source value, span of its line) of the unit: its own `terraform { source }`, else an include's."""
    tb = fe.body.block("terraform")
    if tb is not None and "source" in tb.body.attributes:
        a = tb.body.attributes["source"]
        return fe.eval(a.expr), Span(fe.path, a.pos.line, a.pos.col, a.pos.end_line, a.pos.end_col)
    found = None
    for inc in _merged(fe):
        found = _source(inc) or found
    return found


def _dependencies(fe: FileEval, out: dict) -> None:
    for inc in _merged(fe):
        _dependencies(inc, out)
    for b in fe.body.blocks:
        if b.type == "dependency" and b.labels:
            cp = b.body.attributes.get("config_path")
            if cp is not None:
                out[b.labels[0]] = _dependency(fe, b.labels[0], fe.eval(cp.expr),
                                               Span(fe.path, cp.pos.line, cp.pos.col, cp.pos.end_line, cp.pos.end_col))
        elif b.type == "dependencies":
            pa = b.body.attributes.get("paths")
            if pa is not None:
                for i, (v, span) in enumerate(item_spans(fe, pa.expr)):
                    out[f"[{fe.path}:{span.line}:{i}]"] = _dependency(fe, "", v, span)


def _dependency(fe: FileEval, name: str, value, span: Span) -> Dependency:
    if not isinstance(value, str):
        return Dependency(name, value.reason if isinstance(value, Unknown) else repr(value), None, span)
    target = fe.loader.rel(value, fe.tg_dir)
    # an absolute path (get_repo_root()/…) is shown root-relative: no machine path in a message
    return Dependency(name, (target or ".") if value.startswith("/") and target is not None else value, target, span)


def classify_source(loader: Loader, source, unit_abs: str) -> tuple[str, str | None]:
    """("local", module dir) | ("remote", None) | ("unknown", None) for a `terraform { source }` value."""
    if not isinstance(source, str):
        return "unknown", None
    s = source.strip()
    if s.startswith(_REMOTE_PREFIXES) or "::" in s:
        return "remote", None
    if not s.startswith(("/", "./", "../")) and s not in (".", ".."):
        return "remote", None  # a registry address: namespace/name/provider
    p = s.split("?", 1)[0]
    i = p.find("//", 1)  # `../modules//mysql`: the module is the subdirectory after //
    if i >= 0:
        p = p[:i] + "/" + p[i + 2:]
    rel = loader.rel(p, unit_abs)
    return "local", rel


def unit_environment(loader: Loader, envs, path: str) -> tuple[str | None, str]:
    """(environment or None, why) of the unit at PATH: a path the configuration maps, else the nearest env.hcl /
    account.hcl naming one in its locals, else its folders (``stage/``, ``prod/``…); None = possibly production."""
    for pat, env in envs.paths:
        if fnmatch.fnmatch(path, pat):
            return env, f"path matches {pat!r} in config"
    for fname, keys in ENV_FILES:
        d = posixpath.dirname(path)
        while True:
            cand = posixpath.join(d, fname) if d else fname
            if cand in loader.bodies:
                v = loader.read_config(cand, Span(path, 1))
                locs = v.get("locals") if isinstance(v, dict) else None
                for k in keys:
                    val = locs.get(k) if isinstance(locs, dict) else None
                    e = envs.normalize(val) if isinstance(val, str) else None
                    if e:
                        return e, f"{cand}: locals.{k} = {val!r}"
                break
            if not d:
                break
            d = posixpath.dirname(d)
    r = envs.from_path(path)
    if r:
        return r[0], f"Terragrunt unit in {r[1]}"
    return None, ("no env.hcl/account.hcl locals or folder names an environment iaclint knows, so possibly "
                  "production")
