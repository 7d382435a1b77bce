"""Round 2 of the user-facing CLI: annotation/JSON paths against the repository root, SARIF baselineState,
--select/--ignore validation, readable text output with a progress bar, inline ignores in Railway IaC files,
the README rule table."""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading

import pytest

from conftest import FIXTURES, REPO, hits, run_cli, scan_dir
from test_sarif_multitool import multitool, validate  # noqa: F401  (multitool: the gate's pytest fixture)

R2 = os.path.join(FIXTURES, "cli")
POCKETOS = os.path.join(REPO, "examples", "pocketos")
ANNOTATION = re.compile(r"^::(error|warning|notice) (?:file=([^,]*),line=(\d+),col=(\d+),)?title=([^:]*)::(.*)$")


def _annotations(text: str) -> list[tuple]:
    out = []
    for line in text.splitlines():
        m = ANNOTATION.match(line)
        assert m, f"not a workflow command: {line!r}"
        out.append((m.group(1), m.group(2), int(m.group(3) or 0), m.group(5)))
    return out


# --- 1. github annotations and JSON paths ------------------------------------------------------------------

def test_github_paths_relative_to_the_repo_root_when_a_subdirectory_is_scanned():
    r = run_cli("check", "examples/pocketos", "--format", "github", cwd=REPO)
    assert r.returncode == 1, r.stderr
    anns = _annotations(r.stdout)
    files = {a[1] for a in anns}
    assert ("error", "examples/pocketos/scripts/domains/add-domain.sh", 4) in {a[:3] for a in anns}
    assert ("error", "examples/pocketos/.env.staging", 3) in {a[:3] for a in anns}
    # every annotation lands on a file that exists where GitHub looks (relative to the working directory)
    for f in files:
        assert os.path.isfile(os.path.join(REPO, f)), f


def test_github_paths_from_inside_and_outside_the_scan_root(tmp_path):
    inside = _annotations(run_cli("check", ".", "--format", "github", cwd=POCKETOS).stdout)
    assert ("error", "scripts/domains/add-domain.sh", 4) in {a[:3] for a in inside}
    # the scan root is not under the working directory: paths stay relative to the scan root
    outside = _annotations(run_cli("check", POCKETOS, "--format", "github", cwd=str(tmp_path)).stdout)
    assert {a[:3] for a in outside} == {a[:3] for a in inside}


def test_github_source_root_overrides_the_working_directory(tmp_path):
    r = run_cli("check", POCKETOS, "--format", "github", "--source-root", REPO, cwd=str(tmp_path))
    assert ("error", "examples/pocketos/scripts/domains/add-domain.sh", 4) in {a[:3] for a in _annotations(r.stdout)}
    # a --source-root that does not contain the scan root: a warning, and paths relative to the scan root
    r = run_cli("check", POCKETOS, "--format", "github", "--source-root", str(tmp_path), cwd=REPO)
    anns = _annotations(r.stdout)
    assert anns[0][0] == "warning" and "does not contain the scan root" in anns[0][3] + r.stdout.splitlines()[0]
    assert ("error", "scripts/domains/add-domain.sh", 4) in {a[:3] for a in anns}


def test_github_file_errors_carry_the_same_prefix():
    r = run_cli("check", "tests/fixtures/cli/broken", "--format", "github", cwd=REPO)
    assert r.returncode == 1
    errs = [a for a in _annotations(r.stdout) if a[3] == "iaclint%3A file not analysed"]
    assert [(a[1], a[2]) for a in errs] == [("tests/fixtures/cli/broken/sub/bad.tf", 1)], r.stdout


def test_json_paths_follow_source_root(tmp_path):
    plain = json.loads(run_cli("check", POCKETOS, "--format", "json").stdout)
    assert plain["root"] == {"uri": "file://" + os.path.realpath(POCKETOS) + "/", "scan_root": ""}
    assert ("CS001", "scripts/domains/add-domain.sh", 4) in {(f["rule_id"], f["file"], f["line"])
                                                             for f in plain["findings"]}
    rooted = json.loads(run_cli("check", POCKETOS, "--format", "json", "--source-root", REPO).stdout)
    assert rooted["root"] == {"uri": "file://" + os.path.realpath(REPO) + "/", "scan_root": "examples/pocketos"}
    assert len(rooted["findings"]) == len(plain["findings"])
    for a, b in zip(plain["findings"], rooted["findings"]):
        assert b["file"] == "examples/pocketos/" + a["file"]
        assert [x["file"] for x in b["related"]] == ["examples/pocketos/" + x["file"] for x in a["related"]]
        assert a["fingerprint"] == b["fingerprint"]  # identity does not depend on how paths are shown
        assert os.path.isfile(os.path.join(REPO, b["file"]))
    broken = json.loads(run_cli("check", os.path.join(R2, "broken"), "--format", "json", "--source-root",
                                REPO).stdout)
    assert [e["file"] for e in broken["errors"] if e["level"] == "error"] == ["tests/fixtures/cli/broken/sub/bad.tf"]
    bad = json.loads(run_cli("check", POCKETOS, "--format", "json", "--source-root", str(tmp_path)).stdout)
    assert "does not contain the scan root" in bad["root"]["warning"] and bad["root"]["scan_root"] == ""


# --- 2. SARIF baselineState ----------------------------------------------------------------------------------

def _baseline_project(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    shutil.copy(os.path.join(R2, "baseline", "main.tf"), proj / "main.tf")
    bl = tmp_path / "baseline.json"
    r = run_cli("baseline", "create", str(proj), "-o", str(bl))
    assert r.returncode == 0, r.stderr
    text = (proj / "main.tf").read_text()
    # after the baseline: a new database, and an inline ignore on a finding the baseline already holds
    text = text.replace('  deletion_protection      = false\n  delete_automated_backups = false\n}\n\nresource '
                        '"aws_db_instance" "users"',
                        '  deletion_protection      = false # iaclint:ignore[DP001] drained, deleted next sprint\n'
                        '  delete_automated_backups = false\n}\n\nresource "aws_db_instance" "users"', 1)
    text += ('\nresource "aws_db_instance" "billing" {\n  identifier          = "billing-production"\n'
             '  engine              = "postgres"\n  instance_class      = "db.t4g.medium"\n'
             '  deletion_protection = false\n  delete_automated_backups = false\n}\n')
    (proj / "main.tf").write_text(text)
    return proj, bl


def _sarif_states(doc):
    out = []
    for res in doc["runs"][0]["results"]:
        if res["ruleId"] != "DP001":
            continue
        line = res["locations"][0]["physicalLocation"]["region"]["startLine"]
        out.append((line, res.get("baselineState"), [s["kind"] for s in res.get("suppressions", [])]))
        assert "baselineState" not in res.get("properties", {})
    return sorted(out)


def test_sarif_baseline_state_is_the_real_result_field(tmp_path):
    proj, bl = _baseline_project(tmp_path)
    out1, out2 = tmp_path / "a.sarif", tmp_path / "b.sarif"
    for out in (out1, out2):
        r = run_cli("check", str(proj), "--baseline", str(bl), "--format", "sarif", "--output", str(out))
        assert r.returncode == 1, r.stderr  # billing is new
    assert out1.read_bytes() == out2.read_bytes()
    doc = json.loads(out1.read_text())
    assert _sarif_states(doc) == [
        (5, "unchanged", ["inSource"]),  # in the baseline, since ignored inline
        (13, "unchanged", ["external"]),  # in the baseline
        (21, "new", ["inSource"]),  # ignored inline before the baseline was written: not in it
        (29, "new", []),  # the new database
    ]
    # once compared with a baseline, every result says how (SARIF 2.1.0 §3.27.24)
    assert all(res.get("baselineState") in ("new", "unchanged") for res in doc["runs"][0]["results"])
    # without --baseline no result claims a baseline state
    plain = json.loads(run_cli("check", str(proj), "--format", "sarif").stdout)
    assert not [res for res in plain["runs"][0]["results"] if "baselineState" in res]


def test_sarif_with_baseline_passes_the_multitool_gate(multitool, tmp_path):
    proj, bl = _baseline_project(tmp_path)
    out = tmp_path / "baseline.sarif"
    r = run_cli("check", str(proj), "--baseline", str(bl), "--format", "sarif", "--output", str(out),
                "--source-root", str(tmp_path))
    assert r.returncode == 1, r.stderr
    problems = validate(multitool, [str(out)], str(tmp_path / "validation.sarif"))
    assert not problems, "\n".join(f"{p['file']}: {p['rule']}: {p['message']}" for p in problems)


# --- 3. --select / --ignore ------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, bad, suggestion", [
    (("--select", "DP01"), "--select DP01", "DP001"),
    (("--ignore", "rds-deletion-protectio"), "--ignore rds-deletion-protectio", "rds-deletion-protection (DP001)"),
    (("--select", "dp001"), "--select dp001", "DP001"),
])
def test_unknown_rule_in_select_or_ignore_exits_2_with_close_matches(args, bad, suggestion):
    r = run_cli("check", POCKETOS, *args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"{bad}: no such rule; did you mean" in r.stderr and suggestion in r.stderr, r.stderr
    assert "iaclint rules" in r.stderr and r.stdout == ""


def test_unknown_rule_without_close_match_and_several_at_once():
    r = run_cli("check", POCKETOS, "--select", "CS001,NOPE-XYZ", "--ignore", "qqq")
    assert r.returncode == 2
    assert "--select NOPE-XYZ: no such rule\n" in r.stderr and "--ignore qqq: no such rule\n" in r.stderr
    assert "CS001:" not in r.stderr


def test_valid_select_and_ignore_still_work_comma_separated():
    doc = json.loads(run_cli("check", POCKETOS, "--select", "CS001,railway-volume-shared-environments",
                             "--format", "json").stdout)
    assert {f["rule_id"] for f in doc["findings"]} == {"CS001", "ES002"}
    r = run_cli("check", POCKETOS, "--ignore", "CS001", "--ignore", "ES001,ES002", "--format", "json")
    assert r.returncode == 1
    assert not {f["rule_id"] for f in json.loads(r.stdout)["findings"]} & {"CS001", "ES001", "ES002"}


# --- 4. text output --------------------------------------------------------------------------------------------

def test_text_summary_separates_inline_and_baseline_and_counts_family_by_severity(tmp_path):
    proj, bl = _baseline_project(tmp_path)
    r = run_cli("check", str(proj), "--baseline", str(bl), "--no-color")
    last = r.stdout.rstrip("\n").splitlines()
    head = [l for l in last if l.startswith("1 finding")]
    assert head == ["1 finding (1 high) in 1 file; 2 suppressed inline, 1 accepted in baseline"], last[-4:]
    assert last[-1] == "  deletion-protection    1  (1 high)"

    r = run_cli("check", POCKETOS, "--no-color")
    tail = r.stdout.rstrip("\n").splitlines()[-5:]
    assert tail == ["14 findings (5 critical, 9 high) in 9 files",
                    "  deletion-protection       3  (3 high)",
                    "  backup-failure-domain     3  (3 high)",
                    "  credential-scope          3  (1 critical, 2 high)",
                    "  environment-separation    5  (4 critical, 1 high)"], tail


def test_text_wraps_to_the_terminal_width_and_explains_each_rule_once():
    r = run_cli("check", POCKETOS, "--no-color", env={"COLUMNS": "80"})
    lines = r.stdout.splitlines()
    too_long = [l for l in lines if len(l) > 80]
    assert not too_long, too_long
    # a long message is wrapped, not cut: its last words are still there
    assert "production data in a project of its own with an off-volume backup" in " ".join(
        l.strip() for l in lines)
    # the "why" of a rule is a full first sentence, shown at its first finding only
    flat = " ".join(l.strip() for l in lines)
    assert flat.count("why: Railway has no provider-side deletion protection for volumes: `volumeDelete` succeeds "
                      "on the first call, and \"wiping a volume deletes all backups\".") == 1
    # piped output without COLUMNS: 100 columns, identical run to run
    a, b = run_cli("check", POCKETOS).stdout, run_cli("check", POCKETOS).stdout
    assert a == b and max(len(l) for l in a.splitlines()) <= 100 and "\x1b[" not in a


def test_text_caps_related_locations():
    from iaclint.model import Finding, Location, Span
    from iaclint.report.model import Report
    from iaclint.report.text import render_text

    related = [Location(Span(f"modules/m{i}/main.tf", i + 1), f"module call {i}") for i in range(7)]
    f = Finding("DP001", "x " * 80, Span("main.tf", 2), "high", "deletion-protection", related=related,
                message="x " * 80)
    out = render_text(Report(root=".", findings=[f], diagnostics=[], rules=[], files_scanned=1,
                             lines={"main.tf": ["a\n", "  deletion_protection = false\n"]}), width=70)
    see = [l for l in out.splitlines() if l.strip().startswith("see ")]
    assert [l.split(":")[0].split()[-1] for l in see] == [f"modules/m{i}/main.tf" for i in range(4)]
    assert "      … and 3 more related locations (--format json lists all)" in out.splitlines()
    lines = out.splitlines()
    assert lines[lines.index("      2 |   deletion_protection = false") + 1] == "        |   ^"
    assert all(len(l) <= 70 for l in lines), lines


def test_first_sentence():
    from iaclint.report.text import first_sentence

    assert first_sentence("One thing, e.g. this\n  wrapped line. Second `x`.") == "One thing, e.g. this wrapped line."
    long = first_sentence("word " * 100)
    assert len(long) <= 242 and long.endswith(" …")


class _TTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal_for_large_trees():
    from iaclint.report.text import progress_bar

    with progress_bar(stream=io.StringIO()) as cb:
        assert cb is None  # piped stderr
    with progress_bar(enabled=False, stream=_TTY()) as cb:
        assert cb is None  # --format other than text
    small = _TTY()
    with progress_bar(stream=small) as cb:
        for i in range(1, 51):
            cb("parse", i, 50)
    assert small.getvalue() == ""
    big = _TTY()
    with progress_bar(stream=big) as cb:
        for i in range(1, 301):
            cb("parse", i, 300)
        cb("graph", 300, 300)
        cb("rules", 300, 300)
    text = big.getvalue()
    assert "300/300 files  parsing" in text and "building the graph" in text and "running rules" in text
    assert "[" + "#" * 10 in text and text.endswith("\r\x1b[K")  # the line is erased at the end
    assert text.count("\r\x1b[K") < 300  # throttled


def _tree(tmp_path, n: int) -> str:
    root = tmp_path / "tree"
    for i in range(n):
        d = root / f"svc{i:03d}"
        d.mkdir(parents=True)
        (d / "main.tf").write_text(f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "b{i}"\n}}\n')
    return str(root)


def test_progress_bar_on_a_tty_stderr_and_never_when_piped(tmp_path):
    tree = _tree(tmp_path, 210)
    r = run_cli("check", tree)
    assert r.stderr == "" and "files" not in r.stderr
    import pty

    def run_with_tty_stderr(*args):
        master, slave = pty.openpty()
        chunks: list[bytes] = []

        def reader():
            while True:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    return
                if not data:
                    return
                chunks.append(data)

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        p = subprocess.run([sys.executable, "-m", "iaclint", *args], stdout=subprocess.PIPE, stderr=slave,
                           cwd=REPO, timeout=300, env={**os.environ, "COLUMNS": "100"})
        os.close(slave)
        t.join(timeout=10)
        os.close(master)
        return p, b"".join(chunks).decode("utf-8", "replace")

    p, err = run_with_tty_stderr("check", tree)
    assert "210/210 files" in err and "parsing" in err and err.endswith("\x1b[K"), err[-300:]
    assert b"\x1b[" not in p.stdout and b"in 210 files" in p.stdout  # the report itself is untouched
    p, err = run_with_tty_stderr("check", tree, "--format", "json")
    assert "files" not in err and json.loads(p.stdout)["summary"]["files_scanned"] == 210


# --- 5. inline ignores in Railway infrastructure as code ------------------------------------------------------

@pytest.mark.parametrize("kind, ext, lines", [
    ("railway_ts", "ts", {"uploads": 6, "cache": 7, "logs": 8, "pg": 14, "tmp": 18, "no_reason": 17}),
    ("railway_py", "py", {"uploads": 9, "cache": 10, "logs": 11, "pg": 17, "tmp": 21, "no_reason": 20}),
])
def test_inline_ignores_in_railway_iac(kind, ext, lines):
    report = scan_dir(os.path.join(R2, kind))
    path = f".railway/railway.{ext}"
    L = lines
    # the line above, the end of the line (by rule name), a multi-line call's first line (covers its mounts)
    suppressed = sorted((f.rule_id, f.span.path, f.span.line) for f in report.findings if f.suppression)
    assert suppressed == sorted([("DP002", path, L["uploads"]), ("DP002", path, L["cache"]),
                                 ("BK001", path, L["pg"])])
    assert hits(report) == sorted([("DP002", path, L["logs"]), ("DP002", path, L["pg"]), ("DP002", path, L["tmp"])])
    just = {f.span.line: f.suppression["justification"] for f in report.findings if f.suppression}
    assert just[L["uploads"]] == "uploads are re-synced from S3 on boot (ops#42)"
    assert just[L["pg"]] == "nightly pg_dump to R2 in another account (runbook/backups.md)"
    # an ignore without a reason suppresses nothing and says so, at its own line
    warn = [(d.path, d.line) for d in report.diagnostics if "needs a reason" in d.message]
    assert warn == [(path, L["no_reason"])]


def test_bracket_ranges_skip_strings_and_comments():
    from iaclint.engine.suppress import _bracket_ranges

    ts = ['const a = f("x(", {', "  b: [1,", "   2], /* ( */ c: `(", "  `,", "})", "// (", "g()"]
    assert sorted(_bracket_ranges(ts, "//")) == [(1, 5), (1, 5), (2, 3)]
    py = ["x = f(", '  """(', '  """, # (', "  [1,", "  2])"]
    assert sorted(_bracket_ranges(py, "#")) == [(1, 5), (4, 5)]


# --- 6. README rule table -------------------------------------------------------------------------------------

def test_readme_block_needs_its_markers():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_rules_doc", os.path.join(REPO, "scripts", "gen_rules_doc.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with pytest.raises(ValueError, match="rules:start"):
        mod.update_readme("# no markers\n")
    out = mod.update_readme("a\n<!-- rules:start -->\nSTALE-ROW\n<!-- rules:end -->\nb\n")
    assert out.startswith("a\n<!-- rules:start -->\n") and out.endswith("<!-- rules:end -->\nb\n")
    assert "STALE-ROW" not in out and "| [DP001](docs/rules.md#dp001) | high | deletion-protection |" in out


@pytest.mark.parametrize("code, rc", [(None, 0), (1, 1), (3, 3), ("bad thing", 1)])
def test_the_hard_exit_flushes_everything_and_keeps_the_exit_code(code, rc):
    """The console script ends with os._exit (no interpreter shutdown): what was written still arrives whole."""
    prog = ("import sys\nfrom iaclint.cli import exit_now\nsys.stdout.write('x' * 200000)\n"
            f"sys.stderr.write('partial line')\nexit_now({code!r})\n")
    p = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, cwd=REPO)
    assert p.returncode == rc and p.stdout == "x" * 200000
    assert p.stderr.startswith("partial line") and (code != "bad thing" or p.stderr.endswith("bad thing\n"))


def test_ctrl_c_exits_130_not_the_findings_code(capsys):
    """Click's standalone mode turns Ctrl-C into "Aborted!" and exit 1, which iaclint's exit codes say means
    findings (a CI step or an agent hook would read an interrupted scan as one that found something)."""
    import click

    from iaclint.cli import run_cli

    @click.command()
    def interrupted():
        raise KeyboardInterrupt

    @click.command()
    @click.option("--n", type=int)
    def fine(n):
        sys.exit(n)

    assert run_cli(interrupted, []) == 130
    assert "Aborted!" in capsys.readouterr().err
    assert run_cli(fine, ["--n", "1"]) == 1 and run_cli(fine, ["--n", "0"]) == 0
    assert run_cli(fine, ["--n", "x"]) == 2 and "Invalid value" in capsys.readouterr().err  # usage: as click shows it
    assert run_cli(fine, ["--help"]) == 0
