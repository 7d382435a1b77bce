"""Railway infrastructure as code (.railway/railway.ts, .railway/railway.py): static parse, per-environment
evaluation, and the same rule families as the Terraform / config-as-code forms, at exact lines."""
from __future__ import annotations

import os

import pytest

from iaclint.railway import evaluate, parse_railway_py, parse_railway_ts
from iaclint.terraform.values import Unknown

from conftest import HANG_GUARD_S, REPO, fixture_path, hits, scan_dir

TS = ".railway/railway.ts"
OURS = ("DP002", "ES001", "ES002", "BK001", "CS001", "CS002")


def ours(report):
    return [h for h in hits(report) if h[0] in OURS]


def program(src: str, path: str = TS):
    prog, diags = parse_railway_ts(src.encode(), path)
    assert prog is not None
    return prog, diags


def resources(prog, env):
    res = evaluate(prog, env)
    assert res.error is None, res.error
    return {r["name"]: r for r in res.resources}


# -- the evaluator ------------------------------------------------------------------------------------------------
def test_reference_constructs_evaluate_per_environment():
    with open(fixture_path("railway_iac", "reference", ".railway", "railway.ts"), "rb") as fh:
        prog, diags = parse_railway_ts(fh.read(), TS)
    assert diags == []
    assert ("production", 21, "a comparison with ctx.environment") in prog.env_mentions
    prod = resources(prog, "production")
    stag = resources(prog, "staging")
    assert sorted(prod) == ["Docs Frontend", "api", "mongo", "mysql", "postgres", "redis", "uploads", "web",
                            "worker", "worker-data"]
    api, sapi = prod["api"], stag["api"]
    assert api["line"] == 33 and api["group"] == "Backend"
    assert api["config"]["replicas"] == {"us-west2": 2, "europe-west4": 1}
    assert sapi["config"]["replicas"] == 1
    assert api["config"]["source"] == {"type": "github", "repo": "acme/monorepo", "rootDirectory": "apps/api",
                                       "branch": "main"}
    env = api["config"]["env"]
    assert env["DATABASE_URL"] == {"$ref": "reference", "text": "${{postgres.DATABASE_URL}}"}
    assert env["JWT_SECRET"]["$ref"] == "preserve"
    assert env["SENTRY_DSN"] == {"$ref": "shared", "text": "${{shared.SENTRY_DSN}}"}
    assert env["NODE_ENV"] == "production" and sapi["config"]["env"]["NODE_ENV"] == "staging"
    assert api["key_lines"]["env.NODE_ENV"] == 45 and api["key_lines"]["replicas"] == 39
    web = prod["web"]["config"]
    assert web["domains"] == ["app.example.com", {"domain": "api.example.com", "port": 3000}]
    assert stag["web"]["config"]["domains"] == []
    assert web["env"]["PUBLIC_URL"] == "https://app.example.com"
    assert stag["web"]["config"]["env"]["PUBLIC_URL"] == "https://staging.example.com"
    assert prod["worker"]["config"]["volumeMounts"] == {"/data": {"$resource": "volume", "name": "worker-data"}}
    assert prod["worker-data"]["config"] == {"region": "us-west2", "sizeMB": 1024}
    assert prod["worker-data"]["val_lines"]["region"] == 18  # the constant the value comes from
    assert prod["postgres"]["type"] == "database" and prod["postgres"]["engine"] == "postgres"
    assert prod["uploads"]["type"] == "bucket" and prod["uploads"]["group"] == "Storage"


def test_conditionals_spreads_functions_and_unknowns():
    prog, _ = program('''import { defineRailway as define, project, service } from "railway/iac";
import { helper } from "./helpers";
const base = { NODE_ENV: "production" };
function svc(name, extra = {}) { return service(name, { env: { ...base, ...extra } }); }
export default define(async (ctx) => {
  const list = [svc("a")];
  switch (ctx.environment) {
    case "staging":
      list.push(svc("b", { DEBUG: "1" }));
      break;
    default:
      list.push(svc("c"));
  }
  const pr = ctx.environment.startsWith("pr-") && "preview";
  return project(`p-${ctx.environment}`, { resources: [...list, ...(pr ? [svc("d")] : []),
    service("e", { env: { X: process.env.SECRET, Y: helper(), Z: ctx.projectId ?? "none" } })] });
});''')
    assert ("staging", 8, "switch case on ctx.environment") in prog.env_mentions
    st = resources(prog, "staging")
    assert sorted(st) == ["a", "b", "e"]
    assert st["b"]["config"]["env"] == {"NODE_ENV": "production", "DEBUG": "1"}
    assert st["b"]["val_lines"]["env.NODE_ENV"] == 3 and st["b"]["val_lines"]["env.DEBUG"] == 9
    assert sorted(resources(prog, "production")) == ["a", "c", "e"]
    assert sorted(resources(prog, "pr-7")) == ["a", "c", "d", "e"]
    e = st["e"]["config"]["env"]
    assert isinstance(e["X"], Unknown) and "process.env.SECRET" in e["X"].reason
    assert isinstance(e["Y"], Unknown) and "./helpers" in e["Y"].reason
    assert isinstance(e["Z"], Unknown)
    assert evaluate(prog, "staging").project == "p-staging"


def test_unknown_branch_condition_is_reported_not_guessed():
    prog, _ = program('''import { defineRailway, project, service } from "railway/iac";
export default defineRailway((ctx) => {
  if (process.env.FLAG) { return project("a", { resources: [service("x")] }); }
  return project("a", { resources: [] });
});''')
    res = evaluate(prog, "production")
    assert res.error is not None and res.error[1].startswith("the `if` at line 3")


def test_python_authoring_same_model():
    with open(fixture_path("railway_iac", "python", ".railway", "railway.py"), encoding="utf-8") as fh:
        prog, diags = parse_railway_py(fh.read(), ".railway/railway.py")
    assert diags == []
    assert {m[0] for m in prog.env_mentions} == {"production", "staging"}
    prod = resources(prog, "production")
    stag = resources(prog, "staging")
    assert sorted(prod) == ["db", "uploads", "web"]
    assert prod["web"]["config"]["replicas"] == 3 and stag["web"]["config"]["replicas"] == 1
    assert "SESSION_SECRET" in stag["web"]["config"]["env"] and "SESSION_SECRET" not in prod["web"]["config"]["env"]
    assert prod["web"]["config"]["volumeMounts"] == {"/data": {"$resource": "volume", "name": "uploads"}}
    assert prod["uploads"]["config"] == {"region": "us-west2", "sizeMB": 2048}


# -- the same families as Terraform / config-as-code, at the right lines ------------------------------------------
def test_only_railway_ts_reports_the_incident_families():
    r = scan_dir(fixture_path("railway_iac", "equivalent"))
    assert ours(r) == [("BK001", TS, 10), ("CS001", TS, 25), ("DP002", TS, 10), ("ES001", TS, 4), ("ES002", TS, 10)]
    fams = {f.family for f in r.findings}
    assert fams == {"deletion-protection", "backup-failure-domain", "credential-scope", "environment-separation"}
    es2 = next(f for f in r.findings if f.rule_id == "ES002")
    assert es2.envs == ["production", "staging"] and "volumeDelete takes no environment" in es2.message
    cs = next(f for f in r.findings if f.rule_id == "CS001")
    assert "8c2f4e1a" not in cs.message and "volume pgdata" in cs.message


def test_pocketos_example_shows_both_generations():
    r = scan_dir(os.path.join(REPO, "examples", "pocketos"))
    assert {f.family for f in r.findings} == {"deletion-protection", "backup-failure-domain", "credential-scope",
                                              "environment-separation"}
    assert [h for h in ours(r) if h[1] == TS] == [("BK001", TS, 12), ("DP002", TS, 12), ("ES002", TS, 12)]
    assert ("ES002", "infra/main.tf", 41) in hits(r) and ("BK001", "railway/production.json", 16) in hits(r)


# -- per-environment evaluation: one branch safe, the other not ---------------------------------------------------
def test_production_safe_staging_leaks():
    r = scan_dir(fixture_path("railway_iac", "staging_leak"))
    assert ours(r) == [("CS001", TS, 23), ("ES001", TS, 22)]
    by = {f.rule_id: f for f in r.findings}
    assert by["CS001"].envs == ["staging"]
    assert by["ES001"].related[0].span.line == 3  # production's value: the PROD_DB constant
    assert "s3cr3t" not in by["ES001"].message


def test_production_unsafe_staging_safe():
    r = scan_dir(fixture_path("railway_iac", "production_unsafe"))
    assert ours(r) == [("BK001", TS, 13), ("CS002", TS, 15), ("DP002", TS, 13)]
    for f in r.findings:
        if f.rule_id in OURS:
            assert f.envs == ["production"], f
    assert not any(f.rule_id.startswith("ES") for f in r.findings)


def test_environments_come_from_other_files_too(tmp_path):
    d = tmp_path / "repo"
    (d / ".railway").mkdir(parents=True)
    (d / ".railway" / "railway.ts").write_text('''import { defineRailway, project, postgres } from "railway/iac";
export default defineRailway(() => project("p", { resources: [postgres("pg")] }));
''')
    r = scan_dir(str(d))
    assert [h for h in ours(r)] == [("DP002", TS, 2)]  # production only: Railway's default environment
    (d / ".env.staging").write_text("LOG_LEVEL=debug\n")
    r = scan_dir(str(d))
    assert ours(r) == [("DP002", TS, 2), ("ES002", TS, 2)]
    es2 = next(f for f in r.findings if f.rule_id == "ES002")
    assert es2.envs == ["production", "staging"]


def test_railway_private_hosts_are_per_environment(tmp_path):
    d = tmp_path / "repo"
    (d / ".railway").mkdir(parents=True)
    (d / ".railway" / "railway.ts").write_text('''import { defineRailway, project, service } from "railway/iac";
export default defineRailway((ctx) => project("p", { resources: [service("api", { env: {
  DATABASE_URL: "postgresql://u:p@postgres.railway.internal:5432/railway",
  REDIS_HOST: ctx.isEnvironment("staging") ? "redis-prod.acme.net" : "redis-prod.acme.net",
} })] }));
''')
    r = scan_dir(str(d))
    assert ours(r) == [("ES001", TS, 4)]


# -- robustness: never raises, diagnostics carry file and line ----------------------------------------------------
def test_invalid_typescript_is_a_diagnostic_with_its_line():
    r = scan_dir(fixture_path("railway_iac", "invalid"))
    errs = [(d.path, d.line, d.level) for d in r.diagnostics]
    assert (TS, 6, "error") in errs
    assert ours(r) == []


@pytest.mark.parametrize("src", [
    "", "export default 42;", "export default defineRailway();", "export default defineRailway(1 +);",
    "export default defineRailway((ctx) => { while (true) {} });",
    "const f = (x) => f(x); export default defineRailway(() => f(1));",
    "export default defineRailway((ctx) => project(ctx.foo.bar.baz, { resources: [...null, ...undefined] }));",
    "export default defineRailway((ctx) => project('p', { resources: [service(), volume(null), group()] }));",
    "export default defineRailway((c) => { const {a, b: [x]} = c; return project(x, {resources: a}); });",
    "export default defineRailway(() => { const a = []; a.push(a); return project('p', {resources: [a, a]}); });",
    "let x = 1; x = x + '1'; export default defineRailway(() => project(`${x}`, { resources: [] }));",
    "export default defineRailway(() => " + "[" * 2000 + "]" * 2000 + ");",
    "export default defineRailway(() => project('p', { resources: [service('s', { env: { [k]: 1 } })] }));",
    "\x00\xff garbage {{{",
])
def test_arbitrary_typescript_never_raises(src):
    prog, diags = parse_railway_ts(src.encode("utf-8", "surrogateescape"), TS)
    if prog is not None:
        for env in ("production", "staging"):
            res = evaluate(prog, env)
            assert res.error is None or isinstance(res.error[1], str)
    for d in diags:
        assert d.path == TS and d.line >= 1


@pytest.mark.parametrize("src", ["def (:", "@define_railway\ndef main(ctx):\n    return project(ctx.x, resources=ctx)",
                                 "x = [" * 500 + "]" * 500,
                                 "@define_railway\ndef main(ctx=None):\n    while True: pass\n    return 1"])
def test_arbitrary_python_never_raises(src):
    prog, diags = parse_railway_py(src, ".railway/railway.py")
    if prog is not None and prog.main is not None:
        evaluate(prog, "production")
    for d in diags:
        assert d.line >= 1


def test_deploy_commands_and_shared_secrets_reach_the_other_rules(tmp_path):
    d = tmp_path / "repo"
    (d / ".railway").mkdir(parents=True)
    (d / ".railway" / "railway.ts").write_text('''import { defineRailway, project, service } from "railway/iac";
export default defineRailway((ctx) => project("p", { resources: [service("api", {
  preDeploy: "npx prisma migrate reset --force",
  env: { SESSION_SECRET: "k2j3h4g5f6d7s8a9q0w1e2r3", STAGE: ctx.isEnvironment("staging") ? "s" : "p" },
})] }));
''')
    r = scan_dir(str(d))
    got = hits(r)
    assert ("DP025", TS, 2) in got  # the service's destructive preDeploy runs in production
    assert ("ES006", TS, 4) in got  # one literal secret, used by staging and production
    assert "k2j3h4" not in " ".join(f.message for f in r.findings)


# -- budgets: the size of every value, nesting that never follows the input ----------------------------------------
_TS_HEAD = 'import { defineRailway, project, postgres } from "railway/iac";\n'
_TS_MAIN = 'export default defineRailway(() => project("p", { resources: [postgres("pg", { env: { A: a } })] }));\n'
_PY_HEAD = "from railway import define_railway, project, postgres\n"
_PY_MAIN = "@define_railway\ndef main(ctx):\n    return project('p', resources=[postgres('pg', env={'A': a})])\n"
BOMBS = {  # (path, text); each doubles a value 32 times: 2**20 > 1,000,000 at the 20th doubling (line 22)
    "ts-concat": (TS, _TS_HEAD + 'let a = ["x"];\n' + "a = a.concat(a);\n" * 32 + _TS_MAIN),
    "ts-template": (TS, _TS_HEAD + 'let a = "x";\n' + "a = `${a}${a}`;\n" * 32 + _TS_MAIN),
    "ts-spread": (TS, _TS_HEAD + 'let a = ["x"];\n' + "a = [...a, ...a];\n" * 32 + _TS_MAIN),
    "py-list": (".railway/railway.py", _PY_HEAD + 'a = ["x"]\n' + "a = a + a\n" * 32 + _PY_MAIN),
    "py-extend": (".railway/railway.py", _PY_HEAD + 'a = ["x"]\n' + "a.extend(a)\n" * 32 + _PY_MAIN),
    "py-fstring": (".railway/railway.py", _PY_HEAD + 'a = "x"\n' + 'a = f"{a}{a}"\n' * 32 + _PY_MAIN),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_value_size_bomb_ends_fast_with_a_diagnostic_and_other_files_still_report(tmp_path, name):
    import time
    import tracemalloc

    rel, text = BOMBS[name]
    (tmp_path / "bomb" / ".railway").mkdir(parents=True)
    (tmp_path / "bomb" / rel).write_text(text)
    (tmp_path / "other" / ".railway").mkdir(parents=True)
    (tmp_path / "other" / TS).write_text(_TS_HEAD + 'export default defineRailway(() => project("p", '
                                                    '{ resources: [postgres("pg")] }));\n')
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        r = scan_dir(str(tmp_path))
        elapsed = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < HANG_GUARD_S and peak < 64 * 1024 * 1024, (elapsed, peak)
    path = f"bomb/{rel}"
    diags = [d for d in r.diagnostics if d.path == path and "size budget" in d.message]
    assert [(d.line, d.message.split(": ")[0]) for d in diags] == [(22, "cannot evaluate for environment 'production'")]
    assert "at line 22" in diags[0].message
    assert ("DP002", f"other/{TS}", 2) in hits(r)  # the other file's finding
    assert not [h for h in hits(r) if h[1] == path]  # the bomb's environment is not guessed


@pytest.mark.parametrize("body, line, words", [
    ('let a = ["x"];\n' + "a = [a, a];\n" * 20 + "const b = JSON.stringify(a);\n", 23, "JSON.stringify"),
    ('let a = ["x"];\n' + "a = [a, a];\n" * 20 + "const b = `${a}`;\n", 23, "converted to a string"),
    ('let a = ["x"];\n' + "a = [a, a];\n" * 20, 23, "the evaluated project"),  # a's 2**20 leaves, shared
    ("let a = 10;\n" + "a = a * a;\n" * 40, 13, "4096 bits"),
    ('let a = "xxxxxxxxxxxxxxxx";\n' + 'a = a.replaceAll("x", a);\n' * 6, 5, "4,294,967,296"),
    ('let a = ["xxxxxxxxxx"];\n' + "a = a.concat(a);\n" * 16 + 'const b = a.join(a.join(","));\n', 19, "size budget"),
], ids=["stringify-shared", "template-shared", "result-shared", "int-squaring", "replace-all", "join"])
def test_shared_values_numbers_and_replacements_are_bounded(body, line, words):
    prog, _ = program(_TS_HEAD + body + _TS_MAIN)
    res = evaluate(prog, "production")
    assert res.error is not None and res.error[0] == line and words in res.error[1], res.error
    assert f"line {line}" in res.error[1] and "budget" in res.error[1]


def test_nesting_is_capped_not_recursion_limited():
    import sys

    deep_if = "if (true) {\n" * 190 + "x = 1;\n" + "}\n" * 190
    prog, diags = program(_TS_HEAD + "let x = 0;\n" + deep_if + _TS_MAIN.replace("A: a", "A: x"))
    assert diags == []
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(700)  # the interpreter stays far below Python's default limit (1000)
    try:
        res = evaluate(prog, "production")
    finally:
        sys.setrecursionlimit(limit)
    assert res.error is None and res.resources[0]["config"]["env"] == {"A": 1}
    too_deep = "(" * 400 + "1" + ")" * 400
    prog, diags = parse_railway_ts((_TS_HEAD + f"let a = {too_deep};\n" + _TS_MAIN).encode(), TS)
    assert prog is None and diags[0].line == 2 and "nested too deeply" in diags[0].message
