"""The resource graph: nodes with spans and environments, edges, and the indexes rules query."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..context import ScanContext
from ..model import Diagnostic, Edge, Node, ParsedFile
from .identity import Identities

if TYPE_CHECKING:
    from .facts import FileFacts


@dataclass
class Graph:
    root: str = ""
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    files: dict[str, ParsedFile] = field(default_factory=dict)  # their syntax and lines: for the graph stage only
    facts: dict[str, FileFacts] = field(default_factory=dict)  # what later stages need of a file (graph/facts.py)
    quotable: set = field(default_factory=set)  # files that had source lines (a report may quote them)
    sources: Any = None  # report.source.SourceLines over the scanned files (scan.graph_and_discovery)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    environments: set = field(default_factory=set)
    explained: list[str] = field(default_factory=list)  # how var files were used (``--explain-environments``)
    tool_errors: list[str] = field(default_factory=list)  # iaclint's own failures while building it (exit code 3)
    ctx: ScanContext = field(default_factory=ScanContext)  # the scan's configuration, for the rules
    identities: Identities = field(default_factory=Identities)  # data-store references (graph/identity.py)
    _derived: dict = field(default_factory=dict, repr=False, compare=False)
    # how many nodes there were when they were put in id order (``sort_nodes``); nodes are never removed, so
    # while the count is the same, graph order is id order
    _sorted_at: int = field(default=-1, repr=False, compare=False)

    def sort_nodes(self) -> None:
        """Nodes in id order (the canonical order rules see: not the order batches or workers built them in)."""
        self.nodes = dict(sorted(self.nodes.items()))
        self._sorted_at = len(self.nodes)
        self._derived.clear()  # its indexes hold the old order (same node count: derived() would keep them)

    def add(self, node: Node) -> Node:
        if node.id in self.nodes:  # same id twice: keep the first, merge environments
            old = self.nodes[node.id]
            for e in node.envs:
                if e.name not in old.env_names:
                    old.envs.append(e)
            return old
        self.nodes[node.id] = node
        for e in node.envs:
            self.environments.add(e.name)
        return node

    def source_lines(self, path: str) -> list[str]:
        """PATH's source lines as its parser saw them, read again (editor buffers first): for the few rules that
        quote source text, once the parsed files' lines are gone. [] when it has none."""
        return (self.sources.get(path) if self.sources is not None else None) or []

    def derived(self, key, build):
        """``build()`` computed once and reused until a node is added (nodes are never removed): the one
        mechanism for the indexes rules and views need, so none of them rescans the graph per node."""
        hit = self._derived.get(key)
        if hit is None or hit[0] != len(self.nodes):
            hit = (len(self.nodes), build())
            self._derived[key] = hit
        return hit[1]

    def _index(self) -> tuple[dict, dict]:
        """Nodes by kind and by type (each list in graph order)."""
        def build():
            by_kind: dict = {}
            by_type: dict = {}
            for n in self.nodes.values():
                by_kind.setdefault(n.kind, []).append(n)
                by_type.setdefault(n.type, []).append(n)
            return by_kind, by_type
        return self.derived("by_kind_type", build)

    def _under(self, field: int, keys: tuple) -> list[Node]:
        """The nodes whose kind (FIELD 0) or type (1) is one of KEYS, in graph order: their index lists, merged
        by id while the graph is in id order, else picked out of every node."""
        index = self._index()[field]
        if len(keys) == 1:
            return list(index.get(keys[0], ()))
        if self._sorted_at == len(self.nodes):
            return sorted((n for k in set(keys) for n in index.get(k, ())), key=lambda n: n.id)
        keys = set(keys)
        return [n for n in self.nodes.values() if (n.type if field else n.kind) in keys]

    def of_kind(self, *kinds: str) -> list[Node]:
        return self._under(0, kinds)

    def nodes_of_type(self, type_: str) -> list[Node]:
        """Every node of one type, including blocks with no instance (kind tells them apart)."""
        return list(self._index()[1].get(type_, ()))

    def of_type(self, *types: str) -> list[Node]:
        """Nodes of these types that exist (a block whose count/for_each is empty is left out)."""
        return [n for n in self._under(1, types) if n.kind != "tf_resource_unused"]

    def resources(self, *types: str) -> list[Node]:
        """Terraform resources (instances) of these types, in graph order."""
        return [n for n in self._under(1, types) if n.kind == "tf_resource"]

    def edges_from(self, nid: str, kind: str | None = None) -> list[Edge]:
        return [e for e in self.edges if e.src == nid and (kind is None or e.kind == kind)]

    def edges_to(self, nid: str, kind: str | None = None) -> list[Edge]:
        return [e for e in self.edges if e.dst == nid and (kind is None or e.kind == kind)]

