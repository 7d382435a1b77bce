"""``iaclint guard`` as the hook runs it, without click: ``python -m iaclint guard``, the ``iaclint`` console
script (``iaclint.__main__`` dispatches ``guard`` here before the click CLI is built) and ``iaclint-guard``.

The hook starts a process for every shell command an agent runs, so this path imports only the guard: the
command line is read here (``--command TEXT``, ``--cwd DIR``); anything else (``--help``, ``install``, an option
it does not know) goes to the click command in ``command``, which documents them.
"""
from __future__ import annotations

import os
import sys

from .run import hook


def _options(argv: list[str]) -> dict | None:
    """{"command", "cwd"} from ARGV, or None when ARGV needs the full CLI."""
    opts = {"command": None, "cwd": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        name, eq, val = a.partition("=")
        if name not in ("--command", "--cwd"):
            return None
        if not eq:
            if i + 1 >= len(argv):
                return None
            i, val = i + 1, argv[i + 1]
        opts[name[2:]] = val
        i += 1
    if opts["cwd"] is not None and not os.path.isdir(opts["cwd"]):
        return None  # click reports it
    return opts


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    opts = _options(argv)
    if opts is None:
        from ..cli import cli, run_cli

        return run_cli(cli, ["guard", *argv], "iaclint")
    return hook(opts["command"], opts["cwd"])


if __name__ == "__main__":
    sys.exit(main())
