"""The module catalogue (rules/modules.yaml, iaclint/terraform/registry.py): registry module calls judged without
their code, and with it (the installed copy wins)."""
from __future__ import annotations

import os

import pytest

from conftest import fixture_path, hits, scan_dir

from iaclint.terraform import registry

def _root(tmp_path, env: str, text: str) -> str:
    """A repository with one root module ENV/main.tf holding TEXT."""
    (tmp_path / env).mkdir()
    (tmp_path / env / "main.tf").write_text(text)
    return str(tmp_path)


DONE_WHEN = [("BK003", "envs/production/main.tf", 9), ("DP001", "envs/production/main.tf", 8)]


@pytest.mark.parametrize("case", ["nodownload", "downloaded"])
def test_rds_module_call_flagged_at_its_input_lines(case):
    r = scan_dir(fixture_path("tf_modules", "registry", case), enabled={"DP001", "BK003"})
    assert hits(r) == DONE_WHEN
    notes = [d.message for d in r.diagnostics]
    # without the code the catalogue judges the call and says so; with it, the real code is read
    assert any("module catalogue" in m for m in notes) == (case == "nodownload")


def test_installed_code_wins_over_the_catalogue():
    r = scan_dir(fixture_path("tf_modules", "registry", "downloaded"))
    addrs = {f.properties.get("address") or f.message.split()[0] for f in r.findings if f.rule_id == "DP001"}
    assert addrs == {"module.db.module.db_instance.aws_db_instance.this"}
    paths = {n for f in r.findings for n in [f.span.path]}
    assert paths == {"envs/production/main.tf"}  # the stand-in's own lines take their values from the call


def test_defaults_judged_at_the_call_header(tmp_path):
    repo = _root(tmp_path, "prod",
        'module "table" {\n'
        '  source = "terraform-aws-modules/dynamodb-table/aws"\n'
        '  name   = "orders"\n'
        '}\n')
    r = scan_dir(repo, enabled={"DP005", "BK006"})
    assert hits(r) == [("BK006", "prod/main.tf", 1), ("DP005", "prod/main.tf", 1)]


def test_version_outside_the_range_is_cannot_verify(tmp_path):
    repo = _root(tmp_path, "production",
        'module "db" {\n'
        '  source  = "terraform-aws-modules/rds/aws"\n'
        '  version = "2.5.0"\n'
        '  identifier = "orders"\n'
        '  deletion_protection = true\n'
        '}\n')
    r = scan_dir(repo, enabled={"DP001", "DP004", "BK003", "BK900"})
    # skip_final_snapshot and backup_retention_period had other defaults before 2.29.0: unknown for 2.5.0
    assert hits(r) == [("BK900", "production/main.tf", 1), ("DP900", "production/main.tf", 1)]
    assert all("catalogued only for versions" in f.message for f in r.findings)


def test_git_source_with_ref_and_submodule(tmp_path):
    repo = _root(tmp_path, "prod",
        'module "sql" {\n'
        '  source = "git::https://github.com/terraform-google-modules/terraform-google-sql-db.git'
        '//modules/postgresql?ref=v28.0.0"\n'
        '  name   = "orders"\n'
        '  deletion_protection = false\n'
        '}\n')
    r = scan_dir(repo, enabled={"DP013", "BK009"})
    assert hits(r) == [("BK009", "prod/main.tf", 1), ("DP013", "prod/main.tf", 4)]


def test_azure_lock_input_makes_a_lock(tmp_path):
    repo = _root(tmp_path, "prod",
        'module "kv" {\n'
        '  source              = "Azure/avm-res-keyvault-vault/azurerm"\n'
        '  name                = "orders"\n'
        '  resource_group_name = "rg"\n'
        '  lock                = { kind = "CanNotDelete" }\n'
        '}\n'
        'module "kv2" {\n'
        '  source              = "Azure/avm-res-keyvault-vault/azurerm"\n'
        '  name                = "orders2"\n'
        '  resource_group_name = "rg2"\n'
        '}\n')
    r = scan_dir(repo, enabled={"DP021", "DP022"})
    assert hits(r) == [("DP021", "prod/main.tf", 7)]


def test_user_catalogue_entry(tmp_path):
    (tmp_path / "prod").mkdir()
    (tmp_path / ".iaclint.yaml").write_text(
        "modules:\n"
        "  - name: acme/db/aws\n"
        "    sources: [acme/db/aws]\n"
        "    resources:\n"
        "      - address: aws_db_instance.main\n"
        "        attributes:\n"
        "          - {attribute: deletion_protection, input: protect, protection: deletion-protection,"
        " default: false, versions: '>= 1.0.0'}\n")
    (tmp_path / "prod" / "main.tf").write_text('module "db" {\n  source = "acme/db/aws"\n}\n')
    from iaclint.config import scan_options
    from iaclint.scan import scan

    opts = scan_options([str(tmp_path)], root=str(tmp_path), enabled={"DP001"})
    assert [(f.rule_id, f.span.line) for f in scan([str(tmp_path)], opts).findings] == [("DP001", 1)]


def test_user_catalogue_entry_is_validated(tmp_path):
    from iaclint.config import ConfigError, load_config

    (tmp_path / ".iaclint.yaml").write_text("modules:\n  - name: x\n    sources: [x]\n")
    with pytest.raises(ConfigError, match="resources"):
        load_config(str(tmp_path / ".iaclint.yaml"))


def test_shipped_catalogue_is_valid_and_read_from_the_modules():
    entries = registry.builtin_entries()
    names = {e["name"] for e in entries}
    for want in ("terraform-aws-modules/rds/aws", "terraform-aws-modules/rds-aurora/aws",
                 "terraform-aws-modules/s3-bucket/aws", "terraform-aws-modules/dynamodb-table/aws",
                 "terraform-aws-modules/efs/aws", "terraform-aws-modules/elasticache/aws",
                 "terraform-google-modules/sql-db/google//modules/postgresql",
                 "terraform-google-modules/sql-db/google//modules/mysql",
                 "terraform-google-modules/sql-db/google//modules/mssql",
                 "terraform-google-modules/cloud-storage/google//modules/simple_bucket",
                 "Azure/avm-res-storage-storageaccount/azurerm", "Azure/avm-res-sql-server/azurerm",
                 "Azure/avm-res-dbforpostgresql-flexibleserver/azurerm", "Azure/avm-res-keyvault-vault/azurerm"):
        assert want in names
    for e in entries:
        assert e["read_from"].startswith("https://github.com/")
        for res in e["resources"]:
            for a in res.get("attributes", []):
                if "default" in a:
                    assert registry.interval(a["versions"]) is not None, (e["name"], a)


@pytest.mark.parametrize("constraint,holds,ok", [
    (None, ">= 2.29.0", True), ("~> 6.0", ">= 2.29.0", True), ("6.10.0", ">= 2.29.0", True),
    ("2.0.0", ">= 2.29.0", False), (">= 2.0, < 3", ">= 2.29.0", False), ("~> 2.29", ">= 2.29.0", True),
    ("~> 0.6.0", ">= 0.4.0, < 0.7.0", True), (None, ">= 0.4.0, < 0.7.0", False), ("> 0.6.9", "< 0.7.0", False),
    ("v28.0.0", ">= 17.0.0", True), ("garbage", ">= 1.0.0", False),
])
def test_version_ranges(constraint, holds, ok):
    assert registry.within(constraint, holds) is ok


def test_source_normalisation():
    assert registry.normalise_source("registry.terraform.io/Terraform-AWS-Modules/rds/aws") == \
        ("terraform-aws-modules/rds/aws", None)
    assert registry.normalise_source("git@github.com:terraform-aws-modules/terraform-aws-rds.git?ref=v6.1.0") == \
        ("github.com/terraform-aws-modules/terraform-aws-rds", "v6.1.0")
    assert os.path.basename(registry.CATALOGUE_FILE) == "modules.yaml"
