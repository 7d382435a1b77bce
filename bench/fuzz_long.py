#!/usr/bin/env python3
"""Long fuzz campaign (outside CI): the robustness properties of tests/test_robustness.py with many more
examples, plus atheris (coverage-guided) over parse_file when it is installed, plus the big-input cases CI
skips (a ~200 MB plan JSON).

    python3 bench/fuzz_long.py --minutes 5                  # hypothesis, time-boxed per target
    python3 bench/fuzz_long.py --atheris-runs 200000        # also atheris (pip install atheris)
    python3 bench/fuzz_long.py --big-plan-mb 200            # the 200 MB plan JSON, timed, peak RSS

Prints, per target, the number of inputs executed and failures; exits 1 when any target failed (the
failing input is saved under bench/out/fuzz-failures/).
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import resource
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]
FAIL_DIR = os.path.join(HERE, "out", "fuzz-failures")


def hypothesis_targets():
    """The CI property tests, re-run with a large example budget."""
    import test_robustness as t

    return {
        "parse_hcl/random-bytes": t.test_parse_hcl_random_bytes,
        "parse_hcl/token-soup": t.test_parse_hcl_token_soup,
        "tfjson/random-text": t.test_parse_tf_json_random_text,
        "tfjson/json-structures": t.test_parse_tf_json_structures,
        "jsonpos/random-text": t.test_jsonpos_random_text,
        "jsonpos/roundtrip": t.test_jsonpos_roundtrip,
        "tomlpos/random-text": t.test_tomlpos_random_text,
        "dotenv/random-text": t.test_dotenv_random_text,
        "parse_file/random-bytes": t.test_parse_file_random_bytes_every_kind,
        "parse_file/mutated-real-files": t.test_parse_file_mutated_real_files,
        "evaluator/expressions": t.test_evaluator_random_expressions,
        "scan/random-trees": t.test_whole_scan_random_files,
    }


def run_hypothesis(seconds_per_target: float, max_examples: int) -> dict:
    from hypothesis import HealthCheck, Phase, settings

    counts = {}
    for name, test in hypothesis_targets().items():
        inner = test.hypothesis.inner_test
        n = {"count": 0}

        def counted(*a, _inner=inner, **k):
            n["count"] += 1
            return _inner(*a, **k)

        test.hypothesis.inner_test = counted
        s = settings(max_examples=max_examples, deadline=None, derandomize=False, database=None,
                     phases=[Phase.generate, Phase.shrink],
                     suppress_health_check=list(HealthCheck))
        t0 = time.monotonic()
        failed = None
        # time box: run batches until the budget is spent
        while time.monotonic() - t0 < seconds_per_target:
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    from pathlib import Path

                    kwargs = {"tmp_path": Path(tmp)} if "tmp_path" in inspect.signature(test).parameters else {}
                    test._hypothesis_internal_use_settings = s  # the CI budget, replaced by ours
                    test(**kwargs)
            except Exception:  # noqa: BLE001 - record and go on to the next target
                failed = traceback.format_exc()
                os.makedirs(FAIL_DIR, exist_ok=True)
                with open(os.path.join(FAIL_DIR, name.replace("/", "_") + ".txt"), "w") as fh:
                    fh.write(failed)
                break
        test.hypothesis.inner_test = inner
        counts[name] = {"inputs": n["count"], "seconds": round(time.monotonic() - t0, 1),
                        "failed": failed.strip().splitlines()[-1] if failed else None}
        print(f"  {name:<32} {n['count']:>8} inputs  {counts[name]['seconds']:>6} s  "
              f"{'FAIL: ' + counts[name]['failed'] if failed else 'ok'}", flush=True)
    return counts


def run_atheris(runs: int) -> dict | None:
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("  atheris not installed (pip install atheris); skipped")
        return None
    import subprocess

    code = r'''
import os, sys, tempfile
import atheris
with atheris.instrument_imports():
    from iaclint.parsers import parse_file
    from iaclint.model import SourceFile
    from iaclint.discover import classify
NAMES = ["main.tf", "v.tfvars", "m.tf.json", "railway.json", "railway.toml", ".env", "plan.json", "c.json",
         ".railway/railway.ts", ".railway/railway.py", "x.sh"]
tmp = tempfile.mkdtemp()
os.makedirs(os.path.join(tmp, ".railway"))
def one(data):
    if not data:
        return
    name = NAMES[data[0] % len(NAMES)]
    p = os.path.join(tmp, name)
    with open(p, "wb") as fh:
        fh.write(data[1:])
    parse_file(SourceFile(name, p, classify(name)))
atheris.Setup(sys.argv, one)
atheris.Fuzz()
'''
    corpus = tempfile.mkdtemp(prefix="atheris-corpus-")
    seeds = []
    for base in ("examples", "tests/fixtures"):
        for d, _, fs in os.walk(os.path.join(REPO, base)):
            seeds += [os.path.join(d, f) for f in fs]
    from iaclint.discover import classify

    names = ["main.tf", "v.tfvars", "m.tf.json", "railway.json", "railway.toml", ".env", "plan.json", "c.json",
             ".railway/railway.ts", ".railway/railway.py", "x.sh"]
    for i, p in enumerate(sorted(seeds)):
        rel = os.path.basename(p)
        k = classify(rel) or ""
        idx = next((j for j, n in enumerate(names) if classify(n) == k), len(names) - 1)
        with open(p, "rb") as fh:
            data = fh.read(100_000)
        with open(os.path.join(corpus, f"seed{i}"), "wb") as fh:
            fh.write(bytes([idx]) + data)
    os.makedirs(FAIL_DIR, exist_ok=True)
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-c", code, corpus, f"-runs={runs}", "-max_len=20000", "-rss_limit_mb=2048",
                        f"-artifact_prefix={FAIL_DIR}/"], cwd=REPO, capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": REPO})
    tail = (r.stderr or "").strip().splitlines()
    done = [ln for ln in tail if "Done" in ln]
    print(f"  atheris parse_file: rc={r.returncode} {done[-1] if done else (tail[-1] if tail else '')} "
          f"({time.monotonic() - t0:.0f} s)", flush=True)
    if r.returncode != 0:
        print("\n".join(tail[-30:]))
    return {"rc": r.returncode, "summary": done[-1] if done else (tail[-1] if tail else ""),
            "seconds": round(time.monotonic() - t0, 1)}


def big_plan(mb: int) -> dict:
    import subprocess

    import test_robustness as t

    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "repo")
        os.makedirs(root)
        path = os.path.join(root, "tfplan.json")
        t.write_plan(path, mb * 1024 * 1024)
        size = os.path.getsize(path)
        wrapper = ("import json,resource,subprocess,sys,time;t=time.perf_counter();"
                   "r=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
                   "print(json.dumps({'wall':time.perf_counter()-t,'rss_kb':resource.getrusage("
                   "resource.RUSAGE_CHILDREN).ru_maxrss,'rc':r.returncode,'err':r.stderr[-500:]}))")
        r = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "iaclint", "check", root,
                            "--root", root, "--format", "json", "--output", os.path.join(tmp, "out.json")],
                           capture_output=True, text=True, cwd=REPO)
        m = json.loads(r.stdout.strip().splitlines()[-1])
        out = json.load(open(os.path.join(tmp, "out.json"))) if os.path.exists(os.path.join(tmp, "out.json")) else {}
    res = {"bytes": size, "wall": round(m["wall"], 1), "rss_mb": round(m["rss_kb"] / 1024), "rc": m["rc"],
           "errors": out.get("errors"), "findings": len(out.get("findings", []))}
    print(f"  plan JSON {size / 1e6:.0f} MB: {res['wall']} s, peak RSS {res['rss_mb']} MB, exit {res['rc']}, "
          f"{res['findings']} findings, errors {res['errors']}", flush=True)
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=5.0, help="total hypothesis budget, split over targets")
    ap.add_argument("--max-examples", type=int, default=5000, help="hypothesis examples per batch")
    ap.add_argument("--atheris-runs", type=int, default=0, help="atheris executions (0: skip)")
    ap.add_argument("--big-plan-mb", type=int, default=0, help="also scan a plan JSON of this size (0: skip)")
    ap.add_argument("--json", help="write the counts to this file")
    args = ap.parse_args(argv)
    res: dict = {}
    n_targets = len(hypothesis_targets())
    print(f"hypothesis: {args.minutes} min over {n_targets} targets", flush=True)
    res["hypothesis"] = run_hypothesis(args.minutes * 60 / n_targets, args.max_examples)
    if args.atheris_runs:
        print("atheris:", flush=True)
        res["atheris"] = run_atheris(args.atheris_runs)
    if args.big_plan_mb:
        print("big plan:", flush=True)
        res["big_plan"] = big_plan(args.big_plan_mb)
    total = sum(v["inputs"] for v in res["hypothesis"].values())
    failed = [k for k, v in res["hypothesis"].items() if v["failed"]]
    print(f"\ntotal hypothesis inputs: {total}; failing targets: {failed or 'none'}")
    res["peak_rss_mb_self"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=2, sort_keys=True)
    bad = failed or (res.get("atheris") or {}).get("rc", 0) not in (0,)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
