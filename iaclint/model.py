"""Plain data shared by every stage of the pipeline.

discover -> parse -> graph -> rules -> report.  Everything here is plain,
picklable data: parsers produce it, later stages only read it, and nothing
downstream re-reads a scanned file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .kinds import FileKind


class Span(NamedTuple):
    """A source range. Lines and columns are 1-based (SARIF's convention)."""

    path: str  # posix path relative to the scan root
    line: int
    col: int = 1
    end_line: int = 0
    end_col: int = 0

    def __str__(self) -> str:  # pragma: no cover - convenience
        return f"{self.path}:{self.line}"

    def __reduce__(self):  # pickled as its fields (a worker's graph part holds ~100k spans): 15% faster to dump
        return Span, tuple(self)


@dataclass
class Diagnostic:
    """A problem with the input itself (a file that cannot be parsed...)."""

    path: str
    line: int
    message: str
    level: str = "error"  # error | warning | note
    col: int = 1

    def sort_key(self):
        return (self.path, self.line, self.col, self.message)


@dataclass
class SourceFile:
    """One discovered file: its kind (from its path, ``kinds.KINDS``) decides the parser."""

    path: str  # relative posix path
    abspath: str
    kind: FileKind


class SourceText:
    """A file's source lines kept as its one text (a list of line strings costs ~3× the text: ~50 bytes per line
    object), read like the list ``text.splitlines()``.  Iterating or slicing splits afresh and keeps nothing (the
    line scans of the graph stage read each file once); ``len`` and indexing keep the split list (suppressions,
    PEM blocks: a few files)."""

    __slots__ = ("text", "_lines")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, text: str):
        self.text = text
        self._lines: list[str] | None = None

    def _list(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def __iter__(self):
        return iter(self._lines if self._lines is not None else self.text.splitlines())

    def __len__(self) -> int:
        return len(self._list())

    def __bool__(self) -> bool:
        return bool(self.text)

    def __getitem__(self, i):
        if isinstance(i, slice) and self._lines is None:
            return self.text.splitlines()[i]
        return self._list()[i]

    def __eq__(self, other) -> bool:
        if isinstance(other, SourceText):
            return self.text == other.text
        return isinstance(other, list) and list(self) == other

    def __getstate__(self):
        return self.text

    def __setstate__(self, text):
        self.text, self._lines = text, None

    def __repr__(self) -> str:
        return f"SourceText({len(self.text)} chars)"


@dataclass(slots=True)
class ParsedFile:
    path: str
    kind: FileKind  # as parsed (KindSpec.parsed_as, JSON content…); a file that could not be read keeps its own
    data: Any  # parser-specific plain data
    # source lines (graph-stage line scans, suppressions): a SourceText, or a list; released after the rules
    lines: SourceText | list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    internal_error: str | None = None  # a bug of iaclint's met while parsing it (exit code 3), never the input's


def placeholder(path: str, kind: FileKind) -> ParsedFile:
    """The stand-in for a file not parsed yet, or released once its part of the graph is built: its kind, no
    syntax, no lines (one shared empty tuple: 52k of them on a large tree)."""
    return ParsedFile(path, kind, None, (), ())


@dataclass(slots=True)
class EnvTag:
    """An environment a node belongs to, and why we think so."""

    name: str
    reason: str


@dataclass(slots=True)
class Node:
    id: str
    # tf_resource | tf_resource_unused (count/for_each empty) | tf_data | tf_provider | plan_resource | plan_data
    # | railway_config
    # | railway_service | railway_volume | railway_environment | env_var | credential
    kind: str
    type: str  # e.g. aws_db_instance, railway_volume, DATABASE_URL
    name: str
    span: Span
    envs: list[EnvTag] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    # where each attribute's value came from (attribute path -> list of spans, fix site first)
    origins: dict[str, list[Span]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __reduce__(self):
        """Pickled as its fields in order (a worker sends ~15k nodes a graph part): a third faster to dump and
        load than a slotted dataclass's state dict.  tests/test_model.py checks every field is here."""
        return Node, (self.id, self.kind, self.type, self.name, self.span, self.envs, self.attrs, self.origins,
                      self.meta)

    @property
    def env_names(self) -> list[str]:
        envs = self.envs
        if len(envs) <= 1:  # most nodes (rules ask this of every node they look at)
            return [envs[0].name] if envs else []
        out: list[str] = []
        for e in envs:
            if e.name not in out:
                out.append(e.name)
        return sorted(out)


@dataclass(slots=True)
class Edge:
    src: str
    dst: str
    kind: str  # references | attaches | mounts | consumes | reads
    span: Span | None = None

    def __reduce__(self):  # as Node's
        return Edge, (self.src, self.dst, self.kind, self.span)


@dataclass
class Location:
    span: Span
    message: str = ""


@dataclass
class Finding:
    """What a rule found, as data. ``text`` is the rule's own sentence; the environments it holds in, the file a
    value came from and the roots whose module calls reach it are fields, joined into ``message`` by
    report.message.render_findings when the report is built (nothing parses a finished message)."""

    rule_id: str
    text: str
    span: Span
    severity: str = "medium"  # critical | high | medium | low | info
    family: str = ""
    envs: list[str] = field(default_factory=list)
    related: list[Location] = field(default_factory=list)
    # a stable identity independent of line numbers (used for fingerprints)
    key: str = ""
    legacy_key: str = ""  # the key an earlier iaclint gave this finding (baselines written then still match)
    suppression: dict | None = None  # {"kind": "inSource"|"external", "justification": str}
    properties: dict[str, Any] = field(default_factory=dict)
    names_envs: bool = False  # the message ends with the environments it holds in ("— holds in …")
    value_site: Span | None = None  # where the value was set, when outside the finding's file ("(set in …)")
    module_roots: list[str] = field(default_factory=list)  # roots whose module calls reach the finding
    message: str = ""  # the rendered message every output shows

    def sort_key(self):
        return (self.span.path, self.span.line, self.span.col, self.rule_id, self.message)


def dedupe_diagnostics(diags: list[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic per (file, line, message): the same module evaluated for several roots or
    environments reports its problems once."""
    seen = set()
    out = []
    for d in diags:
        k = (d.path, d.line, d.message)
        if k not in seen:
            seen.add(k)
            out.append(d)
    return out


SEVERITY_ORDER = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
FAMILIES = ("deletion-protection", "backup-failure-domain", "credential-scope", "environment-separation")
