"""BK042: Azure managed disk with no backup and no snapshot."""
from __future__ import annotations

from iaclint.engine.helpers import resources
from iaclint.graph.queries import refers_to, siblings
from iaclint.terraform.values import Computed, Unknown, covered

VMS = ("azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine", "azurerm_virtual_machine")


def _unknown(node, attr):
    """Unknown when node's ATTR is a value iaclint cannot know (an id that is not a resource's), else False."""
    v = node.attrs.get(attr)
    return v if isinstance(v, Unknown) and not isinstance(v, Computed) else False


def _results(g, disk):
    """Per candidate: True when it covers the disk (a Backup vault disk instance, a snapshot, a protected VM the disk
    is attached to), the Unknown of a target iaclint cannot know, or False."""
    for inst in siblings(g, disk, "azurerm_data_protection_backup_instance_disk", "azurerm_snapshot"):
        yield refers_to(inst, disk) or _unknown(inst, "disk_id" if "disk_id" in inst.attrs else "source_uri")
    protected = siblings(g, disk, "azurerm_backup_protected_vm")
    for att in siblings(g, disk, "azurerm_virtual_machine_data_disk_attachment"):
        if refers_to(att, disk):
            yield any(refers_to(att, vm) and any(refers_to(p, vm) for p in protected) for vm in siblings(g, disk, *VMS))
            yield _unknown(att, "virtual_machine_id")
            for p in protected:
                yield _unknown(p, "source_vm_id")


def check(ctx):
    """FAIL: azurerm_managed_disk with no backup instance, snapshot or protected VM.
    PASS: an azurerm_data_protection_backup_instance_disk whose disk_id is the disk."""
    g = ctx.graph
    for disk in resources(ctx, "azurerm_managed_disk"):
        r = covered(_results(g, disk))
        if r is True:
            continue
        if isinstance(r, Unknown):
            yield ctx.cannot_verify(disk, "whether a backup or snapshot covers it", r.reason)
            continue
        addr = disk.meta["address"]
        yield ctx.finding(disk, f"{addr} has no backup: no Backup vault disk instance "
                                f"(azurerm_data_protection_backup_instance_disk), no azurerm_snapshot of it and no "
                                f"azurerm_backup_protected_vm on a VM it is attached to",
                          key=f"{disk.span.path}|{addr}|backup")
