"""Terraform in batches of root modules: what bounds memory on a large tree.

A root module needs the module directories it calls (its closure) and the var files of its contexts; nothing
else.  ``plan`` reads every Terraform file's text once, finds the local module sources in it with a regular
expression, and cuts the roots (in path order) into batches whose files are parsed, expanded into graph nodes
and released together (graph/terraform.py ``add_terraform``), so at most one batch's syntax trees are alive at
a time.  A module used by roots of several batches is parsed once per batch.

The regular expression only plans: it must find every local source the parser finds (``_SOURCE`` matches any
``source = "…"`` / ``"source": "…"``, so it finds more: a string in a heredoc, a resource's own ``source``
argument), never fewer (``tests/test_tfbatch.py`` checks that on every fixture).  More only means a directory
parsed in a batch that does not need it, or a directory that is a root left out of the first pass: the exact
module calls come back from every batch, and the roots nobody calls exactly that the plan did not start from
get batches of their own.  Which directories are roots is therefore exactly what the parsed module calls say
(``modules.module_targets`` over the whole tree), as when every file was parsed at once.  Batches run in this
process and in a forked worker (``run``); their graph parts are merged in batch order.

Every file is scanned for literal credentials (and has its parse diagnostics reported) by exactly one batch: the
first that parses it; files no root needs (tfvars of no root, modules nothing reachable calls) are swept by
batches of their own.  A var file's literal scan needs the ``sensitive`` variables of the nearest module
directory above it: that directory is parsed with it.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from ..terraform.modules import resolve_local_source

# any `source = "…"` (HCL) or `"source": "…"` (JSON), and more (`data_source = "…"`); a `\/` in JSON is a `/`.
# Starting with a literal, it is searched for by its prefix: 14 times faster than a leading alternation.
_SOURCE = re.compile(rb'source"?\s*[=:]\s*"([^"\n]*)"')
HUB_CALLERS = 16  # a module called from this many dirs is parsed once per batch, not a link between its callers
BATCH_FILES = 400  # files parsed per batch: the syntax trees alive at once (docs/performance.md)


@dataclass
class Batch:
    roots: list  # root module dirs expanded in this batch (sorted)
    files: list  # paths parsed (sorted): the roots' closures and var files
    owned: set = field(default_factory=set)  # paths whose literals and diagnostics this batch reports


def local_sources(raw: bytes, d: str) -> set[str]:
    """The module directories a .tf / .tf.json file in directory D may call locally (a superset)."""
    out = set()
    for m in _SOURCE.finditer(raw):
        src = m.group(1).replace(b"\\/", b"/").decode("utf-8", "replace")
        t = resolve_local_source(d, src)
        if t is not None and t != d:
            out.add(t)
    return out


class Planner:
    """The batches for one tree.  TF: dir -> its .tf / .tf.json paths; TFVARS: var file paths; LINKS: dir -> the
    dirs it may call (``local_sources``, and the copies `terraform init` installed for a root); ATTACHED: root
    dir -> the var files of its contexts (graph/terraform.py ``_tfvars_by_root`` and ``--var-file``)."""

    def __init__(self, tf: dict, tfvars: list, links: dict, attached: dict, excluded: set):
        self.tf = tf
        self.tfvars = sorted(tfvars)
        self.links = links
        self.attached = attached
        self.excluded = excluded  # dirs that are never roots (Terragrunt units' modules, `.terraform/` copies)
        self.parsed_in: dict = {}  # path -> index of the first batch parsing it (its owner)
        self.batches: list[Batch] = []

    def candidate_roots(self) -> list[str]:
        """Dirs no dir may call: a subset of the exact roots (the links are a superset of the calls)."""
        called = {t for d in self.tf for t in self.links.get(d, ()) if t != d}
        return sorted(d for d in self.tf if d not in called and d not in self.excluded)

    def order(self, roots: list[str]) -> list[str]:
        """ROOTS grouped by the modules they share (components of the links, a module called from HUB_CALLERS
        dirs or more not joining its callers: it is parsed once per batch instead), so that a batch's roots
        parse a module once; components in the order of their first root."""
        callers: dict = {}
        for d in self.tf:
            for t in self.links.get(d, ()):
                callers.setdefault(t, set()).add(d)
        parent = {d: d for d in self.tf}

        def find(d):
            while parent[d] != d:
                parent[d] = parent[parent[d]]
                d = parent[d]
            return d

        for d in sorted(self.tf):
            for t in sorted(self.links.get(d, ())):
                if t in parent and len(callers[t]) < HUB_CALLERS:
                    a, z = find(d), find(t)
                    if a != z:
                        parent[max(a, z)] = min(a, z)
        first: dict = {}
        for r in sorted(roots):
            first.setdefault(find(r), r)
        return sorted(roots, key=lambda r: (first[find(r)], r))

    def closure(self, root: str) -> list[str]:
        seen = {root}
        stack = [root]
        while stack:
            for t in self.links.get(stack.pop(), ()):
                if t in self.tf and t not in seen:
                    seen.add(t)
                    stack.append(t)
        return sorted(seen)

    def nearest_module_dir(self, path: str) -> str | None:
        """The module directory whose variables a var file sets (secrets.add_terraform_literals's rule)."""
        d = posixpath.dirname(path)
        while True:
            if d in self.tf:
                return d
            if not d:
                return None
            d = posixpath.dirname(d)

    def files_for_roots(self, roots: list[str]) -> set:
        files: set = set()
        for r in roots:
            for d in self.closure(r):
                files.update(self.tf[d])
            for v in self.attached.get(r, ()):
                files.add(v)
                near = self.nearest_module_dir(v)
                if near is not None:
                    files.update(self.tf[near])
        return files

    def add_batches(self, roots: list[str]) -> None:
        """Batches for ROOTS in order, each parsing at most about BATCH_FILES files (one root's closure more)."""
        cur: list = []
        files: set = set()
        for r in roots:
            need = self.files_for_roots([r])
            if cur and len(files | need) > BATCH_FILES:
                self._add(cur, files)
                cur, files = [], set()
            cur.append(r)
            files |= need
        if cur:
            self._add(cur, files)

    def sweep(self) -> None:
        """Batches for every Terraform and var file no batch parsed yet (their literals and diagnostics)."""
        left = [p for d in sorted(self.tf) for p in self.tf[d] if p not in self.parsed_in]
        left += [p for p in self.tfvars if p not in self.parsed_in]
        left.reverse()  # popped from the end: in path order, without shifting the list each time
        while left:
            files: set = set()
            while left and len(files) < BATCH_FILES:
                p = left.pop()
                files.add(p)
                near = self.nearest_module_dir(p)
                if near is not None:
                    files.update(self.tf[near])
            self._add([], files)

    def _add(self, roots: list, files: set) -> None:
        i = len(self.batches)
        b = Batch(sorted(roots), sorted(files))
        for p in b.files:
            if p not in self.parsed_in:
                self.parsed_in[p] = i
                b.owned.add(p)
        self.batches.append(b)


class LazyDirs:
    """{module dir: ModuleDir} parsed on first use (a Terragrunt unit's module: ``modules.Expander`` reads
    ``dirs[d]``, ``dirs.get(d)`` and ``d in dirs``).  TF: dir -> its .tf / .tf.json paths; PARSE: path ->
    ParsedFile."""

    def __init__(self, tf: dict, parse):
        self.tf = tf
        self.parse = parse
        self._cache: dict = {}

    def get(self, d: str, default=None):
        if d not in self._cache:
            from ..terraform.modules import build_module_dirs

            bodies = {p: pf.data for p in self.tf.get(d, ()) for pf in (self.parse(p),) if pf.data is not None}
            self._cache[d] = build_module_dirs(bodies).get(d)
        md = self._cache[d]
        return default if md is None else md

    def __getitem__(self, d: str):
        md = self.get(d)
        if md is None:
            raise KeyError(d)
        return md

    def __contains__(self, d) -> bool:
        return self.get(d) is not None


# -- running the batches: the front in this process, the back in a forked worker ------------------------------------
def run(b, n: int, run_one, jobs: int, done=None) -> list:
    """[run_one(b, i) for i in 0..N-1]: parts of the graph (batches of roots, chunks of files) that land in ``b.g``
    in order, split with forked workers (iaclint/parallel.py): a worker builds its part into a graph of its own
    and sends that back (nodes, edges, diagnostics, facts…), merged here.  DONE(i): called once part i is in
    ``b.g``."""
    from ..parallel import split

    def there(i):
        b.progress = None  # the parent shows progress
        return alone(b, lambda b: run_one(b, i))

    return split(n, lambda i: run_one(b, i), jobs, there=there, merge=lambda i, part: _merge(b, part), done=done)


def alone(b, build) -> tuple:
    """BUILD(b) run into a graph of its own (``b.g`` is given back after): the part as ``_merge`` takes it — what
    a worker sends, what the editor keeps (graph/partcache.py)."""
    from .graph import Graph

    main = b.g
    b.g = Graph(ctx=main.ctx)
    b.g.files = b.files  # what contributors read of the graph while it is built (azapi sites: lines)
    try:
        out = build(b)
        g = b.g
    finally:
        b.g = main
    return out, list(g.nodes.values()), g.edges, g.diagnostics, g.explained, g.tool_errors, g.facts, g.quotable


def _merge(b, part):
    out, nodes, edges, diagnostics, explained, tool_errors, facts, quotable = part
    g = b.g
    for node in nodes:
        g.add(node)
    g.edges.extend(edges)
    g.diagnostics.extend(diagnostics)
    g.explained.extend(explained)
    g.tool_errors.extend(tool_errors)
    g.facts.update(facts)
    g.quotable.update(quotable)
    return out
