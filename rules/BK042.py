"""BK042: Azure managed disk with no backup and no snapshot."""
from __future__ import annotations

from iaclint.engine.helpers import resources
from iaclint.graph.queries import refers_to, siblings
from iaclint.terraform.values import Computed, Unknown

VMS = ("azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine", "azurerm_virtual_machine")


def _unknown(found, node, *attrs):
    """FOUND if it is an Unknown already, else the first of ATTRS whose value iaclint cannot know (an id that is
    not a resource's), else None."""
    if found is not None:
        return found
    for a in attrs:
        v = node.attrs.get(a)
        if isinstance(v, Unknown) and not isinstance(v, Computed):
            return v
    return None


def _protection(g, disk):
    """True when a Backup vault disk instance, a snapshot, or a protected VM it is attached to covers the disk;
    else the Unknown of a candidate whose target iaclint cannot know, or False."""
    unknown = None
    for inst in siblings(g, disk, "azurerm_data_protection_backup_instance_disk", "azurerm_snapshot"):
        if refers_to(inst, disk):
            return True
        unknown = _unknown(unknown, inst, "disk_id", "source_resource_id", "source_uri")
    protected = siblings(g, disk, "azurerm_backup_protected_vm")
    for att in siblings(g, disk, "azurerm_virtual_machine_data_disk_attachment"):
        if not refers_to(att, disk):
            continue
        for vm in siblings(g, disk, *VMS):
            if refers_to(att, vm) and any(refers_to(p, vm) for p in protected):
                return True
        unknown = _unknown(unknown, att, "virtual_machine_id")
        for p in protected:
            unknown = _unknown(unknown, p, "source_vm_id")
    return False if unknown is None else unknown


def check(ctx):
    """FAIL: azurerm_managed_disk with no backup instance, snapshot or protected VM.
    PASS: an azurerm_data_protection_backup_instance_disk whose disk_id is the disk."""
    g = ctx.graph
    for disk in resources(ctx, "azurerm_managed_disk"):
        r = _protection(g, disk)
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
