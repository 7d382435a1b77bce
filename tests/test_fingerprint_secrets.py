"""Report fingerprints carry no information about a credential's value.

The salt of ``credentials.fingerprint`` is public, so a report fingerprint computed from it would let whoever
holds a SARIF file, a JSON report or a baseline test guessed passwords offline (field trial 4). Two trees that
differ only in a secret's value (same shape: prefix and length) must give the same fingerprints."""
from __future__ import annotations

import json

import pytest

from conftest import cli_in_process

# fake values of the real shape, built by concatenation so no literal looks like a key to a scanner
_PW = ("Gd4kW9pR" + "2mXv7sLq", "Hb3nT8yC" + "5wQe1rUj")
_STRIPE = ("sk_" + "live_" + "Ab3dE5gH7jK9mN1pQ3sT5vW7", "sk_" + "live_" + "Zy8xW6vU4tS2rQ0pO8nM6lK4")


def _tree(tmp_path, i):
    d = tmp_path / f"t{i}"
    d.mkdir()
    # a literal master password (CS012) and a live key in an env file (CS002)
    (d / "main.tf").write_text('resource "aws_db_instance" "db" {\n  engine = "postgres"\n'
                               f'  password = "{_PW[i]}"\n}}\n')
    (d / ".env").write_text(f"STRIPE_SECRET_KEY={_STRIPE[i]}\n")
    return d


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_fingerprints_do_not_depend_on_the_secret_value(tmp_path, fmt):
    outs = []
    for i in (0, 1):
        d = _tree(tmp_path, i)
        out = cli_in_process("check", str(d), "--root", str(d), "--format", fmt, "--no-config").stdout
        doc = json.loads(out)
        if fmt == "json":
            fps = sorted((f["rule_id"], f["fingerprint"]) for f in doc["findings"] if f["rule_id"] in ("CS002", "CS012"))
        else:
            fps = sorted((r["ruleId"], r["partialFingerprints"]["iaclint/v1"]) for r in doc["runs"][0]["results"]
                         if r["ruleId"] in ("CS002", "CS012"))
        assert {r for r, _ in fps} == {"CS002", "CS012"}
        assert not any(v in out for v in _PW + _STRIPE)
        outs.append(fps)
    assert outs[0] == outs[1]
