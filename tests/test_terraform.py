"""Terraform semantics: evaluator, variables per environment, modules, for_each, .tf.json, plan JSON gate,
and the differential test against python-hcl2 (the oracle)."""
from __future__ import annotations

import glob
import os
import re
import subprocess

import pytest

from conftest import FIXTURES, REPO, fixture_path, hits, scan_dir
from iaclint.parsers.hcl import parse_hcl
from iaclint.parsers import hclast
from iaclint.terraform.evaluate import Evaluator, Resolver, Scope
from iaclint.terraform.values import Unknown

TF = fixture_path("tf")


class _Vars(Resolver):
    def __init__(self, variables=None, locals_=None):
        self.v = variables or {}
        self.l = locals_ or {}

    def variable(self, name):
        return self.v[name] if name in self.v else Unknown(f"variable {name!r} has no value")

    def local(self, name):
        return self.l.get(name, Unknown("no local"))

    def workspace(self):
        return "staging"


def ev(src: str, **variables):
    body, diags = parse_hcl(f"x = {src}\n".encode(), "t.tf")
    assert not diags, diags
    return Evaluator().eval(body.attributes["x"].expr, Scope(path="t.tf", resolver=_Vars(variables)))


@pytest.mark.parametrize("src,vars_,expected", [
    ('"a-${var.env}-b"', {"env": "prod"}, "a-prod-b"),
    ("var.n * 2 + 1", {"n": 20}, 41),
    ("var.on ? \"yes\" : \"no\"", {"on": False}, "no"),
    ("[for s in var.l : upper(s) if s != \"\"]", {"l": ["a", "", "b"]}, ["A", "B"]),
    ("{ for k, v in var.m : v => k }", {"m": {"a": "x", "b": "y"}}, {"x": "a", "y": "b"}),
    ("{ for k, v in var.m : v => k... }", {"m": {"a": "x", "b": "x"}}, {"x": ["a", "b"]}),
    ("var.objs[*].name", {"objs": [{"name": "a"}, {"name": "b"}]}, ["a", "b"]),
    ("jsondecode(jsonencode({a = [1, true]}))", {}, {"a": [1, True]}),
    ("merge(var.a, { y = 2 })", {"a": {"x": 1}}, {"x": 1, "y": 2}),
    ("lookup(var.m, \"k\", \"dflt\")", {"m": {}}, "dflt"),
    ("try(var.m.missing, \"fallback\")", {"m": {}}, "fallback"),
    ("can(var.m.missing)", {"m": {}}, False),
    ("coalesce(\"\", var.s)", {"s": "x"}, "x"),
    ("concat([1], var.l)", {"l": [2, 3]}, [1, 2, 3]),
    ("format(\"%s-%03d\", \"db\", 7)", {}, "db-007"),
    ("join(\",\", split(\"-\", \"a-b-c\"))", {}, "a,b,c"),
    ("tostring(5)", {}, "5"),
    ("toset([\"b\", \"a\", \"b\"])", {}, ["a", "b"]),
    ("length(var.l)", {"l": [1, 2]}, 2),
    ("contains(var.l, \"x\")", {"l": ["x"]}, True),
    ("element(var.l, 3)", {"l": ["a", "b"]}, "b"),
    ("flatten([[1], [2, [3]]])", {}, [1, 2, 3]),
    ("keys({b = 1, a = 2})", {}, ["a", "b"]),
    ("replace(\"a.b.c\", \".\", \"-\")", {}, "a-b-c"),
    ("startswith(\"prod-db\", \"prod\")", {}, True),
    ("terraform.workspace", {}, "staging"),
    ("!var.b && true", {"b": False}, True),
    ("-var.n", {"n": 3}, -3),
    ("var.m[\"k\"].z[0]", {"m": {"k": {"z": ["first"]}}}, "first"),
])
def test_evaluator(src, vars_, expected):
    assert ev(src, **vars_) == expected


def test_unknown_carries_reason():
    v = ev("var.missing")
    assert isinstance(v, Unknown) and "missing" in v.reason
    v = ev("aws_db_instance.x.arn")
    assert isinstance(v, Unknown)
    # short-circuit: a known operand decides
    assert ev("false && var.missing") is False
    assert ev("upper(var.missing)") == Unknown("variable 'missing' has no value")


def test_heredoc_and_escapes():
    src = b'x = <<-EOT\n    {\n      "a": "${var.v}"\n    }\n  EOT\ny = "tab\\tq\\"$${lit}"\n'
    body, diags = parse_hcl(src, "t.tf")
    assert not diags
    s = Scope(path="t.tf", resolver=_Vars({"v": "1"}))
    assert Evaluator().eval(body.attributes["x"].expr, s) == '{\n  "a": "1"\n}\n'
    assert Evaluator().eval(body.attributes["y"].expr, s) == 'tab\tq"${lit}'


def test_tfvars_value_flagged_only_in_its_environment_at_tfvars_line():
    report = scan_dir(os.path.join(TF, "envvars"))
    dp = [f for f in report.findings if f.rule_id == "DP001"]
    assert [(f.span.path, f.span.line, f.envs) for f in dp] == [("envs/production.tfvars", 2, ["production"])]
    assert ("main.tf", 15) in {(l.span.path, l.span.line) for l in dp[0].related}
    cs = [f for f in report.findings if f.rule_id == "CS003"]
    assert [(f.span.path, f.span.line, f.envs) for f in cs] == [("envs/staging.tfvars", 3, ["staging"])]


def test_module_violation_names_both_callers():
    report = scan_dir(os.path.join(TF, "modcallers"))
    cs = [f for f in report.findings if f.rule_id == "CS003"]
    assert len(cs) == 1
    f = cs[0]
    assert (f.span.path, f.span.line) == ("modules/db/main.tf", 7)
    assert f.envs == ["production", "staging"]
    rel = {(l.span.path, l.span.line) for l in f.related}
    assert {("environments/production/main.tf", 1), ("environments/staging/main.tf", 1)} <= rel
    assert "environments/production, environments/staging" in f.message
    dp = [f for f in report.findings if f.rule_id == "DP001"]
    assert [(f.span.path, f.span.line, f.envs) for f in dp] == [("modules/db/main.tf", 10, ["production"])]


def test_unknown_value_is_cannot_verify_not_pass():
    report = scan_dir(os.path.join(TF, "unknown"))
    assert hits(report, "DP001") == []
    cv = [f for f in report.findings if f.rule_id == "DP900"]
    assert len(cv) == 1 and cv[0].severity == "low"
    assert "protect" in cv[0].message and "DP001" in cv[0].message
    assert (cv[0].span.path, cv[0].span.line) == ("main.tf", 1)


def test_for_each_instances_are_named():
    report = scan_dir(os.path.join(TF, "foreach"))
    dp = [f for f in report.findings if f.rule_id == "DP001"]
    assert len(dp) == 1
    assert 'aws_db_instance.db["billing"]' in dp[0].message
    assert (dp[0].span.path, dp[0].span.line) == ("main.tf", 12)  # the each.value line in the resource


def test_tf_json():
    report = scan_dir(os.path.join(TF, "tfjson"))
    assert hits(report, "DP001") == [("DP001", "main.tf.json", 11)]


def test_plan_json_gate_hand_written():
    report = scan_dir(os.path.join(TF, "plan_hand"))
    assert hits(report, "DP100") == [("DP100", "production.plan.json", 32), ("DP100", "production.plan.json", 43)]
    msgs = {f.span.line: f.message for f in report.findings if f.rule_id == "DP100"}
    assert "deletes aws_db_instance.orders" in msgs[32]
    assert "replaces aws_rds_cluster.ledger" in msgs[43] and "cluster_identifier" in msgs[43]
    # the same rules run on planned values; a planned delete is not re-checked on its old values
    assert hits(report, "DP001") == [("DP001", "production.plan.json", 43)]
    assert hits(report, "BK002") == []


def test_plan_json_gate_real_terraform_plan():
    """plan.json was produced by terraform 1.11 (`terraform show -json plan.out`) from main.tf.txt:
    terraform_data.database is replaced through replace_triggered_by."""
    from iaclint.scan import ScanOptions, scan

    d = os.path.join(FIXTURES, "plan", "real")
    report = scan([d], ScanOptions(stateful_types={"terraform_data"}))
    got = [(f.rule_id, f.span.path, f.severity) for f in report.findings if f.rule_id == "DP100"]
    assert got == [("DP100", "plan.json", "critical")]
    assert "terraform_data.database" in report.findings[0].message
    assert "replace_by_triggers" in report.findings[0].message
    # without declaring it stateful, terraform_data is not a data store
    assert hits(scan([d], ScanOptions()), "DP100") == []


@pytest.mark.skipif(not __import__("shutil").which("terraform"), reason="terraform not installed")
def test_real_plan_regenerates(tmp_path):
    """Build the plan again with the installed terraform (offline: terraform_data is built in) and gate it."""
    import shutil

    shutil.copy(os.path.join(FIXTURES, "plan", "real", "main.tf.txt"), tmp_path / "main.tf")
    env = dict(os.environ, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    run = lambda *a: subprocess.run(["terraform", *a], cwd=tmp_path, env=env, capture_output=True, text=True,
                                    timeout=120)
    if run("init", "-input=false").returncode != 0:
        pytest.skip("terraform init failed (offline)")
    assert run("apply", "-auto-approve", "-input=false").returncode == 0
    assert run("plan", "-out=plan.out", "-var", "db_version=17", "-input=false").returncode == 0
    show = run("show", "-json", "plan.out")
    out = tmp_path / "gate"
    out.mkdir()
    (out / "plan.json").write_text(show.stdout)
    from iaclint.scan import ScanOptions, scan

    report = scan([str(out)], ScanOptions(stateful_types={"terraform_data"}))
    assert [f.rule_id for f in report.findings if f.rule_id == "DP100"] == ["DP100"]


# ------------------------------------------------------------------ differential test vs python-hcl2
hcl2 = pytest.importorskip("hcl2")

_HCL2_ESC = re.compile(r'\\(u[0-9a-fA-F]{4}|.)')


def _unquote(s: str):
    """python-hcl2 keeps string literals quoted and escapes raw; expressions are "${...}"."""
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        inner = s[1:-1]
        if "${" in inner.replace("$${", "") or "%{" in inner.replace("%%{", ""):
            return _SKIP
        inner = _HCL2_ESC.sub(lambda m: {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}.get(
            m.group(1), chr(int(m.group(1)[1:], 16)) if m.group(1)[0] == "u" else m.group(0)), inner)
        return inner.replace("$${", "${").replace("%%{", "%{")
    return _SKIP  # an expression, a heredoc: not comparable as a literal


_SKIP = object()


def _norm(v):
    if isinstance(v, str):
        return _unquote(v)
    if isinstance(v, list):
        out = [_norm(x) for x in v]
        return _SKIP if any(x is _SKIP for x in out) else out
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k == "__is_block__":
                continue
            kk = _unquote(k) if k.startswith('"') else k
            nx = _norm(x)
            if nx is _SKIP or kk is _SKIP:
                return _SKIP
            out[kk] = nx
        return out
    return v


def _literal_only(e) -> bool:
    if isinstance(e, hclast.Lit):
        return True
    if isinstance(e, hclast.TupleExpr):
        return all(_literal_only(x) for x in e.items)
    if isinstance(e, hclast.ObjectExpr):
        return all(_literal_only(k) and _literal_only(v) for k, v in e.items)
    if isinstance(e, hclast.Unary) and e.op == "-":
        return _literal_only(e.expr)
    return False


def _compare_body(ours: hclast.Body, theirs: dict, where: str, counter: list):
    ev_ = Evaluator()
    for name, a in ours.attributes.items():
        if name not in theirs:
            continue
        if isinstance(theirs[name], str) and theirs[name].startswith('"<<'):
            continue  # python-hcl2 returns heredocs raw, not as values
        if not _literal_only(a.expr):
            continue
        expected = _norm(theirs[name])
        if expected is _SKIP:
            continue
        got = ev_.eval(a.expr, Scope(path=where))
        assert got == expected, f"{where}: attribute {name}: iaclint {got!r} != python-hcl2 {expected!r}"
        counter[0] += 1
    by_type: dict = {}
    for b in ours.blocks:
        by_type.setdefault(b.type, []).append(b)
    for btype, blocks in by_type.items():
        theirs_list = theirs.get(btype)
        if not isinstance(theirs_list, list):
            continue
        flat = []
        for item in theirs_list:
            flat.extend(_flatten_labels(item, len(blocks[0].labels)))
        assert len(flat) == len(blocks), f"{where}: {btype}: {len(blocks)} blocks vs python-hcl2 {len(flat)}"
        for b, (labels, content) in zip(blocks, flat):
            assert labels == b.labels, f"{where}: block labels {b.labels} vs {labels}"
            _compare_body(b.body, content, f"{where}/{btype}", counter)


def _flatten_labels(item, n):
    if n == 0:
        return [([], item)]
    out = []
    for k, v in item.items():
        if k == "__is_block__":
            continue
        label = _unquote(k) if k.startswith('"') else k
        for labels, content in _flatten_labels(v, n - 1):
            out.append(([label] + labels, content))
    return out


def _differential(paths):
    counter = [0]
    for p in paths:
        with open(p, "rb") as fh:
            src = fh.read()
        body, diags = parse_hcl(src, p)
        if diags:
            continue  # invalid on purpose (bad-input fixtures)
        try:
            theirs = hcl2.loads(src.decode("utf-8"))
        except Exception:  # python-hcl2 cannot read it: nothing to compare
            continue
        _compare_body(body, theirs, p, counter)
    return counter[0]


def test_differential_fixtures():
    paths = sorted(glob.glob(os.path.join(FIXTURES, "**", "*.tf"), recursive=True) +
                   glob.glob(os.path.join(FIXTURES, "**", "*.tfvars"), recursive=True) +
                   glob.glob(os.path.join(REPO, "examples", "**", "*.tf"), recursive=True))
    assert _differential(paths) > 50


@pytest.mark.slow
def test_differential_generated_corpus(corpus):
    root = corpus("c20")
    paths = sorted(glob.glob(os.path.join(root, "**", "*.tf"), recursive=True) +
                   glob.glob(os.path.join(root, "**", "*.tfvars"), recursive=True))
    assert _differential(paths) > 1000


def test_var_file_option_defines_an_environment():
    from iaclint.scan import ScanOptions, scan

    d = os.path.join(TF, "varfile")
    assert hits(scan_dir(d), "DP001") == []  # the default protects
    report = scan([d], ScanOptions(var_files=[os.path.join(d, "extra", "live-eu.tfvars")]))
    dp = [f for f in report.findings if f.rule_id == "DP001"]
    assert [(f.span.path, f.span.line, f.envs) for f in dp] == [("extra/live-eu.tfvars", 1, ["production"])]


def test_tf_var_environment_only_when_asked(monkeypatch):
    from iaclint.scan import ScanOptions, scan

    d = os.path.join(TF, "varfile")
    monkeypatch.setenv("TF_VAR_protect", "false")
    assert hits(scan([d], ScanOptions()), "DP001") == []
    assert hits(scan([d], ScanOptions(tf_var_env=True)), "DP001") == [("DP001", "main.tf", 8)]


def test_remote_modules_reported_once_as_not_scanned():
    report = scan_dir(os.path.join(TF, "remote"))
    notes = [(d.path, d.line) for d in report.diagnostics if "not scanned" in d.message]
    assert notes == [("main.tf", 1), ("main.tf", 6)]
    assert not [d for d in report.diagnostics if d.level == "error"]


def test_module_cycle_is_reported():
    report = scan_dir(os.path.join(TF, "cycle"))
    cyc = [d for d in report.diagnostics if "module cycle" in d.message]
    assert cyc and cyc[0].level == "error"
    assert "a -> b -> a" in cyc[0].message.replace("cycle/", "")


def test_dynamic_blocks_count_as_the_blocks_they_produce():
    report = scan_dir(os.path.join(TF, "dynamic"))
    cs = [f for f in report.findings if f.rule_id == "CS003"]
    assert len(cs) == 1 and "statement 2" in cs[0].message


def test_stateful_types_from_cli_and_config(tmp_path):
    from conftest import cli_in_process

    d = os.path.join(FIXTURES, "plan", "real")
    r = cli_in_process("check", d, "--format", "json")
    assert '"DP100"' not in r.stdout
    r = cli_in_process("check", d, "--format", "json", "--stateful-type", "terraform_data")
    assert r.returncode == 1 and '"rule_id": "DP100"' in r.stdout
    cfg = tmp_path / "iaclint.yaml"
    cfg.write_text("stateful_types: [terraform_data]\n")
    r = cli_in_process("check", d, "--format", "json", "--config", str(cfg))
    assert r.returncode == 1 and '"rule_id": "DP100"' in r.stdout
    cfg.write_text("stateful_types: [Not-A-Type]\n")
    r = cli_in_process("check", d, "--config", str(cfg))
    assert r.returncode == 2 and "iaclint.yaml" in r.stderr


def test_block_with_no_instances_is_judged_only_on_its_static_lifecycle():
    report = scan_dir(os.path.join(TF, "zero_instances"))
    got = [(f.rule_id, f.span.line) for f in report.findings]
    assert got == [("DP012", 12)]
    assert "creates no instance here yet" in report.findings[0].message
