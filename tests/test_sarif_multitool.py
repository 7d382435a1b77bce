"""Gate: Microsoft's SARIF multitool with GitHub's ingestion rules (``validate --rule-kind "Sarif;Ghas"``,
configured by tests/vendor/sarif-multitool-github-rules.xml) reports no error and no warning on iaclint's
SARIF.  The multitool exits 0 even when it finds errors, so the test reads its report (a SARIF log).

The tool is the npm package @microsoft/sarif-multitool (a self-contained .NET binary per platform).  It is
installed on first use with ``npm install`` into tests/.cache/sarif-multitool (gitignored), or taken from
``$IACLINT_SARIF_MULTITOOL``.  Without npm or network the test is skipped locally and fails under CI.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import stat
import subprocess
import sys
from urllib.parse import unquote

import pytest

from conftest import FIXTURES, REPO, VENDOR, cli_in_process

MULTITOOL_VERSION = "5.7.0"
CACHE = os.environ.get("IACLINT_TEST_CACHE") or os.path.join(REPO, "tests", ".cache")
CONFIG = os.path.join(VENDOR, "sarif-multitool-github-rules.xml")
PLATFORMS = {"linux": "linux", "darwin": "darwin", "win32": "win32"}


def _unavailable(why: str):
    if os.environ.get("CI"):
        pytest.fail(f"SARIF multitool unavailable in CI: {why}")
    pytest.skip(f"SARIF multitool unavailable: {why}")


@pytest.fixture(scope="module")
def multitool() -> str:
    if os.environ.get("IACLINT_SARIF_MULTITOOL"):
        return os.environ["IACLINT_SARIF_MULTITOOL"]
    plat = PLATFORMS.get(sys.platform)
    if plat is None:
        _unavailable(f"no build for {sys.platform}")
    prefix = os.path.join(CACHE, "sarif-multitool")
    binary = os.path.join(prefix, "node_modules", "@microsoft", f"sarif-multitool-{plat}",
                          "Sarif.Multitool.exe" if plat == "win32" else "Sarif.Multitool")
    if not os.path.isfile(binary):
        npm = shutil.which("npm")
        if not npm:
            _unavailable("npm not found")
        os.makedirs(prefix, exist_ok=True)
        with open(prefix + ".lock", "w") as lock:  # test workers (pytest-xdist) install it once, one at a time
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not os.path.isfile(binary):
                r = subprocess.run([npm, "install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error",
                                    f"@microsoft/sarif-multitool@{MULTITOOL_VERSION}"],
                                   capture_output=True, text=True, timeout=600)
                if r.returncode != 0 or not os.path.isfile(binary):
                    _unavailable(f"npm install failed: {r.stderr.strip()[-500:]}")
    # the package's postinstall (chmod u+x) may be blocked by npm's script policy
    mode = os.stat(binary).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(binary, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return binary


# SARIF2006 (URIs should be reachable) is a note-level probe that GETs every URI in the log over the network;
# it is not one of GitHub's ingestion rules and took ~15 s per run, so it is switched off in a copy of the config.
OFFLINE_RULES = ("SARIF2006.UrisShouldBeReachable",)


def _config(out_dir: str) -> str:
    assert os.path.isfile(CONFIG), CONFIG
    with open(CONFIG, encoding="utf-8") as fh:
        xml = fh.read()
    extra = "".join(f'  <Properties Key="{rule}.Options">\n'
                    '    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />\n'
                    "  </Properties>\n" for rule in OFFLINE_RULES)
    end = xml.rindex("</Properties>")
    path = os.path.join(out_dir, "multitool-config.xml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(xml[:end] + extra + xml[end:])
    return path


def _explicitly_disabled(n: dict) -> bool:
    ident = (n.get("descriptor") or {}).get("id", "")
    text = (n.get("message") or {}).get("text", "")
    return ident.startswith("WRN999") and any(f"'{r.split('.')[0]}'" in text for r in OFFLINE_RULES)


def validate(multitool: str, sarif_files: list[str], out: str) -> list[dict]:
    """Run the multitool; return its error and warning results (each with file and message)."""
    config = _config(os.path.dirname(out))
    env = dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1", DOTNET_CLI_TELEMETRY_OPTOUT="1",
               DOTNET_NOLOGO="1")
    r = subprocess.run([multitool, "validate", *sarif_files, "--rule-kind", "Sarif;Ghas", "--config", config,
                        "--level", "Error;Warning", "--output", out],
                       capture_output=True, text=True, timeout=300, env=env)
    assert os.path.isfile(out), f"multitool wrote no report (exit {r.returncode}):\n{r.stdout}\n{r.stderr}"
    with open(out, encoding="utf-8") as fh:
        report = json.load(fh)
    problems = []
    for run in report["runs"]:
        for inv in run.get("invocations") or []:
            for n in (inv.get("toolExecutionNotifications") or []) + (inv.get("toolConfigurationNotifications")
                                                                         or []):
                if n.get("level", "warning") in ("error", "warning") and not _explicitly_disabled(n):
                    problems.append({"rule": "notification", "message": n.get("message", {}).get("text", ""),
                                     "file": ""})
        for res in run.get("results") or []:
            if res.get("level", "warning") not in ("error", "warning"):
                continue
            loc = (res.get("locations") or [{}])[0].get("physicalLocation", {})
            msg = res.get("message", {})
            problems.append({"rule": res.get("ruleId"), "file": loc.get("artifactLocation", {}).get("uri", ""),
                             "message": msg.get("text") or " ".join(msg.get("arguments") or [])})
    # the console lists the same; keep it for the assertion message
    for p in problems:
        p["console"] = r.stdout[-4000:]
    return problems


def _write(out_dir, name: str, *args: str) -> str:
    out = str(out_dir / name)
    r = cli_in_process("check", *args, "--format", "sarif", "--output", out)
    assert r.returncode in (0, 1), r.stderr
    return out


def _rejectable(out_dir, src: str) -> str:
    """A copy of SARIF file SRC that GitHub would reject: a result without message.text and start line."""
    with open(src, encoding="utf-8") as fh:
        doc = json.load(fh)
    res = doc["runs"][0]["results"][0]
    res["message"] = {"id": "default"}  # GitHub needs message.text
    del res["locations"][0]["physicalLocation"]["region"]["startLine"]  # and a start line
    bad = out_dir / "bad.sarif"
    bad.write_text(json.dumps(doc, indent=2))
    return str(bad)


@pytest.fixture(scope="module")
def gate(multitool, tmp_path_factory) -> tuple[list[dict], list[dict]]:
    """(problems in iaclint's SARIF, problems in the control): one validator run for both, since each start of
    the .NET multitool costs seconds."""
    out_dir = tmp_path_factory.mktemp("gate")
    files = [
        _write(out_dir, "pocketos.sarif", os.path.join(REPO, "examples", "pocketos"), "--source-root", REPO),
        _write(out_dir, "pocketos-scanroot.sarif", os.path.join(REPO, "examples", "pocketos")),
        _write(out_dir, "many.sarif", os.path.join(FIXTURES, "action", "many"), "--source-root", REPO),
    ]
    for extra in ("suppress", "bad_input"):  # inline suppressions; unparsable files (notifications)
        if os.path.isdir(os.path.join(FIXTURES, extra)):
            files.append(_write(out_dir, f"{extra}.sarif", os.path.join(FIXTURES, extra), "--source-root", REPO))
    bad = _rejectable(out_dir, files[0])
    problems = validate(multitool, files + [bad], str(out_dir / "validation.sarif"))
    in_bad = [p for p in problems if os.path.basename(unquote(p["file"])) == "bad.sarif"]
    return [p for p in problems if p not in in_bad], in_bad


@pytest.mark.slow
def test_iaclint_sarif_passes_github_ingestion_rules(gate):
    problems, _ = gate
    assert not problems, "\n".join(f"{p['file']}: {p['rule']}: {p['message']}" for p in problems) + \
        "\n" + (problems[0]["console"] if problems else "")


@pytest.mark.slow
def test_the_gate_can_fail(gate):
    """Control: the same gate rejects SARIF that GitHub would reject (so a pass above means something)."""
    _, problems = gate
    assert {"GH1003", "GH1015"} <= {p["rule"] for p in problems}, problems
