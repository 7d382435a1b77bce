"""Stage 4: run the rules over the graph and merge their findings.

The same module line evaluated for several roots/environments yields one
finding listing every environment and caller it holds in. Findings are data:
report.message renders their messages.
"""
from __future__ import annotations

import inspect
import re
from typing import Any, Iterable, Iterator

from ..graph.graph import Graph
from ..model import SEVERITY_ORDER, Finding, Location, Node, Span
from ..terraform.values import Computed, Unknown, covered, render, search_known
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


MAX_RELATED = 25


class RuleContext:
    """What a check gets: the graph and helpers to make findings."""

    def __init__(self, graph: Graph, rule: Rule, cannot_verify_rules: dict | None = None):
        self.graph = graph
        self.rule = rule
        self.cannot_verify_rules = cannot_verify_rules or {}  # family -> its rule of check type cannot-verify
        self.current: Node | None = None  # the node the rule's outer ctx.each loop is checking
        self._current_key: tuple | None = None
        self._skip: set = set()  # (loop number, node id) not to check again: done, or failed
        self._done: set = set()
        self._attempt = 0
        self._loops = 0  # outer ctx.each loops started in this attempt
        self._active = False

    def each(self, nodes: Iterable[Node]) -> Iterator[Node]:
        """Iterate a rule's nodes with per-node isolation: when an exception escapes while a node is being checked,
        the engine records an internal error naming the rule and that node, and runs the check again, skipping
        the nodes already done and the failing one. Only the outermost loop is tracked: a ctx.each inside another
        is a plain loop (its nodes belong to the outer node's check)."""
        if self._active:
            yield from nodes
            return
        attempt, loop = self._attempt, self._loops
        self._loops += 1
        self._active = True
        try:
            for n in nodes:
                k = (loop, n.id)
                if k in self._skip:
                    continue
                self.current, self._current_key = n, k
                yield n
                self._done.add(k)
            self.current = self._current_key = None
        finally:
            if self._attempt == attempt:  # an abandoned generator of a failed attempt must not reset a later one
                self._active = False

    def _retry(self, keep_done: bool) -> None:
        """After an exception on ctx.current: skip that node next time (and, when their findings were collected,
        the nodes done)."""
        self._skip.add(self._current_key)
        if keep_done:
            self._skip |= self._done
        self._done = set()
        self._attempt += 1
        self._loops, self._active, self.current, self._current_key = 0, False, None, None

    def finding(self, node: Node | None, text: str, span: Span | None = None, *, related: list | None = None,
                key: str = "", severity: str | None = None, rule_id: str | None = None, envs: list | None = None,
                properties: dict | None = None, names_envs: bool = False, value_site: Span | None = None) -> Finding:
        span = span or (node.span if node else Span("", 1))
        rel = list(related or [])
        roots: list[str] = []
        if node is not None and node.kind in ("tf_resource", "tf_data"):
            if span != node.span and node.span.path:
                rel.append(Location(node.span, f"{node.meta.get('address', node.name)} is declared here"))
            root = node.meta.get("root") or "."
            for c in node.meta.get("callers", []):
                rel.append(Location(c, f"module call from root {root}"))
            if node.meta.get("callers"):
                roots = [root]
        return Finding(
            rule_id=rule_id or self.rule.id, text=text, span=span, severity=severity or self.rule.severity,
            family=self.rule.family, envs=list(envs if envs is not None else (node.env_names if node else [])),
            related=_dedupe_locs(rel, span), key=key or (node_key(node) if node else text),
            properties=dict(properties or {}), names_envs=names_envs, value_site=value_site, module_roots=roots)

    def cannot_verify(self, node: Node, what: str, reason: str, span: Span | None = None) -> Finding:
        """A finding filed under the family's cannot-verify rule (x900) instead of a silent pass; a family without
        one files it under the rule itself, at the rule's cannot_verify_severity."""
        cv_rule = self.cannot_verify_rules.get(self.rule.family)
        text = (f"{self.rule.id} cannot verify {what} on {node.meta.get('address', node.name)}: {reason} — "
               f"iaclint does not pass what it cannot prove; set the value literally or in each environment's "
               f"tfvars")
        f = self.finding(node, text, span, severity=cv_rule.severity if cv_rule else self.rule.cannot_verify_severity,
                         key=node_key(node) + f"|unknown|{self.rule.id}|{what}", rule_id=cv_rule.id if cv_rule else None)
        f.properties["cannot_verify"] = self.rule.id
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
def _lookup(attrs: dict, path: str):
    """(value, missing): an empty list of blocks (e.g. a dynamic block over []) counts as missing."""
    try:
        value = get_path(attrs, path)
    except KeyError:
        return None, True
    if isinstance(value, list) and not value:
        return None, True
    return value, False


def _condition(node: Node, cond: dict):
    """True/False, or the Unknown that decides it. Conditions: present, equals, not_equals, in, pattern, min."""
    import re

    value, missing = _lookup(node.attrs, cond["attribute"])
    if "pattern" in cond and search_known(re.compile(cond["pattern"], re.I), value):
        return True  # a name known in part ("${random_id.x.hex}-backup") can already match
    if not missing and isinstance(value, (dict, list)):
        from ..terraform.values import first_unknown

        u = first_unknown(value)
        if u is not None and "pattern" in cond:  # the known parts may already match
            known = [f"{k}={x}" for k, x in value.items() if isinstance(x, str)] if isinstance(value, dict) \
                else [x for x in value if isinstance(x, str)]
            text = " ".join(known)
            return True if re.search(cond["pattern"], text, re.I) else u
    if isinstance(value, Computed) and "present" in cond:
        return bool(cond["present"])  # an id/arn known only after apply is set all the same
    if isinstance(value, Unknown):
        return value
    if missing and "default" in cond:
        value, missing = cond["default"], False
    if "present" in cond:
        return (not missing) is bool(cond["present"])
    if missing:
        return False
    if "equals" in cond:
        return _same(value, cond["equals"])
    if "not_equals" in cond:
        return not _same(value, cond["not_equals"])
    if "in" in cond:
        return any(_same(value, x) for x in cond["in"])
    if "pattern" in cond:
        text = value if isinstance(value, str) else render(value, 100000)
        return re.search(cond["pattern"], text, re.I) is not None
    return True


def _same(value, want) -> bool:
    if isinstance(want, bool):
        return _as_bool(value) is want
    if isinstance(want, (int, float)) and not isinstance(value, bool):
        try:
            return float(value) == float(want)
        except (TypeError, ValueError):
            return False
    return value == want


def _decides(node: Node, cond: dict):
    """_condition, except that a `heuristic` condition (a guess such as "named like a backup") on a value iaclint
    cannot know abstains: False, not cannot-verify. Cannot-verify is for values the decision needs."""
    r = _condition(node, cond)
    return False if isinstance(r, Unknown) and cond.get("heuristic") else r


def _applies(node: Node, c: dict):
    """Whether the rule's `when` (all) / `when_any` (any) conditions select this node: True, False or Unknown."""
    for cond in c.get("when", []):
        r = _decides(node, cond)
        if r is not True:
            return r
    any_of = c.get("when_any")
    if any_of:
        return covered(_decides(node, cond) for cond in any_of)
    return True


def attribute_check(ctx: RuleContext) -> Iterable[Finding]:
    rule = ctx.rule
    c = rule.check
    types = set(c["resource_types"])
    attr = c["attribute"]
    for node in ctx.each(n for t in sorted(types) for n in ctx.graph.nodes_of_type(t)):
        if node.type not in types or not in_scope(rule, node):
            continue
        if node.kind == "tf_resource_unused":
            # no instance here today; only a lifecycle guard (static, set before any variable) can be judged
            if not attr.startswith("lifecycle."):
                continue
        elif node.kind not in ("tf_resource", "plan_resource"):
            continue
        if node.meta.get("actions") == ["delete"]:
            continue  # a planned delete is the plan gate's business; its old values are going away
        addr = node.meta.get("address", node.name)
        sel = _applies(node, c)
        if isinstance(sel, Unknown):
            conds = [x["attribute"] for x in c.get("when", []) + c.get("when_any", [])]
            site = next((node.meta.get("present", {}).get(a) for a in conds
                         if node.meta.get("present", {}).get(a)), None)
            yield ctx.cannot_verify(node, f"whether {rule.id} applies ({', '.join(conds)})", sel.reason, site)
            continue
        if sel is not True:
            continue
        value, missing = _lookup(node.attrs, attr)
        if missing:
            value = c.get("default")
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
        envs = ", ".join(node.env_names)
        fmt = dict(address=addr, type=node.type, attribute=attr, value=render(value), env=envs or "every environment")
        if node.kind == "tf_resource_unused":
            addr_note = " (its count/for_each creates no instance here yet: the guard must be there before one is)"
            fmt["address"] = addr + addr_note
        if missing:
            msg = c.get("missing_message") or "{address} does not set {attribute} (provider default: {value})"
            yield ctx.finding(node, msg.format(**fmt), node.span, key=node_key(node) + "|" + attr,
                              names_envs=bool(envs))
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
            yield ctx.finding(node, msg.format(**fmt), site, related=related, key=node_key(node) + "|" + attr,
                              names_envs=bool(envs), value_site=site if site.path != node.span.path else None)


def _violates(c: dict, value) -> bool:
    import re

    if "expect" in c:
        exp = c["expect"]
        if isinstance(exp, bool):
            return _as_bool(value) is not exp
        return value != exp
    if "expect_in" in c:
        return not any(_same(value, x) for x in c["expect_in"])
    if "forbid" in c:
        f = c["forbid"]
        if isinstance(f, bool):
            return _as_bool(value) is f
        return _same(value, f)
    if "forbid_pattern" in c:
        text = value if isinstance(value, str) else render(value, 100000)
        return re.search(c["forbid_pattern"], text, re.I) is not None
    bad = False
    for bound, worse in (("min", lambda v, b: v < b), ("max", lambda v, b: v > b)):
        if bound in c:
            try:
                bad = bad or value is None or isinstance(value, bool) or worse(float(value), float(c[bound]))
            except (TypeError, ValueError):
                return True
    return bad


def _as_bool(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return None


# ------------------------------------------------------------------ running
def run_rules(graph: Graph, rules: list[Rule], *, enabled: set | None = None, disabled: set | None = None,
              errors: list | None = None, example_trees_severity: str | None = None) -> list[Finding]:
    """Every enabled rule's findings, merged; findings that hold only in example/test trees are capped at
    example_trees_severity (None: not capped)."""
    findings: list[Finding] = []
    cannot_verify = {r.family: r for r in rules if r.check["type"] == "cannot-verify"}
    for rule in rules:
        if enabled and rule.id not in enabled and rule.name not in enabled:
            continue
        if disabled and (rule.id in disabled or rule.name in disabled):
            continue
        if rule.check["type"] == "cannot-verify":
            continue  # no detector: the other rules of its family report through RuleContext.cannot_verify
        ctx = RuleContext(graph, rule, cannot_verify)
        fn = attribute_check if rule.check["type"] == "attribute" else rule.fn
        findings.extend(_run_isolated(ctx, fn, errors))
    findings.sort(key=_order)  # which of equal findings is "first" (merge, collapse) must not be graph order
    out = collapse_instances(merge(findings))
    if example_trees_severity:
        cap_example_trees(out, example_trees_severity)
    return out


def _order(f: Finding):
    """A total order on findings that does not depend on the order the graph's nodes were built in (batches of
    roots, worker processes): what a finding says, then its evidence."""
    return (f.rule_id, f.span, f.key, f.text, f.severity, sorted(f.envs), sorted(f.module_roots),
            [(l.span, l.message) for l in f.related], repr(sorted(f.properties.items())))


# Directory names that hold examples, samples and tests rather than infrastructure anyone runs.
EXAMPLE_TREE_DIRS = {"example": "example", "examples": "example", "sample": "example", "samples": "example",
                     "test": "test", "tests": "test", "testdata": "test", "test-data": "test", "testing": "test",
                     "fixtures": "test", "__tests__": "test", "__fixtures__": "test", "e2e": "test"}


def example_tree(path: str) -> str | None:
    """"example" or "test" when a directory of PATH (relative to the repository root) is an example/test tree."""
    for part in path.split("/")[:-1]:
        kind = EXAMPLE_TREE_DIRS.get(part.lower())
        if kind:
            return kind
    return None


def cap_example_trees(findings: list[Finding], cap: str) -> None:
    """The one place example/test trees are treated differently: a finding located in one keeps its rule but its
    severity is capped at CAP (config `example_trees_severity`). By location only: a finding in a module that only
    examples call (its own default, its hard-coded value) is the module's, and holds for every caller.
    Paths are relative to the repository root, so a tree that is the root itself (a rule fixture) is not capped."""
    limit = SEVERITY_ORDER[cap]
    for f in findings:
        kind = example_tree(f.span.path)
        if kind is None or SEVERITY_ORDER.get(f.severity, 0) <= limit:
            continue
        f.properties.update({"example_tree": kind, "severity_capped_from": f.severity})
        f.severity = cap


def _run_isolated(ctx: RuleContext, fn, errors: list | None) -> list[Finding]:
    """Run one check. An exception while ctx.each is on a node is that node's internal error: recorded (rule,
    resource address, file:line), then the check runs again without that node, and without the nodes already
    done when the check streams its findings (a generator; a function returning a list lost them, so it
    redoes them). An exception outside a node fails the rule (errors is None: it propagates, for tests)."""
    streams = inspect.isgeneratorfunction(fn)
    out: list[Finding] = []
    while True:
        try:
            for f in fn(ctx) or ():
                out.append(f)
            return out
        except Exception as e:  # one broken check must not take the scan (or the rule's other nodes) down
            if errors is None:
                raise
            node = ctx.current
            if node is None:
                errors.append(f"rule {ctx.rule.id} failed: {type(e).__name__}: {e}")
                return out
            where = f"{node.span.path}:{node.span.line}" if node.span.path else "?"
            msg = (f"rule {ctx.rule.id} failed on {node.meta.get('address', node.name)} ({where}): "
                   f"{type(e).__name__}: {e}; the rule was run on the other resources")
            if msg not in errors:
                errors.append(msg)
            ctx._retry(keep_done=streams)


def merge(findings: list[Finding]) -> list[Finding]:
    """One finding per (rule, location, key): environments, module roots and related locations are unioned."""
    by: dict = {}
    for f in findings:
        k = (f.rule_id, f.span.path, f.span.line, f.key)
        g = by.setdefault(k, f)
        if g is f:
            continue
        g.envs.extend(e for e in f.envs if e not in g.envs)
        g.module_roots.extend(r for r in f.module_roots if r not in g.module_roots)
        seen = {(l.span.path, l.span.line) for l in g.related}
        for l in f.related:
            if (l.span.path, l.span.line) not in seen:
                g.related.append(l)
                seen.add((l.span.path, l.span.line))
    out = list(by.values())
    for f in out:
        f.envs = sorted(set(f.envs))
        f.module_roots.sort()
        f.related.sort(key=lambda l: (l.span.path, l.span.line))
        if len(f.related) > MAX_RELATED:  # a finding's evidence, not an inventory: reports stay linear in size
            f.properties["related_omitted"] = len(f.related) - MAX_RELATED
            f.related = f.related[:MAX_RELATED]
    return out


# what tells one count/for_each instance or module instance from another in a finding's sentence
_INSTANCE_WORDS = re.compile(r"\bmodule\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.|\[[^\]]*\]")
_MAX_NAMED_INSTANCES = 3


def _instance_name(text: str) -> str:
    """The instance a finding's sentence names: its first word with an instance in it (a cannot-verify sentence
    starts with the rule id it could not check), else its first word."""
    return next((w.rstrip(":,;") for w in text.split() if _INSTANCE_WORDS.search(w)), text.split(" ", 1)[0])


def collapse_instances(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and line for findings that differ only in the instance they name (``int_test[10]``,
    ``module.vm-left["b"].…``): the line to change is one, so is the finding. The first keeps its key (and
    fingerprint); the highest severity, every environment, module root and related location, and the number of
    instances (``properties.instances``) are kept."""
    by: dict = {}
    others: dict = {}
    for f in findings:
        g = by.setdefault((f.rule_id, f.span.path, f.span.line, _INSTANCE_WORDS.sub("", f.text)), f)
        if g is f:
            continue
        others.setdefault(id(g), []).append(_instance_name(f.text))
        if SEVERITY_ORDER.get(f.severity, 0) > SEVERITY_ORDER.get(g.severity, 0):
            g.severity = f.severity
        g.envs = sorted(set(g.envs) | set(f.envs))
        g.module_roots = sorted(set(g.module_roots) | set(f.module_roots))
        seen = {(x.span.path, x.span.line) for x in g.related}
        g.related.extend(l for l in f.related if (l.span.path, l.span.line) not in seen)
        g.related.sort(key=lambda l: (l.span.path, l.span.line))
        del g.related[MAX_RELATED:]
    out = list(by.values())
    for f in out:
        names = others.get(id(f))
        if names:
            f.properties["instances"] = len(names) + 1
            shown = ", ".join(names[:_MAX_NAMED_INSTANCES]) + (", …" if len(names) > _MAX_NAMED_INSTANCES else "")
            plural = "s" if len(names) > 1 else ""
            f.text += f" (the same for {len(names)} more instance{plural} at this line: {shown})"
    return out
