"""Config: discovery, schema validation with file:line errors, CLI precedence, custom YAML rules, init."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import fixture_path, hits, run_cli, scan_dir

from iaclint.config import ConfigError, load_config, rebase_glob, scan_options
from iaclint.scan import scan

CFG = fixture_path("config")


def _scan_with_config(path, **kw):
    opts = scan_options([path], **kw)
    return scan([path], opts), opts.fail_on, opts


def test_config_applies_rules_severity_envs_excludes_and_custom_rules():
    report, fail_on, opts = _scan_with_config(os.path.join(CFG, "basic"))
    assert fail_on == "high"
    got = hits(report)
    # vendor/** excluded; BK002 disabled; the custom ACME001 rule from policies/ runs; the alias acc -> staging
    # makes .env.acc a staging file sharing production's database (ES001)
    assert ("ACME001", "infra/eu/main.tf", 8) in got
    assert ("DP001", "infra/eu/main.tf", 2) in got
    assert ("ES001", ".env.acc", 2) in got
    assert not [h for h in got if h[1].startswith("vendor/") or h[0] == "BK002"]
    by = {(f.rule_id, f.span.path, f.span.line): f for f in report.findings}
    dp = by[("DP001", "infra/eu/main.tf", 2)]
    assert dp.severity == "critical"  # rules.severity uses the rule's name
    assert dp.envs == ["production"]  # environments.paths
    assert not dp.suppression  # rules.unsuppressible rejects the inline ignore
    assert any(d.path == "infra/eu/main.tf" and d.line == 1 and "unsuppressible" in d.message
               for d in report.diagnostics)
    acme = by[("ACME001", "infra/eu/main.tf", 8)]
    assert acme.family == "backup-failure-domain" and "tags.backup_plan" in acme.message


def test_without_config_nothing_of_that_applies():
    report = scan_dir(os.path.join(CFG, "basic"))
    got = hits(report)
    assert ("BK002", "vendor/main.tf", 2) in got
    assert not [h for h in got if h[0] in ("ACME001", "ES001")]
    assert [f for f in report.findings if f.rule_id == "DP001" and f.span.path == "infra/eu/main.tf"][0].severity \
        == "high"  # the override did not leak into the cached rule objects


def test_cli_flags_override_config():
    base = os.path.join(CFG, "basic")
    r = run_cli("check", base, "-f", "json")
    doc = json.loads(r.stdout)
    assert r.returncode == 1  # DP001 is critical >= fail_on high
    ids = {f["rule_id"] for f in doc["findings"]}
    assert {"ACME001", "DP001", "ES001"} <= ids and "BK002" not in ids
    r = run_cli("check", base, "-f", "json", "--select", "ACME001")
    assert r.returncode == 0  # ACME001 is medium, below the config's fail_on high
    assert [(f["rule_id"], f["file"], f["line"]) for f in json.loads(r.stdout)["findings"]] == \
        [("ACME001", "infra/eu/main.tf", 8)]
    r = run_cli("check", base, "-f", "json", "--select", "ACME001", "--fail-on", "medium")
    assert r.returncode == 1
    r = run_cli("check", base, "-f", "json", "--no-config", "--select", "ACME001")
    assert r.returncode == 2 and "--select ACME001: no such rule" in r.stderr  # no config: no custom rule


def test_pyproject_table(tmp_path):
    report, fail_on, _ = _scan_with_config(os.path.join(CFG, "pyproject"))
    assert fail_on == "critical"
    assert hits(report, "BK002") == []
    assert {f.severity for f in report.findings if f.rule_id == "DP001"} == {"low"}
    assert hits(report, "DP001") == [("DP001", "main.tf", 6), ("DP001", "main.tf", 9)]
    r = run_cli("check", os.path.join(CFG, "pyproject"))
    assert r.returncode == 0, r.stdout  # nothing critical


@pytest.mark.parametrize("case,line,text", [
    ("broken_schema", 4, "fail_on: 'urgent' is not one of"),
    ("broken_yaml", 4, "invalid YAML"),
    ("unknown_rule", 5, "unknown rule 'DP999' in rules.severity"),
    ("python_rule", 1, "contains Python (ACME003.py)"),
])
def test_broken_config_exits_2_with_file_and_line(case, line, text):
    path = os.path.join(CFG, case)
    with pytest.raises(ConfigError) as ei:
        scan_options([path])
    assert ei.value.path == os.path.join(path, ".iaclint.yaml") and ei.value.line == line
    assert text in ei.value.message
    r = run_cli("check", path)
    assert r.returncode == 2
    assert f"{os.path.join(path, '.iaclint.yaml')}:{line}:" in r.stderr and "Traceback" not in r.stderr


def test_broken_custom_rule_file_names_the_file():
    path = os.path.join(CFG, "broken_rule")
    r = run_cli("check", path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert os.path.join(path, "policies", "ACME002.yaml") in r.stderr
    assert "'doc' is a required property" in r.stderr


def test_explicit_config_and_glob_rebasing(tmp_path):
    assert rebase_glob("infra/live/**", "/repo", "/repo") == "infra/live/**"
    assert rebase_glob("infra/live/**", "/repo", "/repo/infra") == "live/**"
    assert rebase_glob("./infra/live/**", "/repo", "/repo/infra") == "live/**"
    assert rebase_glob("apps/**", "/repo", "/repo/infra") is None
    assert rebase_glob("**/vendor/**", "/repo", "/repo/infra") == "**/vendor/**"
    assert rebase_glob("live/**", "/repo/infra", "/repo") == "infra/live/**"
    # scanning a subdirectory still finds the config above it, with its globs rebased
    report, fail_on, opts = _scan_with_config(os.path.join(CFG, "basic", "infra"))
    # the repository (the config's directory) is the graph's root: globs and paths are relative to it
    assert fail_on == "high" and opts.env_paths == {"infra/eu/**": "production"}
    assert ("ACME001", "infra/eu/main.tf", 8) in hits(report)
    # an explicit --config elsewhere
    cfg = tmp_path / "team.yaml"
    cfg.write_text("rules:\n  enable: [BK002]\n")
    report, _, _ = _scan_with_config(os.path.join(CFG, "basic"), config=str(cfg))
    assert hits(report) == [("BK002", "infra/eu/main.tf", 2), ("BK002", "vendor/main.tf", 2)]
    with pytest.raises(ConfigError):
        load_config(str(tmp_path / "missing.yaml"))


def test_init_writes_a_valid_starter_and_refuses_to_overwrite(tmp_path):
    shutil.copy(os.path.join(CFG, "pyproject", "main.tf"), tmp_path / "main.tf")
    r = run_cli("init", str(tmp_path))
    assert r.returncode == 0, r.stderr
    text = (tmp_path / ".iaclint.yaml").read_text()
    assert text.count("#") > 10  # commented
    cfg = load_config(str(tmp_path / ".iaclint.yaml"))
    assert cfg.fail_on == "low"
    r = run_cli("check", str(tmp_path))
    assert r.returncode == 1 and "DP001" in r.stdout
    (tmp_path / ".iaclint.yaml").write_text("# mine\nfail_on: critical\n")
    r = run_cli("init", str(tmp_path))
    assert r.returncode == 2 and "already exists" in r.stderr
    assert (tmp_path / ".iaclint.yaml").read_text() == "# mine\nfail_on: critical\n"


def test_two_scans_in_one_process_keep_their_own_configuration():
    """The language server's case: scans with different configuration (environment aliases and path globs,
    stateful types) interleaved and in threads each see only their own (no per-scan module global)."""
    from concurrent.futures import ThreadPoolExecutor

    from iaclint.engine.loader import load_rules
    from iaclint.engine.run import run_rules
    from iaclint.scan import ScanOptions, build_graph

    team, plan = os.path.join(CFG, "basic"), fixture_path("plan", "real")
    runs = {"team": (team, scan_options([team])), "team-plain": (team, ScanOptions()),
            "plan": (plan, ScanOptions(root=plan, stateful_types={"terraform_data"})),
            "plan-plain": (plan, ScanOptions(root=plan))}

    def result(name):
        path, opts = runs[name]
        return hits(scan([path], opts))

    alone = {name: result(name) for name in runs}
    assert ("ES001", ".env.acc", 2) in alone["team"] and ("ES001", ".env.acc", 2) not in alone["team-plain"]
    assert hits_of(alone["plan"], "DP100") and not hits_of(alone["plan-plain"], "DP100")
    # interleaved: graphs built with their configuration, other scans in between, then their rules
    team_graph, _, _ = build_graph([team], runs["team"][1])
    plan_graph, _, _ = build_graph([plan], runs["plan"][1])
    assert result("team-plain") == alone["team-plain"] and result("plan-plain") == alone["plan-plain"]
    acc = [n for n in team_graph.nodes.values() if n.span.path == ".env.acc"]
    assert acc and all(n.env_names == ["staging"] for n in acc)
    es = run_rules(team_graph, load_rules(runs["team"][1].rule_dirs), enabled={"ES001"})
    assert [(f.span.path, f.span.line) for f in es] == [(".env.acc", 2)]
    dp = run_rules(plan_graph, load_rules(), enabled={"DP100"})  # stateful types are read at rule time
    assert [(f.rule_id, f.span.path) for f in dp] == [("DP100", "plan.json")]
    # concurrently, each configuration several times
    with ThreadPoolExecutor(max_workers=4) as pool:
        names = list(runs) * 3
        for name, got in zip(names, pool.map(result, names)):
            assert got == alone[name], name


def hits_of(found, rule_id):
    return [h for h in found if h[0] == rule_id]


def test_blast_radius_honours_the_config(tmp_path):
    """blast-radius builds its graph with the same options as check: aliases, path globs, excludes."""
    (tmp_path / "envs" / "acc").mkdir(parents=True)
    (tmp_path / "envs" / "acc" / "main.tf").write_text(
        'resource "aws_db_instance" "orders" {\n  identifier = "orders"\n}\n')
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "main.tf").write_text('resource "aws_s3_bucket" "v" {\n  bucket = "vendored"\n}\n')
    (tmp_path / "ci.sh").write_text("export AWS_ACCESS_KEY_ID=AKIAQ7R2T9W4Y6U3P8Z5\n")

    def targets(*args):
        r = run_cli("blast-radius", str(tmp_path), "--format", "json", *args)
        assert r.returncode == 0, r.stderr
        [c] = json.loads(r.stdout)["credentials"]
        return sorted((t["name"], tuple(t["environments"])) for t in c["targets"])

    assert targets() == [("aws_db_instance.orders", ()), ("aws_s3_bucket.v", ())]
    (tmp_path / ".iaclint.yaml").write_text('environments:\n  aliases:\n    acc: staging\nexclude: ["vendor/**"]\n')
    assert targets() == [("aws_db_instance.orders", ("staging",))]
    assert targets("--no-config") == [("aws_db_instance.orders", ()), ("aws_s3_bucket.v", ())]
    (tmp_path / ".iaclint.yaml").write_text("fail_on: urgent\n")
    r = run_cli("blast-radius", str(tmp_path))
    assert r.returncode == 2 and f"{tmp_path / '.iaclint.yaml'}:1:" in r.stderr
