"""``iaclint guard install --agent claude|codex|cursor [--uninstall]``: the hook merged into the repository's
agent settings, keeping everything else in the file; uninstall removes only iaclint's own entry.

- claude: ``.claude/settings.json`` ``hooks.PreToolUse[] = {"matcher": "Bash", "hooks": [{"type": "command",
  "command": "iaclint guard"}]}``
- codex: ``.codex/hooks.json``, the same shape (Codex reads hooks.json next to its config layers)
- cursor: ``.cursor/hooks.json`` ``{"version": 1, "hooks": {"beforeShellExecution": [{"command": "iaclint guard"}]}}``
"""
from __future__ import annotations

import json
import os

HOOK_COMMAND = "iaclint guard"
FILES = {"claude": (".claude", "settings.json"), "codex": (".codex", "hooks.json"), "cursor": (".cursor", "hooks.json")}


class InstallError(Exception):
    pass


def _ours(entry) -> bool:
    return isinstance(entry, dict) and str(entry.get("command", "")).startswith(HOOK_COMMAND)


def _merge(agent: str, data: dict, uninstall: bool) -> bool:
    """Install/uninstall in DATA; whether it changed."""
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise InstallError("its \"hooks\" is not an object")
    if agent == "cursor":
        data.setdefault("version", 1)
        lst = hooks.setdefault("beforeShellExecution", [])
        if not isinstance(lst, list):
            raise InstallError("hooks.beforeShellExecution is not a list")
        present = any(_ours(e) for e in lst)
        if uninstall:
            hooks["beforeShellExecution"] = [e for e in lst if not _ours(e)]
            return present
        if not present:
            lst.append({"command": HOOK_COMMAND})
        return not present
    lst = hooks.setdefault("PreToolUse", [])
    if not isinstance(lst, list):
        raise InstallError("hooks.PreToolUse is not a list")
    present = any(_ours(h) for g in lst if isinstance(g, dict) for h in g.get("hooks") or [])
    if uninstall:
        out = []
        for g in lst:
            if isinstance(g, dict) and isinstance(g.get("hooks"), list) and any(_ours(h) for h in g["hooks"]):
                g = dict(g, hooks=[h for h in g["hooks"] if not _ours(h)])
                if not g["hooks"]:
                    continue
            out.append(g)
        hooks["PreToolUse"] = out
        return present
    if not present:
        lst.append({"matcher": "Bash", "hooks": [{"type": "command", "command": HOOK_COMMAND, "timeout": 30}]})
    return not present


def install(repo: str, agent: str, uninstall: bool = False) -> tuple[str, bool]:
    """(settings file, changed). Raises InstallError when the existing file cannot be merged safely."""
    d, name = FILES[agent]
    path = os.path.join(repo, d, name)
    data: dict = {}
    if os.path.exists(path):
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as e:
            raise InstallError(f"{path}: cannot read it as JSON ({e}); not changed") from None
        if not isinstance(data, dict):
            raise InstallError(f"{path}: not a JSON object; not changed")
    elif uninstall:
        return path, False
    try:
        changed = _merge(agent, data, uninstall)
    except InstallError as e:
        raise InstallError(f"{path}: {e}; not changed") from None
    if changed:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".iaclint-tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    return path, changed
