"""Data-loss rules (deletion-protection DPnnn, backup-failure-domain BKnnn) beyond their fixture table
(tests/test_rules.py): environments from tfvars, command patterns, related locations, the declarative mechanism in
custom rules. The rule fixtures (tests/fixtures/rules/) are kept `terraform fmt`-clean.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import fixture_path, scan_dir

def test_production_only_and_fix_site_in_tfvars():
    """staging.tfvars relaxes both knobs (no finding); production.tfvars turns DynamoDB protection off."""
    report = scan_dir(fixture_path("rules", "DP005", "pos-tfvars"))
    got = sorted((f.rule_id, f.span.path, f.span.line, tuple(f.envs)) for f in report.findings
                 if f.family in ("deletion-protection", "backup-failure-domain"))
    assert got == [("DP005", "production.tfvars", 2, ("production",))]


def test_destructive_command_patterns():
    import importlib.util

    from iaclint import builtin_rules_dir

    spec = importlib.util.spec_from_file_location("rd", os.path.join(builtin_rules_dir(), "DP025.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    bad = ["npx prisma migrate reset --force", "prisma db push --accept-data-loss", "prisma db push --force-reset",
           "bin/rails db:reset", "bundle exec rake db:drop db:create", "rails db:schema:load",
           "psql $DATABASE_URL -c 'DROP DATABASE app'", "dropdb app", "python manage.py flush --noinput",
           "php artisan migrate:fresh --seed", "npx typeorm schema:drop", ["echo", "npm run db:drop"]]
    good = ["npx prisma migrate deploy", "bin/rails db:migrate", "node server.js", "python manage.py migrate",
            "prisma db push", "php artisan migrate --force", None, ["npm run build", "npm start"]]
    for c in bad:
        assert mod.destructive_reason(c), c
    for c in good:
        assert mod.destructive_reason(c) is None, c


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not installed")
def test_fixtures_are_terraform_fmt_clean():
    r = subprocess.run(["terraform", "fmt", "-recursive", "-check", fixture_path("rules")], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_idle_attachment_is_a_related_location():
    """BK020 points at the disk and names the attachment block that creates no instance (count = 0)."""
    report = scan_dir(fixture_path("rules", "BK020", "pos"))
    f = next(f for f in report.findings if f.rule_id == "BK020" and f.span.line == 12)
    assert ("main.tf", 32) in [(l.span.path, l.span.line) for l in f.related]


def test_attribute_check_extensions_in_a_custom_rule(tmp_path):
    """The declarative mechanism is general: `max`, `forbid_pattern`, `when` (all) and `when_any` work for any
    rule, here custom rules loaded with --rules-dir."""
    rules = tmp_path / "rules"
    rules.mkdir()
    doc = "doc:\n  what: x\n  why: y\n"
    (rules / "ZZ001.yaml").write_text(
        "id: ZZ001\nname: short-log-retention\ntitle: Log retention too long for policy\nfamily: backup-failure-domain\n"
        "severity: low\ncheck:\n  type: attribute\n  resource_types: [aws_cloudwatch_log_group]\n"
        "  attribute: retention_in_days\n  max: 30\n  when:\n    - attribute: name\n      pattern: '^/app/'\n" + doc)
    (rules / "ZZ002.yaml").write_text(
        "id: ZZ002\nname: no-latest-engine\ntitle: Engine version pinned to latest\nfamily: deletion-protection\n"
        "severity: low\ncheck:\n  type: attribute\n  resource_types: [aws_db_instance]\n  attribute: engine_version\n"
        "  forbid_pattern: 'latest'\n  when_any:\n    - attribute: engine\n      in: [postgres, mysql]\n" + doc)
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.tf").write_text(
        'resource "aws_cloudwatch_log_group" "app" {\n  name              = "/app/api"\n  retention_in_days = 90\n}\n\n'
        'resource "aws_cloudwatch_log_group" "other" {\n  name              = "/infra/vpc"\n  retention_in_days = 90\n}\n\n'
        'resource "aws_db_instance" "pg" {\n  engine         = "postgres"\n  engine_version = "latest"\n'
        '  deletion_protection = true\n}\n\n'
        'resource "aws_db_instance" "oracle" {\n  engine         = "oracle-ee"\n  engine_version = "latest"\n}\n')
    report = scan_dir(str(src), rule_dirs=[str(rules)], enabled={"ZZ001", "ZZ002"})
    assert sorted((f.rule_id, f.span.line) for f in report.findings) == [("ZZ001", 3), ("ZZ002", 13)]


def test_azapi_child_in_a_module_folds_into_the_account(tmp_path):
    """The Azure Verified Module form: a child module patches "${var.storage_account_id}/blobServices/default"
    with azapi_update_resource; soft delete and versioning set there count for the account the root creates."""
    (tmp_path / "blob").mkdir()
    (tmp_path / "blob" / "main.tf").write_text(
        'variable "storage_account_id" {\n  type = string\n}\n\n'
        'variable "versioning" {\n  type = bool\n}\n\n'
        'resource "azapi_update_resource" "this" {\n'
        '  type        = "Microsoft.Storage/storageAccounts/blobServices@2023-05-01"\n'
        '  resource_id = "${var.storage_account_id}/blobServices/default"\n'
        '  body = {\n    properties = {\n'
        '      deleteRetentionPolicy = {\n        enabled = true\n        days    = 7\n      }\n'
        '      isVersioningEnabled = var.versioning\n    }\n  }\n}\n')
    (tmp_path / "main.tf").write_text(
        'resource "azapi_resource" "sa" {\n'
        '  type      = "Microsoft.Storage/storageAccounts@2023-05-01"\n'
        '  name      = "acmedataprod"\n'
        '  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/data-production"\n'
        '  body = {\n    kind = "StorageV2"\n    sku = {\n      name = "Standard_GRS"\n    }\n  }\n}\n\n'
        'module "blob" {\n  source             = "./blob"\n'
        '  storage_account_id = azapi_resource.sa.id\n  versioning         = false\n}\n')
    report = scan_dir(str(tmp_path))
    got = {(f.rule_id, f.span.path, f.span.line) for f in report.findings if f.rule_id in ("DP023", "BK024")}
    # soft delete is on (no DP023); versioning is off, at the caller's input line that sets it
    assert got == {("BK024", "main.tf", 16)}, got


def test_every_azapi_type_is_a_coverage_row():
    """The AzAPI table maps onto azurerm types the coverage table lists (or a lock, which DP021 reads)."""
    import yaml

    from conftest import REPO
    from iaclint.graph.azapi import TABLE

    with open(os.path.join(REPO, "rules", "coverage.yaml"), encoding="utf-8") as fh:
        rows = {t for row in yaml.safe_load(fh)["rows"] for t in row["types"]}
    for arm, (az, parent, _) in TABLE.items():
        assert (az in rows or az == "azurerm_management_lock") if az else parent in TABLE, arm
