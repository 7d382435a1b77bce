"""The composite GitHub Action (action.yml), tested without GitHub.

action.yml is validated against the published action-metadata schema, then its ``run:`` steps are executed
in bash the way the runner does (one fresh ``$GITHUB_OUTPUT`` file per step, ``$GITHUB_STEP_SUMMARY``,
``$GITHUB_WORKSPACE``, ``$GITHUB_ACTION_PATH``, ``$RUNNER_TEMP`` pointed at temp files, ``${{ … }}``
expressions of ``env:`` evaluated from the inputs and earlier steps' outputs).  ``uses:`` steps
(setup-python, upload-sarif) are recorded, not run; the install step is exercised with
``IACLINT_PYTHON`` set to this interpreter, so the test is offline and fast.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

import pytest
import yaml

from conftest import REPO, VENDOR

ACTION = os.path.join(REPO, "action.yml")
POCKETOS = "examples/pocketos"
MANY = "tests/fixtures/action/many"  # 12 DP001 + 12 BK002 (high -> error) and 2 DP900 (low -> notice)
SECRET = "8c2f4e1a-7b3d-4f60-9e25-3d1c0b9a8f7e"  # the token in examples/pocketos (never printed)
ENV_GITHUB = {"GITHUB_SERVER_URL": "https://github.example", "GITHUB_REPOSITORY": "acme/infra",
              "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567"}
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
ANNOTATION = re.compile(r"^::(error|warning|notice) (?:file=([^,]*),line=(\d+),col=(\d+),)?title=([^:]*)::(.*)$")


def load_action() -> dict:
    with open(ACTION, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@dataclass
class Step:
    id: str
    returncode: int
    stdout: str
    stderr: str
    outputs: dict


@dataclass
class ActionRun:
    steps: dict[str, Step]
    skipped: list[dict]  # uses: steps, with their evaluated `with:`
    outputs: dict
    summary: str
    failed: bool
    annotations: list[tuple] = field(default_factory=list)  # (level, file, line, title, message)


def _evaluate(expr: str, ctx: dict) -> str:
    """The tiny subset of GitHub expressions action.yml uses in env:/with:/outputs values."""
    parts = expr.split(".")
    if parts[0] == "inputs" and len(parts) == 2:
        return ctx["inputs"][parts[1]]  # KeyError: an undeclared input
    if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
        return ctx["steps"].get(parts[1], {}).get(parts[3], "")
    if parts[0] == "github" and len(parts) == 2:
        return ctx["github"][parts[1]]
    raise AssertionError(f"expression not supported by the test harness: {expr}")


def _substitute(value, ctx: dict) -> str:
    return EXPR.sub(lambda m: _evaluate(m.group(1), ctx), str(value))


def _read_outputs(path: str) -> dict:
    out, lines, i = {}, open(path, encoding="utf-8").read().splitlines(), 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delim = line.split("<<", 1)
            j = lines.index(delim, i + 1)
            out[key] = "\n".join(lines[i + 1:j])
            i = j + 1
            continue
        if line:
            key, value = line.split("=", 1)
            out[key] = value
        i += 1
    return out


def run_action(tmp_path, workspace: str = REPO, **inputs) -> ActionRun:
    action = load_action()
    declared = action["inputs"]
    unknown = set(inputs) - set(k.replace("-", "_") for k in declared)
    assert not unknown, unknown
    values = {k: str(v.get("default", "")) for k, v in declared.items()}
    values.update({k.replace("_", "-"): str(v) for k, v in inputs.items()})
    ctx = {"inputs": values, "steps": {}, "github": {"action_path": REPO, "workspace": workspace}}
    summary = tmp_path / "step_summary.md"
    summary.write_text("")
    temp = tmp_path / "runner_temp"
    temp.mkdir(exist_ok=True)
    base = dict(os.environ)
    base.pop("NO_COLOR", None)
    base.update(ENV_GITHUB, GITHUB_ACTIONS="true", GITHUB_WORKSPACE=workspace, GITHUB_ACTION_PATH=REPO,
                GITHUB_STEP_SUMMARY=str(summary), RUNNER_TEMP=str(temp), IACLINT_PYTHON=sys.executable)
    steps, skipped, failed = {}, [], False
    for i, step in enumerate(action["runs"]["steps"]):
        if "uses" in step:
            skipped.append({"uses": step["uses"], "if": step.get("if"),
                            "with": {k: _substitute(v, ctx) for k, v in (step.get("with") or {}).items()}})
            continue
        cond = step.get("if")
        assert cond in (None, "always()"), f"harness cannot evaluate if: {cond}"
        if failed and cond is None:
            continue
        assert step["shell"] == "bash"
        out_file = tmp_path / f"github_output_{i}"
        out_file.write_text("")
        env = dict(base, GITHUB_OUTPUT=str(out_file))
        env.update({k: _substitute(v, ctx) for k, v in (step.get("env") or {}).items()})
        script = tmp_path / f"step_{i}.sh"
        script.write_text(step["run"])
        # the runner's bash: bash --noprofile --norc -eo pipefail {0}
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=step.get("working-directory", workspace), env=env, capture_output=True,
                              text=True, timeout=300)
        outputs = _read_outputs(str(out_file))
        sid = step.get("id", f"step{i}")
        ctx["steps"][sid] = outputs
        steps[sid] = Step(sid, proc.returncode, proc.stdout, proc.stderr, outputs)
        failed = failed or proc.returncode != 0
    outputs = {k: _substitute(v["value"], ctx) for k, v in action["outputs"].items()}
    run = ActionRun(steps, skipped, outputs, summary.read_text(), failed)
    for line in steps["report"].stdout.splitlines() if "report" in steps else []:
        m = ANNOTATION.match(line)
        if m:
            run.annotations.append((m.group(1), m.group(2), int(m.group(3) or 0), m.group(5), m.group(6)))
    return run


def _sarif_results(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [r for r in json.load(fh)["runs"][0]["results"] if not r.get("suppressions")]


def _expected_per_level(results: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in results:
        level = {"note": "notice", "none": "notice"}.get(r.get("level", "warning"), r.get("level", "warning"))
        out[level] = min(10, out.get(level, 0) + 1)
    return out


def _per_level(run: ActionRun) -> dict[str, int]:
    out: dict[str, int] = {}
    for a in run.annotations:
        out[a[0]] = out.get(a[0], 0) + 1
    return out


# --------------------------------------------------------------------------------------------- metadata


def test_action_yml_validates_against_the_action_schema():
    jsonschema = pytest.importorskip("jsonschema")
    with open(os.path.join(VENDOR, "github-action.schema.json"), encoding="utf-8") as fh:
        schema = json.load(fh)
    action = load_action()
    jsonschema.validate(action, schema)
    assert action["runs"]["using"] == "composite"
    for name in ("path", "format", "fail-on", "config", "baseline", "upload-sarif", "category", "annotations",
                 "python-version", "version"):
        assert name in action["inputs"], name
    assert action["inputs"]["upload-sarif"]["default"] == "true"
    assert action["inputs"]["annotations"]["default"] == "true"
    assert set(action["outputs"]) >= {"sarif-file", "findings", "exit-code"}
    uploads = [s for s in action["runs"]["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert len(uploads) == 1 and uploads[0]["uses"].endswith("@v3")
    assert "inputs.upload-sarif == 'true'" in uploads[0]["if"]
    assert uploads[0]["with"]["category"] == "${{ inputs.category }}"
    # inputs reach scripts only through env: (no ${{ }} inside run:, so no script injection)
    for s in action["runs"]["steps"]:
        assert "${{" not in s.get("run", ""), s.get("name")


# --------------------------------------------------------------------------------------------- pocketos


def test_action_on_pocketos(tmp_path):
    run = run_action(tmp_path, path=POCKETOS)
    scan, report = run.steps["scan"], run.steps["report"]
    assert scan.returncode == 0 and scan.outputs["exit-code"] == "1", scan.stderr
    assert report.returncode == 0, report.stderr
    # exactly one scan, and it wrote SARIF
    assert report.stdout.count("::group::") == 1
    sarif = run.outputs["sarif-file"]
    assert sarif == scan.outputs["sarif-file"] and os.path.isfile(sarif)
    assert sarif.startswith(str(tmp_path / "runner_temp"))
    results = _sarif_results(sarif)
    assert run.outputs["findings"] == str(len(results)) and len(results) >= 4
    assert run.outputs["exit-code"] == "1"
    # annotations: one per finding up to 10 per level, on files relative to the repository root
    assert _per_level(run) == _expected_per_level(results)
    for level, path, line, title, _msg in run.annotations:
        assert path.startswith(POCKETOS + "/") and os.path.isfile(os.path.join(REPO, path)), path
        assert line >= 1
    titles = " ".join(a[3] for a in run.annotations)
    for fam in ("deletion-protection", "backup-failure-domain", "credential-scope", "environment-separation"):
        assert fam in titles
    assert (f"error", f"{POCKETOS}/scripts/domains/add-domain.sh", 4) in [a[:3] for a in run.annotations]
    # summary: counts by family and severity, findings linked to file#Lline at the commit
    s = run.summary
    assert s.startswith(f"## iaclint: {len(results)} findings")
    sevs = ("critical", "high", "medium", "low", "info")
    for fam in ("deletion-protection", "backup-failure-domain", "credential-scope", "environment-separation"):
        mine = [r["properties"]["severity"] for r in results if r["properties"]["family"] == fam]
        row = f"| {fam} | " + " | ".join(str(mine.count(x)) for x in sevs) + f" | {len(mine)} |"
        assert row in s.splitlines(), (row, s)
    assert re.search(rf"^\| \*\*total\*\* \|.*\| \*\*{len(results)}\*\* \|$", s, re.M)
    link = (f"https://github.example/acme/infra/blob/{ENV_GITHUB['GITHUB_SHA']}/"
            f"{POCKETOS}/scripts/domains/add-domain.sh#L4")
    assert link in s
    assert "exit code 1" in s
    # the gate fails the job per fail-on (default low)
    assert run.steps["gate"].returncode == 1 and run.failed
    # upload-sarif would run with the action's SARIF and category
    up = [u for u in run.skipped if "upload-sarif" in u["uses"]][0]
    assert up["with"] == {"sarif_file": sarif, "category": "iaclint"}
    # never a secret, anywhere
    for text in (s, scan.stdout, scan.stderr, report.stdout, report.stderr, open(sarif).read()):
        assert SECRET not in text


def test_fail_on_controls_only_the_final_step(tmp_path):
    run = run_action(tmp_path, path=POCKETOS, fail_on="never", annotations="false", format="none")
    assert run.outputs["exit-code"] == "1"
    assert run.steps["gate"].returncode == 0 and not run.failed
    assert run.annotations == [] and "::group::" not in run.steps["report"].stdout
    assert run.summary.startswith("## iaclint:")  # the summary is written regardless
    # fail-on is a threshold: critical findings fail at `critical`, a high-only scan passes
    for sub, path, code in (("crit", f"{POCKETOS}/railway", "1"), ("ok", f"{POCKETOS}/railway/production.json", "0")):
        (tmp_path / sub).mkdir()
        run = run_action(tmp_path / sub, path=path, fail_on="critical")
        assert run.outputs["exit-code"] == code and run.steps["gate"].returncode == int(code)
        assert run.failed == (code == "1")
        if code == "0":
            assert int(run.outputs["findings"]) >= 1  # high findings reported, not failing


# --------------------------------------------------------------------------------------------- limits


def test_annotations_capped_at_ten_per_level_rest_in_summary(tmp_path):
    run = run_action(tmp_path, path=MANY, fail_on="high")
    results = _sarif_results(run.outputs["sarif-file"])
    errors = [r for r in results if r.get("level") == "error"]
    notes = [r for r in results if r.get("level") == "note"]
    assert len(errors) > 10 and notes  # the fixture has what the test needs
    per_level = _per_level(run)
    assert per_level["error"] == 10
    assert per_level.get("notice", 0) == len(notes) <= 10
    assert len(run.annotations) == 10 + len(notes)
    # the summary lists every finding, including the ones that got no annotation
    rows = [line for line in run.summary.splitlines() if re.match(r"^\| (critical|high|medium|low|info) \|", line)]
    assert len(rows) == len(results) == int(run.outputs["findings"])
    left = len(results) - len(run.annotations)
    assert f"{len(run.annotations)} shown as annotations; {left} more listed here only" in run.summary
    for r in results:
        line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert f"{MANY}/envs/production/main.tf#L{line})" in run.summary
    # the most severe go first: every annotated error is high, low ones are notices
    assert all(a[0] == "notice" for a in run.annotations if "DP900" in a[3] or "cannot" in a[4])


def test_scan_that_cannot_run_fails_clearly(tmp_path):
    run = run_action(tmp_path, path="no/such/dir")
    assert run.steps["scan"].outputs["exit-code"] == "2"
    assert run.steps["scan"].outputs["sarif-written"] == "false"
    assert run.steps["report"].returncode == 2
    assert "::error title=iaclint::" in run.steps["report"].stdout
    assert run.steps["gate"].returncode == 2  # runs although the report step failed (if: always())
    assert "no report" in run.summary
    assert run.outputs["exit-code"] == "2" and run.outputs["findings"] == ""


# --------------------------------------------------------------------------------------------- action-report


def test_action_report_resolves_paths_through_uri_base_ids(tmp_path):
    """A SARIF written without --source-root (URIs relative to the scan root) still annotates repo paths."""
    from conftest import run_cli

    sarif = tmp_path / "plain.sarif"
    r = run_cli("check", POCKETOS, "--format", "sarif", "--output", str(sarif))
    assert r.returncode == 1
    doc = json.loads(sarif.read_text())
    assert doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"][0] != "/"
    out = tmp_path / "out"
    r = run_cli("action-report", str(sarif), "--exit-code", "1", "--log", "none",
                env={"GITHUB_WORKSPACE": REPO, "GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": ""})
    assert r.returncode == 0, r.stderr
    files = [m.group(2) for m in map(ANNOTATION.match, r.stdout.splitlines()) if m]
    assert files and all(f.startswith(POCKETOS + "/") for f in files)
    assert len(files) == sum(_expected_per_level(doc["runs"][0]["results"]).values())
    outputs = _read_outputs(str(out))
    assert outputs["findings"] == str(len(doc["runs"][0]["results"])) and outputs["exit-code"] == "1"


def test_action_report_skips_suppressed_and_reports_file_errors(tmp_path):
    from iaclint.report.action import annotations, read_report, summary_markdown

    doc = {"runs": [{
        "tool": {"driver": {"name": "iaclint", "rules": [
            {"id": "DP001", "properties": {"tags": ["deletion-protection"], "iaclint-severity": "high"},
             "helpUri": "https://example.test/dp001"}]}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": (tmp_path.as_uri() + "/")}},
        "results": [
            {"ruleId": "DP001", "level": "error", "message": {"text": "db | one"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a%20b/main.tf", "uriBaseId": "%SRCROOT%"},
                                                 "region": {"startLine": 3}}}]},
            {"ruleId": "DP001", "level": "error", "message": {"text": "db two"},
             "suppressions": [{"kind": "inSource", "justification": "legacy"}],
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "main.tf", "uriBaseId": "%SRCROOT%"},
                                                 "region": {"startLine": 9}}}]}],
        "invocations": [{"executionSuccessful": False, "toolExecutionNotifications": [
            {"level": "error", "message": {"text": "cannot parse"}, "descriptor": {"id": "parse-error"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "broken.tf", "uriBaseId": "%SRCROOT%"},
                                                 "region": {"startLine": 2}}}]}]}],
    }]}
    rep = read_report(doc, str(tmp_path))
    assert [(f.path, f.line, f.severity, f.family) for f in rep.findings] == [("a b/main.tf", 3, "high",
                                                                            "deletion-protection")]
    assert len(rep.suppressed) == 1 and rep.errors[0].path == "broken.tf" and rep.errors[0].is_error
    lines, left = annotations(rep)
    assert lines[0] == "::error file=broken.tf,line=2,col=1,title=iaclint%3A file not analysed::cannot parse"
    assert lines[1].startswith("::error file=a b/main.tf,line=3,col=1,title=DP001 (deletion-protection)::")
    assert left == []
    md = summary_markdown(rep, exit_code=1, annotated=2, left_out=0, env={})
    assert "db \\| one" in md and "`a b/main.tf:3`" in md and "1 suppressed finding not counted" in md
    assert "**not analysed** `broken.tf:2`: cannot parse" in md


# --------------------------------------------------------------------------------------------- workflow, pre-commit


def test_repository_workflow_runs_the_action_on_examples():
    with open(os.path.join(REPO, ".github", "workflows", "iaclint.yml"), encoding="utf-8") as fh:
        wf = yaml.safe_load(fh)
    job = wf["jobs"]["examples"]
    assert job["permissions"]["security-events"] == "write"
    uses = [s for s in job["steps"] if s.get("uses") == "./"]
    assert len(uses) == 1 and uses[0]["with"]["path"] == "examples"
    declared = set(load_action()["inputs"])
    assert set(uses[0]["with"]) <= declared
    # the example is meant to be flagged: the job reports instead of failing, and checks the outputs
    assert uses[0]["with"]["fail-on"] == "never"
    check = next(s for s in job["steps"] if "steps.iaclint.outputs.exit-code" in str(s.get("env")))
    assert 'test "$EXIT_CODE" = 1' in check["run"]


PRE_COMMIT_RUNS = [".env", ".env.production", "apps/web/.env.staging", "prod.env", "infra/main.tf",
                   "envs/prod/prod.tfvars", "stack/main.tf.json", "stack/dev.tfvars.json", "railway.json",
                   "svc/api.railway.toml", "svc/.railway/railway.ts", "INFRA/MAIN.TF"]
PRE_COMMIT_SKIPS = ["README.md", "src/app.py", ".envrc", "environment.md", "package.json", "main.tfstate",
                    "docs/railway.md", "terraform.tf.bak"]


def test_pre_commit_hook_manifest():
    with open(os.path.join(REPO, ".pre-commit-hooks.yaml"), encoding="utf-8") as fh:
        hooks = yaml.safe_load(fh)
    (hook,) = hooks
    assert hook["id"] == "iaclint" and hook["language"] == "python" and hook["entry"] == "iaclint check"
    assert hook["pass_filenames"] is False
    pattern = re.compile(hook["files"])  # pre-commit matches with re.search
    from iaclint.discover import classify

    for path in PRE_COMMIT_RUNS:
        assert pattern.search(path), path
        assert classify(path.lower()) is not None, path  # everything that triggers the hook is read by iaclint
    for path in PRE_COMMIT_SKIPS:
        assert not pattern.search(path), path


def test_pre_commit_entry_exit_codes(tmp_path):
    """What pre-commit runs (`iaclint check` in the repository root, no filenames) fails on findings."""
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n')
    r = subprocess.run([sys.executable, "-m", "iaclint", "check"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    shutil.copytree(os.path.join(REPO, POCKETOS), tmp_path / "pocketos")
    r = subprocess.run([sys.executable, "-m", "iaclint", "check", "--no-color"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 1 and "CS001" in r.stdout and SECRET not in r.stdout


def test_several_paths_one_scan(tmp_path):
    run = run_action(tmp_path, path=f"{POCKETOS}/railway\n  {POCKETOS}/scripts  ", annotations="true")
    assert run.steps["scan"].returncode == 0 and run.outputs["exit-code"] == "1"
    dirs = {a[1].split("/")[2] for a in run.annotations}
    assert dirs == {"railway", "scripts"}, run.annotations


# --------------------------------------------------------------------------------------------- blast-radius diagram


def _mermaid_block(summary: str) -> str:
    assert summary.count("```mermaid\n") == 1, summary
    return summary.split("```mermaid\n", 1)[1].split("```", 1)[0]


def test_summary_draws_the_pocketos_chain(tmp_path):
    """A PR author sees token -> volume pgdata in production and staging -> backups on the same volume."""
    from test_diagram import mermaid_structure

    run = run_action(tmp_path, path=POCKETOS, annotations="false", format="none")
    assert run.steps["report"].returncode == 0, run.steps["report"].stderr
    s = run.summary
    # beside the findings table: after the counts, before the findings
    assert s.index("| **total** |") < s.index("### Blast radius") < s.index("```mermaid") < s.index("### Findings")
    m = mermaid_structure(_mermaid_block(s))
    nodes, edges = m["nodes"], m["edges"]
    token = next(i for i, n in nodes.items() if n["label"].startswith("RAILWAY_API_TOKEN"))
    envs = {c["label"]: c["nodes"] for c in m["clusters"].values()}
    for env in ("production", "staging"):
        vol = next(i for i in envs[env] if nodes[i]["label"].startswith("volume pgdata"))
        assert (token, vol, "account scope: can delete") in edges and "shared" in nodes[vol]["classes"]
        backups = [d for src, d, label in edges if src == vol and label == "backups on the same volume"]
        assert backups and backups[0] in envs[env]
    assert len(s.encode()) < 1024 * 1024 and SECRET not in s


def test_summary_diagram_bounded_and_under_githubs_limit(tmp_path, corpus):
    """The generated corpus with every violation planted: the diagram stays small (40 nodes, under Mermaid's
    50,000-character limit) and the summary under GitHub's 1 MiB per step."""
    from conftest import run_cli
    from test_diagram import mermaid_structure

    root = corpus("c20v")
    sarif, summary = tmp_path / "r.sarif", tmp_path / "summary.md"
    r = run_cli("check", root, "--root", root, "--format", "sarif", "--output", str(sarif), "--source-root", root)
    assert r.returncode == 1, r.stderr
    summary.write_text("")
    r = run_cli("action-report", str(sarif), "--no-annotations", "--log", "none", "--root", root, "--", root,
                env={"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": root})
    assert r.returncode == 0, r.stderr
    s = summary.read_text()
    block = _mermaid_block(s)
    m = mermaid_structure(block)
    assert 10 <= len(m["nodes"]) <= 40 and len(block) < 50_000
    assert any(n["label"].startswith("+") for n in m["nodes"].values())  # bounded: "+N more" nodes
    assert "finding" in {c for n in m["nodes"].values() for c in n["classes"]}
    assert len(s.encode()) < 1024 * 1024


def test_summary_over_the_limit_drops_the_diagram_then_rows():
    from iaclint.report.action import ActionReport, Item, summary_markdown

    items = [Item(level="error", severity="high", path=f"f{i}.tf", line=i + 1, col=1, message="m" * 300,
                  rule_id="DP001", family="deletion-protection") for i in range(100)]
    report = ActionReport(items, [], [])
    diagram = "flowchart LR\n" + "  n000000000001[\"x\"]\n" * 2000
    full = summary_markdown(report, exit_code=1, annotated=0, left_out=0, env={}, diagram=diagram)
    assert "```mermaid" in full
    size = len(full.encode())
    small = summary_markdown(report, exit_code=1, annotated=0, left_out=0, env={}, diagram=diagram,
                             limit=size - 1000)
    assert "```mermaid" not in small and "left out" in small and len(small.encode()) <= size - 1000
    assert small.count("| high | DP001 |") == 100  # the findings table is kept while the diagram is enough
    tiny = summary_markdown(report, exit_code=1, annotated=0, left_out=0, env={}, diagram=diagram, limit=20_000)
    assert len(tiny.encode()) <= 20_000 and 0 < tiny.count("| high | DP001 |") < 100
    none = summary_markdown(report, exit_code=1, annotated=0, left_out=0, env={})
    assert "Blast radius" not in none  # no paths given: no diagram section
