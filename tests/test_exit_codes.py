"""Exit codes and where iaclint's own failures show: an internal error (a rule that raised) appears in every
format and exits 3; an unwritable --output and a missing --var-file are usage errors (exit 2, one line)."""
from __future__ import annotations

import json
import os

import pytest

from conftest import run_cli

SECRET = "ghp_" + "Zq8" * 12  # a token shape quoted by the failing rule: the error is shown masked
RULE_YAML = ("id: ZZ900\nname: always-fails\ntitle: A rule that raises\nfamily: deletion-protection\n"
             "severity: low\ncheck:\n  type: python\ndoc:\n  what: x\n  why: y\n")
# the rule's Python: ZZ900.py beside ZZ900.yaml, exporting check(ctx) (engine/loader.py binds by file name)
RULE_PY = f'def check(ctx):\n    raise RuntimeError("cannot read {SECRET}")\n'


@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    root = tmp_path_factory.mktemp("internal")
    (root / "rules").mkdir()
    (root / "rules" / "ZZ900.yaml").write_text(RULE_YAML)
    (root / "rules" / "ZZ900.py").write_text(RULE_PY)
    (root / "src").mkdir()
    (root / "src" / "main.tf").write_text('resource "aws_db_instance" "db" {\n  engine = "postgres"\n}\n')
    return root


def _check(root, *args):
    return run_cli("check", str(root / "src"), "--no-config", "--rules-dir", str(root / "rules"), *args)


def _no_secret(*texts):
    for t in texts:
        assert SECRET not in t and SECRET[4:16] not in t


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_internal_error_is_reported_in_every_format_with_exit_3(failing, fmt):
    r = _check(failing, "--format", fmt)
    assert r.returncode == 3, r.stderr
    assert "Traceback" not in r.stderr
    _no_secret(r.stdout, r.stderr)
    if fmt == "text":
        assert "internal error: rule ZZ900 failed: RuntimeError: cannot read ghp_…(40 chars)" in r.stdout
    elif fmt == "json":
        doc = json.loads(r.stdout)
        assert {"file": None, "line": None, "level": "internal",
                "message": "rule ZZ900 failed: RuntimeError: cannot read ghp_…(40 chars)"} in doc["errors"]
        assert doc["summary"]["internal_errors"] == 1
        assert any(f["rule_id"] == "DP001" for f in doc["findings"])  # the other rules still ran
    elif fmt == "sarif":
        inv = json.loads(r.stdout)["runs"][0]["invocations"][0]
        assert inv["executionSuccessful"] is False
        notes = [n for n in inv["toolExecutionNotifications"] if n["descriptor"]["id"] == "internal-error"]
        assert [n["level"] for n in notes] == ["error"] and "rule ZZ900 failed" in notes[0]["message"]["text"]
    else:
        assert "::error title=iaclint internal error (report incomplete)::rule ZZ900 failed" in r.stdout


def test_internal_error_beats_findings_and_usage_beats_internal(failing, tmp_path):
    assert _check(failing, "--fail-on", "critical").returncode == 3  # no finding at critical: still 3
    assert _check(failing, "--var-file", str(tmp_path / "missing.tfvars")).returncode == 2


def test_internal_error_in_baseline_create_lsp_and_action_summary(failing, tmp_path):
    bl = tmp_path / "bl.json"
    r = run_cli("baseline", "create", str(failing / "src"), "--no-config", "--rules-dir", str(failing / "rules"),
                "-o", str(bl))
    assert r.returncode == 3 and "internal error: rule ZZ900 failed" in r.stderr and bl.exists()
    _no_secret(r.stderr, bl.read_text())

    from lsprotocol import types

    from iaclint.config import ScanOptions
    from iaclint.lsp import diagnostics_by_path, internal_errors
    from iaclint.scan import scan

    report = scan([str(failing / "src")], ScanOptions(rule_dirs=[str(failing / "rules")]))
    msgs = internal_errors(report)
    assert len(msgs) == 1 and "rule ZZ900 failed" in msgs[0]
    _no_secret(*msgs, *(d.message for ds in diagnostics_by_path(report, types).values() for d in ds))

    sarif = tmp_path / "out.sarif"
    _check(failing, "--format", "sarif", "-o", str(sarif))
    summary = tmp_path / "summary.md"
    r = run_cli("action-report", str(sarif), "--exit-code", "3",
                env={"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(failing)})
    md = summary.read_text()
    assert "exit code 3: an internal error" in md and "**internal error**" in md
    assert "title=iaclint: internal error (report incomplete)::rule ZZ900 failed" in r.stdout
    _no_secret(md, r.stdout)


@pytest.mark.parametrize("where", ["missing", "file", "readonly"])
def test_unwritable_output_is_a_usage_error(tmp_path, where):
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.tf").write_text('resource "aws_db_instance" "db" {\n  engine = "postgres"\n}\n')
    if where == "missing":
        out = tmp_path / "nope" / "out.json"
    elif where == "file":
        out = src / "main.tf" / "out.json"
    elif os.geteuid() == 0:  # root writes through file modes: a directory no one can create files in
        out = "/sys/iaclint-out.json"
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        out = ro / "out.json"
    for cmd in (["check", str(src), "--format", "json"], ["blast-radius", str(src)], ["baseline", "create", str(src)]):
        r = run_cli(*cmd, "--no-config", "-o", str(out))
        assert r.returncode == 2, (cmd, r.stderr)
        assert r.stderr.count("\n") == 1 and str(out) in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_missing_var_file_is_a_usage_error(tmp_path):
    (tmp_path / "main.tf").write_text('variable "x" {}\n')
    for cmd in ("check", "blast-radius"):
        r = run_cli(cmd, str(tmp_path), "--no-config", "--var-file", str(tmp_path / "prod.tfvars"))
        assert r.returncode == 2 and r.stderr == f"iaclint: error: --var-file {tmp_path / 'prod.tfvars'}: no such file\n"
    r = run_cli("check", str(tmp_path), "--no-config", "--var-file", str(tmp_path))
    assert r.returncode == 2 and r.stderr.strip().endswith("not a file")


def test_exit_codes_are_documented_in_help():
    for args in (["--help"], ["check", "--help"]):
        out = " ".join(run_cli(*args).stdout.split())
        assert "3 internal error" in out and "2 usage or configuration error" in out and "first listed here wins" in out


def _tree(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "main.tf").write_text('resource "aws_db_instance" "db" {\n  engine = "postgres"\n}\n')
    (tmp_path / ".env.staging").write_text("PORT=8080\n")
    return tmp_path


def test_a_parser_bug_is_an_internal_error_for_that_file_only(tmp_path, monkeypatch):
    """iaclint's own failure while parsing one file: that file is skipped and named, every other file is still
    analysed, and the run says so (tool_errors: exit 3)."""
    from conftest import hits, scan_dir
    from iaclint.parsers import dotenv

    def broken(text, path):
        raise ValueError("parser bug")

    monkeypatch.setattr(dotenv, "parse_dotenv", broken)
    report = scan_dir(str(_tree(tmp_path)))
    assert report.tool_errors == ["parsing .env.staging failed: ValueError: parser bug; the file was skipped"]
    assert ("DP001", "a/main.tf", 1) in hits(report)


def test_a_graph_contributor_bug_is_an_internal_error_and_the_graph_is_still_built(tmp_path, monkeypatch):
    from conftest import hits, scan_dir
    from iaclint.graph import secrets

    def broken(builder, f):
        raise KeyError("contributor bug")

    from iaclint.kinds import load

    monkeypatch.setattr(secrets, "add_dotenv", broken)
    load.cache_clear()  # contributors are resolved once per process: resolve the broken one, then the real one again
    try:
        report = scan_dir(str(_tree(tmp_path)))
    finally:
        monkeypatch.undo()
        load.cache_clear()
    assert len(report.tool_errors) == 1
    assert report.tool_errors[0].startswith("building the graph from .env.staging failed: KeyError")
    assert ("DP001", "a/main.tf", 1) in hits(report)
