"""SARIF that GitHub code scanning and editors accept: schema-valid, byte-identical across runs, stable
fingerprints, the properties GitHub reads.  (tests/test_sarif_multitool.py runs Microsoft's validator.)"""
from __future__ import annotations

import json
import os
import shutil
from urllib.parse import unquote, urlparse

import pytest

from conftest import REPO, VENDOR, cli_in_process, run_cli

POCKETOS = os.path.join(REPO, "examples", "pocketos")
FAMILIES = {"deletion-protection", "backup-failure-domain", "credential-scope", "environment-separation"}


def sarif_of(*args: str, cwd: str | None = None, run=cli_in_process) -> tuple[dict, str]:
    r = run("check", *args, "--format", "sarif", cwd=cwd)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout), r.stdout


def _schema():
    with open(os.path.join(VENDOR, "sarif-2.1.0.json"), encoding="utf-8") as fh:
        return json.load(fh)


def _by_rule_and_uri(doc: dict) -> dict:
    out: dict = {}
    for res in doc["runs"][0]["results"]:
        uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        out.setdefault((res["ruleId"], uri), []).append(res)
    return out


@pytest.mark.parametrize("extra", [[], ["--source-root", REPO]], ids=["scan-root", "source-root"])
def test_pocketos_sarif_is_schema_valid(extra):
    jsonschema = pytest.importorskip("jsonschema")
    doc, _ = sarif_of(POCKETOS, *extra)
    jsonschema.Draft7Validator(_schema()).validate(doc)
    assert len({r["properties"]["family"] for r in doc["runs"][0]["results"]}) == 4


def test_suppressed_and_unparsable_inputs_are_schema_valid():
    jsonschema = pytest.importorskip("jsonschema")
    for path in (os.path.join(REPO, "tests", "fixtures", "suppress"), os.path.join(REPO, "tests", "fixtures", "bad_input")):
        if not os.path.isdir(path):
            continue
        doc, _ = sarif_of(path)
        jsonschema.Draft7Validator(_schema()).validate(doc)


@pytest.mark.slow
def test_sarif_is_byte_identical_across_runs():
    # separate processes: another hash seed, so no set or dict order of str can leak into the output
    _, first = sarif_of(POCKETOS, "--source-root", REPO, run=run_cli)
    _, second = sarif_of(POCKETOS, "--source-root", REPO, "--jobs", "1", run=run_cli)
    assert first == second
    # and independent of the working directory the scan is started from
    _, third = sarif_of(os.path.relpath(POCKETOS, REPO), "--source-root", ".", cwd=REPO)
    assert third == first


def test_github_reads_what_it_needs():
    doc, _ = sarif_of(POCKETOS, "--source-root", REPO)
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    run = doc["runs"][0]
    assert run["automationDetails"]["id"].startswith("iaclint/")
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")
    assert os.path.realpath(unquote(urlparse(base).path)) == os.path.realpath(REPO)
    driver = run["tool"]["driver"]
    assert driver["name"] == "iaclint" and driver["version"] and driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    for r in rules:
        assert r["name"] and r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert len(r["shortDescription"]["text"]) <= 1024 and len(r["fullDescription"]["text"]) <= 1024
        assert r["help"]["text"] and r["help"]["markdown"].startswith("## ")
        assert r["helpUri"].startswith("https://") and r["helpUri"].endswith("#" + r["id"].lower())
        props = r["properties"]
        assert len(set(props["tags"]) & FAMILIES) == 1 and len(props["tags"]) <= 20
        assert 0.0 < float(props["security-severity"]) <= 10.0
        assert props["problem.severity"] in ("error", "warning", "recommendation")
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note") and res["message"]["text"]
        assert len(res["locations"]) == 1
        for loc in res["locations"] + res.get("relatedLocations", []):
            phys = loc["physicalLocation"]
            uri = phys["artifactLocation"]["uri"]
            assert phys["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
            assert not urlparse(uri).scheme and not uri.startswith("/") and ".." not in uri.split("/")
            # relative to the repository root, where GitHub resolves it
            assert uri.startswith("examples/pocketos/") and os.path.isfile(os.path.join(REPO, unquote(uri)))
            region = phys["region"]
            assert region["startLine"] >= 1 and region["startColumn"] >= 1
            if "endLine" in region:
                assert (region["endLine"], region.get("endColumn", 10**9)) > (region["startLine"],
                                                                              region["startColumn"])
        assert set(res["partialFingerprints"]) == {"iaclint/v1"}
    fps = [res["partialFingerprints"]["iaclint/v1"] for res in run["results"]]
    assert len(fps) == len(set(fps)), "two results share a fingerprint: GitHub would merge their alerts"
    # spans of whole blocks are ranges (the editor highlights the block)
    assert any("endLine" in res["locations"][0]["physicalLocation"]["region"] for res in run["results"])


def test_source_root_outside_the_scan_is_reported_not_guessed(tmp_path):
    doc, _ = sarif_of(POCKETOS, "--source-root", str(tmp_path))
    run = doc["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any(n["descriptor"]["id"] == "source-root" and n["level"] == "warning" for n in notes)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "infra/main.tf" in uris


def test_fingerprints_survive_edits_elsewhere_in_the_file(tmp_path):
    work = tmp_path / "pocketos"
    shutil.copytree(POCKETOS, work)
    before, _ = sarif_of(str(work))
    # unrelated edits: lines added above every finding, a resource added at the end, comments in JSON-free files
    main = work / "infra" / "main.tf"
    main.write_text("# managed by terraform\n# owner: platform team\n\n" + main.read_text()
                    + '\nresource "railway_service" "worker" {\n  name       = "worker"\n'
                      '  project_id = railway_project.pocketos.id\n}\n')
    for env_file in (work / ".env.staging", work / ".env.production"):
        env_file.write_text("# local overrides go in .env.local\nLOG_LEVEL=info\n" + env_file.read_text())
    script = work / "scripts" / "domains" / "add-domain.sh"
    lines = script.read_text().splitlines(keepends=True)
    script.write_text("".join(lines[:1] + ["# usage: add-domain.sh DOMAIN\n", "set -eu\n"] + lines[1:]))
    after, _ = sarif_of(str(work))
    b, a = _by_rule_and_uri(before), _by_rule_and_uri(after)
    assert set(b) <= set(a)
    moved = 0
    for key, results in b.items():
        fps_before = sorted(r["partialFingerprints"]["iaclint/v1"] for r in results)
        fps_after = sorted(r["partialFingerprints"]["iaclint/v1"] for r in a[key])
        assert set(fps_before) <= set(fps_after), key
        lines_b = sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results)
        lines_a = sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in a[key])
        moved += lines_b != lines_a
    assert moved >= 3  # the edits did move the findings: the fingerprints are not line numbers


def test_fingerprint_changes_when_the_finding_is_about_something_else(tmp_path):
    work = tmp_path / "pocketos"
    shutil.copytree(POCKETOS, work)
    before, _ = sarif_of(str(work))
    main = work / "infra" / "main.tf"
    main.write_text(main.read_text().replace('"railway_service" "postgres"', '"railway_service" "db"')
                    .replace("railway_service.postgres", "railway_service.db"))
    after, _ = sarif_of(str(work))
    key = ("DP002", "infra/main.tf")
    fp = [r["partialFingerprints"]["iaclint/v1"] for r in _by_rule_and_uri(before)[key]]
    fp2 = [r["partialFingerprints"]["iaclint/v1"] for r in _by_rule_and_uri(after)[key]]
    assert len(fp) == len(fp2) == 1 and fp != fp2  # another resource: another alert


def test_suppressions_and_parse_errors_are_carried(tmp_path):
    (tmp_path / "main.tf").write_text(
        'resource "aws_db_instance" "scratch" {\n'
        '  identifier          = "scratch-production"\n'
        '  engine              = "postgres"\n'
        '  instance_class      = "db.t4g.micro"\n'
        '  deletion_protection = false # iaclint:ignore[DP001] throwaway load-test database\n'
        '}\n')
    (tmp_path / "broken.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = \n')
    doc, _ = sarif_of(str(tmp_path))
    run = doc["runs"][0]
    suppressed = [r for r in run["results"] if r.get("suppressions")]
    assert suppressed, "inline ignore not carried into SARIF"
    sup = suppressed[0]["suppressions"][0]
    assert sup["kind"] == "inSource" and "throwaway load-test database" in sup["justification"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    broken = [n for n in notes if n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.tf"]
    assert broken and broken[0]["level"] == "error"
    assert run["invocations"][0]["executionSuccessful"] is False
