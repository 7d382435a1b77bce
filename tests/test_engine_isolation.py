"""The engine never lets an Unknown or a broken check take findings down: an internal error is isolated to the one
resource being checked (ctx.each), every rule survives a graph where every value is Unknown, and example/test
trees are capped in one place."""
from __future__ import annotations

import glob
import os

import pytest

from conftest import fixture_path, hits, scan_dir
from iaclint.engine.loader import load_rules
from iaclint.engine.run import run_rules
from iaclint.scan import ScanOptions, build_graph
from iaclint.terraform.values import Unknown

CASE_DIRS = sorted(d for d in glob.glob(os.path.join(fixture_path("rules"), "*", "*"))
                   if os.path.isfile(os.path.join(d, "expected.yaml")))
TF_KINDS = ("tf_resource", "tf_resource_unused", "tf_data", "plan_resource")
# `statement or []` on an Unknown statement list: to be fixed with the credential-scope rework (rules/CS*), then
# removed from here


def _leaves_unknown(v, why):
    """Same shape (blocks stay lists of dicts, maps stay maps), every scalar Unknown."""
    if isinstance(v, dict):
        return {k: _leaves_unknown(x, why) for k, x in v.items()}
    if isinstance(v, list):
        return [_leaves_unknown(x, why) for x in v]
    return Unknown(why)


def _attrs_unknown(attrs, why):
    """Every attribute, block and map (tags included) is one Unknown."""
    return {k: Unknown(why) for k in attrs}


@pytest.mark.parametrize("make", [_leaves_unknown, _attrs_unknown], ids=["leaves", "attributes"])
def test_every_rule_survives_a_graph_where_every_value_is_unknown(make):
    rules = load_rules()
    errors: list = []
    for case in CASE_DIRS:
        graph, _, _ = build_graph([case], ScanOptions(root=case))
        for n in graph.nodes.values():
            if n.kind in TF_KINDS:
                n.attrs = make(n.attrs, "data.x.y is known only after apply")
        graph._derived.clear()
        run_rules(graph, rules, errors=errors)
        assert not errors, (case, errors)


def test_trial_repros_run_without_internal_errors():
    bk = scan_dir(fixture_path("rules/BK008/pos-unknown-name"))
    assert not bk.tool_errors and hits(bk, "BK008") == [("BK008", "main.tf", 15)] and not hits(bk, "BK900")
    dp = scan_dir(fixture_path("rules/DP021/pos-unknown-scope"))
    assert not dp.tool_errors and ("DP900", "main.tf", 12) in hits(dp)


RULE_YAML = ("id: {id}\nname: {name}\ntitle: A test rule\nfamily: deletion-protection\nseverity: high\ncheck:\n"
             "  type: python\ndoc:\n  what: x\n  why: y\n")


def _rule(tmp_path, rid, body):
    d = tmp_path / f"rules_{rid}"
    d.mkdir()
    (d / f"{rid}.yaml").write_text(RULE_YAML.format(id=rid, name=rid.lower()))
    (d / f"{rid}.py").write_text(body)
    return str(d)


def _tables(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.tf").write_text("".join(f'resource "aws_dynamodb_table" "{n}" {{\n  name = "{n}"\n}}\n\n'
                                         for n in ("a", "b", "c", "d")))
    return str(src)


FAILS_ON_B = ("def check(ctx):\n"
              "    for n in ctx.each(sorted(ctx.graph.nodes_of_type('aws_dynamodb_table'), key=lambda n: n.name)):\n"
              "        if n.attrs['name'] in ('b', 'c'):\n"
              "            raise TypeError('Unknown has no truth value')\n"
              "        yield ctx.finding(n, n.meta['address'])\n")


@pytest.mark.parametrize("body", [FAILS_ON_B, FAILS_ON_B.replace("        yield ctx.finding(n, n.meta['address'])\n",
                                                                 "        out.append(ctx.finding(n, n.meta['address']))\n"
                                                                 "    return out\n")
                                  .replace("def check(ctx):\n", "def check(ctx):\n    out = []\n")],
                         ids=["generator", "list"])
def test_an_error_is_isolated_to_the_resource_and_the_rule_goes_on(tmp_path, body):
    report = scan_dir(_tables(tmp_path), rule_dirs=[_rule(tmp_path, "ZZ020", body)], enabled={"ZZ020"})
    assert [f.message for f in report.findings] == ["aws_dynamodb_table.a", "aws_dynamodb_table.d"]  # once each
    assert report.tool_errors == [
        "rule ZZ020 failed on aws_dynamodb_table.b (main.tf:5): TypeError: Unknown has no truth value; the rule was "
        "run on the other resources",
        "rule ZZ020 failed on aws_dynamodb_table.c (main.tf:9): TypeError: Unknown has no truth value; the rule was "
        "run on the other resources"]


def test_a_rule_without_ctx_each_keeps_per_rule_isolation(tmp_path):
    body = ("def check(ctx):\n"
            "    yield ctx.finding(None, 'first')\n"
            "    raise ValueError('boom')\n")
    report = scan_dir(_tables(tmp_path), rule_dirs=[_rule(tmp_path, "ZZ021", body)], enabled={"ZZ021"})
    assert [f.message for f in report.findings] == ["first"]
    assert report.tool_errors == ["rule ZZ021 failed: ValueError: boom"]


def _db(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write('resource "aws_db_instance" "orders" {\n  identifier = "orders"\n}\n')


def test_example_and_test_trees_are_capped_at_low_by_path_from_the_scan_root(tmp_path):
    _db(str(tmp_path / "main.tf"))
    _db(str(tmp_path / "examples" / "complete" / "main.tf"))
    _db(str(tmp_path / "fixtures" / "setup" / "main.tf"))
    (tmp_path / "examples" / "module_use").mkdir()
    (tmp_path / "examples" / "module_use" / "main.tf").write_text('module "db" {\n  source = "../../modules/db"\n}\n')
    _db(str(tmp_path / "modules" / "db" / "main.tf"))
    report = scan_dir(str(tmp_path), enabled={"DP001"})
    by = {(f.span.path, tuple(f.module_roots)): f for f in report.findings}
    assert by[("main.tf", ())].severity == "high" and "example_tree" not in by[("main.tf", ())].properties
    for key, kind in ((("examples/complete/main.tf", ()), "example"), (("fixtures/setup/main.tf", ()), "test")):
        f = by[key]
        assert (f.severity, f.properties["example_tree"], f.properties["severity_capped_from"]) == ("low", kind, "high")
    # a module only examples call: its finding is the module's (its default holds for every caller)
    assert by[("modules/db/main.tf", ("examples/module_use",))].severity == "high"
    # the tree scanned as the root itself is not an example tree (a rule fixture under tests/ stays meaningful)
    assert {f.severity for f in scan_dir(str(tmp_path / "examples" / "complete"), enabled={"DP001"}).findings} == {"high"}
    # configurable: off reports them at the rule's severity
    off = scan_dir(str(tmp_path), enabled={"DP001"}, example_trees_severity=None)
    assert {f.severity for f in off.findings} == {"high"}
