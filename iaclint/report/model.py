"""The report every renderer reads, and what they share: masking, fingerprints (``fingerprints``), reported paths.

Every renderer receives the report through ``masked``: messages, related-location messages, properties,
environments, diagnostics (as source text: they quote the input) and internal errors pass ``mask.mask`` once,
here, with the credentials the scan found (``Report.secrets``: fingerprints, never values).  The text format also masks the source lines it
shows.  Paths and rule metadata (iaclint's own text) are not masked."""
from __future__ import annotations

import copy
import dataclasses
import hashlib
from dataclasses import dataclass, field

from ..mask import Masker
from ..model import Diagnostic, Finding, Location
from .source import SourceLines


@dataclass
class Report:
    root: str
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    rules: list  # engine.loader.Rule
    files_scanned: int = 0
    lines: dict | SourceLines = field(default_factory=dict)  # path -> source lines (text output, editor ranges)
    tool_errors: list = field(default_factory=list)  # internal errors (a rule that raised): exit code 3
    secrets: dict = field(default_factory=dict)  # fingerprint -> redacted form of every credential found
    is_masked: bool = False


def masked(report: Report) -> Report:
    """A copy of REPORT whose every input-derived string passed ``mask`` (fingerprints and keys unchanged), each
    distinct string once (``mask.Masker``)."""
    if report.is_masked:
        return report
    one = Masker(report.secrets)

    def finding(f: Finding) -> Finding:
        g = copy.copy(f)
        g.message, g.envs = one(f.message), [one(e) for e in f.envs]
        g.related = [Location(loc.span, one(loc.message)) for loc in f.related]
        g.suppression, g.properties = one.tree(f.suppression), one.tree(f.properties)
        return g

    return dataclasses.replace(
        report, findings=[finding(f) for f in report.findings],
        diagnostics=[dataclasses.replace(d, message=one(d.message, source=True)) for d in report.diagnostics],
        tool_errors=[one(str(e)) for e in report.tool_errors], is_masked=True)


def fingerprints(findings: list[Finding], *, legacy: bool = False) -> list[str]:
    """Each finding's fingerprint (``partialFingerprints``, JSON ``fingerprint``, baselines), in order.

    A finding's identity is its rule, its file and its key (what it is about: a resource address and attribute, a
    credential's kind and name …), never its line, so a fingerprint survives edits elsewhere in the file. Findings
    that share an identity (three AWS secret keys under the same name in one file) are told apart by their order
    in the file: the first keeps the plain identity hash, the n-th hashes it with n, like GitHub's own
    ``primaryLocationLineHash`` occurrence counter. Stable across runs and unrelated line shifts; only adding or
    removing a finding of the same identity above one renumbers those below it. (The line's text is not hashed:
    it may hold the secret the finding is about.) LEGACY: the fingerprints an earlier iaclint gave them
    (``Finding.legacy_key``), which baselines written then hold."""
    base = [hashlib.sha256(f"{f.rule_id}\x00{f.span.path}\x00{(legacy and f.legacy_key) or f.key}".encode())
            .hexdigest()[:32] for f in findings]
    out = list(base)
    seen: dict[str, int] = {}
    for i in sorted(range(len(findings)), key=lambda i: (base[i], findings[i].span.line, findings[i].span.col,
                                                          findings[i].message)):
        n = seen[base[i]] = seen.get(base[i], -1) + 1
        if n:
            out[i] = hashlib.sha256(f"{base[i]}\x00{n}".encode()).hexdigest()[:32]
    return out


def source_prefix(root: str, source_root: str | None) -> tuple[str, str, str | None]:
    """(base directory reported paths are relative to, posix prefix of the scan root under it, warning or None).

    Finding paths are relative to the scan root; with ``source_root`` (``check --source-root DIR``, the
    repository root) they become relative to DIR by prefixing the scan root's place in it.  A DIR that does
    not contain the scan root leaves paths relative to the scan root, with a warning."""
    import os

    if not source_root:
        return root, "", None
    base, scan = os.path.realpath(source_root), os.path.realpath(root)
    rel = os.path.relpath(scan, base)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        return root, "", (f"--source-root {source_root} does not contain the scan root; "
                          "paths are relative to the scan root")
    return base, ("" if rel == os.curdir else rel.replace(os.sep, "/")), None


def cwd_source_root(root: str) -> str | None:
    """The current directory when it contains the scan root (where GitHub, run from the repository root,
    resolves annotation paths), else None (paths stay relative to the scan root)."""
    import os

    cwd = os.getcwd()
    _, _, warning = source_prefix(root, cwd)
    return None if warning else cwd


def root_uri(root: str) -> str:
    """file URI of a directory, with the trailing slash SARIF requires of a base."""
    from pathlib import Path

    uri = Path(root).resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def join_path(prefix: str, path: str) -> str:
    """``path`` (relative to the scan root) under the scan root's ``prefix``."""
    if not prefix:
        return path
    return prefix if path in ("", ".") else f"{prefix}/{path}"
