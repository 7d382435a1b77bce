"""Expansion records share what repeats (origins / present dicts, call chains, origins tuples), read-only."""
from __future__ import annotations

from iaclint.graph import azapi
from iaclint.model import Node
from iaclint.parsers.hcl import parse_hcl
from iaclint.terraform.modules import Expander, build_module_dirs
from iaclint.terraform.values import Computed

ROOT = """
module "a" {
  source = "./mod"
}
module "b" {
  source = "./mod"
}
"""
MOD = """
resource "aws_s3_bucket" "x" {
  count  = 2
  bucket = "logs"
  tags   = { team = "data" }
}
"""


def _expand():
    files = {}
    for path, src in (("main.tf", ROOT), ("mod/main.tf", MOD)):
        body, diags = parse_hcl(src.encode(), path)
        assert not diags, diags
        files[path] = body
    return Expander(build_module_dirs(files)).expand_root("", {}, None, None).instances


def test_equal_records_share_their_dicts_and_call_chains():
    insts = _expand()
    assert [i.address for i in insts] == ["module.a.aws_s3_bucket.x[0]", "module.a.aws_s3_bucket.x[1]",
                                          "module.b.aws_s3_bucket.x[0]", "module.b.aws_s3_bucket.x[1]"]
    first = insts[0]
    assert all(i.present is first.present and i.origins is first.origins for i in insts)
    assert insts[0].callers is insts[1].callers and insts[0].callers is not insts[2].callers
    assert isinstance(first.origins["bucket"], tuple) and first.present["tags.team"].line == 5


def test_fold_merges_into_copies_of_shared_dicts():
    insts = _expand()
    nodes = [Node(f"n{k}", "tf_resource", "azurerm_storage_account", i.address, i.span, [], dict(i.attrs), i.origins,
                  {"present": i.present, "address": i.address}) for k, i in enumerate(insts)]
    patch = Node("p", "tf_resource", "azapi_update_resource", "p", insts[0].span, [],
                 {"type": "Microsoft.Storage/storageAccounts@2023-01-01", "body": {"kind": "StorageV2"},
                  "resource_id": Computed("id", insts[0].address)}, {}, {"address": "p"})
    shared_present, shared_origins = dict(insts[1].present), dict(insts[1].origins)
    azapi.fold(nodes + [patch], {})
    assert nodes[0].attrs["account_kind"] == "StorageV2" and "account_kind" in nodes[0].origins
    assert insts[1].present == shared_present and insts[1].origins == shared_origins  # the shared dicts
    assert "account_kind" not in nodes[1].origins
