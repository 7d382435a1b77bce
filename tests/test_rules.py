"""Every rule's fixtures, table-driven and in-process (like tflint's {name, content, expected} tables, with the
expectations beside the fixture as in checkov).

tests/fixtures/rules/<ID>/ holds a `pos` and a `neg` case (more cases: `pos-*`, `neg-*`). Each case is a directory
scanned as a repository, with an `expected.yaml` beside its files:

- a list of `{file, line}` (optionally `message`: a substring, and `rule`: another rule this tree also shows;
  default: the folder's rule) — exactly the findings of those rules, no more, no fewer;
- or `{also: [IDs], findings: [...]}` to check further rules on the same tree (a neg case: none of them fires).

A `neg` case also fails when the rule reports a value it cannot verify there (filed under DP900/BK900).
"""
from __future__ import annotations

import glob
import os
from collections import Counter

import pytest
import yaml

from conftest import fixture_path, scan_dir
from iaclint import builtin_rules_dir
from iaclint.engine.loader import DATA_FILES

RULES_FIXTURES = fixture_path("rules")
RULE_IDS = sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(builtin_rules_dir(), "*.yaml"))
                  if os.path.basename(p) not in DATA_FILES)
CASES = sorted((rid, case) for rid in RULE_IDS if os.path.isdir(os.path.join(RULES_FIXTURES, rid))
               for case in os.listdir(os.path.join(RULES_FIXTURES, rid))
               if os.path.isfile(os.path.join(RULES_FIXTURES, rid, case, "expected.yaml")))


def load_expected(rule_id: str, case: str) -> tuple[set, list[dict]]:
    """(rules checked, expected findings each with its rule)."""
    with open(os.path.join(RULES_FIXTURES, rule_id, case, "expected.yaml"), encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    if isinstance(doc, dict):
        also, findings = doc.get("also", []), doc.get("findings") or []
    else:
        also, findings = [], doc or []
    findings = [{"rule": rule_id, **e} for e in findings]
    return {rule_id, *also, *(e["rule"] for e in findings)}, findings


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_rule_has_pos_and_neg_cases(rule_id):
    for kind in ("pos", "neg"):
        assert (rule_id, kind) in CASES, f"tests/fixtures/rules/{rule_id}/{kind}/expected.yaml is missing"


@pytest.mark.parametrize("rule_id,case", CASES, ids=[f"{r}/{c}" for r, c in CASES])
def test_rule_case(rule_id, case):
    checked, expected = load_expected(rule_id, case)
    report = scan_dir(os.path.join(RULES_FIXTURES, rule_id, case))
    assert not report.tool_errors, report.tool_errors
    assert not [d for d in report.diagnostics if d.level == "error"], report.diagnostics
    found = [f for f in report.findings if f.rule_id in checked and not f.suppression]
    got = Counter((f.rule_id, f.span.path, f.span.line) for f in found)
    assert got == Counter((e["rule"], e["file"], e["line"]) for e in expected)
    for e in expected:
        if "message" in e:
            assert any(e["message"] in f.message for f in found
                       if (f.rule_id, f.span.path, f.span.line) == (e["rule"], e["file"], e["line"])), e
    if case.startswith("pos"):
        assert any(e["rule"] == rule_id for e in expected), "a pos case must expect a finding of its rule"
    else:
        assert not expected
        assert not [f for f in report.findings if f.properties.get("cannot_verify") == rule_id]


def test_a_custom_python_rule_is_bound_by_file_name(tmp_path):
    """--rules-dir works like rules/: ID.yaml with check type python, ID.py beside it defining check(ctx)."""
    from iaclint.engine.loader import RuleError, load_rules

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "ZZ010.yaml").write_text(
        "id: ZZ010\nname: no-scratch-tables\ntitle: A table named scratch\nfamily: deletion-protection\n"
        "severity: low\ncheck:\n  type: python\ndoc:\n  what: x\n  why: y\n")
    (rules / "ZZ010.py").write_text(
        "def check(ctx):\n"
        "    for n in ctx.graph.nodes_of_type('aws_dynamodb_table'):\n"
        "        if n.attrs.get('name') == 'scratch':\n"
        "            yield ctx.finding(n, f\"{n.meta['address']} is a scratch table\")\n")
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.tf").write_text('resource "aws_dynamodb_table" "t" {\n  name = "scratch"\n}\n')
    report = scan_dir(str(src), rule_dirs=[str(rules)], enabled={"ZZ010"})
    assert [(f.rule_id, f.span.line, f.message) for f in report.findings] == \
        [("ZZ010", 1, "aws_dynamodb_table.t is a scratch table")]
    other = tmp_path / "other"  # (load_rules caches per directory list)
    other.mkdir()
    (other / "helpers.py").write_text("X = 1\n")  # a module no rule declares: grab-bags are refused
    with pytest.raises(RuleError, match="helpers.py: no helpers.yaml declares this rule"):
        load_rules([str(other)])
