"""Shared test helpers: scan a fixture directory and look up findings by rule, file and line; run the CLI."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tarfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
REPO = os.path.dirname(HERE)
VENDOR = os.path.join(HERE, "vendor")  # third-party schemas and tool configuration (tests/vendor/README.md)
CORPUS = os.path.join(HERE, "corpus")  # generated repositories with ground truth (tests/corpus/README.md)


def fixture_path(*parts: str) -> str:
    return os.path.join(FIXTURES, *parts)


def scan_dir(path: str, **opts):
    """Scan PATH as a repository of its own (``root``: fixtures live inside this git work tree)."""
    from iaclint.scan import ScanOptions, scan

    opts.setdefault("root", path if os.path.isdir(path) else os.path.dirname(path))
    return scan([path], ScanOptions(**opts))


def hits(report, rule_id: str | None = None, *, include_suppressed: bool = False):
    """[(rule_id, file, line)] of the report's findings, sorted."""
    return sorted((f.rule_id, f.span.path, f.span.line) for f in report.findings
                  if (rule_id is None or f.rule_id == rule_id) and (include_suppressed or not f.suppression))


_TERMINAL_ENV = ("NO_COLOR", "COLUMNS", "LINES")


def run_cli(*args: str, cwd: str | None = None, env: dict | None = None, input: str | None = None):
    e = dict(os.environ)
    for var in _TERMINAL_ENV:  # output must not depend on the terminal the tests run in (or a test worker's)
        e.pop(var, None)
    if env:
        e.update(env)
    return subprocess.run([sys.executable, "-m", "iaclint", *args], cwd=cwd or REPO, capture_output=True, text=True,
                          env=e, input=input, timeout=300)


def cli_in_process(*args: str, cwd: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """``iaclint ARGS`` run in this process (click's CliRunner): the same options, configuration, output and
    exit code as run_cli, without an interpreter start-up and imports (~0.4 s a call). For tests of what the
    CLI prints or writes; tests of the process itself (a tty, stdin, signals, entry points) use run_cli."""
    from click.testing import CliRunner

    from iaclint.cli import cli

    try:
        runner = CliRunner(mix_stderr=False)  # click 8.1
    except TypeError:
        runner = CliRunner()  # click >= 8.2: stdout and stderr are always apart
    with contextlib.chdir(cwd or REPO):
        r = runner.invoke(cli, list(args), env={**dict.fromkeys(_TERMINAL_ENV), **(env or {})}, catch_exceptions=False)
    return subprocess.CompletedProcess(list(args), r.exit_code, r.stdout, r.stderr)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """corpus(name) -> the directory of tests/corpus/<name>.tar.gz, unpacked once per session."""
    unpacked: dict[str, str] = {}

    def get(name: str) -> str:
        if name not in unpacked:
            out = tmp_path_factory.mktemp(name)
            with tarfile.open(os.path.join(CORPUS, f"{name}.tar.gz")) as tar:
                # our own archive; the "data" filter (Python >= 3.11.4) only silences the warning of 3.12/3.13
                tar.extractall(out, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
            unpacked[name] = str(out)
        return unpacked[name]

    return get


# Tests of hostile input check that a budget stops the work (the result says so: OverBudget, a diagnostic). Their
# clock bound is a hang guard, not a speed measurement (bench/ measures speed): only work the budget failed to
# stop exceeds it, even on a saturated CI machine.
HANG_GUARD_S = 30
