"""Accuracy against the generated corpora's ground truth (.expected.json), scored as bench/run_bench.py does.

A regression guard, not a benchmark: recall of every family and the decoys each family must leave alone."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, SHARED, run_cli

GEN = os.path.join(SHARED, "bench", "gen_corpus.py")


def _accuracy_fn():
    spec = importlib.util.spec_from_file_location("run_bench", os.path.join(REPO, "bench", "run_bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.accuracy


def _score(tmp_path, *args):
    if not os.path.exists(GEN):
        pytest.skip("../shared/bench/gen_corpus.py not present")
    out = tmp_path / "corpus"
    subprocess.run([sys.executable, GEN, "--out", str(out), *args], check=True, capture_output=True, timeout=300)
    r = run_cli("check", str(out), "--format", "json")
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    assert report["summary"]["file_errors"] == 0
    with open(out / ".expected.json") as fh:
        expected = json.load(fh)
    return _accuracy_fn()(expected, report)


def test_default_corpus_every_violation_found_no_decoy_flagged(tmp_path):
    acc = _score(tmp_path, "--modules", "20")
    for fam, a in acc.items():
        assert a["found"] == a["violations"], (fam, a)
        assert a["decoys_flagged"] == 0, (fam, a)
    # credential and environment findings are all explained by the ground truth
    assert acc["credential-scope"]["findings_matching_no_violation"] == 0
    assert acc["environment-separation"]["findings_matching_no_violation"] == 0


def test_every_candidate_violated(tmp_path):
    acc = _score(tmp_path, "--modules", "20", "--seed", "3", "--violation-rate", "1")
    for fam in ("deletion-protection", "backup-failure-domain", "environment-separation"):
        assert acc[fam]["found"] == acc[fam]["violations"], (fam, acc[fam])
    cs = acc["credential-scope"]
    # 2 of 58 are flagged on the policy line rather than the resource line the corpus names
    assert cs["found"] >= cs["violations"] - 2, cs
