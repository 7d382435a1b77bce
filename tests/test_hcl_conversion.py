"""The tree-sitter -> AST conversion (parsers/hcl.py) on every fixture: its two text paths agree and every
position is well formed.  The exact output is pinned by the python-hcl2 differential test
(tests/test_terraform.py), the wire round trip (tests/test_parallel.py) and the byte-identical corpus SARIF."""
import glob
import os

import pytest

from iaclint.parsers.hcl import parse_hcl
from iaclint.parsers.hclast import Attribute, Block, Body, Pos

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = sorted(glob.glob(os.path.join(REPO, "tests", "fixtures", "**", "*.tf"), recursive=True))


def _positions(x, out):
    """Every Pos reachable from x (dataclass slots, lists, tuples), with its owner's type name."""
    if isinstance(x, Pos):
        return
    if isinstance(x, (list, tuple)):
        for i in x:
            _positions(i, out)
    elif isinstance(x, dict):
        for i in x.values():
            _positions(i, out)
    elif hasattr(x, "__slots__"):
        for f in x.__slots__:
            v = getattr(x, f)
            if isinstance(v, Pos):
                out.append((type(x).__name__, v))
            else:
                _positions(v, out)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: os.path.relpath(p, REPO))
def test_fixture_ast_is_well_formed(path):
    src = open(path, "rb").read()
    body, diags = parse_hcl(src, path)
    assert isinstance(body, Body)
    lines = src.count(b"\n") + 1
    found: list = []
    _positions(body, found)
    for owner, p in found:
        assert 1 <= p.line <= p.end_line <= lines, (owner, p)
        assert p.col >= 1 and p.end_col >= 1, (owner, p)
        assert (p.line, p.col) <= (p.end_line, p.end_col), (owner, p)
    for b in body.blocks:
        for inner in list(b.body.attributes.values()) + b.body.blocks:
            assert isinstance(inner, (Attribute, Block))
            assert (b.pos.line, b.pos.col) <= (inner.pos.line, inner.pos.col), (b.type, inner.pos)
            assert (inner.pos.end_line, inner.pos.end_col) <= (b.pos.end_line, b.pos.end_col), (b.type, inner.pos)
    if src.isascii() and not diags:  # (an error region may extend over the appended comment)
        # a trailing non-ASCII comment switches the converter from str slicing to per-node decoding
        body2, diags2 = parse_hcl(src + b"\n# caf\xc3\xa9\n", path)
        assert body2 == body
        assert diags2 == diags
