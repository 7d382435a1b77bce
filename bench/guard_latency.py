"""Decision latency of `iaclint guard` on examples/pocketos, cold (empty cache: the graph is built) and warm
(cache hit), as the agent runs it: a new `python -m iaclint guard` process with a PreToolUse event on stdin.

    python3 bench/guard_latency.py [--runs N]

Target: warm <= 150 ms. `python -X importtime -m iaclint guard` shows what the warm path imports (no jsonschema,
no tree-sitter)."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POCKETOS = os.path.join(ROOT, "examples", "pocketos")
CMD = ("curl -s -X POST https://backboard.railway.com/graphql/v2 -H \"Authorization: Bearer $RAILWAY_API_TOKEN\" "
       "-d '{\"query\":\"mutation { volumeDelete(volumeId: \\\"0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b\\\") }\"}'")


def once(cache: str, extra=()) -> tuple[float, subprocess.CompletedProcess]:
    payload = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": POCKETOS,
                          "tool_input": {"command": CMD}})
    env = dict(os.environ, IACLINT_CACHE_DIR=cache)
    t = time.perf_counter()
    r = subprocess.run([sys.executable, *extra, "-m", "iaclint", "guard"], input=payload, capture_output=True,
                       text=True, env=env, cwd=ROOT)
    return (time.perf_counter() - t) * 1000, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    cold, warm = [], []
    for _ in range(a.runs):
        with tempfile.TemporaryDirectory() as cache:
            ms, r = once(cache)
            assert r.returncode == 2, r.stderr
            cold.append(ms)
            for _ in range(3):
                warm.append(once(cache)[0])
    with tempfile.TemporaryDirectory() as cache:
        once(cache)
        _, r = once(cache, ("-X", "importtime"))
    heavy = [m for m in ("jsonschema", "tree_sitter", "iaclint.scan", "iaclint.graph.build") if f" {m}\n" in r.stderr
             or f" {m}" in r.stderr.split("\n")[-1] or any(line.rstrip().endswith(" " + m) for line in r.stderr.splitlines())]
    print(f"cold: median {statistics.median(cold):.0f} ms (min {min(cold):.0f}, n={len(cold)})")
    print(f"warm: median {statistics.median(warm):.0f} ms (min {min(warm):.0f}, n={len(warm)})")
    print("heavy modules imported on the warm path:", ", ".join(heavy) or "none")


if __name__ == "__main__":
    main()
