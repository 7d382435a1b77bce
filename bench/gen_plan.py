#!/usr/bin/env python3
"""Write a large, realistic `terraform show -json` plan for memory benchmarks (bench/run_bench.py --plan-mb).

    python3 bench/gen_plan.py OUT.json --mb 200 [--pretty]

The plan has what Terraform writes (format 1.2): `planned_values` (root module and nested child modules),
`resource_changes` with `before`/`after`/`after_unknown`/sensitivity maps, `prior_state` and `configuration`.
Resources are a mix of stateful and stateless AWS types with values of realistic size (IAM policy documents,
user data, tags, security-group rules); a few stateful ones are planned for delete or replace so the plan gate
has something to say. Single-line JSON like Terraform's own output unless --pretty. Standard library only.
"""
from __future__ import annotations

import argparse
import json
import random

TYPES = ("aws_db_instance", "aws_s3_bucket", "aws_iam_policy", "aws_instance", "aws_security_group",
         "aws_dynamodb_table", "aws_lambda_function", "aws_cloudwatch_log_group")


def _values(rng: random.Random, t: str, i: int) -> dict:
    tags = {f"tag{k}": f"value-{rng.randrange(10**9)}" for k in range(8)}
    base = {"id": f"{t}-{i:07d}", "arn": f"arn:aws:service:eu-west-1:123456789012:{t}/{i}", "tags": tags,
            "tags_all": dict(tags)}
    if t == "aws_db_instance":
        base.update(identifier=f"orders-{i}", engine="postgres", engine_version="16.4", instance_class="db.r6g.large",
                    allocated_storage=100, deletion_protection=bool(i % 3), backup_retention_period=i % 8,
                    skip_final_snapshot=not i % 4, storage_encrypted=True, multi_az=bool(i % 2))
    elif t == "aws_iam_policy":
        stmts = [{"Effect": "Allow", "Action": [f"s3:{a}" for a in ("GetObject", "PutObject", "ListBucket")],
                  "Resource": [f"arn:aws:s3:::bucket-{i}-{k}/*" for k in range(6)]} for _ in range(6)]
        base.update(name=f"policy-{i}", policy=json.dumps({"Version": "2012-10-17", "Statement": stmts}))
    elif t == "aws_instance":
        base.update(ami="ami-0abcdef1234567890", instance_type="t3.large",
                    user_data="#!/bin/bash\n" + "\n".join(f"echo step {k} >> /var/log/boot.log" for k in range(60)))
    elif t == "aws_security_group":
        base.update(name=f"sg-{i}", ingress=[{"from_port": p, "to_port": p, "protocol": "tcp",
                                              "cidr_blocks": [f"10.{k}.0.0/16" for k in range(4)], "description": "svc"}
                                             for p in range(8000, 8012)])
    elif t == "aws_dynamodb_table":
        base.update(name=f"table-{i}", billing_mode="PAY_PER_REQUEST", deletion_protection_enabled=bool(i % 2),
                    point_in_time_recovery=[{"enabled": bool(i % 3)}],
                    attribute=[{"name": f"a{k}", "type": "S"} for k in range(6)])
    elif t == "aws_s3_bucket":
        base.update(bucket=f"bucket-{i}", force_destroy=not i % 5)
    elif t == "aws_lambda_function":
        base.update(function_name=f"fn-{i}", runtime="python3.12", handler="app.handler",
                    environment=[{"variables": {f"VAR_{k}": f"value-{k}-{i}" for k in range(20)}}])
    else:
        base.update(name=f"/app/{i}", retention_in_days=30)
    return base


def generate(out, mb: float, pretty: bool = False, seed: int = 1) -> int:
    rng = random.Random(seed)
    target = int(mb * 1024 * 1024)
    modules: dict = {}
    changes, prior, config = [], [], []
    size, i = 0, 0
    while size < target:
        t = TYPES[i % len(TYPES)]
        mod = f"module.svc{i // 200}"
        addr = f"{mod}.{t}.r{i}"
        v = _values(rng, t, i)
        res = {"address": addr, "mode": "managed", "type": t, "name": f"r{i}",
               "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0, "values": v,
               "sensitive_values": {"tags": {}, "tags_all": {}}}
        modules.setdefault(mod, []).append(res)
        actions = ["no-op"]
        if t in ("aws_db_instance", "aws_dynamodb_table") and i % 97 == 0:
            actions = ["delete"] if i % 2 else ["delete", "create"]
        changes.append({"address": addr, "module_address": mod, "mode": "managed", "type": t, "name": f"r{i}",
                        "provider_name": "registry.terraform.io/hashicorp/aws",
                        "change": {"actions": actions, "before": v, "after": None if actions == ["delete"] else v,
                                   "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}})
        prior.append(res)
        config.append({"address": f"{t}.r{i}", "mode": "managed", "type": t, "name": f"r{i}",
                       "provider_config_key": "aws",
                       "expressions": {k: {"constant_value": x} for k, x in list(v.items())[:6]}})
        size += 4 * len(json.dumps(v)) + 600
        i += 1
    child = [{"address": m, "resources": [r for r in rs if not any(a == ["delete"] for a in [])]}
             for m, rs in sorted(modules.items())]
    plan = {"format_version": "1.2", "terraform_version": "1.11.4",
            "variables": {"environment": {"value": "production"}},
            "planned_values": {"root_module": {"child_modules": child}},
            "resource_changes": changes,
            "prior_state": {"format_version": "1.0", "terraform_version": "1.11.4",
                            "values": {"root_module": {"child_modules": [{"address": "module.all", "resources": prior}]}}},
            "configuration": {"root_module": {"resources": config}},
            "timestamp": "2026-11-30T12:00:00Z", "errored": False}
    json.dump(plan, out, indent=2 if pretty else None, separators=None if pretty else (",", ":"))
    return i


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--pretty", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    with open(a.out, "w", encoding="utf-8") as fh:
        n = generate(fh, a.mb, a.pretty, a.seed)
    print(f"{a.out}: {n} resources")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
