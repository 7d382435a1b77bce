"""Work split with forked workers (iaclint/parallel.py): every piece once, in order, nobody idle while a piece
waits; parsing in worker processes (scan.parse_all) gives the single-process scan, byte for byte."""
from __future__ import annotations

import glob
import os

import pytest
from conftest import REPO

from iaclint import scan as scan_mod
from iaclint.parsers.hcl import parse_hcl
from iaclint.parsers.hclwire import decode, encode


def _sarif(path: str, jobs: int) -> str:
    from iaclint.report.sarif import render_sarif
    from iaclint.scan import ScanOptions, scan

    return render_sarif(scan([path], ScanOptions(root=path, jobs=jobs)))


@pytest.mark.parametrize("name", ["c20", "c20v"])
def test_corpus_sarif_identical_with_one_and_two_jobs(corpus, name):
    path = corpus(name)
    assert _sarif(path, 1) == _sarif(path, 2)


def test_two_jobs_really_use_a_worker(corpus, monkeypatch):
    """The corpus is large enough to be cut into chunks, and some chunk comes back from a worker."""
    unpacked = []
    real = scan_mod._unpack
    monkeypatch.setattr(scan_mod, "_unpack", lambda parsed, blob: unpacked.append(len(parsed)) or real(parsed, blob))
    path = corpus("c20")
    from iaclint.discover import discover

    files = discover([path], root=path).files
    one = scan_mod.parse_all(files, 1)
    # the parent parses the first chunk itself; slow it down so the worker surely takes the others
    slow = scan_mod.parse_file

    def parse_slowly(sf):
        import time

        time.sleep(0.002)
        return slow(sf)

    monkeypatch.setattr(scan_mod, "parse_file", parse_slowly)
    two = scan_mod.parse_all(files, 2)
    assert unpacked
    assert [(f.path, f.kind, f.data, f.lines, f.diagnostics) for f in one] == \
        [(f.path, f.kind, f.data, f.lines, f.diagnostics) for f in two]


def test_broken_pool_falls_back_to_in_process(corpus, monkeypatch):
    from iaclint import parallel

    def broken(*a, **k):
        raise OSError("no processes here")

    monkeypatch.setattr(parallel, "_pooled", broken)
    path = corpus("c20")
    assert _sarif(path, 2) == _sarif(path, 1)


def test_default_jobs_use_every_core_only_on_large_trees(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert scan_mod.default_jobs(100) == 1
    assert scan_mod.default_jobs(scan_mod.PARALLEL_MIN_FILES) == 2


def test_wire_round_trip_of_every_fixture():
    paths = glob.glob(os.path.join(REPO, "tests", "fixtures", "**", "*.tf"), recursive=True)
    paths += glob.glob(os.path.join(REPO, "examples", "**", "*.tf*"), recursive=True)
    assert len(paths) > 100
    for p in paths:
        with open(p, "rb") as fh:
            body, _ = parse_hcl(fh.read(), p)
        assert decode(encode(body)) == body, p


def test_sarif_encoding_is_json_dumps_byte_for_byte():
    import json

    from iaclint.report.jsonenc import dumps

    trees = [{"b": [1, {"z": "é\u2028\x00\x1f\"\\/", "a": []}], "a": {}, "c": None, "d": True, "e": 2 ** 40},
             {"x": [1.5, 1e16, float("nan")]}, {"big": 2 ** 70}, {"s": "\ud800"}, [], "x"]
    for t in trees:
        assert dumps(t) == json.dumps(t, indent=2, sort_keys=True, ensure_ascii=False) + "\n", t


def test_no_worker_is_forked_beside_other_threads(corpus, monkeypatch):
    """An editor server has threads: forking beside them can deadlock the child (a lock another thread held stays
    held), so everything runs in this process."""
    import threading

    from iaclint import parallel

    def no_pool(*a, **k):
        raise AssertionError("forked beside a thread")

    monkeypatch.setattr(parallel, "_pooled", no_pool)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        path = corpus("c20")
        assert _sarif(path, 2) == _sarif(path, 1)
    finally:
        stop.set()
        t.join()


def _wait_for(path: str) -> bool:
    import time

    for _ in range(400):  # a failure path only: the other process never gets there
        if os.path.exists(path):
            return True
        time.sleep(0.025)
    return False


def _held_worker(tmp_path, first=None):
    """here(i) for split that returns (i, run in this process): this process's piece 0 waits until the worker has
    started a piece, and that piece is held until this process has run piece 2.  FIRST(i), when given, runs in the
    worker before the hold: it may raise, or return what the piece returns instead (the hold is then not reached)."""
    parent = os.getpid()
    started, ran = str(tmp_path / "worker-started"), str(tmp_path / "parent-ran-2")

    def here(i):
        if os.getpid() != parent:
            early = first(i) if first is not None else None
            if early is not None:
                return early
            open(started, "w").close()
            _wait_for(ran)
        elif i == 0:
            _wait_for(started)
        elif i == 2:
            open(ran, "w").close()
        return (i, os.getpid() == parent)

    return here


def test_this_process_takes_every_piece_no_worker_has_started(tmp_path):
    """Pieces are claimed one at a time from both ends: while the worker is busy with the last piece, this process
    runs all the others (a pool that queued pieces ahead for a busy worker left this process idle: 1 s of 3.5 at
    500 modules)."""
    from iaclint.parallel import split

    assert split(4, _held_worker(tmp_path), 2) == [(0, True), (1, True), (2, True), (3, False)]


def test_a_piece_the_worker_cannot_run_or_send_is_run_here(tmp_path):
    """An exception or an unpicklable result in the worker: that piece is run here (an exception is then raised
    here, where the caller handles it); a worker that dies leaves its pieces here."""
    from iaclint.parallel import split

    def first(i):  # the worker's first two pieces (5, 4) fail there; piece 3 is held
        if i == 5:
            raise ValueError("only in the worker")
        return (lambda: "unpicklable") if i == 4 else None

    assert split(6, _held_worker(tmp_path, first), 2) == \
        [(0, True), (1, True), (2, True), (3, False), (4, True), (5, True)]

    parent = os.getpid()
    started = str(tmp_path / "worker-started")
    os.remove(started)

    def dying(i):
        if os.getpid() != parent:
            open(started, "w").close()
            os._exit(1)  # with the piece it claimed
        if i == 0:
            _wait_for(started)
        return i

    assert split(6, dying, 2) == list(range(6))


def test_merge_and_progress_see_every_piece_once():
    from iaclint.parallel import split

    done, merged = [], []
    out = split(40, lambda i: i * i, 2, there=lambda i: -i, merge=lambda i, p: merged.append(i) or -p * i,
                done=done.append)
    assert out == [i * i for i in range(40)]
    assert sorted(done) == list(range(40)) and set(merged) <= set(done)


def test_a_worker_dying_in_the_middle_of_a_message_does_not_hang_this_process(tmp_path, monkeypatch):
    """The worker writes half a message (a frame announcing more bytes than follow) and dies: this process sees the
    end of the pipe (it holds no writer of its own) and runs the pieces itself."""
    import struct

    from iaclint import parallel

    written = str(tmp_path / "half-written")

    def half_a_message(there, claims, sent):
        claims.back()
        os.write(sent._writer.fileno(), struct.pack("!i", 100000) + b"\x80\x05partial")
        open(written, "w").close()
        os._exit(1)

    def here(i):
        if i == 0:
            _wait_for(written)  # the half message is in the pipe before this process looks
        return i * 10

    monkeypatch.setattr(parallel, "_worker", half_a_message)
    assert parallel.split(4, here, 2) == [0, 10, 20, 30]
