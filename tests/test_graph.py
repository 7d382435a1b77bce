"""Round 2 graph gaps (issues 3 and 4): Railway services in every environment (ES008), Railway environments'
own environment, credential files without a telling extension (+ CS010 Terraform state), ES003 at the line
naming production, registry/git modules scanned from .terraform/modules, and blast-radius targets grouped per
physical thing. Every assertion names rule id, file and line."""
from __future__ import annotations

import json

from conftest import fixture_path, hits, run_cli, scan_dir


def rule_case(rule_id, case="pos"):
    return fixture_path("rules", rule_id, case)


def _graph(path):
    from iaclint.scan import ScanOptions, build_graph

    return build_graph([path], ScanOptions())[0]


# ------------------------------------------------------------------------------------------------ ES008
def test_es008_services_in_every_environment_with_production_secrets():
    r = scan_dir(rule_case("ES008"), enabled={"ES008"})
    by_line = {f.span.line: f for f in r.findings}
    api, worker = by_line[13], by_line[26]
    assert [(x.span.path, x.span.line) for x in api.related] == [("main.tf", 21)]
    assert [(x.span.path, x.span.line) for x in worker.related] == [("main.tf", 35)]
    assert api.envs == ["production", "staging"]
    assert "railway_service.api is created with no environment, so the same service exists in production and " \
           "staging (its project also has environment 'staging' (main.tf:8))" in api.message
    assert "production's variable DATABASE_URL holds a connection to the data store orders-db.acme.internal " \
           "(main.tf:21)" in api.message
    assert "production's variable SESSION_SECRET holds a secret (main.tf:35)" in worker.message
    assert "q8Zr2LmX7vTn4KpW9sYd" not in worker.message  # the value itself is never shown


def test_es008_in_sarif_has_family_tag():
    r = run_cli("check", rule_case("ES008"), "--format", "sarif", "--select", "ES008")
    sarif = json.loads(r.stdout)
    [rule] = [x for x in sarif["runs"][0]["tool"]["driver"]["rules"] if x["id"] == "ES008"]
    assert "environment-separation" in rule["properties"]["tags"]
    assert sorted(res["locations"][0]["physicalLocation"]["region"]["startLine"]
                  for res in sarif["runs"][0]["results"]) == [13, 26]


# ------------------------------------------------------------------------------------------------ environments
def test_railway_environment_resource_carries_its_name():
    g = _graph(rule_case("ES008"))
    env = g.nodes["tf|||railway_environment.staging"]
    assert [(e.name, e.reason) for e in env.envs] == [("staging", "railway_environment name = 'staging' (main.tf:9)")]
    svc = g.nodes["tf|||railway_service.api"]
    assert svc.env_names == ["production", "staging"]
    assert all("created with no environment" in e.reason for e in svc.envs)


def test_railway_environment_name_wins_over_the_root_directory():
    """A railway_environment "pr-preview" declared in envs/production is the preview environment, not production."""
    g = _graph(fixture_path("railway_envs"))
    env = g.nodes["tf|envs/production||railway_environment.preview"]
    assert env.env_names == ["preview"]
    assert env.envs[0].reason == "railway_environment name = 'pr-preview' (envs/production/main.tf:6)"


def test_explain_environments_shows_railway_environments_and_services():
    r = run_cli("check", rule_case("ES008"), "--explain-environments")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "main.tf:8  tf_resource railway_environment.staging  ->  staging (railway_environment name = 'staging' " \
           "(main.tf:9))" in out
    assert "main.tf:13  tf_resource railway_service.api  ->  staging (the service is created with no environment, " \
           "so it exists in every environment of its project, including 'staging' (main.tf:8)); production" in out


# ------------------------------------------------------------------------------------------------ credential files
def test_classify_credential_files():
    from iaclint.discover import classify

    assert classify("deploy/id_rsa") == classify("id_ed25519") == classify("certs/tls.key") == "keyfile"
    assert classify("certs/server.pem") == "keyfile"
    assert classify("certs/client.p12") == classify("a.PFX") == classify("release.jks") == "keystore"
    for name in (".netrc", ".pgpass", "aws/credentials", ".npmrc", ".pypirc", ".git-credentials",
                 "infra/terraform.tfstate", "infra/terraform.tfstate.backup"):
        assert classify(name) == "text", name
    assert classify(".dockercfg") == classify("home/.docker/config.json") == "json"
    assert classify("deploy/id_rsa.pub") is None and classify("notes.txt") is None


def test_credential_files_say_what_they_hold():
    r = scan_dir(rule_case("CS002"), enabled={"CS002", "CS010"})
    assert r.diagnostics == []
    msgs = {(f.span.path, f.span.line): f.message for f in r.findings}
    assert msgs[("certs/client.p12", 1)].startswith("unknown-scoped Key store file (PKCS#12 / Java key store / "
                                                    "binary key) client.p12 (binary file, not read)")
    assert "PostgreSQL password (.pgpass) app@db-prod.acme.internal:5432/orders (…(24 chars))" in msgs[(".pgpass", 2)]
    assert "password for api.heroku.com" in msgs[(".netrc", 4)]
    assert "auth for ghcr.io" in msgs[(".docker/config.json", 4)]
    assert "records 2 resources" in msgs[("infra/terraform.tfstate", 7)]
    assert "1 credential recognised in it (AWS long-lived access key id (AKIA))" in msgs[("infra/terraform.tfstate", 7)]
    cs010 = [f for f in r.findings if f.rule_id == "CS010"][0]
    assert [(x.span.path, x.span.line) for x in cs010.related] == [("infra/terraform.tfstate", 40)]


def test_private_keys_compared_by_whole_block():
    """Two different keys are not "the same secret" (a header-only hash would say so); the same key in staging and
    production is. A binary DER key is reported by name, without a parse error."""
    r = scan_dir(rule_case("ES006"), enabled={"ES006", "CS002"})
    assert hits(r, "ES006") == [("ES006", "envs/staging/ci.pem", 1)]
    assert ("CS002", "envs/staging/der.key", 1) in hits(r)
    assert r.diagnostics == []


def test_credential_file_lines_are_masked_in_text(tmp_path):
    pw = "Zq8r2LmX7vTn4KpW9sYdQ1"
    (tmp_path / ".netrc").write_text(f"machine api.heroku.com login ops password {pw}\n")
    (tmp_path / ".pgpass").write_text(f"db-prod.internal:5432:orders:app:{pw}x\n")
    (tmp_path / ".npmrc").write_text(f"//npm.acme.example/:_authToken={pw}y\n")
    r = run_cli("check", str(tmp_path), "--format", "text")
    assert r.returncode == 1
    assert r.stdout.count("CS002") == 3
    assert pw[:8] not in r.stdout and "password ****" in r.stdout and "orders:app:****" in r.stdout


# ------------------------------------------------------------------------------------------------ ES003 line
def test_es003_relates_the_backend_block():
    r = scan_dir(rule_case("ES003"), enabled={"ES003"})
    f = [f for f in r.findings if f.span.path == "envs/staging/main.tf"][0]
    assert [(x.span.path, x.span.line) for x in f.related] == [("envs/staging/main.tf", 1)]


# ------------------------------------------------------------------------------------------------ .terraform/modules
def test_installed_modules_are_scanned_with_their_calling_root():
    r = scan_dir(fixture_path("tf_modules", "pos"), enabled={"DP005", "DP006"})
    assert hits(r) == [
        ("DP005", "app/.terraform/modules/store/modules/lock/main.tf", 4),  # nested local module of the copy
        ("DP005", "outside/main.tf", 2),  # a root of its own, not reached through modules.json
        ("DP006", "app/.terraform/modules/store/main.tf", 7),
    ]
    f = [f for f in r.findings if f.rule_id == "DP006"][0]
    assert ("app/main.tf", 1, "module call from root app") in [(x.span.path, x.span.line, x.message)
                                                                for x in f.related]
    assert f.properties["module_roots"] == ["app"]
    # the installed module is no longer "not scanned"; the one modules.json does not list still is
    notes = [(d.path, d.line, d.message) for d in r.diagnostics]
    assert notes == [("app/main.tf", 7, "module 'net' comes from 'git::https://git.acme.example/net.git?ref=v3' "
                                        "(registry/remote); it is not scanned")]


def test_only_modules_json_dirs_are_read():
    from iaclint.discover import discover

    files = [f.path for f in discover([fixture_path("tf_modules", "pos")]).files]
    assert "app/.terraform/modules/modules.json" in files
    assert "app/.terraform/modules/store/main.tf" in files
    assert not [p for p in files if "/stale/" in p or "/providers/" in p]  # not named by modules.json
    assert files.count("outside/main.tf") == 1  # a Dir escaping .terraform/modules is ignored


def test_without_modules_json_remote_modules_are_noted_once():
    r = scan_dir(fixture_path("tf_modules", "neg"), enabled={"DP005", "DP006"})
    assert hits(r) == []
    assert [(d.path, d.line) for d in r.diagnostics] == [("app/main.tf", 1), ("app/main.tf", 7)]


def test_modules_manifest_format():
    from iaclint.terraform.modules import modules_manifest

    data = {"Modules": [{"Key": "", "Source": "", "Dir": "."},
                        {"Key": "vpc", "Source": "git::file:///tmp/m", "Dir": ".terraform/modules/vpc"},
                        {"Key": "vpc.inner", "Source": "./sub", "Dir": ".terraform/modules/vpc/sub"},
                        {"Key": "bad", "Source": "x", "Dir": "../../etc"}, {"Key": 3}, "junk"]}
    assert modules_manifest("infra", "infra/.terraform/modules/modules.json", data) == {
        "vpc": "infra/.terraform/modules/vpc", "vpc.inner": "infra/.terraform/modules/vpc/sub"}
    assert modules_manifest("", ".terraform/modules/modules.json", data)["vpc"] == ".terraform/modules/vpc"
    assert modules_manifest("", "x", None) == {}


# ------------------------------------------------------------------------------------------------ blast grouping
def test_same_bucket_in_two_roots_is_one_target():
    r = scan_dir(fixture_path("blast", "bucket"), enabled={"CS002"})
    [f] = r.findings
    assert (f.span.path, f.span.line) == ("ci.sh", 1)
    assert "can delete aws_s3_bucket aws_s3_bucket.assets (in production; declared in 2 places); aws_s3_bucket " \
           "aws_s3_bucket.logs (in an unknown environment)" in f.message
    assert [(x.span.path, x.span.line) for x in f.related] == [
        ("envs/production/main.tf", 1), ("imports/main.tf", 2), ("imports/main.tf", 6)]


def test_same_volume_name_in_separate_projects_stays_apart():
    """One project per environment, both calling their volume "pgdata": two volumes, not one."""
    r = run_cli("blast-radius", fixture_path("blast", "split"), "--format", "json")
    [c] = json.loads(r.stdout)["credentials"]
    assert [(t["file"], t["line"], t["environments"], len(t["declared_at"])) for t in c["targets"]] == [
        ("production/main.tf", 12, ["production"], 1), ("staging/main.tf", 12, ["staging"], 1)]


def test_pocketos_still_flags_every_family():
    pocketos = fixture_path("..", "..", "examples", "pocketos")
    r = run_cli("check", pocketos, "--format", "json")
    fams = {f["family"] for f in json.loads(r.stdout)["findings"]}
    assert fams == {"deletion-protection", "backup-failure-domain", "credential-scope", "environment-separation"}
    assert "volume pgdata (in production and staging; declared in 4 places)" in " ".join(run_cli("check", pocketos).stdout.split())
