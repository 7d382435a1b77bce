"""Canary: secrets planted in every file kind iaclint reads never appear in any output — only their documented
public prefix (ghp_, AKIA, sk_live_ …) and their length may be shown."""
from __future__ import annotations

import json
import random
import string

import pytest

from conftest import cli_in_process, run_cli

_rng = random.Random(20261122)


def _body(n, alphabet=string.ascii_letters + string.digits):
    return "".join(_rng.choice(alphabet) for _ in range(n))


def _uuid():
    h = "".join(_rng.choice("0123456789abcdef") for _ in range(32))
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:]}"


# (public prefix, secret body) pairs; the body is what must never be printed
CANARIES = {
    "railway_env": ("", _uuid()),
    "railway_sh": ("", _uuid()),
    "railway_tf_var": ("", _uuid()),
    "railway_provider": ("", _uuid()),
    "railway_export": ("", _uuid()),
    "ghp_yaml": ("ghp_", _body(36)),
    "ghp_json": ("ghp_", _body(36)),
    "ghp_tfvars": ("ghp_", _body(36)),
    "ghp_tfjson": ("ghp_", _body(36)),
    "akia": ("AKIA", _body(16, string.ascii_uppercase + string.digits)),
    "aws_secret": ("", _body(40)),
    "stripe": ("sk_live_", _body(24)),
    "session_prod": ("", _body(32)),
    "db_password": ("", _body(20)),
    "pkey": ("", _body(64)),
    "sa_key": ("", _body(64)),
    # credential files without a telling extension (keys, auth files, Terraform state)
    "ssh_key": ("", _body(70)),
    "pem_key": ("", _body(64)),
    "p12": ("", _body(48)),
    "netrc": ("", _body(32)),
    "pgpass": ("", _body(24)),
    "aws_cred": ("", _body(40)),
    "docker_auth": ("", _body(30)),
    "npmrc": ("npm_", _body(36)),
    "npmrc_private": ("", _body(32)),
    "pypirc": ("pypi-AgEIcHlwaS5vcmc", _body(60)),
    "git_cred": ("", _body(24)),
    "tfstate": ("", _body(28)),
}


def _v(k):
    p, b = CANARIES[k]
    return p + b


def _plant(root):
    files = {
        ".env.staging": f"RAILWAY_API_TOKEN={_v('railway_env')}\nSESSION_SECRET={_v('session_prod')}\n"
                        f"DATABASE_URL=postgresql://app:{_v('db_password')}@db-prod.internal:5432/app\n",
        ".env.production": f"SESSION_SECRET={_v('session_prod')}\n"
                           f"DATABASE_URL=postgresql://app:{_v('db_password')}@db-prod.internal:5432/app\n"
                           f"STRIPE_SECRET_KEY={_v('stripe')}\n",
        "scripts/domain.sh": f"#!/bin/sh\nexport RAILWAY_API_TOKEN=\"{_v('railway_sh')}\"\n"
                             f"curl -H \"Authorization: Bearer $RAILWAY_API_TOKEN\" https://backboard.railway.com\n",
        "config/ci.yaml": f"github:\n  token: {_v('ghp_yaml')}\naws:\n  AWS_ACCESS_KEY_ID: {_v('akia')}\n"
                          f"  AWS_SECRET_ACCESS_KEY: {_v('aws_secret')}\n",
        "config/app.json": json.dumps({"deploy": {"github_token": _v("ghp_json")}}, indent=2) + "\n",
        "gcp/key.json": json.dumps({"type": "service_account", "project_id": "p",
                                    "private_key": "-----BEGIN PRIVATE KEY-----\\n" + _v("sa_key") +
                                    "\\n-----END PRIVATE KEY-----\\n", "client_email": "ci@p.iam.gserviceaccount.com"},
                                   indent=2) + "\n",
        "infra/main.tf": (f'variable "railway_api_token" {{\n  default = "{_v("railway_tf_var")}"\n}}\n'
                          f'provider "railway" {{\n  token = "{_v("railway_provider")}"\n}}\n'
                          f'resource "railway_project" "p" {{\n  name = "p"\n}}\n'
                          f'resource "railway_environment" "staging" {{\n  name = "staging"\n'
                          f'  project_id = railway_project.p.id\n}}\n'
                          f'resource "railway_service" "db" {{\n  name = "db"\n  project_id = railway_project.p.id\n'
                          f'  volume = {{\n    name = "data"\n    mount_path = "/data"\n  }}\n}}\n'
                          f'resource "local_file" "k" {{\n  filename = "k"\n  content = <<-EOT\n'
                          f'    -----BEGIN RSA PRIVATE KEY-----\n    {_v("pkey")}\n    -----END RSA PRIVATE KEY-----\n'
                          f'  EOT\n}}\n'),
        "infra/production.tfvars": f'github_token = "{_v("ghp_tfvars")}"\n',
        "infra/extra.tf.json": json.dumps({"locals": {"gh": _v("ghp_tfjson")}}, indent=2) + "\n",
        "railway/staging.json": json.dumps({"services": {"svc": {"variables": {
            "RAILWAY_API_TOKEN": {"value": _v("railway_export")}}, "volumeMounts": {
            "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b": {"mountPath": "/data"}}}}}, indent=2) + "\n",
    }
    files.update({
        "keys/id_ed25519": f"-----BEGIN OPENSSH PRIVATE KEY-----\n{_v('ssh_key')}\n-----END OPENSSH PRIVATE KEY-----\n",
        "keys/tls.key": f"-----BEGIN EC PRIVATE KEY-----\n{_v('pem_key')}\n-----END EC PRIVATE KEY-----\n",
        ".netrc": f"machine api.heroku.com\n  login ops@example.com\n  password {_v('netrc')}\n",
        ".pgpass": f"db-prod.internal:5432:orders:app:{_v('pgpass')}\n",
        "aws/credentials": f"[default]\naws_secret_access_key = {_v('aws_cred')}\n",
        ".docker/config.json": json.dumps({"auths": {"ghcr.io": {"auth": _v("docker_auth")}}}, indent=2) + "\n",
        ".npmrc": f"//registry.npmjs.org/:_authToken={_v('npmrc')}\n//npm.acme.example/:_authToken={_v('npmrc_private')}\n",
        ".pypirc": f"[pypi]\nusername = __token__\npassword = {_v('pypirc')}\n",
        ".git-credentials": f"https://bot:{_v('git_cred')}@git.example.com\n",
        "infra/terraform.tfstate": json.dumps({"version": 4, "resources": [{"mode": "managed", "type": "aws_db_instance",
                                               "name": "db", "instances": [{"attributes": {
                                                   "password": _v("tfstate")}}]}]}, indent=2) + "\n",
    })
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    (root / "keys" / "client.p12").write_bytes(b"\x30\x82\x00" + _v("p12").encode() + b"\x00\x01")


def _leaks(text: str) -> list:
    """Canaries any 6-character piece of whose body appears in TEXT."""
    out = []
    for name, (_, body) in CANARIES.items():
        pieces = {body[i:i + 6] for i in range(0, len(body) - 5)}
        if any(p in text for p in pieces):
            out.append(name)
    return out


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp("canary")
    _plant(root)
    return root


@pytest.mark.parametrize("args", [
    ["check", "--format", "text"], ["check", "--format", "json"], ["check", "--format", "sarif"],
    ["check", "--format", "github"], ["check", "--explain-environments"],
    ["blast-radius"], ["blast-radius", "--all", "--format", "json"],
])
def test_no_canary_byte_in_any_output(planted, args):
    r = cli_in_process(*args[:1], str(planted), *args[1:])
    assert r.stdout, r.stderr
    assert _leaks(r.stdout + r.stderr) == []


def test_no_canary_byte_from_a_separate_process(planted):
    """The same through a real process: everything it writes to its stdout and stderr, not only what click
    echoes."""
    for args in (["check", str(planted)], ["blast-radius", str(planted)]):
        r = run_cli(*args)
        assert r.stdout, r.stderr
        assert _leaks(r.stdout + r.stderr) == []


def test_canaries_are_found(planted):
    """The canary test proves something only if the planted secrets are detected."""
    r = cli_in_process("check", str(planted), "--format", "json")
    found = {(f["file"], f["line"]) for f in json.loads(r.stdout)["findings"] if f["rule_id"].startswith("CS")}
    for site in [(".env.staging", 1), ("scripts/domain.sh", 2), ("config/ci.yaml", 2), ("config/ci.yaml", 4),
                 ("config/app.json", 3), ("gcp/key.json", 4), ("infra/main.tf", 2), ("infra/main.tf", 5),
                 ("infra/production.tfvars", 1), (".env.production", 3), ("railway/staging.json", 5),
                 ("keys/id_ed25519", 1), ("keys/tls.key", 1), ("keys/client.p12", 1), (".netrc", 3), (".pgpass", 1),
                 ("aws/credentials", 2), (".docker/config.json", 4), (".npmrc", 1), (".npmrc", 2), (".pypirc", 3),
                 (".git-credentials", 1), ("infra/terraform.tfstate", 3)]:
        assert site in found, site


# ------------------------------------------------------------------ every kind in every file kind
# One value of every catalogue kind a `NAME = value` line can hold (the service-account JSON, PEM keys, key
# stores and credential-file kinds are planted as files above), in every input file kind, in broken files,
# comments and URLs; every output iaclint has is then searched for any piece of any planted value.

_HEX, _ALNUM = "0123456789abcdef", string.ascii_letters + string.digits
_UP = string.ascii_uppercase + string.digits


def _jwt_claims():
    import base64

    claims = json.dumps({"iss": "supabase", "ref": "abcdefghijklmnopqrst", "role": "service_role"}).encode()
    return "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + base64.urlsafe_b64encode(claims).decode().rstrip("=") + "."


def _digits(n):
    return _body(n, string.digits)


KIND_SAMPLES = [  # (kind id, NAME, public prefix, body factory)
    ("github-classic-pat", "gh_value", "ghp_", lambda: _body(36)),
    ("github-oauth-token", "gho_value", "gho_", lambda: _body(36)),
    ("github-app-user-token", "ghu_value", "ghu_", lambda: _body(36)),
    ("github-app-installation-token", "ghs_value", "ghs_", lambda: _body(36)),
    ("github-refresh-token", "ghr_value", "ghr_", lambda: _body(40)),
    ("github-fine-grained-pat", "gh_fine_value", "github_pat_", lambda: _body(60)),
    ("aws-access-key", "aws_id_value", "AKIA", lambda: _body(16, _UP)),
    ("aws-session-key", "aws_session_value", "ASIA", lambda: _body(16, _UP)),
    ("stripe-live-secret-key", "stripe_value", "sk_live_", lambda: _body(32)),
    ("stripe-restricted-key", "stripe_rk_value", "rk_live_", lambda: _body(32)),
    ("stripe-test-key", "stripe_test_value", "sk_test_", lambda: _body(32)),
    ("openai-admin-key", "oa_admin_value", "sk-admin-", lambda: _body(40)),
    ("openai-project-key", "oa_proj_value", "sk-proj-", lambda: _body(40)),
    ("anthropic-admin-key", "an_admin_value", "sk-ant-admin01-", lambda: _body(40)),
    ("anthropic-api-key", "an_value", "sk-ant-api03-", lambda: _body(80)),
    ("openai-legacy-key", "oa_value", "sk-", lambda: _body(20) + "T3BlbkFJ" + _body(20)),
    ("supabase-secret-key", "sb_value", "sb_secret_", lambda: _body(40)),
    ("supabase-service-role-key", "sb_role_value", _jwt_claims(), lambda: _body(43)),  # the signature is secret
    ("supabase-access-token", "sbp_value", "sbp_", lambda: _body(40, _HEX)),
    ("supabase-publishable-key", "sb_pub_value", "sb_publishable_", lambda: _body(40)),
    ("digitalocean-pat", "do_value", "dop_v1_", lambda: _body(64, _HEX)),
    ("digitalocean-oauth-token", "doo_value", "doo_v1_", lambda: _body(64, _HEX)),
    ("flyio-personal-token", "fly_value", "fo1_", lambda: _body(43)),
    ("flyio-macaroon", "fly_mac_value", "fm2_", lambda: _body(60)),
    ("heroku-api-key", "heroku_value", "HRKU-", lambda: _body(40)),
    ("neon-api-key", "neon_value", "napi_", lambda: _body(50)),
    ("planetscale-service-token", "ps_value", "pscale_tkn_", lambda: _body(40)),
    ("planetscale-password", "ps_pw_value", "pscale_pw_", lambda: _body(40)),
    ("terraform-cloud-token", "tfc_value", "", lambda: _body(14) + ".atlasv1." + _body(65)),
    ("slack-user-token", "slack_value", "xoxp-", lambda: f"{_digits(10)}-{_digits(10)}-{_digits(12)}-{_body(32)}"),
    ("slack-bot-token", "slack_bot_value", "xoxb-", lambda: f"{_digits(10)}-{_digits(12)}-{_body(24)}"),
    ("npm-access-token", "npm_value", "npm_", lambda: _body(36)),
    ("render-api-key", "render_value", "rnd_", lambda: _body(32)),
    ("netlify-personal-token", "netlify_value", "nfp_", lambda: _body(40)),
    ("gitlab-access-token", "gitlab_value", "glpat-", lambda: _body(20)),
    ("gitlab-deploy-token", "gitlab_deploy_value", "gldt-", lambda: _body(20)),
    ("gitlab-trigger-token", "gitlab_trigger_value", "glptt-", lambda: _body(40)),
    ("gitlab-runner-token", "gitlab_runner_value", "glrt-", lambda: _body(20)),
    ("doppler-personal-token", "doppler_value", "dp.pt.", lambda: _body(43)),
    ("doppler-service-account-token", "doppler_sa_value", "dp.sa.", lambda: _body(43)),
    ("doppler-service-token", "doppler_st_value", "dp.st.", lambda: _body(43)),
    ("doppler-scim-token", "doppler_scim_value", "dp.scim.", lambda: _body(43)),
    ("digitalocean-spaces-key", "spaces_id_value", "DO0", lambda: _body(17, _UP)),
    ("pypi-api-token", "pypi_value", "pypi-AgEIcHlwaS5vcmc", lambda: _body(60)),
    ("aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", "", lambda: _body(40)),
    ("heroku-legacy-api-key", "HEROKU_API_KEY", "", _uuid),
    ("cloudflare-global-api-key", "CLOUDFLARE_API_KEY", "", lambda: _body(37, _HEX)),
    ("cloudflare-api-token", "CLOUDFLARE_API_TOKEN", "", lambda: _body(40)),
    ("vercel-token", "VERCEL_TOKEN", "", lambda: _body(24)),
    ("flyio-named-token", "FLY_API_TOKEN", "", lambda: _body(40)),
    ("neon-named-key", "NEON_API_KEY", "", lambda: _body(40)),
    ("digitalocean-named-token", "DIGITALOCEAN_TOKEN", "", lambda: _body(64, _HEX)),
    ("terraform-cloud-named-token", "TFE_TOKEN", "", lambda: _body(40)),
    ("render-named-key", "RENDER_API_KEY", "", lambda: _body(32)),
    ("netlify-named-token", "NETLIFY_AUTH_TOKEN", "", lambda: _body(43)),
    ("gitlab-named-token", "GITLAB_TOKEN", "", lambda: _body(26)),
    ("doppler-named-token", "DOPPLER_TOKEN", "", lambda: _body(44)),
    ("digitalocean-spaces-secret", "SPACES_SECRET_KEY", "", lambda: _body(43)),
    ("railway-account-token", "RAILWAY_API_TOKEN", "", _uuid),
    ("railway-provider-token", "RAILWAY_TOKEN", "", _uuid),
    ("railway-project-token", "RAILWAY_PROJECT_TOKEN", "", _uuid),
    # known by their name only (graph/secret_names.py): a Terraform literal under such a name is a credential
    ("named-password", "db_password", "", lambda: _body(20)),
    ("named-secret", "client_secret", "", lambda: _body(32)),
    ("connection-string", "connection_string", "Server=db.internal;UserId=app;Password=", lambda: _body(20)),
]
PLANTED_AS_FILES = {"google-service-account-key", "private-key", "npmrc-auth", "pypirc-password",
                    "docker-registry-auth", "netrc-password", "pgpass-password", "key-store-file",
                    "database-superuser-url"}  # planted as a URL whose password alone is the canary (_matrix)


class Canaries:
    """Planted values by name (``where:kind``): (public prefix, body)."""

    def __init__(self):
        self.values: dict[str, tuple[str, str]] = {}

    def new(self, where: str, prefix: str, body: str) -> str:
        self.values[where] = (prefix, body)
        return prefix + body

    def each_kind(self, where: str) -> list[tuple[str, str]]:
        """(NAME, fresh value) of every kind, recorded as ``where:kind``."""
        return [(name, self.new(f"{where}:{kid}", prefix, make())) for kid, name, prefix, make in KIND_SAMPLES]

    def leaks(self, text: str) -> list[str]:
        """Planted values a piece of whose body appears in TEXT: any 6 characters, or 10 where the 6 are all hex
        digits (the outputs hold thousands of hex fingerprints and ids: with a thousand findings, some 8-hex-digit
        window of a 64-digit hex token matches one by chance)."""
        seen = {n: {text[i:i + n] for i in range(len(text) - n + 1)} for n in (6, 10)}
        hexdigits = set(_HEX + "-")

        def pieces(body):
            for i in range(len(body) - 5):
                six = body[i:i + 6]
                if not set(six) <= hexdigits:
                    yield six, 6
                elif i + 10 <= len(body):
                    yield body[i:i + 10], 10

        return [name for name, (_, body) in self.values.items() if any(p in seen[n] for p, n in pieces(body))]


def _matrix(root, c: Canaries):
    files = {}

    def tf_lines(pairs, indent="  "):
        return "".join(f'{indent}{n} = "{v}"\n' for n, v in pairs)

    files["infra/all.tf"] = (
        'provider "railway" {}\n'
        f"locals {{\n{tf_lines(c.each_kind('tf'))}}}\n"
        + "".join(f"# {n}={v}  (rotated last week)\n" for n, v in c.each_kind("tf-comment"))
        + f'resource "aws_db_instance" "db" {{\n  engine = "postgres"\n'
          f'  deletion_protection = "{c.new("eval-literal", "ghp_", _body(36))}"\n'
          f'  tags = {{ "{c.new("eval-map-key", "ghp_", _body(36))}" = "x" }}\n'
          f'  identifier = file("keys/{c.new("eval-file-path", "ghp_", _body(36))}.txt")\n}}\n'
          f'module "m" {{\n  source = "git::https://oauth2:{c.new("module-url", "", _body(40))}@github.com/acme/m.git"\n}}\n'
          f'module "n" {{\n  source = "git::https://oauth2:{c.new("module-url-ghp", "ghp_", _body(36))}@github.com/acme/n.git"\n}}\n'
          f'# DATABASE_URL=postgresql://app:{c.new("tf-comment-url", "", _body(24))}@db.internal:5432/app\n')
    files["infra/literals.tf"] = _terraform_places(c)
    # scripts Terraform renders (templatefile templates, judged by meaning too): a .tftpl and a .sh one
    files["infra/templates/init.sh.tftpl"] = ("#!/bin/bash\nexport HOST=\"${host}\"\n"
                                              + "".join(f'export {n}="{v}"\n' for n, v in c.each_kind("tftpl")))
    files["infra/templates/boot.sh"] = "#!/bin/sh\n" + "".join(f"{n}={v}\n" for n, v in c.each_kind("template-sh"))
    files["infra/production.tfvars"] = tf_lines(c.each_kind("tfvars"), "")
    files["infra/more.tf.json"] = json.dumps({"locals": dict(c.each_kind("tfjson"))}, indent=2) + "\n"
    files["infra/vars.tfvars.json"] = json.dumps(dict(c.each_kind("tfvars-json"))) + "\n"
    files["plan/production.plan.json"] = json.dumps({
        "format_version": "1.2", "terraform_version": "1.11.4",
        "planned_values": {"root_module": {"resources": [{
            "address": "aws_db_instance.db", "mode": "managed", "type": "aws_db_instance", "name": "db",
            "values": {"identifier": "db", "deletion_protection": False, **{n.lower(): v for n, v in c.each_kind("plan")}}}]}},
        "resource_changes": [{"address": "aws_db_instance.db", "mode": "managed", "type": "aws_db_instance", "name": "db",
                              "change": {"actions": ["delete"], "before": dict(c.each_kind("plan-before")), "after": None}}]},
        indent=2) + "\n"
    files[".env.preview"] = "".join(f"{n}={v} # paste here\n" for n, v in c.each_kind("env-here"))
    files["services/web/.env"] = ("".join(f"export {n}='{v}'\n" for n, v in c.each_kind("env")) +
                                  f"DATABASE_URL=postgres://app:{c.new('env-url', '', _body(24))}@db:5432/app\n"
                                  f"ADMIN_DATABASE_URL=postgresql://postgres:{c.new('env-superuser-url', '', _body(24))}"
                                  "@orders.cluster-c1x2.eu-west-1.rds.amazonaws.com:5432/orders\n")
    files["infra/production.tfvars"] += (f'admin_url = "mysql://root:{c.new("tfvars-superuser-url", "", _body(24))}'
                                         '@orders-prod.mysql.database.azure.com:3306/orders"\n')
    start = " ".join(f"{n}={v}" for n, v in c.each_kind("railway-json"))
    files["services/web/railway.json"] = json.dumps({"$schema": "https://railway.com/railway.schema.json",
                                                     "deploy": {"startCommand": f"{start} node server.js"},
                                                     "environments": {"production": {"variables": dict(
                                                         c.each_kind("railway-json-env"))}}}) + "\n"
    files["services/api/railway.toml"] = (f'[deploy]\nstartCommand = "{" ".join(f"{n}={v}" for n, v in c.each_kind("railway-toml"))} node s.js"\n')
    env = ", ".join(f'{n}: "{v}"' for n, v in c.each_kind("railway-ts"))
    files[".railway/railway.ts"] = ('import { defineRailway, project, service, github } from "railway/iac";\n\n'
                                    'export default defineRailway((ctx) => project("shop", {\n  resources: [\n'
                                    f'    service("api", {{ source: github("acme/api"), env: {{{env}}} }}),\n  ],\n}}));\n')
    env = ", ".join(f'"{n}": "{v}"' for n, v in c.each_kind("railway-py"))
    files["apps/py/.railway/railway.py"] = ("from railway_sdk import define_railway, github, project, service\n\n\n"
                                            "@define_railway\ndef main(ctx=None):\n"
                                            f'    web = service("web", source=github("org/app"), env={{{env}}})\n'
                                            '    return project("app", resources=[web])\n')
    files["railway/production.json"] = json.dumps({"services": {"svc": {"variables": {
        n: {"value": v} for n, v in c.each_kind("env-config")}, "volumeMounts": {
        "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b": {"mountPath": "/data"}}}}}) + "\n"
    files["scripts/rotate.sh"] = ("#!/bin/sh\n" + "".join(f'export {n}="{v}"\n' for n, v in c.each_kind("script"))
                                  + "".join(f"# {n}={v}\n" for n, v in c.each_kind("script-comment"))
                                  + f"curl https://ops:{c.new('script-url', '', _body(24))}@api.example.com/x\n")
    # broken files: the parse error must not quote the value
    for i, (n, v) in enumerate(c.each_kind("broken-tf")):
        files[f"broken/tf{i:02d}.tf"] = f'resource "x" "y" {{\n  {n} = "{v}" "{v}"\n'
    files["broken/prod.tfvars"] = "".join(f'{n} = "{v}" +\n' for n, v in c.each_kind("broken-tfvars"))
    files["broken/main.tf.json"] = json.dumps({"locals": dict(c.each_kind("broken-tfjson"))})[:-2] + ',\n'
    files["broken/railway.json"] = json.dumps({"deploy": {"startCommand": " ".join(
        f"{n}={v}" for n, v in c.each_kind("broken-railway-json"))}})[:-3] + "\n"
    files["broken/railway.toml"] = "".join(f'{n} = "{v}\n' for n, v in c.each_kind("broken-railway-toml"))
    files["broken/.railway/railway.ts"] = ("export default defineRailway(() => project(\"x\", { env: {"
                                           + ", ".join(f'{n}: "{v}"' for n, v in c.each_kind("broken-ts")) + "\n")
    files["broken/.env.production"] = "".join(f"{n}=\"{v}\n" for n, v in c.each_kind("broken-env"))
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def _terraform_places(c: Canaries) -> str:
    """Every kind in every place a Terraform literal is judged by its meaning or its shape: provider and backend
    blocks, resource arguments and nested blocks, sensitive variable defaults, Lambda environment maps, ECS
    container definitions (HCL and JSON), user_data heredocs (with interpolations too), base64encode() of a literal,
    templatefile() templates (planted in _matrix) and write-only arguments."""
    def pairs(where):
        return c.each_kind(where)

    def attrs(ps, indent):
        return "".join(f'{indent}{n} = "{v}"\n' for n, v in ps)

    ecs_json = ",\n".join(f'      {{"name": "{n}", "value": "{v}"}}' for n, v in pairs("ecs-json"))
    script = "".join(f"    export {n}={v}\n" for n, v in pairs("user-data"))
    escaped = "".join(f"export {n}={v}\\n" for n, v in pairs("base64encode"))
    interp = "".join(f"    {n}={v}\n" for n, v in pairs("user-data-interp"))
    return (f'provider "postgresql" {{\n{attrs(pairs("provider"), "  ")}}}\n'
            f'terraform {{\n  backend "azurerm" {{\n{attrs(pairs("backend"), "    ")}  }}\n}}\n'
            f'resource "google_container_cluster" "gke" {{\n  name = "gke"\n  master_auth {{\n'
            f'{attrs(pairs("nested-block"), "    ")}  }}\n}}\n'
            + "".join(f'variable "v{i}" {{\n  sensitive = true\n  default   = "{v}"\n}}\n'
                      for i, (_, v) in enumerate(pairs("sensitive-default")))
            + f'resource "aws_lambda_function" "fn" {{\n  function_name = "fn"\n  environment {{\n    variables = {{\n'
              f'{attrs(pairs("lambda-env"), "      ")}    }}\n  }}\n}}\n'
              f'resource "aws_ecs_task_definition" "hcl" {{\n  family = "hcl"\n'
              f'  container_definitions = jsonencode([{{\n    name = "app"\n    environment = [\n'
            + "".join(f'      {{ name = "{n}", value = "{v}" }},\n' for n, v in pairs("ecs-hcl"))
            + f'    ]\n  }}])\n}}\n'
              f'resource "aws_ecs_task_definition" "json" {{\n  family = "json"\n  container_definitions = <<-JSON\n'
              f'    [{{"name": "app", "environment": [\n{ecs_json}\n    ]}}]\n  JSON\n}}\n'
              f'resource "aws_instance" "web" {{\n  ami = "ami-1"\n  user_data = <<-EOT\n    #!/bin/bash\n{script}  EOT\n}}\n'
              f'resource "aws_instance" "b64" {{\n  ami = "ami-1"\n  user_data = base64encode("#!/bin/bash\\n{escaped}")\n}}\n'
              f'resource "aws_instance" "interp" {{\n  ami = "ami-1"\n  user_data = <<-EOT\n    #!/bin/bash\n'
              f'    HOST=${{var.host}}\n{interp}  EOT\n}}\n'
              f'resource "aws_instance" "tpl" {{\n  ami = "ami-1"\n'
              f'  user_data = templatefile("${{path.module}}/templates/init.sh.tftpl", {{ host = "db" }})\n}}\n'
              f'resource "aws_instance" "sh" {{\n  ami = "ami-1"\n'
              f'  user_data = templatefile("templates/boot.sh", {{}})\n}}\n'
              f'resource "aws_db_instance" "wo" {{\n  engine = "postgres"\n'
            + "".join(f'  {n}_wo = "{v}"\n' for n, v in pairs("write-only")) + "}\n")


def test_kind_samples_cover_the_catalogue():
    from iaclint.graph import credentials as creds

    for kid, name, prefix, make in KIND_SAMPLES:
        m = creds.match_literal(name, prefix + make(), terraform_provider_context=True)
        assert m is not None and m.kind.id == kid, (kid, m and m.kind.id)
    assert {k.id for k in creds.load_catalogue()} == {k[0] for k in KIND_SAMPLES} | PLANTED_AS_FILES


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    root = tmp_path_factory.mktemp("matrix")
    c = Canaries()
    c.values.update(CANARIES)
    _plant(root)
    _matrix(root, c)
    return root, c


def _outputs(root, tmp) -> dict[str, str]:
    """Every output iaclint has, for the tree at ROOT: name -> text."""
    out = {}
    for fmt in ("text", "json", "sarif", "github"):
        r = run_cli("check", str(root), "--no-config", "--format", fmt)
        out[f"check {fmt}"] = r.stdout + r.stderr
    for args in (["check", "--explain-environments"], ["blast-radius", "--all"],
                 ["blast-radius", "--all", "--format", "json"]):
        r = run_cli(args[0], str(root), "--no-config", *args[1:])
        out[" ".join(args)] = r.stdout + r.stderr
    bl = tmp / "baseline.json"
    r = run_cli("baseline", "create", str(root), "--no-config", "-o", str(bl))
    out["baseline create"] = r.stdout + r.stderr + bl.read_text()
    sarif, summary, outputs = tmp / "out.sarif", tmp / "summary.md", tmp / "outputs"
    run_cli("check", str(root), "--no-config", "--format", "sarif", "-o", str(sarif))
    r = run_cli("action-report", str(sarif), "--exit-code", "1", env={
        "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs), "GITHUB_WORKSPACE": str(root)})
    out["action-report"] = r.stdout + r.stderr + summary.read_text() + outputs.read_text()
    out["lsp"] = _lsp_text(root)
    return out


def _lsp_text(root) -> str:
    """The LSP diagnostics (messages, related messages, codes) of the tree, in-process, with an unsaved buffer."""
    from lsprotocol import types

    from iaclint.lsp import Linter, diagnostics_by_path, internal_errors

    buffer = root / "infra" / "all.tf"
    report, _ = Linter().scan(str(root), {str(buffer): buffer.read_text() + "\nlocals {\n"})
    texts = internal_errors(report)
    for diags in diagnostics_by_path(report, types).values():
        for d in diags:
            texts.append(f"{d.code} {d.message}")
            texts.extend(r.message for r in d.related_information or [])
    assert len(texts) > 50
    return "\n".join(texts)


@pytest.fixture(scope="module")
def outputs(matrix, tmp_path_factory):
    return _outputs(matrix[0], tmp_path_factory.mktemp("outputs"))


@pytest.mark.parametrize("which", ["check text", "check json", "check sarif", "check github",
                                   "check --explain-environments", "blast-radius --all",
                                   "blast-radius --all --format json", "baseline create", "action-report", "lsp"])
def test_no_canary_of_any_kind_in_any_output(matrix, outputs, which):
    assert outputs[which].strip()
    assert matrix[1].leaks(outputs[which]) == []


def test_matrix_canaries_are_found_and_shown_redacted(matrix, outputs):
    """The matrix proves something only if the planted values reach the outputs: findings name them (redacted),
    parse errors are reported for the broken files, excerpts show masked lines."""
    doc = json.loads(outputs["check json"])
    files = {f["file"] for f in doc["findings"] if f["rule_id"].startswith("CS")}
    for rel in ("infra/all.tf", "infra/literals.tf", "infra/production.tfvars", "infra/more.tf.json", ".env.preview",
                "services/web/.env",
                "scripts/rotate.sh", ".railway/railway.ts", "apps/py/.railway/railway.py", "railway/production.json"):
        assert rel in files, rel
    by_meaning = {(f["rule_id"], f["properties"].get("credential_kind")) for f in doc["findings"]
                  if f["file"] == "infra/literals.tf"}
    for kid in ("named-password", "named-secret", "connection-string"):  # provider/backend, resource arguments
        assert {("CS011", kid), ("CS012", kid)} <= by_meaning, kid
    # name-only secrets in scripts Terraform renders and literal write-only arguments are found by meaning
    lines = {(f["file"], f["line"]) for f in doc["findings"]
             if f["rule_id"] == "CS012" and f["properties"].get("credential_kind") == "named-password"}
    tf = (matrix[0] / "infra" / "literals.tf").read_text().split("\n")
    for marker in ("resource \"aws_instance\" \"web\"", "resource \"aws_instance\" \"interp\"",
                   "resource \"aws_db_instance\" \"wo\""):
        start = tf.index(next(t for t in tf if t.startswith(marker))) + 1
        end = tf.index("}", start)
        assert any(("infra/literals.tf", ln) in lines for ln in range(start, end + 1)), marker
    for template in ("infra/templates/init.sh.tftpl", "infra/templates/boot.sh"):
        assert any(f == template for f, _ in lines), template
    broken = {e["file"] for e in doc["errors"] if e["level"] == "error"}
    assert {"broken/tf00.tf", "broken/main.tf.json", "broken/railway.json", "broken/railway.toml"} <= broken
    text = outputs["check text"]
    assert "ghp_…(40 chars)" in text and "RAILWAY_API_TOKEN=…(36 chars) # paste here" in text
    assert "oauth2:****@github.com" in text and "oauth2:ghp_…(40 chars)@github.com" in text  # module sources
    assert 'aws_db_instance.db has deletion_protection = "ghp_…(40 chars)"' in text  # an evaluation message
    assert 'env: {gh_value: "ghp_…(40 chars)", ' in text  # a railway.ts excerpt
    for which in ("check text", "check json", "check sarif", "check github", "action-report", "lsp"):
        assert "invalid HCL syntax near '" in outputs[which], which  # parse errors are shown, masked
