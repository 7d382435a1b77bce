"""The report does not depend on the order the graph was built in: batches of roots and worker processes add
nodes in another order than one process does (graph.build.Builder._canonical_order, engine.run._order)."""
from __future__ import annotations

import random

import pytest

from iaclint.graph import build as build_mod


_CANONICAL = build_mod.Builder._canonical_order


def _shuffle_before_canonical_order(monkeypatch, seed) -> None:
    """The graph's nodes and edges in a random order (SEED; None: as built) before the canonical order."""
    def shuffled(self):
        if seed is not None:
            items = list(self.g.nodes.items())
            random.Random(seed).shuffle(items)
            self.g.nodes = dict(items)
            random.Random(seed).shuffle(self.g.edges)
        _CANONICAL(self)

    monkeypatch.setattr(build_mod.Builder, "_canonical_order", shuffled)


def _sarif(path: str) -> str:
    from iaclint.report.sarif import render_sarif
    from iaclint.scan import ScanOptions, scan

    return render_sarif(scan([path], ScanOptions(root=path, jobs=1)))


@pytest.mark.parametrize("name", ["c20", "c20v"])
def test_shuffled_graph_gives_the_same_sarif(corpus, name, monkeypatch):
    path = corpus(name)
    expected = _sarif(path)
    for seed in (1, 2):
        _shuffle_before_canonical_order(monkeypatch, seed)
        assert _sarif(path) == expected


def test_nodes_and_edges_do_not_depend_on_build_order(corpus, monkeypatch):
    from iaclint.scan import ScanOptions, graph_and_discovery

    path = corpus("c20")
    seen = []
    for seed in (None, 1, 2):
        _shuffle_before_canonical_order(monkeypatch, seed)
        g, _ = graph_and_discovery([path], ScanOptions(root=path, jobs=1))
        seen.append((list(g.nodes), [(e.src, e.dst, e.kind, e.span) for e in g.edges]))
    assert seen[0] == seen[1] == seen[2] and len(seen[0][0]) > 100
