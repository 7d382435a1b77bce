"""The model of the Railway SDK (``railway/iac`` for TypeScript, ``railway-sdk`` for Python).

``defineRailway``, ``project``, ``service``/``fn``, ``postgres``/``mysql``/
``redis``/``mongo``/``database``, ``volume``, ``bucket``, ``group``,
``github``/``image``/``template``/``empty``, ``preserve``, ``ref``, and the
``ctx`` object (``ctx.environment``, ``ctx.isEnvironment``, ``ctx.shared``,
``ctx.randomString``).  Each helper is one function in :data:`HELPERS`,
called as ``helper(interp, builtin, args, call, lines, kwargs)``.
"""
from __future__ import annotations

from typing import Any

from ..terraform.values import Unknown
from .ir import ENV_PROPS, IS_ENV
from .values import MAX_VALUE_DEPTH, UNDEF, Builtin, Func, JSArr, JSObj, OverBudget, Ref, Walk

DB_DEFAULTS = {  # engine -> (image, output variable, default mount path), from the railway/iac SDK
    "postgres": ("ghcr.io/railwayapp-templates/postgres-ssl:18", "DATABASE_URL", "/var/lib/postgresql/data"),
    "mysql": ("mysql:9", "MYSQL_URL", "/var/lib/mysql"),
    "redis": ("railwayapp/redis:8.2", "REDIS_URL", "/bitnami"),
    "mongo": ("mongo:8", "MONGO_URL", "/data/db"),
}
MAX_GROUP_NESTING = 20


class Resource:
    """service(...) / postgres(...) / volume(...) / bucket(...), as the SDK returns it."""

    def __init__(self, type_: str, name: Any, config: JSObj, line: int, col: int, engine: str | None = None,
                 helper: str = ""):
        self.type = type_
        self.name = name
        self.config = config
        self.line = line
        self.col = col
        self.engine = engine
        self.helper = helper
        self.group: str | None = None


class EnvRefs:
    """``service.env``: its variables, referenced as ``${{service.NAME}}``."""

    def __init__(self, res: Resource):
        self.res = res


class Ctx:
    """The ``ctx`` the program function receives, for one environment."""

    def __init__(self, env: str):
        self.env = env


class Shared:
    """``ctx.shared``: shared variables, ``${{shared.NAME}}``."""


class ProcessEnv:
    """``process`` / ``process.env``: read when the Railway CLI evaluates the file, unknown here."""


NOT_SDK = object()


def member(interp, obj, prop: str, x):
    """``obj.prop`` for the SDK's objects; NOT_SDK when ``obj`` is not one of them."""
    if isinstance(obj, Ctx):
        if prop in ENV_PROPS:
            return obj.env
        if prop in IS_ENV or prop in ("randomString", "random_string"):
            return Builtin("ctx." + prop, obj)
        if prop == "shared":
            return Shared()
        return interp.unknown(x, f"ctx.{prop} is known only when the Railway CLI runs")
    if isinstance(obj, Shared):
        return Ref("shared", f"${{{{shared.{prop}}}}}")
    if isinstance(obj, ProcessEnv):
        if prop == "env":
            return ProcessEnv()
        return interp.unknown(x, f"process.{prop} is read when the Railway CLI evaluates the file")
    if isinstance(obj, Resource):
        if prop == "env":
            return EnvRefs(obj)
        if prop == "name":
            return obj.name
        if prop == "address":
            return f"{obj.type}.{obj.name}"
        return obj.config.get(prop, UNDEF)
    if isinstance(obj, EnvRefs):
        return Ref("reference", f"${{{{{obj.res.name}.{prop}}}}}")
    return NOT_SDK


# -- helpers ----------------------------------------------------------------------------------------------------
def _define(interp, b, args, x, lines, kwargs):
    a0 = args[0] if args else UNDEF
    if isinstance(a0, (Func, Builtin)):
        return Builtin("*program", a0)
    return interp.unknown(x, "defineRailway needs a function")


def _project(interp, b, args, x, lines, kwargs):
    definition = args[1] if len(args) > 1 and isinstance(args[1], JSObj) else JSObj()
    if kwargs:
        definition = interp.merged(x, definition, kwargs)
        if isinstance(definition, Unknown):
            return definition
    res = definition.get("resources", definition.get("services", JSArr()))
    out = JSObj({"$project": True, "name": args[0] if args else UNDEF})
    out["resources"] = flatten(interp, res, definition.val_lines.get("resources", x.line), x)
    return out


def config(interp, args, kwargs, x) -> JSObj:
    """The configuration object of ``helper(name, {...})`` / ``helper(name, key=...)``."""
    cfg = args[1] if len(args) > 1 else JSObj()
    if isinstance(cfg, Unknown):
        interp.note(x.line, f"the configuration at line {x.line} cannot be known: {cfg.reason}")
        cfg = JSObj()
    elif not isinstance(cfg, JSObj):
        cfg = JSObj()
    if kwargs:
        if "config" in kwargs and isinstance(kwargs["config"], JSObj):
            cfg = interp.merged(x, cfg, kwargs["config"])
        rest = JSObj({k: v for k, v in kwargs.items() if k != "config"})
        cfg = interp.merged(x, cfg, rest, kwargs) if isinstance(cfg, JSObj) else cfg
        if isinstance(cfg, Unknown):
            interp.note(x.line, f"the configuration at line {x.line} cannot be known: {cfg.reason}")
            cfg = JSObj()
    return cfg


def flatten(interp, res, line, x) -> list:
    """[(Resource | Unknown, line)] of a ``resources`` array, nested arrays (groups) flattened."""
    if isinstance(res, (Unknown, Resource)):
        return [(res, line)]
    out: list = []
    walk = Walk()
    stack = [(res, line, 0)] if isinstance(res, JSArr) else []
    try:
        while stack:
            items, ln0, depth = stack.pop()
            if isinstance(items, tuple):  # one item
                out.append(items)
                continue
            walk.step(len(items))
            todo = []
            for i, r in enumerate(items):
                ln = items.line_of(i, ln0)
                if isinstance(r, JSArr) and depth < MAX_GROUP_NESTING:
                    todo.append((r, ln, depth + 1))
                elif isinstance(r, (Resource, Unknown)):
                    todo.append(((r, ln), ln, depth))
            stack.extend(reversed(todo))
    except OverBudget:
        return [(interp.budget.over(line, f"the resources at line {line} are more than iaclint's size budget "
                                          f"allows; not evaluated"), line)]
    return out


def _resource(kind: str):
    def helper(interp, b, args, x, lines, kwargs):
        engine = b.name if kind == "database" else None
        return Resource(kind, args[0] if args else UNDEF, config(interp, args, kwargs, x), x.line, x.col,
                        engine=engine, helper=b.name)

    return helper


def _database(interp, b, args, x, lines, kwargs):
    engine = args[1] if len(args) > 1 and isinstance(args[1], str) else "database"
    cfg = args[2] if len(args) > 2 and isinstance(args[2], JSObj) else JSObj()
    if kwargs:
        cfg = interp.merged(x, cfg, kwargs)
        if isinstance(cfg, Unknown):
            cfg = JSObj()
    return Resource("database", args[0] if args else UNDEF, cfg, x.line, x.col, engine=engine, helper=b.name)


def _group(interp, b, args, x, lines, kwargs):
    a0 = args[0] if args else UNDEF
    items = args[1] if len(args) > 1 else UNDEF
    out = JSArr()
    if isinstance(items, JSArr):
        for r, ln in flatten(interp, items, x.line, x):
            if isinstance(r, Resource):
                r.group = a0 if isinstance(a0, str) else None
            out.add(r, ln)
    return out


def _source(interp, b, args, x, lines, kwargs):
    """github(repo, {...}) / image(name) / template(...) / empty(): a service's source."""
    name = b.name
    opts = args[1] if len(args) > 1 and isinstance(args[1], JSObj) else JSObj()
    if kwargs:
        opts = interp.merged(x, opts, kwargs)
        if isinstance(opts, Unknown):
            return opts
    out = JSObj({"type": name})
    key = {"github": "repo", "image": "image", "template": "template"}.get(name)
    if key:
        out[key] = args[0] if args else UNDEF
        out.key_lines[key] = out.val_lines[key] = lines[0] if lines else x.line
    for kk, vv in opts.items():
        out.put(kk, vv, opts.key_lines.get(kk, x.line), opts.val_lines.get(kk, x.line))
    return out


def _preserve(interp, b, args, x, lines, kwargs):
    return Ref("preserve", "preserve()")


def _ref(interp, b, args, x, lines, kwargs):
    a0 = args[0] if args else UNDEF
    if isinstance(a0, Resource) and len(args) > 1 and isinstance(args[1], str):
        return Ref("reference", f"${{{{{a0.name}.{args[1]}}}}}")
    return interp.unknown(x, "ref() of something iaclint cannot resolve")


def _is_environment(interp, b, args, x, lines, kwargs):
    a0 = args[0] if args else UNDEF
    if isinstance(a0, Unknown):
        return a0
    return isinstance(a0, str) and a0 == b.this.env


def _random_string(interp, b, args, x, lines, kwargs):
    return Ref("generated", "ctx.randomString()")


HELPERS = {
    "defineRailway": _define, "define": _define, "define_railway": _define, "project": _project,
    "service": _resource("service"), "fn": _resource("service"),
    **{engine: _resource("database") for engine in DB_DEFAULTS},
    "database": _database, "volume": _resource("volume"), "bucket": _resource("bucket"), "group": _group,
    "github": _source, "image": _source, "template": _source, "empty": _source, "preserve": _preserve, "ref": _ref,
    "ctx.isEnvironment": _is_environment, "ctx.is_environment": _is_environment,
    "ctx.randomString": _random_string, "ctx.random_string": _random_string,
}


# -- the result: evaluated values -> plain data -----------------------------------------------------------------
def plain(v, path: str, key_lines: dict, val_lines: dict, key_line: int, val_line: int, walk: Walk, depth=0):
    """Evaluated value -> plain data; records the property line and value-origin line of every dotted path."""
    walk.step()
    if path:
        key_lines[path] = key_line
        val_lines[path] = val_line
    if depth > MAX_VALUE_DEPTH:
        return Unknown("nested too deeply")
    if isinstance(v, JSObj):
        return {str(k): plain(x, f"{path}.{k}" if path else str(k), key_lines, val_lines,
                              v.key_lines.get(k, key_line), v.val_lines.get(k, val_line), walk, depth + 1)
                for k, x in v.items()}
    if isinstance(v, JSArr):
        return [plain(x, f"{path}.{i}" if path else str(i), key_lines, val_lines, key_line, v.line_of(i, val_line),
                      walk, depth + 1)
                for i, x in enumerate(v)]
    if isinstance(v, Resource):
        return {"$resource": v.type, "name": v.name if isinstance(v.name, str) else None}
    if isinstance(v, Ref):
        return {"$ref": v.kind, "text": v.text}
    if v is UNDEF:
        return None
    if isinstance(v, (Func, Builtin, Ctx, Shared, EnvRefs, ProcessEnv)):
        return Unknown("a function or context object, not a value")
    return v


def plain_resource(r: Resource, walk: Walk) -> dict:
    key_lines: dict = {}
    val_lines: dict = {}
    cfg = plain(r.config, "", key_lines, val_lines, r.line, r.line, walk)
    return {"type": r.type, "name": r.name if isinstance(r.name, (str, Unknown)) else Unknown("a non-string name"),
            "engine": r.engine, "helper": r.helper, "group": r.group, "line": r.line, "col": r.col, "config": cfg,
            "key_lines": key_lines, "val_lines": val_lines}
