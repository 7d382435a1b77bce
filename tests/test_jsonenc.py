"""report.jsonenc: orjson, byte for byte what ``json.dumps(indent=2, sort_keys=True)`` writes, also streamed."""
from __future__ import annotations

import io
import json
from datetime import date

from iaclint.report.jsonenc import dumps, encode, stream, stream_text

TREES = [{"b": [1, {"z": "é—\u2028\x00\x1f\x7f\"\\/😀", "a": []}], "a": {}, "c": None, "d": True, "e": 2 ** 40},
         {"x": [1.5, 1e16, float("nan")]}, {"big": 2 ** 70}, {"s": "\ud800"}, {"t": (1, "é")}, [], "x",
         {"set": {1}, "day": date(2026, 1, 2)}, {1: "int key"}]


def _json(tree, **kw):
    return json.dumps(tree, indent=2, sort_keys=True, **kw) + "\n"


def test_encoding_is_json_dumps_with_and_without_ascii():
    for t in TREES:
        assert dumps(t, ensure_ascii=True, default=str) == _json(t, ensure_ascii=True, default=str), t
        if not isinstance(t, dict) or not {"set", "day"} & set(t):
            assert dumps(t) == _json(t, ensure_ascii=False), t
    assert encode({"a": "é"}, ensure_ascii=True) == b'{\n  "a": "\\u00e9"\n}'


def test_a_streamed_list_is_written_as_the_whole_document():
    items = [t for t in TREES if t != {"s": "\ud800"}]  # a lone surrogate: no UTF-8 to write
    for at, doc in ((("runs", 0, "results"), {"runs": [{"results": [], "z": {"results": 1}}], "results": []}),
                    (("findings",), {"findings": [], "summary": {"findings": 2}})):
        for these in (items, [], items[:1]):
            whole = json.loads(json.dumps(doc))
            target = whole
            for k in at:
                target = target[k]
            target.extend(these)
            for kw in ({"ensure_ascii": True, "default": str}, {"ensure_ascii": False, "default": str}):
                buf = io.BytesIO()
                stream(buf.write, doc, at, iter(these), **kw)
                assert buf.getvalue().decode("utf-8") == _json(whole, **kw)
                assert stream_text(doc, at, iter(these), **kw) == _json(whole, **kw)
