"""environment-separation beyond the fixture table (tests/test_rules.py): messages say why, environments are
explained, doc examples."""
from __future__ import annotations

import pytest

from conftest import fixture_path, hits, run_cli, scan_dir

ES = {"ES001", "ES002", "ES003", "ES004", "ES005", "ES006", "ES007"}


def test_messages_say_why():
    r = scan_dir(fixture_path("rules", "ES005", "pos"), enabled=ES)
    msgs = {(f.rule_id, f.span.line): f.message for f in r.findings}
    assert "production/db/terraform.tfstate" in msgs[("ES003", 5)]
    assert "declared only for production" in msgs[("ES004", 19)]
    assert "svc/.env.production:3" in msgs[("ES006", 3)]
    for m in msgs.values():
        assert "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c" not in m and "pw-staging-1" not in m


def test_explain_environments_lists_reasons():
    r = run_cli("check", fixture_path("rules", "ES005", "pos"), "--explain-environments")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "envs/staging/main.tf:1  tf_data data.terraform_remote_state.db  ->  staging (root module in directory 'staging')" in out
    assert "svc/.env.staging  env file  ->  staging (env-file suffix '.env.staging')" in out
    assert "svc/.env.staging:4  credential GITHUB_TOKEN (GitHub classic personal access token, account scope, ghp_…(40 chars))  ->  staging" in out
    assert "9f2c4e6a" not in out and "Ab1Cd2Ef3Gh4" not in out


def write_snippet(root, example_file: str, text: str):
    """A doc snippet as files: the first part is EXAMPLE_FILE, each `# file: NAME` line starts another file."""
    name, buf = example_file, []
    parts = []
    for line in text.splitlines(keepends=True):
        if line.startswith("# file: "):
            parts.append((name, "".join(buf)))
            name, buf = line[len("# file: "):].strip(), []
        else:
            buf.append(line)
    parts.append((name, "".join(buf)))
    for n, body in parts:
        p = root / n
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body)


@pytest.mark.parametrize("rule_id", sorted(ES - {"ES001", "ES002"}))
def test_rule_doc_examples(tmp_path, rule_id):
    from iaclint.engine.loader import load_rules

    doc = {r.id: r for r in load_rules()}[rule_id].doc
    for sub, text, want in (("bad", doc["example"], True), ("good", doc["use_instead"], False)):
        write_snippet(tmp_path / sub, doc["example_file"], text)
        got = hits(scan_dir(str(tmp_path / sub), enabled={rule_id}), rule_id)
        assert bool(got) is want, (sub, got)
    for key in ("what", "why", "example", "use_instead", "references"):
        assert doc.get(key)
