"""The FileKind registry (iaclint/kinds.py) is consistent: every kind's parser and graph contributor exist,
and classification and content sniffing give the kinds the pipeline dispatches on."""
from __future__ import annotations

import json

import pytest

from iaclint.discover import classify
from iaclint.kinds import KINDS, FileKind, Phase, load
from iaclint.model import SourceFile
from iaclint.parsers import parse_file


@pytest.mark.parametrize("spec", KINDS.values(), ids=lambda s: s.kind.value)
def test_spec_refs_resolve(spec):
    for ref in (spec.parser, spec.graph):
        if ref is not None:
            assert callable(load(ref)), ref
    if spec.parsed_as is not None:  # comments and contributor belong to the kind it is parsed as
        assert not spec.comments and spec.graph is None
        assert spec.parsed_as in KINDS
    if spec.graph is None:
        assert spec.phase is Phase.FILE
    assert spec.match is not None or spec.sniff is not None  # every kind is recognised by path or content


@pytest.mark.parametrize("path, kind", [
    ("main.tf", "terraform"), ("x/main.tf.json", "terraform_json"), ("envs/prod.tfvars", "tfvars"),
    ("a.tfvars.json", "tfvars_json"), ("svc/railway.json", "railway_json"), ("railway.toml", "railway_toml"),
    ("app/.railway/railway.ts", "railway_ts"), (".railway/railway.py", "railway_py"), ("railway.ts", "text"),
    (".env.production", "dotenv"), (".env.example", "dotenv_example"), ("package.json", "json"),
    (".github/workflows/ci.yml", "yaml"), ("deploy.sh", "text"), ("terraform.tfstate", "text"),
    ("id_rsa", "keyfile"), ("a.p12", "keystore"), ("notes.txt", None),
])
def test_classify(path, kind):
    assert classify(path) == kind


@pytest.mark.parametrize("doc, kind", [
    ({"format_version": "1.2", "planned_values": {}}, FileKind.PLAN_JSON),
    ({"services": {"id1": {"variables": {}}}}, FileKind.RAILWAY_ENV_CONFIG),
    ({"$schema": "https://railway.com/railway.schema.json", "deploy": {}}, FileKind.RAILWAY_JSON),
    ({"name": "pkg", "version": "1.0.0"}, FileKind.JSON),
])
def test_json_content_decides_the_kind(tmp_path, doc, kind):
    p = tmp_path / "export.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    pf = parse_file(SourceFile("export.json", str(p), classify("export.json")))
    assert pf.kind is kind and not pf.diagnostics
