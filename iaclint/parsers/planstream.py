"""Large Terraform plan JSON, streamed: the parts the graph uses, never the whole document in memory.

``terraform show -json`` of a big estate is hundreds of megabytes, most of it ``prior_state``,
``configuration`` and each change's ``before``/``after`` copies. ``json.loads`` of such a file holds the text
and a Python object tree several times its size. Here the file is read by ijson (its C parser), a few times,
each pass keeping one subtree at a time: the ``environment`` variable, every planned resource (address, type,
mode, values) at every module depth, and every resource change (address, actions, reason, replaced paths, and
``before`` for a resource the plan deletes). A resource's values are kept as compact JSON bytes and decoded
only when a rule reads them (``LazyValues``), so memory follows what rules look at, not the plan's size.

Lines: Terraform writes its plan on one line, so every location is line 1. A pretty-printed plan (``jq .``) gets
the line of each resource change's ``"address"`` from one more sequential pass over the bytes.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

STREAM_BYTES = 32 * 1024 * 1024  # plan JSON above this is streamed (below it json.loads is faster)
_CHUNK = 4 * 1024 * 1024


@dataclass
class PlanDoc:
    """What the graph takes from a plan, however it was read."""

    environment: str | None = None  # variables.environment.value
    planned: list = field(default_factory=list)  # (address, type, mode, values) in document order
    changes: dict = field(default_factory=dict)  # address -> {"type", "mode", "actions", "action_reason", ...}
    change_lines: dict = field(default_factory=dict)  # address -> line of the change's "address"


class LazyValues(dict):
    """A resource's values, decoded from compact JSON on first use (then an ordinary dict). Every Python-level
    read decodes it; C fast paths that read a dict's storage directly (``json.dumps``) see it empty until then."""

    __slots__ = ("_raw",)

    def __init__(self, raw: bytes):
        super().__init__()
        self._raw = raw

    def _load(self):
        raw = self._raw
        if raw is not None:
            self._raw = None
            v = json.loads(raw)
            if isinstance(v, dict):
                dict.update(self, v)

    def __getitem__(self, k):
        self._load()
        return dict.__getitem__(self, k)

    def __contains__(self, k):
        self._load()
        return dict.__contains__(self, k)

    def __iter__(self):
        self._load()
        return dict.__iter__(self)

    def __len__(self):
        self._load()
        return dict.__len__(self)

    def __eq__(self, other):
        self._load()
        return dict.__eq__(self, other)

    __hash__ = None

    def __repr__(self):
        self._load()
        return dict.__repr__(self)

    def __reduce__(self):  # to a worker and back still compact
        if self._raw is not None:
            return LazyValues, (self._raw,)
        return dict, (dict(dict.items(self)),)

    def get(self, k, default=None):
        self._load()
        return dict.get(self, k, default)

    def keys(self):
        self._load()
        return dict.keys(self)

    def values(self):
        self._load()
        return dict.values(self)

    def items(self):
        self._load()
        return dict.items(self)

    def copy(self):
        self._load()
        return dict(dict.items(self))


def _compact(v) -> bytes:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _ijson():
    import ijson

    return ijson


def looks_like_plan(head: bytes) -> bool:
    """The first bytes of a `terraform show -json` plan (Terraform writes these keys first)."""
    h = head.lstrip()
    return h[:1] == b"{" and b'"format_version"' in h and (b'"terraform_version"' in h or b'"planned_values"' in h)


def _items(open_file, prefix: str):
    with open_file() as fh:
        yield from _ijson().items(fh, prefix, use_float=True)


def stream_plan(open_file) -> PlanDoc:
    """Read the plan OPEN_FILE() opens (a binary file object, reopened once per pass). ValueError on invalid JSON,
    with the ijson message."""
    ijson = _ijson()
    doc = PlanDoc()
    try:
        for env in _items(open_file, "variables.environment.value"):
            if isinstance(env, str):
                doc.environment = env
            break
        planned: set = set()
        # planned_values: the root module's resources, then each child module (recursively, one at a time)
        for r in _items(open_file, "planned_values.root_module.resources.item"):
            _take_planned(doc, planned, r)
        for mod in _items(open_file, "planned_values.root_module.child_modules.item"):
            _walk_child(doc, planned, mod)
        for rc in _items(open_file, "resource_changes.item"):
            if not isinstance(rc, dict) or not isinstance(rc.get("address"), str):
                continue
            ch = rc.get("change") if isinstance(rc.get("change"), dict) else {}
            summary = {"type": rc.get("type", ""), "mode": rc.get("mode", "managed"),
                       "change": {"actions": ch.get("actions"), "replace_paths": ch.get("replace_paths")},
                       "action_reason": rc.get("action_reason")}
            if rc["address"] not in planned and isinstance(ch.get("before"), dict):
                summary["before"] = LazyValues(_compact(ch["before"]))
            doc.changes[rc["address"]] = summary
    except ijson.JSONError as e:
        raise ValueError(f"invalid JSON: {e}") from None
    return doc


def _take_planned(doc: PlanDoc, planned: set, r) -> None:
    if isinstance(r, dict) and isinstance(r.get("address"), str):
        planned.add(r["address"])
        values = r.get("values")
        doc.planned.append((r["address"], r.get("type", ""), r.get("mode", "managed"),
                            LazyValues(_compact(values)) if isinstance(values, dict) else {}))


def _walk_child(doc: PlanDoc, planned: set, mod) -> None:
    stack = [mod]
    while stack:  # depth-first, in document order, without recursion
        m = stack.pop()
        if not isinstance(m, dict):
            continue
        for r in m.get("resources") or []:
            _take_planned(doc, planned, r)
        stack.extend(reversed([c for c in m.get("child_modules") or [] if isinstance(c, dict)]))


def change_lines(open_file, addresses: list) -> dict:
    """address -> line of its resource change, for a multi-line (pretty-printed) plan; {} for one on one line.
    One sequential pass: each change's `"address": "<its address>"` is searched for after the previous one,
    starting at the top-level `"resource_changes"` key; the file is read in chunks."""
    out: dict = {}
    with open_file() as fh:
        if fh.read(1024 * 1024).count(b"\n") < 3:
            return out
        fh.seek(0)
        pat = re.compile(rb'"resource_changes"\s*:\s*\[')
        buf, pos, line, idx, eof = b"", 0, 1, -1, False  # LINE: the line at buf[pos]
        while True:
            m = pat.search(buf, pos)
            if m is None:
                if eof:
                    return out
                keep = max(pos, len(buf) - 4096)  # a key split across two chunks is found in the next round
                line += buf.count(b"\n", pos, keep)
                chunk = fh.read(_CHUNK)
                eof = not chunk
                buf, pos = buf[keep:] + chunk, 0
                continue
            line += buf.count(b"\n", pos, m.start())
            if idx >= 0:
                out[addresses[idx]] = line
            idx += 1
            if idx == len(addresses):
                return out
            pat = re.compile(rb'"address"\s*:\s*' + re.escape(json.dumps(addresses[idx]).encode("utf-8")))
            line += m.group(0).count(b"\n")
            pos = m.end()
