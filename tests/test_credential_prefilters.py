"""The Terraform literal-credential walk skips a file whose text cannot hold a credential
(``credentials.may_hold_literal_credential``): the prefilter must never hide one."""
from __future__ import annotations

import os

import pytest

from iaclint.graph import credentials as creds
from iaclint.graph import secret_names as sn
from iaclint.scan import ScanOptions, graph_and_discovery

HERE = os.path.dirname(os.path.abspath(__file__))


def test_every_certain_secret_word_is_a_hint():
    words = sn._PASSWORD | sn._SECRET | sn._CONNECTION | set(sn._GLUED_PASSWORD) | set(sn._GLUED_SECRET)
    for w in words:
        for name in (w, w.upper(), f"db_{w}", f"x{w.capitalize()}", f"{w}_value"):
            assert sn.may_name_secret(f'  {name} = "v"\n'), name
    for a, b in sn._SECRET_PAIRS | sn._CONNECTION_PAIRS:
        for name in (f"{a}_{b}", f"{a}{b.capitalize()}", f"{a.upper()}-{b.upper()}", f'"{a} {b}"'):
            assert sn.may_name_secret(name), name
    for owner, arg, meaning in sn._SCHEMA:
        if meaning is not None:
            assert sn.may_name_secret(f'resource "{owner}x" "r" {{ {arg} = "v" }}'), (owner, arg)


def test_names_without_a_secret_word_pass():
    for text in ('kms_key_id = "k"', 'public_key = "ssh-ed25519 AAAA"', 'disaster_recovery = true', 'url = "x"'):
        assert not sn.may_name_secret(text), text


def test_names_a_kind_is_known_by_and_token_literals_are_hints():
    for k in creds.load_catalogue():
        for p in k.names:
            lit = creds._required_literal(p.pattern)
            assert creds.may_hold_literal_credential(f"a = {{ {lit} = 1 }}"), p.pattern
    for text in ("x = \"AKIA\"", "-----BEGIN RSA", "postgres://u:p@h/db", "name = \"\\u0041\"", "é"):
        assert creds.may_hold_literal_credential(text), text
    assert not creds.may_hold_literal_credential('resource "aws_s3_bucket" "b" {\n  bucket = "orders"\n}\n')


def _credentials(root: str) -> list:
    g, _ = graph_and_discovery([root], ScanOptions(root=root, jobs=1))
    return sorted((n.id, repr(n.attrs)) for n in g.nodes.values() if n.kind == "credential")


@pytest.mark.parametrize("tree", ["tests/fixtures", "examples"])
def test_prefilter_hides_no_credential(tree, monkeypatch):
    root = os.path.join(os.path.dirname(HERE), tree)
    fast = _credentials(root)
    monkeypatch.setattr(creds, "may_hold_literal_credential", lambda text: True)
    assert _credentials(root) == fast


def _sequential_reference(v: str) -> bool:
    return len(v) >= 6 and sum(ord(b) - ord(a) == 1 for a, b in zip(v, v[1:])) >= 0.6 * (len(v) - 1)


def test_placeholder_fast_paths_agree_with_their_definitions():
    import random
    import string

    rnd = random.Random(16)
    alphabet = string.printable + "\x7f\x00é€ſK"
    values = ["ABCDEFGH", "1234567890abcdef", "~\x7f~\x7f~\x7f", "ex-AMPLE", "Change_Me", "your-api-token", "x" * 9,
              "p@ssw0rd!", "REDACTED", "****", "ſecret"]
    values += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40))) for _ in range(20000)]
    values += ["".join(chr(33 + (i + rnd.randint(0, 1)) % 90) for i in range(rnd.randint(5, 30))) for _ in range(5000)]
    for v in values:
        assert creds._sequential(v) == _sequential_reference(v), repr(v)
        assert creds._placeholder_word(v) == (creds._PLACEHOLDER_WORD.search(v) is not None), repr(v)


def test_every_way_a_literal_is_found_survives_the_prefilter(tmp_path, monkeypatch):
    """Literal credentials by name, by token format, in a heredoc script, in a JSON heredoc, a sensitive variable's
    default, beside blocks that hold none."""
    pw = "Zq8" + "vLr2" + "Xw9tPk"
    token = "ghp" + "_" + "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"
    (tmp_path / "main.tf").write_text(f'''
resource "aws_s3_bucket" "cold" {{
  bucket = "orders"
}}

resource "aws_db_instance" "db" {{
  identifier = "orders"
  password   = "{pw}"
}}

locals {{
  cold = {{ a = "b" }}
  hot  = {{ "api_key" = "{pw}" }}
}}

resource "aws_instance" "web" {{
  ami       = "ami-1"
  user_data = <<-EOT
    #!/bin/sh
    export DB_PASSWORD={pw}
  EOT
}}

resource "aws_ecs_task_definition" "t" {{
  family = "t"
  container_definitions = <<EOT
[{{"name": "web", "environment": [{{"name": "GITHUB_TOKEN", "value": "{token}"}}]}}]
EOT
}}

variable "seed" {{
  default   = "{pw}"
  sensitive = true
}}

module "m" {{
  source = "./m"
  note   = "{token}"
}}
''')
    fast = _credentials(str(tmp_path))
    assert len(fast) >= 5
    monkeypatch.setattr(creds, "may_hold_literal_credential", lambda text: True)
    assert _credentials(str(tmp_path)) == fast
