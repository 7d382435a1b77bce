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
