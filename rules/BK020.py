"""BK020: Persistent disk without a snapshot schedule."""
from __future__ import annotations

from iaclint.engine.helpers import attr_site, resources
from iaclint.graph.queries import refers_to, siblings
from iaclint.model import Location
from iaclint.terraform.values import Unknown


def _terraform_files_by_dir(graph) -> dict:
    """dir -> [(path, parsed .tf file)] in path order, built once per graph (a scan of every file per node
    was quadratic in the size of the tree)."""
    def build():
        idx: dict = {}
        for path, f in sorted(graph.files.items()):
            if f.kind == "terraform" and f.data is not None:
                idx.setdefault(path.rsplit("/", 1)[0] if "/" in path else "", []).append((path, f))
        return idx
    return graph.derived("tf_files_by_dir", build)


def _declared_without_instances(graph, node, types) -> list:
    """Spans of resource blocks of `types` in node's module directory that reference node but were expanded to no
    instance (count = 0 / empty for_each) in node's root and environment."""
    from iaclint.model import Span
    from iaclint.terraform.modules import block_refs

    d = node.span.path.rsplit("/", 1)[0] if "/" in node.span.path else ""
    local = f"{node.type}.{node.meta.get('resource_name', node.name)}"
    live = {(n.span.path, n.span.line) for n in siblings(graph, node, *types)
            if n.meta.get("module_path") == node.meta.get("module_path")}
    out = []
    for path, f in _terraform_files_by_dir(graph).get(d, ()):
        for b in getattr(f.data, "blocks", []):
            if b.type == "resource" and len(b.labels) >= 2 and b.labels[0] in types and \
                    (path, b.pos.line) not in live and local in block_refs(b.body):
                out.append(Span(path, b.pos.line, b.pos.col))
    return out


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
