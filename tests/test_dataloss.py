"""Data-loss rules (deletion-protection DPnnn, backup-failure-domain BKnnn): line-exact fixture table.

Like tflint's rule tests: each row is (rule, fixture directory, expected [(file, line)]). Every rule has a
`pos` fixture (each case in it must be reported, at exactly that line) and a `neg` fixture (nothing).
Fixtures live in tests/fixtures/dataloss/<rule>/{pos,neg}/ and are kept `terraform fmt`-clean.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import fixture_path, scan_dir

POS = [
    # AWS — deletion protection
    ("DP001", [("main.tf", 1), ("main.tf", 10)]),  # missing (default false) -> header; explicit false -> its line
    ("DP003", [("main.tf", 1), ("main.tf", 9), ("main.tf", 12)]),
    ("DP004", [("main.tf", 4), ("main.tf", 15)]),  # literal true; true via a variable default -> the default line
    ("DP005", [("main.tf", 1), ("main.tf", 16)]),
    ("DP006", [("main.tf", 8), ("terraform.tfvars", 1)]),  # value set in tfvars -> the tfvars line
    ("DP007", [("main.tf", 4)]),
    ("DP008", [("main.tf", 1), ("main.tf", 8)]),
    ("DP009", [("main.tf", 3)]),
    ("DP010", [("main.tf", 3)]),
    ("DP011", [("main.tf", 1), ("main.tf", 7)]),
    ("DP012", [("main.tf", 1), ("main.tf", 6), ("main.tf", 20)]),  # no lifecycle, lifecycle without it, false
    # GCP — deletion protection
    ("DP013", [("main.tf", 5)]),
    ("DP014", [("main.tf", 1), ("main.tf", 18)]),
    ("DP015", [("main.tf", 1)]),
    ("DP016", [("main.tf", 4)]),
    ("DP017", [("main.tf", 4)]),
    ("DP018", [("main.tf", 4)]),
    ("DP019", [("main.tf", 4)]),
    ("DP020", [("main.tf", 4)]),
    # Azure — deletion protection
    ("DP021", [("main.tf", 12), ("main.tf", 20), ("main.tf", 29)]),  # storage, server, database (lock elsewhere)
    ("DP022", [("main.tf", 1), ("main.tf", 15)]),
    ("DP023", [("main.tf", 1), ("main.tf", 9)]),
    # Railway — deletion protection
    ("DP002", [("main.tf", 5)]),
    ("DP024", [("main.tf", 1), ("main.tf", 5)]),  # default environment production; "prod" alias
    ("DP025", [("api/railway.json", 4), ("web/railway.toml", 6), ("worker/railway.json", 3)]),
    # backups
    ("BK001", [("railway/production.json", 6)]),
    ("BK002", [("main.tf", 1), ("main.tf", 9), ("main.tf", 12)]),
    ("BK003", [("main.tf", 3), ("main.tf", 8)]),
    ("BK004", [("main.tf", 1), ("main.tf", 5)]),
    ("BK005", [("main.tf", 6), ("main.tf", 16)]),  # no copy_action; dynamic copy_action over []
    ("BK006", [("main.tf", 1), ("main.tf", 23)]),
    ("BK007", [("main.tf", 5)]),
    ("BK008", [("main.tf", 1), ("main.tf", 5), ("main.tf", 18)]),  # by name, by tags, replication destination
    ("BK009", [("main.tf", 1), ("main.tf", 20)]),
    ("BK010", [("main.tf", 1)]),
    ("BK011", [("main.tf", 1)]),
    ("BK012", [("main.tf", 11)]),
    ("BK013", [("main.tf", 1), ("main.tf", 6)]),
    ("BK014", [("main.tf", 6)]),
    ("BK015", [("main.tf", 1)]),
    ("BK016", [("main.tf", 10)]),
    ("BK017", [("main.tf", 6)]),
    ("BK018", [("main.tf", 4)]),
    ("BK019", [("main.tf", 6), ("main.tf", 10)]),
    ("BK020", [("main.tf", 6), ("main.tf", 12)]),  # no schedule; attachment with count = 0
    ("BK021", [("main.tf", 14)]),
]
RULE_IDS = [r for r, _ in POS]


def _hits(path, rule_id):
    report = scan_dir(path)
    assert not report.tool_errors, report.tool_errors
    assert not [d for d in report.diagnostics if d.level == "error"], report.diagnostics
    return sorted((f.span.path, f.span.line) for f in report.findings if f.rule_id == rule_id), report


@pytest.mark.parametrize("rule_id,expected", POS, ids=RULE_IDS)
def test_positive_fixture(rule_id, expected):
    got, _ = _hits(fixture_path("dataloss", rule_id, "pos"), rule_id)
    assert got == sorted(expected)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_negative_fixture(rule_id):
    got, report = _hits(fixture_path("dataloss", rule_id, "neg"), rule_id)
    assert got == []
    assert not [f for f in report.findings if f.properties.get("cannot_verify") == rule_id]


def test_every_data_loss_rule_has_fixtures():
    from iaclint.engine.loader import load_rules

    ids = {r.id for r in load_rules() if r.family in ("deletion-protection", "backup-failure-domain")
           and not r.id.endswith("900") and r.id != "DP100"}
    assert ids <= set(RULE_IDS), sorted(ids - set(RULE_IDS))
    for rid in RULE_IDS:
        for kind in ("pos", "neg"):
            assert os.path.isdir(fixture_path("dataloss", rid, kind)), (rid, kind)


def test_unknown_values_are_cannot_verify_findings():
    """An unknown value is never a silent pass: it is filed under the family's x900 rule, naming the rule."""
    report = scan_dir(fixture_path("dataloss", "_unknown"))
    got = sorted((f.rule_id, f.properties.get("cannot_verify"), f.span.path, f.span.line) for f in report.findings
                 if f.properties.get("cannot_verify"))
    assert got == [
        ("BK900", "BK005", "main.tf", 50),  # dynamic copy_action over an unknown condition
        ("BK900", "BK013", "main.tf", 23),  # is it a backup bucket? its name is unknown
        ("BK900", "BK019", "main.tf", 23),
        ("DP900", "DP001", "main.tf", 1),  # var.protect: no default, no tfvars -> the variable to set
        ("DP900", "DP021", "main.tf", 33),  # the only delete lock has an unknown scope
    ]


def test_production_only_and_fix_site_in_tfvars():
    """staging.tfvars relaxes both knobs (no finding); production.tfvars turns DynamoDB protection off."""
    report = scan_dir(fixture_path("dataloss", "_environments"))
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
    r = subprocess.run(["terraform", "fmt", "-recursive", "-check", fixture_path("dataloss")], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_idle_attachment_is_a_related_location():
    """BK020 points at the disk and names the attachment block that creates no instance (count = 0)."""
    report = scan_dir(fixture_path("dataloss", "BK020", "pos"))
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
