"""`iaclint guard` end to end: the real CLI as a subprocess, each agent's JSON on stdin, the exit code and
stdout/stderr each protocol documents; `guard install` merging settings."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(__file__)
POCKETOS = os.path.abspath(os.path.join(HERE, "..", "examples", "pocketos"))
INCIDENT = ("curl -s -X POST https://backboard.railway.com/graphql/v2 -H \"Authorization: Bearer $RAILWAY_API_TOKEN\" "
            "-d '{\"query\":\"mutation { volumeDelete(volumeId: \\\"0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b\\\") }\"}'")
pytestmark = pytest.mark.slow


def run(stdin, *args, tmp_path):
    env = dict(os.environ, IACLINT_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("IACLINT_GUARD_HUMAN_OVERRIDE", None)
    return subprocess.run([sys.executable, "-m", "iaclint", "guard", *args], input=stdin, capture_output=True,
                          text=True, env=env, cwd=os.path.join(HERE, ".."), timeout=120)


def claude(cmd):
    return json.dumps({"session_id": "s", "transcript_path": "/tmp/t.jsonl", "cwd": POCKETOS,
                       "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                       "tool_input": {"command": cmd, "description": "d"}, "tool_use_id": "toolu_1"})


def codex(cmd):
    return json.dumps({"session_id": "s", "turn_id": "t1", "cwd": POCKETOS, "hook_event_name": "PreToolUse",
                       "model": "gpt-5", "tool_name": "Bash", "tool_input": {"command": cmd}})


def cursor(cmd):
    return json.dumps({"hook_event_name": "beforeShellExecution", "conversation_id": "c", "generation_id": "g",
                       "workspace_roots": [POCKETOS], "command": cmd, "cwd": POCKETOS})


@pytest.mark.parametrize("payload", [claude, codex])
def test_pretooluse_blocks_with_exit_2_and_stderr(payload, tmp_path):
    r = run(payload(INCIDENT), tmp_path=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert "pgdata" in r.stderr and "production" in r.stderr and "backups" in r.stderr


@pytest.mark.parametrize("payload", [claude, codex])
def test_pretooluse_allows_silently(payload, tmp_path):
    r = run(payload("ls -la"), tmp_path=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_cursor_deny_and_allow(tmp_path):
    r = run(cursor(INCIDENT), tmp_path=tmp_path)
    assert r.returncode == 0 and r.stderr == ""
    out = json.loads(r.stdout)
    assert out["permission"] == "deny" and "pgdata" in out["agent_message"] and out["user_message"]
    r = run(cursor('echo "terraform destroy"'), tmp_path=tmp_path)
    assert json.loads(r.stdout)["permission"] == "allow"


@pytest.mark.parametrize("raw", ["not json", "[]", '{"hook_event_name": "PreToolUse", "tool_name": "Bash"}', ""])
def test_unreadable_payload_fails_closed(raw, tmp_path):
    r = run(raw, tmp_path=tmp_path)
    assert r.returncode == 2 and "fails closed" in r.stderr


def test_command_flag_and_masking(tmp_path):
    token = "8c2f4e1a-7b3d-" + "4f60-9e25-3d1c0b9a8f7e"  # the example's fake account token
    cmd = INCIDENT.replace("$RAILWAY_API_TOKEN", token)
    r = run(None, "--command", cmd, "--cwd", POCKETOS, tmp_path=tmp_path)
    assert r.returncode == 2 and r.stdout.startswith("block: ") and token not in r.stdout + r.stderr


def test_cache_is_used_and_outside_the_tree(tmp_path):
    run(claude(INCIDENT), tmp_path=tmp_path)
    files = os.listdir(tmp_path / "cache")
    assert sorted(f.split("-", 1)[0] for f in files) == ["catalogue", "index", "root"]  # guard/cache.py
    assert all(f.endswith(".json") for f in files)


@pytest.mark.parametrize("agent,rel", [("claude", ".claude/settings.json"), ("codex", ".codex/hooks.json"),
                                       ("cursor", ".cursor/hooks.json")])
def test_install_merges_and_uninstall_removes_only_ours(agent, rel, tmp_path):
    path = tmp_path / rel
    path.parent.mkdir()
    mine = {"permissions": {"allow": ["Bash(ls)"]}, "hooks": {"PreToolUse": [
        {"matcher": "Edit", "hooks": [{"type": "command", "command": "prettier"}]}],
        "beforeShellExecution": [{"command": "./audit.sh"}]}}
    path.write_text(json.dumps(mine))
    base = [sys.executable, "-m", "iaclint", "guard", "install", "--agent", agent, "--repo", str(tmp_path)]
    cwd = os.path.join(HERE, "..")
    subprocess.run(base, check=True, cwd=cwd, capture_output=True)
    subprocess.run(base, check=True, cwd=cwd, capture_output=True)  # idempotent
    data = json.loads(path.read_text())
    assert data["permissions"] == mine["permissions"]
    text = json.dumps(data)
    assert text.count("iaclint guard") == 1 and "prettier" in text and "./audit.sh" in text
    subprocess.run(base + ["--uninstall"], check=True, cwd=cwd, capture_output=True)
    data = json.loads(path.read_text())
    assert "iaclint guard" not in json.dumps(data) and data["permissions"] == mine["permissions"]
    assert "prettier" in json.dumps(data) and "./audit.sh" in json.dumps(data)
