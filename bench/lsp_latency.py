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
    python3 bench/lsp_latency.py --workspace DIR --file envs/production/main.tf --edits 9
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_GEN = os.environ.get("IACLINT_GEN_CORPUS") or os.path.join(os.path.dirname(REPO), "shared", "bench",
                                                                    "gen_corpus.py")


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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workspace", help="workspace directory (default: bench/out/lsp-<modules>, generated once)")
    ap.add_argument("--modules", type=int, default=500, help="corpus size when generating (default 500)")
    ap.add_argument("--gen", default=DEFAULT_GEN, help="gen_corpus.py")
    ap.add_argument("--file", help="the .tf file to edit, relative to the workspace")
    ap.add_argument("--edits", type=int, default=7, help="one-character edits to time (default 7)")
    ap.add_argument("--pause", type=float, default=0.5, help="seconds between edits (default 0.5)")
    args = ap.parse_args()

    ws = Path(args.workspace or os.path.join(REPO, "bench", "out", f"lsp-{args.modules}")).resolve()
    if not ws.exists():
        subprocess.run([sys.executable, args.gen, "--modules", str(args.modules), "--out", str(ws)], check=True)
        # its own repository: otherwise the repository root (the graph's) would be this checkout's
        subprocess.run(["git", "init", "-q", str(ws)], check=True)
    path = ws / args.file if args.file else pick_file(ws)
    uri, text = path.as_uri(), path.read_text()
    files = sum(1 for p in ws.rglob("*") if p.is_file())
    print(f"workspace {ws} ({files} files); editing {path.relative_to(ws)}")

    client = Client()
    try:
        client.request("initialize", {"processId": os.getpid(), "rootUri": ws.as_uri(), "capabilities": {},
                                      "workspaceFolders": [{"uri": ws.as_uri(), "name": ws.name}]})
        client.notify("initialized", {})
        sent = client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "terraform",
                                                                     "version": 1, "text": text}})
        at, diags = client.diagnostics(uri, timeout=600)
        cold = at - sent
        print(f"cold (open, first diagnostics: every file parsed): {cold * 1000:.0f} ms, {len(diags)} diagnostics"
              f" — {load()}")
        fast, full = [], []
        for i in range(args.edits):
            time.sleep(args.pause)
            text = edited(text, i)
            sent = client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": i + 2},
                                                          "contentChanges": [{"text": text}]})
            at, first = client.diagnostics(uri, timeout=600)
            fast.append(at - sent)
            fast_load = load()
            at, diags = client.diagnostics(uri, timeout=600)
            full.append(at - sent)
            print(f"  edit {i + 1}: fast {fast[-1] * 1000:.0f} ms ({len(first)} diagnostics) — {fast_load}; "
                  f"full {full[-1] * 1000:.0f} ms ({len(diags)} diagnostics) — {load()}")
        for name, xs in (("fast pass", fast), ("full scan (reconciled)", full)):
            print(f"warm {name} (one-character edit -> diagnostics), median of {len(xs)}: "
                  f"{statistics.median(xs) * 1000:.0f} ms (min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f})"
                  f" — {load()}")
    finally:
        client.close(timeout=600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
