"""The Terraform evaluator under hostile input: RE2 regexes, size/step/nesting budgets, long reference chains,
`null` as absent, and safe file reading (iaclint/safeio.py). Every case is bounded in time, and the other
files' findings in the same scan are still reported."""
from __future__ import annotations

import os
import stat
import threading
import time

import pytest

from conftest import HANG_GUARD_S, fixture_path, hits, scan_dir
from iaclint.parsers.hcl import parse_hcl
from iaclint.safeio import UnsafeFile, read_regular_file
from iaclint.terraform.evaluate import Evaluator, Scope
from iaclint.terraform.values import OverBudget, Unknown, first_unknown

# a file whose finding must survive whatever its neighbour does
GOOD_TF = '''resource "aws_db_instance" "good" {
  identifier              = "good-production"
  backup_retention_period = 0
  deletion_protection     = true
}
'''


def _ev(expr: str):
    body, diags = parse_hcl(f"x = {expr}\n".encode(), "x.tf")
    assert not diags, diags
    ev = Evaluator()
    return ev.eval(body.attributes["x"].expr, Scope(path="x.tf")), ev


def _scan_bomb(tmp_path, locals_src: str, attr: str = "length(local.bomb) > 0", unknown: bool | None = True):
    """Scan bomb.tf (LOCALS_SRC, then a database whose deletion_protection is ATTR) next to good.tf. UNKNOWN:
    whether the attribute is unknown (None: a list or map of unknown items may have a known length)."""
    (tmp_path / "good.tf").write_text(GOOD_TF)
    src = "locals {\n" + locals_src + "\n}\n"
    line = src.count("\n") + 3
    src += f'resource "aws_db_instance" "bomb" {{\n  identifier          = "bomb-production"\n' \
           f'  deletion_protection = {attr}\n}}\n'
    (tmp_path / "bomb.tf").write_text(src)
    t = time.monotonic()
    report = scan_dir(str(tmp_path))
    elapsed = time.monotonic() - t
    assert elapsed < HANG_GUARD_S, f"scan took {elapsed:.1f}s"
    assert not report.tool_errors
    assert ("BK003", "good.tf", 3) in hits(report)
    # the bomb's value is unknown: the rule cannot verify it, at the attribute
    if unknown is not None:
        assert (("DP900", "bomb.tf", line) in hits(report)) is unknown, hits(report)
    return report


def _budget_diags(report, path="bomb.tf"):
    return [d for d in report.diagnostics if d.path == path and "evaluation stopped" in d.message]


# ------------------------------------------------------------------------------------------ RE2
def test_regex_is_re2_linear_time():
    t = time.monotonic()
    v, _ = _ev('can(regex("^(a+)+$", "' + "a" * 48 + '!"))')
    assert time.monotonic() - t < HANG_GUARD_S
    assert isinstance(v, Unknown) or v is False
    assert _ev('regex("(?P<k>[a-z]+)-(?P<n>\\\\d+)", "db-12")')[0] == {"k": "db", "n": "12"}
    assert _ev('regexall("[0-9]+", "a1b22c333")')[0] == ["1", "22", "333"]
    assert _ev('replace("db-12-x", "/(\\\\d+)/", "<$1>")')[0] == "db-<12>-x"
    assert isinstance(_ev('regex("(a)\\\\1", "aa")')[0], Unknown)  # backreferences are not RE2


def test_redos_in_a_scan(tmp_path):
    report = _scan_bomb(tmp_path, '  bomb = regexall("^(a+)+$", "' + "a" * 48 + '!")', "length(local.bomb) == 0",
                        unknown=False)
    assert not [h for h in hits(report) if h[1] == "bomb.tf" and h[0].startswith("DP")]


# ------------------------------------------------------------------------------------------ size budget
BOMBS = {
    "range": "  bomb = range(300000000)",
    "doubling-template": "  s0 = \"ab\"\n" + "\n".join(f'  s{i} = "${{local.s{i - 1}}}${{local.s{i - 1}}}"'
                                                      for i in range(1, 33)) + "\n  bomb = local.s32",
    "for-in-for": "  r = range(10000)\n  bomb = [for a in local.r : [for b in local.r : a + b]]",
    "join": "  big = join(\"\", [for i in range(100000) : \"xxxxxxxxxx\"])\n  bomb = join(local.big, range(1000))",
    "format-width": '  bomb = format("%0999999999d", 1)',
    "formatlist": '  bomb = formatlist("%099999d", range(1000))',
    "concat": "  l0 = [1, 2]\n" + "\n".join(f"  l{i} = concat(local.l{i - 1}, local.l{i - 1})" for i in range(1, 33))
              + "\n  bomb = local.l32",
    "merge": "  m0 = {a = 1}\n" + "\n".join(
        f'  m{i} = merge(local.m{i - 1}, {{for k, v in local.m{i - 1} : "${{k}}{i}" => v}})' for i in range(1, 33))
             + "\n  bomb = local.m32",
    "flatten": "  n0 = [1]\n" + "\n".join(f"  n{i} = [local.n{i - 1}, local.n{i - 1}]" for i in range(1, 41))
               + "\n  bomb = flatten(local.n40)",
    "setproduct": "  bomb = setproduct(range(1000), range(1000), range(1000))",
    "jsonencode": "  n0 = [\"abcdefgh\"]\n" + "\n".join(f"  n{i} = [local.n{i - 1}, local.n{i - 1}]"
                                                      for i in range(1, 41)) + "\n  bomb = jsonencode(local.n40)",
    "splat": "  o0 = [{id = \"x\"}]\n" + "\n".join(f"  o{i} = concat(local.o{i - 1}, local.o{i - 1})"
                                                for i in range(1, 30)) + "\n  bomb = local.o29[*].id",
    "replace": '  big = join("", [for i in range(10000) : "ab"])\n  bomb = replace(local.big, "", local.big)',
    "numbers": "  x0 = 10\n" + "\n".join(f"  x{i} = local.x{i - 1} * local.x{i - 1}" for i in range(1, 33))
               + "\n  bomb = [local.x32]",
    "nested-values": "  d0 = []\n" + "\n".join(f"  d{i} = [local.d{i - 1}]" for i in range(1, 300)) + "\n  bomb = local.d299",
}


# the over-budget part is an unknown item inside a list: the list's length is still known
PARTLY_KNOWN = {"flatten", "jsonencode", "nested-values", "numbers"}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_value_bombs_are_unknown_with_a_diagnostic(tmp_path, name):
    report = _scan_bomb(tmp_path, BOMBS[name], unknown=None if name in PARTLY_KNOWN else True)
    diags = _budget_diags(report)
    assert diags, report.diagnostics
    assert all(d.level == "warning" and d.line >= 2 for d in diags)


def test_range_is_checked_before_it_is_built():
    t = time.monotonic()
    v, ev = _ev("length(range(300000000))")
    assert time.monotonic() - t < HANG_GUARD_S
    assert isinstance(v, OverBudget) and "range()" in v.reason
    assert [(d.path, d.line) for d in ev.take_diagnostics()] == [("x.tf", 1)]


def test_budget_is_not_an_error_try_and_can_keep_it_unknown():
    assert isinstance(_ev('try(range(300000000), "fallback")')[0], OverBudget)
    assert isinstance(_ev("can(range(300000000))")[0], OverBudget)
    assert _ev('try(local.nope, "fallback")')[0] == "fallback"  # an ordinary error still falls back


def test_scan_step_budget(monkeypatch):
    import iaclint.terraform.evaluate as evaluate

    monkeypatch.setattr(evaluate, "MAX_SCAN_STEPS", 100)
    v, ev = _ev("[for a in range(200) : a]")
    assert isinstance(v, OverBudget) and "the scan's evaluations" in v.reason


def test_step_budget_stops_one_evaluation_only():
    v, ev = _ev("[for a in range(5000) : [for b in range(5000) : a + b]]")
    assert isinstance(v, OverBudget)
    assert len(ev.take_diagnostics()) == 1
    assert ev.eval(parse_hcl(b"y = 1 + 1\n", "y.tf")[0].attributes["y"].expr, Scope(path="y.tf")) == 2


def test_small_values_are_unchanged():
    assert _ev('join(",", [for i in range(3) : format("%02d", i)])')[0] == "00,01,02"
    assert _ev("setproduct([1, 2], [\"a\"])")[0] == [[1, "a"], [2, "a"]]
    assert _ev("flatten([[1, [2]], [], [[3]]])")[0] == [1, 2, 3]
    assert _ev('distinct(["b", "a", "b"])')[0] == ["a", "b"]


# ------------------------------------------------------------------------------------------ depth
def test_600_chained_locals_resolve(tmp_path):
    chain = "  a0 = true\n" + "\n".join(f"  a{i} = local.a{i - 1}" for i in range(1, 3001))
    (tmp_path / "good.tf").write_text(GOOD_TF)
    (tmp_path / "chain.tf").write_text("locals {\n" + chain + "\n}\n" + 'resource "aws_db_instance" "c" {\n'
                                       '  identifier          = "c-production"\n'
                                       '  deletion_protection = local.a3000\n}\n')
    t = time.monotonic()
    report = scan_dir(str(tmp_path))
    assert time.monotonic() - t < HANG_GUARD_S
    assert not report.tool_errors
    assert not [h for h in hits(report) if h[1] == "chain.tf" and h[0].startswith("DP")], hits(report)
    assert ("BK003", "good.tf", 3) in hits(report)


def test_chained_resources_and_cycles(tmp_path):
    res = ['resource "aws_s3_bucket" "b0" {\n  bucket = "data-production"\n}\n']
    res += [f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = aws_s3_bucket.b{i - 1}.bucket\n}}\n' for i in range(1, 1500)]
    (tmp_path / "chain.tf").write_text("".join(res))
    (tmp_path / "cycle.tf").write_text("locals {\n  p = local.q\n  q = local.p\n}\n"
                                       'resource "aws_db_instance" "cyc" {\n  identifier = "cyc-production"\n'
                                       "  deletion_protection = local.p\n}\n")
    (tmp_path / "good.tf").write_text(GOOD_TF)
    t = time.monotonic()
    report = scan_dir(str(tmp_path))
    assert time.monotonic() - t < HANG_GUARD_S
    assert not report.tool_errors
    assert ("DP900", "cycle.tf", 7) in hits(report)
    assert ("BK003", "good.tf", 3) in hits(report)


@pytest.mark.parametrize("open_, close", [("(", ")"), ("[", "]"), ("{a = ", "}"), ("-", ""), ("!", ""),
                                          ("true ? ", " : 1"), ("[for x in ", " : x]"),
                                          ('"%{ if true }', '%{ endif }"')])
def test_deeply_nested_expressions(tmp_path, open_, close):
    n = 10000
    (tmp_path / "good.tf").write_text(GOOD_TF)
    (tmp_path / "deep.tf").write_text('locals {\n  x = "fine"\n  deep = ' + open_ * n + "1" + close * n + "\n}\n"
                                      'resource "aws_db_instance" "d" {\n  identifier = "d-production"\n'
                                      "  deletion_protection = local.deep\n}\n")
    t = time.monotonic()
    report = scan_dir(str(tmp_path))
    assert time.monotonic() - t < HANG_GUARD_S
    assert not report.tool_errors
    assert any(d.path == "deep.tf" and d.line == 3 and "nested deeper" in d.message for d in report.diagnostics)
    assert ("DP900", "deep.tf", 7) in hits(report)
    assert ("BK003", "good.tf", 3) in hits(report)


def test_evaluator_nesting_cap():
    e = Evaluator()
    body, _ = parse_hcl(b"x = " + b"[" * 25 + b"1" + b"]" * 25 + b"\n", "x.tf")
    v = e.eval(body.attributes["x"].expr, Scope(path="x.tf"))
    assert isinstance(v, list)
    import iaclint.terraform.evaluate as evaluate
    old = evaluate.MAX_EVAL_DEPTH
    evaluate.MAX_EVAL_DEPTH = 10
    try:
        assert isinstance(first_unknown(e.eval(body.attributes["x"].expr, Scope(path="x.tf"))), OverBudget)
    finally:
        evaluate.MAX_EVAL_DEPTH = old


# ------------------------------------------------------------------------------------------ null is absent
def test_null_attributes_are_absent():
    report = scan_dir(fixture_path("evaluator", "nulls"))
    got = hits(report)
    # replicate_source_db = var.x (default null): a primary, so BK003 applies; the literal replica is skipped
    assert ("BK003", "rds.tf", 9) in got
    assert not [h for h in got if h[0] == "BK003" and h[1] == "rds.tf" and h[2] > 12]
    # master_instance_name = null, and `cond ? "…" : null` with cond false: primaries (BK009, BK011)
    for rule in ("BK009", "BK011"):
        assert (rule, "cloudsql.tf", 6) in got
        assert (rule, "cloudsql.tf", 19) in got


def test_null_inside_objects_and_nested_blocks_is_dropped():
    from iaclint.terraform.modules import without_nulls

    shared = {"a": 1}
    assert without_nulls(shared) is shared
    assert without_nulls({"a": None, "b": [{"c": None, "d": 2}], "e": shared}) == {"b": [{"d": 2}], "e": {"a": 1}}


def test_non_nullable_variable_takes_its_default(tmp_path):
    (tmp_path / "main.tf").write_text('module "db" {\n  source = "./db"\n  retention = null\n}\n')
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "main.tf").write_text(
        'variable "retention" {\n  default  = 0\n  nullable = false\n}\n'
        'resource "aws_db_instance" "m" {\n  identifier = "m-production"\n  deletion_protection = true\n'
        "  backup_retention_period = var.retention\n}\n")
    assert ("BK003", "db/main.tf", 2) in hits(scan_dir(str(tmp_path)), "BK003")


# ------------------------------------------------------------------------------------------ safe file reading
@pytest.fixture
def specials(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "link").symlink_to(fifo)
    (tmp_path / "dir").mkdir()
    (tmp_path / "ok.txt").write_text("hello")
    (tmp_path / "big.txt").write_bytes(b"x" * 2048)
    return tmp_path


def _in_time(fn, *a):
    out: list = []

    def run():
        try:
            out.append(fn(*a))
        except BaseException as ex:  # noqa: BLE001 - handed to the test
            out.append(ex)
    th = threading.Thread(target=run, daemon=True)
    th.start()
    th.join(2)
    assert not th.is_alive(), "blocked"
    return out[0]


@pytest.mark.parametrize("name", ["fifo", "link", "dir", "/dev/zero", "big.txt"])
def test_safeio_refuses_what_is_not_a_small_regular_file(specials, name):
    path = name if name.startswith("/") else str(specials / name)
    if name.startswith("/") and not os.path.exists(name):
        pytest.skip(f"no {name}")
    assert isinstance(_in_time(read_regular_file, path, 1024), UnsafeFile)


def test_safeio_reads_regular_files(specials):
    assert read_regular_file(str(specials / "ok.txt"), 1024) == b"hello"
    assert stat.S_ISFIFO(os.stat(specials / "fifo").st_mode)
    assert isinstance(_in_time(read_regular_file, str(specials / "missing"), 1024), FileNotFoundError)


def test_file_function_on_a_fifo_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "policy.tpl")
    (tmp_path / "good.tf").write_text(GOOD_TF)
    (tmp_path / "main.tf").write_text('resource "aws_db_instance" "f" {\n  identifier = "f-production"\n'
                                      '  deletion_protection = file("policy.tpl") == "x"\n}\n')
    report = _in_time(scan_dir, str(tmp_path))
    assert not isinstance(report, BaseException), report
    assert ("DP900", "main.tf", 3) in hits(report)
    assert ("BK003", "good.tf", 3) in hits(report)
