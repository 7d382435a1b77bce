"""docs/coverage.md is generated (scripts/gen_coverage.py) from rules/coverage.yaml and the rules' `coverage` fields:
it is up to date, and every rule it names really checks the row's resource types (and has fixtures)."""
from __future__ import annotations

import importlib.util
import os

import pytest

from conftest import REPO, fixture_path
from iaclint.engine.loader import load_rules


def _gen():
    spec = importlib.util.spec_from_file_location("gen_coverage", os.path.join(REPO, "scripts", "gen_coverage.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GEN = _gen()
RULES = load_rules()
COVERING = [r for r in RULES if r.coverage]


def test_docs_coverage_md_is_up_to_date():
    with open(os.path.join(REPO, "docs", "coverage.md"), encoding="utf-8") as fh:
        assert fh.read() == GEN.render(), "docs/coverage.md is stale: run python3 scripts/gen_coverage.py"


def _checked_types_text(rule) -> str:
    """Where a rule names the resource types it checks: the declarative check, or the rule's Python source."""
    if rule.check["type"] == "attribute":
        return " ".join(rule.check["resource_types"])
    with open(os.path.splitext(rule.path)[0] + ".py", encoding="utf-8") as fh:
        return fh.read()


@pytest.mark.parametrize("rule", COVERING, ids=[r.id for r in COVERING])
def test_a_covering_rule_checks_its_types_and_has_fixtures(rule):
    """A cell's rule must check the row's type: an attribute rule lists it in resource_types, a Python rule names it
    in its source. The cell is only as good as the rule's fixtures: pos and neg exist."""
    text = _checked_types_text(rule)
    if rule.check["type"] == "attribute":
        for c in rule.coverage:
            missing = set(c["types"]) - set(rule.check["resource_types"])
            assert not missing, f"{rule.id}: coverage names {sorted(missing)}, which its check does not inspect"
    else:
        for c in rule.coverage:
            for t in c["types"]:
                assert t in text, f"{rule.id}: coverage names {t}, which {rule.id}.py never mentions"
    for case in ("pos", "neg"):
        assert os.path.isfile(fixture_path("rules", rule.id, case, "expected.yaml")), (rule.id, case)


def test_every_covered_type_is_a_row():
    """A rule's coverage lands in the table: each type it names belongs to a row of rules/coverage.yaml."""
    rows = {t for row in GEN.load_rows() for t in row["types"]}
    for r in COVERING:
        for c in r.coverage:
            assert set(c["types"]) <= rows, f"{r.id}: {sorted(set(c['types']) - rows)} in no row of coverage.yaml"


def test_cells_name_rules_or_reasons():
    rows = GEN.load_rows()
    table = GEN.cells(rows, RULES)
    by_service = {row["service"]: per for row, per in zip(rows, table)}
    kind, hits = by_service["RDS / Aurora"]["deletion-protection"]
    assert kind == "rules" and ("DP001", ["aws_db_instance", "aws_rds_cluster"]) in hits
    assert by_service["Azure SQL"]["backups-exist"][0] == "na"
    # the required services are all rows
    for svc in ("DynamoDB", "S3", "EFS", "EBS", "FSx", "ElastiCache", "MemoryDB", "Redshift", "OpenSearch",
                "DocumentDB", "Neptune", "Keyspaces", "KMS keys", "Cloud SQL", "AlloyDB", "Spanner", "Bigtable",
                "Firestore", "BigQuery", "Cloud Storage", "Filestore", "Memorystore for Redis", "Persistent disks",
                "Cloud KMS crypto keys", "Azure SQL", "MySQL (single server)", "MySQL (flexible server)",
                "PostgreSQL (single server)", "PostgreSQL (flexible server)", "MariaDB", "Cosmos DB",
                "Storage accounts (blob, file)", "Managed disks", "Cache for Redis", "Key Vault", "App Configuration",
                "Recovery Services vaults", "Backup vaults (Data Protection)", "Volumes"):
        assert svc in by_service, svc


def test_a_cell_cannot_be_both_filled_and_not_applicable():
    rows = [{"provider": "AWS", "service": "X", "types": ["aws_db_instance"],
             "not_applicable": {"deletion-protection": "no"}}]
    with pytest.raises(GEN.CoverageError):
        GEN.cells(rows, RULES)
