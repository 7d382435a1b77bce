"""Blast radius: credential findings say what they could destroy; `iaclint blast-radius` shows it (text, JSON)."""
from __future__ import annotations

import json
import os

from conftest import REPO, fixture_path, run_cli, scan_dir

POCKETOS = os.path.join(REPO, "examples", "pocketos")


def test_pocketos_token_finding_tells_the_whole_chain():
    r = scan_dir(POCKETOS, enabled={"CS001"})
    [f] = [f for f in r.findings if f.rule_id == "CS001"]
    assert (f.span.path, f.span.line) == ("scripts/domains/add-domain.sh", 4)
    m = f.message
    assert m.startswith("account-scoped Railway account/workspace API token RAILWAY_API_TOKEN")
    # the volume declared in railway.ts, infra/main.tf and mounted by id in both exports is named once
    assert ("in scripts/domains/add-domain.sh:4 can delete volume pgdata (in production and staging; declared in 4 "
            "places) and its backups") in m
    assert [(x.span.path, x.span.line) for x in f.related] == [
        (".railway/railway.ts", 12), ("infra/main.tf", 41), ("railway/production.json", 16), ("railway/staging.json", 13)]
    assert "8c2f4e1a" not in m


def test_blast_radius_text():
    r = run_cli("blast-radius", POCKETOS)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "scripts/domains/add-domain.sh:4  Railway account/workspace API token RAILWAY_API_TOKEN (…(36 chars))" in out
    assert "scope: account (broad)" in out
    assert "- volume pgdata [production, staging] + its backups (Railway volume backups live on the volume)  (.railway/railway.ts:12)" in out
    assert ("declared in 4 places: .railway/railway.ts:12, infra/main.tf:41, railway/production.json:16, "
            "railway/staging.json:13") in out
    assert "8c2f4e1a" not in out


def test_blast_radius_json():
    r = run_cli("blast-radius", POCKETOS, "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    # the superuser DATABASE_URL of both env files (no resource of its server is declared), then the token
    db_prod, db_staging, c = data["credentials"]
    assert {db_prod["credential"]["kind"], db_staging["credential"]["kind"]} == {"database-superuser-url"}
    assert c["scope_down"] == "https://docs.railway.com/reference/public-api#project-token"
    assert c["credential"]["kind"] == "railway-account-token" and c["credential"]["line"] == 4
    assert c["environments"] == ["production", "staging"]
    # one physical volume: railway.ts, Terraform and the volume id both exports mount (same image, same mount path)
    assert c["targets"] == [{"type": "volume", "name": "pgdata", "file": ".railway/railway.ts", "line": 12,
                             "environments": ["production", "staging"],
                             "backups": "its backups (Railway volume backups live on the volume)",
                             "declared_at": [{"file": ".railway/railway.ts", "line": 12},
                                             {"file": "infra/main.tf", "line": 41},
                                             {"file": "railway/production.json", "line": 16},
                                             {"file": "railway/staging.json", "line": 13}]}]


def test_project_token_reaches_only_its_environment(tmp_path):
    (tmp_path / "railway").mkdir()
    for env, vol in (("staging", "aaaaaaaa-1111-4111-8111-111111111111"), ("production",
                                                                          "bbbbbbbb-2222-4222-8222-222222222222")):
        (tmp_path / "railway" / f"{env}.json").write_text(json.dumps({"services": {"svc": {
            "volumeMounts": {vol: {"mountPath": "/data"}}}}}))
    (tmp_path / ".env.staging").write_text("RAILWAY_TOKEN=3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f\n")
    r = run_cli("blast-radius", str(tmp_path), "--all", "--format", "json")
    [c] = json.loads(r.stdout)["credentials"]
    assert c["credential"]["scope"] == "environment"
    assert [t["name"] for t in c["targets"]] == ["aaaaaaaa-1111-4111-8111-111111111111"]


def test_no_credentials(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    r = run_cli("blast-radius", str(tmp_path))
    assert r.returncode == 0 and r.stdout == "no broadly scoped credentials found\n"
    assert run_cli("blast-radius", str(tmp_path / "missing")).returncode == 2


def test_aws_key_reaches_aws_stateful_resources(tmp_path):
    (tmp_path / "envs" / "production").mkdir(parents=True)
    (tmp_path / "envs" / "production" / "main.tf").write_text(
        'resource "aws_db_instance" "orders" {\n  identifier = "orders"\n}\n')
    (tmp_path / "ci.sh").write_text("export AWS_ACCESS_KEY_ID=AKIAQ7R2T9W4Y6U3P8Z5\n")
    r = scan_dir(str(tmp_path), enabled={"CS002"})
    [f] = r.findings
    assert "can delete aws_db_instance aws_db_instance.orders (in production) and its automated backups" in f.message


# ------------------------------------------------------------------------------------------------ broad grants
GRANTS = fixture_path("blast", "grants")


def test_blast_radius_lists_what_each_azure_and_gcp_grant_could_delete():
    """A grant reaches the stateful resources of its cloud the role can delete, in its scope: a subscription
    Contributor every Azure data store of its environment, a custom role its namespace's, roles/editor the
    project's, roles/storage.admin the project's buckets only — never another project's or environment's."""
    r = run_cli("blast-radius", GRANTS, "--root", GRANTS, "--format", "json")
    assert r.returncode == 0, r.stderr
    grants = {(g["credential"]["name"], g["credential"]["redacted"], g["credential"]["line"]):
              [t["name"] for t in g["targets"]] for g in json.loads(r.stdout)["grants"]}
    assert grants == {
        ("azurerm_role_assignment.deploy", "Contributor", 11): ["azurerm_mssql_server.orders",
                                                                "azurerm_storage_account.uploads"],
        ("azurerm_role_definition.janitor", "storage-janitor", 19): ["azurerm_storage_account.uploads"],
        ("google_project_iam_member.ci", "roles/editor", 3): ["google_sql_database_instance.orders",
                                                             "google_storage_bucket.exports"],
        ("google_project_iam_member.backup", "roles/storage.admin", 9): ["google_storage_bucket.exports"],
    }


def test_blast_radius_text_names_scope_and_environments_of_grants():
    out = run_cli("blast-radius", GRANTS, "--root", GRANTS).stdout
    assert "envs/production/gcp.tf:3  GCP role grant google_project_iam_member.ci (roles/editor) [production]" in out
    assert "scope: project acme-prod, granted to serviceAccount:ci@acme-prod.iam.gserviceaccount.com" in out
    assert ("- google_sql_database_instance google_sql_database_instance.orders [production] + its automated "
            "backups  (envs/production/gcp.tf:13)") in out
    assert "scope: subscription, granted to a managed identity (broad)" in out
    assert "acme-staging" not in out and "elsewhere" not in out


def test_grant_findings_point_at_the_role_line_and_name_what_they_reach():
    r = scan_dir(GRANTS, enabled={"CS006", "CS008", "CS020"})
    by_rule = {(f.rule_id, f.span.path, f.span.line): f.message for f in r.findings}
    assert set(by_rule) == {("CS008", "envs/production/azure.tf", 11), ("CS020", "envs/production/azure.tf", 19),
                            ("CS006", "envs/production/gcp.tf", 3), ("CS006", "envs/production/gcp.tf", 9)}
    assert ("it could delete azurerm_mssql_server azurerm_mssql_server.orders (in production)"
            in by_rule[("CS008", "envs/production/azure.tf", 11)])
    assert ") (production)" not in by_rule[("CS008", "envs/production/azure.tf", 11)]  # said once
    assert "google_storage_bucket.exports" in by_rule[("CS006", "envs/production/gcp.tf", 9)]
    assert "orders" not in by_rule[("CS006", "envs/production/gcp.tf", 9)]


CS004_BLAST = fixture_path("rules", "CS004", "pos-blast")


def test_blast_radius_joins_destructive_iam_statements():
    """A CS004 statement reaches the stateful types its actions delete (rds:DeleteDBInstance -> aws_db_instance,
    backup:DeleteRecoveryPoint -> aws_backup_vault …) in its environment's account; a statement that only changes
    permissions reaches none."""
    r = run_cli("blast-radius", CS004_BLAST, "--root", CS004_BLAST, "--format", "json")
    assert r.returncode == 0, r.stderr
    grants = {g["credential"]["name"]: [t["name"] for t in g["targets"]] for g in json.loads(r.stdout)["grants"]}
    assert grants == {
        "aws_iam_role_policy.deployer": ["aws_db_instance.orders", "aws_s3_bucket.uploads",
                                         "aws_dynamodb_table.sessions", "aws_backup_vault.main"],
        "aws_iam_role_policy.passer": [],
    }


def test_cs004_message_ends_with_what_it_could_delete():
    r = scan_dir(CS004_BLAST, enabled={"CS004"})
    by_line = {f.span.line: f.message for f in r.findings if f.rule_id == "CS004"}
    assert by_line[5].split(" — ", 1)[1].startswith("scope it to this service's own ARNs; in the scanned files it "
                                                     "could delete aws_db_instance aws_db_instance.orders")
    assert "(production)" in by_line[5] and "staging" not in by_line[5]
    assert "could delete" not in by_line[46]


def test_deletable_types_of_wildcards():
    from iaclint.graph.aws_policies import deletable_types

    assert deletable_types(["s3:*"]) == ["aws_s3_bucket"]
    assert deletable_types(["rds:Delete*"]) == ["aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster",
                                                "aws_neptune_cluster", "aws_rds_global_cluster"]
    assert deletable_types(["s3:GetObject", "iam:PassRole"]) == []
