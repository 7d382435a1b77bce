"""`iaclint lsp` driven over stdio with real LSP JSON-RPC messages.

The workspace is clean on disk; the tests edit unsaved buffers and check the
published diagnostics — including a finding in one file caused by another.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, fixture_path

TIMEOUT = 60


def _client():
    """The stdio client of bench/lsp_latency.py."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("lsp_latency", os.path.join(REPO, "bench", "lsp_latency.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.Client()


def _diags(client, uri: str) -> list:
    return client.diagnostics(uri, TIMEOUT)[1]


def _edit(client, uri: str, version: int, text: str) -> tuple[list, list]:
    """didChange; (the fast answer, the full scan's) — the server publishes both for the edited document."""
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                             "contentChanges": [{"text": text}]})
    return _diags(client, uri), _diags(client, uri)


@pytest.fixture
def workspace(tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(fixture_path("lsp", "editor"), ws)
    client = _client()
    try:
        init = client.request("initialize", {"processId": os.getpid(), "rootUri": ws.as_uri(), "capabilities": {},
                                             "workspaceFolders": [{"uri": ws.as_uri(), "name": "ws"}]})
        assert init["result"]["capabilities"]["textDocumentSync"]["change"] == 1  # full documents
        client.notify("initialized", {})
        yield ws, client
        client.close()
        assert client.proc.returncode == 0
    finally:
        if client.proc.poll() is None:
            client.proc.kill()


def _open(client, path: Path, text: str, lang: str = "plaintext"):
    client.notify("textDocument/didOpen", {"textDocument": {"uri": path.as_uri(), "languageId": lang, "version": 1,
                                                            "text": text}})


def _codes(diags):
    return sorted((d.get("code"), d["range"]["start"]["line"]) for d in diags)


def test_unsaved_buffer_cross_file_finding_and_clearing(workspace):
    ws, client = workspace
    staging = ws / ".env.staging"
    _open(client, staging, staging.read_text())
    assert _diags(client, staging.as_uri()) == []  # clean on disk

    # unsaved edit: staging now points at production's database -> ES001 on line 3 (0-based 2)
    text = "APP_ENV=staging\n# copied from prod\nDATABASE_URL=postgres://app:pw-stg-1@orders-db.internal:5432/orders\n"
    fast, diags = _edit(client, staging.as_uri(), 2, text)
    assert fast == []  # an env file's findings are cross-file: carried over (none) until the full scan
    assert _codes(diags) == [("ES001", 2)]
    d = diags[0]
    assert d["source"] == "iaclint" and d["severity"] == 1
    assert "orders-db.internal" in d["message"] and "pw-stg-1" not in d["message"]  # no secret in the message
    related = {(r["location"]["uri"], r["location"]["range"]["start"]["line"]) for r in d["relatedInformation"]}
    assert ((ws / ".env.production").as_uri(), 1) in related  # caused by production's file
    assert d["codeDescription"]["href"].endswith("#es001")

    # fix it in the buffer: diagnostics are cleared (the fast answer carries the finding over)
    fast, diags = _edit(client, staging.as_uri(), 3, staging.read_text())
    assert _codes(fast) == [("ES001", 2)] and diags == []


def test_terraform_buffer_and_inline_ignore(workspace):
    ws, client = workspace
    tf = ws / "infra" / "main.tf"
    text = tf.read_text().replace("deletion_protection     = true", "deletion_protection     = false")
    _open(client, tf, text, "terraform")
    diags = _diags(client, tf.as_uri())
    assert ("DP001", 4) in _codes(diags)
    dp = next(d for d in diags if d.get("code") == "DP001")
    line = text.splitlines()[4]
    assert dp["range"]["start"]["character"] == line.index("false")  # the value to change
    assert dp["range"]["end"]["line"] == 4
    # an ignore with a reason, typed but not saved, suppresses it; one without a reason is a warning
    ignored = text.replace("deletion_protection     = false",
                           "deletion_protection     = false # iaclint:ignore[DP001] scratch database")
    fast, diags = _edit(client, tf.as_uri(), 2, ignored)
    assert fast == diags and "DP001" not in {d.get("code") for d in diags}  # an attribute rule: the fast pass
    # saving re-lints too (the file on disk is unchanged: the buffer still wins while it is open)
    client.notify("textDocument/didSave", {"textDocument": {"uri": tf.as_uri()}})
    assert "DP001" not in {d.get("code") for d in _diags(client, tf.as_uri())}
    # closing the document: the file on disk (deletion_protection = true) counts again
    client.notify("textDocument/didClose", {"textDocument": {"uri": tf.as_uri()}})
    assert "DP001" not in {d.get("code") for d in _diags(client, tf.as_uri())}


def test_broken_config_is_shown_and_defaults_apply(workspace):
    ws, client = workspace
    (ws / ".iaclint.yaml").write_text("version: 1\nfail_on: urgent\n")
    tf = ws / "infra" / "main.tf"
    _open(client, tf, tf.read_text().replace("= true", "= false"), "terraform")
    cfg = _diags(client, (ws / ".iaclint.yaml").as_uri())
    assert len(cfg) == 1 and cfg[0]["range"]["start"]["line"] == 1 and "urgent" in cfg[0]["message"]
    assert ("DP001", 4) in _codes(_diags(client, tf.as_uri()))


def test_lsp_is_lazy():
    code = ("import sys, iaclint.cli, iaclint.scan; "
            "print(any(m.startswith(('pygls', 'lsprotocol')) for m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT,
                       check=False)
    assert r.stdout.strip() == "False", r.stderr


def test_two_workspaces_in_one_server_keep_their_own_config(tmp_path):
    """One server process, two workspaces scanned concurrently: each with its own .iaclint.yaml (aliases) and
    its own unsaved buffers."""
    from concurrent.futures import ThreadPoolExecutor

    from iaclint.lsp import Linter

    team, plain = tmp_path / "team", tmp_path / "plain"
    shutil.copytree(fixture_path("config", "basic"), team)
    shutil.copytree(fixture_path("config", "basic"), plain)
    (plain / ".iaclint.yaml").unlink()
    linter = Linter()
    buffers = {str(plain / ".env.staging"): "DATABASE_URL=postgres://app:pw-s@orders-db.internal:5432/orders\n"}

    def es001(root):
        report, err = linter.scan(str(root), buffers)
        assert err is None
        return sorted(f.span.path for f in report.findings if f.rule_id == "ES001" and not f.suppression)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(3):
            a, b = pool.map(es001, [team, plain])
            assert a == [".env.acc"]  # acc -> staging by the team's alias; the other workspace's buffer unseen
            assert b == [".env.staging"]  # no alias here: .env.acc names no environment


# --- incremental scans: parsed files kept by content hash (overlay.ParseCache) ---------------------------------

def _fresh(root, buffers):
    from iaclint.lsp import Linter

    return Linter().diagnostics(str(root), buffers)


def _check(linter, root, buffers):
    """The incremental linter's diagnostics equal a fresh Linter's on the same buffers and disk."""
    got = linter.diagnostics(str(root), buffers)
    assert got == _fresh(root, buffers)
    return got[0]


def _key(d) -> tuple:
    r = d.range
    return (str(d.code), r.start.line, r.start.character, r.end.line, r.end.character, d.message, d.severity)


def _check_fast(linter, root, buffers, path):
    """The fast answer for the edited PATH is consistent with the full scan after it: each of its diagnostics
    is either recomputed — and then exactly what the full scan says (parse errors, attribute-rule findings) —
    or the last full scan's, carried over.  Then the full scan equals a fresh one (``_check``)."""
    last = linter.cache(str(root))[3]
    rel = os.path.relpath(os.path.realpath(path), os.path.realpath(last["report"].root))
    carried = [_key(d) for d in linter.carried(last, rel)]
    fast = linter.fast_diagnostics(str(root), buffers, path)
    by_path = _check(linter, root, buffers)
    if fast is None:
        return by_path
    new_carried = {id(d) for d in linter.carried(linter.cache(str(root))[3], rel)}
    redone = [_key(d) for d in by_path.get(path, []) if id(d) not in new_carried]
    assert sorted(_key(d) for d in fast) == sorted(redone + carried), path
    return by_path


def _codes_of(by_path, path):
    return sorted(str(d.code) for d in by_path.get(str(path), []))


@pytest.fixture
def monorepo(tmp_path):
    ws = tmp_path / "mono"
    shutil.copytree(fixture_path("lsp", "monorepo"), ws)
    return ws


def _mutate(rng, text: str) -> str:
    lines = text.splitlines(keepends=True)
    op = rng.randrange(5)
    if op == 0 and ("true" in text or "false" in text):
        return text.replace("true", "\0").replace("false", "true").replace("\0", "false") if rng.random() < 0.5 else \
            text.replace("true", "false", 1)
    if op == 1 and lines:
        del lines[rng.randrange(len(lines))]
        return "".join(lines)
    if op == 2 and lines:  # a one-character edit
        i = rng.randrange(len(lines))
        j = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:j] + rng.choice(" x\"={}0#") + lines[i][j:]
        return "".join(lines)
    if op == 3:  # a host another environment uses
        return text.replace("staging", "production", 1) if rng.random() < 0.5 else text.replace("production", "staging", 1)
    return text + rng.choice(["\n# note\n", "\nlocals {\n", "EXTRA=1\n", "\n"])


def _random_session(root, steps: int, seed: int):
    """Edits buffers, writes and deletes files on disk, creates and closes files at random; after every step the
    incremental diagnostics equal a fresh scan's."""
    import random

    from iaclint.lsp import Linter

    rng = random.Random(seed)
    linter = Linter()
    buffers: dict = {}
    _check(linter, root, buffers)
    kinds = (".tf", ".tfvars", ".json", ".toml") + tuple(f".env{s}" for s in ("", ".production", ".staging"))
    for _ in range(steps):
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(kinds))
        path = rng.choice(files)
        op = rng.randrange(6)
        if op <= 1:  # edit an (unsaved) buffer: the fast answer, then the full scan
            buffers[str(path)] = _mutate(rng, buffers.get(str(path), path.read_text()))
            _check_fast(linter, root, buffers, str(path))
            continue
        elif op == 2:  # write to disk (a module another root reads, a var file…)
            path.write_text(_mutate(rng, path.read_text()))
        elif op == 3 and len(files) > 3:
            path.unlink()
        elif op == 4:  # a new file, unsaved or on disk
            new = path.parent / f"new{rng.randrange(100)}{''.join(path.suffixes) or path.name}"
            if rng.random() < 0.5:
                buffers[str(new)] = path.read_text()
                _check_fast(linter, root, buffers, str(new))
                continue
            else:
                new.write_text(path.read_text())
        elif buffers:  # close a document: the file on disk counts again
            del buffers[rng.choice(sorted(buffers))]
        _check(linter, root, buffers)
    return linter


def test_incremental_equals_fresh_scan_random_edits(monorepo):
    (monorepo / "envs" / "production" / "terraform.tfvars").write_text("protect = false\n")  # DP001
    staging = monorepo / "services" / "api" / ".env.staging"  # ES001: staging uses production's database
    staging.write_text(staging.read_text().replace("@orders-staging", "@orders-production"))
    for seed in range(3):
        ws = monorepo.parent / f"run{seed}"
        shutil.copytree(monorepo, ws)
        _random_session(ws, 25, seed)


def test_incremental_equals_fresh_scan_random_edits_corpus(tmp_path, corpus):
    ws = tmp_path / "c20"
    shutil.copytree(corpus("c20"), ws)
    linter = _random_session(ws, 8, 7)
    cache = linter.cache(str(ws))[0]
    assert cache.reused > 10 * max(cache.parsed, 1)  # the last scan re-parsed the edited files only


def test_module_file_another_root_reads(monorepo):
    from iaclint.lsp import Linter

    linter = Linter()
    prod = monorepo / "envs" / "production" / "main.tf"
    buffers = {str(prod): prod.read_text()}
    assert "DP001" not in _codes_of(_check(linter, monorepo, buffers), monorepo / "modules/db/main.tf")
    module = monorepo / "modules" / "db" / "main.tf"
    module.write_text(module.read_text().replace("= var.deletion_protection", "= false"))
    by_path = _check(linter, monorepo, buffers)
    assert "DP001" in _codes_of(by_path, module)
    assert linter.cache(str(monorepo))[0].parsed == 1  # only the module file was parsed again
    # the same edit as an unsaved buffer of the module, with the disk reverted
    module.write_text(module.read_text().replace("= false", "= var.deletion_protection"))
    buffers[str(module)] = module.read_text().replace("= var.deletion_protection", "= false")
    assert "DP001" in _codes_of(_check(linter, monorepo, buffers), module)


def test_var_file_change(monorepo):
    from iaclint.lsp import Linter

    linter = Linter()
    tfvars = monorepo / "envs" / "production" / "terraform.tfvars"
    module = str(monorepo / "modules" / "db" / "main.tf")
    assert _check(linter, monorepo, {}) == {}
    by_path = _check(linter, monorepo, {str(tfvars): "protect = false\n"})
    assert any(str(d.code) == "DP001" for diags in by_path.values() for d in diags)
    published = linter.to_publish(by_path)
    assert published and all(diags for _, diags in published)
    by_path = _check(linter, monorepo, {str(tfvars): "protect = true\n"})  # fixed: everything is cleared
    assert by_path == {}
    assert {p for p, diags in linter.to_publish(by_path) if not diags} == {p for p, _ in published}
    assert linter.to_publish(by_path) == []  # nothing changed since: nothing to send
    assert linter.to_publish(by_path, always={module}) == [(module, [])]  # the edited document hears back


def test_deleted_file(monorepo):
    from iaclint.lsp import Linter

    linter = Linter()
    staging = monorepo / "services" / "api" / ".env.staging"
    # staging points at production's database: ES001 on staging, caused by the production file
    staging.write_text(staging.read_text().replace("pw-stg-1@orders-staging", "pw-stg-1@orders-production"))
    by_path = _check(linter, monorepo, {})
    assert "ES001" in _codes_of(by_path, staging)
    linter.to_publish(by_path)
    (monorepo / "services" / "api" / ".env.production").unlink()
    by_path = _check(linter, monorepo, {})
    assert "ES001" not in _codes_of(by_path, staging)
    assert "ES001" not in _codes_of(dict(linter.to_publish(by_path)), staging)  # published again, without it
    assert linter.cache(str(monorepo))[0].parsed == 0  # nothing to parse: a file went away


def test_unsaved_buffer_vs_disk(monorepo):
    from iaclint.lsp import Linter

    linter = Linter()
    tfvars = monorepo / "envs" / "production" / "terraform.tfvars"
    disk = tfvars.read_text()
    tfvars.write_text("protect = false\n")  # on disk: unprotected; the buffer says protected
    by_path = _check(linter, monorepo, {str(tfvars): disk})
    assert not any(str(d.code) == "DP001" for diags in by_path.values() for d in diags)
    by_path = _check(linter, monorepo, {})  # closed: the disk counts
    assert any(str(d.code) == "DP001" for diags in by_path.values() for d in diags)
    tfvars.write_text(disk)  # saved: same bytes as the buffer was
    assert _check(linter, monorepo, {str(tfvars): disk}) == {}
    assert _check(linter, monorepo, {}) == {}


def test_superseded_scan_stops_and_the_next_one_is_whole(monorepo):
    from iaclint.lsp import Linter, Superseded

    linter = Linter()
    tfvars = str(monorepo / "envs" / "production" / "terraform.tfvars")
    with pytest.raises(Superseded):
        linter.diagnostics(str(monorepo), {tfvars: "protect = false\n"}, superseded=lambda: True)
    _check(linter, monorepo, {tfvars: "protect = false\n"})


def test_fast_pass_is_the_edited_files_root_closure(monorepo):
    """The fast pass builds its graph from the edited file's root closure only: a module's callers (both roots,
    with their var files) and what they call; a root: itself and its modules.  Its attribute-rule findings are
    the full scan's, word for word."""
    from iaclint.lsp import Linter
    from iaclint.overlay import focus_files

    linter = Linter()
    _check(linter, monorepo, {})
    cache, _, _, last = linter.cache(str(monorepo))

    def closure(rel, buffers):
        return sorted(sf.path for sf in focus_files(cache, str(monorepo), rel, buffers, last["callers"]))

    module = monorepo / "modules" / "db" / "main.tf"
    buffers = {str(module): module.read_text().replace("= var.deletion_protection", "= false")}
    tf = sorted(str(p.relative_to(monorepo)) for p in monorepo.rglob("*") if p.suffix in (".tf", ".tfvars"))
    assert closure("modules/db/main.tf", buffers) == tf  # both roots call it
    assert closure("envs/production/main.tf", {}) == [p for p in tf if not p.startswith("envs/staging/")]
    assert closure("envs/production/terraform.tfvars", {}) == closure("envs/production/main.tf", {})
    assert focus_files(cache, str(monorepo), "services/api/.env.staging", {}, last["callers"]) is None

    fast = linter.fast_diagnostics(str(monorepo), buffers, str(module))
    full = _check(linter, monorepo, buffers)
    assert "DP001" in {str(d.code) for d in fast}
    assert sorted(map(_key, fast)) == sorted(map(_key, full[str(module)]))
    dp = next(d for d in fast if str(d.code) == "DP001")
    assert "module used by root envs/production" in dp.message  # DP001 holds in production only

    # an env file: its parse is redone, its (cross-file) findings are the last full scan's until the next one
    staging = monorepo / "services" / "api" / ".env.staging"
    buffers[str(staging)] = staging.read_text().replace("@orders-staging", "@orders-production")
    assert linter.fast_diagnostics(str(monorepo), buffers, str(staging)) == []
    assert "ES001" in _codes_of(_check(linter, monorepo, buffers), staging)
    buffers[str(staging)] = staging.read_text()
    assert _codes_of({"x": linter.fast_diagnostics(str(monorepo), buffers, str(staging))}, "x") == ["ES001"]
    assert _codes_of(_check(linter, monorepo, buffers), staging) == []


def test_fast_pass_waits_for_a_full_scan(monorepo):
    from iaclint.lsp import Linter

    tf = str(monorepo / "envs" / "production" / "main.tf")
    assert Linter().fast_diagnostics(str(monorepo), {}, tf) is None


# --- graph parts kept across full scans (graph/partcache.py) -----------------------------------------------------

def test_unchanged_parts_are_reused_and_equal_a_fresh_scan(tmp_path, corpus, monkeypatch):
    """A second full scan with nothing changed builds no Terraform batch and no chunk of files again; an edit
    rebuilds the part holding the edited file only; each time the result is a fresh scan's."""
    from iaclint.graph import tfbatch
    from iaclint.lsp import Linter

    ws = tmp_path / "c20"
    shutil.copytree(corpus("c20"), ws)
    linter = Linter()
    linter.diagnostics(str(ws), {})
    parts = linter.cache(str(ws))[0].parts
    assert {k[0] for k in parts} == {"terraform", "files"}
    built = []  # a part built anew is built alone (into a graph of its own)
    real = tfbatch.alone
    monkeypatch.setattr(tfbatch, "alone", lambda b, build: built.append(1) or real(b, build))
    again = linter.diagnostics(str(ws), {})
    assert built == []
    tf = sorted(ws.rglob("main.tf"))[0]
    edited = {str(tf): tf.read_text() + "\n# edited\n"}
    got = linter.diagnostics(str(ws), edited)
    assert len(built) == 1
    monkeypatch.undo()
    assert again == _fresh(ws, {}) and got == _fresh(ws, edited)


def test_a_kept_part_is_rebuilt_when_a_file_it_read_outside_its_own_changes(tmp_path):
    """A template a module renders (templatefile) is read by the batch but is not one of its files: the read is
    recorded with its answer, and a changed answer rebuilds the part."""
    ws = tmp_path / "tpl"
    (ws / "app").mkdir(parents=True)
    (ws / "app" / "main.tf").write_text(
        'resource "aws_instance" "web" {\n  ami           = "ami-0abc"\n  instance_type = "t3.micro"\n'
        '  user_data     = templatefile("${path.module}/../scripts/boot.tftpl", { name = "web" })\n}\n')
    (ws / "scripts").mkdir()
    tpl = ws / "scripts" / "boot.tftpl"
    tpl.write_text("echo hello ${name}\n")
    from iaclint.lsp import Linter

    linter = Linter()
    assert not any(_check(linter, ws, {}).values())
    tpl.write_text("echo hello ${name}\nexport GITHUB_TOKEN=ghp_R4nd0mT0k3nV4lu3Xq8Zw2Lp9Mn5Bv7Cx1Dk\n")
    assert any(_check(linter, ws, {}).values())
    tpl.write_text("echo hello ${name}\n")
    assert not any(_check(linter, ws, {}).values())


def test_a_kept_part_is_rebuilt_when_a_module_dir_appears(tmp_path):
    """Whether a local module source dir exists is asked of the disk (not one of the part's files): the answer is
    recorded, and a dir created between two scans rebuilds the part (the diagnostic changes)."""
    from iaclint.lsp import Linter

    ws = tmp_path / "ws"
    (ws / "app").mkdir(parents=True)
    (ws / "app" / "main.tf").write_text('module "x" {\n  source = "../mod"\n}\n')
    linter = Linter()
    before = _check(linter, ws, {})
    (ws / "mod").mkdir()
    after = _check(linter, ws, {})
    assert [d.message for d in before[str(ws / "app" / "main.tf")]] != \
        [d.message for d in after[str(ws / "app" / "main.tf")]]


def test_a_kept_part_is_rebuilt_when_a_railway_provider_above_it_goes(tmp_path):
    """A token in an env file is a Terraform provider's when a dir above configures a Railway provider: that
    answer comes from another dir's files, is recorded, and removing the provider rebuilds the env file's part."""
    from iaclint.lsp import Linter

    ws = tmp_path / "ws"
    (ws / "infra" / "app").mkdir(parents=True)
    main = ws / "infra" / "main.tf"
    main.write_text('terraform {\n  required_providers {\n    railway = { source = "terraform-community-providers/railway" }'
                    '\n  }\n}\n')
    env = ws / "infra" / "app" / ".env"
    env.write_text("RAILWAY_TOKEN=7c9e6679-7425-40de-944b-e07fc1f90ae7\n")
    linter = Linter()
    assert _codes_of(_check(linter, ws, {}), env) == ["CS001"]
    main.write_text("# no provider here any more\n")
    assert _codes_of(_check(linter, ws, {}), env) == []
