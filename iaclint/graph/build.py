"""Stage 3: one resource graph over every parsed file.

Nodes: Terraform resource/data instances (per root module and environment
context), providers, Railway services/volumes/environments (from Terraform,
config-as-code and environment-config exports), env variables and
credentials.  Every node carries its span and its environments with the
reason each was inferred.  Edges: references, mounts, consumes.

Each file kind's contributor (``kinds.KINDS``: ``graph.terraform``,
``graph.secrets``, ``graph.railway``, ``graph.railway_iac``, ``graph.plan``)
adds that kind's nodes; the Builder runs them in their phases and holds what
they share. Last, every node's references to data stores are collected into
``Graph.identities`` (graph/identity.py); a contributor can add its own with
``b.g.identities.add_reference(...)``.
"""
from __future__ import annotations

from ..context import ScanContext
from ..kinds import KINDS, Phase, load
from ..model import ParsedFile, SourceFile, SourceText, placeholder
from .facts import file_facts
from .graph import Graph
from . import partcache, tfbatch
from .identity import collect_identities
from .railway import add_volume_environments


FILE_PART = 128  # files of FILE-phase kinds per part (graph parts a worker may build)


class Part:
    """A part of the graph: BUILD(builder) -> result, kept in ``result`` once the part is in the graph."""

    __slots__ = ("build", "files", "result")

    def __init__(self, build, files: int):
        self.build, self.files, self.result = build, files, None


def _big_at_the_ends(parts: list) -> list:
    """PARTS with the most files at both ends and the fewest in the middle: this process builds parts from the
    front and a worker from the back (tfbatch.run), so they meet over small parts and finish together."""
    by_size = sorted(range(len(parts)), key=lambda i: (-parts[i].files, i))
    return [parts[i] for i in by_size[0::2]] + [parts[i] for i in reversed(by_size[1::2])]


def _built_in_file_part(spec) -> bool:
    """Whether a FILE part runs the contributor of files of kind SPEC (and releases them after it)."""
    return spec.graph is not None and spec.phase is Phase.FILE


class Builder:
    def __init__(self, files: list[ParsedFile], ctx: ScanContext, deferred: dict | None = None):
        self.g = Graph(ctx=ctx)
        self.files = {f.path: f for f in files}
        self.g.files = self.files
        # path -> SourceFile of the files parsed when their contributor needs them (Terraform: per batch of
        # roots, graph/tfbatch.py); self.files holds a placeholder (no data, no lines) for each
        self.deferred: dict[str, SourceFile] = deferred or {}
        self.same = None  # parsers.SameContent: .tf files with the same bytes parsed once (set by the planner)
        self.progress = None  # callable(deferred files parsed so far), when someone watches (scan)
        self._ticked = 0
        self.jobs = 1  # processes that may build parts of the graph (graph/tfbatch.py run)
        self.envs = ctx.envs
        self._read_file = ctx.read_file
        # the editor's kept parts (graph/partcache.py): part key -> (reads, pickled part), the keys this scan used,
        # each parsed file's content hash; READS: what the part being built asks outside its files (recorded)
        self.part_cache: dict | None = None
        self.options_key = ""  # partcache.options_digest, once per scan ('': nothing is kept)
        self.used_parts: set = set()
        self.digests: dict = {}
        self.reads: list | None = None
        self.var_files = ctx.var_files
        self.tf_var_env = ctx.tf_var_env
        # `d in railway_tf_dirs`: module dir d configures a Railway provider (graph.terraform RailwayDirs)
        self.railway_tf_dirs = frozenset()
        self.terragrunt_modules: set[str] = set()  # module dirs Terragrunt units expand (not roots of their own)
        self.parts: list[Part] = []  # parts of the graph built alone (add_part), after the PROJECT phase
        self.after_parts: list = []  # callables run once every part is in the graph (Terraform's missing roots)

    def build(self) -> Graph:
        for f in self.files.values():
            self.record(f)
        project = self._contribute_all(Phase.PROJECT)  # Terraform plans its batches of roots as parts (terraform.py)
        paths = sorted(p for p, f in self.files.items()
                       if KINDS[f.kind].phase is Phase.FILE and (p in self.deferred or KINDS[f.kind].graph is not None))
        for k in range(0, len(paths), FILE_PART):
            chunk = paths[k:k + FILE_PART]
            build = self._file_part(chunk)
            digests = tuple(self.digests.get(p) for p in chunk)
            if self.options_key and None not in digests:  # the editor: kept by what it read (graph/partcache.py)
                build = self._kept(("files", tuple(chunk), digests, self.options_key), build, chunk)
            self.add_part(build, len(chunk))
        parts = _big_at_the_ends(self.parts)
        results = tfbatch.run(self, len(parts), lambda b, i: b._run_part(parts[i], i), self.jobs,
                              lambda i: self.tick(parts[i].files))
        for part, result in zip(parts, results):
            part.result = result
        self.same = None  # the shared trees: nothing parses .tf files in bulk after the parts
        for then in self.after_parts:
            self._isolated("the Terraform roots", then)
        self._release(project)  # the parts read them (an editor's files are parsed already)
        self._release(self._contribute_all(Phase.LATE))
        self._canonical_order()
        self._isolated("Railway volume environments", add_volume_environments, self.g)
        self._isolated("data-store identities", collect_identities, self.g)
        self.g.sort_nodes()  # the few nodes those two added, in their place (nearly sorted: ~2 ms)
        # what refers back to this builder (parts' closures, RailwayDirs) goes: the scan runs without the cyclic
        # collector, and the plan of a 52k-file tree must not outlive the graph stage
        self.parts, self.after_parts, self.railway_tf_dirs, self.deferred = [], [], frozenset(), {}
        return self.g

    def read_file(self, module_dir: str, rel: str):
        """A file a module reads (``file()``, ``templatefile()``, `.terraform/environment`): its text or None."""
        return self.note("read", (module_dir, rel), self._read_file(module_dir, rel))

    def dir_exists(self, d: str) -> bool:
        """Whether module dir D exists on disk (a local source with no scanned .tf)."""
        import os

        return self.note("dir", d, os.path.isdir(os.path.join(self.g.ctx.root, d)))

    def note(self, kind: str, args, value):
        """VALUE, the answer to a read of KIND, recorded while a kept part is built (graph/partcache.py)."""
        if self.reads is not None:
            from .partcache import content_digest

            self.reads.append((kind, args, content_digest(value)))
        return value

    def answer(self, kind: str, args) -> str | None:
        """The recorded form of the answer a read of KIND gets now."""
        from .partcache import content_digest

        if kind == "read":
            return content_digest(self._read_file(*args))
        if kind == "dir":
            return content_digest(self.dir_exists(args))
        if kind == "railway":
            return content_digest(args in self.railway_tf_dirs)
        return None

    def add_part(self, build, files: int) -> Part:
        """A part of the graph BUILD(builder) makes from its own files, alone: run here or in a forked worker
        (tfbatch.run), merged in order; FILES: the deferred files it parses (progress)."""
        part = Part(build, files)
        self.parts.append(part)
        return part

    def _run_part(self, part: Part, i: int):
        """PART built, its exception (a bug of iaclint's) recorded as an internal error: result None."""
        try:
            return part.build(self)
        except Exception as e:  # noqa: BLE001 - one part must not take the scan down
            self.g.tool_errors.append(f"building part {i} of the graph failed: {type(e).__name__}: {e}; "
                                      f"its nodes may be missing")
            return None

    @staticmethod
    def _kept(key: tuple, build, paths: list[str]):
        def release(b):  # what the part does to the builder: its files' syntax is let go (as _file_part does)
            b._release([b.files[p] for p in paths if _built_in_file_part(KINDS[b.files[p].kind])])
        return lambda b: partcache.cached(b, key, build, release)

    def _file_part(self, paths: list[str]):
        """The part of FILE-phase files PATHS: each parsed (when deferred) just before its contributor runs, and
        released after it."""
        def build(b):
            for p in paths:
                f = b.files[p]
                if p in b.deferred:
                    f = b.parse(p)
                    b.record(f)
                spec = KINDS[f.kind]
                if not _built_in_file_part(spec):
                    continue  # no part of the graph, or built in another phase (released there)
                if f.data is not None or not spec.data:
                    b._isolated(p, load(spec.graph), b, f)
                b._release([f])
        return build

    def tick(self, n: int) -> None:
        """N more deferred files parsed and in the graph (progress, every 64 files)."""
        before, self._ticked = self._ticked, self._ticked + n
        if self.progress is not None and (before // 64 != self._ticked // 64 or n > 1):
            self.progress(self._ticked)

    def record(self, f: ParsedFile) -> None:
        """A parsed file's diagnostics and internal error, and what the stages after the graph need of it
        (graph/facts.py; whether a report can quote its lines), taken while its syntax and lines are alive."""
        self.g.diagnostics.extend(f.diagnostics)
        if f.internal_error:
            self.g.tool_errors.append(f.internal_error)
        facts = file_facts(f)
        if facts is not None:
            self.g.facts[f.path] = facts
        if f.lines:
            self.g.quotable.add(f.path)

    def _release(self, files: list[ParsedFile]) -> None:
        """Files whose part of the graph is built: their syntax and lines are no longer held (the rules read
        ``graph.facts``); the parsed objects themselves are left alone (an editor's parse cache keeps them)."""
        for f in files:
            if f.data is not None or f.lines:
                self.files[f.path] = placeholder(f.path, f.kind)

    def parse(self, path: str) -> ParsedFile:
        """PATH parsed: a deferred file now (nothing kept: the caller releases it), else as the parse stage left
        it."""
        sf = self.deferred.get(path)
        if sf is None:
            return self.files[path]
        from ..parsers import parse_file

        return parse_file(sf, self.same)

    def source_bytes(self, path: str) -> bytes:
        """PATH's bytes for a planning scan (graph/tfbatch.py): read again for a deferred file (regular files
        only; b"" when unreadable: parsing it later says why), else its parsed text."""
        sf = self.deferred.get(path)
        if sf is None:
            f = self.files[path]
            text = f.lines.text if isinstance(f.lines, SourceText) else "\n".join(f.lines)
            return text.encode("utf-8", "replace")
        from ..discover import MAX_FILE_BYTES
        from ..safeio import UnsafeFile, read_regular_file

        try:
            return read_regular_file(sf.abspath, MAX_FILE_BYTES)
        except (UnsafeFile, OSError):
            return b""

    def _canonical_order(self) -> None:
        """Nodes by id and edges by what they join: what rules and views see (``of_kind``, ``of_type``, edges)
        must not depend on the order contributors, batches of roots or worker processes built the graph in."""
        self.g.sort_nodes()
        self.g.edges.sort(key=lambda e: (e.src, e.dst, e.kind, e.span or ()))

    def _isolated(self, what: str, contributor, *args) -> None:
        """contributor(*args); an exception (a bug of iaclint's, never the input's fault) is recorded as an
        internal error naming WHAT (exit code 3, shown in every format) and the rest of the graph is built."""
        try:
            contributor(*args)
        except Exception as e:  # noqa: BLE001 - one file's contributor must not take the scan down
            self.g.tool_errors.append(f"building the graph from {what} failed: {type(e).__name__}: {e}; "
                                      f"its nodes may be missing")

    def _contribute_all(self, phase: Phase) -> list[ParsedFile]:
        """Each contributor of PHASE once, in registry order, with the files of every kind that names it; returns
        the files given (the caller releases them once nothing reads them)."""
        given: list = []
        refs = list(dict.fromkeys(s.graph for s in KINDS.values() if s.graph and s.phase is phase))
        for ref in refs:
            files = [f for f in self.files.values() if KINDS[f.kind].graph == ref]
            if files:
                names = sorted(f.path for f in files)
                self._isolated(", ".join(names[:3]) + (" …" if len(names) > 3 else ""), load(ref), self, files)
                given += files
        return given
