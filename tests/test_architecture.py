"""The shape of the code base (issue 11's done-when): modules stay small, imports flow one way (no cycles), a rule
is one place, and no test needs anything beside the clone (../shared)."""
from __future__ import annotations

import ast
import os

from conftest import REPO

MAX_LINES = 600
PACKAGE = os.path.join(REPO, "iaclint")


def _modules() -> dict[str, str]:
    """dotted module name -> path, for every module of the iaclint package."""
    out = {}
    for root, _, files in os.walk(PACKAGE):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(root, f)
                name = os.path.relpath(path[:-3], REPO).replace(os.sep, ".")
                out[name[: -len(".__init__")] if name.endswith(".__init__") else name] = path
    return out


def _imports(name: str, path: str, modules: dict) -> set[str]:
    """Modules of the package that NAME imports at run time (at any level: a lazy import inside a function still
    makes a cycle)."""
    package = name if path.endswith("__init__.py") else name.rsplit(".", 1)[0]
    deps = set()
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    type_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and _is_type_checking(block.test)
                 for stmt in block.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in type_only:  # `if TYPE_CHECKING:` imports exist for annotations only, never at run time
            continue
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else [])) if node.level else (node.module or "")
            for alias in node.names:
                sub = f"{mod}.{alias.name}"
                deps.add(sub if sub in modules else mod)
        elif isinstance(node, ast.Import):
            deps.update(a.name for a in node.names)
    return {d for d in deps if d in modules and d != name}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (iterative Tarjan)."""
    index: dict = {}
    low: dict = {}
    stack: list = []
    on_stack: set = set()
    out = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_no_module_over_the_size_limit():
    big = {}
    for path in list(_modules().values()) + [os.path.join(REPO, "rules", f) for f in os.listdir(os.path.join(REPO, "rules"))
                                              if f.endswith(".py")]:
        with open(path, encoding="utf-8") as fh:
            n = sum(1 for _ in fh)
        if n > MAX_LINES:
            big[os.path.relpath(path, REPO)] = n
    assert not big, f"split these modules (over {MAX_LINES} lines): {big}"


def test_no_import_cycles():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert _cycles(graph) == []


def test_cycle_detector_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_test_reads_anything_beside_the_clone():
    here = os.path.dirname(os.path.abspath(__file__))
    offenders = []
    for f in sorted(os.listdir(here)):
        if f.endswith(".py") and f != os.path.basename(__file__):
            with open(os.path.join(here, f), encoding="utf-8") as fh:
                text = fh.read()
            if "SHARED" in text.replace("SHARED_", "") or "../shared" in text:
                offenders.append(f)
    assert offenders == []


def test_every_rule_module_has_its_yaml():
    rules = os.path.join(REPO, "rules")
    for f in os.listdir(rules):
        if f.endswith(".py") and f != "__init__.py":
            assert os.path.isfile(os.path.join(rules, f[:-3] + ".yaml")), f
