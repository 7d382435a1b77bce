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

    def _index(self) -> tuple[dict, dict, dict]:
        """Nodes by kind and by type (each list in graph order), and each node's place in that order."""
        def build():
            by_kind: dict = {}
            by_type: dict = {}
            for n in self.nodes.values():
                by_kind.setdefault(n.kind, []).append(n)
                by_type.setdefault(n.type, []).append(n)
            return by_kind, by_type, {nid: i for i, nid in enumerate(self.nodes)}
        return self.derived("by_kind_type", build)

    def _merged(self, index: dict, keys) -> list[Node]:
        """The nodes under KEYS of INDEX, in graph order (a few lists merged: no scan of the whole graph)."""
        lists = [index[k] for k in dict.fromkeys(keys) if k in index]
        if len(lists) == 1:
            return list(lists[0])
        place = self._index()[2]
        return sorted((n for lst in lists for n in lst), key=lambda n: place[n.id])

    def of_kind(self, *kinds: str) -> list[Node]:
        return self._merged(self._index()[0], kinds)

    def nodes_of_type(self, type_: str) -> list[Node]:
        """Every node of one type, including blocks with no instance (kind tells them apart)."""
        return list(self._index()[1].get(type_, ()))

    def of_type(self, *types: str) -> list[Node]:
        """Nodes of these types that exist (a block whose count/for_each is empty is left out)."""
        return [n for n in self._merged(self._index()[1], types) if n.kind != "tf_resource_unused"]

    def resources(self, *types: str) -> list[Node]:
        """Terraform resources (instances) of these types, in graph order."""
        return [n for n in self._merged(self._index()[1], types) if n.kind == "tf_resource"]

    def edges_from(self, nid: str, kind: str | None = None) -> list[Edge]:
        return [e for e in self.edges if e.src == nid and (kind is None or e.kind == kind)]

    def edges_to(self, nid: str, kind: str | None = None) -> list[Edge]:
        return [e for e in self.edges if e.dst == nid and (kind is None or e.kind == kind)]

