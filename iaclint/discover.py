"""Stage 1: walk the repository the given paths are in and decide each file's kind.

The graph is the repository's (its git top level, or ``--root``): the paths only choose where findings are
reported (``Discovery.scope``), so modules, var files, env files and Railway config outside them still count.

Skips ``.git``, ``.terraform`` and ``node_modules`` — except the module copies ``terraform init`` lists in
``.terraform/modules/modules.json``.  Files git ignores (``.env``
…) ARE scanned by default — an agent on a laptop reads them; with
``respect_gitignore`` they are skipped (asks ``git check-ignore`` when the tree
is a git work tree).  Symlinks are never followed out of the scan root, and
symlink loops are not followed at all.
"""
from __future__ import annotations

import fnmatch
import os
import tomllib
import stat
import subprocess
from dataclasses import dataclass, field

from .kinds import KINDS, FileKind
from .model import Diagnostic, SourceFile

SKIP_DIRS = {".git", ".terraform", "node_modules", ".hg", ".svn", "__pycache__", ".venv", ".tox", ".mypy_cache"}
MAX_FILE_BYTES = 10 * 1024 * 1024  # larger files are skipped with a message (plan JSON: see PLAN_MAX_BYTES)
PLAN_MAX_BYTES = 512 * 1024 * 1024


def classify(rel: str) -> FileKind | None:
    """The kind of a file from its path (the first kind in the registry whose pattern matches), or None when
    iaclint does not read it."""
    low = rel.rsplit("/", 1)[-1].lower()
    for spec in KINDS.values():
        if spec.match is not None and spec.match(rel, low):
            return spec.kind
    return None


@dataclass
class Discovery:
    root: str  # the repository root (absolute): every path below is relative to it
    files: list[SourceFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    scope: tuple = ("",)  # where findings are reported: root-relative paths ("" = the whole repository)


CONFIG_NAMES = (".iaclint.yaml", ".iaclint.yml")


def config_file_in(d: str) -> str | None:
    """The iaclint config file of directory D: ``.iaclint.yaml``/``.yml``, or a pyproject.toml with a
    ``[tool.iaclint]`` table (a broken one that mentions it counts: it is ours to report)."""
    for name in CONFIG_NAMES:
        p = os.path.join(d, name)
        if os.path.isfile(p):
            return p
    pp = os.path.join(d, "pyproject.toml")
    if not os.path.isfile(pp):
        return None
    try:
        with open(pp, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        try:
            with open(pp, encoding="utf-8", errors="replace") as fh:
                return pp if "[tool.iaclint" in fh.read() else None
        except OSError:
            return None
    return pp if isinstance(data.get("tool"), dict) and "iaclint" in data["tool"] else None


def repository_root(paths: list[str], root: str | None = None) -> str:
    """The directory the graph is built from: ROOT (``--root``) when given, else the project holding the paths:
    the nearest ancestor with ``.git`` (a directory or a worktree's file: what ``git rev-parse --show-toplevel``
    says, without git) or an iaclint config file (a project inside a repository, such as a bundled example,
    marks itself with one), else the common directory of the paths."""
    if root:
        return os.path.abspath(root)
    abspaths = [os.path.abspath(p) for p in paths] or [os.getcwd()]
    common = os.path.commonpath([p if os.path.isdir(p) else os.path.dirname(p) for p in abspaths])
    d = common
    while True:
        if os.path.lexists(os.path.join(d, ".git")) or config_file_in(d):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return common
        d = parent


def in_scope(path: str, scope) -> bool:
    """Whether the root-relative PATH is one of, or under one of, the SCOPE paths."""
    return any(not s or path == s or path.startswith(s + "/") for s in scope)


def _regular(abspath: str) -> str | None:
    """None when ABSPATH (followed if a symlink) is a regular file, else why it is not read."""
    try:
        st = os.stat(abspath)
    except OSError:
        if os.path.islink(abspath):
            return f"symlink to a missing file ({os.readlink(abspath)}); not read, its values are unknown"
        return "cannot be read"
    if stat.S_ISREG(st.st_mode):
        return None
    what = ("a FIFO" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
            else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "not a regular file")
    return f"{what}, not a regular file; not read"


def discover(paths: list[str], *, root: str | None = None, respect_gitignore: bool = False,
             excludes: list[str] | None = None) -> Discovery:
    """Find the files of the repository (``repository_root``) the ``paths`` are in; the paths become the
    discovery's scope.  Only regular files are kept: a FIFO, socket or device that iaclint would analyse
    (its name has a kind) is skipped with a warning, a dangling symlink with a note."""
    abspaths = [os.path.abspath(p) for p in paths] or [os.getcwd()]
    root = repository_root(abspaths, root)
    real_root = os.path.realpath(root)
    disc = Discovery(root=root)
    excludes = excludes or []
    seen: set[str] = set()

    def rel_of(abspath: str) -> str:
        rel = os.path.relpath(abspath, root).replace(os.sep, "/")
        return "" if rel == "." else rel

    def add(abspath: str, rel: str | None = None):
        rel = rel_of(abspath) if rel is None else rel
        if rel in seen:
            return
        if any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(rel, pat.rstrip("/") + "/*") for pat in excludes):
            return
        kind = classify(rel)
        if kind is None:
            return
        if os.path.islink(abspath):
            real = os.path.realpath(abspath)
            if not (real == real_root or real.startswith(real_root + os.sep)):
                disc.diagnostics.append(Diagnostic(rel, 1, "symlink points outside the scan root; not followed",
                                                   "warning"))
                return
        why = _regular(abspath)
        if why is not None:  # a file iaclint would analyse (it has a kind) but must not open: say so
            disc.diagnostics.append(Diagnostic(rel, 1, why, "note" if why.startswith("symlink") else "warning"))
            return
        seen.add(rel)
        disc.files.append(SourceFile(rel, abspath, kind))

    scope = []
    for p in abspaths:
        rel = rel_of(p)
        if rel == ".." or rel.startswith("../"):
            disc.diagnostics.append(Diagnostic(rel, 1, f"path is outside the repository root {root}; not scanned",
                                               "error"))
            continue
        scope.append(rel)
        if not os.path.exists(p):
            disc.diagnostics.append(Diagnostic(rel, 1, "path does not exist", "error"))
        elif not os.path.isdir(p):
            add(p)  # a named file is read even where the walk skips (.terraform/…)
    disc.scope = tuple(sorted(set(scope))) if "" not in scope else ("",)
    _walk(root, real_root, disc, add)
    if respect_gitignore and disc.files:
        ignored = _git_ignored(root, [f.path for f in disc.files])
        disc.files = [f for f in disc.files if f.path not in ignored]
    disc.files.sort(key=lambda f: f.path)
    return disc


def _walk(root: str, real_root: str, disc: Discovery, add) -> None:
    """Every file under ROOT through ADD: SKIP_DIRS pruned, symlinked directories followed inside the root only,
    loops cut, and the module copies ``terraform init`` installed."""
    visited_real: set[str] = set()
    known: dict = {}  # dirpath -> (its real path, its path relative to ROOT): a plain subdirectory's, from its parent's
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        real, rel_dir = known.pop(dirpath, None) or (os.path.realpath(dirpath), None)
        if real in visited_real:
            dirnames[:] = []
            continue
        visited_real.add(real)
        if not (real == real_root or real.startswith(real_root + os.sep)):
            rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
            disc.diagnostics.append(Diagnostic(rel, 1, "symlinked directory points outside the scan root; "
                                               "not followed", "warning"))
            dirnames[:] = []
            continue
        if rel_dir is None:
            rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
            rel_dir = "" if rel_dir == "." else rel_dir
        keep = []
        for d in sorted(dirnames):
            if d in SKIP_DIRS:
                continue
            full = os.path.join(dirpath, d)
            if os.path.islink(full):
                if os.path.realpath(full) in visited_real:
                    rel = os.path.relpath(full, root).replace(os.sep, "/")
                    disc.diagnostics.append(Diagnostic(rel, 1, "symlink loop; not followed", "warning"))
                    continue
            else:  # not a link: its real path and relative path follow from this directory's
                known[full] = (os.path.join(real, d), f"{rel_dir}/{d}" if rel_dir else d)
            keep.append(d)
        dirnames[:] = keep
        for f in sorted(filenames):
            add(os.path.join(dirpath, f), f"{rel_dir}/{f}" if rel_dir else f)
        if os.path.isfile(os.path.join(dirpath, ".terraform", "modules", "modules.json")):
            for full in installed_module_files(dirpath, real_root):
                add(full)


def installed_module_files(dirpath: str, real_root: str) -> list[str]:
    """The .tf / .tf.json files of the modules `terraform init` installed for the root module in DIRPATH, as
    .terraform/modules/modules.json names them ({"Modules": [{"Key", "Source", "Dir"}]}), plus the manifest.
    Only directories under DIRPATH/.terraform/modules are read; the rest of .terraform (providers, state) is not."""
    import json

    base = os.path.join(dirpath, ".terraform", "modules")
    manifest = os.path.join(base, "modules.json")
    try:
        if os.path.getsize(manifest) > MAX_FILE_BYTES:
            return []
        with open(manifest, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return []
    real_base = os.path.realpath(base)
    if not (real_base == real_root or real_base.startswith(real_root + os.sep)):
        return []
    out = [manifest]
    mods = data.get("Modules") if isinstance(data, dict) else None
    for m in mods if isinstance(mods, list) else []:
        d = m.get("Dir") if isinstance(m, dict) else None
        if not isinstance(d, str) or not d or os.path.isabs(d):
            continue
        full = os.path.realpath(os.path.join(dirpath, d))
        if not full.startswith(real_base + os.sep) or not os.path.isdir(full):
            continue
        try:
            names = sorted(os.listdir(full))
        except OSError:
            continue
        for n in names:
            if n.endswith((".tf", ".tf.json")) and os.path.isfile(os.path.join(full, n)):
                out.append(os.path.join(dirpath, os.path.relpath(os.path.join(full, n), os.path.realpath(dirpath))))
    return out


def _git_ignored(root: str, rels: list[str]) -> set[str]:
    try:
        r = subprocess.run(["git", "-C", root, "check-ignore", "--stdin", "-z"], input="\0".join(rels).encode(),
                           capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return set()
    if r.returncode not in (0, 1):
        return set()
    return {p for p in r.stdout.decode("utf-8", "replace").split("\0") if p}
