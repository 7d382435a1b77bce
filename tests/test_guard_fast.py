"""`iaclint guard`'s warm path: the stat-validated cache (what it notices, what it re-hashes), the entry point that
imports neither click nor the scanner, the catalogue kept for mask; and `apply PLANFILE` decided with a plan JSON
beside the binary plan."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from iaclint.guard import cache
from iaclint.guard.run import Repo, decide

HERE = os.path.dirname(__file__)
SEPARATED = os.path.join(HERE, "fixtures", "guard", "separated")
PLANNED = os.path.join(HERE, "fixtures", "guard", "planned")
POCKETOS = os.path.abspath(os.path.join(HERE, "..", "examples", "pocketos"))
STAGING_VOL = "3c2b1a09-2222-4c22-8c22-222222222222"
GQL = "https://backboard.railway.com/graphql/v2"


def gql(vol):
    return f"curl -s {GQL} -d '{{\"query\":\"mutation {{ volumeDelete(volumeId: \\\"{vol}\\\") }}\"}}'"


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    from iaclint import mask
    from iaclint.graph import credentials

    monkeypatch.setenv("IACLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("IACLINT_GUARD_VERIFY", raising=False)
    yield
    credentials.use_catalogue_data(None)  # guard() primes mask in this process: leave it as other tests expect
    mask.use_token_shapes(None)


@pytest.fixture
def settled(monkeypatch):
    """Files the test just wrote count as settled (no racy window): what a repository edited a while ago gets."""
    monkeypatch.setattr(cache, "RACY_NS", 0)


def _copy(src, tmp_path) -> str:
    dst = tmp_path / "repo"
    shutil.copytree(src, dst)
    return str(dst)


def test_root_markers_follow_discovery():
    from iaclint.discover import CONFIG_NAMES

    assert set(cache.ROOT_MARKERS) == {".git", "pyproject.toml", *CONFIG_NAMES}


def test_warm_path_reads_no_file_when_nothing_moved(tmp_path, settled, monkeypatch):
    repo = _copy(SEPARATED, tmp_path)
    assert not decide(gql(STAGING_VOL), repo, {})[0]
    monkeypatch.setattr(cache, "digest", lambda p: pytest.fail(f"re-hashed {p}"))
    monkeypatch.setattr("iaclint.guard.run._build", lambda root: pytest.fail("rebuilt the graph"))
    assert not decide(gql(STAGING_VOL), repo, {})[0]


def test_touched_file_is_rehashed_alone_and_the_index_kept(tmp_path, settled, monkeypatch):
    repo = _copy(SEPARATED, tmp_path)
    decide(gql(STAGING_VOL), repo, {})
    staging = os.path.join(repo, "railway", "staging.json")
    os.utime(staging, ns=(time.time_ns(), time.time_ns() - 10**10))  # mtime moved, content the same
    hashed = []
    real = cache.digest
    monkeypatch.setattr(cache, "digest", lambda p: hashed.append(p) or real(p))
    monkeypatch.setattr("iaclint.guard.run._build", lambda root: pytest.fail("rebuilt the graph"))
    assert not decide(gql(STAGING_VOL), repo, {})[0]
    assert hashed == [staging]
    hashed.clear()
    assert not decide(gql(STAGING_VOL), repo, {})[0] and hashed == []  # the record was refreshed


def test_same_size_edit_is_seen(tmp_path, settled):
    """The staging volume id becomes production's: same length, same size, new content."""
    repo = _copy(SEPARATED, tmp_path)
    assert not decide(gql(STAGING_VOL), repo, {})[0]
    prod = os.path.join(repo, "railway", "production.json")
    stage = os.path.join(repo, "railway", "staging.json")
    with open(prod) as fh:
        prod_vol = next(iter(json.load(fh)["services"].values()))["volumeMounts"]
    prod_id = next(iter(prod_vol))
    text = open(stage).read()
    assert len(prod_id) == len(STAGING_VOL)
    with open(stage, "w") as fh:
        fh.write(text.replace(STAGING_VOL, prod_id))
    block, reason, _ = decide(gql(prod_id), repo, {})
    assert block and "production" in reason


def test_new_file_is_seen(tmp_path, settled):
    """A new file changes its directory's signature: the slow path discovers it."""
    repo = _copy(SEPARATED, tmp_path)
    assert not decide(gql(STAGING_VOL), repo, {})[0]
    with open(os.path.join(repo, "railway", "staging.json")) as fh:
        data = json.load(fh)
    with open(os.path.join(repo, "railway", "production-eu.json"), "w") as fh:
        json.dump(data, fh)  # the same volume, now in a production export too
    assert decide(gql(STAGING_VOL), repo, {})[0]


def test_recent_files_are_verified_by_content(tmp_path, monkeypatch):
    """Within RACY_NS of the record, a signature proves nothing: the file is hashed (git's racily-clean rule)."""
    repo = _copy(SEPARATED, tmp_path)
    decide(gql(STAGING_VOL), repo, {})
    hashed = []
    real = cache.digest
    monkeypatch.setattr(cache, "digest", lambda p: hashed.append(p) or real(p))
    Repo(repo).index()
    assert hashed  # just written: re-hashed (or re-discovered), never trusted on its signature


def test_verify_content_turns_the_fast_path_off(tmp_path, settled, monkeypatch):
    repo = _copy(SEPARATED, tmp_path)
    decide(gql(STAGING_VOL), repo, {})
    monkeypatch.setenv("IACLINT_GUARD_VERIFY", "content")
    assert cache.load_fast(Repo(repo).root, "x") is None and cache.locate(repo) is None


def test_cache_holds_no_secret_and_the_catalogue(tmp_path):
    token = "8c2f4e1a-7b3d-" + "4f60-9e25-3d1c0b9a8f7e"  # the example's fake account token
    decide(gql(STAGING_VOL), POCKETOS, {})
    from iaclint.guard.run import guard

    guard(None, "echo hi", POCKETOS, {})
    names = sorted(n.split("-", 1)[0] for n in os.listdir(tmp_path / "cache"))
    assert names == ["catalogue", "index", "root"]
    for n in os.listdir(tmp_path / "cache"):
        assert token not in (tmp_path / "cache" / n).read_text()


def test_primed_mask_masks_like_the_catalogue(tmp_path):
    from iaclint import mask
    from iaclint.graph import credentials

    text = "token ghp_" + "a1B2" * 9 + " and sk_live_" + "x9Y8" * 6 + " PASSWORD=hunter22x"
    expected = mask.mask(text)
    cache.prime_mask()  # writes
    cache.prime_mask()  # reads
    assert credentials._PRIMED is not None and mask.mask(text) == expected


@pytest.mark.slow
def test_entry_point_imports_no_click_yaml_or_scanner(tmp_path):
    env = dict(os.environ, IACLINT_CACHE_DIR=str(tmp_path / "cache"))
    payload = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": POCKETOS,
                          "tool_input": {"command": gql("0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b")}})
    root = os.path.join(HERE, "..")
    subprocess.run([sys.executable, "-m", "iaclint", "guard"], input=payload, text=True, env=env, cwd=root,
                   capture_output=True, check=False)
    for argv in ([sys.executable, "-X", "importtime", "-m", "iaclint", "guard"],
                 [sys.executable, "-X", "importtime", "-m", "iaclint.guard.entry"]):
        r = subprocess.run(argv, input=payload, text=True, env=env, cwd=root, capture_output=True)
        assert r.returncode == 2 and "pgdata" in r.stderr
        mods = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
        assert not mods & {"click", "yaml", "jsonschema", "tree_sitter", "iaclint.cli", "iaclint.scan",
                           "iaclint.discover", "iaclint.config"}, sorted(mods)


@pytest.mark.slow
def test_entry_point_help_and_install_go_to_click(tmp_path):
    r = subprocess.run([sys.executable, "-m", "iaclint", "guard", "--help"], capture_output=True, text=True,
                       cwd=os.path.join(HERE, ".."))
    assert r.returncode == 0 and "install" in r.stdout


# ------------------------------------------------------------------ terraform apply PLANFILE
def _plans(tmp_path, json_newer: bool) -> str:
    repo = _copy(PLANNED, tmp_path)
    d = os.path.join(repo, "envs", "production")
    for name in ("tfplan", "destroy"):
        with open(os.path.join(d, name), "wb") as fh:
            fh.write(b"PK\x03\x04 a binary plan")
        old, new = time.time_ns() - 10**10, time.time_ns() - 10**9
        os.utime(os.path.join(d, name), ns=(old, new if not json_newer else old))
        os.utime(os.path.join(d, name + ".json"), ns=(old, old if not json_newer else new))
    return repo


def test_apply_of_a_plan_whose_json_deletes_nothing_is_allowed(tmp_path):
    repo = _plans(tmp_path, json_newer=True)
    block, reason, _ = decide("terraform -chdir=envs/production apply tfplan", repo, {})
    assert not block and "envs/production/tfplan.json" in reason


def test_apply_of_a_plan_whose_json_deletes_the_database_is_blocked(tmp_path):
    repo = _plans(tmp_path, json_newer=True)
    block, reason, _ = decide("cd envs/production && terraform apply destroy", repo, {})
    assert block and "aws_db_instance.main" in reason and "production" in reason


def test_apply_of_a_plan_with_a_stale_json_is_decided_by_the_root(tmp_path):
    repo = _plans(tmp_path, json_newer=False)
    block, reason, _ = decide("terraform -chdir=envs/production apply tfplan", repo, {})
    assert block and "older than it" in reason and "terraform show -json tfplan > tfplan.json" in reason


def test_apply_of_an_unreadable_plan_in_a_staging_root_is_allowed(tmp_path):
    repo = _plans(tmp_path, json_newer=True)
    with open(os.path.join(repo, "envs", "staging", "tfplan"), "wb") as fh:
        fh.write(b"PK\x03\x04")
    block, reason, _ = decide("terraform -chdir=envs/staging apply tfplan", repo, {})
    assert not block and "staging" in reason and "terraform show -json" in reason
