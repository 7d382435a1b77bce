"""``templatefile()``'s template language: literal text, ``${ expr }`` interpolations and ``%{ if }`` /
``%{ else }`` / ``%{ endif }`` / ``%{ for k, v in coll }`` / ``%{ endfor }`` directives, with ``~`` strip markers and
``$${`` / ``%%{`` escapes, as Terraform reads a template file.

Parsed here into the same Template / TemplateIf / TemplateFor nodes as an HCL template (each ``expr`` by the HCL
parser), so the evaluator renders it with its usual step, size and nesting budgets. Linear in the text; directive
nesting is capped. The file itself is read by the scan's reader (iaclint/safeio.py, regular files in the root).
"""
from __future__ import annotations

import functools
import re

from ..parsers.hcl import MAX_DEPTH, parse_hcl
from ..parsers.hclast import Pos, Template, TemplateFor, TemplateIf
from .values import EvalError, OverBudget

MAX_SEQUENCES = 10_000  # interpolations + directives of one template: each expression is parsed on its own

_SPECIAL = re.compile(r"[$%]")
_FOR = re.compile(r"for\s+([A-Za-z_][\w-]*)\s*(?:,\s*([A-Za-z_][\w-]*)\s*)?in\s+(.+)", re.S)


class _Bad(Exception):
    pass


class _TooMany(Exception):
    pass


def _close(text: str, i: int) -> int:
    """Index of the ``}`` closing the sequence opened just before I (nested braces, quoted strings skipped)."""
    depth = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c in "{[(":
            depth += 1
        elif c in "}])":
            if depth == 0:
                if c == "}":
                    return i
                raise _Bad("unbalanced brackets")
            depth -= 1
        i += 1
    raise _Bad("unterminated template sequence")


def _tokens(text: str) -> list:
    """[("lit", text) | ("${" | "%{", inner, strip_left, strip_right)]."""
    out: list = []
    lit: list = []
    i = 0
    n = len(text)
    while i < n:
        two = text[i:i + 2]
        if two in ("$$", "%%") and text[i + 2:i + 3] == "{":
            lit.append(two[0] + "{")
            i += 3
        elif two in ("${", "%{"):
            end = _close(text, i + 2)
            inner = text[i + 2:end]
            left, right = inner.startswith("~"), inner.endswith("~")
            inner = inner[1 if left else 0:len(inner) - 1 if right else len(inner)]
            out.append(("lit", "".join(lit)))
            lit = []
            if len(out) > 2 * MAX_SEQUENCES:
                raise _TooMany(f"template has more than {MAX_SEQUENCES:,} interpolations and directives")
            out.append((two, inner.strip(), left, right))
            i = end + 1
        else:
            m = _SPECIAL.search(text, i + 1)
            j = m.start() if m else n
            lit.append(text[i:j])
            i = j
    out.append(("lit", "".join(lit)))
    for k, tok in enumerate(out):  # strip markers eat the whitespace next to them
        if tok[0] != "lit":
            if tok[2] and out[k - 1][0] == "lit":
                out[k - 1] = ("lit", out[k - 1][1].rstrip())
            if tok[3] and k + 1 < len(out) and out[k + 1][0] == "lit":
                out[k + 1] = ("lit", out[k + 1][1].lstrip())
    return out


def _expr(src: str):
    body, diags = parse_hcl(f"x = {src}\n".encode("utf-8"), "templatefile")
    a = body.attributes.get("x")
    if diags or a is None:
        raise _Bad("invalid expression")
    return a.expr


def _build(tokens: list) -> list:
    root: list = []
    stack: list = []  # (directive node, kind)
    cur = root
    for tok in tokens:
        if tok[0] == "lit":
            if tok[1]:
                cur.append(tok[1])
        elif tok[0] == "${":
            cur.append(_expr(tok[1]))
        else:
            word = tok[1].split(None, 1)[0] if tok[1] else ""
            if word == "if":
                node = TemplateIf(_expr(tok[1][2:]), [], [])
                cur.append(node)
                stack.append((node, "if", cur))
                cur = node.then
            elif word == "for":
                m = _FOR.fullmatch(tok[1])
                if m is None:
                    raise _Bad("invalid for directive")
                key, val = (m.group(1), m.group(2)) if m.group(2) else (None, m.group(1))
                node = TemplateFor(key, val, _expr(m.group(3)), [])
                cur.append(node)
                stack.append((node, "for", cur))
                cur = node.body
            elif word == "else" and stack and stack[-1][1] == "if":
                cur = stack[-1][0].else_
            elif (word, stack[-1][1] if stack else None) in (("endif", "if"), ("endfor", "for")):
                cur = stack.pop()[2]
            else:
                raise _Bad(f"unexpected directive {word!r}")
            if len(stack) > MAX_DEPTH:
                raise _Bad("directives nested too deeply")
    if stack:
        raise _Bad("unterminated directive")
    return root


@functools.lru_cache(maxsize=64)
def parse_template(text: str):
    """A Template for TEXT, an EvalError when it is not a valid template (Terraform would fail too), or an
    OverBudget when it is too large to parse."""
    try:
        parts = _build(_tokens(text))
    except _Bad as ex:
        return EvalError(f"templatefile(): {ex}")
    except _TooMany as ex:
        return OverBudget(str(ex))
    return Template(parts, Pos(1, 1, text.count("\n") + 1, 1))
