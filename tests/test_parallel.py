"""Parsing in worker processes (scan.parse_all) gives the single-process scan, byte for byte."""
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
    import concurrent.futures

    class Broken:
        def __init__(self, *a, **k):
            raise OSError("no processes here")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Broken)
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


def test_workers_are_spawned_beside_other_threads(corpus):
    """An editor server has threads: forking beside them can deadlock the child, so workers are spawned."""
    import threading

    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        path = corpus("c20")
        assert _sarif(path, 2) == _sarif(path, 1)
    finally:
        stop.set()
        t.join()
