"""Terraform JSON syntax (.tf.json, .tfvars.json) mapped onto the same Body/Block/Attribute structure.

Strings holding ``${...}`` are parsed as HCL templates so references work as in
native syntax.  Line numbers come from :mod:`jsonpos`.
"""
from __future__ import annotations

from ..model import Diagnostic
from .hclast import Attribute, Block, Body, Lit, ObjectExpr, Pos, TupleExpr
from .jsonpos import JSONPosError, line_of, loads_with_lines

# block types and how many labels each takes in JSON syntax
_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1, "locals": 0,
           "terraform": 0, "moved": 0, "import": 0, "check": 1, "removed": 0}
# nested keys that are blocks (not attributes) inside resources
_NESTED_BLOCKS = {"lifecycle", "provisioner", "connection", "dynamic", "validation", "backend", "required_providers"}


def parse_tf_json(text: str, path: str, vars_only: bool = False) -> tuple[Body, list[Diagnostic]]:
    try:
        value, lines = loads_with_lines(text)
    except JSONPosError as e:
        return Body(), [Diagnostic(path, e.line, str(e), "error")]
    if not isinstance(value, dict):
        return Body(), [Diagnostic(path, 1, "Terraform JSON must be an object at the top level", "error")]
    conv = _Conv(path, lines)
    if vars_only:
        body = Body()
        for k, v in value.items():
            body.attributes[k] = Attribute(k, conv.expr(v, (k,)), conv.pos((k,)))
        return body, []
    body = Body()
    for btype, content in value.items():
        if btype == "//":
            continue
        nlabels = _LABELS.get(btype)
        if nlabels is None:
            conv.diags.append(Diagnostic(path, line_of(lines, (btype,)), f"unknown top-level key {btype!r}",
                                         "warning"))
            continue
        conv.blocks(body, btype, content, nlabels, (btype,), [])
    return body, conv.diags


class _Conv:
    def __init__(self, path, lines):
        self.path = path
        self.lines = lines
        self.diags: list[Diagnostic] = []

    def pos(self, p) -> Pos:
        ln = line_of(self.lines, p)
        return Pos(ln, 1, ln, 1)

    def blocks(self, body: Body, btype, content, nlabels, p, labels):
        items = content if isinstance(content, list) else [content]
        for i, item in enumerate(items):
            ip = p + ((i,) if isinstance(content, list) else ())
            if len(labels) < nlabels:
                if not isinstance(item, dict):
                    continue
                for lab, sub in item.items():
                    self.blocks(body, btype, sub, nlabels, ip + (lab,), labels + [lab])
                continue
            if not isinstance(item, dict):
                continue
            body.blocks.append(Block(btype, list(labels), self.body(item, ip, btype), self.pos(ip)))

    def body(self, obj: dict, p, btype: str) -> Body:
        b = Body()
        for k, v in obj.items():
            if k == "//":
                continue
            kp = p + (k,)
            if btype in ("locals",) or (btype == "variable" and k != "validation") or btype == "output":
                b.attributes[k] = Attribute(k, self.expr(v, kp), self.pos(kp))
            elif k in _NESTED_BLOCKS or (isinstance(v, list) and v and all(isinstance(x, dict) for x in v)
                                          and btype in ("resource", "data", "nested")):
                if k == "dynamic" and isinstance(v, dict):
                    for name, d in v.items():
                        b.blocks.append(Block("dynamic", [name], self.body(d, kp + (name,), "nested"),
                                              self.pos(kp + (name,))))
                    continue
                vs = v if isinstance(v, list) else [v]
                for i, x in enumerate(vs):
                    if isinstance(x, dict):
                        xp = kp + ((i,) if isinstance(v, list) else ())
                        b.blocks.append(Block(k, [], self.body(x, xp, "nested"), self.pos(xp)))
            else:
                b.attributes[k] = Attribute(k, self.expr(v, kp), self.pos(kp))
        return b

    def expr(self, v, p):
        pos = self.pos(p)
        if isinstance(v, str):
            if "${" in v or "%{" in v:
                return self._template(v, pos)
            return Lit(v, pos)
        if isinstance(v, list):
            return TupleExpr([self.expr(x, p + (i,)) for i, x in enumerate(v)], pos)
        if isinstance(v, dict):
            return ObjectExpr([(Lit(k, pos), self.expr(x, p + (k,))) for k, x in v.items()], pos)
        return Lit(v, pos)

    def _template(self, s: str, pos: Pos):
        from .hcl import parse_hcl
        import json

        src = ("x = " + json.dumps(s).replace("\\\\$", "$") + "\n").encode()
        body, diags = parse_hcl(src, self.path)
        a = body.attributes.get("x")
        if a is None or diags:
            self.diags.append(Diagnostic(self.path, pos.line, "invalid template expression in JSON string", "error"))
            return Lit(s, pos)
        _reposition(a.expr, pos)
        return a.expr


def _reposition(e, pos: Pos):
    stack = [e]
    while stack:
        o = stack.pop()
        if hasattr(o, "pos") and isinstance(getattr(o, "pos"), Pos):
            o.pos = pos
        if hasattr(o, "__slots__"):
            for s in o.__slots__:
                v = getattr(o, s)
                if isinstance(v, list):
                    for x in v:
                        if isinstance(x, tuple):
                            stack.extend(y for y in x if hasattr(y, "__slots__"))
                        elif hasattr(x, "__slots__"):
                            stack.append(x)
                elif hasattr(v, "__slots__") and not isinstance(v, Pos):
                    stack.append(v)
