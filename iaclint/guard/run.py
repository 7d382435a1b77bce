"""``iaclint guard``: one hook event in, one decision out, failing closed.

The fast path imports only the shell parser and the recognisers: a command that destroys nothing is allowed
before any repository file is read. A destructive one loads the repository's ``GuardIndex`` — from the cache
when the content hashes match, else by building the graph (``index``) — and resolves its targets. Any
exception, an unreadable payload or a line that cannot be parsed but mentions a destructive verb blocks, with
the reason. Every message passes ``mask`` (with the scan's credential fingerprints): a token written on the
command line is never echoed.
"""
from __future__ import annotations

import fnmatch
import os
import re
import stat
import sys

from .protocols import PayloadError, answer, read_event

DEFAULT_HATCH = "IACLINT_GUARD_HUMAN_OVERRIDE"
_SECRET_NAME = re.compile(r"(?i)token|secret|password|passwd|api_?key|auth|credential|private")
MAX_READ = 256 * 1024


class Repo:
    """The repository a command runs in: its root, a confined file reader, and its index (loaded on demand).

    The warm path imports neither discovery nor the config loader: the root a cwd maps to and the index are
    remembered in the cache with the stat signatures that prove them current (``cache``)."""

    def __init__(self, cwd: str):
        from . import cache

        self.cwd = os.path.realpath(cwd)
        self._disc = None
        self.root = cache.locate(self.cwd)
        if self.root is None:
            self.root = os.path.realpath(self._discovery().root)
            cache.remember(self.cwd, self.root)
        self._index = None

    def _discovery(self):
        if self._disc is None:
            from ..discover import discover

            self._disc = discover([self.cwd])
        return self._disc

    def read(self, rel: str) -> str | None:
        """A file the command names (relative to its cwd), if it is a regular file inside the repository and at
        most MAX_READ bytes."""
        from ..safeio import UnsafeFile, read_regular_file

        p = os.path.realpath(os.path.join(self.cwd, os.path.expanduser(rel)))
        if not (p == self.root or p.startswith(self.root + os.sep)):
            return None
        try:
            return read_regular_file(p, MAX_READ).decode("utf-8", "replace")
        except (UnsafeFile, OSError):
            return None

    def cwd_rel(self) -> str:
        return os.path.relpath(self.cwd, self.root).replace(os.sep, "/")

    def index(self) -> dict:
        if self._index is None:
            import time

            from .. import __version__
            from . import cache

            extra = f"{__version__}|guard-index-2"
            idx = cache.load_fast(self.root, extra)
            if idx is None:
                from ..config import find_config
                from ..discover import SKIP_DIRS

                taken = time.time_ns()
                disc = self._discovery()
                files = {f.path: f.abspath for f in disc.files}
                cfg = find_config(self.root)
                if cfg and cfg not in files.values():
                    files[cfg] = cfg
                key, digests = cache.content_key(files, extra)
                idx = cache.load(self.root, key)
                if idx is None:
                    idx = _build(self.root)
                cache.save(self.root, key, idx, files, cache.walked_dirs(self.root, SKIP_DIRS), digests, taken)
            self._index = idx
        return self._index

    def mtime(self, rel: str) -> int | None:
        """The modification time (ns) of a root-relative path, or None when it is not a regular file."""
        try:
            st = os.stat(os.path.join(self.root, rel))
        except OSError:
            return None
        return st.st_mtime_ns if stat.S_ISREG(st.st_mode) else None

    def source(self, rel: str) -> dict:
        """What ``source REL`` defines that the index knows: an env file's data-store variables (identities)."""
        p = os.path.normpath(os.path.join(self.cwd_rel(), rel)).replace(os.sep, "/")
        f = self.index()["env_files"].get(p)
        return dict(f["vars"]) if f else {}


def _build(root: str) -> dict:
    from ..config import scan_options
    from ..scan import build_graph
    from .index import build_index

    opts = scan_options([root], root=root)
    graph, _, _ = build_graph([root], opts)
    idx = build_index(graph)
    idx["guard"] = dict(getattr(opts, "guard", None) or {})
    return idx


def _lookup(environ):
    def get(name: str):
        return None if _SECRET_NAME.search(name) else environ.get(name)
    return get


def decide(command: str, cwd: str, environ) -> tuple[bool, str, dict]:
    """(block, reason, secrets) for COMMAND run in CWD."""
    from .ops import DESTRUCTIVE_WORDS, operations
    from .resolve import DEFAULT_PROTECTED, norm_env, resolve
    from .shell import parse

    first = parse(command, _lookup(environ))
    ops = operations(first, lambda p: None)
    if first.errors and DESTRUCTIVE_WORDS.search(command):
        return True, (f"iaclint guard blocked this command: it mentions a destructive operation and iaclint cannot "
                      f"parse it ({'; '.join(first.errors)}), so it cannot tell what it would destroy. Rewrite it "
                      f"as plain commands (no unterminated quotes or here-documents) or ask the user."), {}
    if not ops:
        return False, "iaclint guard: no destructive operation in this command.", {}
    repo = Repo(cwd)
    idx = repo.index()
    cfg = idx.get("guard") or {}
    secrets = idx.get("secrets") or {}
    hatch = cfg.get("override_env") or DEFAULT_HATCH
    if hatch in command:
        return True, (f"iaclint guard blocked this command: it sets the guard's human override ({hatch}). That "
                      f"override is for a person at the keyboard, not for an agent; ask the user to run the command."), secrets
    parsed = parse(command, _lookup(environ), repo.source)
    ops = operations(parsed, repo.read)
    cwd_rel = repo.cwd_rel()
    for o in ops:
        o.cwd = os.path.normpath(os.path.join(cwd_rel, o.cwd)).replace(os.sep, "/")
        for t in o.targets:
            if t.kind in ("tf-root", "plan"):
                t.value = os.path.normpath(os.path.join(cwd_rel, t.value)).replace(os.sep, "/")
                t.value = "" if t.value == "." else t.value
    allowed = [p for p in cfg.get("allow_commands") or []]
    protected = {norm_env(e, idx["aliases"]) for e in cfg.get("protected_environments") or DEFAULT_PROTECTED}
    verdicts = []
    for o in ops:
        text = " ".join(o.command.argv) if o.command else ""
        if any(fnmatch.fnmatchcase(text, pat) for pat in allowed):
            verdicts.append((False, f"iaclint guard allowed {o.action}: the repository's guard.allow_commands lists it."))
            continue
        v = resolve(o, idx, protected, repo.mtime)
        verdicts.append((v.block, v.reason))
    blocked = [r for b, r in verdicts if b]
    if blocked and environ.get(hatch):
        return False, (f"iaclint guard: a human override ({hatch}) is set in the agent's environment; allowing. "
                       + " ".join(blocked)), secrets
    if blocked:
        return True, " ".join(blocked), secrets
    return False, " ".join(r for _, r in verdicts), secrets


def guard(stdin: str | None, command: str | None, cwd: str, environ) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) for one hook call: STDIN (a hook payload) or COMMAND (``--command``)."""
    from ..mask import mask
    from .cache import prime_mask

    agent = "command" if command is not None else "claude"
    secrets: dict = {}
    try:
        prime_mask()
        if command is None:
            try:
                ev = read_event(stdin or "", cwd)
            except PayloadError as e:
                agent = _guess_agent(stdin or "")
                return answer(agent, True, f"iaclint guard blocked this call: {e}; it fails closed on a payload it "
                                           f"cannot read. Check the hook configuration (`iaclint guard install`).")
            agent = ev.agent
            if ev.command is None:
                return answer(agent, False, "iaclint guard: not a shell command.")
            command, cwd = ev.command, ev.cwd
        block, reason, secrets = decide(command, cwd if os.path.isdir(cwd) else os.getcwd(), environ)
        return answer(agent, block, mask(reason, secrets))
    except Exception as e:  # noqa: BLE001 - fail closed: any internal error blocks, with the reason
        return answer(agent, True, mask(f"iaclint guard blocked this command because it failed internally "
                                        f"({type(e).__name__}: {e}); it fails closed. Report this to the user.",
                                        secrets))


def hook(command: str | None, cwd: str | None) -> int:
    """Read the event (stdin unless COMMAND), decide, answer on stdout/stderr; the exit code."""
    try:
        raw = None if command is not None else sys.stdin.read()
    except (OSError, UnicodeDecodeError) as e:
        raw = f"\0unreadable: {e}"
    code, out, err = guard(raw, command, cwd or os.getcwd(), os.environ)
    if out:
        sys.stdout.write(out)
    if err:
        sys.stderr.write(err)
    sys.stdout.flush()
    return code


def _guess_agent(raw: str) -> str:
    return "cursor" if "beforeShellExecution" in raw or "workspace_roots" in raw else "claude"
