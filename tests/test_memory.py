"""Memory that does not grow with the tree until the report: parsed files are released once rules and
suppressions have read them, lines are kept as one text per file, and excerpts re-read their file."""
from __future__ import annotations

import os

from conftest import REPO

from iaclint.model import SourceText
from iaclint.report.source import SourceLines

EXAMPLE = os.path.join(REPO, "examples", "pocketos")


def test_parsed_files_are_released_after_the_rules(monkeypatch):
    import iaclint.scan as scan_mod
    from iaclint.config import ScanOptions

    kept = {}
    real = scan_mod._release_files

    def spy(graph, disc, overrides):
        kept["files"] = graph.files
        return real(graph, disc, overrides)

    monkeypatch.setattr(scan_mod, "_release_files", spy)
    report = scan_mod.scan([EXAMPLE], ScanOptions(root=EXAMPLE))
    assert report.findings
    assert all(f.data is None and not f.lines for f in kept["files"].values())
    # excerpts: every finding's file is read again, the same lines the parser saw
    for f in report.findings:
        lines = report.lines.get(f.span.path)
        assert lines and 0 < f.span.line <= len(lines)
        with open(os.path.join(EXAMPLE, f.span.path), encoding="utf-8-sig") as fh:
            assert lines == fh.read().splitlines()


def test_text_output_still_quotes_the_line():
    from conftest import scan_dir

    from iaclint.report.text import render_text

    out = render_text(scan_dir(EXAMPLE), color=False)
    assert " | " in out  # `  12 | <source line>` under a finding


def test_editor_buffer_overrides_the_file_on_disk(tmp_path):
    from iaclint.model import SourceFile

    p = tmp_path / "main.tf"
    p.write_text("on disk\n")
    sf = SourceFile("main.tf", str(p), "terraform")
    assert SourceLines({"main.tf": sf}).get("main.tf") == ["on disk"]
    assert SourceLines({"main.tf": sf}, {str(p): "\ufeffin the editor\nline 2"}).get("main.tf") == \
        ["in the editor", "line 2"]
    assert SourceLines({"main.tf": sf}).get("other.tf") is None


def test_excerpts_are_read_only_from_regular_files(tmp_path):
    from iaclint.model import SourceFile

    fifo = tmp_path / "main.tf"
    os.mkfifo(fifo)
    assert SourceLines({"main.tf": SourceFile("main.tf", str(fifo), "terraform")}).get("main.tf") == []


def test_source_text_reads_like_its_lines():
    text = "a\r\nb\n\nc"
    st, ls = SourceText(text), text.splitlines()
    assert list(st) == ls and st == ls and len(st) == len(ls) and st[1] == ls[1] and st[-1] == ls[-1]
    assert st[1:3] == ls[1:3] and "\n".join(st) == "\n".join(ls) and bool(st) and not SourceText("")
    import pickle

    assert pickle.loads(pickle.dumps(st)) == st
