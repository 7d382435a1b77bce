"""The graph's records pickle whole: a worker's graph part (iaclint/parallel.py) and the editor's kept parts
(graph/partcache.py) travel as pickles, so a field their ``__reduce__`` leaves out would be lost there only."""
from __future__ import annotations

import dataclasses
import pickle

from iaclint.model import Edge, EnvTag, Node, Span


def test_node_and_span_pickle_every_field():
    span = Span("modules/db/main.tf", 3, 5, 9, 2)
    node = Node("tf|envs/prod||aws_db_instance.main", "tf_resource", "aws_db_instance", "main", span,
                [EnvTag("production", "var file envs/production.tfvars")], {"deletion_protection": False},
                {"deletion_protection": (Span("envs/production.tfvars", 4, 1),)}, {"address": "aws_db_instance.main"})
    got = pickle.loads(pickle.dumps([node, span], protocol=pickle.HIGHEST_PROTOCOL))
    assert got == [node, span] and type(got[1]) is Span and got[0] is not node
    assert len(node.__reduce__()[1]) == len(dataclasses.fields(Node))  # a new field must be added there
    assert [getattr(got[0], f.name) for f in dataclasses.fields(Node)] == list(node.__reduce__()[1])
    edge = Edge(node.id, "tf|envs/prod||aws_db_instance.replica", "references", span)
    assert pickle.loads(pickle.dumps(edge)) == edge
    assert len(edge.__reduce__()[1]) == len(dataclasses.fields(Edge))
