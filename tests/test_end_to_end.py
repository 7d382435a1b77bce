"""End-to-end: findings name environments and callers, formats, bad input, exit codes (rule behaviour: test_rules.py)."""
from __future__ import annotations

import json
import os

import pytest

from conftest import REPO, VENDOR, fixture_path, hits, run_cli, scan_dir

BAD = fixture_path("bad_input")
RULES = fixture_path("rules")


def test_findings_name_environments_and_callers():
    report = scan_dir(os.path.join(RULES, "ES002", "pos"))
    es = [f for f in report.findings if f.rule_id == "ES002"][0]
    assert es.envs == ["production", "staging"]
    assert "volumeDelete" in es.message


def test_pocketos_flags_all_four_families():
    report = scan_dir(os.path.join(REPO, "examples", "pocketos"))
    fams = {f.family for f in report.findings}
    assert fams == {"deletion-protection", "backup-failure-domain", "credential-scope", "environment-separation"}
    got = set(hits(report))
    for h in [("DP002", "infra/main.tf", 36), ("ES002", "infra/main.tf", 41),
              ("BK001", "railway/production.json", 16), ("ES002", "railway/staging.json", 13),
              ("CS001", "scripts/domains/add-domain.sh", 4), ("ES001", ".env.staging", 3)]:
        assert h in got, h
    cs = [f for f in report.findings if f.rule_id == "CS001"][0]
    assert "pgdata" in cs.message and "production" in cs.message  # what the token could destroy


def test_bad_input_is_reported_and_rest_of_scan_intact():
    report = scan_dir(BAD)
    errs = {(d.path, d.line) for d in report.diagnostics if d.level == "error"}
    # the error region tree-sitter isolates: the `tags = {` holding the unterminated string
    assert {l for p, l in errs if p == "broken.tf"} <= {7, 8} and any(p == "broken.tf" for p, _ in errs)
    assert ("railway.json", 4) in errs  # trailing comma
    assert ("railway.toml", 3) in errs
    assert ("blob.tfvars", 1) in errs
    msgs = " ".join(d.message for d in report.diagnostics)
    assert "binary" in msgs and "invalid JSON" in msgs and "invalid TOML" in msgs
    got = hits(report)
    assert ("DP001", "good.tf", 1) in got  # other files still scanned
    assert ("DP001", "broken.tf", 1) in got  # the valid part of a broken file too
    assert ("CS001", ".env.production", 1) in got


def test_bad_input_exit_code_and_message():
    r = run_cli("check", BAD, "--fail-on", "critical", "--select", "ES001")
    assert r.returncode == 1  # no finding selected, but files could not be parsed
    assert "broken.tf" in r.stdout and "Traceback" not in r.stderr + r.stdout


def test_exit_codes():
    assert run_cli("check", os.path.join(RULES, "DP001", "neg-2")).returncode == 0
    assert run_cli("check", os.path.join(RULES, "DP001", "pos-2")).returncode == 1
    assert run_cli("check", os.path.join(RULES, "DP001", "pos-2"), "--fail-on", "critical").returncode == 0
    r = run_cli("check", "/nonexistent/path")
    assert r.returncode == 2 and "no such file" in r.stderr
    assert run_cli("check", BAD, "--format", "bogus").returncode == 2


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_formats_and_output_file(fmt, tmp_path):
    out = tmp_path / f"out.{fmt}"
    r = run_cli("check", os.path.join(REPO, "examples", "pocketos"), "--format", fmt, "--output", str(out))
    assert r.returncode == 1
    text = out.read_text()
    assert "CS001" in text and "add-domain.sh" in text
    # never print a secret
    assert "8c2f4e1a-7b3d-4f60-9e25-3d1c0b9a8f7e" not in text
    assert "f4k3pr0dpa55w0rd" not in text
    if fmt == "json":
        doc = json.loads(text)
        assert doc["summary"]["findings"] == len([f for f in doc["findings"] if not f["suppressed"]])
    if fmt == "github":
        # paths relative to the working directory (the repository root), where GitHub resolves them
        assert any(l.startswith("::error file=examples/pocketos/scripts/domains/add-domain.sh,line=4")
                   for l in text.splitlines())


def test_sarif_valid_and_tagged():
    jsonschema = pytest.importorskip("jsonschema")
    r = run_cli("check", os.path.join(REPO, "examples", "pocketos"), "--format", "sarif")
    doc = json.loads(r.stdout)
    with open(os.path.join(VENDOR, "sarif-2.1.0.json")) as fh:
        schema = json.load(fh)
    jsonschema.validate(doc, schema)
    run = doc["runs"][0]
    fams = {"deletion-protection", "backup-failure-domain", "credential-scope", "environment-separation"}
    for rule in run["tool"]["driver"]["rules"]:
        assert len(set(rule["properties"]["tags"]) & fams) == 1
        assert rule["help"]["markdown"] and rule["properties"]["security-severity"]
    for res in run["results"]:
        loc = res["locations"][0]["physicalLocation"]["artifactLocation"]
        assert loc["uriBaseId"] == "%SRCROOT%" and not loc["uri"].startswith("/")
        assert res["partialFingerprints"]


def test_sarif_reports_unparsable_files_as_notifications():
    r = run_cli("check", BAD, "--root", BAD, "--format", "sarif")
    doc = json.loads(r.stdout)
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    uris = {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes}
    assert {"broken.tf", "railway.json", "railway.toml", "blob.tfvars"} <= uris


def test_text_output_reads_well():
    r = run_cli("check", os.path.join(REPO, "examples", "pocketos"), "--no-color")
    out = r.stdout
    assert "scripts/domains/add-domain.sh" in out
    summary = [l for l in out.splitlines() if l and not l.startswith(" ")][-1]  # then one line per family
    assert "^" in out and "findings" in summary
    assert "\x1b[" not in out  # no colour when piped


def test_module_entry_points():
    r = run_cli("--version")
    assert r.returncode == 0 and "iaclint" in r.stdout
    r = run_cli("rules")
    assert "DP001" in r.stdout and "credential-scope" in r.stdout
    r = run_cli("explain", "DP001")
    assert "Why is this bad?" in r.stdout


def test_never_modifies_scanned_files(tmp_path):
    import shutil

    src = os.path.join(REPO, "examples", "pocketos")
    dst = tmp_path / "pocketos"
    shutil.copytree(src, dst)
    before = {p: os.stat(p).st_mtime_ns for p in map(str, dst.rglob("*"))}
    run_cli("check", str(dst), "--format", "sarif")
    after = {p: os.stat(p).st_mtime_ns for p in map(str, dst.rglob("*"))}
    assert before == after


def test_related_locations_are_capped_per_finding():
    from iaclint.engine.run import MAX_RELATED, merge
    from iaclint.model import Finding, Location, Span

    f = Finding("CS001", "m", Span("a.sh", 1), related=[Location(Span("x.tf", i), "r") for i in range(2, 42)])
    (g,) = merge([f])
    assert len(g.related) == MAX_RELATED and g.properties["related_omitted"] == 40 - MAX_RELATED


def test_readme_setup_commands_match_ci():
    """The README's two set-up commands: the second is exactly what .ci/run runs; the first runs the example."""
    import re

    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    setup = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    cmds = re.findall(r"```sh\n(.+?)\n```", setup)
    assert len(cmds) == 2
    assert cmds[0].endswith("iaclint check examples/pocketos")
    with open(os.path.join(REPO, ".ci", "run"), encoding="utf-8") as fh:
        ci = fh.read()
    assert cmds[1] in ci
