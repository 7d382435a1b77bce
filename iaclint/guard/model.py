"""The guard's plain data: an operation a command would perform and the targets it names."""
from __future__ import annotations

from dataclasses import dataclass, field

from .shell import Command


@dataclass
class Target:
    kind: str
    value: str


@dataclass
class Op:
    platform: str
    action: str
    irreversible: bool = True
    targets: list[Target] = field(default_factory=list)
    credential: str | None = None  # the env var / flag that carries the token
    env_hint: str | None = None  # an environment the command names (-e staging, a tfvars file, a workspace)
    command: Command | None = None
    cwd: str = ""  # the directory it runs in, relative to the repository root
    note: str = ""


def flag(argv: list[str], *names: str) -> str | None:
    """The value of the first of NAMES (``--name v``, ``--name=v``, ``-n v``)."""
    for i, a in enumerate(argv):
        for n in names:
            if a == n and i + 1 < len(argv):
                return argv[i + 1]
            if n.startswith("--") and a.startswith(n + "="):
                return a[len(n) + 1:]
            if not n.startswith("--") and len(n) == 2 and a.startswith(n) and len(a) > 2 and a[2] != "-":
                return a[2:]
    return None


def positionals(argv: list[str], takes_value: tuple = ()) -> list[str]:
    """Arguments that are not options (an option in TAKES_VALUE consumes the next word)."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a.startswith("-"):
            skip = a in takes_value
            continue
        out.append(a)
    return out
