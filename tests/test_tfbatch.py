"""Terraform in batches of root modules (graph/tfbatch.py): the plan's module links are a superset of the parsed
module calls, the roots are exactly those of the whole tree, and the batch size and the worker change nothing."""
from __future__ import annotations

import glob
import os
import posixpath

import pytest
from conftest import FIXTURES, REPO
from test_parallel import _wait_for

from iaclint.graph import tfbatch
from iaclint.model import SourceFile
from iaclint.kinds import FileKind
from iaclint.parsers import parse_file
from iaclint.terraform.modules import build_module_dirs, module_targets


def _tf_files():
    for base in (FIXTURES, os.path.join(REPO, "examples")):
        for p in glob.glob(os.path.join(base, "**", "*.tf"), recursive=True) + \
                glob.glob(os.path.join(base, "**", "*.tf.json"), recursive=True):
            if os.path.isfile(p):
                yield p


def test_planned_links_are_a_superset_of_the_parsed_module_calls():
    checked = 0
    for p in _tf_files():
        rel = os.path.relpath(p, REPO).replace(os.sep, "/")
        kind = FileKind.TERRAFORM_JSON if p.endswith(".tf.json") else FileKind.TERRAFORM
        pf = parse_file(SourceFile(rel, p, kind))
        if pf.data is None:
            continue
        d = posixpath.dirname(rel)
        exact = set().union(*(module_targets(md) for md in build_module_dirs({rel: pf.data}).values()))
        with open(p, "rb") as fh:
            planned = tfbatch.local_sources(fh.read(), d)
        assert exact <= planned, rel
        checked += bool(exact)
    assert checked >= 15  # the fixtures call local modules in many shapes


def _sarif(path: str, jobs: int) -> str:
    from iaclint.report.sarif import render_sarif
    from iaclint.scan import ScanOptions, scan

    return render_sarif(scan([path], ScanOptions(root=path, jobs=jobs)))


@pytest.mark.parametrize("name", ["c20", "c20v"])
def test_small_batches_and_a_worker_give_the_same_report(corpus, name, monkeypatch):
    path = corpus(name)
    whole = _sarif(path, 1)
    monkeypatch.setattr(tfbatch, "BATCH_FILES", 7)
    runs = []
    real = tfbatch.run
    monkeypatch.setattr(tfbatch, "run", lambda b, n, *a, **k: runs.append(n) or real(b, n, *a, **k))
    assert _sarif(path, 1) == whole
    assert _sarif(path, 2) == whole
    assert min(runs) > 5  # really cut into batches


def test_a_dir_only_a_heredoc_seems_to_call_is_a_root():
    """`source = "../lib"` inside a heredoc makes the plan think lib is called; the parsed calls say it is not, and
    lib is expanded as a root of its own (the plan's second pass)."""
    from iaclint.scan import ScanOptions, graph_and_discovery

    t = os.path.join(FIXTURES, "tfbatch", "heredoc_source")
    g, _ = graph_and_discovery([t], ScanOptions(root=t, jobs=1))
    assert {n.meta.get("root") for n in g.nodes.values() if n.kind == "tf_resource"} == {"app", "lib"}
    assert "tf|lib||aws_db_instance.main" in g.nodes


def test_each_file_is_owned_by_one_batch_and_batches_stay_small():
    tf = {f"m{i}": [f"m{i}/main.tf"] for i in range(30)}
    tf["shared"] = ["shared/main.tf", "shared/vars.tf"]
    links = {f"m{i}": {"shared"} for i in range(30)}
    plan = tfbatch.Planner(tf, ["m3/prod.tfvars"], links, {"m3": {"m3/prod.tfvars"}}, set())
    plan.add_batches(plan.order(plan.candidate_roots()))
    plan.sweep()
    owned = [p for b in plan.batches for p in b.owned]
    assert sorted(owned) == sorted({p for ps in tf.values() for p in ps} | {"m3/prod.tfvars"})
    assert len(owned) == len(set(owned))
    assert [r for b in plan.batches for r in b.roots] == sorted(f"m{i}" for i in range(30))


@pytest.mark.parametrize("name", ["c20", "c20v"])
def test_parsed_up_front_or_in_the_graph_stage_the_same_report(corpus, name):
    """The editor's path (every file parsed up front, through its parse cache) and the CLI's (files parsed by
    their part of the graph) build the same graph."""
    from iaclint.overlay import ParseCache
    from iaclint.report.sarif import render_sarif
    from iaclint.scan import ScanOptions, scan

    path = corpus(name)
    assert render_sarif(scan([path], ScanOptions(root=path, jobs=1), parse_cache=ParseCache())) == _sarif(path, 1)


class _Stub:
    """What tfbatch.run needs of a builder: a graph to build parts into."""

    def __init__(self):
        from iaclint.graph.graph import Graph

        self.g = Graph(ctx=None)
        self.files = self.g.files
        self.progress = None


def test_a_worker_builds_parts_into_the_graph_and_a_dead_worker_leaves_its_parts_here(tmp_path):
    from iaclint.model import Node, Span

    parent = os.getpid()
    started = str(tmp_path / "worker-started")

    def run_one(b, i):
        if os.getpid() != parent:
            open(started, "w").close()
        elif i == 0:
            _wait_for(started)
        b.g.add(Node(id=f"n{i}", kind="k", type="t", name=f"n{i}", span=Span("f", i + 1)))
        return os.getpid() == parent

    b = _Stub()
    here = tfbatch.run(b, 6, run_one, 2)
    assert sorted(b.g.nodes) == [f"n{i}" for i in range(6)] and False in here

    def dying(b, i):
        if os.getpid() != parent:
            open(started, "w").close()
            os._exit(1)  # with the part it claimed
        return run_one(b, i)

    os.remove(started)
    b = _Stub()
    assert tfbatch.run(b, 6, dying, 2) == [True] * 6
    assert sorted(b.g.nodes) == [f"n{i}" for i in range(6)]


def test_a_worker_builds_the_same_nodes_as_this_process(tmp_path, monkeypatch):
    """Node by node (spans, attributes, origins, meta), not only the report: a worker's graph once read no source
    lines (its graph's files were empty), and an azapi resource's nested attribute pointed a line too high."""
    import shutil

    from iaclint.scan import ScanOptions, graph_and_discovery

    for d in sorted(glob.glob(os.path.join(FIXTURES, "rules", "*", "*azapi*"))):
        shutil.copytree(d, tmp_path / "_".join(d.split(os.sep)[-2:]))
    assert len(os.listdir(tmp_path)) >= 4
    monkeypatch.setattr(tfbatch, "BATCH_FILES", 1)
    runs = []
    real = tfbatch.run
    monkeypatch.setattr(tfbatch, "run", lambda b, n, *a, **k: runs.append(n) or real(b, n, *a, **k))

    def nodes(jobs):
        g, _ = graph_and_discovery([str(tmp_path)], ScanOptions(root=str(tmp_path), jobs=jobs))
        return {i: (n.span, n.attrs, n.origins, n.meta, n.envs) for i, n in g.nodes.items()}

    assert nodes(2) == nodes(1) and min(runs) >= 4
