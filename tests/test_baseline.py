"""Baseline: accept current findings, report only new ones; line moves keep fingerprints; bad files exit 2."""
from __future__ import annotations

import json
import os
import shutil

from conftest import fixture_path, hits, run_cli, scan_dir

NEW_DB = '''
resource "aws_db_instance" "ledger" {
  identifier               = "ledger-production"
  deletion_protection      = false
  delete_automated_backups = false
}
'''


def _project(tmp_path):
    shutil.copy(fixture_path("baseline", "main.tf"), tmp_path / "main.tf")
    return tmp_path


def test_baseline_create_then_only_new_findings(tmp_path):
    proj = _project(tmp_path)
    bl = tmp_path.parent / f"{tmp_path.name}-baseline.json"
    r = run_cli("baseline", "create", str(proj), "-o", str(bl))
    assert r.returncode == 0, r.stderr
    doc = json.loads(bl.read_text())
    assert [(e["rule_id"], e["file"], e["line"]) for e in doc["findings"]] == [("DP001", "main.tf", 5)]
    assert all(len(e["fingerprint"]) == 32 for e in doc["findings"])

    r = run_cli("check", str(proj), "--baseline", str(bl))
    assert r.returncode == 0, r.stdout
    assert "0 findings" in r.stdout

    # code moves down (a comment block above) and a new database appears
    text = (proj / "main.tf").read_text()
    (proj / "main.tf").write_text("# orders\n# owned by the data team\n\n" + text + NEW_DB)
    report = scan_dir(str(proj), baseline=str(bl))
    assert hits(report) == [("DP001", "main.tf", 14)]
    old = [f for f in report.findings if f.span.line == 8][0]
    assert old.suppression == {"kind": "external", "justification": f"accepted in baseline {bl.name}"}
    assert old.properties["baselineState"] == "unchanged"
    assert [f.properties["baselineState"] for f in report.findings if not f.suppression] == ["new"]

    r = run_cli("check", str(proj), "--baseline", str(bl), "-f", "sarif")
    assert r.returncode == 1
    results = json.loads(r.stdout)["runs"][0]["results"]
    got = sorted((x["locations"][0]["physicalLocation"]["region"]["startLine"],
                  [s["kind"] for s in x.get("suppressions", [])]) for x in results if x["ruleId"] == "DP001")
    assert got == [(8, ["external"]), (14, [])]


def test_baseline_counts_duplicates(tmp_path):
    from iaclint.baseline import apply_baseline, write_baseline
    from iaclint.model import Finding, Span

    def f(line):
        return Finding("DP001", "m", Span("main.tf", line), key="k")

    bl = tmp_path / "b.json"
    assert write_baseline(str(bl), [f(1)]) == 1
    two = [f(1), f(9)]
    assert apply_baseline(two, str(bl)) == 1
    assert [x.suppression is None for x in two] == [False, True]


def test_broken_baseline_exits_2(tmp_path):
    proj = _project(tmp_path)
    for content, msg in [("{not json", "invalid JSON"), ('{"tool": "other"}', "not an iaclint baseline"),
                         ('{"tool": "iaclint", "version": 9, "findings": []}', "version 9 is not supported")]:
        bl = tmp_path / "bl.json"
        bl.write_text(content)
        r = run_cli("check", str(proj), "--baseline", str(bl))
        assert r.returncode == 2 and msg in r.stderr and str(bl) in r.stderr and "Traceback" not in r.stderr
    r = run_cli("check", str(proj), "--baseline", str(tmp_path / "missing.json"))
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_config_baseline_key(tmp_path):
    proj = _project(tmp_path)
    assert run_cli("baseline", "create", str(proj), "-o", str(proj / ".iaclint-baseline.json")).returncode == 0
    (proj / ".iaclint.yaml").write_text("baseline: .iaclint-baseline.json\n")
    r = run_cli("check", str(proj))
    assert r.returncode == 0, r.stdout + r.stderr
    assert os.path.exists(proj / ".iaclint-baseline.json")
