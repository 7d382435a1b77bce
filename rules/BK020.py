"""BK020: Persistent disk without a snapshot schedule."""
from __future__ import annotations

import posixpath

from iaclint.engine.helpers import attr_site, resources
from iaclint.graph.queries import refers_to, siblings
from iaclint.model import Location, Span
from iaclint.terraform.values import Unknown


def _declared_without_instances(graph, node, types) -> list:
    """Spans of resource blocks of `types` in node's module directory that reference node but were expanded to no
    instance (count = 0 / empty for_each) in node's root and environment: their ``tf_resource_unused`` nodes."""
    def place(n):  # module directory, root, environment context, module instance
        return posixpath.dirname(n.span.path), n.meta.get("root"), n.meta.get("context"), n.meta.get("module_path")

    here = place(node)
    local = f"{node.type}.{node.meta.get('resource_name', node.name)}"
    spans = {(n.span.path, n.span.line, n.span.col) for t in types for n in graph.nodes_of_type(t)
             if n.kind == "tf_resource_unused" and place(n) == here and local in n.meta.get("refs", ())}
    return [Span(*sp) for sp in sorted(spans)]


def check(ctx):
    """FAIL: google_compute_disk with no resource_policies and no resource-policy attachment.
    PASS: a google_compute_disk_resource_policy_attachment (or resource_policies) naming a snapshot schedule."""
    g = ctx.graph
    for disk in resources(ctx, "google_compute_disk", "google_compute_region_disk"):
        rp = disk.attrs.get("resource_policies")
        if isinstance(rp, Unknown):
            yield ctx.cannot_verify(disk, "resource_policies", rp.reason, attr_site(disk, "resource_policies"))
            continue
        if rp:
            continue
        name = disk.attrs.get("name")
        attached = [a for a in siblings(g, disk, "google_compute_disk_resource_policy_attachment",
                                        "google_compute_region_disk_resource_policy_attachment")
                    if refers_to(a, disk) or (isinstance(name, str) and a.attrs.get("disk") == name)]
        if attached:
            continue
        addr = disk.meta["address"]
        idle = _declared_without_instances(g, disk, ("google_compute_disk_resource_policy_attachment",
                                                     "google_compute_region_disk_resource_policy_attachment"))
        msg = (f"{addr} has no snapshot schedule (no resource_policies, no resource-policy attachment): the disk "
               f"is the only copy of its data")
        if idle:
            msg += " — the attachment declared for it creates no instance here (its count/for_each is empty)"
        related = [Location(sp, "snapshot attachment declared here, with no instance in this environment")
                   for sp in idle]
        yield ctx.finding(disk, msg, related=related, key=f"{disk.span.path}|{addr}|snapshots")
