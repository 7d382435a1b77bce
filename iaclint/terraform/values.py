"""Evaluated Terraform values: plain Python data plus an explicit Unknown, and their size budget."""
from __future__ import annotations

# Budgets every evaluated value stays under (docs: "Budgets, not trust"). Size units approximate bytes:
# NODE_SIZE per value (list item, map entry, number...) plus 1 per character of a string or map key; so
# MAX_VALUE_SIZE is a 4 MB string or 250,000 list items, and measuring a value walks at most 250,000 nodes.
MAX_VALUE_SIZE = 4_000_000
NODE_SIZE = 16
MAX_VALUE_DEPTH = 100  # nesting of lists/maps: the helpers below and the rules walk values recursively


class Unknown:
    """A value iaclint cannot know statically, and why (a computed attribute, an unset variable...)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"

    def __eq__(self, other):  # Unknowns never equal known values
        return isinstance(other, Unknown) and other.reason == self.reason

    def __hash__(self):
        return hash(("Unknown", self.reason))

    def __bool__(self):
        raise TypeError("Unknown has no truth value; test with isinstance(v, Unknown)")


class OverBudget(Unknown):
    """A value iaclint stopped evaluating: over the size, step or nesting budget. Not an error Terraform
    would raise, so ``can()`` and ``try()`` do not turn it into false or a fallback."""

    __slots__ = ()


class EvalError(Unknown):
    """A value Terraform would refuse to compute: an error (a missing attribute of a known object, regex()
    without a match, tonumber("x")...). ``can()`` turns it into false and ``try()`` into its next argument."""

    __slots__ = ()


class Computed(Unknown):
    """An attribute every managed resource and data source has once applied (``id``, ``arn``): its value is
    known only after apply, but it is never null, so ``replicate_source_db = aws_db_instance.x.arn`` is set.
    SOURCE names the resource it identifies (``module.db.aws_db_instance.this``), wherever the value flows
    (module outputs, variables): a resource elsewhere that holds it refers to that resource."""

    __slots__ = ("source",)

    def __init__(self, reason: str, source: str | None = None):
        super().__init__(reason)
        self.source = source


def key_suffix(key) -> str:
    """An instance key as Terraform addresses write it: ``[0]``, ``["eu"]``; none for a single instance."""
    if key is None:
        return ""
    return f"[{key}]" if isinstance(key, int) else f'["{key}"]'


def resource_source(what: str, resolver) -> str | None:
    """The module-qualified address of the managed resource a reference WHAT (``aws_db_instance.this``) reads, in
    the module instance RESOLVER evaluates (its ``module_path``)."""
    if what.split(".", 1)[0] in ("var", "local", "module", "data", "each", "count", "expression", "self"):
        return None
    module_path = getattr(resolver, "module_path", "")
    return f"{module_path}.{what}" if module_path else what


ALWAYS_SET = frozenset({"id", "arn"})  # attributes the provider always computes (Computed, never null)


class PartialString(Unknown):
    """A string known only in parts: ``"${random_id.x.hex}-backup"``. FRAGMENTS are the known pieces in order,
    with None for each unknown stretch (adjacent unknowns merged), so rules can decide on the known text. SOURCE:
    the resource whose Computed id starts it (``"${azapi_resource.sa.id}/blobServices/default"``, a child's id)."""

    __slots__ = ("fragments", "source")

    def __init__(self, reason: str, fragments, source: str | None = None):
        super().__init__(reason)
        self.source = source
        merged: list = []
        for f in fragments:
            if f is None and merged and merged[-1] is None:
                continue
            if isinstance(f, str) and merged and isinstance(merged[-1], str):
                merged[-1] += f
            elif f != "":
                merged.append(f)
        self.fragments = tuple(merged)

    def __repr__(self) -> str:
        return f"PartialString({self.reason!r}, {self.fragments!r})"


def plain(v):
    """V, or a plain Unknown with its reason when V is a PartialString: for values computed *from* a partial
    string (a function of it, an attribute of it), which are not that string."""
    return Unknown(v.reason) if type(v) is PartialString else v


PLACEHOLDER = "\ufffc"  # stands for an unknown stretch of a PartialString in known_text()


def known_text(v) -> str | None:
    """The text of a string as far as it is known: V itself, or a PartialString's known fragments joined with
    PLACEHOLDER where the unknown parts are; None for any other value."""
    if isinstance(v, str):
        return v
    if isinstance(v, PartialString):
        return "".join(PLACEHOLDER if f is None else f for f in v.fragments)
    return None


def search_known(pattern, v) -> bool | None:
    """Whether compiled regex PATTERN matches V for certain: True when a match lies in V's known text without
    touching an unknown stretch, False when V is a known string without a match, None otherwise."""
    text = known_text(v)
    if text is None:
        return None
    for m in pattern.finditer(text):
        if m.group(0) and PLACEHOLDER not in m.group(0):
            return True
    return False if isinstance(v, str) else None


def first_error(v) -> Unknown | None:
    """The first EvalError or OverBudget inside V (over budget first: it must not become false/a fallback)."""
    over = err = None
    stack = [v]
    while stack and over is None:
        x = stack.pop()
        if isinstance(x, OverBudget):
            over = x
        elif isinstance(x, EvalError):
            if err is None:
                err = x
        elif isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
    return over if over is not None else err


def contains_unknown(v) -> bool:
    if isinstance(v, Unknown):
        return True
    if isinstance(v, dict):
        return any(contains_unknown(x) for x in v.values())
    if isinstance(v, (list, tuple)):
        return any(contains_unknown(x) for x in v)
    return False


def first_unknown(v) -> Unknown | None:
    if isinstance(v, Unknown):
        return v
    if isinstance(v, dict):
        for x in v.values():
            u = first_unknown(x)
            if u is not None:
                return u
    if isinstance(v, (list, tuple)):
        for x in v:
            u = first_unknown(x)
            if u is not None:
                return u
    return None


def truthy(v) -> bool | None:
    """Terraform-ish truth: bools and the strings "true"/"false"; None for unknown."""
    if isinstance(v, Unknown):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        if v.lower() == "true":
            return True
        if v.lower() == "false":
            return False
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return bool(v)
    return None


def render(v, limit: int = 80) -> str:
    """Show a value in HCL-ish form for messages."""
    if isinstance(v, Unknown):
        return "(unknown)"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        s = '"' + v + '"'
    elif isinstance(v, float) and v.is_integer():
        s = str(int(v))
    elif isinstance(v, (list, tuple)):
        s = "[" + ", ".join(render(x, limit) for x in v) + "]"
    elif isinstance(v, dict):
        s = "{" + ", ".join(f"{k} = {render(x, limit)}" for k, x in v.items()) + "}"
    else:
        s = str(v)
    return s if len(s) <= limit else s[: limit - 1] + "…"



def measure(v, limit: int = MAX_VALUE_SIZE, memo: dict | None = None) -> tuple[int, int] | None:
    """(size, depth) of V: its logical size (shared parts counted each time they appear, as jsonencode would
    write them) and its nesting of lists/maps; None once the size passes LIMIT or the depth MAX_VALUE_DEPTH.
    Iterative, and it stops at the limit, so measuring costs at most O(limit) whatever V is.
    MEMO: id -> (container, size, depth) of containers measured before, not walked again."""
    total = 0
    deepest = 0
    stack = [(v, 0)]
    while stack:
        x, d = stack.pop()
        t = type(x)
        if t is str:
            total += NODE_SIZE + len(x)
        elif t is list or t is dict or t is tuple:
            m = memo.get(id(x)) if memo is not None else None
            if m is not None and m[0] is x:
                total += m[1]
                d += m[2]
            elif t is dict:
                total += NODE_SIZE
                d += 1
                for k, y in x.items():
                    total += len(k) if type(k) is str else NODE_SIZE
                    stack.append((y, d))
            else:
                total += NODE_SIZE
                d += 1
                stack.extend((y, d) for y in x)
            if d > MAX_VALUE_DEPTH:
                return None
            deepest = max(deepest, d)
        else:
            total += NODE_SIZE
        if total > limit:
            return None
    return total, deepest


def covered(results):
    """Three-valued any() over RESULTS (True / False / Unknown, evaluated lazily): True at the first True, else
    the first Unknown (the rule says cannot verify), else False."""
    return _three_valued(results, True)


def all_hold(results):
    """Three-valued all(): False at the first False, else the first Unknown, else True."""
    return _three_valued(results, False)


def _three_valued(results, decisive: bool):
    unknown = None
    for r in results:
        if r is decisive:
            return decisive
        if isinstance(r, Unknown) and unknown is None:
            unknown = r
    return unknown if unknown is not None else not decisive
