"""Latency of `iaclint lsp` after a one-character edit, measured by a real LSP client over stdio.

Starts ``python -m iaclint lsp`` (from this checkout), initializes it on a workspace, opens one ``.tf`` file of
one root module, waits for its first diagnostics (cold: every file parsed), then makes one-character edits
(``textDocument/didChange``: a letter typed into a comment line).  Each edit is answered twice: first by the
fast pass (the edited file's root closure: parse errors, attribute-rule findings, the rest carried over), then
by the full scan that reconciles every file; both are timed from the ``didChange`` to their
``textDocument/publishDiagnostics`` for that file, and the next edit waits for the full answer.  JSON-RPC
with Content-Length framing, standard library only. The machine may be shared: the load average (``uptime``)
is printed with each measurement.

    python3 bench/lsp_latency.py --modules 500            # generates bench/out/lsp-500 once (its own git repo)
    python3 bench/lsp_latency.py --workspace DIR --file envs/production/main.tf --edits 9 --json out.json

The server's graph root is the workspace's nearest ``.git``: a ``--workspace`` without its own (a corpus under
bench/out, inside this checkout) is refused, since the server would scan this whole repository with it.
bench/run_bench.py calls ``measure`` for its table's editor row.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the corpus generator: shared/bench/gen_corpus.py beside this checkout or one of its parents (a worktree's)
DEFAULT_GEN = os.environ.get("IACLINT_GEN_CORPUS") or next(
    (c for c in (os.path.join(p, "shared", "bench", "gen_corpus.py") for p in Path(REPO).parents) if os.path.exists(c)),
    os.path.join(os.path.dirname(REPO), "shared", "bench", "gen_corpus.py"))


class Client:
    """An LSP client of ``python -m iaclint lsp`` (this checkout) over stdio; tests/test_lsp.py drives it too."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "iaclint", "lsp"], cwd=REPO, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.msgs: queue.Queue = queue.Queue()  # (arrival time, message)
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.decode("ascii").strip()
                if not line:
                    break
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            self.msgs.put((time.perf_counter(), json.loads(out.read(int(headers["content-length"])))))

    def _send(self, msg: dict) -> float:
        data = json.dumps({"jsonrpc": "2.0", **msg}).encode("utf-8")
        self.proc.stdin.write(f"Content-Length: {len(data)}\r\n\r\n".encode("ascii") + data)
        self.proc.stdin.flush()
        return time.perf_counter()

    def notify(self, method: str, params) -> float:
        """Send a notification; the time it was sent."""
        return self._send({"method": method, "params": params})

    def request(self, method: str, params, timeout: float = 60) -> dict:
        self.next_id += 1
        rid = self.next_id
        self._send({"id": rid, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout)[1]

    def wait(self, pred, timeout: float) -> tuple[float, dict]:
        """(arrival time, message) of the next message PRED accepts; the others are dropped."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from the language server")
            try:
                at, m = self.msgs.get(timeout=left)
            except queue.Empty:
                continue
            if pred(m):
                return at, m

    def diagnostics(self, uri: str, timeout: float = 60) -> tuple[float, list]:
        """(arrival time, diagnostics) of the next publishDiagnostics for URI."""
        at, m = self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                          and m["params"]["uri"] == uri, timeout)
        return at, m["params"]["diagnostics"]

    def close(self, timeout: float = 60):
        try:
            self.request("shutdown", None, timeout)
            self.notify("exit", None)
            self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def pick_file(ws: Path) -> Path:
    """The main.tf of the first root module under environments/ (the generated corpus's layout), else any .tf."""
    for p in sorted(ws.glob("environments/*/*/main.tf")) or sorted(ws.rglob("*.tf")):
        return p
    raise SystemExit(f"no .tf file under {ws}")


def edited(text: str, i: int) -> str:
    """The text with one character typed at the end of its first comment line (never a state seen before)."""
    lines = text.split("\n")
    at = next((n for n, line in enumerate(lines) if line.lstrip().startswith("#")), 0)
    lines[at] += "abcdefghij"[i % 10]
    return "\n".join(lines)


def workspace(modules: int, gen: str = DEFAULT_GEN) -> Path:
    """bench/out/lsp-<modules>, generated once as its own git repository: the language server builds its graph
    from the nearest ``.git``, which would otherwise be this checkout (every corpus under bench/out)."""
    ws = Path(REPO, "bench", "out", f"lsp-{modules}").resolve()
    if not (ws / ".git").exists():
        shutil.rmtree(ws, ignore_errors=True)  # a generation cut short
        subprocess.run([sys.executable, gen, "--modules", str(modules), "--out", str(ws)], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["git", "init", "-q", str(ws)], check=True)
    return ws


def own_root(ws: Path) -> None:
    """Exit unless WS is where the server's graph root will be (its own ``.git`` or iaclint config): a corpus
    inside another repository would be scanned together with that whole repository."""
    if (ws / ".git").exists() or any((ws / n).exists() for n in (".iaclint.yaml", ".iaclint.yml")):
        return
    up = next((d for d in ws.parents if (d / ".git").exists()), None)
    if up is not None:
        raise SystemExit(f"{ws} has no .git of its own: the language server would build its graph from {up}; "
                         f"run `git init {ws}` or use --modules")


def measure(ws: Path, path: Path, edits: int = 7, pause: float = 0.5, log=print) -> dict:
    """Open PATH in a language server on workspace WS, then time EDITS one-character edits: milliseconds to the
    first (cold) diagnostics, and per edit to the fast pass's and the full scan's diagnostics, with the
    1-minute load average at each."""
    uri, text = path.as_uri(), path.read_text()
    files = sum(1 for p in ws.rglob("*") if p.is_file() and ".git" not in p.relative_to(ws).parts)
    log(f"workspace {ws} ({files} files); editing {path.relative_to(ws)}")
    client = Client()
    try:
        client.request("initialize", {"processId": os.getpid(), "rootUri": ws.as_uri(), "capabilities": {},
                                      "workspaceFolders": [{"uri": ws.as_uri(), "name": ws.name}]})
        client.notify("initialized", {})
        sent = client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "terraform",
                                                                     "version": 1, "text": text}})
        at, diags = client.diagnostics(uri, timeout=600)
        cold = at - sent
        log(f"cold (open, first diagnostics: every file parsed): {cold * 1000:.0f} ms, {len(diags)} diagnostics"
            f" — {load()}")
        fast, full, loads = [], [], []
        for i in range(edits):
            time.sleep(pause)
            text = edited(text, i)
            sent = client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": i + 2},
                                                          "contentChanges": [{"text": text}]})
            at, first = client.diagnostics(uri, timeout=600)
            fast.append(at - sent)
            fast_load = load()
            at, diags = client.diagnostics(uri, timeout=600)
            full.append(at - sent)
            loads.append(round(os.getloadavg()[0], 2))
            log(f"  edit {i + 1}: fast {fast[-1] * 1000:.0f} ms ({len(first)} diagnostics) — {fast_load}; "
                f"full {full[-1] * 1000:.0f} ms ({len(diags)} diagnostics) — {load()}")
        for name, xs in (("fast pass", fast), ("full scan (reconciled)", full)):
            log(f"warm {name} (one-character edit -> diagnostics), median of {len(xs)}: "
                f"{statistics.median(xs) * 1000:.0f} ms (min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f})"
                f" — {load()}")
    finally:
        client.close(timeout=600)
    return {"workspace": str(ws), "files": files, "file": str(path.relative_to(ws)), "cold_ms": cold * 1000,
            "fast_ms": statistics.median(fast) * 1000, "full_ms": statistics.median(full) * 1000,
            "fast_all_ms": [round(x * 1000) for x in fast], "full_all_ms": [round(x * 1000) for x in full],
            "loads": loads}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workspace", help="workspace directory with its own .git (default: bench/out/lsp-<modules>, "
                                        "generated once)")
    ap.add_argument("--modules", type=int, default=500, help="corpus size when generating (default 500)")
    ap.add_argument("--gen", default=DEFAULT_GEN, help="gen_corpus.py")
    ap.add_argument("--file", help="the .tf file to edit, relative to the workspace")
    ap.add_argument("--edits", type=int, default=7, help="one-character edits to time (default 7)")
    ap.add_argument("--pause", type=float, default=0.5, help="seconds between edits (default 0.5)")
    ap.add_argument("--json", help="also write the measurement to this file")
    args = ap.parse_args()

    ws = Path(args.workspace).resolve() if args.workspace else workspace(args.modules, args.gen)
    own_root(ws)
    result = measure(ws, ws / args.file if args.file else pick_file(ws), args.edits, args.pause)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
