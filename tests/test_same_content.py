"""Files with the same bytes parsed once (parsers.SameContent): the graph, node by node, and every diagnostic
(each naming its own file) are what parsing each file alone gives."""
from __future__ import annotations

import os

import pytest

from iaclint import parsers
from iaclint.model import Diagnostic, SourceFile
from iaclint.kinds import FileKind

VARIABLES = 'variable "name" {\n  type = string\n}\n\nvariable "deletion_protection" {\n  default = false\n}\n'
MAIN = ('resource "aws_db_instance" "this" {\n  identifier          = var.name\n'
        '  deletion_protection = var.deletion_protection\n  password            = "hunter2hunter2"\n}\n')
BROKEN = 'locals {\n  x = \n}\n'


def _tree(root) -> None:
    for mod in ("orders-db", "billing-db"):  # a module copied per service, byte for byte
        for name, text in (("variables.tf", VARIABLES), ("main.tf", MAIN), ("broken.tf", BROKEN)):
            p = root / "modules" / mod / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
    for env, protect in (("staging", "false"), ("production", "true")):
        d = root / "envs" / env
        d.mkdir(parents=True)
        (d / "main.tf").write_text("".join(
            f'module "{m}" {{\n  source = "../../modules/{m}-db"\n  name = "{m}-{env}"\n'
            f'  deletion_protection = {protect}\n}}\n' for m in ("orders", "billing")))


def _graph(root: str, share: bool, monkeypatch, calls: list):
    from iaclint.scan import ScanOptions, graph_and_discovery

    real = parsers.SameContent.hcl

    def hcl(self, sf, raw, parse):
        calls.append(sf.path)
        return real(self, sf, raw, parse) if share else parse()

    monkeypatch.setattr(parsers.SameContent, "hcl", hcl)
    g, _ = graph_and_discovery([root], ScanOptions(root=root, jobs=1))
    return ({i: (n.span, n.attrs, n.origins, n.meta, n.envs) for i, n in g.nodes.items()},
            sorted(g.diagnostics, key=Diagnostic.sort_key))


def test_module_copies_parsed_once_build_the_graph_each_would(tmp_path, monkeypatch):
    _tree(tmp_path)
    parses = []
    from iaclint.parsers import hcl as hclmod

    counted = hclmod.parse_hcl
    monkeypatch.setattr(hclmod, "parse_hcl", lambda src, path: parses.append(path) or counted(src, path))
    shared_calls, alone_calls = [], []
    shared = _graph(str(tmp_path), True, monkeypatch, shared_calls)
    n_shared = len(parses)
    alone = _graph(str(tmp_path), False, monkeypatch, alone_calls)
    assert shared == alone
    # 8 files: each module content parsed once (3 of 6 files), every file alone once
    assert len(shared_calls) == 8 and n_shared == 5 and len(parses) - n_shared == 8
    diags = shared[1]
    assert [d.path for d in diags] == ["modules/billing-db/broken.tf", "modules/orders-db/broken.tf"]
    assert {i for i in shared[0] if "aws_db_instance" in i} >= {
        "tf|envs/production||module.orders.aws_db_instance.this", "tf|envs/staging||module.billing.aws_db_instance.this"}


@pytest.mark.parametrize("name", ["c20", "c20v"])
def test_a_generated_tree_with_copied_modules_builds_the_same_graph(corpus, name, monkeypatch):
    path = corpus(name)
    calls: list = []
    assert _graph(path, True, monkeypatch, calls) == _graph(path, False, monkeypatch, [])
    assert len(calls) > 20


def test_only_repeated_contents_are_kept_and_the_budget_holds(tmp_path):
    texts = {f"m{i}.tf": f'locals {{\n  v{i} = "{"x" * 40}"\n}}\n' for i in range(4)}
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    raws = {name: text.encode() for name, text in texts.items()}
    same = parsers.SameContent({hash(raws["m0.tf"]), hash(raws["m1.tf"]), hash(raws["m2.tf"])},
                               budget=2 * len(raws["m0.tf"]))
    parsed = []

    def parse(name):
        sf = SourceFile(name, str(tmp_path / name), FileKind.TERRAFORM)
        return same.hcl(sf, raws[name], lambda: parsed.append(name) or ("body-" + name, []))

    assert parse("m0.tf")[0] == parse("m0.tf")[0] == "body-m0.tf" and parsed == ["m0.tf"]
    parse("m3.tf"), parse("m3.tf")  # not repeated: parsed each time, never kept
    assert parsed == ["m0.tf", "m3.tf", "m3.tf"]
    parse("m1.tf"), parse("m2.tf")  # over the budget: m0, the least recently used, goes
    parse("m0.tf")
    assert parsed[-1] == "m0.tf" and len(same._kept) == 2 and same._bytes <= same.budget
    big = parsers.SameContent({hash(raws["m0.tf"])}, budget=len(raws["m0.tf"]) - 1)  # larger than the budget
    parse = lambda name: big.hcl(SourceFile(name, "", FileKind.TERRAFORM), raws[name],  # noqa: E731
                                 lambda: parsed.append(name) or ("b", []))
    parse("m0.tf"), parse("m0.tf")
    assert parsed[-2:] == ["m0.tf", "m0.tf"] and not big._kept
    assert os.path.exists(tmp_path / "m0.tf")
