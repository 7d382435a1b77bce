"""The Markdown table of issue 16 and its targets, from bench/run_bench.py's results (a plain dict, also its
``--json`` output). No measuring here: tests/test_bench_table.py feeds it made-up numbers.

A measurement ``m`` (one tool, one corpus) holds: ``wall`` (s, median of the runs), ``cpu`` (user + sys of
the process tree, s), ``mem_mb`` (peak memory: the larger of the process tree's summed PSS, sampled, and the
largest process's RSS), ``rss_mb`` (the largest process's peak RSS, what ``/usr/bin/time`` says), ``loads``
(the highest 1-minute load average seen during each run), ``rc``, ``runs``."""
from __future__ import annotations

import itertools
import operator
import statistics

PEERS = ("checkov", "trivy")
_HEADER = ("| corpus | files | iaclint wall | CPU (÷ wall) | peak RSS | RSS ÷ file | `--jobs 1` wall | load "
           "| checkov | × checkov | load | trivy | × trivy | load |")
_ALIGN = "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: | --- |"
_LE, _GE = (operator.le, "≤"), (operator.ge, "≥")


def speedup(row: dict, peer: str) -> float | None:
    """How many times faster iaclint was than PEER on this corpus in the same run (None: PEER not run): to
    iaclint's runs just before and after PEER's (``iaclint_beside``) when the run recorded them, else to the
    median of iaclint's runs."""
    if peer not in row or not row["iaclint"]["wall"]:
        return None
    beside = row[peer].get("iaclint_beside")
    return row[peer]["wall"] / (statistics.median(beside) if beside else row["iaclint"]["wall"])


def per_file_kb(row: dict) -> float:
    return row["iaclint"]["mem_mb"] * 1024 / row["stats"]["files"]


def _size(results: dict, n: int) -> dict | None:
    return results["sizes"].get(str(n))


def _targets(results: dict) -> list[tuple[str, float | None, tuple, float, str, str]]:
    """(label, measured value or None, comparison, limit, unit, why not measured)."""
    def at(n, get):
        row = _size(results, n)
        return get(row) if row else None

    plan, lsp = results.get("plan"), results.get("lsp")
    # the plan and editor targets hold for a 200 MB plan and a 500-module workspace: smaller ones are shown, not judged
    plan_ok = plan is not None and plan["mb"] >= 190
    lsp_ok = lsp is not None and lsp["modules"] >= 500
    return [
        ("`--modules 500` wall, cold", at(500, lambda r: r["iaclint"]["wall"]), _LE, 5, "s", ""),
        ("`--modules 500` faster than checkov", at(500, lambda r: speedup(r, "checkov")), _GE, 60, "×", ""),
        ("`--modules 500` faster than trivy", at(500, lambda r: speedup(r, "trivy")), _GE, 25, "×", ""),
        ("`--modules 500` peak RSS", at(500, lambda r: r["iaclint"]["mem_mb"]), _LE, 250, "MB", ""),
        ("`--modules 5000` wall", at(5000, lambda r: r["iaclint"]["wall"]), _LE, 45, "s", ""),
        ("`--modules 5000` peak RSS", at(5000, lambda r: r["iaclint"]["mem_mb"]), _LE, 600, "MB", ""),
        ("plan JSON 200 MB peak RSS", plan["mem_mb"] if plan_ok else None, _LE, 400, "MB",
         f" (ran a {plan['mb']:.0f} MB plan)" if plan and not plan_ok else ""),
        ("editor, 500 modules: one-character edit → diagnostics", lsp["fast_ms"] if lsp_ok else None, _LE, 300, "ms",
         f" (ran {lsp['modules']} modules)" if lsp and not lsp_ok else ""),
    ]


def memory_curve(results: dict) -> tuple[list, bool | None]:
    """([(modules, KB per file)] by size, whether it falls as the tree grows; None with fewer than 2 sizes)."""
    curve = [(int(n), per_file_kb(row)) for n, row in sorted(results["sizes"].items(), key=lambda kv: int(kv[0]))]
    if len(curve) < 2:
        return curve, None
    return curve, all(b[1] < a[1] for a, b in itertools.pairwise(curve))


def _num(x: float, unit: str) -> str:
    if unit == "×":
        return f"{x:.0f}×" if x >= 10 else f"{x:.1f}×"
    if unit == "s":
        return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"
    return f"{x:,.0f} {unit}"


def _loads(m: dict) -> str:
    """The range of the load averages seen."""
    lo, hi = f"{min(m['loads']):.1f}", f"{max(m['loads']):.1f}"
    return lo if lo == hi else f"{lo}–{hi}"


def _rc(m: dict, ok=(0, 1)) -> str:
    return "" if m.get("rc") in ok else f" **(exit {m.get('rc')})**"


def _peer_cells(row: dict, peer: str, n: int, last_paired: dict) -> tuple[str, str, str]:
    """(wall + memory, iaclint's speed-up in wall time and in CPU time, load) of PEER on this corpus."""
    if peer in row:
        pm = row[peer]
        cpu = f" (CPU {_num(pm['cpu'] / row['iaclint']['cpu'], '×')})" if row["iaclint"]["cpu"] else ""
        return (f"{_num(pm['wall'], 's')}, {_num(pm['mem_mb'], 'MB')}{_rc(pm)}",
                f"**{_num(speedup(row, peer), '×')}**{cpu}", _loads(pm))
    lp = last_paired.get(n)
    if lp:
        return (f"{_num(lp[peer], 's')}, {_num(lp[peer + '_mb'], 'MB')} †",
                f"({_num(lp[peer] / row['iaclint']['wall'], '×')} †)", "")
    return "not run", "", ""


def render(results: dict, last_paired: dict | None = None) -> str:
    """The Markdown: the issue's table, the editor line, the targets (met / not met) and footnotes."""
    last_paired = last_paired or {}
    out = []
    if "started" in results:
        peers = ", ".join(f"{k} {v['version'].removeprefix('Version: ')}" for k, v in results.get("peers", {}).items())
        out += [(f"{results['started']}, iaclint `{results['commit']}`, Python {results['python']}, "
                 f"{results['cpus']} CPUs; peers: {peers or 'none run'}."), ""]
    out += [_HEADER, _ALIGN]
    used_last = False
    for n, row in sorted(results["sizes"].items(), key=lambda kv: int(kv[0])):
        it = row["iaclint"]
        one = row.get("iaclint_jobs1")
        cells = [f"`--modules {n}`", f"{row['stats']['files']:,}", _num(it["wall"], "s") + _rc(it),
                 f"{_num(it['cpu'], 's')} ({it['cpu'] / it['wall']:.2f})", _num(it["mem_mb"], "MB"),
                 f"{per_file_kb(row):.1f} KB", _num(one["wall"], "s") if one else "", _loads(it)]
        for peer in PEERS:
            cells += _peer_cells(row, peer, int(n), last_paired)
            used_last |= peer not in row and int(n) in last_paired
        out.append("| " + " | ".join(cells) + " |")
    plan = results.get("plan")
    if plan:
        out.append(f"| plan JSON {plan['mb']:.0f} MB | 1 | {_num(plan['wall'], 's')}{_rc(plan)} | "
                   f"{_num(plan['cpu'], 's')} ({plan['cpu'] / plan['wall']:.2f}) | {_num(plan['mem_mb'], 'MB')} "
                   f"| | | {_loads(plan)} | | | | | | |")
    out.append("")
    small = results.get("small_repo")
    if small:
        out.append(f"Small repo (`--modules 1`, {small['files']} files): {_num(small['wall'], 's')} end to end, "
                   f"{_num(small['mem_mb'], 'MB')} (median of {small['runs']}, load {_loads(small)}).")
        out.append("")
    lsp = results.get("lsp")
    if lsp:
        out.append(f"Editor (`bench/lsp_latency.py`, {lsp['modules']} modules, {lsp['files']:,} files): "
                   f"one-character edit → first diagnostics (fast pass) {lsp['fast_ms']:.0f} ms, → full rescan "
                   f"{lsp['full_ms']:.0f} ms (medians of {len(lsp['fast_all_ms'])} edits; cold open "
                   f"{lsp['cold_ms']:.0f} ms; load {_loads(lsp)}).")
        out.append("")
    curve, falls = memory_curve(results)
    if falls is not None:
        out.append("Memory curve, RSS ÷ files: " + ", ".join(f"{kb:.1f} KB at {n}" for n, kb in curve)
                   + f" — {'falls' if falls else '**does not fall**'} as the tree grows.")
        out.append("")
    out += ["| target | measured | |", "| --- | ---: | --- |"]
    for label, value, (op, sym), limit, unit, why in _targets(results):
        if value is None:
            measured, verdict = "—", "not measured" + why
        else:
            measured, verdict = _num(value, unit), "met" if op(value, limit) else "**not met**"
        out.append(f"| {label} {sym} {limit:g}{unit if unit == '×' else ' ' + unit} | {measured} | {verdict} |")
    if falls is not None:
        out.append(f"| RSS ÷ files falls as the tree grows | {' → '.join(f'{kb:.1f}' for _, kb in curve)} KB | "
                   f"{'met' if falls else '**not met**'} |")
    out.append("")
    out.append("Wall: median of the runs, a fresh process each (start-up included). CPU: user + sys of the whole "
               "process tree; CPU ÷ wall above 1 means both cores worked. Peak RSS: the larger of the process "
               "tree's summed PSS (sampled) and its largest process's RSS. Load: the highest 1-minute load "
               "average seen during the runs (the tool's own processes included). × checkov, × trivy: the peer's "
               "wall time ÷ iaclint's (the targets) — each peer runs between two of iaclint's runs, and the ratio "
               "is to those two (this VM's speed drifts within minutes) — in parentheses its CPU time ÷ iaclint's "
               "median CPU time (steadier under load).")
    if used_last:
        dates = sorted({lp["date"] for lp in last_paired.values()})
        out.append(f"† checkov / trivy not installed where this ran: their numbers are from the last paired run "
                   f"({', '.join(dates)}), not this one; the ratio in parentheses divides them by this run's "
                   f"iaclint wall and is no paired measurement (the targets count it as not measured).")
    return "\n".join(out) + "\n"
