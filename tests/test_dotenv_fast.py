"""The dotenv fast path (parsers/dotenv.py) gives exactly what python-dotenv's parser gives."""
from __future__ import annotations

import io
import random

from dotenv.parser import parse_stream

from iaclint.parsers import dotenv as d


def _slow(text: str) -> list[dict]:
    return [d._entry(b.key, b.value if b.value is not None else "", b.original.string, b.original.line)
            for b in parse_stream(io.StringIO(text)) if not b.error and b.key is not None]


def test_plain_files_equal_python_dotenv():
    text = "# c\n\nA=1\n\n\nB=2#x\n  C=3\nexport D=4\nexport=5\nx=\nexport x=y'z\n\n"
    assert d._parse_plain(text) == _slow(text)
    assert d.parse_dotenv(text, "p")[0] == _slow(text)


def test_random_lines_equal_python_dotenv():
    alpha = ["A", "b", "_", "=", "#", " ", "\t", "\n", "export ", "'", '"', "x", "1", "\\", "\x0b", "\u2028", "\r",
             ".", "-"]
    rnd = random.Random(1)
    fast = 0
    for _ in range(20000):
        text = "".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 30)))
        got = d._parse_plain(text)
        if got is not None:
            fast += 1
            assert got == _slow(text), repr(text)
    assert fast > 500


def test_anything_else_goes_to_python_dotenv():
    for text in ('A="quoted"\n', "A= 1\n", "A=1 # c\n", "A=1\r\n", "'K'=1\n", "not a binding\n"):
        assert d._parse_plain(text) is None
