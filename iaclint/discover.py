"""Stage 1: walk the given paths and decide each file's kind.

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
    root: str
    files: list[SourceFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def discover(paths: list[str], *, respect_gitignore: bool = False, excludes: list[str] | None = None) -> Discovery:
    """Find the files to scan. The scan root is the common directory of ``paths``."""
    abspaths = [os.path.abspath(p) for p in paths] or [os.getcwd()]
    root = os.path.commonpath([p if os.path.isdir(p) else os.path.dirname(p) for p in abspaths])
    real_root = os.path.realpath(root)
    disc = Discovery(root=root)
    excludes = excludes or []
    seen: set[str] = set()

    def add(abspath: str):
        rel = os.path.relpath(abspath, root).replace(os.sep, "/")
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
        seen.add(rel)
        disc.files.append(SourceFile(rel, abspath, kind))

    for p in abspaths:
        if not os.path.exists(p):
            disc.diagnostics.append(Diagnostic(os.path.relpath(p, root).replace(os.sep, "/"), 1,
                                               "path does not exist", "error"))
            continue
        if os.path.isfile(p):
            add(p)
            continue
        visited_real: set[str] = set()
        for dirpath, dirnames, filenames in os.walk(p, followlinks=True):
            real = os.path.realpath(dirpath)
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
            keep = []
            for d in sorted(dirnames):
                if d in SKIP_DIRS:
                    continue
                full = os.path.join(dirpath, d)
                if os.path.islink(full) and os.path.realpath(full) in visited_real:
                    rel = os.path.relpath(full, root).replace(os.sep, "/")
                    disc.diagnostics.append(Diagnostic(rel, 1, "symlink loop; not followed", "warning"))
                    continue
                keep.append(d)
            dirnames[:] = keep
            for f in sorted(filenames):
                add(os.path.join(dirpath, f))
            if os.path.isfile(os.path.join(dirpath, ".terraform", "modules", "modules.json")):
                for full in installed_module_files(dirpath, real_root):
                    add(full)

    if respect_gitignore and disc.files:
        ignored = _git_ignored(root, [f.path for f in disc.files])
        disc.files = [f for f in disc.files if f.path not in ignored]
    disc.files.sort(key=lambda f: f.path)
    return disc


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
