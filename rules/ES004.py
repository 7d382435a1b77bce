"""ES004: Non-production configuration looks up a production data store."""
from __future__ import annotations

from iaclint.engine.helpers import fix_site_of, names_production, non_production
from iaclint.graph.identity import resource_identity, strings_in, value_identity
from iaclint.model import Location


STATEFUL_DATA = {
    "aws_db_instance", "aws_rds_cluster", "aws_s3_bucket", "aws_dynamodb_table", "aws_ebs_volume",
    "aws_efs_file_system", "aws_elasticache_cluster", "aws_elasticache_replication_group", "aws_docdb_cluster",
    "aws_backup_vault", "aws_db_snapshot", "aws_ebs_snapshot", "aws_kms_key", "aws_secretsmanager_secret",
    "aws_redshift_cluster", "aws_opensearch_domain", "aws_sqs_queue",
    "google_sql_database_instance", "google_storage_bucket", "google_compute_disk", "google_bigquery_dataset",
    "google_spanner_instance", "google_redis_instance", "google_compute_snapshot",
    "azurerm_storage_account", "azurerm_mssql_server", "azurerm_postgresql_flexible_server",
    "azurerm_managed_disk", "azurerm_cosmosdb_account", "azurerm_key_vault",
    "railway_project", "railway_service", "railway_environment",
}


IDENTIFIER_ATTRS = ("name", "bucket", "identifier", "db_instance_identifier", "cluster_identifier", "table_name",
                    "volume_id", "id", "arn", "instance", "domain_name", "replication_group_id", "key_id",
                    "file_system_id", "queue_name", "dataset_id")


def _production_identities(graph) -> dict:
    """identity -> node of a production-only resource that declares it (graph.identities)."""
    out = {}
    for ident, refs in graph.identities.refs.items():
        for r in refs:
            n = graph.nodes.get(r.node) if r.role == "declares" else None
            if n is not None and n.env_names == ["production"]:
                out.setdefault(ident, n)
    return out


def check(ctx):
    """FAIL: in staging, data "aws_db_instance" with db_instance_identifier = "orders-production" (or the name of a
    resource only production declares). PASS: the staging lookup names a staging resource."""
    prod_ids = _production_identities(ctx.graph)
    for n in ctx.each(ctx.graph.of_kind("tf_data")):
        if n.type not in STATEFUL_DATA or not non_production(n):
            continue
        for path, s in strings_in(n.attrs):
            top = path.split(".")[0]
            if top not in IDENTIFIER_ATTRS and top != "filter":
                continue
            owner = prod_ids.get(resource_identity(n.type, top, s) or value_identity(path.rsplit(".", 1)[-1], s))
            if not (names_production(s) or owner is not None):
                continue
            envs = ", ".join(n.env_names)
            why = f"the identifier of {owner.meta['address']}, declared only for production" if owner is not None \
                else "a production name"
            related = [Location(owner.span, "production declares it here")] if owner is not None else []
            yield ctx.finding(n, f"{n.meta['address']} in {envs} looks up {n.type} {s!r} ({why}): {envs} then "
                                 f"reads and writes production's data, and anything that destroys or restores it "
                                 f"from {envs} hits production", fix_site_of(n, path), related=related,
                              key=f"{n.span.path}|{n.meta['address']}|prodlookup",
                              envs=sorted(set(n.env_names) | {"production"}))
            break
