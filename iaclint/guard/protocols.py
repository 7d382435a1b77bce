"""The hook protocols: which agent sent a payload, and the answer in that agent's terms.

- Claude Code ``PreToolUse`` (``hook_event_name``, ``tool_name`` "Bash", ``tool_input.command``, ``cwd``): block
  = exit code 2 with the reason on stderr (stderr is what Claude is shown); allow = exit 0 and no output, so the
  user's own permission rules still apply.
- Codex ``PreToolUse`` (same shape, plus ``turn_id``/``model``; ``tool_name`` "Bash" or "shell"): the same
  answer — exit 2 with the reason on stderr blocks; exit 0 with no output continues.
- Cursor ``beforeShellExecution`` (``command`` and ``cwd`` at the top level, ``workspace_roots``): always a JSON
  object on stdout and exit 0: ``{"permission": "deny"|"allow", "user_message": …, "agent_message": …}``
  (Cursor's current field names; the camelCase ``userMessage``/``agentMessage`` of its first hooks release
  are sent too, so either version reads the reason).
- ``--command``: plain text: ``allow``/``block`` and the reason on stdout; exit 0 or 2.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

EXIT_ALLOW, EXIT_BLOCK = 0, 2


@dataclass
class Event:
    agent: str  # claude | codex | cursor | command
    command: str | None  # None: a tool call that is not a shell command (nothing to guard)
    cwd: str


class PayloadError(Exception):
    pass


def read_event(raw: str, default_cwd: str) -> Event:
    """The event in RAW (a hook's stdin). Raises PayloadError for anything that is not a known payload."""
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise PayloadError(f"the hook payload is not JSON ({e.msg})") from None
    if not isinstance(data, dict):
        raise PayloadError("the hook payload is not a JSON object")
    event = data.get("hook_event_name")
    cwd = data.get("cwd") if isinstance(data.get("cwd"), str) and data.get("cwd") else None
    if event == "beforeShellExecution" or (event is None and "command" in data and "tool_input" not in data):
        roots = data.get("workspace_roots")
        if cwd is None and isinstance(roots, list) and roots and isinstance(roots[0], str):
            cwd = roots[0]
        cmd = data.get("command")
        if not isinstance(cmd, str):
            raise PayloadError("the Cursor payload has no command string")
        return Event("cursor", cmd, cwd or default_cwd)
    if event == "PreToolUse" or "tool_input" in data:
        agent = "codex" if ("turn_id" in data or data.get("tool_name") in ("shell", "local_shell", "exec_command")
                            or "model" in data and "transcript_path" not in data) else "claude"
        ti = data.get("tool_input")
        tool = data.get("tool_name")
        if isinstance(ti, dict) and isinstance(ti.get("command"), list):  # Codex shell: argv
            return Event(agent, " ".join(_quote(a) for a in ti["command"] if isinstance(a, str)), cwd or default_cwd)
        if tool not in (None, "Bash", "shell", "local_shell", "exec_command", "Shell"):
            return Event(agent, None, cwd or default_cwd)
        if not isinstance(ti, dict) or not isinstance(ti.get("command"), str):
            raise PayloadError("the PreToolUse payload has no tool_input.command string")
        return Event(agent, ti["command"], cwd or default_cwd)
    raise PayloadError(f"unknown hook event {event!r}" if event else "the payload is not a hook event iaclint knows")


def _quote(a: str) -> str:
    import shlex

    return shlex.quote(a)


def answer(agent: str, block: bool, reason: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of the answer in AGENT's protocol."""
    if agent == "cursor":
        body = {"permission": "deny" if block else "allow", "user_message": reason, "agent_message": reason,
                "userMessage": reason, "agentMessage": reason}
        return EXIT_ALLOW, json.dumps(body) + "\n", ""
    if agent in ("claude", "codex"):
        return (EXIT_BLOCK, "", reason + "\n") if block else (EXIT_ALLOW, "", "")
    return (EXIT_BLOCK if block else EXIT_ALLOW), ("block: " if block else "allow: ") + reason + "\n", ""
