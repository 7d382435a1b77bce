"""A large plan is streamed (parsers/planstream.py): the graph, the findings and their lines are the ones the
in-memory reader gives. The streaming threshold is lowered so the checked-in plans take that path."""
from __future__ import annotations

import json
import os

import pytest

from conftest import FIXTURES, scan_dir
from iaclint.parsers import planstream
from iaclint.parsers.planstream import LazyValues

PLANS = [os.path.join(FIXTURES, "tf", "plan_hand"), os.path.join(FIXTURES, "plan", "real")]


def _results(report):
    return [(f.rule_id, f.span.path, f.span.line, f.message) for f in report.findings]


@pytest.mark.parametrize("tree", PLANS, ids=os.path.basename)
def test_streamed_plan_gives_the_same_findings(tree, monkeypatch):
    opts = {"stateful_types": {"terraform_data"}}
    whole = scan_dir(tree, **opts)
    monkeypatch.setattr(planstream, "STREAM_BYTES", 0)
    streamed = scan_dir(tree, **opts)
    assert _results(streamed) == _results(whole) and _results(whole)


def test_streamed_plan_on_one_line_is_at_line_1(tmp_path, monkeypatch):
    with open(os.path.join(FIXTURES, "tf", "plan_hand", "production.plan.json"), encoding="utf-8") as fh:
        doc = json.load(fh)
    (tmp_path / "production.plan.json").write_text(json.dumps(doc, separators=(",", ":")))
    monkeypatch.setattr(planstream, "STREAM_BYTES", 0)
    got = [(f.rule_id, f.span.line) for f in scan_dir(str(tmp_path)).findings if f.rule_id == "DP100"]
    assert got == [("DP100", 1), ("DP100", 1)]


def test_invalid_streamed_plan_is_an_error_naming_the_file(tmp_path, monkeypatch):
    (tmp_path / "big.plan.json").write_text('{"format_version": "1.2", "terraform_version": "1.11.4", '
                                            '"planned_values": {"root_module": {"resources": [{"address": ')
    monkeypatch.setattr(planstream, "STREAM_BYTES", 0)
    report = scan_dir(str(tmp_path))
    assert [(d.path, d.level) for d in report.diagnostics] == [("big.plan.json", "error")]
    assert "invalid JSON" in report.diagnostics[0].message


def test_lazy_values_decode_on_first_use_and_pickle_compact():
    import pickle

    v = LazyValues(b'{"deletion_protection": false, "tags": {"env": "production"}}')
    assert dict.__len__(v) == 0  # nothing decoded yet
    again = pickle.loads(pickle.dumps(v))
    assert isinstance(again, LazyValues) and dict.__len__(again) == 0
    assert v.get("deletion_protection") is False and v["tags"] == {"env": "production"}
    assert "tags" in v and sorted(v) == ["deletion_protection", "tags"] and len(v) == 2
    assert dict(v) == {"deletion_protection": False, "tags": {"env": "production"}} == v
    assert json.loads(json.dumps(v)) == dict(v)
