"""CS010: Terraform state file committed to the repository."""
from __future__ import annotations

import json

from iaclint.kinds import STATE_EXT
from iaclint.model import Location, Span


def _state_resources(lines: list[str]) -> tuple[int, int | None]:
    """(line of `"resources"`, number of resources or None when the JSON cannot be read)."""
    line = next((i for i, s in enumerate(lines, 1) if '"resources"' in s), 1)
    try:
        data = json.loads("\n".join(lines))
    except (ValueError, RecursionError):
        return line, None
    res = data.get("resources") if isinstance(data, dict) else None
    if not isinstance(res, list):  # pre-0.12 state: modules[].resources
        mods = data.get("modules") if isinstance(data, dict) else None
        res = [r for m in mods if isinstance(m, dict) for r in (m.get("resources") or {})] \
            if isinstance(mods, list) else []
    return line, len(res)


def check(ctx):
    """FAIL: terraform.tfstate (or .tfstate.backup) with resources, committed. PASS: an empty state; state in a
    remote backend."""
    for path, f in sorted(ctx.graph.files.items()):
        if not path.lower().endswith(STATE_EXT) or not f.lines:
            continue
        line, count = _state_resources(f.lines)
        if count == 0:
            continue
        found = sorted((n for n in ctx.graph.of_kind("credential") if n.span.path == path),
                       key=lambda n: (n.span.line, n.type))
        what = f"{count} resource{'s' if count != 1 else ''}" if count is not None else "resources"
        secrets = (f"; {len(found)} credential{'s' if len(found) != 1 else ''} recognised in it "
                   f"({', '.join(sorted({n.attrs['title'] for n in found}))})") if found else ""
        env = ctx.graph.ctx.envs.from_path(path)
        yield ctx.finding(
            None,
            f"Terraform state {path} is in the repository: it records {what} with every attribute in plain text — "
            f"database passwords, generated keys, provider tokens, whether marked sensitive or not{secrets}; "
            f"anyone (or any agent) who can read the repository holds them — keep state in a remote backend with "
            f"access control and encryption, and rotate what it held",
            Span(path, line, 1), related=[Location(n.span, f"{n.attrs['title']} {n.name}") for n in found[:5]],
            key=f"{path}|tfstate", envs=[env[0]] if env else [])
