"""credential-scope: catalogue, placeholders, where secrets hide, IAM messages (rule fixtures: test_rules.py)."""
from __future__ import annotations

import os

import pytest

from conftest import fixture_path, hits, scan_dir
from iaclint.graph import credentials as creds

CS = ["CS001", "CS002", "CS003", "CS004", "CS005", "CS006", "CS007", "CS008", "CS009"]


def _kinds(report):
    return sorted((f.span.path, f.span.line, f.properties.get("credential_kind")) for f in report.findings
                  if f.rule_id in ("CS001", "CS002"))


def test_every_broad_kind_found_where_it_hides():
    r = scan_dir(fixture_path("rules", "CS002", "pos-catalogue"), enabled={"CS001", "CS002"})
    assert _kinds(r) == sorted([
        (".env", 2, "github-classic-pat"), (".env", 3, "github-oauth-token"), (".env", 4, "aws-access-key"),
        (".env", 5, "aws-secret-access-key"), (".env", 6, "stripe-live-secret-key"), (".env", 7, "openai-admin-key"),
        (".env", 8, "anthropic-admin-key"), (".env", 9, "supabase-secret-key"), (".env", 10, "digitalocean-pat"),
        (".env", 11, "flyio-personal-token"), (".env", 12, "heroku-api-key"), (".env", 13, "neon-api-key"),
        (".env", 14, "planetscale-service-token"), (".env", 15, "terraform-cloud-token"),
        (".env", 16, "slack-user-token"), (".env", 17, "cloudflare-global-api-key"), (".env", 18, "vercel-token"),
        (".env", 19, "openai-legacy-key"),
        ("config/app.yaml", 2, "slack-user-token"), ("config/app.yaml", 4, "heroku-legacy-api-key"),
        ("config/settings.json", 2, "github-classic-pat"), ("config/settings.json", 4, "supabase-service-role-key"),
        ("gcp/sa-key.json", 5, "google-service-account-key"),
        ("infra/main.tf", 3, "railway-account-token"),  # variable default, judged by the variable's name
        ("infra/main.tf", 7, "github-classic-pat"),  # locals literal
        ("infra/main.tf", 11, "cloudflare-global-api-key"),  # provider block
        ("infra/main.tf", 21, "private-key"),  # heredoc
        ("infra/production.tfvars", 1, "stripe-live-secret-key"),
        ("scripts/deploy.sh", 2, "digitalocean-named-token"), ("scripts/deploy.sh", 3, "github-classic-pat"),
    ])


@pytest.mark.parametrize("name,value,kind", [
    ("GH", "github_pat_11AAAAAAA0Bc3De5Fg7Hi9Jk1Lm3No5Pq7Rs9", "github-fine-grained-pat"),
    ("X", "ASIAQ7R2T9W4Y6U3P8Z5", "aws-session-key"),
    ("X", "rk_live_51Hq8Rt3Wm6Yp9Ks2Lv5Nx7", "stripe-restricted-key"),
    ("X", "sk_test_51Hq8Rt3Wm6Yp9Ks2Lv5Nx7", "stripe-test-key"),
    ("X", "sk-proj-Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9", "openai-project-key"),
    ("X", "sk-ant-api03-Mn4Bv6Cx8Zl1Kj3Hg5Fd7Sa9", "anthropic-api-key"),
    ("X", "xoxb-1234567890-2345678901-a1b2c3d4e5f6a7b8c9d0e1f2", "slack-bot-token"),
    ("RAILWAY_TOKEN", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "railway-project-token"),
])
def test_narrow_kinds_are_recognised_and_not_broad(name, value, kind):
    m = creds.match_value(name, value)
    assert m is not None and m.kind.id == kind and not m.kind.broad


def test_railway_token_scope_depends_on_consumer():
    v = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    assert creds.match_value("RAILWAY_TOKEN", v).kind.id == "railway-project-token"
    assert creds.match_value("RAILWAY_TOKEN", v, terraform_provider_context=True).kind.id == "railway-provider-token"
    assert creds.match_value("RAILWAY_API_TOKEN", v).kind.scope == "account"


@pytest.mark.parametrize("value", [
    "", "changeme", "xxx", "xxxxxxxxxxxxxxxx", "<token>", "${RAILWAY_TOKEN}", "${{ shared.RAILWAY_TOKEN }}",
    "${{secrets.GH_TOKEN}}", "var.railway_token", "local.token", "$RAILWAY_TOKEN", "$(cat token.txt)",
    "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "sk_live_XXXXXXXXXXXXXXXX", "AKIAIOSFODNN7EXAMPLE",
    "your-token-here", "REDACTED", "****", "process.env.TOKEN",
])
def test_placeholders_are_never_secrets(value):
    assert creds.is_placeholder(value)
    assert creds.match_value("RAILWAY_API_TOKEN", value) is None


@pytest.mark.parametrize("value", ["8c2f4e1a-7b3d-4f60-9e25-3d1c0b9a8f7e", "ghp_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2",
                                   "f4k3pr0dpa55w0rd", "0000000000000000000000000000000000abc123"])
def test_real_looking_values_are_not_placeholders(value):
    assert not creds.is_placeholder(value)


def test_supabase_jwt_role_decides():
    service = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIiwicmVmIjoiZml4dHVyZSJ9."
               "c2lnbmF0dXJlLW5vdC1yZWFs")
    anon = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiIsInJlZiI6ImZpeHR1cmUifQ."
            "c2lnbmF0dXJlLW5vdC1yZWFs")
    assert creds.match_value("SUPABASE_KEY", service).kind.id == "supabase-service-role-key"
    assert creds.match_value("SUPABASE_KEY", anon) is None


def test_redaction_shows_only_the_public_prefix():
    assert creds.redact("ghp_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2", "ghp_") == "ghp_…(40 chars)"
    assert creds.redact("8c2f4e1a-7b3d-4f60-9e25-3d1c0b9a8f7e") == "…(36 chars)"


def test_catalogue_entries_are_complete():
    ids = set()
    for k in creds.load_catalogue():
        assert k.id not in ids
        ids.add(k.id)
        assert k.scope in ("account", "workspace", "organization", "project", "environment", "server", "read-only",
                           "unknown")
        if k.broad and k.provider != "generic":  # how to hold a narrower one: the vendor's page
            assert k.scope_down.startswith("https://"), k.id
        assert k.destroys and (k.names or k.value is not None or k.jwt or k.by_meaning)
    for need in ("railway-account-token", "railway-project-token", "github-classic-pat", "github-fine-grained-pat",
                 "aws-access-key", "aws-session-key", "stripe-live-secret-key", "stripe-restricted-key",
                 "cloudflare-global-api-key", "cloudflare-api-token", "openai-admin-key", "openai-project-key",
                 "anthropic-admin-key", "anthropic-api-key", "supabase-service-role-key", "supabase-publishable-key",
                 "digitalocean-pat", "flyio-personal-token", "heroku-api-key", "vercel-token", "neon-api-key",
                 "planetscale-service-token", "terraform-cloud-token", "slack-user-token", "slack-bot-token",
                 "google-service-account-key", "private-key", "render-api-key", "netlify-personal-token",
                 "gitlab-access-token", "gitlab-deploy-token", "doppler-personal-token", "doppler-service-token",
                 "digitalocean-spaces-key", "database-superuser-url"):
        assert need in ids


def test_iam_messages_name_the_grant():
    r = scan_dir(fixture_path("rules", "CS004", "pos"), enabled=set(CS[2:]))
    msg = {f.rule_id: f.message for f in r.findings}
    assert "long-lived access key (aws_iam_access_key.ci)" in msg["CS005"]
    assert "roles/owner" in msg["CS007"]


def _write_example(tmp_path, name, text):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


@pytest.mark.parametrize("rule_id", ["CS001", "CS002", "CS003", "CS004", "CS005", "CS006", "CS007", "CS008", "CS009",
                                     "CS011", "CS012"])
def test_rule_doc_examples(tmp_path, rule_id):
    from iaclint.engine.loader import load_rules

    rule = {r.id: r for r in load_rules()}[rule_id]
    doc = rule.doc
    _write_example(tmp_path / "bad", doc["example_file"], doc["example"])
    _write_example(tmp_path / "good", doc["example_file"], doc["use_instead"])
    assert hits(scan_dir(str(tmp_path / "bad"), enabled={rule_id}), rule_id), "example must be flagged"
    assert not hits(scan_dir(str(tmp_path / "good"), enabled={rule_id}), rule_id), "use_instead must pass"
    for key in ("what", "why", "example", "use_instead", "references"):
        assert doc.get(key)


@pytest.mark.parametrize("value, kind", [
    ("postgresql://postgres:Zq8LmW3pXr7TnV2k@orders.cluster-c1x2.eu-west-1.rds.amazonaws.com:5432/orders",
     "database-superuser-url"),
    ("mysql://root:Zq8LmW3pXr7TnV2k@reporting-prod.mysql.database.azure.com:3306/r", "database-superuser-url"),
    ("mongodb+srv://admin:Zq8LmW3pXr7TnV2k@cluster0.ab1cd.mongodb.net/app", "database-superuser-url"),
    ("postgresql://doadmin:Zq8LmW3pXr7TnV2k@db-postgresql-fra1-1234-do-user-1.b.db.ondigitalocean.com:25060/x",
     "database-superuser-url"),
    # not a superuser, not a remote host, or no password of its own
    ("postgresql://app:Zq8LmW3pXr7TnV2k@orders.cluster-c1x2.eu-west-1.rds.amazonaws.com:5432/orders", None),
    ("postgresql://postgres:Zq8LmW3pXr7TnV2k@localhost:5432/orders", None),
    ("postgresql://postgres:Zq8LmW3pXr7TnV2k@127.0.0.1:5432/orders", None),
    ("postgresql://postgres:Zq8LmW3pXr7TnV2k@db:5432/orders", None),
    ("postgresql://postgres:Zq8LmW3pXr7TnV2k@host.docker.internal:5432/orders", None),
    ("postgresql://postgres:${PGPASSWORD}@orders-prod.internal:5432/orders", None),
    ("postgresql://postgres:changeme@orders-prod.internal:5432/orders", None),
    ("postgresql://postgres:@orders-prod.internal:5432/orders", None),
])
def test_database_superuser_urls(value, kind):
    m = creds.match_value("DATABASE_URL", value)
    assert (m.kind.id if m else None) == kind
    if m:
        assert "Zq8LmW3p" not in m.redacted


@pytest.mark.parametrize("value, kind", [
    ("rnd_" + "Xk2P9qLm4Rt7Vw3Yz8Bn5Cd1", "render-api-key"),
    ("nfp_" + "Xk2P9qLm4Rt7Vw3Yz8Bn5Cd1Fg6Hj0Kl2Mn4Pq8R", "netlify-personal-token"),
    ("glpat-" + "Xk2P9qLm4Rt7Vw3Yz8Bn", "gitlab-access-token"),
    ("glpat-" + "Xk2P9qLm4Rt7Vw3Yz8Bn5Cd1Fg6H.01.0w1e2r3t4", "gitlab-access-token"),
    ("gldt-" + "Xk2P9qLm4Rt7Vw3Yz8Bn", "gitlab-deploy-token"),
    ("dp.pt." + "Xk2P9qLm4Rt7Vw3Yz8Bn5Cd1Fg6Hj0Kl2Mn4Pq8Rs3T", "doppler-personal-token"),
    ("dp.ct." + "Xk2P9qLm4Rt7Vw3Yz8Bn5Cd1Fg6Hj0Kl2Mn4Pq8Rs3T", "doppler-personal-token"),
    ("dp.st.prd." + "Xk2P9qLm4Rt7Vw3Yz8Bn5Cd1Fg6Hj0Kl2Mn4Pq8Rs3T", "doppler-service-token"),
    ("DO0" + "0ABCX7Q2LMZ9RT4WV", "digitalocean-spaces-key"),
])
def test_platform_token_formats(value, kind):
    m = creds.match_value("", value)
    assert m is not None and m.kind.id == kind
    broad = {k.id: k.broad for k in creds.load_catalogue()}
    assert broad[kind] == (kind in ("render-api-key", "netlify-personal-token", "gitlab-access-token",
                                    "doppler-personal-token", "digitalocean-spaces-key"))


def test_catalogue_reference_is_fresh():
    import importlib.util

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    spec = importlib.util.spec_from_file_location("gen_catalogue_doc",
                                                  os.path.join(repo, "scripts", "gen_catalogue_doc.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with open(os.path.join(repo, "docs", "credentials.md"), encoding="utf-8") as fh:
        text = fh.read()
    assert text == mod.update(text), "docs/credentials.md is stale: run python3 scripts/gen_catalogue_doc.py"


# ------------------------------------------------------------------ literals by meaning (CS011, CS012)
@pytest.mark.parametrize("name,kind", [
    ("password", "named-password"), ("administrator_login_password", "named-password"), ("DB_PASSWORD", "named-password"),
    ("adminPassword", "named-password"), ("PGPASSWORD", "named-password"), ("master_password", "named-password"),
    ("client_secret", "named-secret"), ("secret_key", "named-secret"), ("access_key", "named-secret"),
    ("sas_token", "named-secret"), ("api_key", "named-secret"), ("APIKey", "named-secret"),
    ("private_key_pem", "named-secret"), ("secret_string", "named-secret"), ("credentials", "named-secret"),
    ("auth_token", "named-secret"), ("client_key", "named-secret"),
    ("connection_string", "connection-string"), ("DATABASE_URL", "connection-string"), ("SENTRY_DSN", "connection-string"),
])
def test_names_that_mean_a_credential(name, kind):
    from iaclint.graph.secret_names import secret_name

    sn = secret_name(name)
    assert sn is not None and sn.kind == kind and sn.certain


@pytest.mark.parametrize("name,owner", [
    ("password_length", ""), ("secret_arn", ""), ("secret_id", ""), ("secret_name", ""), ("token_url", ""),
    ("key_vault_secret_id", ""), ("public_key", ""), ("manage_master_user_password", ""), ("kms_key_id", ""),
    ("password_wo_version", ""), ("shared_credentials_files", ""), ("access_key_id", ""), ("key", ""),
    ("secret", "google_secret_manager_secret_version"), ("secret", "google_cloudfunctions2_function"),
])
def test_names_that_do_not(name, owner):
    from iaclint.graph.secret_names import secret_name

    sn = secret_name(name, owner)
    assert sn is None or not sn.certain, sn


def test_one_classification_for_graph_rules_and_mask():
    """mask.py and the graph read the same table: no regex of their own."""
    import iaclint.mask as mask_module
    from iaclint.graph import secrets
    from iaclint.graph.secret_names import secret_name

    assert not hasattr(mask_module, "_SECRET_NAME") and not hasattr(secrets, "SECRETISH_NAME")
    assert mask_module.mask('password_length = "24"') == 'password_length = "24"'
    assert mask_module.mask('client_secret = "Zq8wLr2Tk5Vm9Xp3"') == 'client_secret = "****"'
    assert secret_name("password_wo").certain  # a literal there is still in the repository: reported (CS012)


@pytest.mark.parametrize("value", ["changeme", "<db-password>", "${var.x}", "", "xxxxxxxxxx", "my-secret-key",
                                   "P@ssw0rd", "Ex@mp!e1", "foobar", "abcdefg", "AKIAIOSFODNN7EXAMPLE", "%s",
                                   "arn:aws:secretsmanager:us-east-1:123456789012:secret:db", "./keys/sa.json",
                                   "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x/)"])
def test_placeholders_and_places_are_not_literal_secrets(value):
    assert creds.match_literal("password", value) is None


def test_a_connection_string_counts_for_its_password():
    assert creds.match_literal("connection_string", "Server=db;Database=app;UserId=app;") is None
    m = creds.match_literal("connection_string", "Server=db;UserId=app;Password=Vq7pL2xR9tKw;")
    assert m.kind.id == "connection-string" and m.redacted == "…(12 chars)"


def test_sarif_fingerprints_are_distinct_per_line_and_survive_shifts(tmp_path):
    """Three CS002 results with one identity (kind and name) in one file: three partialFingerprints, which an
    edit above them does not change."""
    import json

    from conftest import cli_in_process

    key = "Zq8wLr2Tk5Vm9Xp3Bn7Cy4Hd6Jf1Gs0Ka2Wq5Eer"
    body = "".join(f'resource "aws_instance" "i{i}" {{\n  user_data = <<-EOT\n    export AWS_SECRET_ACCESS_KEY='
                   f'{key[i:] + key[:i]}\n  EOT\n}}\n' for i in range(3))
    (tmp_path / "main.tf").write_text(body)

    def fps():
        out = cli_in_process("check", str(tmp_path), "--format", "sarif", "--no-config")
        res = [r for r in json.loads(out.stdout)["runs"][0]["results"] if r["ruleId"] == "CS002"]
        return [(r["locations"][0]["physicalLocation"]["region"]["startLine"], r["partialFingerprints"]["iaclint/v1"])
                for r in res]

    before = sorted(fps())
    assert len(before) == 3 and len({fp for _, fp in before}) == 3
    assert sorted(fps()) == before  # stable across runs
    (tmp_path / "main.tf").write_text("# owner: platform\n\n" + body)
    after = sorted(fps())
    assert [ln for ln, _ in after] == [ln + 2 for ln, _ in before] and [fp for _, fp in after] == [fp for _, fp in before]


def _secrets_env(tmp_path, values):
    (tmp_path / ".env").write_text("".join(f"STRIPE_SECRET_KEY=sk_live_{v}\n" for v in values))
    return scan_dir(str(tmp_path), enabled={"CS002"})


def test_credential_fingerprint_survives_a_same_name_secret_inserted_above(tmp_path):
    """Two live keys under one name in one file: inserting a third above them renumbers neither."""
    from iaclint.report.model import fingerprints

    a, b, c = ("Ab3dE5gH7jK9mN1pQ3sT5vW7", "Zy8xW6vU4tS2rQ0pO8nM6lK4", "Qw1eR3tY5uI7oP9aS1dF3gH5")
    before = _secrets_env(tmp_path, [a, b])
    after = _secrets_env(tmp_path, [c, a, b])
    fp_before = fingerprints([f for f in before.findings if f.rule_id == "CS002"])
    fp_after = fingerprints([f for f in after.findings if f.rule_id == "CS002"])
    assert len(set(fp_after)) == 3 and set(fp_before) < set(fp_after)


def test_a_baseline_of_legacy_fingerprints_still_matches(tmp_path):
    """A baseline written before credential keys held the credential's fingerprint matches every finding."""
    import json

    from iaclint.baseline import apply_baseline
    from iaclint.report.model import fingerprints

    r = _secrets_env(tmp_path, ["Ab3dE5gH7jK9mN1pQ3sT5vW7", "Zy8xW6vU4tS2rQ0pO8nM6lK4"])
    found = [f for f in r.findings if f.rule_id == "CS002"]
    assert fingerprints(found, legacy=True) != fingerprints(found)
    path = tmp_path / "old-baseline.json"
    path.write_text(json.dumps({"version": 1, "tool": "iaclint", "findings": [
        {"fingerprint": fp} for fp in fingerprints(found, legacy=True)]}))
    assert apply_baseline(found, str(path)) == 2


@pytest.mark.parametrize("rule_id,severity", [("CS008", "medium"), ("CS021", "low")])
def test_unknown_environment_is_possibly_production_at_a_lower_severity(rule_id, severity):
    r = scan_dir(fixture_path("rules", rule_id, "pos-unknown-env"), enabled={rule_id})
    found = [f for f in r.findings if f.rule_id == rule_id]
    assert [f.severity for f in found] == [severity]
    assert "environment unknown; treat as production" in found[0].message
