"""BK021: Disk snapshot schedule stores snapshots in the disks' own region."""
from __future__ import annotations

from iaclint.engine.helpers import attr_site, blocks, resources
from iaclint.model import Location
from iaclint.terraform.values import Unknown, first_unknown


def check(ctx):
    """FAIL: google_compute_resource_policy in europe-west1 with storage_locations = ["europe-west1"].
    PASS: a multi-region ("eu") or another region, or unset (the nearest multi-region)."""
    for pol in resources(ctx, "google_compute_resource_policy"):
        ssp = (blocks(pol.attrs.get("snapshot_schedule_policy")) or [None])[0]
        if ssp is None:
            continue
        props = (blocks(ssp.get("snapshot_properties")) or [{}])[0]
        locs = props.get("storage_locations")
        if locs is None:
            continue
        region = pol.attrs.get("region")
        path = "snapshot_schedule_policy.snapshot_properties.storage_locations"
        u = first_unknown(locs) if not isinstance(locs, Unknown) else locs
        for what, v in ((path, u), ("region", region)):
            if isinstance(v, Unknown):
                yield ctx.cannot_verify(pol, what, v.reason, attr_site(pol, what))
                break
        else:
            if not isinstance(region, str) or not isinstance(locs, list) or not locs:
                continue
            if any(not isinstance(x, str) or x.lower() != region.lower() for x in locs):
                continue
            addr = pol.meta["address"]
            msg = (f"{addr} stores snapshots in {region}, the region of the disks it protects: a regional outage or "
                   f"a regional deletion takes disks and snapshots together")
            related = [Location(attr_site(pol, "region"), "the policy's region")]
            yield ctx.finding(pol, msg, attr_site(pol, path), related=related, key=f"{pol.span.path}|{addr}|snap-region")
