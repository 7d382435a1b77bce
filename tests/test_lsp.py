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
    client.notify("textDocument/didChange", {"textDocument": {"uri": staging.as_uri(), "version": 2},
                                             "contentChanges": [{"text": text}]})
    diags = _diags(client, staging.as_uri())
    assert _codes(diags) == [("ES001", 2)]
    d = diags[0]
    assert d["source"] == "iaclint" and d["severity"] == 1
    assert "orders-db.internal" in d["message"] and "pw-stg-1" not in d["message"]  # no secret in the message
    related = {(r["location"]["uri"], r["location"]["range"]["start"]["line"]) for r in d["relatedInformation"]}
    assert ((ws / ".env.production").as_uri(), 1) in related  # caused by production's file
    assert d["codeDescription"]["href"].endswith("#es001")

    # fix it in the buffer: diagnostics are cleared
    client.notify("textDocument/didChange", {"textDocument": {"uri": staging.as_uri(), "version": 3},
                                             "contentChanges": [{"text": staging.read_text()}]})
    assert _diags(client, staging.as_uri()) == []


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
    client.notify("textDocument/didChange", {"textDocument": {"uri": tf.as_uri(), "version": 2},
                                             "contentChanges": [{"text": ignored}]})
    assert "DP001" not in {d.get("code") for d in _diags(client, tf.as_uri())}
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
        if op <= 1:  # edit an (unsaved) buffer
            buffers[str(path)] = _mutate(rng, buffers.get(str(path), path.read_text()))
        elif op == 2:  # write to disk (a module another root reads, a var file…)
            path.write_text(_mutate(rng, path.read_text()))
        elif op == 3 and len(files) > 3:
            path.unlink()
        elif op == 4:  # a new file, unsaved or on disk
            new = path.parent / f"new{rng.randrange(100)}{''.join(path.suffixes) or path.name}"
            if rng.random() < 0.5:
                buffers[str(new)] = path.read_text()
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
