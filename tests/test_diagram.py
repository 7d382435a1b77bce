"""The resource graph as a picture (issue 18): ``iaclint graph``, ``blast-radius --format mermaid|dot``.

Every diagram passes an internal structural check (balanced subgraphs, every edge endpoint declared, unique
ids, class/linkStyle references valid). Where the renderers are installable the diagrams are also drawn:
Graphviz's ``dot`` (Debian package ``graphviz``) and Mermaid's own CLI (npm ``@mermaid-js/mermaid-cli``,
installed on first use into tests/.cache/mermaid-cli with the system's Chromium: Debian package
``chromium``; or ``$IACLINT_MMDC``). Without them those parts skip, saying why.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess

import pytest
from conftest import REPO, cli_in_process

POCKETOS = os.path.join(REPO, "examples", "pocketos")
SECRET = "8c2f4e1a-7b3d-4f60-9e25-3d1c0b9a8f7e"  # the token in examples/pocketos (never printed)
MERMAID_CLI = "11.17.0"
CACHE = os.environ.get("IACLINT_TEST_CACHE") or os.path.join(REPO, "tests", ".cache")
DOCS_IMG = os.path.join(REPO, "docs", "img")

# ------------------------------------------------------------------------------------ structural checks

_M_NODE = re.compile(r'^(n[0-9a-f]{12})(\{\{"|\[\("|\[\["|\(\["|\[")(.*)("\}\}|"\)\]|"\]\]|"\]\)|"\])$')
_M_EDGE = re.compile(r'^(n[0-9a-f]{12}) -->\|"([^"]*)"\| (n[0-9a-f]{12})$')
_M_SUB = re.compile(r'^subgraph (n[0-9a-f]{12})\["([^"]*)"\]$')


def mermaid_structure(text: str) -> dict:
    """Parse iaclint's Mermaid (the subset it writes) and check it; returns nodes, edges, clusters."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes, edges, clusters, stack, ids = {}, [], {}, [], set()
    for raw in lines[1:]:
        line = raw.strip()
        if m := _M_SUB.match(line):
            assert m.group(1) not in ids, f"duplicate id {m.group(1)}"
            ids.add(m.group(1))
            stack.append(m.group(1))
            clusters[m.group(1)] = {"label": m.group(2), "nodes": []}
        elif line == "end":
            assert stack, "end without subgraph"
            stack.pop()
        elif m := _M_NODE.match(line):
            nid, label = m.group(1), m.group(3)
            assert nid not in ids, f"duplicate id {nid}"
            assert '"' not in label, label
            ids.add(nid)
            nodes[nid] = {"label": label, "cluster": stack[-1] if stack else None, "classes": set()}
            if stack:
                clusters[stack[-1]]["nodes"].append(nid)
        elif m := _M_EDGE.match(line):
            edges.append((m.group(1), m.group(3), m.group(2)))
        elif line.startswith("class "):
            _, members, cls = line.split(" ")
            for nid in members.split(","):
                assert nid in nodes, f"class of undeclared {nid}"
                nodes[nid]["classes"].add(cls)
        elif line.startswith("linkStyle "):
            for i in line.split(" ")[1].split(","):
                assert int(i) < len(edges), line
        elif line.startswith(("classDef ", "direction ", "style ")):
            if line.startswith("style "):
                assert line.split(" ")[1] in clusters
        else:
            raise AssertionError(f"unexpected Mermaid line: {raw!r}")
    assert not stack, "unclosed subgraph"
    for src, dst, _ in edges:
        assert src in nodes and dst in nodes, (src, dst)
    return {"nodes": nodes, "edges": edges, "clusters": clusters}


_D_NODE = re.compile(r'^"(n[0-9a-f]{12})" \[(.*)\];$')
_D_EDGE = re.compile(r'^"(n[0-9a-f]{12})" -> "(n[0-9a-f]{12})" \[(.*)\];$')
_D_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def dot_structure(text: str) -> dict:
    """Parse iaclint's DOT and check it: braces balanced, strings closed, edge endpoints declared, ids unique."""
    assert text.startswith("digraph iaclint {\n") and text.rstrip().endswith("}")
    depth, nodes, edges, clusters = 0, {}, [], []
    for raw in text.splitlines():
        line = raw.strip()
        bare = _D_STRING.sub("", line)
        assert '"' not in bare, f"unclosed string: {raw!r}"
        depth += bare.count("{") - bare.count("}")
        assert depth >= 0
        if m := _D_EDGE.match(line):
            edges.append((m.group(1), m.group(2), m.group(3)))
        elif m := _D_NODE.match(line):
            assert m.group(1) not in nodes, f"duplicate id {m.group(1)}"
            nodes[m.group(1)] = m.group(2)
        elif line.startswith('subgraph "cluster_'):
            clusters.append(line)
    assert depth == 0, "unbalanced braces"
    assert len(set(clusters)) == len(clusters)
    for src, dst, _ in edges:
        assert src in nodes and dst in nodes, (src, dst)
    return {"nodes": nodes, "edges": edges, "clusters": clusters}


def json_structure(text: str) -> dict:
    doc = json.loads(text)
    ids = [n["id"] for n in doc["nodes"]] + [c["id"] for c in doc["clusters"]]
    assert len(ids) == len(set(ids))
    known = {n["id"] for n in doc["nodes"]}
    for e in doc["edges"]:
        assert e["from"] in known and e["to"] in known
    return doc


STRUCTURE = {"mermaid": mermaid_structure, "dot": dot_structure, "json": json_structure}


def graph_out(*args, fmt="mermaid"):
    r = cli_in_process("graph", *args, "--format", fmt)
    assert r.returncode == 0, r.stderr
    STRUCTURE[fmt](r.stdout)
    return r.stdout


# ------------------------------------------------------------------------------------ PocketOS


def test_pocketos_chain_token_volume_in_both_environments_backups_on_the_volume():
    m = mermaid_structure(graph_out(POCKETOS))
    nodes, edges, clusters = m["nodes"], m["edges"], m["clusters"]
    by_label = {c["label"]: c for c in clusters.values()}
    assert {"production", "staging"} <= set(by_label)
    token = [i for i, n in nodes.items() if n["label"].startswith("RAILWAY_API_TOKEN")]
    assert len(token) == 1 and nodes[token[0]]["cluster"] is None
    assert "scope: account (broad)" in nodes[token[0]]["label"]
    assert {"credential", "finding"} <= nodes[token[0]]["classes"]
    for env in ("production", "staging"):
        vols = [i for i in by_label[env]["nodes"] if nodes[i]["label"].startswith("volume pgdata")]
        assert len(vols) == 1, env
        vol = vols[0]
        assert {"shared", "finding"} <= nodes[vol]["classes"]
        assert "shared by production + staging" in nodes[vol]["label"]
        assert (token[0], vol, "account scope: can delete") in edges
        backups = [d for s, d, label in edges if s == vol and label == "backups on the same volume"]
        assert len(backups) == 1 and backups[0] in by_label[env]["nodes"]
        assert "failure domain: volume pgdata" in nodes[backups[0]]["label"]
    assert SECRET not in json.dumps(m, default=list)


def test_pocketos_dot_and_json_say_the_same():
    d = dot_structure(graph_out(POCKETOS, fmt="dot"))
    j = json_structure(graph_out(POCKETOS, fmt="json"))
    m = mermaid_structure(graph_out(POCKETOS))
    assert set(d["nodes"]) == {n["id"] for n in j["nodes"]} == set(m["nodes"])
    assert sorted(e[:2] for e in d["edges"]) == sorted((e["from"], e["to"]) for e in j["edges"]) == sorted(
        e[:2] for e in m["edges"])
    shared = [n for n in j["nodes"] if n["shared"] and n["kind"] == "store"]
    # volume pgdata, and the database both environments' superuser DATABASE_URLs name (graph.identity)
    assert sorted(n["environment"] for n in shared) == ["production", "production", "staging", "staging"]
    assert sum(n["label"][0].startswith("database roundhouse.proxy.rlwy.net") for n in shared) == 2
    hot = [e for e in j["edges"] if e["findings"]]
    assert any("CS001" in e["findings"] for e in hot)
    assert 'color="#cf222e"' in graph_out(POCKETOS, fmt="dot")  # findings highlighted
    assert "linkStyle" in graph_out(POCKETOS)


def test_output_is_byte_identical_and_ids_do_not_depend_on_iteration_order():
    from iaclint.config import ScanOptions
    from iaclint.report.diagram import graph_diagram, marks_of_findings
    from iaclint.scan import build_graph, scan

    opts = ScanOptions()
    marks = marks_of_findings(scan([POCKETOS], opts).findings)
    first = {f: graph_diagram(build_graph([POCKETOS], opts)[0], marks, f) for f in ("mermaid", "dot", "json")}
    g = build_graph([POCKETOS], opts)[0]
    g.nodes = dict(reversed(list(g.nodes.items())))  # another insertion order, same graph
    g.edges.reverse()
    for f, text in first.items():
        assert graph_diagram(g, list(reversed(marks)), f) == text, f
    assert graph_out(POCKETOS) == graph_out(POCKETOS)


def test_filters_credential_environment_findings_only():
    prod = json_structure(graph_out(POCKETOS, "--environment", "prod", fmt="json"))
    assert [c["environment"] for c in prod["clusters"]] == ["production"]
    only = json_structure(graph_out(POCKETOS, "--credential", "RAILWAY_API_TOKEN", fmt="json"))
    assert [n["kind"] for n in only["nodes"]].count("credential") == 1
    fo = json_structure(graph_out(POCKETOS, "--findings-only", fmt="json"))
    assert fo["nodes"] and all(n["findings"] for n in fo["nodes"])
    r = cli_in_process("graph", POCKETOS, "--credential", "NO_SUCH_TOKEN")
    assert r.returncode == 2 and "RAILWAY_API_TOKEN" in r.stderr


def test_bounded_node_count_with_more_nodes():
    doc = json_structure(graph_out(POCKETOS, "--max-nodes", "4", fmt="json"))
    assert len(doc["nodes"]) <= 4
    more = [n for n in doc["nodes"] if n["kind"] == "more"]
    assert more and all(re.fullmatch(r"\+\d+ more (data stores?|credentials?)", n["label"][0]) for n in more)
    assert sum(doc["omitted"].values()) == sum(int(n["label"][0].split()[0][1:]) for n in more)
    # an edge to a store left out goes to its cluster's "+N more" node
    assert any(e["to"] in {n["id"] for n in more} for e in doc["edges"])


def test_blast_radius_as_a_diagram():
    for fmt in ("mermaid", "dot"):
        r = cli_in_process("blast-radius", POCKETOS, "--format", fmt)
        assert r.returncode == 0, r.stderr
        s = STRUCTURE[fmt](r.stdout)
        # token -> 2 volumes, each -> its backups; each superuser DATABASE_URL -> the database in both environments
        assert len(s["edges"]) == 8 and SECRET not in r.stdout and "f4k3pr0dpa55w0rd" not in r.stdout
    r = cli_in_process("blast-radius", POCKETOS, "--format", "mermaid", "--credential", "railway-account-token")
    assert r.returncode == 0 and "RAILWAY_API_TOKEN" in r.stdout


# ------------------------------------------------------------------------------------ escaping and masking


def _view_with(label: str):
    from iaclint.report.diagram.view import VEdge, View, VNode

    a, b = VNode("n000000000001", "credential", [label, "second"], None), VNode("n000000000002", "store", [label], "x")
    return View([("n000000000003", "x", label)], [a, b], [VEdge(a.id, b.id, label, ["R1"])])


LABELS = ['a "quoted" [x] {y} (z) #1 <b>&amp; | `tick` ; \\ end', "end", "subgraph",
          'x"]; click n000000000001 call alert()%%', "line\nbreak\ttab", "#quot; #35; &lt;"]


@pytest.mark.parametrize("label", LABELS)
def test_labels_escaped(label):
    from iaclint.report.diagram import render

    m = render(_view_with(label), "mermaid")
    s = mermaid_structure(m)
    assert len(s["nodes"]) == 2 and len(s["edges"]) == 1
    for ch in '"#<>&|`[]{}':
        if ch in label:
            assert f"#{ord(ch)};" in m
    assert "\n" not in s["nodes"]["n000000000001"]["label"] and "<b>" not in m
    d = render(_view_with(label), "dot")
    ds = dot_structure(d)
    assert len(ds["nodes"]) == 2 and len(ds["edges"]) == 1
    j = json.loads(render(_view_with(label), "json"))
    assert j["nodes"][0]["label"][0] == label  # JSON escapes it itself


def test_canary_no_secret_leaves_through_a_label(tmp_path):
    """Token values planted where labels come from (a variable, a resource name, a volume id, a directory)
    never appear in mermaid, dot or json; the found credential's redacted form does."""
    railway = "0f1e2d3c-4b5a-4968-8776-" + "a5b4c3d2e1f0"
    ghp_name = "ghp_" + "Zq7Lm2Xr9Tb4Wn6Kc1Vd8Hs3Jf5Gp0Ya2Ue7"
    ghp_dir = "ghp_" + "Qw3Er5Ty7Ui9Op1As2Df4Gh6Jk8Lz0Xc3Vb5"
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "deploy.sh").write_text(f'#!/bin/sh\nRAILWAY_API_TOKEN="{railway}"\n')
    (tmp_path / "envs" / "production" / ghp_dir).mkdir(parents=True)
    (tmp_path / "envs" / "production" / ghp_dir / ".env.production").write_text(f"GITHUB_TOKEN={ghp_dir}\n")
    (tmp_path / "envs" / "production" / "main.tf").write_text(
        f'resource "aws_s3_bucket" "{ghp_name}" {{\n  bucket = "data-prod"\n}}\n')
    export = {"services": {"6f1d0c3a-2b7e-4c55-9a0e-1d2f3a4b5c6d": {
        "volumeMounts": {railway: {"mountPath": "/data"}}}}, "volumes": {railway: {"name": railway}}}
    (tmp_path / "railway").mkdir()
    for env in ("production", "staging"):
        (tmp_path / "railway" / f"{env}.json").write_text(json.dumps(export, indent=2) + "\n")
    outs = []
    for fmt in ("mermaid", "dot", "json"):
        outs.append(graph_out(str(tmp_path), "--root", str(tmp_path), "--max-nodes", "500", fmt=fmt))
        r = cli_in_process("blast-radius", str(tmp_path), "--root", str(tmp_path), "--all", "--format",
                           "dot" if fmt == "json" else fmt)
        outs.append(r.stdout)
    joined = "\n".join(outs)
    assert "RAILWAY_API_TOKEN" in joined and "aws_s3_bucket" in joined and "ghp_" in joined  # labels were drawn
    # masked where they were: the volume named by the token, the resource named like a GitHub token, the path
    assert "volume …(36 chars)" in joined and "aws_s3_bucket.ghp_…(40 chars)" in joined
    assert "envs/production/ghp_…(40 chars)/.env.production" in joined
    for secret in (railway, ghp_name, ghp_dir, ghp_name[4:], ghp_dir[4:]):
        assert secret not in joined, secret


# ------------------------------------------------------------------------------------ renderers


def _dot() -> str:
    dot = shutil.which("dot")
    if not dot:
        pytest.skip("Graphviz `dot` not installed (Debian: apt-get install graphviz)")
    return dot


def _browser() -> str | None:
    for name in (os.environ.get("PUPPETEER_EXECUTABLE_PATH"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def mmdc(tmp_path_factory):
    """A command line running Mermaid's CLI (with a puppeteer config for the system's Chromium)."""
    if os.environ.get("IACLINT_MMDC"):
        return [os.environ["IACLINT_MMDC"]]
    browser = _browser()
    if not browser:
        pytest.skip("no Chromium for Mermaid's CLI (Debian: apt-get install chromium)")
    prefix = os.path.join(CACHE, "mermaid-cli")
    binary = os.path.join(prefix, "node_modules", ".bin", "mmdc")
    if not os.path.isfile(binary):
        npm = shutil.which("npm")
        if not npm:
            pytest.skip("npm not found: cannot install @mermaid-js/mermaid-cli")
        os.makedirs(prefix, exist_ok=True)
        with open(prefix + ".lock", "w") as lock:  # test workers install it once, one at a time
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not os.path.isfile(binary):
                r = subprocess.run([npm, "install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error",
                                    f"@mermaid-js/mermaid-cli@{MERMAID_CLI}"], capture_output=True, text=True,
                                   timeout=600, env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"})
                if r.returncode != 0 or not os.path.isfile(binary):
                    pytest.skip(f"npm install @mermaid-js/mermaid-cli failed: {r.stderr.strip()[-300:]}")
    config = tmp_path_factory.mktemp("mmdc") / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": browser, "args": ["--no-sandbox", "--disable-gpu"]}))
    return [binary, "--puppeteerConfigFile", str(config)]


def _png(path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_pocketos_dot_renders_to_png(tmp_path):
    dot = _dot()
    src = tmp_path / "pocketos.dot"
    src.write_text(graph_out(POCKETOS, fmt="dot"))
    out = tmp_path / "pocketos-dot.png"
    r = subprocess.run([dot, "-Tpng", str(src), "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
    assert _png(out) and out.stat().st_size > 10_000
    if os.environ.get("IACLINT_UPDATE_DOCS_IMG"):
        shutil.copy(out, os.path.join(DOCS_IMG, "pocketos-graph-dot.png"))


@pytest.mark.slow
def test_pocketos_mermaid_renders_to_png(tmp_path, mmdc):
    src = tmp_path / "pocketos.mmd"
    src.write_text(graph_out(POCKETOS))
    out = tmp_path / "pocketos-mermaid.png"
    r = subprocess.run([*mmdc, "-i", str(src), "-o", str(out), "-b", "white", "-s", "2", "-q"], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert _png(out) and out.stat().st_size > 10_000
    if os.environ.get("IACLINT_UPDATE_DOCS_IMG"):
        shutil.copy(out, os.path.join(DOCS_IMG, "pocketos-graph-mermaid.png"))


def test_docs_show_the_rendered_pictures():
    for name in ("pocketos-graph-dot.png", "pocketos-graph-mermaid.png"):
        assert _png(os.path.join(DOCS_IMG, name)), name
    for doc in ("README.md", os.path.join("docs", "graph.md")):
        with open(os.path.join(REPO, doc), encoding="utf-8") as fh:
            assert "img/pocketos-graph-" in fh.read(), doc


# ------------------------------------------------------------------------------------ the corpus tree


def _corpus_diagrams(root: str) -> dict:
    """Every diagram iaclint draws of ROOT: name -> (format, text)."""
    from iaclint.config import ScanOptions
    from iaclint.report.diagram import (
        blast_radius_diagram,
        credentials_of,
        graph_diagram,
        marks_of_findings,
        summary_diagram,
    )
    from iaclint.scan import build_graph, scan

    opts = ScanOptions(root=root)
    graph = build_graph([root], opts)[0]
    marks = marks_of_findings(scan([root], opts).findings)
    out = {}
    for fmt in ("mermaid", "dot", "json"):
        out[f"graph.{fmt}"] = (fmt, graph_diagram(graph, marks, fmt))
        out[f"graph-all.{fmt}"] = (fmt, graph_diagram(graph, marks, fmt, max_nodes=10_000))
        out[f"findings.{fmt}"] = (fmt, graph_diagram(graph, marks, fmt, findings_only=True))
        for env in sorted(graph.environments):
            out[f"env-{env}.{fmt}"] = (fmt, graph_diagram(graph, marks, fmt, environment=env))
        for name in sorted({c.name for c in credentials_of(graph)}):
            out[f"cred-{name}.{fmt}"] = (fmt, graph_diagram(graph, marks, fmt, credentials=[name]))
    for fmt in ("mermaid", "dot"):
        out[f"blast.{fmt}"] = (fmt, blast_radius_diagram(graph, fmt))
        out[f"blast-all.{fmt}"] = (fmt, blast_radius_diagram(graph, fmt, show_all=True))
    out["summary.mermaid"] = ("mermaid", summary_diagram(graph, marks))
    return out


@pytest.fixture(scope="module")
def c20_diagrams(corpus):
    return _corpus_diagrams(corpus("c20"))


def test_corpus_diagrams_are_well_formed(c20_diagrams):
    assert len(c20_diagrams) > 20
    for name, (fmt, text) in c20_diagrams.items():
        assert text, name
        s = STRUCTURE[fmt](text)
        n = len(s["nodes"])
        assert n <= (10_000 if "graph-all" in name else 60), name
    summary = mermaid_structure(c20_diagrams["summary.mermaid"][1])
    assert len(summary["nodes"]) <= 40 and len(c20_diagrams["summary.mermaid"][1]) < 50_000
    shared = [n for n in json.loads(c20_diagrams["graph-all.json"][1])["nodes"] if n["shared"]]
    # one module block called from two environments' roots is two stores, not one shared store
    assert shared and all("inventory-data" in n["label"][0] for n in shared), [n["label"] for n in shared]


@pytest.mark.slow
def test_corpus_dot_parses_with_graphviz(c20_diagrams, tmp_path):
    dot = _dot()
    for name, (fmt, text) in c20_diagrams.items():
        if fmt == "dot":
            r = subprocess.run([dot, "-Tcanon"], input=text, capture_output=True, text=True, timeout=120)
            assert r.returncode == 0 and "error" not in r.stderr.lower(), (name, r.stderr)


@pytest.mark.slow
def test_corpus_mermaid_parses_with_mermaid(c20_diagrams, tmp_path, mmdc):
    """Every Mermaid diagram, in one Markdown file: Mermaid's CLI renders each block (one browser start)."""
    from iaclint.report.diagram import render

    blocks = [(name, text) for name, (fmt, text) in sorted(c20_diagrams.items()) if fmt == "mermaid"]
    blocks += [(f"escaped-{i}", render(_view_with(label), "mermaid")) for i, label in enumerate(LABELS)]
    md = tmp_path / "all.md"
    md.write_text("".join(f"## {name}\n\n```mermaid\n{text}```\n\n" for name, text in blocks))
    r = subprocess.run([*mmdc, "-i", str(md), "-o", str(tmp_path / "out.md"), "-q"], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    svgs = sorted(p for p in os.listdir(tmp_path) if p.endswith(".svg"))
    assert len(svgs) == len(blocks), svgs
    for p in svgs:
        with open(tmp_path / p, encoding="utf-8") as fh:
            assert "Syntax error" not in fh.read(), p


def test_docs_graph_md_shows_the_current_pocketos_diagram():
    with open(os.path.join(REPO, "docs", "graph.md"), encoding="utf-8") as fh:
        doc = fh.read()
    block = doc.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert block == graph_out("examples/pocketos")  # paths as the docs' command prints them (from the repo root)
