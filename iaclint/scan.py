"""The pipeline in one place: discover -> parse -> graph -> rules -> (suppress) -> report."""
from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field

from .discover import discover
from .engine.loader import load_rules
from .engine.run import run_rules
from .engine.suppress import apply_suppressions
from .graph.build import Builder, Graph
from .model import dedupe_diagnostics
from .parsers import parse_file
from .report import Report


@dataclass
class ScanOptions:
    respect_gitignore: bool = False
    excludes: list = field(default_factory=list)
    var_files: list = field(default_factory=list)
    tf_var_env: bool = False
    rule_dirs: list = field(default_factory=list)
    enabled: set = field(default_factory=set)
    disabled: set = field(default_factory=set)
    severity_overrides: dict = field(default_factory=dict)
    unsuppressible: set = field(default_factory=set)
    suppressible: set = field(default_factory=set)
    jobs: int = 1
    stateful_types: set = field(default_factory=set)
    env_aliases: dict = field(default_factory=dict)  # config: your name -> canonical environment
    env_paths: dict = field(default_factory=dict)  # config: path glob (relative to the scan root) -> environment
    baseline: str | None = None  # baseline file: findings in it are marked suppressed (kind "external")
    overrides: dict = field(default_factory=dict)  # absolute path -> text (editor buffers not yet saved)
    progress: object = None  # callable(stage, done, total): the CLI's progress bar (report/text.py)


def _file_reader(root: str, overrides: dict | None = None):
    real_root = os.path.realpath(root)
    unsaved = {os.path.realpath(k): v for k, v in (overrides or {}).items()}

    def read(module_dir: str, rel: str):
        from .safeio import UnsafeFile, read_regular_file
        from .terraform.values import Unknown

        p = os.path.realpath(os.path.join(root, module_dir, rel))
        if not (p == real_root or p.startswith(real_root + os.sep)):
            return Unknown(f"file({rel!r}) reaches outside the scanned root; not read")
        if p in unsaved:
            return unsaved[p]
        try:
            return read_regular_file(p, 1024 * 1024).decode("utf-8")
        except UnsafeFile:
            return Unknown(f"file({rel!r}) is not a regular file of at most 1 MiB; not read")
        except (OSError, UnicodeDecodeError):
            return Unknown(f"file({rel!r}) cannot be read")

    return read


# kinds parsed into trees of AST objects: pickling those back from a worker costs more than parsing them
_AST_KINDS = {"terraform", "tfvars", "terraform_json", "tfvars_json", "railway_ts", "railway_py"}


def parse_all(files, jobs: int = 1, progress=None):
    """Parse every file, in order. With jobs > 1, jobs - 1 worker processes parse the files whose result is
    plain data (JSON, TOML, dotenv, scripts: cheap to send back) while this process parses Terraform and the
    Railway programs, whose ASTs cost more to pickle than to build (measured: docs/performance.md)."""
    out: list = [None] * len(files)
    done = 0

    def tick():
        nonlocal done
        done += 1
        if progress is not None:
            progress("parse", done, len(files))

    pooled = [i for i, sf in enumerate(files) if sf.kind not in _AST_KINDS] if jobs > 1 else []
    if len(pooled) >= 256:  # below that the worker's start-up costs more than it saves
        from concurrent.futures import ProcessPoolExecutor

        in_pool = set(pooled)
        try:
            with ProcessPoolExecutor(max_workers=jobs - 1) as pool:
                results = pool.map(parse_file, [files[i] for i in pooled], chunksize=64)
                for i, sf in enumerate(files):
                    if i not in in_pool:
                        out[i] = parse_file(sf)
                        tick()
                for i, pf in zip(pooled, results):
                    out[i] = pf
                    tick()
        except Exception:  # noqa: BLE001 - a broken pool: whatever is missing is parsed here below
            pass
    for i, sf in enumerate(files):
        if out[i] is None:
            out[i] = parse_file(sf)
            tick()
    return out


def build_graph(paths: list[str], opts: ScanOptions) -> tuple[Graph, int, str]:
    from .graph import environments

    environments.configure(opts.env_aliases, opts.env_paths)  # always: resets what a previous scan set
    disc = discover(paths, respect_gitignore=opts.respect_gitignore, excludes=opts.excludes)
    if opts.overrides:
        from .overlay import add_unsaved, parse_with_overrides

        add_unsaved(disc, opts.overrides)
        parsed = parse_with_overrides(disc.files, opts.overrides)
    else:
        parsed = parse_all(disc.files, opts.jobs, opts.progress)
    tf_env = {}
    if opts.tf_var_env:
        for k, v in os.environ.items():
            if k.startswith("TF_VAR_"):
                tf_env[k[7:]] = v
    var_files = [os.path.relpath(os.path.abspath(v), disc.root).replace(os.sep, "/") for v in opts.var_files]
    builder = Builder(parsed, read_file=_file_reader(disc.root, opts.overrides), var_files=var_files, tf_var_env=tf_env)
    if opts.progress:
        opts.progress("graph", len(disc.files), len(disc.files))
    graph = builder.build()
    graph.root = disc.root
    graph.diagnostics = disc.diagnostics + graph.diagnostics
    return graph, len(disc.files), disc.root


def scan(paths: list[str], opts: ScanOptions | None = None) -> Report:
    """Run the pipeline. The cyclic garbage collector is paused meanwhile: the scan allocates millions of
    small acyclic objects, and gen-2 passes over them cost ~40% of a large scan while freeing nothing
    (measured on the 2,800-file corpus, same peak RSS; docs/performance.md). It is restored afterwards."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _scan(paths, opts)
    finally:
        if gc_was_enabled:
            gc.enable()


def _scan(paths: list[str], opts: ScanOptions | None = None) -> Report:
    opts = opts or ScanOptions()
    rules = load_rules(opts.rule_dirs)
    if opts.severity_overrides:  # copies: load_rules caches its Rule objects across scans
        import dataclasses

        rules = [dataclasses.replace(r, severity=opts.severity_overrides[r.id]) if r.id in opts.severity_overrides
                 else r for r in rules]
    from .graph import blast

    blast.EXTRA_STATEFUL.clear()
    blast.EXTRA_STATEFUL.update(opts.stateful_types)
    graph, nfiles, root = build_graph(paths, opts)
    tool_errors: list = []
    if opts.progress:
        opts.progress("rules", nfiles, nfiles)
    findings = run_rules(graph, rules, enabled=opts.enabled, disabled=opts.disabled, errors=tool_errors)
    rules_by_id = {r.id: r for r in rules}
    unsup = {r.id for r in rules if (r.unsuppressible or r.id in opts.unsuppressible) and r.id not in opts.suppressible}
    findings, extra = apply_suppressions(findings, graph.files, rules_by_id, unsup)
    if opts.baseline:
        from .baseline import apply_baseline

        apply_baseline(findings, opts.baseline)
    diags = sorted(graph.diagnostics + extra, key=lambda d: d.sort_key())
    lines = {p: f.lines for p, f in graph.files.items()}
    return Report(root=root, findings=findings, diagnostics=dedupe_diagnostics(diags), rules=rules, files_scanned=nfiles,
                  lines=lines, tool_errors=tool_errors)


