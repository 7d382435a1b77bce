"""Environment names (issue 12 point 4): a name iaclint cannot normalise is possibly production; aliases on whole
path components or distinctive tokens; terraform.tfvars / *.auto.tfvars are defaults, not environments."""
from __future__ import annotations

import pytest

from conftest import hits

DB = 'resource "aws_db_instance" "main" {\n  engine         = "postgres"\n  instance_class = "db.t3.micro"\n}\n'
TABLE = ('variable "environment" { type = string }\n\nresource "aws_dynamodb_table" "t" {\n  name     = "t"\n'
         '  hash_key = "id"\n  attribute {\n    name = "id"\n    type = "S"\n  }\n'
         '  tags = { Environment = var.environment }\n}\n')


def _scan(path, **opts):
    from iaclint.scan import ScanOptions, scan

    return scan([str(path)], ScanOptions(root=str(path), **opts))


def _write(root, files: dict):
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


@pytest.mark.parametrize("name", ["customer-a.tfvars", "prd1.tfvars", "fixtures.us-east-2.tfvars", "main.tfvars",
                                  "prod-eu.tfvars", "production-2.tfvars"])
def test_var_file_with_unknown_or_production_name_keeps_production_rules(tmp_path, name):
    _write(tmp_path, {"main.tf": DB, name: "# nothing\n"})
    r = _scan(tmp_path, enabled={"DP001"}, var_files=[str(tmp_path / name)])
    assert hits(r) == [("DP001", "main.tf", 1)]


@pytest.mark.parametrize("name", ["staging.tfvars", "app-stg.tfvars", "dev2.tfvars"])
def test_var_file_with_non_production_name_is_not_production(tmp_path, name):
    _write(tmp_path, {"main.tf": DB, name: "# nothing\n"})
    assert hits(_scan(tmp_path, enabled={"DP001"}, var_files=[str(tmp_path / name)])) == []


def test_configured_alias_names_the_rest(tmp_path):
    _write(tmp_path, {"main.tf": DB, "acme.tfvars": "# nothing\n"})
    r = _scan(tmp_path, enabled={"DP001"}, var_files=[str(tmp_path / "acme.tfvars")], env_aliases={"acme": "staging"})
    assert hits(r) == []


def test_terraform_tfvars_takes_its_environment_from_its_directory(tmp_path):
    _write(tmp_path, {"infra/main.tf": 'variable "environment" { type = string }\n' + DB,
                      "infra/environments/production/terraform.tfvars": 'environment = "production"\n',
                      "infra/environments/staging/terraform.tfvars": 'environment = "staging"\n'})
    vf = str(tmp_path / "infra/environments/production/terraform.tfvars")
    r = _scan(tmp_path, enabled={"DP001", "ES004"}, var_files=[vf])
    assert hits(r) == [("DP001", "infra/main.tf", 2)]


def test_auto_tfvars_does_not_hide_the_production_tfvars(tmp_path):
    _write(tmp_path, {"infra/main.tf": TABLE, "infra/staging.auto.tfvars": 'environment = "staging"\n',
                      "infra/environments/production/terraform.tfvars": 'environment = "production"\n'})
    r = _scan(tmp_path, enabled={"DP005"})
    assert hits(r) == [("DP005", "infra/main.tf", 3)]
    from iaclint.report.environments import render_environments
    from iaclint.scan import ScanOptions, build_graph

    text = render_environments(build_graph([str(tmp_path)], ScanOptions())[0])
    assert "var file infra/staging.auto.tfvars: always loaded by Terraform" in text


def test_explain_lists_ignored_tfvars(tmp_path):
    _write(tmp_path, {"main.tf": DB, "common.tfvars": "# shared\n", "prod.tfvars": "# prod\n"})
    from iaclint.report.environments import render_environments
    from iaclint.scan import ScanOptions, build_graph

    text = render_environments(build_graph([str(tmp_path)], ScanOptions())[0])
    assert "var file common.tfvars: ignored for root .: named as an example, a template or values shared" in text
    assert "main.tf:1  tf_resource aws_db_instance.main  ->  production (var file prod.tfvars)" in text


def test_a_discovered_var_file_with_a_name_iaclint_cannot_normalise_is_possibly_production(tmp_path):
    """customer-a.tfvars beside the root, never passed with --var-file: a context of its own with no environment
    name, so the production-only rule holds there, at the line that sets the value."""
    root = _write(tmp_path, {"main.tf": 'variable "protect" {\n  default = true\n}\n\n'
                                        'resource "aws_db_instance" "main" {\n  engine              = "postgres"\n'
                                        '  deletion_protection = var.protect\n}\n',
                             "customer-a.tfvars": "protect = false\n", "shared.tfvars": "protect = false\n"})
    report = _scan(root)
    assert hits(report, "DP001") == [("DP001", "customer-a.tfvars", 1)]  # shared.tfvars: not a deployment
    assert [f.envs for f in report.findings if f.rule_id == "DP001"] == [[]]


@pytest.mark.parametrize("dirs,expected", [
    ("tools/code-review/infra", [("DP001", "tools/code-review/infra/main.tf", 1)]),  # not "preview"
    ("bridgebuilder-review", [("DP001", "bridgebuilder-review/main.tf", 1)]),
    ("live/production/db", [("DP001", "live/production/db/main.tf", 1)]),
    ("envs/staging", []), ("app-staging", []), ("envs/stg3", []),
])
def test_directory_names(tmp_path, dirs, expected):
    _write(tmp_path, {f"{dirs}/main.tf": DB})
    assert hits(_scan(tmp_path, enabled={"DP001"})) == expected


def test_normalisation_table():
    from iaclint.graph.environments import Environments

    envs = Environments()
    assert [envs.normalize(n) for n in ("prd1", "prod", "live", "PRODUCTION", "stg2", "customer-a")] == \
        ["production", "production", "production", "production", "staging", None]
    assert envs.from_token_string("code-review") is None and envs.from_token_string("prod-eu") == "production"
    assert envs.from_tfvars("x/terraform.tfvars", "x")[0] is None
    assert envs.from_tfvars("x/prod.auto.tfvars", "x")[0] is None


# issue 15 follow-up: a name that contains "prod" but means something else is not production
@pytest.mark.parametrize("name,env", [
    ("prod", "production"), ("production", "production"), ("prd", "production"), ("live", "production"),
    ("prod-eu-west-1", "production"), ("eu-prod", "production"), ("production-v2", "production"),
    ("non-prod", "non-production"), ("nonprod", "non-production"), ("non-production", "non-production"),
    ("non_prod", "non-production"), ("app-nonprod", "non-production"), ("non-prod-eu", "non-production"),
    ("preprod", "staging"), ("pre-prod", "staging"), ("pre-production", "staging"), ("eu-preprod", "staging"),
    ("staging", "staging"), ("stage", "staging"), ("stg", "staging"), ("uat", "test"), ("qa", "test"),
    ("test", "test"), ("dev", "development"), ("sandbox", "sandbox"),
    ("reproduction", None), ("product", None), ("products-api", None),
])
def test_environment_names_table(name, env):
    from iaclint.graph.environments import Environments

    e = Environments()
    r = e.from_path(f"{name}/main.tf")
    assert (r[0] if r else None) == env
    assert e.from_token_string(name) == env
    assert e.from_tfvars(f"{name}.tfvars", "")[0] == env


@pytest.mark.parametrize("s,prod", [("orders-prod", True), ("db.prod.example.com", True), ("orders-nonprod", False),
                                    ("db.non-prod.internal", False), ("pre-prod-db", False),
                                    ("reproduction", False), ("product-db", False)])
def test_production_host_names(s, prod):
    from iaclint.engine.helpers import names_production

    assert names_production(s) is prod


def test_non_prod_folder_is_not_production(tmp_path):
    _write(tmp_path, {"non-prod/main.tf": DB, "prod/main.tf": DB})
    assert hits(_scan(tmp_path, enabled={"DP001"})) == [("DP001", "prod/main.tf", 1)]


WS_DB = ('resource "aws_db_instance" "main" {\n  engine              = "postgres"\n'
         '  instance_class      = "db.t3.micro"\n'
         '  deletion_protection = terraform.workspace == "{ws}"\n}\n')


@pytest.mark.parametrize("ws,found", [("prod", []), ("production", [("DP001", "main.tf", 4)])])
def test_workspace_is_the_var_files_own_name(tmp_path, ws, found):
    """prod.tfvars is applied in the workspace "prod": terraform.workspace == "prod" holds there, not "production"."""
    _write(tmp_path, {"main.tf": WS_DB.replace("{ws}", ws), "prod.tfvars": "# prod\n", "staging.tfvars": "# stg\n"})
    assert hits(_scan(tmp_path, enabled={"DP001"})) == found


@pytest.mark.parametrize("selected,found", [("prd\n", []), (None, [("DP001", "production/main.tf", 4)])])
def test_selected_workspace_is_read_from_dot_terraform(tmp_path, selected, found):
    files = {"production/main.tf": WS_DB.replace('terraform.workspace == "{ws}"',
                                                 'contains(["prd"], terraform.workspace)')}
    if selected:
        files["production/.terraform/environment"] = selected
    _write(tmp_path, files)
    assert hits(_scan(tmp_path, enabled={"DP001"})) == found
