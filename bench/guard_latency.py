"""Decision latency of `iaclint guard` on examples/pocketos, cold (empty cache: the graph is built) and warm
(cache hit), as the agent runs it: a new `python -m iaclint guard` process with a PreToolUse event on stdin,
with iaclint's bytecode cached as a pip install has it (PYTHONDONTWRITEBYTECODE=1 in the environment would
otherwise compile every module at every start; --no-bytecode measures that).

    python3 bench/guard_latency.py [--runs N]     # N cold runs, 3 warm runs after each (default 20)

Target: warm <= 150 ms wall on a quiet machine. The load average is printed before and after: on a shared
machine the wall time includes whatever the scheduler gave other processes, the CPU time does not.
`python -X importtime -m iaclint guard` shows what the warm path imports (no click, yaml, jsonschema,
tree-sitter or scanner: the last line checks). "python -c pass" is the interpreter's own start-up, the floor."""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POCKETOS = os.path.join(ROOT, "examples", "pocketos")
CMD = ("curl -s -X POST https://backboard.railway.com/graphql/v2 -H \"Authorization: Bearer $RAILWAY_API_TOKEN\" "
       "-d '{\"query\":\"mutation { volumeDelete(volumeId: \\\"0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b\\\") }\"}'")


BYTECODE = ""  # a pycache directory (--no-bytecode: none)


def once(cache: str, extra=()) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall ms, CPU ms of the child, result). On a shared machine the CPU time is the honest number: the wall
    time adds whatever the scheduler gave other processes meanwhile."""
    payload = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": POCKETOS,
                          "tool_input": {"command": CMD}})
    env = dict(os.environ, IACLINT_CACHE_DIR=cache)
    if BYTECODE:  # as installed: pip writes .pyc files; kept out of the tree
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = BYTECODE
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run([sys.executable, *extra, "-m", "iaclint", "guard"], input=payload, capture_output=True,
                       text=True, env=env, cwd=ROOT)
    wall = (time.perf_counter() - t) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--no-bytecode", action="store_true",
                    help="compile iaclint's source at every start (what PYTHONDONTWRITEBYTECODE=1 does)")
    a = ap.parse_args()
    global BYTECODE
    if not a.no_bytecode:
        BYTECODE = tempfile.mkdtemp(prefix="iaclint-pyc-")
        print("bytecode cached in", BYTECODE, "(as an installed package has it)")
    print("load average before: %.2f %.2f %.2f" % os.getloadavg())
    cold, warm, base = [], [], []
    for _ in range(a.runs):
        with tempfile.TemporaryDirectory() as cache:
            wall, cpu, r = once(cache)
            assert r.returncode == 2, r.stderr
            cold.append((wall, cpu))
            for _ in range(3):
                warm.append(once(cache)[:2])
        t = time.perf_counter()
        b = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", "pass"])
        e = resource.getrusage(resource.RUSAGE_CHILDREN)
        base.append(((time.perf_counter() - t) * 1000, (e.ru_utime - b.ru_utime + e.ru_stime - b.ru_stime) * 1000))
    with tempfile.TemporaryDirectory() as cache:
        once(cache)
        _, _, r = once(cache, ("-X", "importtime"))
    heavy = [m for m in ("click", "yaml", "jsonschema", "tree_sitter", "iaclint.cli", "iaclint.scan", "iaclint.discover",
                         "iaclint.graph.build")
             if any(line.rstrip().endswith(" " + m) for line in r.stderr.splitlines())]

    def show(name, rows):
        w = statistics.median(x for x, _ in rows)
        c = statistics.median(y for _, y in rows)
        print(f"{name:<22} wall median {w:6.0f} ms   cpu median {c:6.0f} ms   (n={len(rows)})")

    show("python -c pass", base)
    show("cold (graph built)", cold)
    show("warm (cache hit)", warm)
    print("heavy modules imported on the warm path:", ", ".join(heavy) or "none")
    print("load average after:  %.2f %.2f %.2f" % os.getloadavg())
    if BYTECODE:
        shutil.rmtree(BYTECODE, ignore_errors=True)


if __name__ == "__main__":
    main()
