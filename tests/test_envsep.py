"""environment-separation beyond the fixture table (tests/test_rules.py): messages say why, environments are
explained, doc examples."""
from __future__ import annotations

import pytest

from conftest import fixture_path, hits, run_cli, scan_dir

ES = {"ES001", "ES002", "ES003", "ES004", "ES005", "ES006", "ES007", "ES009", "ES010"}


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


def test_identity_normalisation():
    from iaclint.graph.identity import resource_identity, value_identity

    assert value_identity("volume_id", "vol-0a1b2c3d4e5f60718") == "aws-ebs://vol-0a1b2c3d4e5f60718"
    assert value_identity("x", "fs-0123abcd") == "aws-efs://fs-0123abcd"
    assert value_identity("x", "acme-shop:us-central1:orders") == "gcp-sql://acme-shop:us-central1:orders"
    sub = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
    assert value_identity("x", sub + "Microsoft.Storage/storageAccounts/acmedata") == \
        "azure://" + (sub + "Microsoft.Storage/storageAccounts/acmedata").lower()
    assert value_identity("x", sub + "Microsoft.Web/sites/app") is None  # not a data store
    assert value_identity("DATABASE_URL", "postgres://u@db.acme.example:5432/orders?ssl=1") == \
        "postgres://db.acme.example:5432/orders"
    assert value_identity("bucket", "acme-orders") == "bucket://acme-orders"
    assert resource_identity("aws_db_instance", "identifier", "Orders-Production") == "aws-rds://orders-production"
    assert resource_identity("google_storage_bucket", "name", "acme-orders") == "bucket://acme-orders"
    assert value_identity("DATABASE_URL", "postgres://u@postgres.railway.internal:5432/db") is None


def test_identities_are_the_mechanism_and_open_to_other_sources():
    """graph.identities holds every reference, from every source, with its environment and why; another input
    kind (Terragrunt) adds its own with add_reference and the ES rules see it."""
    from iaclint.graph.graph import Graph
    from iaclint.model import EnvTag, Span

    g = Graph()
    ids = g.identities
    ids.add_reference("aws-rds://orders", EnvTag("staging", "unit in stage/"), Span("stage/app/terragrunt.hcl", 3),
                      "terragrunt", "dependency.db")
    ids.add_reference("aws-rds://orders", EnvTag("production", "unit in prod/"), Span("prod/db/terragrunt.hcl", 5),
                      "terragrunt", "inputs.identifier", role="declares")
    assert list(ids.shared()) == ["aws-rds://orders"]
    assert ids.environments("aws-rds://orders") == ["production", "staging"]
    r = scan_dir(fixture_path("rules", "ES009", "pos"), enabled={"ES009"})
    assert [(f.span.path, f.span.line) for f in r.findings] == [("environments/staging/terraform.tfvars", 2)]
    assert r.findings[0].related[0].span.path == "environments/production/terraform.tfvars"


def test_explain_environments_lists_identities():
    r = run_cli("check", fixture_path("rules", "ES009", "pos"), "--root", fixture_path("rules", "ES009", "pos"),
                "--explain-environments")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "data store aws-ebs://vol-0a1b2c3d4e5f60718  ->  production, staging  (shared with production)" in out
    assert ("  staging: environments/staging/terraform.tfvars:2 uses by aws_volume_attachment.data.volume_id "
            "(tfvars); staging because") in out


def test_workspaces_evaluated_once_each():
    from iaclint.scan import ScanOptions, build_graph

    g = build_graph([fixture_path("rules", "ES010", "neg")], ScanOptions(root=fixture_path("rules", "ES010", "neg")))[0]
    buckets = {i: ids for i, ids in g.identities.refs.items() if i.startswith("bucket://")}
    assert sorted(buckets) == ["bucket://acme-uploads-prod", "bucket://acme-uploads-staging"]
    assert {r.env.name for r in buckets["bucket://acme-uploads-prod"]} == {"production"}
    assert "terraform.tfstate.d/staging/" in buckets["bucket://acme-uploads-staging"][0].env.reason


def _reach(root, path):
    from iaclint.config import ScanOptions
    from iaclint.graph.blast import reach_of
    from iaclint.scan import build_graph

    g = build_graph([str(root)], ScanOptions(root=str(root)))[0]
    cred = next(n for n in g.nodes.values() if n.kind == "credential" and n.span.path == path)
    return reach_of(g, cred).targets


def test_superuser_url_reaches_the_rds_instance_its_host_names(tmp_path):
    pw = "Zt7kq9" + "Lm2vX8rPw"
    (tmp_path / "envs/production").mkdir(parents=True)
    (tmp_path / "envs/production/main.tf").write_text(
        'resource "aws_db_instance" "orders" {\n  identifier          = "orders-prod"\n  engine = "postgres"\n'
        '  deletion_protection = true\n}\n')
    (tmp_path / ".env.staging").write_text(
        f"DATABASE_URL=postgresql://postgres:{pw}@orders-prod.c9akciq32abc.eu-west-1.rds.amazonaws.com:5432/orders\n")
    t = _reach(tmp_path, ".env.staging")
    assert [(x.type, x.meta.get("address"), x.env_names) for x in t] == [
        ("aws_db_instance", "aws_db_instance.orders", ["production"])]


def test_superuser_url_with_no_declared_store_reaches_the_database_its_url_names():
    t = _reach(fixture_path("..", "..", "examples", "pocketos"), ".env.staging")
    assert [(x.kind, x.name, x.env_names) for x in t] == [
        ("data_store", "roundhouse.proxy.rlwy.net:41234/pocketos", ["production", "staging"])]
    r = run_cli("blast-radius", fixture_path("..", "..", "examples", "pocketos"))
    assert "database roundhouse.proxy.rlwy.net:41234/pocketos [production, staging]" in r.stdout
    assert "no matching resource" not in r.stdout.split("RAILWAY_API_TOKEN")[0]
    assert "f4k3pr0dpa55w0rd" not in r.stdout
