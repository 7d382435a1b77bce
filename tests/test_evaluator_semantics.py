"""Terraform semantics in the evaluator (issue 12, trial class C): optional() object attributes are null or their
default, templates keep their known text around unknown parts, can()/try() see Terraform's errors, and
templatefile() renders Terraform templates under the evaluator's budgets."""
from __future__ import annotations

import re
import time

import pytest

from conftest import HANG_GUARD_S, fixture_path, hits, scan_dir
from iaclint.parsers.hcl import parse_hcl
from iaclint.terraform.evaluate import Evaluator, Resolver, Scope
from iaclint.terraform.templates import parse_template
from iaclint.terraform.values import EvalError, OverBudget, PartialString, Unknown, known_text, search_known

TEMPLATES = {
    "t.tpl": "name=${name}\n%{ for b in buckets ~}\n- ${b}-backup\n%{ endfor ~}\n%{ if x }yes%{ else }no%{ endif }",
    "escapes.tpl": "$${lit} %%{x} 100% ${ {a = \"}\"}.a }",
    "refs.tpl": "${var.x}",
    "bad.tpl": "%{ if true }x",
    "many.tpl": "${x}." * 20_001,
    "bomb.tpl": "%{ for a in r }%{ for b in r }xxxxxxxxxx%{ endfor }%{ endfor }",
}


class _Files(Resolver):
    def read_file(self, rel):
        return TEMPLATES.get(rel) or super().read_file(rel)


def _ev(expr: str):
    body, diags = parse_hcl(f"x = {expr}\n".encode(), "x.tf")
    assert not diags, diags
    return Evaluator().eval(body.attributes["x"].expr, Scope(path="x.tf", resolver=_Files()))


# ------------------------------------------------------------------------------ 1. optional() attributes
def test_omitted_optional_object_is_null_so_no_lock_is_a_definite_dp021():
    report = scan_dir(fixture_path("evaluator", "optional"))
    assert hits(report) == [("DP021", "main.tf", 18)]


def test_optional_defaults_through_a_module_call():
    report = scan_dir(fixture_path("evaluator", "module_optional"))
    found = hits(report)
    assert ("BK003", "modules/db/main.tf", 14) in found  # audit: retention = 0 given
    assert not [h for h in found if h[0].endswith("900")], found  # orders: defaults 7 / true, not unknown
    assert ("DP001", "modules/db/main.tf", 15) not in found  # protect = optional(bool, true)


def test_type_defaults_evaluator_level():
    from iaclint.terraform.types import type_spec, with_defaults

    body, _ = parse_hcl(b'''t = list(object({ a = string, b = optional(string), c = optional(object({ d = optional(number, 1) }), {}) }))
''', "v.tf")
    spec = type_spec(body.attributes["t"].expr)
    got = with_defaults(spec, [{"a": "x"}, {"a": "y", "b": "z", "c": None}], lambda e: _ev_expr(e))
    assert got == [{"a": "x", "b": None, "c": {"d": 1}}, {"a": "y", "b": "z", "c": {"d": 1}}]
    assert type_spec(parse_hcl(b"t = map(string)\n", "v.tf")[0].attributes["t"].expr) is None
    u = Unknown("x")
    assert with_defaults(spec, u, None) is u


def _ev_expr(e):
    return Evaluator().eval(e, Scope(path="v.tf"))


# ------------------------------------------------------------------------------ 2. partially known strings
@pytest.mark.parametrize("expr,fragments", [
    ('"${var.u}-backup"', (None, "-backup")),
    ('"backup-${var.u}"', ("backup-", None)),
    ('"a-${var.u}-${var.v}-b"', ("a-", None, "-", None, "-b")),
    ('"x${"${var.u}-backup"}"', ("x", None, "-backup")),
])
def test_templates_keep_their_known_text(expr, fragments):
    v = _ev(expr)
    assert isinstance(v, PartialString) and v.fragments == fragments
    assert v.reason == "variable 'u' has no value"  # the first unknown part's reason, as before


def test_partial_strings_do_not_leak_into_other_values():
    assert type(_ev('"${var.u}"')) is Unknown  # no known text: the plain unknown
    for expr in ('upper("${var.u}-backup")', '"${var.u}-backup" == "a"', 'length("${var.u}-x")',
                 'join(",", ["${var.u}-x"])'):
        v = _ev(expr)
        assert isinstance(v, Unknown) and not isinstance(v, PartialString), expr
    assert isinstance(_ev('["${var.u}-x"]')[0], PartialString)  # kept as an item


def test_known_text_and_search_known():
    pat = re.compile(r"(^|[-_.])(backups?)([-_.]|$)", re.I)
    assert known_text("a") == "a" and known_text(3) is None and known_text(Unknown("x")) is None
    assert search_known(pat, _ev('"${var.u}-backup"')) is True
    assert search_known(pat, _ev('"backup-${var.u}"')) is True
    assert search_known(pat, _ev('"${var.u}backup"')) is None  # "prodbackup" would not match
    assert search_known(pat, _ev('"backup${var.u}"')) is None  # "backups" would, "backupx" not
    assert search_known(pat, "my-backup") is True and search_known(pat, "mine") is False


def test_known_suffix_decides_backup_bucket_rules():
    report = scan_dir(fixture_path("evaluator", "template_suffix"))
    assert hits(report) == sorted([("BK013", "main.tf", 6), ("BK019", "main.tf", 6),  # "${random_id…}-backup"
                                   ("BK013", "prefix.tf", 6), ("BK019", "prefix.tf", 6)])  # "backup-${var.env}"
    # "${var.env}backup": whether it is a backup bucket is a name guess, and an unknown guess is no finding (not
    # BK900: cannot-verify is for values a decision needs, rules/BK013.yaml `heuristic: true`)


# ------------------------------------------------------------------------------ 3. can() / try()
@pytest.mark.parametrize("expr,want", [
    ('can(regex("^a", "b"))', False),
    ('can(regex("^a", "abc"))', True),
    ('try(regex("^a", "b"), "fallback")', "fallback"),
    ('try(regex("^(a)", "abc"), "fallback")', ["a"]),
    ('can(lookup({}, "k"))', False),
    ('try(lookup({a = 1}, "k"), 2)', 2),
    ('can(element([], 0))', False),
    ('can(index([1], 2))', False),
    ('try(index([1, 2], 2), -1)', 1),
    ('can(tonumber("x"))', False),
    ('try(tonumber("x"), 0)', 0),
    ('can(jsondecode("{"))', False),
    ('can([for o in [{a = 1}] : o.b])', False),
    ('can([1][3])', False),
    ('try([for o in [{}] : {a = o.nope}], [])', []),  # an error inside a value fails the whole argument
    ('can(regex("[", "a"))', False),
    ('try(local.nope, "fallback")', "fallback"),
])
def test_terraform_errors_are_false_and_fall_back(expr, want):
    assert _ev(expr) == want


@pytest.mark.parametrize("expr", ['can(regex("a", var.u))', 'try(var.u, "fallback")', 'can([var.u])',
                                  'try({a = var.u}, {})'])
def test_unknown_inputs_give_unknown(expr):
    v = _ev(expr)
    assert isinstance(v, Unknown) and not isinstance(v, EvalError), v


def test_errors_propagate_to_the_enclosing_call():
    assert isinstance(_ev('[for o in [{}] : o.nope ? 1 : 2]')[0], EvalError)
    assert isinstance(_ev('[for o in [{}] : coalesce(o.nope, "x")]')[0], EvalError)
    assert isinstance(_ev('[for o in [{}] : "a-${o.nope}"]')[0], EvalError)
    assert _ev('can([for o in [{}] : "a-${o.nope}"])') is False


# ------------------------------------------------------------------------------ 4. templatefile()
def test_templatefile_renders_directives_strip_markers_and_escapes():
    assert _ev('templatefile("t.tpl", {name = "a", buckets = ["p", "q"], x = true})') == \
        "name=a\n- p-backup\n- q-backup\nyes"
    assert _ev('templatefile("escapes.tpl", {})') == "${lit} %{x} 100% }"
    v = _ev('templatefile("t.tpl", {name = var.u, buckets = [], x = false})')
    assert isinstance(v, PartialString) and v.fragments == ("name=", None, "\nno")


def test_templatefile_errors_and_unknowns():
    assert isinstance(_ev('templatefile("refs.tpl", {})'), EvalError)  # only its variables are visible
    assert isinstance(_ev('templatefile("bad.tpl", {})'), EvalError)
    assert _ev('can(templatefile("bad.tpl", {}))') is False
    assert isinstance(_ev('templatefile("t.tpl", var.u)'), Unknown)
    assert isinstance(_ev('templatefile("missing.tpl", {})'), Unknown)


@pytest.mark.parametrize("expr", ['templatefile("many.tpl", {x = "a"})', 'templatefile("bomb.tpl", {r = range(10000)})'])
def test_templatefile_is_bounded(expr):
    t = time.monotonic()
    assert isinstance(_ev(expr), OverBudget)
    assert time.monotonic() - t < HANG_GUARD_S


def test_template_parser_caps_nesting():
    assert isinstance(parse_template("%{ if true }" * 200 + "%{ endif }" * 200), EvalError)


def test_templatefile_in_a_scan_reads_the_file_next_to_the_module():
    report = scan_dir(fixture_path("evaluator", "templatefile"))
    assert hits(report) == [("BK013", "main.tf", 1), ("BK019", "main.tf", 1)]
