"""Stage 4: run the rules over the graph and merge their findings.

The same module line evaluated for several roots/environments yields one
finding listing every environment and caller it holds in.
"""
from __future__ import annotations

from typing import Any, Iterable

from ..graph.build import Graph
from ..model import Finding, Location, Node, Span
from ..terraform.values import Unknown, render
from .loader import Rule


def get_path(attrs: dict, path: str):
    """Value at a dotted path; nested blocks are lists (the first block is used). Missing -> KeyError."""
    cur: Any = attrs
    for part in path.split("."):
        if isinstance(cur, list):
            if not cur:
                raise KeyError(path)
            cur = cur[0]
        if isinstance(cur, Unknown):
            return cur
        if not isinstance(cur, dict) or part not in cur:
            raise KeyError(path)
        cur = cur[part]
    return cur


def in_scope(rule: Rule, node: Node) -> bool:
    if rule.applies_to != "production":
        return True
    names = node.env_names
    return not names or "production" in names


def env_phrase(node: Node) -> str:
    names = node.env_names
    return ", ".join(names) if names else ""


class RuleContext:
    """What a check gets: the graph and helpers to make findings."""

    def __init__(self, graph: Graph, rule: Rule):
        self.graph = graph
        self.rule = rule

    def finding(self, node: Node | None, message: str, span: Span | None = None, *, related: list | None = None,
                key: str = "", severity: str | None = None, rule_id: str | None = None, envs: list | None = None,
                properties: dict | None = None) -> Finding:
        span = span or (node.span if node else Span("", 1))
        rel = list(related or [])
        if node is not None and node.kind in ("tf_resource", "tf_data"):
            if span != node.span and node.span.path:
                rel.append(Location(node.span, f"{node.meta.get('address', node.name)} is declared here"))
            root = node.meta.get("root") or "."
            for c in node.meta.get("callers", []):
                rel.append(Location(c, f"module call from root {root}"))
        return Finding(
            rule_id=rule_id or self.rule.id, message=message, span=span, severity=severity or self.rule.severity,
            family=self.rule.family, envs=list(envs if envs is not None else (node.env_names if node else [])),
            related=_dedupe_locs(rel, span), key=key or (node_key(node) if node else message),
            properties=properties or {})

    def cannot_verify(self, node: Node, what: str, reason: str, span: Span | None = None) -> Finding:
        msg = (f"cannot verify {what} on {node.meta.get('address', node.name)}: {reason}. "
               f"iaclint does not pass what it cannot prove; set the value literally or in a tfvars file")
        f = self.finding(node, msg, span, severity=self.rule.cannot_verify_severity, key=node_key(node) + "|unknown")
        f.properties["cannot_verify"] = True
        return f


def node_key(node: Node) -> str:
    addr = node.meta.get("address") if node.meta else None
    return f"{node.span.path}|{node.type}|{addr or node.name}"


def _dedupe_locs(locs: list[Location], primary: Span) -> list[Location]:
    out = []
    seen = {(primary.path, primary.line)}
    for l in locs:
        k = (l.span.path, l.span.line)
        if k in seen:
            continue
        seen.add(k)
        out.append(l)
    return out


# ------------------------------------------------------------------ declarative attribute checks
def attribute_check(ctx: RuleContext) -> Iterable[Finding]:
    rule = ctx.rule
    c = rule.check
    types = set(c["resource_types"])
    attr = c["attribute"]
    for node in ctx.graph.nodes.values():
        if node.kind not in ("tf_resource", "plan_resource") or node.type not in types or not in_scope(rule, node):
            continue
        addr = node.meta.get("address", node.name)
        try:
            value = get_path(node.attrs, attr)
            missing = False
        except KeyError:
            value = c.get("default")
            missing = True
        if isinstance(value, Unknown):
            site = (node.origins.get(attr) or [node.meta.get("present", {}).get(attr) or node.span])[0]
            yield ctx.cannot_verify(node, f"{attr}", value.reason, site)
            continue
        if missing and c.get("required"):
            bad = True
        else:
            bad = _violates(c, value)
        if not bad:
            continue
        envs = env_phrase(node)
        fmt = dict(address=addr, type=node.type, attribute=attr, value=render(value), env=envs or "every environment")
        if missing:
            msg = c.get("missing_message") or "{address} does not set {attribute} (provider default: {value})"
            text = msg.format(**fmt) + (f" — holds in {envs}" if envs else "")
            yield ctx.finding(node, text, node.span, key=node_key(node) + "|" + attr)
        else:
            origins = node.origins.get(attr) or []
            present = node.meta.get("present", {}).get(attr)
            site = origins[0] if origins else (present or node.span)
            related = []
            for o in origins[1:]:
                related.append(Location(o, f"{attr} flows through here"))
            if present and present != site:
                related.append(Location(present, f"{attr} is set here"))
            msg = c.get("message") or "{address} sets {attribute} = {value}"
            text = msg.format(**fmt)
            if envs:
                text += f" — holds in {envs}"
            if site.path != node.span.path:
                text += f" (set in {site.path}:{site.line})"
            yield ctx.finding(node, text, site, related=related, key=node_key(node) + "|" + attr)


def _violates(c: dict, value) -> bool:
    if "expect" in c:
        exp = c["expect"]
        if isinstance(exp, bool):
            return _as_bool(value) is not exp
        return value != exp
    if "forbid" in c:
        f = c["forbid"]
        if isinstance(f, bool):
            return _as_bool(value) is f
        return value == f
    if "min" in c:
        try:
            return value is None or float(value) < float(c["min"])
        except (TypeError, ValueError):
            return True
    return False


def _as_bool(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return None


# ------------------------------------------------------------------ running
def run_rules(graph: Graph, rules: list[Rule], *, enabled: set | None = None, disabled: set | None = None,
              errors: list | None = None) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        if enabled and rule.id not in enabled and rule.name not in enabled:
            continue
        if disabled and (rule.id in disabled or rule.name in disabled):
            continue
        ctx = RuleContext(graph, rule)
        try:
            if rule.check["type"] == "attribute":
                findings.extend(attribute_check(ctx))
            else:
                findings.extend(rule.fn(ctx) or [])
        except Exception as e:  # one broken check must not take the scan down
            if errors is not None:
                errors.append(f"rule {rule.id} failed: {type(e).__name__}: {e}")
            else:
                raise
    return merge(findings)


def merge(findings: list[Finding]) -> list[Finding]:
    """One finding per (rule, location, key): environments and related locations are unioned."""
    by: dict = {}
    order = []
    for f in findings:
        k = (f.rule_id, f.span.path, f.span.line, f.key)
        if k not in by:
            by[k] = f
            order.append(k)
            continue
        g = by[k]
        for e in f.envs:
            if e not in g.envs:
                g.envs.append(e)
        seen = {(l.span.path, l.span.line) for l in g.related}
        for l in f.related:
            if (l.span.path, l.span.line) not in seen:
                g.related.append(l)
                seen.add((l.span.path, l.span.line))
    out = []
    for k in order:
        f = by[k]
        f.envs = sorted(set(f.envs))
        if " — holds in " in f.message:
            head, _, tail = f.message.partition(" — holds in ")
            rest = ""
            if " (set in " in tail:
                rest = " (set in " + tail.split(" (set in ", 1)[1]
            f.message = f"{head} — holds in {', '.join(f.envs)}{rest}" if f.envs else head + rest
        f.related.sort(key=lambda l: (l.span.path, l.span.line))
        out.append(f)
    out.sort(key=lambda f: f.sort_key())
    return out
