"""Shared test helpers: scan a fixture directory and look up findings by rule, file and line."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
REPO = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(REPO), "shared")


def fixture_path(*parts: str) -> str:
    return os.path.join(FIXTURES, *parts)


def scan_dir(path: str, **opts):
    from iaclint.scan import ScanOptions, scan

    return scan([path], ScanOptions(**opts))


def hits(report, rule_id: str | None = None, *, include_suppressed: bool = False):
    """[(rule_id, file, line)] of the report's findings, sorted."""
    return sorted((f.rule_id, f.span.path, f.span.line) for f in report.findings
                  if (rule_id is None or f.rule_id == rule_id) and (include_suppressed or not f.suppression))


def run_cli(*args: str, cwd: str | None = None, env: dict | None = None, input: str | None = None):
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    if env:
        e.update(env)
    return subprocess.run([sys.executable, "-m", "iaclint", *args], cwd=cwd or REPO, capture_output=True, text=True,
                          env=e, input=input, timeout=300)


@pytest.fixture
def scan():
    return scan_dir
