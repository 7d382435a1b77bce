"""After the graph is built nothing reads a file's syntax tree or its source lines: rules and suppressions read
``Graph.facts`` (graph/facts.py) and, to quote source text, ``Graph.source_lines`` (the file read again)."""
from __future__ import annotations

import os
import pickle

import pytest

from conftest import fixture_path, scan_dir

CASES = [fixture_path("rules", rid, case) for rid in ("BK005", "BK008", "BK020", "CS010")
         for case in sorted(os.listdir(fixture_path("rules", rid)))] + \
    [fixture_path("suppress", "basic"), fixture_path("suppress", "modules"), fixture_path("cli", "railway_ts"),
     fixture_path("cli", "railway_py"), fixture_path("cli", "baseline")]


class _Dropped:
    """Stands for a released syntax tree or line list: any use of it fails the test."""

    def _fail(self, *_):
        raise AssertionError("a parsed file's data or lines were read after the graph was built")

    __getattr__ = __bool__ = __iter__ = __len__ = __getitem__ = __contains__ = _fail


def _outcome(report) -> tuple[list, list]:
    findings = sorted((f.rule_id, f.span.path, f.span.line, f.span.col, f.message, repr(f.suppression),
                       [(r.span.path, r.span.line, r.message) for r in f.related]) for f in report.findings)
    return findings, sorted((d.path, d.line, d.message, d.level) for d in report.diagnostics)


def _scan_dropping(monkeypatch, path: str, **opts):
    """scan_dir(PATH) with every parsed file's data and lines replaced by _Dropped once the graph is built."""
    import iaclint.scan as scan_mod
    from iaclint.graph.build import Builder
    from iaclint.report.source import SourceLines

    build = Builder.build

    def build_then_drop(self):
        graph = build(self)
        for f in graph.files.values():
            f.data = f.lines = _Dropped()
        return graph

    with monkeypatch.context() as m:
        m.setattr(Builder, "build", build_then_drop)
        m.setattr(scan_mod, "_release_files", lambda graph, disc, overrides: SourceLines({}, overrides))
        return scan_dir(path, **opts)


@pytest.mark.parametrize("path", CASES, ids=[os.path.relpath(p, fixture_path()) for p in CASES])
def test_rules_and_suppressions_read_no_syntax_or_lines(monkeypatch, path):
    kept = scan_dir(path)
    dropped = _scan_dropping(monkeypatch, path)
    assert not dropped.tool_errors, dropped.tool_errors
    assert _outcome(dropped) == _outcome(kept)
    assert kept.findings or os.path.basename(path).startswith("neg")


def test_a_toml_table_ignore_without_lines(monkeypatch, tmp_path):
    (tmp_path / "railway.toml").write_text(
        '[build]\nbuilder = "NIXPACKS"\n\n# iaclint:ignore[all] reviewed\n[deploy]\nstartCommand = "x"\n')
    kept = scan_dir(str(tmp_path))
    assert _outcome(_scan_dropping(monkeypatch, str(tmp_path))) == _outcome(kept)
    assert any("matches no finding" in d.message for d in kept.diagnostics)


def test_facts_are_small_picklable_and_only_where_needed(tmp_path):
    from iaclint.graph.facts import FileFacts, file_facts
    from iaclint.model import SourceFile
    from iaclint.parsers import parse_file

    def facts(name: str, text: str):
        (tmp_path / name).write_text(text)
        return file_facts(parse_file(SourceFile(name, str(tmp_path / name), "terraform")))

    assert facts("plain.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n') is None
    got = facts("main.tf", 'module "db" {\n  source = "./db"\n}\n\n'
                           'resource "aws_backup_vault" "dr" {  # iaclint:ignore[BK005] copied elsewhere\n'
                           '  provider = aws.dr\n  name = "dr"\n}\n')
    assert got.module_headers == {1} and got.providers == {5: "aws.dr"}
    assert [(ig.line, ig.target, ig.ids) for ig in got.ignores] == [(5, 5, {"BK005"})]
    assert got.blocks == ((1, 3), (5, 8)) and got.state is None
    assert pickle.loads(pickle.dumps(got)) == got and isinstance(got, FileFacts)
