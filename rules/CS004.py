"""CS004: IAM policy grants destructive actions on every resource.

An action is judged by what it can destroy (rules/iam_actions.yaml): delete, overwrite, switch off a protection,
change permissions. Append-only actions (logs:PutLogEvents) and actions AWS cannot scope to a resource
(sts:GetCallerIdentity) are not destructive on "*"; a KMS key policy's "*" is the key itself; a condition on
the resource's tags or account narrows the grant (reported low, saying so)."""
from __future__ import annotations

from iaclint.graph.aws_policies import policy_statements
from iaclint.graph.grants import reach_text, statement_grant


def check(ctx):
    """FAIL: actions ["s3:*"] or ["s3:DeleteObject"] on resources ["*"].
    PASS: the same actions on the service's own bucket ARN; read-only, append-only (logs:PutLogEvents) and
    unscopable actions on "*"; a KMS key policy."""
    for n in ctx.each(ctx.graph.of_kind("tf_resource", "tf_data")):
        for i, st, from_document, site in policy_statements(ctx.graph, n):
            g = statement_grant(n, i, st, from_document, site)
            if g is None:
                continue
            key = f"{n.span.path}|{n.meta['address']}|wildres|{i}"
            head = f"{n.meta['address']} statement {i + 1} grants {g.role} on every resource (\"*\")"
            reach, related = reach_text(ctx.graph, g)
            if g.extra["limiting"]:
                yield ctx.finding(n, f"{head}, limited by condition {', '.join(g.extra['limiting'])}: whoever holds "
                                     f"this principal's credentials can {g.can} that condition matches (whoever can "
                                     f"set the tag widens it) — prefer the resources' ARNs{reach}", site, key=key,
                                  severity="low", related=related)
                continue
            other = g.extra["other"]
            cond = f" (condition {', '.join(other)} does not limit which resources)" if other else ""
            yield ctx.finding(n, f"{head}{cond}: whoever holds this principal's credentials can {g.can} in the "
                                 f"account, in every environment — scope it to this service's own ARNs{reach}", site,
                              key=key, related=related)

