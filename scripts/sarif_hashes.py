#!/usr/bin/env python3
"""SHA-256 of iaclint's SARIF on fixed inputs: a refactoring that must not change behaviour leaves these hashes
as they were. Run it before and after the change and compare (issue 11 recorded them in its commits).

    python3 scripts/sarif_hashes.py [--corpus DIR ...]

Inputs: examples/pocketos and the two generated corpora checked in under tests/corpus/ (unpacked to a fixed
temporary path, since SARIF records the scan root's URI), plus any --corpus directory (e.g. a
`gen_corpus.py --modules 500` tree). Each is scanned with --no-config as a repository of its own (--root).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXED = os.path.join(tempfile.gettempdir(), "iaclint-sarif-hashes")  # the same path every run: SARIF names it


def sarif_sha256(path: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".sarif", delete=False) as out:
        target = out.name
    try:
        subprocess.run([sys.executable, "-m", "iaclint", "check", path, "--root", path, "--no-config", "--format",
                        "sarif", "--output", target], cwd=REPO, capture_output=True, check=False)
        with open(target, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    finally:
        os.unlink(target)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", action="append", default=[], help="another directory to hash (repeatable)")
    args = ap.parse_args()
    shutil.rmtree(FIXED, ignore_errors=True)
    targets = {"examples/pocketos": os.path.join(REPO, "examples", "pocketos")}
    for name in ("c20", "c20v"):
        dest = os.path.join(FIXED, name)
        with tarfile.open(os.path.join(REPO, "tests", "corpus", f"{name}.tar.gz")) as tar:
            tar.extractall(dest, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        targets[f"tests/corpus/{name}"] = dest
    targets.update({c: os.path.abspath(c) for c in args.corpus})
    for name, path in targets.items():
        print(f"{sarif_sha256(path)}  {name}")
    shutil.rmtree(FIXED, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
