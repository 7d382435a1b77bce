"""BK012: Cloud SQL backups stored in the instance's own region."""
from __future__ import annotations

from iaclint.engine.helpers import attr_site, blocks, resources
from iaclint.model import Location
from iaclint.terraform.values import Unknown


def check(ctx):
    """FAIL: region = "europe-west1" and backup_configuration.location = "europe-west1".  PASS: another
    region, a multi-region, or unset (Cloud SQL's multi-region default)."""
    for inst in resources(ctx, "google_sql_database_instance"):
        settings = (blocks(inst.attrs.get("settings")) or [{}])[0]
        bc = (blocks(settings.get("backup_configuration")) or [{}])[0]
        if "location" not in bc:
            continue
        loc, region = bc.get("location"), inst.attrs.get("region")
        if loc is None:
            continue
        for what, v in (("settings.backup_configuration.location", loc), ("region", region)):
            if isinstance(v, Unknown):
                yield ctx.cannot_verify(inst, what, v.reason, attr_site(inst, what))
                break
        else:
            if not isinstance(region, str) or not isinstance(loc, str) or loc.lower() != region.lower():
                continue
            addr = inst.meta["address"]
            site = attr_site(inst, "settings.backup_configuration.location")
            msg = (f"{addr} stores its backups in {loc}, the instance's own region: a regional outage or loss takes "
                   f"the database and its backups together")
            related = [Location(attr_site(inst, "region"), "the instance's region")]
            yield ctx.finding(inst, msg, site, related=related, key=f"{inst.span.path}|{addr}|backup-location")
