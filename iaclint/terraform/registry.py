"""Registry module interfaces without a download: the module catalogue (``rules/modules.yaml`` plus the team's
``modules:`` entries in ``.iaclint.yaml``).

A call of a catalogued registry/git module whose code ``terraform init`` did not install is turned into the
resource node(s) the module would create: each catalogued attribute takes the call's input (its origins: the
input's line, or the tfvars line that set it) or, when the input is not set, the module's default (its origin: the
call header). A default is known only for the versions the catalogue lists: a call whose ``version`` (or git
``?ref=``) allows a version outside that range gets an Unknown, which the rules report as *cannot verify*. Then
every rule applies unchanged. With the module installed (``.terraform/modules``), the real code wins
(``modules.Expander``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..model import Span
from .values import Computed, Unknown

CATALOGUE_FILE = "modules.yaml"

# ------------------------------------------------------------------ sources


_GIT_HOST = re.compile(r"^(?:git::)?(?:https?://|ssh://git@|git@)?(github\.com|gitlab\.com|bitbucket\.org)[/:]", re.I)


def normalise_source(source: str) -> tuple[str, str | None]:
    """(catalogue key, version pinned by a git ``?ref=``) of a module source: ``registry.terraform.io/`` and
    ``git::https://`` prefixes, ``.git`` and the query dropped, lower case; ``//subdir`` kept."""
    s = source.strip()
    ref = None
    if "?" in s:
        s, query = s.split("?", 1)
        m = re.search(r"(?:^|&)ref=([^&]+)", query)
        ref = m.group(1) if m else None
    s = re.sub(r"^registry\.terraform\.io/", "", s, flags=re.I)
    m = _GIT_HOST.match(s)
    if m:
        s = m.group(1) + "/" + s[m.end():]
    path, sub = (s.split("//", 1) + [""])[:2] if "//" in s else (s, "")
    path = re.sub(r"\.git$", "", path.rstrip("/"))
    key = path.lower() + (f"//{sub.strip('/')}" if sub.strip("/") else "")
    return key, ref


# ------------------------------------------------------------------ versions
_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$")
_CLAUSE = re.compile(r"^\s*(~>|>=|<=|!=|=|>|<)?\s*(\S+)\s*$")
INF = (10 ** 9, 0, 0)


def parse_version(text: str):
    m = _VERSION.match(text.strip())
    if not m:
        return None, 0
    parts = [int(p) for p in m.groups() if p is not None]
    return tuple(parts + [0] * (3 - len(parts))), len(parts)


def interval(constraint: str):
    """((low, inclusive), (high, inclusive)) of a Terraform version constraint ("~> 6.0", ">= 5.1, < 7",
    "6.10.0"), or None when it cannot be read. ``!=`` clauses do not narrow it (a subset check stays sound)."""
    lo, hi = ((0, 0, 0), True), (INF, True)
    for clause in constraint.split(","):
        if not clause.strip():
            continue
        m = _CLAUSE.match(clause)
        if not m:
            return None
        op, (v, n) = m.group(1) or "=", parse_version(m.group(2))
        if v is None:
            return None
        bounds = []
        if op == "~>":
            up = (v[0] + 1, 0, 0) if n <= 2 else (v[0], v[1] + 1, 0)
            bounds = [("lo", (v, True)), ("hi", (up, False))]
        elif op == "=":
            bounds = [("lo", (v, True)), ("hi", (v, True))]
        elif op in (">", ">="):
            bounds = [("lo", (v, op == ">="))]
        elif op in ("<", "<="):
            bounds = [("hi", (v, op == "<="))]
        for side, b in bounds:
            if side == "lo" and (b[0], not b[1]) > (lo[0], not lo[1]):
                lo = b
            if side == "hi" and (b[0], b[1]) < (hi[0], hi[1]):
                hi = b
    return lo, hi


def within(constraint: str | None, holds: str | None) -> bool:
    """Does every version CONSTRAINT allows lie in the range HOLDS (None: every version)? No constraint: the
    latest release, which the catalogue's ranges (open upwards) include."""
    if holds is None:
        return True
    r = interval(holds)
    if constraint is None:
        return r is not None and r[1][0] == INF
    c = interval(constraint)
    if c is None or r is None:
        return False
    (clo, chi), (rlo, rhi) = c, r
    lo_ok = clo[0] > rlo[0] or (clo[0] == rlo[0] and (rlo[1] or not clo[1]))
    hi_ok = chi[0] < rhi[0] or (chi[0] == rhi[0] and (rhi[1] or not chi[1]))
    return lo_ok and hi_ok


# ------------------------------------------------------------------ the catalogue
@dataclass(frozen=True)
class Catalogue:
    entries: tuple = ()  # module entries (dicts as in modules.yaml), user entries first

    def match(self, source: str):
        """(entry, version pinned by the source's git ref) for a module source, or (None, None)."""
        key, ref = normalise_source(source)
        for e in self.entries:
            if key in (normalise_source(s)[0] for s in e["sources"]):
                return e, ref
        return None, None


@cache
def builtin_entries() -> tuple:
    """The shipped catalogue (validated against ``schemas/modules.schema.json`` by tests/test_startup.py, not at
    every start: jsonschema is ~0.1 s)."""
    from .. import builtin_data

    return tuple((builtin_data(CATALOGUE_FILE) or {}).get("modules", []))


def load_entries(path: str, check: bool = True) -> list:
    from .. import load_yaml

    with open(path, encoding="utf-8") as fh:
        data = load_yaml(fh) or {}
    errors = validate(data) if check else []
    if errors:
        raise ValueError(f"{path}: {errors[0]}")
    return list(data.get("modules", []))


def validate(data) -> list[str]:
    """Schema errors of a catalogue document ({modules: [...]}) as "path: message" strings."""
    import jsonschema

    from .. import load_schema

    v = jsonschema.Draft202012Validator(load_schema("modules.schema.json"))
    return [f"{'.'.join(str(p) for p in e.path) or '(top)'}: {e.message}"
            for e in sorted(v.iter_errors(data), key=lambda e: list(e.path))]


def catalogue(user_entries=()) -> Catalogue:
    return Catalogue(tuple(user_entries) + builtin_entries())


# ------------------------------------------------------------------ synthesis
@dataclass
class Input:
    value: object  # evaluated; None: not set
    origins: list  # [Span] fix site first
    present: Span | None  # the input's line in the call


def _lookup(value, key: str | None):
    """VALUE's nested KEY (dotted); (value, found)."""
    if key is None:
        return value, True
    for part in key.split("."):
        if isinstance(value, Unknown):
            return value, True
        if not isinstance(value, dict) or value.get(part) is None:
            return None, False
        value = value[part]
    return value, True


def _mapped(value, spec: dict):
    table = spec.get("map")
    if table is None or isinstance(value, Unknown):
        return value
    for k, v in table.items():
        if k == value or (isinstance(value, bool) and str(k).lower() == str(value).lower()):
            return v
    return value


def _default(spec: dict, which: str, version: str | None, call: str):
    """The module's default (``default`` or ``key_default``), Unknown when VERSION may lie outside its range."""
    if not within(version, spec.get(f"{which}_versions", spec.get("versions"))):
        rng = spec.get(f"{which}_versions", spec.get("versions"))
        return Unknown(f"module {call} version {version or '(latest)'}: the default of input "
                       f"{spec['input']!r} is catalogued only for versions {rng}")
    return spec.get(which)


def attribute_value(spec: dict, inp: Input | None, version: str | None, call: str, header: Span):
    """(value, origins, present) of one catalogued attribute; value None: not set (the attribute is absent)."""
    if inp is not None and inp.value is not None:
        v, found = _lookup(inp.value, spec.get("key"))
        if found:
            return _mapped(v, spec), inp.origins, inp.present
        if "key_default" in spec:
            return _mapped(_default(spec, "key_default", version, call), spec), inp.origins, inp.present
        return None, inp.origins, inp.present
    return _mapped(_default(spec, "default", version, call), spec), [header], header


def creates(spec: dict | None, inputs: dict, version: str | None, call: str, header: Span):
    """Whether the module creates the resource: True, False, or an Unknown reason string."""
    if spec is None:
        return True
    inp = inputs.get(spec["input"])
    v = inp.value if inp is not None and inp.value is not None else _default(spec, "default", version, call)
    if isinstance(v, Unknown):
        return v.reason
    if spec.get("when") == "set":
        return v not in (None, {}, [], "")
    return v is True


def _put(attrs: dict, path: str, value) -> None:
    """Set a dotted attribute path, nested blocks as lists of one dict (as parsed HCL blocks are)."""
    parts = path.split(".")
    cur = attrs
    for p in parts[:-1]:
        lst = cur.setdefault(p, [{}])
        cur = lst[0]
    cur[parts[-1]] = value


def synthesize(entry: dict, inputs: dict, version: str | None, call: str, header: Span):
    """[(resource spec, attrs, origins, present, unknown-instances reason or None)] for one module instance.
    INPUTS: {name: Input}. Resources the module does not create with these inputs are left out."""
    out = []
    for res in entry["resources"]:
        made = creates(res.get("create"), inputs, version, call, header)
        if made is False:
            continue
        attrs: dict = {}
        origins: dict = {}
        present: dict = {}
        for spec in res.get("attributes", []):
            v, org, pres = attribute_value(spec, inputs.get(spec["input"]), version, call, header)
            if v is None:
                continue
            _put(attrs, spec["attribute"], v)
            origins[spec["attribute"]] = list(org)
            present[spec["attribute"]] = pres
        for name, value in (res.get("fixed") or {}).items():
            _put(attrs, name, value)
        out.append((res, attrs, origins, present, made if isinstance(made, str) else None))
    return out


def outputs(entry: dict, address_of) -> dict:
    """The module's outputs the catalogue names: ids/ARNs known after apply that carry their resource."""
    out = {}
    for name, spec in (entry.get("outputs") or {}).items():
        src = address_of(spec["resource"])
        out[name] = Computed(f"module output {name} is known after apply", src)
    return out
