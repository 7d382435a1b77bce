"""Queries over the built graph that rules share: Terraform addresses, the block references between resources of
one module instance, resources evaluated in the same root and environment, lifecycle guards. Indexes are memoised
on the graph (Graph.derived), so a query per resource stays linear."""
from __future__ import annotations

from ..model import Node
from ..terraform.values import Computed
from .graph import Graph


def tf_local_address(node: Node) -> str:
    """A Terraform node's address as a reference from its own module reads it: type.name / data.type.name."""
    name = node.meta.get("resource_name", node.name)
    tf_type = node.meta.get("tf_type", node.type)  # an azapi_resource typed as azurerm (graph/azapi.py)
    return f"{'data.' if node.kind == 'tf_data' else ''}{tf_type}.{name}"


def module_index(graph: Graph) -> dict:
    """(root, context, module_path, local address) -> [nodes]: resolves block references between resources."""
    def build():
        idx: dict = {}
        for n in graph.nodes.values():
            if n.kind in ("tf_resource", "tf_data"):
                k = (n.meta.get("root"), n.meta.get("context"), n.meta.get("module_path"), tf_local_address(n))
                idx.setdefault(k, []).append(n)
        return idx
    return graph.derived("module_index", build)


def referenced(graph: Graph, node: Node, prefix: str | None = None) -> list[Node]:
    """Resources/data the node's block references (same module instance), optionally of types starting with prefix."""
    idx = module_index(graph)
    out = []
    for ref in node.meta.get("refs", []):
        if prefix and not ref.removeprefix("data.").startswith(prefix):
            continue
        key = (node.meta.get("root"), node.meta.get("context"), node.meta.get("module_path"), ref)
        out.extend(idx.get(key, []))
    return out


def siblings(graph: Graph, node: Node, *types: str) -> list[Node]:
    """Resources of the given types evaluated in the same root and environment context as node."""
    by_ctx = context_index(graph)
    return [n for n in by_ctx.get((node.meta.get("root"), node.meta.get("context")), ()) if n.type in types]


def context_index(graph: Graph) -> dict:
    """(root, context) -> Terraform resource/data nodes, in graph order; built once per graph (siblings is
    called per resource: scanning every node each time was quadratic)."""
    def build():
        idx: dict = {}
        for n in graph.nodes.values():
            if n.kind in ("tf_resource", "tf_data"):
                idx.setdefault((n.meta.get("root"), n.meta.get("context")), []).append(n)
        return idx
    return graph.derived("context_index", build)


def refers_to(other: Node, node: Node) -> bool:
    """Does OTHER reference NODE: its block names it (both in the same module instance), or one of its values is
    NODE's id or ARN, wherever that flowed from (``source_db_instance_arn = var.arn`` fed ``module.db.arn``)?"""
    if other.meta.get("module_path") == node.meta.get("module_path") and \
            tf_local_address(node) in other.meta.get("refs", []):
        return True
    return _holds_id_of(other.attrs, node.meta.get("address"))


def _holds_id_of(attrs, source: str) -> bool:
    """A Computed id/arn of SOURCE anywhere in ATTRS (an explicit stack: attribute depth never drives recursion)."""
    stack = [attrs]
    while stack:
        v = stack.pop()
        if isinstance(v, Computed):
            if v.source == source:
                return True
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def prevent_destroy(node: Node):
    """lifecycle.prevent_destroy as evaluated (None when unset)."""
    lc = node.attrs.get("lifecycle")
    if isinstance(lc, list) and lc and isinstance(lc[0], dict):
        return lc[0].get("prevent_destroy")
    return None
