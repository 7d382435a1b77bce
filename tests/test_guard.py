"""`iaclint guard`: a table of commands across every platform, decided against examples/pocketos (the incident)
and tests/fixtures/guard/separated (staging with its own volume and database)."""
from __future__ import annotations

import os

import pytest

from iaclint.guard.run import decide
from iaclint.guard.shell import parse

HERE = os.path.dirname(__file__)
POCKETOS = os.path.join(HERE, "..", "examples", "pocketos")
SEPARATED = os.path.join(HERE, "fixtures", "guard", "separated")
ENVIDS = os.path.join(HERE, "fixtures", "guard", "envids")
PLANNED = os.path.join(HERE, "fixtures", "guard", "planned")
PROD_VOL = "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b"
STAGING_VOL = "3c2b1a09-2222-4c22-8c22-222222222222"
PROD_ENV_ID, STAGING_ENV_ID = "aa11aa11-1111-4111-8111-111111111111", "bb22bb22-2222-4222-8222-222222222222"
GQL = "https://backboard.railway.com/graphql/v2"


def gql(vol, host=GQL):
    return (f"curl -s -X POST {host} -H \"Authorization: Bearer $RAILWAY_API_TOKEN\" -H 'Content-Type: "
            f"application/json' -d '{{\"query\":\"mutation {{ volumeDelete(volumeId: \\\"{vol}\\\") }}\"}}'")


def env_delete(env_id):
    return (f"curl -s {GQL} -H \"Authorization: Bearer $RAILWAY_API_TOKEN\" "
            f"-d '{{\"query\":\"mutation {{ environmentDelete(id: \\\"{env_id}\\\") }}\"}}'")


B, A = "block", "allow"
P, S, E = POCKETOS, SEPARATED, ENVIDS
TABLE = [
    # Railway GraphQL: the incident, spelt the ways an agent spells it
    (P, gql(PROD_VOL), B),
    (P, gql(PROD_VOL, "https://backboard.railway.app/graphql/v2"), B),
    (P, gql(PROD_VOL).replace(" -H", " \\\n  -H"), B),
    (P, "cd /tmp && " + gql(PROD_VOL), B),
    (P, "sh -c '" + gql(PROD_VOL).replace("'", "'\"'\"'") + "'", B),
    (P, "echo start; bash -lc \"$(echo x)\" || " + gql(PROD_VOL), B),
    (P, f"cat <<'EOF' | curl -s {GQL} -H \"Authorization: Bearer $RAILWAY_API_TOKEN\" --data-binary @-\n"
        f'{{"query":"mutation($v: String!) {{ volumeDelete(volumeId: $v) }}","variables":{{"v":"{PROD_VOL}"}}}}\nEOF', B),
    (P, f"http POST {GQL} Authorization:\"Bearer $RAILWAY_API_TOKEN\" "
        f"query='mutation {{ volumeDelete(volumeId: \"{PROD_VOL}\") }}'", B),
    (P, f"curl {GQL} -d @/etc/passwd", B),
    (P, f"curl {GQL} -H 'Authorization: Bearer $T' -d '{{\"query\":\"mutation {{ serviceDelete(id: \\\"nope\\\") }}\"}}'", B),
    (P, f"curl {GQL} -d '{{\"query\":\"mutation {{ projectDelete(id: \\\"p\\\") }}\"}}'", B),
    (P, f"curl {GQL} -d '{{\"query\":\"mutation {{ environmentDelete(id: \\\"e\\\") }}\"}}'", B),
    (P, f"curl {GQL} -d '{{\"query\":\"query {{ me {{ name }} }}\"}}'", A),
    (S, gql(STAGING_VOL), A),
    (S, gql("7e6d5c4b-1111-4b11-9b11-111111111111"), B),
    (S, "FOO=1 sh -c '" + gql(STAGING_VOL).replace("'", "") + "'", A),  # sh -c recursion, staging's own volume
    # Railway CLI
    (P, "railway volume delete --volume pgdata", B),
    (P, "railway volume delete", B),
    (P, "railway delete -p pocketos", B),
    (P, "railway down", B),
    (P, "railway down -e staging", A),
    (P, "railway environment delete production", B),
    (P, "railway status && railway logs", A),
    (P, "railway logs | grep volumeDelete", A),
    # Railway environment ids: resolved from the Terraform that names them, else unresolved
    (E, env_delete(STAGING_ENV_ID), A),
    (E, env_delete(PROD_ENV_ID), B),
    (E, env_delete("dd44dd44-4444-4444-8444-444444444444"), B),
    (P, env_delete("dd44dd44-4444-4444-8444-444444444444"), B),
    (E, "railway environment delete staging", A),
    # Terraform / OpenTofu
    (P, "terraform -chdir=infra destroy -auto-approve", B),
    (P, "cd infra && tofu destroy", B),
    (P, "cd infra; terraform apply -destroy -auto-approve", B),
    (P, "terraform -chdir=infra apply -replace=railway_service.postgres", B),
    (P, "terraform -chdir=infra state rm railway_service.postgres", B),
    (P, "terraform -chdir=infra plan", A),
    (P, "terraform -chdir=nowhere destroy", B),
    (P, "terraform -chdir=infra apply tfplan", B),  # a binary plan, no plan JSON beside it: the root decides
    (P, "terraform -chdir=infra show tfplan", A),
    (P, 'echo "terraform apply -destroy"', A),
    (P, "TF_WORKSPACE=prod terraform -chdir=infra destroy", B),
    # AWS
    (P, "aws rds delete-db-instance --db-instance-identifier app-db --skip-final-snapshot", B),
    (P, "aws s3 rb s3://pocketos-backups --force", B),
    (P, "aws s3 rm s3://pocketos-backups/ --recursive", B),
    (P, "aws s3 ls s3://pocketos-backups", A),
    (P, "aws s3 rm s3://bucket/one-file.txt", A),
    (P, "aws ec2 delete-volume --volume-id vol-0abc", B),
    (P, "aws dynamodb delete-table --table-name orders", B),
    (P, "aws backup delete-recovery-point --backup-vault-name v --recovery-point-arn arn:aws:backup:x", B),
    (P, "aws backup delete-backup-vault --backup-vault-name v", B),
    (P, "aws rds describe-db-instances", A),
    (P, "aws s3 cp delete-me.txt s3://pocketos-backups/", A),
    # gcloud
    (P, "gcloud sql instances delete prod-sql --quiet", B),
    (P, "gcloud storage rm -r gs://pocketos-data", B),
    (P, "gsutil rm -r gs://pocketos-data", B),
    (P, "gcloud compute disks delete data-disk --zone us-central1-a", B),
    (P, "gcloud projects delete pocketos-prod", B),
    (P, "gcloud sql instances list", A),
    (P, "gcloud storage rm --recursive gs://pocketos-data/uploads", B),
    (P, "gcloud storage ls gs://pocketos-data", A),
    (P, "gcloud storage rm gs://pocketos-data/tmp/one.txt", A),
    # az
    (P, "az group delete --name rg-prod --yes", B),
    (P, "az sql db delete -g rg -s srv -n appdb", B),
    (P, "az storage account delete -n pocketosdata", B),
    (P, "az group list", A),
    (P, "az storage account show -n pocketosdata", A),
    (P, 'echo "az group delete --name rg-prod"', A),
    # kubectl
    (P, "kubectl delete pvc data-postgres-0 -n prod", B),
    (P, "kubectl delete pv/pgdata", B),
    (P, "kubectl delete namespace production", B),
    (P, "kubectl delete pod api-123", A),
    (P, "kubectl get pvc", A),
    (P, "kubectl delete pvc --all -n prod", B),
    (P, "kubectl --context prod-cluster delete persistentvolumeclaim/data-postgres-0", B),
    (P, "kubectl get pvc -n prod", A),
    (P, "kubectl logs deploy/api -n prod | grep 'delete pvc'", A),
    # SQL clients
    (P, "psql \"$DATABASE_URL\" -c 'DROP TABLE users;'", B),
    (P, "source .env.staging && psql \"$DATABASE_URL\" -c 'DROP TABLE users'", B),  # staging shares prod's database
    (S, "source .env.staging && psql \"$DATABASE_URL\" -c 'DROP TABLE users'", A),
    (S, "source .env.production && psql \"$DATABASE_URL\" -c 'TRUNCATE users'", B),
    (S, "psql postgresql://app@staging-db.example.internal:5432/app <<SQL\nDROP SCHEMA public CASCADE;\nSQL", A),
    (S, "echo 'DROP DATABASE app' | psql postgresql://app@prod-db.example.internal:5432/app", B),
    (P, "mysql -h db.example.com -e 'DROP DATABASE shop'", B),
    (P, "dropdb postgresql://x@roundhouse.proxy.rlwy.net:41234/pocketos", B),
    (P, "dropdb app_prod", B),
    (P, "psql \"$DATABASE_URL\" -c 'SELECT count(*) FROM users'", A),
    # the production host the repository's .env.production names
    (P, "psql -h roundhouse.proxy.rlwy.net -p 41234 -U postgres -d pocketos -c 'DROP TABLE users;'", B),
    (P, "psql -h roundhouse.proxy.rlwy.net -p 41234 -d pocketos -c 'SELECT 1'", A),
    (S, "psql -h staging-db.example.internal -d app -c 'DROP TABLE users'", A),
    (S, "psql -h prod-db.example.internal -d app -c 'DROP TABLE users'", B),
    (S, "dropdb postgresql://app@prod-db.example.internal:5432/app", B),
    (S, "dropdb postgresql://app@staging-db.example.internal:5432/app", A),
    (P, "pg_dump \"$DATABASE_URL\" > backup.sql", A),
    # fly, heroku, supabase, neon
    (P, "fly apps destroy pocketos-api --yes", B),
    (P, "flyctl volumes destroy vol_123", B),
    (P, "heroku apps:destroy --app pocketos --confirm pocketos", B),
    (P, "heroku pg:reset DATABASE_URL -a pocketos", B),
    (P, "supabase projects delete abcdefghijklmnop", B),
    (P, "supabase db reset --linked", B),
    (P, "supabase db reset", A),
    (P, "neonctl projects delete young-frog-123", B),
    (P, "neon branches delete main --project-id p", B),
    (P, "fly volumes destroy vol_123 --yes", B),
    (P, "fly volumes list -a pocketos-api", A),
    (P, "fly ssh console -C 'ls /data'", A),
    (P, "heroku pg:info -a pocketos", A),
    (P, "heroku logs -a pocketos | grep pg:reset", A),
    (P, "supabase projects list", A),
    (P, "supabase db diff", A),
    (P, "neonctl projects list", A),
    (P, "neonctl branches create --name delete-me", A),
    (P, "curl -X DELETE https://console.neon.tech/api/v2/projects/young-frog-123 -H \"Authorization: Bearer $NEON_API_KEY\"", B),
    # benign look-alikes
    (P, 'echo "terraform destroy"', A),
    (P, "grep -rn volumeDelete .", A),
    (P, 'git commit -m "drop table users, terraform destroy"', A),
    (P, "cat scripts/domains/add-domain.sh", A),
    (P, "rg 'DROP TABLE' migrations/", A),
    (P, "ls -la && git status", A),
    # cannot parse, mentions a destructive verb: fail closed
    (P, "terraform destroy 'unterminated", B),
    (P, "psql -c \"DROP TABLE x", B),
    (P, "echo 'unterminated hello", A),
]


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("IACLINT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "guard-cache"))


@pytest.mark.parametrize("where,command,expected", TABLE, ids=[f"{i:02d}" for i in range(len(TABLE))])
def test_table(where, command, expected):
    block, reason, _ = decide(command, where, {})
    assert ("block" if block else "allow") == expected, reason


def test_table_is_large():
    assert len(TABLE) >= 60


def test_incident_reason_names_pgdata_production_and_backups():
    block, reason, _ = decide(gql(PROD_VOL), POCKETOS, {})
    assert block
    for word in ("pgdata", "production", "backups", "RAILWAY_API_TOKEN", "account"):
        assert word in reason


def test_staging_volume_allowed_with_the_reason():
    block, reason, _ = decide(gql(STAGING_VOL), SEPARATED, {})
    assert not block and "staging" in reason and "none of them protected" in reason


def test_human_override_and_agent_setting_it():
    block, reason, _ = decide(gql(PROD_VOL), POCKETOS, {"IACLINT_GUARD_HUMAN_OVERRIDE": "1"})
    assert not block and "human override" in reason
    block, _, _ = decide("IACLINT_GUARD_HUMAN_OVERRIDE=1 " + gql(PROD_VOL), POCKETOS, {})
    assert block


def test_scan_tree_is_not_written(tmp_path):
    before = sorted(os.listdir(POCKETOS))
    decide(gql(PROD_VOL), POCKETOS, {})
    assert sorted(os.listdir(POCKETOS)) == before


def test_parser_structures():
    p = parse("X=1 bash -c 'eval \"dropdb prod\"' | tee log; (cd a && rm -rf b) && echo $(terraform destroy)")
    names = [c.argv[0] for c in p.commands if c.argv]
    assert {"bash", "eval", "dropdb", "tee", "cd", "rm", "echo", "terraform"} <= set(names)
    h = parse("psql <<-SQL\n\tDROP TABLE a;\n\tSQL\necho done")
    assert h.commands[0].stdin == "DROP TABLE a;\n" and not h.errors
    assert parse("echo 'x").errors and parse("cat <<EOF\nno end").errors


def test_config_protects_more_environments_and_allows_commands(tmp_path):
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(SEPARATED, repo)
    (repo / ".iaclint.yaml").write_text("version: 1\nguard:\n  protected_environments: [stage]\n"
                                        "  allow_commands: ['aws s3 rb s3://scratch-*']\n")
    block, reason, _ = decide(gql(STAGING_VOL), str(repo), {})
    assert block and "staging" in reason
    assert not decide("aws s3 rb s3://scratch-1 --force", str(repo), {})[0]
    assert decide("aws s3 rb s3://other --force", str(repo), {})[0]
