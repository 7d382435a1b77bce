"""Graph.of_kind / of_type / resources: the same nodes in graph order whether the graph is in id order (index
lists merged by id) or not (nodes picked out of every node)."""
from __future__ import annotations

import random

from iaclint.graph.graph import Graph
from iaclint.model import Node, Span


def test_queries_of_several_kinds_keep_graph_order_sorted_or_not():
    rng = random.Random(3)
    g = Graph()
    kinds, types = ("tf_resource", "tf_data", "tf_resource_unused", "env_var"), ("aws_s3_bucket", "aws_db_instance", "x")
    for i in rng.sample(range(400), 200):
        g.add(Node(f"n{i:03d}", rng.choice(kinds), rng.choice(types), f"n{i}", Span("main.tf", i + 1)))

    def check():
        order = list(g.nodes.values())
        assert g.of_kind("tf_data", "tf_resource") == [n for n in order if n.kind in ("tf_resource", "tf_data")]
        assert g.of_type("x", "aws_s3_bucket") == [n for n in order if n.type in ("x", "aws_s3_bucket")
                                                   and n.kind != "tf_resource_unused"]
        assert g.resources("aws_db_instance", "x", "none") == [n for n in order if n.kind == "tf_resource"
                                                                and n.type in ("aws_db_instance", "x")]
        assert g.of_kind("env_var") == [n for n in order if n.kind == "env_var"]

    check()  # built in no order: picked out of every node
    g.sort_nodes()
    check()  # in id order: merged by id
    g.add(Node("a-late", "tf_resource", "x", "late", Span("main.tf", 1)))  # appended, out of id order
    check()
    assert g.resources("x")[-1].id == "a-late"
