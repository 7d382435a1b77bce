"""Terragrunt as an input kind (issue 15): parsing and evaluating terragrunt.hcl and the *.hcl files it reads,
units' environments, local modules evaluated with the unit's inputs, and bounded, reported errors."""
from __future__ import annotations

import os

from conftest import fixture_path, hits, scan_dir

from iaclint.context import ScanContext
from iaclint.discover import classify
from iaclint.graph.environments import Environments
from iaclint.kinds import FileKind
from iaclint.parsers.hcl import parse_hcl
from iaclint.terraform.values import EvalError, Unknown
from iaclint.terragrunt.config import MAX_DEPTH, MAX_LOADS, FileEval, Loader
from iaclint.terragrunt.units import evaluate_unit

LIVE = fixture_path("terragrunt", "live")


def _loader(files: dict[str, str], root: str = "/repo") -> Loader:
    bodies = {p: parse_hcl(t.encode(), p)[0] for p, t in files.items() if p.endswith(".hcl")}
    return Loader(bodies, files, root)


def _unit(files: dict[str, str], path: str):
    loader = _loader(files)
    return evaluate_unit(loader, path, Environments()), loader


def _write(root, files: dict[str, str]):
    for p, t in files.items():
        f = root / p
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(t)
    return str(root)


def _messages(report) -> list[tuple[str, int, str, str]]:
    return [(d.path, d.line, d.level, d.message) for d in report.diagnostics]


# -- the kind ----------------------------------------------------------------------------------------------------
def test_terragrunt_files_are_their_own_kind():
    for p in ("live/prod/mysql/terragrunt.hcl", "root.hcl", "prod/env.hcl", "_envcommon/mysql.hcl",
              "stacks/terragrunt.stack.hcl"):
        assert classify(p) is FileKind.TERRAGRUNT, p
    for p in (".terraform.lock.hcl", "images/web.pkr.hcl", "jobs/api.nomad.hcl", "main.tf"):
        assert classify(p) is not FileKind.TERRAGRUNT, p


# -- evaluation --------------------------------------------------------------------------------------------------
def test_includes_locals_and_functions_are_evaluated():
    unit, loader = _unit({
        "root.hcl": 'locals {\n  env = read_terragrunt_config(find_in_parent_folders("env.hcl"))\n}\n'
                    'inputs = {\n  environment = local.env.locals.environment\n'
                    '  state_key = "${path_relative_to_include()}/tf.tfstate"\n'
                    '  region = get_env("AWS_REGION", "eu-west-1")\n  parent = get_parent_terragrunt_dir()\n}\n',
        "common/db.hcl": 'locals {\n  size = 20\n}\ninputs = {\n  allocated_storage = local.size\n  name = "db"\n}\n',
        "stage/env.hcl": 'locals {\n  environment = "stage"\n}\n',
        "stage/db/terragrunt.hcl":
            'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n'
            'include "common" {\n  path = "${dirname(find_in_parent_folders("root.hcl"))}/common/db.hcl"\n'
            '  expose = true\n}\n'
            'dependency "vpc" {\n  config_path = "../vpc"\n}\n'
            'inputs = {\n  name = "db-${include.common.locals.size}"\n  vpc_id = dependency.vpc.outputs.id\n'
            '  dir = get_terragrunt_dir()\n  token = get_env("DB_TOKEN")\n}\n',
    }, "stage/db/terragrunt.hcl")
    v = {k: x for k, (x, _) in unit.inputs.items()}
    assert v["environment"] == "stage"
    assert v["state_key"] == "stage/db/tf.tfstate"
    assert v["region"] == "eu-west-1"
    assert v["parent"] == "/repo"
    assert v["allocated_storage"] == 20
    assert v["name"] == "db-20"  # the child's own inputs win over the included ones
    assert v["dir"] == "/repo/stage/db"
    assert isinstance(v["vpc_id"], Unknown) and "vpc" in v["vpc_id"].reason
    assert isinstance(v["token"], Unknown)
    assert unit.inputs["name"][1][0].path == "stage/db/terragrunt.hcl"
    assert unit.inputs["allocated_storage"][1][0].path == "common/db.hcl"
    assert [(d.name, d.target, d.span.line) for d in unit.dependencies] == [("vpc", "stage/vpc", 9)]
    assert (unit.env, unit.env_reason) == ("staging", "stage/env.hcl: locals.environment = 'stage'")
    assert not loader.diagnostics


def test_sources_local_with_subdir_and_remote():
    files = {"modules/mysql/main.tf": "", "prod/a/terragrunt.hcl": 'terraform {\n  source = "../../modules//mysql"\n}\n',
             "prod/b/terragrunt.hcl": 'terraform {\n  source = "git::https://example.com/m.git//mysql?ref=v1"\n}\n',
             "prod/c/terragrunt.hcl": 'terraform {\n  source = "tfr:///acme/mysql/aws?version=1.0.0"\n}\n',
             "prod/d/terragrunt.hcl": 'terraform {\n  source = "acme/mysql/aws"\n}\n',
             "prod/e/terragrunt.hcl": 'terraform {\n  source = "${get_repo_root()}/modules/mysql"\n}\n'}
    got = {p: (u.source_kind, u.module_dir) for p in files if p.endswith(".hcl")
           for u in [_unit(files, p)[0]]}
    assert got == {"prod/a/terragrunt.hcl": ("local", "modules/mysql"), "prod/b/terragrunt.hcl": ("remote", None),
                   "prod/c/terragrunt.hcl": ("remote", None), "prod/d/terragrunt.hcl": ("remote", None),
                   "prod/e/terragrunt.hcl": ("local", "modules/mysql")}


def test_environment_from_env_hcl_account_hcl_then_folders():
    envs = {
        "live/qa/env.hcl": 'locals {\n  environment = "qa"\n}\n',
        "live/qa/app/terragrunt.hcl": "",
        "acct-a/account.hcl": 'locals {\n  account_name = "production"\n}\n',
        "acct-a/app/terragrunt.hcl": "",
        "staging/app/terragrunt.hcl": "",
        "misc/app/terragrunt.hcl": "",
    }
    got = {p: _unit(envs, p)[0].env for p in envs if p.endswith("terragrunt.hcl")}
    assert got == {"live/qa/app/terragrunt.hcl": "test", "acct-a/app/terragrunt.hcl": "production",
                   "staging/app/terragrunt.hcl": "staging", "misc/app/terragrunt.hcl": None}


# -- errors: named, bounded, the scan goes on ----------------------------------------------------------------------
def test_include_cycle_is_an_error_naming_file_and_line():
    # relative include paths resolve against the unit's directory, as Terragrunt evaluates includes for the unit
    unit, loader = _unit({"x.hcl": 'include "y" {\n  path = "../y.hcl"\n}\n',
                          "y.hcl": 'include "x" {\n  path = "../x.hcl"\n}\n',
                          "a/terragrunt.hcl": 'include "x" {\n  path = "../x.hcl"\n}\n'}, "a/terragrunt.hcl")
    assert [(d.path, d.line, d.level) for d in loader.diagnostics] == [("y.hcl", 2, "error")]
    assert "include cycle: x.hcl -> y.hcl -> x.hcl" in loader.diagnostics[0].message


def test_read_terragrunt_config_cycle_is_an_error():
    unit, loader = _unit({"a.hcl": 'locals {\n  b = read_terragrunt_config("b.hcl")\n}\n',
                          "b.hcl": 'locals {\n\n  a = read_terragrunt_config("a.hcl")\n}\n',
                          "u/terragrunt.hcl": 'locals {\n  a = read_terragrunt_config("../a.hcl")\n}\n'
                                              'inputs = {\n  x = 1\n}\n'}, "u/terragrunt.hcl")
    assert [(d.path, d.line) for d in loader.diagnostics] == [("b.hcl", 3)]
    assert "read_terragrunt_config cycle: a.hcl -> b.hcl -> a.hcl" in loader.diagnostics[0].message
    assert unit.inputs["x"][0] == 1


def test_missing_parent_file_is_reported_where_it_is_looked_for(tmp_path):
    root = _write(tmp_path, {"stage/app/terragrunt.hcl": 'include "root" {\n  path = find_in_parent_folders()\n}\n'
                                                          'include "r" {\n  path = find_in_parent_folders("root.hcl")\n}\n'
                                                          'inputs = {\n  a = 1\n}\n'})
    r = scan_dir(root)
    msgs = _messages(r)
    assert ("stage/app/terragrunt.hcl", 5, "error", "find_in_parent_folders('root.hcl'): no root.hcl in a parent "
            "folder of stage/app in the repository") in msgs
    assert any(m[1] == 2 and "terragrunt.hcl" in m[3] for m in msgs)
    assert not r.tool_errors


def test_hostile_nesting_and_fan_out_are_bounded():
    # an include chain longer than MAX_DEPTH
    chain = {f"c{i}.hcl": f'include "n" {{\n  path = "../c{i + 1}.hcl"\n}}\n' for i in range(40)}
    chain["u/terragrunt.hcl"] = 'include "n" {\n  path = "../c0.hcl"\n}\n'
    _, loader = _unit(chain, "u/terragrunt.hcl")
    assert len(loader.diagnostics) == 1 and f"nested deeper than {MAX_DEPTH}" in loader.diagnostics[0].message
    # every file includes the next level's files four times over: 4**6 evaluations without a bound
    fan = {f"f{i}.hcl": "".join(f'include "i{k}" {{\n  path = "../f{i + 1}.hcl"\n}}\n' for k in range(4))
           for i in range(7)}
    fan["u/terragrunt.hcl"] = 'include "n" {\n  path = "../f0.hcl"\n}\n'
    _, loader = _unit(fan, "u/terragrunt.hcl")
    assert loader.loads <= MAX_LOADS + 1
    assert any(f"more than {MAX_LOADS}" in d.message for d in loader.diagnostics)
    # an expression nested far deeper than the evaluator allows: over budget, not a crash
    deep = "[" * 3000 + "1" + "]" * 3000
    unit, loader = _unit({"u/terragrunt.hcl": f"inputs = {{\n  a = {deep}\n  b = 2\n}}\n"}, "u/terragrunt.hcl")
    assert unit.inputs.get("b", (2,))[0] == 2


def test_paths_outside_the_repository_are_not_read():
    unit, loader = _unit({"u/terragrunt.hcl": 'include "x" {\n  path = "/etc/passwd.hcl"\n}\n'
                                              'locals {\n  y = read_terragrunt_config("../../../outside.hcl")\n}\n'
                                              'inputs = {\n  y = local.y\n}\n'}, "u/terragrunt.hcl")
    assert sorted(d.line for d in loader.diagnostics) == [2, 5]
    assert isinstance(unit.inputs["y"][0], EvalError)


def test_local_cycle_and_unknown_reference_do_not_crash():
    fe_files = {"u/terragrunt.hcl": 'locals {\n  a = local.b\n  b = local.a\n}\ninputs = {\n  a = local.a\n'
                                    '  c = include.none.locals.x\n  d = dependency.none.outputs.x\n}\n'}
    unit, _ = _unit(fe_files, "u/terragrunt.hcl")
    assert all(isinstance(v, Unknown) for v, _ in unit.inputs.values())
    assert isinstance(FileEval, type)


def test_fifo_named_terragrunt_hcl_is_not_opened(tmp_path):
    root = _write(tmp_path, {"stage/app/main.txt": ""})
    os.mkfifo(tmp_path / "stage" / "app" / "terragrunt.hcl")
    r = scan_dir(root)
    assert any("not a regular file" in m[3] for m in _messages(r))


# -- the graph and the rules -----------------------------------------------------------------------------------------
def test_local_module_is_evaluated_per_unit_with_the_finding_on_the_input_line():
    r = scan_dir(LIVE)
    assert ("DP001", "prod/mysql/terragrunt.hcl", 11) in hits(r)
    assert not [h for h in hits(r, "DP001") if h[1].startswith("stage/")]  # staging keeps the module default
    assert not r.tool_errors


def test_live_fixture_units_environments_and_notes():
    from iaclint.scan import ScanOptions, build_graph

    g, _, _ = build_graph([LIVE], ScanOptions(root=LIVE))
    units = {n.meta["dir"]: n.env_names for n in g.of_kind("terragrunt_unit")}
    assert units == {"prod/mysql": ["production"], "prod/app": ["production"], "stage/mysql": ["staging"],
                     "stage/app": ["staging"]}
    dbs = {n.meta["root"]: n.env_names for n in g.of_type("aws_db_instance")}
    assert dbs == {"prod/mysql": ["production"], "stage/mysql": ["staging"]}  # no standalone modules/mysql root
    assert {n.attrs["identifier"] for n in g.of_type("aws_db_instance")} == {"orders-prod", "orders-stage"}
    notes = [d for d in g.diagnostics if d.level == "note" and "remote" in d.message]
    assert {d.path for d in notes} == {"prod/app/terragrunt.hcl", "stage/app/terragrunt.hcl"}
    assert ScanContext  # the graph's context carries the scan root the Terragrunt paths are made absolute with


def test_stage_depending_on_prod_is_es020_and_input_naming_prod_is_es021():
    r = scan_dir(LIVE, enabled={"ES020", "ES021"})
    assert hits(r) == [("ES020", "stage/app/terragrunt.hcl", 10)]
    f = r.findings[0]
    assert [(l.span.path, l.span.line) for l in f.related] == [("prod/mysql/terragrunt.hcl", 1)]
    assert "/work" not in f.message and str(LIVE) not in f.message
