"""Stage 2: turn each discovered file into plain data with spans.

``parse_file`` never raises on user input: unreadable, binary, oversized,
non-UTF-8 or invalid files come back with a Diagnostic naming file and line,
and the scan goes on with the other files.
"""
from __future__ import annotations

import json
import os

from ..discover import MAX_FILE_BYTES, PLAN_MAX_BYTES
from ..model import Diagnostic, ParsedFile, SourceFile


def _read(sf: SourceFile, limit: int) -> tuple[bytes | None, Diagnostic | None]:
    try:
        size = os.path.getsize(sf.abspath)
        if size > limit:
            return None, Diagnostic(sf.path, 1, f"file is {size // (1024 * 1024)} MiB, over the "
                                    f"{limit // (1024 * 1024)} MiB limit; skipped", "warning")
        with open(sf.abspath, "rb") as fh:
            return fh.read(), None
    except OSError as e:
        return None, Diagnostic(sf.path, 1, f"cannot read file: {e.strerror or e}", "error")


def _decode(sf: SourceFile, raw: bytes) -> tuple[str | None, Diagnostic | None]:
    if b"\x00" in raw[:8192]:
        return None, Diagnostic(sf.path, 1, "binary file (contains NUL bytes); skipped", "error")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return None, Diagnostic(sf.path, line, "file is not valid UTF-8; skipped", "error")


def _is_plan_json_name(path: str) -> bool:
    low = path.lower()
    return low.endswith(".json") and ("plan" in os.path.basename(low) or "tfplan" in low)


def parse_file(sf: SourceFile) -> ParsedFile:
    if sf.kind == "keystore":  # binary key store (.p12, .pfx, .jks): reported by name, its bytes never read
        return ParsedFile(sf.path, "keystore", {}, [], [])
    limit = PLAN_MAX_BYTES if sf.kind == "json" and _is_plan_json_name(sf.path) else MAX_FILE_BYTES
    raw, diag = _read(sf, limit)
    if raw is None:
        return ParsedFile(sf.path, sf.kind, None, [], [diag])
    text, diag = _decode(sf, raw)
    if text is None:
        if sf.kind == "keyfile":  # a DER / binary key: reported by name like a key store
            return ParsedFile(sf.path, "keystore", {}, [], [])
        return ParsedFile(sf.path, sf.kind, None, [], [diag])
    try:
        return _parse_text(sf, raw, text)
    except RecursionError:
        return ParsedFile(sf.path, sf.kind, None, [], [Diagnostic(sf.path, 1, "nested too deeply to analyse; "
                                                                  "skipped", "error")])


def _parse_text(sf: SourceFile, raw: bytes, text: str) -> ParsedFile:
    kind = sf.kind
    lines = text.splitlines()
    if kind in ("terraform", "tfvars"):
        from .hcl import parse_hcl

        src = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
        body, diags = parse_hcl(src, sf.path)
        return ParsedFile(sf.path, kind, body, lines, diags)
    if kind in ("terraform_json", "tfvars_json"):
        from .tfjson import parse_tf_json

        body, diags = parse_tf_json(text, sf.path, vars_only=(kind == "tfvars_json"))
        return ParsedFile(sf.path, "terraform" if kind == "terraform_json" else "tfvars", body, lines, diags)
    if kind in ("dotenv", "dotenv_example"):
        from .dotenv import parse_dotenv

        entries, diags = parse_dotenv(text, sf.path)
        return ParsedFile(sf.path, kind, entries, lines, diags)
    if kind == "railway_toml":
        from .tomlpos import TOMLPosError, loads_with_lines

        try:
            value, pos = loads_with_lines(text)
        except TOMLPosError as e:
            return ParsedFile(sf.path, kind, None, lines, [Diagnostic(sf.path, e.line, str(e), "error")])
        return ParsedFile(sf.path, kind, {"value": value, "lines": pos}, lines, [])
    if kind in ("railway_json", "json"):
        from .jsonpos import JSONPosError, line_map, loads_with_lines

        if kind == "json" and len(raw) > 8 * 1024 * 1024:
            return _parse_big_json(sf, text, lines)
        try:
            value, pos = loads_with_lines(text, positions=False)
        except JSONPosError as e:
            if kind == "json" and not _looks_like_ours(sf.path):
                # arbitrary JSON-ish files (comments, templates) are still scanned for secrets as text
                return ParsedFile(sf.path, "text", None, lines, [])
            return ParsedFile(sf.path, kind, None, lines, [Diagnostic(sf.path, e.line, str(e), "error")])
        if kind == "json":
            kind = _json_kind(value)
        # plain JSON config (package-lock.json…) gets its line map only if a finding needs one (graph stage)
        pos = line_map(text) if kind != "json" else None
        return ParsedFile(sf.path, kind, {"value": value, "lines": pos}, lines, [])
    if kind == "railway_ts":
        from ..railway import parse_railway_ts

        prog, diags = parse_railway_ts(raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw, sf.path)
        return ParsedFile(sf.path, kind, prog, lines, diags)
    if kind == "railway_py":
        from ..railway import parse_railway_py

        prog, diags = parse_railway_py(text, sf.path)
        return ParsedFile(sf.path, kind, prog, lines, diags)
    # plain text: shell scripts, yaml, ini... scanned for credentials line by line
    return ParsedFile(sf.path, "text", None, lines, [])


def _looks_like_ours(path: str) -> bool:
    low = path.lower()
    return "railway" in low or _is_plan_json_name(path)


def _parse_big_json(sf: SourceFile, text: str, lines: list[str]) -> ParsedFile:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        line = getattr(e, "lineno", 1)
        return ParsedFile(sf.path, "json", None, [], [Diagnostic(sf.path, line, f"invalid JSON: {e}", "error")])
    kind = _json_kind(value)
    return ParsedFile(sf.path, kind, {"value": value, "lines": {}}, [] if kind == "plan_json" else lines, [])


def _json_kind(value) -> str:
    if not isinstance(value, dict):
        return "json"
    if "format_version" in value and ("planned_values" in value or "resource_changes" in value):
        return "plan_json"
    if _is_env_config_export(value):
        return "railway_env_config"
    if "$schema" in value and "railway" in str(value.get("$schema", "")):
        return "railway_json"
    return "json"


def _is_env_config_export(v: dict) -> bool:
    """`railway environment config --json`: services keyed by id with variables / volumeMounts, volumes, ..."""
    if not any(k in v for k in ("services", "sharedVariables", "volumes")):
        return False
    if any(k in v for k in ("build", "deploy", "$schema", "format_version")):
        return False
    services = v.get("services")
    if isinstance(services, dict) and services:
        for s in services.values():
            if isinstance(s, dict) and any(k in s for k in ("variables", "volumeMounts", "source", "deploy",
                                                            "networking", "configFile")):
                return True
    return isinstance(v.get("sharedVariables"), dict) or isinstance(v.get("volumes"), dict) and bool(v["volumes"])
