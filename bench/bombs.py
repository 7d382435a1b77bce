#!/usr/bin/env python3
"""Hostile input, measured: every bomb shape of the test suite run as `iaclint check` in a fresh process, with its
wall time and peak RSS, beside a healthy file whose finding must still be reported.

The cases are the test suite's own (tests/test_evaluator_budgets.py BOMBS for Terraform, tests/test_railway_iac.py
BOMBS for railway.ts/py), plus 600 chained locals, 10,000 nested brackets, a catastrophic-backtracking regex and a
FIFO named main.tf. The tests bound each case in time in-process; this script bounds time *and* memory of the
real command (a test cannot measure a process's peak memory reliably).

    python3 bench/bombs.py [--max-seconds 10] [--max-mb 300]

Prints one row per case and exits 1 when a case is over a bound, misses the healthy file's finding or says
nothing about the bomb (no diagnostic and no cannot-verify finding; the two shapes iaclint computes, RE2 and the
chain, must instead say nothing).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))

GOOD = ("good.tf", 'resource "aws_db_instance" "good" {\n  identifier              = "good-production"\n'
        '  backup_retention_period = 0\n  deletion_protection     = true\n}\n')
GOOD_FINDING = ("BK003", "good.tf", 3)


def _tf_case(locals_src: str, attr: str = "length(local.bomb) > 0") -> dict:
    return {"bomb.tf": "locals {\n" + locals_src + "\n}\n" + 'resource "aws_db_instance" "bomb" {\n'
            f'  identifier          = "bomb-production"\n  deletion_protection = {attr}\n}}\n'}


QUIET = {"tf-redos", "tf-600-chained-locals"}


def cases() -> dict[str, dict]:
    """name -> {relative path: text} (the FIFO case: text None)."""
    import test_evaluator_budgets as tf
    import test_railway_iac as rw

    out = {f"tf-{name}": _tf_case(src) for name, src in sorted(tf.BOMBS.items())}
    # not bombs once handled: RE2 answers at once, a chain resolves iteratively (a value, nothing to say)
    out["tf-redos"] = _tf_case('  bomb = regexall("^(a+)+$", "' + "a" * 48 + '!")', "length(local.bomb) == 0")
    out["tf-600-chained-locals"] = _tf_case("  a0 = 1\n" + "\n".join(f"  a{i} = local.a{i - 1} + 1"
                                                                     for i in range(1, 601)) + "\n  bomb = [local.a600]")
    out["tf-10000-nested-brackets"] = {"bomb.tf": "locals {\n  bomb = " + "[" * 10000 + "1" + "]" * 10000 + "\n}\n"}
    out.update({f"railway-{name}": {rel: text} for name, (rel, text) in sorted(rw.BOMBS.items())})
    out["fifo-main.tf"] = {"fifo/main.tf": None}
    return out


_WRAPPER = r"""
import json, resource, subprocess, sys, time
t = time.monotonic()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=300)
print(json.dumps({"wall": time.monotonic() - t, "rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "rc": p.returncode, "out": p.stdout, "err": p.stderr[-2000:]}))
"""


def run_case(files: dict) -> dict:
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, GOOD[0]), "w") as fh:
            fh.write(GOOD[1])
        for rel, text in files.items():
            p = os.path.join(d, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            if text is None:
                os.mkfifo(p)
            else:
                with open(p, "w") as fh:
                    fh.write(text)
        cmd = [sys.executable, "-m", "iaclint", "check", d, "--root", d, "--no-config", "--format", "json"]
        r = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True, cwd=REPO)
        m = json.loads(r.stdout)
    doc = json.loads(m["out"]) if m["out"].strip().startswith("{") else {"findings": [], "errors": []}
    hits = {(f["rule_id"], f["file"], f["line"]) for f in doc.get("findings", [])}
    about = [e["message"] for e in doc.get("errors", []) if e["file"] != GOOD[0]] + \
        [f["message"] for f in doc.get("findings", []) if f["file"] != GOOD[0] and "cannot verify" in f["message"]]
    return {"seconds": m["wall"], "mb": m["rss_kb"] / 1024, "rc": m["rc"], "good": GOOD_FINDING in hits,
            "said": about[0] if about else ""}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max-seconds", type=float, default=10.0)
    ap.add_argument("--max-mb", type=float, default=300.0)
    args = ap.parse_args()
    bad = 0
    print(f"{'case':32} {'seconds':>8} {'peak MB':>8} {'rc':>3}  healthy file  what iaclint said about the bomb")
    for name, files in cases().items():
        r = run_case(files)
        quiet = name in QUIET  # computed, not stopped: a cannot-verify there would be wrong
        ok = r["seconds"] <= args.max_seconds and r["mb"] <= args.max_mb and r["good"] and r["rc"] in (0, 1) and \
            (not r["said"] if quiet else bool(r["said"]))
        if quiet and ok:
            r["said"] = "(evaluated: a value, no budget needed)"
        bad += not ok
        print(f"{name:32} {r['seconds']:8.2f} {r['mb']:8.0f} {r['rc']:>3}  {'reported' if r['good'] else 'MISSING':12}  "
              f"{r['said'][:90]}{'' if ok else '   <-- FAIL'}")
    print(f"\n{bad} case(s) over a bound or silent" if bad else "\nevery case bounded, explained, and the healthy file "
          "still reported")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
