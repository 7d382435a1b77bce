"""Every rule's page is tested: its Example snippet fires the rule, its Use-instead snippet does not.

The snippets come from the rule's YAML doc (the one source of the page, SARIF help and `iaclint explain`);
each is written to a fresh directory as doc.example_file (default main.tf) and scanned.
"""
from __future__ import annotations

import os

import pytest

from conftest import scan_dir
from iaclint.engine.loader import load_rules

RULES = load_rules()
WITH_EXAMPLES = [r for r in RULES if r.doc.get("example")]


def _scan_snippet(tmp_path, rule, text: str):
    name = rule.doc.get("example_file") or "main.tf"
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return scan_dir(str(tmp_path))


def _fired(report, rule_id):
    return [f for f in report.findings if f.rule_id == rule_id and not f.suppression]


def test_every_rule_has_a_complete_page():
    for r in RULES:
        missing = [k for k in ("what", "why", "example", "use_instead", "references") if not r.doc.get(k)]
        assert not missing, f"{r.id} ({r.path}) doc lacks {missing}"


@pytest.mark.parametrize("rule", WITH_EXAMPLES, ids=[r.id for r in WITH_EXAMPLES])
def test_example_fires(tmp_path, rule):
    report = _scan_snippet(tmp_path, rule, rule.doc["example"])
    assert _fired(report, rule.id), (
        f"{rule.id}: the doc Example does not trigger the rule; findings: "
        f"{[(f.rule_id, f.span.line, f.message) for f in report.findings]}; diagnostics: "
        f"{[d.message for d in report.diagnostics]}")


@pytest.mark.parametrize("rule", [r for r in WITH_EXAMPLES if r.doc.get("use_instead")],
                         ids=[r.id for r in WITH_EXAMPLES if r.doc.get("use_instead")])
def test_use_instead_passes(tmp_path, rule):
    report = _scan_snippet(tmp_path, rule, rule.doc["use_instead"])
    fired = _fired(report, rule.id)
    assert not fired, f"{rule.id}: the doc Use-instead still triggers the rule: {[f.message for f in fired]}"
    assert not [d for d in report.diagnostics if d.level == "error"], \
        f"{rule.id}: the Use-instead snippet does not parse: {[d.message for d in report.diagnostics]}"


def test_rules_command_lists_every_rule():
    from conftest import run_cli

    r = run_cli("rules")
    assert r.returncode == 0, r.stderr
    for rule in RULES:
        assert rule.id in r.stdout and rule.name in r.stdout
