"""The pipeline in one place: discover -> parse -> graph -> rules -> (suppress) -> report.

Parsing and the graph interleave on the command line: a file is parsed by the part of the graph that needs it
(Terraform and var files in batches of root modules, other files just before their contributor runs), and its
syntax and lines are released once its part is built (graph/build.py parts, graph/tfbatch.py); what later
stages need of a file is kept as ``graph.facts``.  The language server parses every file up front through its
parse cache and builds the same graph from them."""
from __future__ import annotations

import gc
import os

from .config import ScanOptions
from .context import ScanContext
from .discover import Discovery, discover, in_scope, repository_root
from .engine.loader import load_rules
from .engine.run import run_rules
from .engine.suppress import apply_suppressions
from .graph.build import Builder
from .graph.partcache import options_digest
from .graph.environments import Environments
from .graph.graph import Graph
from .kinds import KINDS, Phase
from .mask import secrets_of
from .model import dedupe_diagnostics, placeholder
from .parsers import parse_file
from .report.model import Report
from .report.source import SourceLines
from .report.message import render_findings


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


# kinds a worker cannot send back cheaply: ASTs other than HCL bodies (railway.ts / railway.py programs)
_IN_PROCESS = frozenset(k for k, spec in KINDS.items()
                        if spec.ast and spec.parser not in ("parsers:hcl_file", "parsers:tf_json_file"))
# kinds parsed in the graph stage, when their contributor needs them (Terraform and var files in batches of roots,
# each file of a FILE-phase kind just before its contributor runs): no file's syntax outlives its part of the graph
_DEFERRED = frozenset(k for k, spec in KINDS.items() if KINDS[spec.parsed].graph == "graph.terraform:add_terraform"
                      or (KINDS[spec.parsed].graph is not None and KINDS[spec.parsed].phase is Phase.FILE))
PARALLEL_MIN_FILES = 1500  # --jobs 0 (the default) uses every core from this many files (docs/performance.md)
_CHUNK = 48


def default_jobs(nfiles: int) -> int:
    """The parser processes ``--jobs 0`` means for a tree of NFILES files: one per CPU once the tree is large
    enough for the second core to pay for the worker's start-up and the transfer, else one."""
    return (os.cpu_count() or 1) if nfiles >= PARALLEL_MIN_FILES else 1


def parse_all(files, jobs: int = 0, progress=None):
    """Parse every file, in order.  With jobs > 1 (``jobs`` 0: ``default_jobs``) the files are cut into chunks split
    with forked workers (iaclint/parallel.py).  A worker sends HCL bodies back as marshalled tuples
    (parsers/hclwire.py: pickling the AST objects costs about as much as parsing them)."""
    from .parallel import split

    n = len(files)
    out: list = [None] * n
    done = 0

    def tick(k: int = 1):
        nonlocal done
        done += k
        if progress is not None:
            progress("parse", done, n)

    jobs = jobs or default_jobs(n)
    pooled = [i for i, sf in enumerate(files) if sf.kind not in _IN_PROCESS] if jobs > 1 else []
    if len(pooled) >= 2 * _CHUNK:
        chunks = [pooled[k:k + _CHUNK] for k in range(0, len(pooled), _CHUNK)]

        def here(c):
            for i in chunks[c]:
                out[i] = parse_file(files[i])

        def merge(c, sent):
            for i, pf in zip(chunks[c], _unpack(*sent)):
                out[i] = pf

        split(len(chunks), here, jobs, there=lambda c: _parse_chunk([files[i] for i in chunks[c]]), merge=merge,
              done=lambda c: tick(len(chunks[c])))
    for i, sf in enumerate(files):
        if out[i] is None:
            out[i] = parse_file(sf)
            tick()
    return out


def _parse_chunk(files) -> tuple[list, bytes]:
    """In a worker: the chunk's ParsedFiles, each HCL body replaced by None and sent as marshalled tuples."""
    import marshal

    from .parsers.hclast import Body
    from .parsers.hclwire import encode

    parsed = [parse_file(sf) for sf in files]
    bodies = []
    for pf in parsed:
        if type(pf.data) is Body:
            bodies.append(encode(pf.data))
            pf.data = None
        else:
            bodies.append(None)
    return parsed, marshal.dumps(bodies)


def _unpack(parsed: list, blob: bytes) -> list:
    import marshal

    from .parsers.hclwire import decode

    for pf, enc in zip(parsed, marshal.loads(blob)):
        if enc is not None:
            pf.data = decode(enc)
    return parsed


def scan_context(opts: ScanOptions, root: str, overrides: dict | None = None) -> ScanContext:
    """The context of one scan of ROOT with OPTS (``overrides``: editor buffers, absolute path -> text)."""
    tf_env = {k[7:]: v for k, v in os.environ.items() if k.startswith("TF_VAR_")} if opts.tf_var_env else {}
    return ScanContext(
        root=root, envs=Environments.configured(opts.env_aliases, opts.env_paths),
        stateful_types=frozenset(opts.stateful_types), modules=tuple(opts.modules),
        var_files=tuple(os.path.relpath(os.path.abspath(v), root).replace(os.sep, "/") for v in opts.var_files),
        tf_var_env=tf_env, read_file=_file_reader(root, overrides))


def build_graph(paths: list[str], opts: ScanOptions, *, overrides: dict | None = None,
                progress=None) -> tuple[Graph, int, str]:
    """(graph, files read, repository root): ``graph_and_discovery`` for the callers that need no scope."""
    graph, disc = graph_and_discovery(paths, opts, overrides=overrides, progress=progress)
    return graph, len(disc.files), disc.root


def graph_and_discovery(paths: list[str], opts: ScanOptions, *, overrides: dict | None = None,
                        parse_cache=None, progress=None, only_files=None) -> tuple[Graph, Discovery]:
    """Discover, parse and build the graph of the repository the paths are in (``discover.repository_root``;
    the graph carries the scan's context as ``graph.ctx``).  ``overrides``: unsaved editor buffers (absolute
    path -> text); ``parse_cache``: an ``overlay.ParseCache`` kept across scans (the language server);
    ``progress``: callable(stage, done, total); ``only_files``: [SourceFile] to build the graph from instead of
    discovering (the language server's focused pass: ``overlay.focus_files``)."""
    if only_files is not None:
        disc = Discovery(repository_root(paths, opts.root), sorted(only_files, key=lambda f: f.path))
    else:
        disc = discover(paths, root=opts.root, respect_gitignore=opts.respect_gitignore, excludes=opts.excludes)
    if overrides or parse_cache is not None:
        from .overlay import add_unsaved, parse_with_overrides

        if only_files is None:
            add_unsaved(disc, overrides or {})
        parsed = parse_with_overrides(disc.files, overrides or {}, parse_cache)
        deferred = None
    else:  # Terraform files are parsed by their contributor, a batch of roots at a time (graph/tfbatch.py)
        deferred = {sf.path: sf for sf in disc.files if sf.kind in _DEFERRED}
        total = len(disc.files)
        tick = (lambda stage, done, _n: progress(stage, done, total)) if progress else None
        now = iter(parse_all([sf for sf in disc.files if sf.kind not in _DEFERRED], opts.jobs, tick))
        parsed = [placeholder(sf.path, KINDS[sf.kind].parsed) if sf.path in deferred else next(now)
                  for sf in disc.files]
    builder = Builder(parsed, scan_context(opts, disc.root, overrides), deferred)
    builder.jobs = opts.jobs or default_jobs(len(disc.files))
    if parse_cache is not None and only_files is None:  # the editor's full scan: graph parts kept across scans,
        builder.part_cache, builder.digests = parse_cache.parts, parse_cache.digests  # built here (an editor
        builder.jobs = 1  # server has threads: it never forks anyway)
        builder.options_key = options_digest(builder)
    if progress:  # the graph stage parses the deferred files: the count goes on from the others
        done = len(disc.files) - len(deferred or ())
        progress("graph", done, len(disc.files))
        builder.progress = lambda n: progress("graph", done + n, len(disc.files))
    graph = builder.build()
    if builder.part_cache is not None:  # what this scan did not use is gone (like the parses)
        for key in [k for k in builder.part_cache if k not in builder.used_parts]:
            del builder.part_cache[key]
    graph.root = disc.root
    graph.sources = SourceLines({sf.path: sf for sf in disc.files}, overrides)
    graph.diagnostics = disc.diagnostics + graph.diagnostics
    return graph, disc


def _release_files(graph, disc: Discovery, overrides: dict | None) -> SourceLines:
    """Drop every parsed file's syntax and lines once rules and suppressions have read them (the report stage
    needs neither, and its own objects then reuse that memory); the excerpts a report shows are read again
    (report/source.py).  Returns the reader of those lines: the files that had lines (``graph.quotable``)."""
    for f in graph.files.values():
        f.data = None
        f.lines = []
    return SourceLines({sf.path: sf for sf in disc.files if sf.path in graph.quotable}, overrides)


def reported(findings: list, diagnostics: list, scope) -> tuple[list, list]:
    """The findings and diagnostics the SCOPE reports: those in its files, and findings in modules that a
    root module in scope calls (``check envs/prod`` reports the production module's findings)."""
    if "" in scope:
        return findings, diagnostics
    roots = set(scope) | {s.rsplit("/", 1)[0] if "/" in s else "" for s in scope}  # a named file: its directory

    def root_in_scope(r: str) -> bool:
        return r in roots or in_scope(r, scope)

    return ([f for f in findings if in_scope(f.span.path, scope) or any(root_in_scope(r) for r in f.module_roots)],
            [d for d in diagnostics if in_scope(d.path, scope)])


def scan(paths: list[str], opts: ScanOptions | None = None, *, overrides: dict | None = None,
         parse_cache=None, progress=None, only_files=None, keep: list | None = None) -> Report:
    """Run the pipeline. The cyclic garbage collector is paused meanwhile: the scan allocates millions of
    small acyclic objects, and gen-2 passes over them cost ~40% of a large scan while freeing nothing
    (measured on the 2,800-file corpus, same peak RSS; docs/performance.md). It is restored afterwards.
    ``keep``: a list the graph is appended to, for a caller that exits without freeing anything (the CLI): the
    graph is then not freed object by object before the report (30 ms at 500 modules, ~1 s at 5,000; the peak
    is the graph stage's, not the report's: same peak RSS)."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _scan(paths, opts or ScanOptions(), overrides, parse_cache, progress, only_files, keep)
    finally:
        if gc_was_enabled:
            gc.enable()


def _scan(paths: list[str], opts: ScanOptions, overrides: dict | None, parse_cache, progress, only_files,
          keep: list | None) -> Report:
    rules = load_rules(opts.rule_dirs)
    if opts.severity_overrides:  # copies: load_rules caches its Rule objects across scans
        import dataclasses

        rules = [dataclasses.replace(r, severity=opts.severity_overrides[r.id]) if r.id in opts.severity_overrides
                 else r for r in rules]
    graph, disc = graph_and_discovery(paths, opts, overrides=overrides, parse_cache=parse_cache, progress=progress,
                                      only_files=only_files)
    if keep is not None:
        keep.append(graph)
    nfiles = len(disc.files)
    tool_errors: list = list(graph.tool_errors)
    if progress:
        progress("rules", nfiles, nfiles)
    findings = render_findings(run_rules(graph, rules, enabled=opts.enabled, disabled=opts.disabled,
                                         errors=tool_errors, example_trees_severity=opts.example_trees_severity))
    rules_by_id = {r.id: r for r in rules}
    unsup = {r.id for r in rules if (r.unsuppressible or r.id in opts.unsuppressible) and r.id not in opts.suppressible}
    findings, extra = apply_suppressions(findings, graph.facts, rules_by_id, unsup)
    lines = _release_files(graph, disc, overrides)
    if opts.baseline:
        from .baseline import apply_baseline

        apply_baseline(findings, opts.baseline)
    findings, diags = reported(findings, graph.diagnostics + extra, disc.scope)
    diags = sorted(diags, key=lambda d: d.sort_key())
    return Report(root=disc.root, findings=findings, diagnostics=dedupe_diagnostics(diags), rules=rules, files_scanned=nfiles,
                  lines=lines, tool_errors=tool_errors, secrets=secrets_of(graph))


