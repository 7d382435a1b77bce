"""Inline suppressions: placement, module calls, expiry, reasons, unsuppressible rules, unused ignores."""
from __future__ import annotations

import datetime as dt
import json
import os

from conftest import cli_in_process, fixture_path, hits, scan_dir

from iaclint.engine.suppress import parse_ignores

SUP = fixture_path("suppress")


def _suppressed(report):
    return sorted((f.rule_id, f.span.path, f.span.line, f.suppression["location"], f.suppression["justification"])
                  for f in report.findings if f.suppression)


def _warnings(report):
    return sorted((d.path, d.line, d.message) for d in report.diagnostics if d.level == "warning")


def test_placement_reason_expiry_and_unused():
    report = scan_dir(os.path.join(SUP, "basic"))
    assert _suppressed(report) == [
        ("CS002", "scripts/release.sh", 3, "scripts/release.sh:2", "read-only token for the public mirror"),
        ("DP001", "main.tf", 3, "main.tf:3", "throwaway load-test database"),  # same line
        ("DP001", "main.tf", 8, "main.tf:7", "rebuilt from the warehouse every night"),  # line above header
        ("DP001", "main.tf", 29, "main.tf:28", "decommissioned next quarter"),  # by rule name, until in future
        ("DP001", "main.tf", 48, "main.tf:45", "the header covers the whole block"),  # header covers body
    ]
    # still reported: no reason (15), expired (22), trailing comment on the line above (41), unsuppressible CS001
    assert hits(report) == [("CS001", ".env", 2), ("DP001", "main.tf", 15), ("DP001", "main.tf", 22),
                            ("DP001", "main.tf", 41)]
    w = _warnings(report)
    assert [(p, l) for p, l, _ in w] == [(".env", 1), ("main.tf", 15), ("main.tf", 21), ("main.tf", 35),
                                         ("main.tf", 40), ("main.tf", 52)]
    msgs = dict(((p, l), m) for p, l, m in w)
    assert "unsuppressible" in msgs[(".env", 1)]
    assert "needs a reason" in msgs[("main.tf", 15)]
    assert "expired on 2020-01-31" in msgs[("main.tf", 21)]
    assert "matches no finding" in msgs[("main.tf", 35)] and "matches no finding" in msgs[("main.tf", 40)]
    assert "unknown rule XX999" in msgs[("main.tf", 52)]
    until = [f.suppression for f in report.findings if f.suppression and f.span.line == 29][0]
    assert until["until"] == "2099-12-31"


def test_module_call_ignore_covers_only_that_caller():
    report = scan_dir(os.path.join(SUP, "modules"), excludes=["all"])
    # prod-us is ignored on its module call, but the same resource also holds via prod-eu
    assert ("DP001", "modules/db/main.tf", 5) in hits(report)
    assert _suppressed(report) == []
    w = _warnings(report)
    assert len(w) == 1 and w[0][:2] == ("partial/prod-us/main.tf", 1)
    assert "only for this caller" in w[0][2] and "partial/prod-eu/main.tf:1" in w[0][2]
    # the other rule on the same resource is not touched by a DP001 ignore
    assert ("BK002", "modules/db/main.tf", 5) in hits(report)


def test_module_call_ignore_on_every_caller_suppresses():
    report = scan_dir(os.path.join(SUP, "modules"), excludes=["partial/*"])
    assert hits(report, "DP001") == []
    assert _suppressed(report) == [("DP001", "modules/db/main.tf", 5, "all/prod-eu/main.tf:1",
                                    "eu replica, promoted from snapshots only")]
    assert hits(report, "BK002") == [("BK002", "modules/db/main.tf", 5)]
    assert _warnings(report) == []


def test_unsuppressible_is_configurable():
    # a team may allow CS001 to be suppressed inline ...
    report = scan_dir(os.path.join(SUP, "basic"), suppressible={"CS001"})
    assert ("CS001", ".env", 2) not in hits(report)
    assert ("CS001", ".env", 2) in hits(report, "CS001", include_suppressed=True)
    # ... and make another rule unsuppressible
    report = scan_dir(os.path.join(SUP, "basic"), unsuppressible={"DP001"})
    assert [h for h in _suppressed(report) if h[0] == "DP001"] == []
    assert ("DP001", "main.tf", 3) in hits(report)
    assert any(p == "main.tf" and l == 3 and "unsuppressible" in m for p, l, m in _warnings(report))


def test_suppressed_findings_stay_in_json_and_sarif_with_justification(tmp_path):
    out = tmp_path / "r.sarif"
    r = cli_in_process("check", os.path.join(SUP, "basic"), "-f", "sarif", "-o", str(out))
    assert r.returncode == 1  # unsuppressed findings remain
    sarif = json.loads(out.read_text())
    res = [x for x in sarif["runs"][0]["results"] if x.get("suppressions")]
    got = sorted((x["ruleId"], x["locations"][0]["physicalLocation"]["region"]["startLine"],
                  x["suppressions"][0]["justification"]) for x in res)
    assert ("DP001", 3, "throwaway load-test database") in got and len(got) == 5
    assert all(x["suppressions"][0]["kind"] == "inSource" for x in res)
    r = cli_in_process("check", os.path.join(SUP, "basic"), "-f", "json")
    doc = json.loads(r.stdout)
    sup = [f for f in doc["findings"] if f["suppressed"]]
    assert len(sup) == 5 and doc["summary"]["findings"] == 4


def test_warnings_do_not_change_exit_code():
    # every DP001 finding suppressed, only warnings left -> exit 0
    r = cli_in_process("check", os.path.join(SUP, "modules"), "--root", os.path.join(SUP, "modules"), "--exclude", "partial",
                       "--select", "DP001")
    assert r.returncode == 0, r.stdout + r.stderr
    # an unused ignore is a warning shown in the output, still exit 0
    r = cli_in_process("check", os.path.join(SUP, "basic", "main.tf"), "--root", os.path.join(SUP, "basic"), "--select",
                       "BK002")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "matches no finding" in r.stdout


def test_parse_ignores_syntax():
    lines = [
        "# iaclint:ignore[DP001, BK002] shared reason, until=2030-02-03.",
        "# more commentary",
        "resource \"x\" \"y\" {",
        "  a = 1 // iaclint:ignore[ES001]   spaced    reason  ",
        "  # iaclint:ignore[DP001] until=2030-13-01 bad date",
        "  # iaclint:ignore DP001 missing brackets",
        "  # iaclint:ignore[] no id",
        "}",
    ]
    igs = parse_ignores("f.tf", lines)
    a, b, c, d, e = igs
    assert (a.line, a.target, a.ids, a.reason, a.until, a.problem) == (1, 3, {"DP001", "BK002"}, "shared reason",
                                                                       dt.date(2030, 2, 3), None)
    assert (b.line, b.target, b.ids, b.reason) == (4, 4, {"ES001"}, "spaced reason")
    assert "invalid until= date '2030-13-01'" in c.problem
    assert "malformed" in d.problem
    assert "names no rule" in e.problem
