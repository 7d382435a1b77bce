"""Start-up: the built-in rules load without jsonschema (validated here instead), extra rule dirs are validated."""
from __future__ import annotations

import glob
import os
import subprocess
import sys

import yaml
from conftest import REPO


def test_builtin_rules_match_the_rule_schema():
    import jsonschema

    from iaclint.engine.loader import DATA_FILES, builtin_rules_dir, load_schema

    validator = jsonschema.Draft202012Validator(load_schema("rule.schema.json"))
    paths = [p for p in sorted(glob.glob(os.path.join(builtin_rules_dir(), "*.y*ml")))
             if os.path.basename(p) not in DATA_FILES]
    assert len(paths) > 50
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            for doc in yaml.safe_load_all(fh):
                if doc is not None:
                    assert not list(validator.iter_errors(doc)), p


def test_a_scan_of_builtin_rules_does_not_import_jsonschema(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    code = ("import sys; from iaclint.scan import scan, ScanOptions; "
            f"scan([{str(tmp_path)!r}], ScanOptions(root={str(tmp_path)!r})); "
            "print('jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_builtin_module_catalogue_matches_its_schema():
    from iaclint import builtin_rules_dir
    from iaclint.terraform.registry import CATALOGUE_FILE, load_entries

    assert load_entries(os.path.join(builtin_rules_dir(), CATALOGUE_FILE))  # check=True: raises on a schema error
