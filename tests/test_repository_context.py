"""Repository context vs report scope (issue 12 point 3) and regular files only: the graph is built from the
repository (its .git top level or --root); the paths only choose where findings and diagnostics are reported."""
from __future__ import annotations

import os
import shutil

import pytest

from conftest import cli_in_process, fixture_path, hits

SUBPATH = fixture_path("repo_context", "subpath")


def _scan(paths, **opts):
    from iaclint.scan import ScanOptions, scan

    return scan([str(p) for p in paths], ScanOptions(**opts))


@pytest.fixture
def repo(tmp_path):
    """A copy of the sub-path fixture that is a git work tree (a .git directory: no git binary needed)."""
    shutil.copytree(SUBPATH, tmp_path / "r")
    (tmp_path / "r" / ".git").mkdir()
    return tmp_path / "r"


def test_subpath_reads_modules_outside_it(repo):
    r = _scan([repo / "envs" / "prod"], enabled={"DP001", "BK002"})
    assert hits(r) == [("BK002", "modules/db/main.tf", 3), ("DP001", "modules/db/main.tf", 7)]
    assert not [d for d in r.diagnostics if "has no .tf files" in d.message]
    assert r.root == str(repo)


def test_subpath_equals_whole_repository_filtered(repo):
    whole = _scan([repo], enabled={"DP001", "BK002"})
    assert hits(whole) == hits(_scan([repo / "envs" / "prod"], enabled={"DP001", "BK002"}))


def test_explicit_root_outside_git(tmp_path):
    shutil.copytree(SUBPATH, tmp_path / "r")
    r = _scan([tmp_path / "r" / "envs" / "prod"], root=str(tmp_path / "r"), enabled={"DP001"})
    assert hits(r) == [("DP001", "modules/db/main.tf", 7)]
    # outside a git repository with no --root, the root is the paths' common directory (the module is lost)
    r = _scan([tmp_path / "r" / "envs" / "prod"], enabled={"DP001"})
    assert hits(r) == []
    assert [(d.path, d.line) for d in r.diagnostics if "local source" in d.message] == [("main.tf", 1)]


def test_other_paths_findings_are_not_reported(repo):
    (repo / "envs" / "prod2").mkdir()
    (repo / "envs" / "prod2" / "main.tf").write_text(
        'resource "aws_db_instance" "x" {\n  engine = "postgres"\n  instance_class = "db.t3.micro"\n}\n')
    assert ("DP001", "envs/prod2/main.tf", 1) in hits(_scan([repo], enabled={"DP001"}))
    assert hits(_scan([repo / "envs" / "prod"], enabled={"DP001"})) == [("DP001", "modules/db/main.tf", 7)]


def test_env_file_outside_the_paths_still_counts(repo):
    url = "DATABASE_URL=postgresql://app:pw@db-main.internal:5432/orders\n"
    (repo / ".env.production").write_text(url)
    (repo / ".env.staging").write_text(url)
    r = _scan([repo / "infra", repo / ".env.staging"], enabled={"ES001"})
    assert hits(r) == [("ES001", ".env.staging", 1)]


def test_missing_local_module_is_an_error(repo):
    (repo / "envs" / "prod" / "main.tf").write_text('module "db" {\n  source = "../../modules/nope"\n}\n')
    r = _scan([repo / "envs" / "prod"])
    assert [(d.path, d.line, d.level) for d in r.diagnostics if "does not exist" in d.message] == \
        [("envs/prod/main.tf", 1, "error")]
    assert cli_in_process("check", "envs/prod", "--no-config", cwd=str(repo)).returncode == 1


def test_root_option_on_the_command_line(tmp_path):
    shutil.copytree(SUBPATH, tmp_path / "r")
    r = cli_in_process("check", "envs/prod", "--root", ".", "--no-config", "--format", "json", cwd=str(tmp_path / "r"))
    assert r.returncode == 1 and '"modules/db/main.tf"' in r.stdout


def test_dev_zero_is_a_usage_error():
    r = cli_in_process("check", "/dev/zero", "--no-config")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "not a regular file" in r.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifos_in_the_tree_do_not_block(repo):
    os.mkfifo(repo / "envs" / "prod" / "extra.tf")
    os.mkfifo(repo / ".env")
    r = _scan([repo / "envs" / "prod"], enabled={"DP001"})
    assert hits(r) == [("DP001", "modules/db/main.tf", 7)]
    # a file iaclint would analyse but must not open is named, not silently left out
    assert [(d.path, d.level) for d in r.diagnostics if "FIFO" in d.message] == [("envs/prod/extra.tf", "warning")]
    named = _scan([repo / ".env"])
    assert [(d.path, d.level) for d in named.diagnostics if "FIFO" in d.message] == [(".env", "warning")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_read_path_opens_only_regular_files(tmp_path):
    from iaclint.model import SourceFile
    from iaclint.kinds import FileKind
    from iaclint.parsers import parse_file

    os.mkfifo(tmp_path / "main.tf")
    pf = parse_file(SourceFile("main.tf", str(tmp_path / "main.tf"), FileKind.TERRAFORM))
    assert [(d.path, d.line, d.level) for d in pf.diagnostics] == [("main.tf", 1, "warning")]


def test_dangling_symlink_is_a_note(repo):
    (repo / "envs" / "prod" / "terraform.tfvars").symlink_to("../../terraform.tfvars")
    r = _scan([repo], enabled={"DP001"})
    assert [(d.path, d.line, d.level) for d in r.diagnostics if "symlink" in d.message] == \
        [("envs/prod/terraform.tfvars", 1, "note")]
    assert hits(r) == [("DP001", "modules/db/main.tf", 7)]
    assert cli_in_process("check", ".", "--no-config", "--select", "DP024", cwd=str(repo)).returncode == 0
