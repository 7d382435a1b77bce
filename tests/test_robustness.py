"""Robustness: no input crashes iaclint, every bad input is named with its file and line, the rest of the scan
stays intact, time and memory stay bounded, and the scanned tree is never written to.

Every test is tagged with the kind of input it feeds: ``@pytest.mark.input_kind("…")`` (select with
``pytest -m input_kind`` or by id, e.g. ``-k crlf``). The property tests here are the short CI campaign
(few examples, no deadline); bench/fuzz_long.py runs the long one.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import stat
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, cli_in_process, hits, run_cli, scan_dir

from iaclint.discover import MAX_FILE_BYTES, classify
from iaclint.model import ParsedFile, SourceFile
from iaclint.parsers import parse_file
from iaclint.parsers.dotenv import parse_dotenv
from iaclint.parsers.hcl import parse_hcl
from iaclint.parsers.jsonpos import JSONPosError
from iaclint.parsers.jsonpos import loads_with_lines as json_lines
from iaclint.parsers.tfjson import parse_tf_json
from iaclint.parsers.tomlpos import TOMLPosError
from iaclint.parsers.tomlpos import loads_with_lines as toml_lines

POCKETOS = os.path.join(REPO, "examples", "pocketos")
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
CI = settings(max_examples=100, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
kind = pytest.mark.input_kind


# ------------------------------------------------------------------------------------------ helpers
def seed_files() -> list[str]:
    """Real files to mutate: the example and every test fixture iaclint reads."""
    out = []
    for base in (os.path.join(REPO, "examples"), os.path.join(REPO, "tests", "fixtures")):
        for d, _, fs in os.walk(base):
            for f in fs:
                p = os.path.join(d, f)
                rel = os.path.relpath(p, base).replace(os.sep, "/")
                if classify(rel) is not None and os.path.getsize(p) < 200_000:
                    out.append(p)
    return sorted(out)


SEEDS = seed_files()
NAMES = ["main.tf", "vars.tfvars", "main.tf.json", "x.tfvars.json", "railway.json", "railway.toml", ".env",
         ".env.example", "plan.json", "config.json", "deploy.sh", "values.yaml", ".railway/railway.ts",
         ".railway/railway.py"]


def parse_bytes(tmp, name: str, data: bytes) -> ParsedFile:
    p = os.path.join(tmp, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as fh:
        fh.write(data)
    return parse_file(SourceFile(name, p, classify(name)))


def copy_example(dst) -> str:
    shutil.copytree(POCKETOS, dst)
    return str(dst)


def tree_digest(root: str) -> str:
    """Names, modes, sizes, mtimes and contents of everything under root (links not followed)."""
    h = hashlib.sha256()
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            p = os.path.join(d, name)
            st_ = os.lstat(p)
            h.update(f"{os.path.relpath(p, root)}|{st_.st_mode}|{st_.st_size}|{st_.st_mtime_ns}".encode())
            if stat.S_ISREG(st_.st_mode):
                with open(p, "rb") as fh:
                    h.update(fh.read())
            elif stat.S_ISLNK(st_.st_mode):
                h.update(os.readlink(p).encode())
    return h.hexdigest()


# ------------------------------------------------------------------------------------------ property tests
@kind("random-bytes")
@CI
@given(st.binary(max_size=4000))
def test_parse_hcl_random_bytes(data):
    body, diags = parse_hcl(data, "x.tf")
    assert all(d.path == "x.tf" and d.line >= 1 for d in diags)


HCL_TOKENS = ['resource', '"aws_db_instance"', '"x"', 'variable', 'locals', 'module', '{', '}', '[', ']', '(', ')',
              '=', ':', ',', '.', '\n', ' ', '"', '${', '%{', 'if', 'for', 'in', 'endif', 'endfor', 'var.a', 'local.b',
              '<<EOT\n', '<<-EOT\n', 'EOT\n', '?', '!', '&&', '||', '==', '+', '-', '*', '...', '=>', '#', '//',
              '/*', '*/', '1', '1.5e3', 'true', 'null', 'each.value', 'count.index', '\\', '\\u00e9', 'é', '\t',
              '\r\n', 'dynamic', 'content', 'lifecycle', 'prevent_destroy', 'try(', 'jsonencode(', '[*]', '.0']


@kind("hcl-token-soup")
@CI
@given(st.lists(st.sampled_from(HCL_TOKENS), max_size=120).map("".join))
def test_parse_hcl_token_soup(text):
    body, diags = parse_hcl(text.encode(), "x.tf")
    assert all(d.line >= 1 for d in diags)


@kind("random-text")
@CI
@given(st.text(max_size=2000), st.booleans())
def test_parse_tf_json_random_text(text, vars_only):
    body, diags = parse_tf_json(text, "x.tf.json", vars_only=vars_only)
    assert all(d.line >= 1 for d in diags)


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                       lambda c: st.lists(c, max_size=5) | st.dictionaries(st.text(max_size=10), c, max_size=5),
                       max_leaves=30)


@kind("json-structure")
@CI
@given(JSONISH, st.booleans())
def test_parse_tf_json_structures(value, vars_only):
    """Valid JSON of any shape (not just Terraform's) is handled: a body, or diagnostics with lines."""
    body, diags = parse_tf_json(json.dumps(value, indent=1), "x.tf.json", vars_only=vars_only)
    assert all(d.line >= 1 for d in diags)


@kind("random-text")
@CI
@given(st.text(max_size=2000))
def test_jsonpos_random_text(text):
    try:
        value, lines = json_lines(text)
    except JSONPosError as e:
        assert e.line >= 1
    else:
        assert isinstance(lines, dict)


@kind("json-structure")
@CI
@given(JSONISH)
def test_jsonpos_roundtrip(value):
    got, lines = json_lines(json.dumps(value, indent=2))
    assert got == value


@kind("random-text")
@CI
@given(st.text(max_size=2000))
def test_tomlpos_random_text(text):
    try:
        toml_lines(text)
    except TOMLPosError as e:
        assert e.line >= 1


@kind("random-text")
@CI
@given(st.text(max_size=2000))
def test_dotenv_random_text(text):
    entries, diags = parse_dotenv(text, ".env")
    nlines = text.count("\n") + text.count("\r") + 1
    assert all(1 <= e["line"] <= nlines for e in entries)
    assert all(1 <= d.line <= nlines for d in diags)


@kind("random-bytes")
@CI
@given(st.sampled_from(NAMES), st.binary(max_size=3000))
def test_parse_file_random_bytes_every_kind(tmp_path, name, data):
    pf = parse_bytes(str(tmp_path), name, data)
    assert pf.path == name
    assert all(d.path == name and d.line >= 1 for d in pf.diagnostics)


def _mutate(data: bytes, ops: list, rnd: random.Random) -> bytes:
    b = bytearray(data)
    for op in ops:
        if not b:
            break
        i = rnd.randrange(len(b))
        if op == "truncate":
            del b[i:]
        elif op == "flip":
            b[i] ^= 1 << rnd.randrange(8)
        elif op == "insert":
            b[i:i] = rnd.choice([b"{", b"}", b"\x00", b"\xff\xfe", b'"', b"${", b"\r\n", b"[" * 50, b"\xef\xbb\xbf"])
        elif op == "delete":
            del b[i:i + rnd.randrange(1, 20)]
        elif op == "dup":
            j = rnd.randrange(len(b))
            b[i:i] = b[min(i, j):max(i, j)][:2000]
    return bytes(b)


@kind("mutated-real-file")
@CI
@given(st.sampled_from(SEEDS or [__file__]), st.lists(st.sampled_from(["truncate", "flip", "insert", "delete", "dup"]),
                                                     min_size=1, max_size=6), st.integers(0, 2**32 - 1))
def test_parse_file_mutated_real_files(tmp_path, seed_path, ops, rnd_seed):
    with open(seed_path, "rb") as fh:
        data = _mutate(fh.read(), ops, random.Random(rnd_seed))
    name = os.path.basename(seed_path)
    if "/.railway/" in seed_path.replace(os.sep, "/"):
        name = ".railway/" + name
    pf = parse_bytes(str(tmp_path), name, data)
    assert all(d.line >= 1 for d in pf.diagnostics)


def _expr_strategy():
    leaves = st.sampled_from(['1', '0', '-3', '2.5', '"s"', '"${var.a}-x"', 'true', 'false', 'null', 'var.a',
                              'var.m', 'local.l', 'each.key', 'count.index', 'aws_s3_bucket.b.id', 'path.module',
                              'terraform.workspace', '[]', '{}', '"a,b"', '"*"', '1000000000', '"%{ if true }y%{ endif }"'])
    funcs = sorted(__import__("iaclint.terraform.evaluate", fromlist=["FUNCTIONS"]).FUNCTIONS)

    def extend(c):
        return st.one_of(
            st.tuples(c, c).map(lambda t: f"[{t[0]}, {t[1]}]"),
            st.tuples(c, c).map(lambda t: f"{{k = {t[0]}, \"v\" = {t[1]}}}"),
            st.tuples(st.sampled_from(funcs), st.lists(c, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
            st.tuples(c, c, c).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
            st.tuples(c, st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"]), c)
              .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            c.map(lambda x: f"!{x}"),
            c.map(lambda x: f"-{x}"),
            st.tuples(c, c).map(lambda t: f"[for x in {t[0]} : {t[1]}]"),
            st.tuples(c, c).map(lambda t: f"{{for k, v in {t[0]} : k => {t[1]}}}"),
            c.map(lambda x: f"({x})[0]"),
            c.map(lambda x: f"({x}).a"),
            c.map(lambda x: f"({x})[*].id"),
            c.map(lambda x: f'"pre-${{{x}}}"'),
            c.map(lambda x: f"{x}..."),
        )
    return st.recursive(leaves, extend, max_leaves=12)


@kind("evaluator-expression")
@CI
@given(_expr_strategy())
def test_evaluator_random_expressions(expr):
    from iaclint.terraform.evaluate import Evaluator, Scope

    body, _ = parse_hcl(f"x = {expr}\n".encode(), "x.tf")
    a = body.attributes.get("x")
    if a is None:
        return
    ev = Evaluator()
    scope = Scope(path="x.tf")
    ev.eval(a.expr, scope)
    ev.origins(a.expr, scope)


@kind("random-bytes")
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(NAMES), st.binary(max_size=1500)), min_size=1, max_size=5))
def test_whole_scan_random_files(tmp_path, files):
    root = tmp_path / "tree"
    shutil.rmtree(root, ignore_errors=True)
    for i, (name, data) in enumerate(files):
        p = root / f"d{i}" / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    report = scan_dir(str(root))
    assert not report.tool_errors


# ------------------------------------------------------------------------------------------ one bad tree, via the CLI
BAD_HCL = 'resource "aws_s3_bucket" "ok" {\n  bucket = "fine"\n}\n\nresource "aws_db_instance" "broken" {\n  engine = \n  = = ]\n}\n'
BAD_FILES = {
    # name: (bytes, expected line of the error, a word the message contains)
    "bad/invalid.tf": (BAD_HCL.encode(), 7, "invalid HCL"),
    "bad/unclosed.tf": (b'locals {\n  a = 1\n  b = "x"\n', 0, "HCL"),
    "bad/railway.json": (b'{\n  "deploy": {\n    "startCommand": "x",\n  }\n}\n', 4, "JSON"),
    "bad/railway.toml": (b'[deploy]\nstartCommand = "ok"\nrestartPolicyType = \n', 3, ""),
    "bad/.env": (b'GOOD=1\nthis line is not an assignment\nALSO_GOOD=2\n', 2, "dotenv"),
    "bad/binary.tf": (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, 1, "binary"),
    "bad/latin1.tf": (b'locals {\n  a = "ok"\n  b = "caf\xe9"\n}\n', 3, "UTF-8"),
    "bad/deep.tf": (("a = " + "[" * 10000 + "]" * 10000 + "\n").encode(), 1, "deep"),
    "bad/deep_blocks.tf": (("".join(f"b{i} {{\n" for i in range(10000)) + "}\n" * 10000).encode(), 97, "deep"),
    "bad/deep.tf.json": (('{"locals": ' + '{"a": ' * 10000 + "1" + "}" * 10000 + "}").encode(), 1, "deep"),
    "bad/deep/railway.json": (("[" * 10000 + "]" * 10000).encode(), 1, "deep"),
    "bad/deep/railway.toml": (("a = " + "[" * 10000 + "]" * 10000 + "\n").encode(), 1, "deep"),
}


@pytest.fixture(scope="module")
def bad_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("badtree") / "repo"
    copy_example(root)
    for name, (data, _, _) in BAD_FILES.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    # a huge (sparse, instant) file over the per-file limit, huge literals under it
    with open(root / "bad" / "huge.tf", "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    # (256 KB: tree-sitter-hcl scans a string at ~2 s per MB; test_2mb_literal_parses takes the larger one)
    (root / "bad" / "literal.tf").write_text('locals {\n  s = "' + "a" * 256_000 + '"\n  n = ' + "9" * 50_000 +
                                            '\n  f = 1.0e999999\n}\n')
    (root / "bad" / ".env.big").write_text("K=" + "b" * 1_000_000 + "\n")
    # module cycle and file() outside the root
    (root / "cyc" / "a").mkdir(parents=True)
    (root / "cyc" / "b").mkdir(parents=True)
    (root / "cyc" / "main.tf").write_text('module "a" {\n  source = "./a"\n}\n')
    (root / "cyc" / "a" / "main.tf").write_text('module "b" {\n  source = "../b"\n}\n')
    (root / "cyc" / "b" / "main.tf").write_text('module "a" {\n  source = "../a"\n}\n')
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("OUTSIDE_ROOT_CONTENT_e3b0c442\n")
    (outside / "leak.tf").write_text('resource "aws_s3_bucket" "leak" {\n  bucket = "leak"\n}\n')
    (root / "escape").mkdir()
    rel = os.path.relpath(outside / "secret.txt", root / "escape")
    (root / "escape" / "main.tf").write_text(f'locals {{\n  x = file("{rel}")\n}}\n'
                                             'resource "aws_s3_bucket" "e" {\n  bucket = local.x\n}\n')
    # symlinks: a loop, a directory and a file pointing outside the root
    os.symlink("..", root / "bad" / "loop")
    os.symlink(str(outside), root / "outside_dir")
    os.symlink(str(outside / "leak.tf"), root / "outside_file.tf")
    r = run_cli("check", str(root), "--format", "json")
    return {"root": str(root), "cli": r, "report": json.loads(r.stdout) if r.stdout.strip() else None}


def _errors(bad_tree, path):
    return [e for e in bad_tree["report"]["errors"] if e["file"] == path]


@pytest.mark.parametrize("name", sorted(BAD_FILES), ids=[n.replace("/", "_") for n in sorted(BAD_FILES)])
@kind("invalid-file")
def test_bad_file_reported_with_file_and_line(bad_tree, name):
    _, line, word = BAD_FILES[name]
    errs = _errors(bad_tree, name)
    assert errs, f"no error reported for {name}: {bad_tree['report']['errors']}"
    e = errs[0]
    if line:
        assert e["line"] == line, e
    assert word.lower() in e["message"].lower(), e


@kind("invalid-file")
def test_bad_tree_exit_code_and_no_traceback(bad_tree):
    r = bad_tree["cli"]
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr + r.stdout


@kind("invalid-file")
def test_bad_tree_rest_of_scan_intact(bad_tree, tmp_path):
    """The example's findings are exactly those of scanning it alone."""
    alone = cli_in_process("check", copy_example(tmp_path / "alone"), "--format", "json")
    want = sorted((f["rule_id"], f["file"], f["line"]) for f in json.loads(alone.stdout)["findings"])
    got = sorted((f["rule_id"], f["file"], f["line"]) for f in bad_tree["report"]["findings"]
                 if not f["file"].startswith(("bad/", "cyc/", "escape/")))
    assert want and got == want


@kind("huge-file")
def test_50mb_file_skipped_with_message(bad_tree):
    errs = _errors(bad_tree, "bad/huge.tf")
    assert errs and "limit" in errs[0]["message"] and "50 MiB" in errs[0]["message"], errs
    assert 50 * 1024 * 1024 > MAX_FILE_BYTES


@kind("huge-literal")
def test_huge_literals_parse(bad_tree):
    assert not [e for e in _errors(bad_tree, "bad/literal.tf") if e["level"] == "error"]
    assert not [e for e in _errors(bad_tree, "bad/.env.big") if e["level"] == "error"]


@pytest.mark.slow
@kind("invalid-file")
def test_2mb_literal_parses():
    src = 'locals {\n  s = "' + "a" * 2_000_000 + '"\n}\n'
    body, diags = parse_hcl(src.encode(), "literal.tf")
    assert not [d for d in diags if d.level == "error"]
    assert body.blocks[0].body.attributes["s"].expr.value == "a" * 2_000_000


@kind("symlink")
def test_symlinks_not_followed_out_of_root(bad_tree):
    files = {e["file"] for e in bad_tree["report"]["errors"]}
    msgs = " ".join(e["message"] for e in bad_tree["report"]["errors"])
    assert "outside_dir" in files and "outside_file.tf" in files, bad_tree["report"]["errors"]
    assert "outside the scan root" in msgs
    assert not any("leak" in f["file"] or "leak" in f["message"] for f in bad_tree["report"]["findings"])


@kind("symlink")
def test_symlink_loop_terminates(bad_tree):
    # the loop points at the root itself: nothing is scanned twice under bad/loop/...
    assert not any(f["file"].startswith("bad/loop/") for f in bad_tree["report"]["findings"])
    assert not any(e["file"].startswith("bad/loop/") and "symlink" not in e["message"]
                   for e in bad_tree["report"]["errors"])


@kind("module-cycle")
def test_module_cycle_reported(bad_tree):
    errs = [e for e in bad_tree["report"]["errors"] if e["file"].startswith("cyc/")]
    cyc = [e for e in errs if "module cycle" in e["message"]]
    assert cyc and all(e["line"] == 1 and e["file"] in ("cyc/a/main.tf", "cyc/b/main.tf") for e in cyc), errs


@kind("file-outside-root")
def test_file_function_does_not_read_outside_root(bad_tree):
    out = bad_tree["cli"].stdout + bad_tree["cli"].stderr
    assert "OUTSIDE_ROOT_CONTENT" not in out


# ------------------------------------------------------------------------------------------ encodings and line endings
def _transform_tree(src: str, dst: str, fn) -> str:
    shutil.copytree(src, dst)
    for d, _, fs in os.walk(dst):
        for f in fs:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                data = fh.read()
            with open(p, "wb") as fh:
                fh.write(fn(data))
    return dst


@kind("crlf")
def test_crlf_line_numbers_unchanged(tmp_path):
    want = hits(scan_dir(POCKETOS))
    crlf = _transform_tree(POCKETOS, str(tmp_path / "crlf"), lambda b: b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    report = scan_dir(crlf)
    assert want and hits(report) == want
    assert not [d for d in report.diagnostics if d.level == "error"]


@kind("bom")
def test_utf8_bom_line_numbers_unchanged(tmp_path):
    want = hits(scan_dir(POCKETOS))
    bom = _transform_tree(POCKETOS, str(tmp_path / "bom"), lambda b: b"\xef\xbb\xbf" + b)
    report = scan_dir(bom)
    assert hits(report) == want
    assert not [d for d in report.diagnostics if d.level == "error"]


@kind("non-utf8")
def test_non_utf8_names_first_bad_line(tmp_path):
    pf = parse_bytes(str(tmp_path), "x.tf", b'a = "1"\nb = "2"\nc = "\xff\xfe"\n')
    assert pf.data is None and pf.diagnostics[0].line == 3 and "UTF-8" in pf.diagnostics[0].message


@kind("crlf")
def test_crlf_hcl_positions(tmp_path):
    src = 'resource "aws_db_instance" "a" {\n  deletion_protection = false\n}\n'
    lf = parse_bytes(str(tmp_path), "lf.tf", src.encode())
    crlf = parse_bytes(str(tmp_path), "crlf.tf", src.replace("\n", "\r\n").encode())
    a1 = lf.data.blocks[0].body.attributes["deletion_protection"]
    a2 = crlf.data.blocks[0].body.attributes["deletion_protection"]
    assert (a1.pos.line, a1.expr.value) == (a2.pos.line, a2.expr.value) == (2, False)


# ------------------------------------------------------------------------------------------ unreadable files
@kind("unreadable")
def test_unreadable_file_reported(tmp_path, monkeypatch):
    root = copy_example(tmp_path / "repo")
    secret = os.path.join(root, "locked.tf")
    with open(secret, "w") as fh:
        fh.write('resource "aws_s3_bucket" "x" {\n}\n')
    os.chmod(secret, 0)
    if os.geteuid() == 0:  # root reads mode-000 files: simulate the permission error instead
        real_open = os.open

        def deny(p, *a, **k):  # input files are opened with os.open (iaclint/safeio.py)
            if os.path.abspath(str(p)) == secret:
                raise PermissionError(13, "Permission denied", str(p))
            return real_open(p, *a, **k)

        monkeypatch.setattr(os, "open", deny)
    report = scan_dir(root)
    errs = [d for d in report.diagnostics if d.path == "locked.tf"]
    assert errs and errs[0].line == 1 and "cannot read" in errs[0].message and errs[0].level == "error"
    monkeypatch.undo()
    os.chmod(secret, 0o644)
    assert hits(report) == hits(scan_dir(POCKETOS))


# ------------------------------------------------------------------------------------------ parallel parse
@kind("parallel-parse")
def test_parse_all_with_a_worker_is_identical(tmp_path):
    """--jobs 2 sends the plain-data files to a worker process: same results, same order, as one process."""
    from iaclint.discover import discover
    from iaclint.scan import parse_all

    root = copy_example(tmp_path / "repo")
    for i in range(300):
        d = os.path.join(root, "svc", f"s{i:03}")
        os.makedirs(d)
        with open(os.path.join(d, ".env.production" if i % 2 else "railway.json"), "w") as fh:
            fh.write(f"DATABASE_URL=postgres://u:p@db{i}:5432/x\nBROKEN LINE\n" if i % 2 else
                     '{"deploy": {"startCommand": "run %d"}, "build": {}}' % i if i % 3 else '{"broken": ')
    files = discover([root]).files
    assert repr(parse_all(files, 1)) == repr(parse_all(files, 2))


# ------------------------------------------------------------------------------------------ plan JSON
@kind("large-plan-json")
def test_large_plan_json_bounded(tmp_path):
    """A ~12 MB plan (over the 8 MiB fast-path threshold) parses; the 200 MB one is in bench/fuzz_long.py."""
    path = tmp_path / "tfplan.json"
    write_plan(str(path), 12 * 1024 * 1024)
    pf = parse_file(SourceFile("tfplan.json", str(path), "json"))
    assert pf.kind == "plan_json" and not pf.diagnostics


def write_plan(path: str, size: int) -> None:
    """A syntactically valid Terraform plan JSON of about SIZE bytes (streamed, constant memory)."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {"root_module": '
                 '{"resources": [')
        i = 0
        while fh.tell() < size:
            if i:
                fh.write(",")
            fh.write(json.dumps({"address": f"aws_s3_bucket.b{i}", "mode": "managed", "type": "aws_s3_bucket",
                                 "name": f"b{i}", "values": {"bucket": f"bucket-{i}", "force_destroy": i % 2 == 0,
                                                             "tags": {"env": "production"}}}))
            i += 1
        fh.write(']}}, "resource_changes": []}')


# ------------------------------------------------------------------------------------------ read-only tree
@kind("read-only-tree")
def test_never_writes_into_scanned_tree(tmp_path):
    root = copy_example(tmp_path / "ro")
    (tmp_path / "ro" / "bad.tf").write_text('resource "x" {\n')
    os.chmod(root, 0o755)
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            os.chmod(os.path.join(d, n), 0o555 if n in dirs else 0o444)
    os.chmod(root, 0o555)
    before = tree_digest(root)
    names_before = set(os.listdir(root))
    env = {"HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    try:
        # one real process (the interpreter's own writes: bytecode caches), then every format in-process
        for fmt, run in (("text", run_cli), ("text", cli_in_process), ("json", cli_in_process),
                         ("sarif", cli_in_process), ("github", cli_in_process)):
            r = run("check", root, "--format", fmt, cwd=root, env=env)
            assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        assert tree_digest(root) == before
        assert not any(n.startswith(".iaclint") or n == "__pycache__" for n in set(os.listdir(root)) - names_before)
    finally:
        for d, dirs, files in os.walk(root):
            os.chmod(d, 0o755)
            for n in files:
                os.chmod(os.path.join(d, n), 0o644)


@kind("secrets")
def test_secrets_never_printed_on_broken_input(tmp_path):
    """A token inside a file that does not parse is still not echoed in the error message."""
    token = "ghp_" + "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"
    root = tmp_path / "s"
    root.mkdir()
    (root / "main.tf").write_text(f'locals {{\n  t = "{token}"\n  = broken ]\n}}\n')
    (root / "railway.json").write_text(f'{{"deploy": {{"startCommand": "{token}",,}}}}')
    for fmt in ("text", "json", "sarif", "github"):
        r = cli_in_process("check", str(root), "--format", fmt)
        assert token not in r.stdout + r.stderr
        assert token[4:20] not in r.stdout + r.stderr


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
