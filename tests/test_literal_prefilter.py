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
