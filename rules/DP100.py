"""DP100: Terraform plan deletes or replaces a stateful resource."""
from __future__ import annotations

from iaclint.graph.blast import is_stateful


def check(ctx):
    """FAIL: resource_changes[].change.actions == ["delete"] or ["delete","create"] on aws_db_instance.
    PASS: ["update"], ["no-op"], or a delete of a stateless resource."""
    for n in ctx.graph.of_kind("plan_resource"):
        actions = n.meta.get("actions") or []
        if "delete" not in actions or not is_stateful(n, ctx.graph.ctx.stateful_types):
            continue
        what = "replaces" if "create" in actions else "deletes"
        why = ""
        if n.meta.get("action_reason"):
            why = f" (reason: {n.meta['action_reason']})"
        elif n.meta.get("replace_paths"):
            paths = [".".join(str(p) for p in rp) for rp in n.meta["replace_paths"] if isinstance(rp, list)]
            if paths:
                why = f" (forced by a change to {', '.join(paths)})"
        msg = (f"the plan {what} {n.name} ({' then '.join(actions)}){why}: applying it destroys the data"
               f"{' — and any backups that live with it' if n.type.startswith('railway') else ''}")
        yield ctx.finding(n, msg, key=f"{n.span.path}|{n.name}|destroy", properties={"actions": actions})
