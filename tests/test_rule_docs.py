"""Every rule's page is tested: its Example snippet fires the rule, its Use-instead snippet does not.

The snippets come from the rule's YAML doc (the one source of the page, SARIF help and `iaclint explain`);
each is written to a fresh directory as doc.example_file (default main.tf) and scanned. A snippet that
needs several files marks each further file with a line `# file: PATH` (or `// file: PATH`); the marker
lines are not written.
"""
from __future__ import annotations

import os
import re

import pytest

from conftest import scan_dir
from iaclint.engine.loader import load_rules

RULES = load_rules()
WITH_EXAMPLES = [r for r in RULES if r.doc.get("example")]


FILE_MARKER = re.compile(r"^\s*(?:#|//)\s*file:\s*(\S+)\s*$")


def split_snippet(default_name: str, text: str) -> dict[str, str]:
    """{file name: content}: the text before any `# file: PATH` marker belongs to default_name."""
    files: dict[str, list] = {}
    cur = default_name
    for line in text.splitlines(keepends=True):
        m = FILE_MARKER.match(line)
        if m:
            cur = m.group(1)
            continue
        files.setdefault(cur, []).append(line)
    return {k: "".join(v) for k, v in files.items() if "".join(v).strip() or k == default_name}


def _scan_snippet(tmp_path, rule, text: str):
    for name, content in split_snippet(rule.doc.get("example_file") or "main.tf", text).items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
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
    from conftest import cli_in_process

    r = cli_in_process("rules")
    assert r.returncode == 0, r.stderr
    for rule in RULES:
        assert rule.id in r.stdout and rule.name in r.stdout


def test_split_snippet():
    assert split_snippet("a.tf", "x = 1\n# file: b/.env\nK=v\n") == {"a.tf": "x = 1\n", "b/.env": "K=v\n"}
    assert split_snippet("main.tf", "// file: railway.json\n{}\n") == {"railway.json": "{}\n"}


def test_docs_rules_md_is_up_to_date():
    """docs/rules.md is generated from the YAML: run `python3 scripts/gen_rules_doc.py` after editing a rule."""
    import importlib.util

    from conftest import REPO

    spec = importlib.util.spec_from_file_location("gen_rules_doc", os.path.join(REPO, "scripts", "gen_rules_doc.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with open(os.path.join(REPO, "docs", "rules.md"), encoding="utf-8") as fh:
        assert fh.read() == mod.render(), "docs/rules.md is stale: run python3 scripts/gen_rules_doc.py"
    # README.md's rule table (between <!-- rules:start --> and <!-- rules:end -->) lists every rule, up to date
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    assert readme == mod.update_readme(readme), "README.md's rule table is stale: run python3 scripts/gen_rules_doc.py"
    block = readme[readme.index(mod.README_START):readme.index(mod.README_END)]
    for r in RULES:
        assert f"| [{r.id}](docs/rules.md#{r.id.lower()}) | {r.severity} | {r.family} |" in block, r.id
