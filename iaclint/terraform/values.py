"""Evaluated Terraform values: plain Python data plus an explicit Unknown."""
from __future__ import annotations


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
