"""CS010: Terraform state file committed to the repository."""
from __future__ import annotations

from iaclint.model import Location, Span


def check(ctx):
    """FAIL: terraform.tfstate (or .tfstate.backup) with resources, committed. PASS: an empty state; state in a
    remote backend."""
    for path, facts in sorted(ctx.graph.facts.items()):
        if facts.state is None:
            continue
        line, count = facts.state
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
