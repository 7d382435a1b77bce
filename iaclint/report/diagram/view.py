"""The picture of the resource graph, as plain data: environments (clusters), the data stores in each, the
credentials that can delete them and the backups that die with them.

A data store is one physical thing (``graph.blast.same_things``: a Railway volume declared in an export, the
IaC program and Terraform is one store), drawn once in each environment it is in and marked *shared* when
there are several.  Node ids are a short hash of what the node stands for (the first declaration's graph id,
the environment), never of iteration order, so the same repository gives byte-identical diagrams.  Every
label passes ``mask.mask`` here, once, with the credentials the scan found.
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field

from ...graph.blast import backups_phrase, is_stateful, reach_of, same_things
from ...mask import mask, secrets_of

TF_KINDS = ("tf_resource", "plan_resource")
NO_ENV = ""  # the cluster of stores whose environment iaclint cannot name (possibly production)
NO_ENV_LABEL = "environment not named (possibly production)"
LABEL_WIDTH = 72  # characters per label line: bounds the size of every diagram
KIND_ORDER = {"credential": 0, "store": 1, "backups": 2, "more": 3}
# what the backups of a store die with (its failure domain), by type
DOMAIN = {"railway_volume": "volume", "railway_service": "service volume", "aws_db_instance": "DB instance",
          "aws_rds_cluster": "cluster", "aws_docdb_cluster": "cluster", "aws_neptune_cluster": "cluster",
          "google_sql_database_instance": "instance"}


@dataclass(frozen=True)
class Mark:
    """A finding, located relative to the graph root: what highlights nodes and edges."""

    rule_id: str
    family: str
    path: str
    line: int
    envs: tuple = ()
    related: tuple = ()  # ((path, line), ...)


@dataclass
class VNode:
    id: str
    kind: str  # credential | store | backups | more
    label: list  # lines, masked
    cluster: str = NO_ENV  # environment name; None: outside every cluster (credentials)
    shared: bool = False
    findings: list = field(default_factory=list)  # rule ids, sorted


@dataclass
class VEdge:
    src: str
    dst: str
    label: str
    findings: list = field(default_factory=list)


@dataclass
class View:
    clusters: list  # [(cluster id, environment, label)] in drawing order
    nodes: list  # [VNode] sorted
    edges: list  # [VEdge] sorted
    omitted: dict = field(default_factory=dict)  # cluster or "credentials" -> number of nodes left out


def node_id(*parts: str) -> str:
    """A stable id: a short hash of what the node stands for (letters and digits: valid in Mermaid and DOT)."""
    return "n" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


def env_order(env: str) -> tuple:
    return ({"production": 0, "staging": 1}.get(env, 2) if env else 3, env)


def marks_of_findings(findings) -> list:
    """Marks of a report's unsuppressed findings (paths relative to the scan root, the graph's root)."""
    return [Mark(f.rule_id, f.family, f.span.path, f.span.line, tuple(f.envs),
                 tuple((loc.span.path, loc.span.line) for loc in f.related)) for f in findings if not f.suppression]


@dataclass
class Store:
    """One data store: its declarations (graph nodes), environments, what its backups die with."""

    key: str
    members: list
    envs: list
    name: str
    what: str
    backups: str

    @property
    def shared(self) -> bool:
        return len(self.envs) > 1


def stores_of(graph) -> list:
    """Every data store of GRAPH, in location order."""
    def build():
        extra = graph.ctx.stateful_types
        nodes = [n for n in graph.nodes.values() if is_stateful(n, extra)
                 and not (n.type == "railway_service" and f"tfvol|{n.id}" in graph.nodes)]
        # instances of one Terraform block (a module called from two roots, a root under two var files) are
        # one store only when a name or id says so, never because they share a declaration: same_things is
        # given each with a declaration of its own (a unique column) and its groups are mapped back
        proxies = {}
        for i, n in enumerate(sorted(nodes, key=lambda n: n.id)):
            p = dataclasses.replace(n, span=n.span._replace(col=-1 - i)) if n.kind in TF_KINDS else n
            proxies[id(p)] = (p, n)
        out = []
        for group in same_things(graph, [p for p, _ in proxies.values()]):
            members = [proxies[id(p)][1] for p in group]
            named = next((m for m in members if m.kind != "railway_volume" or m.attrs.get("name")), members[0])
            envs = sorted({e for m in members for e in m.env_names}, key=env_order)
            what = "volume" if named.kind == "railway_volume" else named.type
            backups = next((b for m in members if (b := backups_phrase(m))), "")
            out.append(Store(members[0].id, members, envs or [NO_ENV], named.meta.get("address") or named.name,
                             what, backups))
        return out
    return graph.derived("diagram_stores", build)


def _line(text: str, secrets) -> str:
    text = " ".join(mask(str(text), secrets).split())
    return text if len(text) <= LABEL_WIDTH else text[:LABEL_WIDTH - 1] + "…"


def _within(span, path: str, line: int) -> bool:
    return span.path == path and span.line <= line <= max(span.line, span.end_line or 0)


class Marks:
    """Marks indexed by path, asked "which findings fall on these nodes"."""

    def __init__(self, marks):
        self.by_path: dict = {}
        for m in marks:
            self.by_path.setdefault(m.path, []).append(m)

    def on(self, nodes, env: str | None = None) -> list:
        """The marks located in NODES' spans (ENV given: only those that hold in it, or name no environment)."""
        out = []
        for n in nodes:
            spans = [n.span] + list(n.meta.get("declared_at") or [])
            for m in self.by_path.get(n.span.path, ()):
                if m not in out and any(_within(s, m.path, m.line) for s in spans) and (
                        env is None or not m.envs or not env or env in m.envs):
                    out.append(m)
        return out


def credentials_of(graph, names=(), broad_only: bool = False) -> list:
    """Credential nodes (named by variable name or kind when NAMES), in location order."""
    wanted = {n.lower() for n in names}
    creds = [n for n in graph.nodes.values() if n.kind == "credential" and (not broad_only or n.attrs.get("broad"))
             and (not wanted or {n.name.lower(), n.type.lower(), str(n.attrs.get("kind", "")).lower()} & wanted)]
    return sorted(creds, key=lambda n: (n.span.path, n.span.line, n.type))


def build_view(graph, marks=(), *, credentials=None, stores: str = "all", environment: str | None = None,
               findings_only: bool = False, max_nodes: int = 60) -> View:
    """The picture. CREDENTIALS: the credential nodes to draw (default: every one); STORES: ``all`` data stores,
    ``reached`` (those the credentials can delete) or ``reached+shared`` (and every store in two environments);
    ENVIRONMENT: only that cluster; FINDINGS_ONLY: only what carries a finding; MAX_NODES: "+N more" past it."""
    secrets = secrets_of(graph)
    index = Marks(marks)
    norm = None if environment is None else graph.ctx.envs.normalize(environment) or environment.strip().lower()
    creds = credentials_of(graph) if credentials is None else list(credentials)
    all_stores = stores_of(graph)
    by_member = {m.id: s for s in all_stores for m in s.members}
    reach = {}  # credential id -> [Store]
    for c in creds:
        targets = reach_of(graph, c).targets
        reach[c.id] = sorted({by_member[i].key: by_member[i] for t in targets for i in (t.meta.get("merged") or [t.id])
                              if i in by_member}.values(), key=lambda s: s.key)
    reached = {s.key for ss in reach.values() for s in ss}
    broad_reached = {s.key for c in creds if c.attrs.get("broad") for s in reach[c.id]}
    chosen = [s for s in all_stores if stores == "all" or s.key in reached or (stores == "reached+shared" and s.shared)]
    if norm is not None:
        chosen = [s for s in chosen if norm in s.envs]
    nodes, edges, items = {}, [], []  # items: (priority, group, [node ids]) the bound drops whole

    for s in chosen:
        for env in s.envs:
            if norm is not None and env != norm:
                continue
            sid = node_id("store", s.key, env)
            found = index.on(s.members, env)
            where = {(m.span.path, m.span.line) for m in s.members}
            label = [_line(f"{s.what} {s.name}", secrets),
                     _line(f"{s.members[0].span.path}:{s.members[0].span.line}" if len(where) == 1
                           else f"declared in {len(where)} places", secrets)]
            if s.shared:
                label.append(_line("shared by " + " + ".join(e or "unnamed" for e in s.envs), secrets))
            nodes[sid] = VNode(sid, "store", label, env, s.shared, sorted({m.rule_id for m in found}))
            group = [sid]
            if s.backups:
                bid = node_id("backups", s.key, env)
                domain = DOMAIN.get(s.members[0].type, "resource")
                bfound = sorted({m.rule_id for m in found if m.family == "backup-failure-domain"})
                nodes[bid] = VNode(bid, "backups", [_line(f"backups of {s.name}", secrets),
                                                     _line(f"failure domain: {domain} {s.name}", secrets)],
                                   env, s.shared, bfound)
                edges.append(VEdge(sid, bid, f"backups on the same {domain}", bfound))
                group.append(bid)
            items.append(((not found, not s.shared, s.key not in broad_reached, label[0], sid), env, group))
    drawn_keys = {s.key for s in chosen}
    for c in creds:
        found = index.on([c])
        cid = node_id("credential", c.id)
        a = c.attrs
        scope = str(a.get("scope") or "unknown")
        label = [_line(c.name, secrets), _line(a.get("title") or c.type, secrets),
                 _line(f"scope: {scope}" + (" (broad)" if a.get("broad") else "") + f", {a.get('redacted') or ''}",
                       secrets), _line(f"{c.span.path}:{c.span.line}", secrets)]
        nodes[cid] = VNode(cid, "credential", label, None, False, sorted({m.rule_id for m in found}))
        mine = [s for s in reach[c.id] if s.key in drawn_keys]
        for s in mine:
            efound = sorted({m.rule_id for m in found
                             if not m.related or any(_in_store(s, p, ln) for p, ln in m.related)})
            for env in s.envs:
                sid = node_id("store", s.key, env)
                if sid in nodes:
                    edges.append(VEdge(cid, sid, f"{scope} scope: can delete", efound))
        # drawn: what reaches a drawn store, was asked for by name, or carries a finding (in the environment)
        if mine or credentials is not None or (found and (norm is None or norm in c.env_names)):
            items.append(((not found, not a.get("broad"), not mine, label[0], cid), None, [cid]))  # reach first
        else:
            del nodes[cid]
    if findings_only:
        keep = {n.id for n in nodes.values() if n.findings}
        nodes = {k: v for k, v in nodes.items() if k in keep}
        edges = [e for e in edges if e.src in nodes and e.dst in nodes]
        items = [(p, g, [i for i in ids if i in keep]) for p, g, ids in items if any(i in keep for i in ids)]
    return _bounded(nodes, edges, items, max_nodes)


def _in_store(store: Store, path: str, line: int) -> bool:
    return any(_within(sp, path, line) for m in store.members
               for sp in [m.span] + list(m.meta.get("declared_at") or []))


def _bounded(nodes: dict, edges: list, items: list, max_nodes: int) -> View:
    """At most MAX_NODES nodes: the items most worth seeing (findings, shared, reached by a broad credential)
    first; each cluster (and the credentials) that lost some gets one "+N more" node, and an edge to a node
    left out goes to its cluster's "+N more" node instead."""
    items.sort(key=lambda it: it[0])
    total: dict = {}
    for _, group, ids in items:
        total[group] = total.get(group, 0) + 1
    kept_n, count, dropped_groups, best = {}, 0, len(total), 0
    for k, (_, group, ids) in enumerate(items, 1):
        count += len(ids)
        kept_n[group] = kept_n.get(group, 0) + 1
        if kept_n[group] == total[group]:
            dropped_groups -= 1
        if count + dropped_groups <= max_nodes:
            best = k
    keep = {i for _, _, ids in items[:best] for i in ids}
    group_of = {i: g for _, g, ids in items for i in ids}
    omitted: dict = {}
    for _, group, _ in items[best:]:
        omitted[group] = omitted.get(group, 0) + 1
    out_nodes = [n for n in nodes.values() if n.id in keep]
    more_id = {}
    for group, n in omitted.items():
        mid = node_id("more", "credentials" if group is None else "env", group or "")
        more_id[group] = mid
        what = "credential" if group is None else "data store"
        out_nodes.append(VNode(mid, "more", [f"+{n} more {what}{'s' if n != 1 else ''}"], group))
    out_edges: dict = {}
    for e in edges:
        src = e.src if e.src in keep else None
        dst = e.dst if e.dst in keep else more_id.get(group_of.get(e.dst, ""), None)
        if src is None or dst is None or (src, dst) in out_edges:
            if src and dst and e.findings:
                prev = out_edges[(src, dst)]
                prev.findings = sorted(set(prev.findings) | set(e.findings))
            continue
        out_edges[(src, dst)] = VEdge(src, dst, e.label, list(e.findings))
    envs = sorted({n.cluster for n in out_nodes if n.cluster is not None}, key=env_order)
    clusters = [(node_id("cluster", env), env, env or NO_ENV_LABEL) for env in envs]
    order = {env: i for i, env in enumerate(envs)}
    out_nodes.sort(key=lambda n: (-1 if n.cluster is None else order[n.cluster], KIND_ORDER[n.kind], n.label, n.id))
    pos = {n.id: i for i, n in enumerate(out_nodes)}
    ids = [n.id for n in out_nodes]
    if len(set(ids)) != len(ids):  # a hash collision would merge two nodes: never silently
        raise ValueError("diagram node ids collide")
    return View(clusters, out_nodes, sorted(out_edges.values(), key=lambda e: (pos[e.src], pos[e.dst], e.label)),
                {("credentials" if g is None else g or NO_ENV_LABEL): n for g, n in sorted(
                    omitted.items(), key=lambda kv: (kv[0] is not None, env_order(kv[0] or "")))})
