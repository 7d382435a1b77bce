"""The ``iaclint guard`` command group (registered in ``cli``): its help and ``install``; the hook itself runs
through ``entry`` (then ``run.hook``) without click when started as ``iaclint guard`` / ``python -m iaclint guard``."""
from __future__ import annotations

import sys

import click


@click.group("guard", invoke_without_command=True)
@click.option("--command", "command", default=None, help="Decide on this command line instead of a hook event on stdin.")
@click.option("--cwd", default=None, type=click.Path(file_okay=False), help="Directory the command runs in (--command).")
@click.pass_context
def guard_group(ctx, command, cwd):
    """Agent hook: read one Claude Code / Codex PreToolUse or Cursor beforeShellExecution event on stdin (or
    --command), block a destructive command aimed at production data, answer in that agent's protocol.
    Fails closed. docs/agent-guard.md"""
    if ctx.invoked_subcommand is not None:
        return
    from .run import hook

    sys.exit(hook(command, cwd))


@guard_group.command("install")
@click.option("--agent", type=click.Choice(["claude", "codex", "cursor"]), required=True)
@click.option("--uninstall", is_flag=True, help="Remove only iaclint's own hook entry.")
@click.option("--repo", default=".", type=click.Path(file_okay=False, exists=True), show_default=True,
              help="Repository whose agent settings to change.")
def install_cmd(agent, uninstall, repo):
    """Merge the guard hook into the repository's agent settings (keeps everything else)."""
    from ..mask import mask
    from .install import InstallError, install

    try:
        path, changed = install(repo, agent, uninstall)
    except InstallError as e:
        click.echo(mask(f"iaclint: {e}"), err=True)
        sys.exit(2)
    verb = "removed from" if uninstall else "installed in"
    click.echo(f"iaclint: guard hook {verb} {path}" if changed else f"iaclint: {path} already up to date", err=True)
