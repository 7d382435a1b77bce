"""ES006: The same secret value in production's and another environment's files."""
from __future__ import annotations

from iaclint.engine.helpers import shared_identities
from iaclint.model import Location


def _secret_occurrences(graph):
    """fingerprint -> [(node, label)] for credentials and secret-looking env variables."""
    out: dict = {}
    seen = set()
    for n in graph.of_kind("credential"):
        fp = n.attrs.get("fingerprint")
        if fp:
            out.setdefault(fp, []).append((n, n.name))
            seen.add(n.id)
    for n in graph.of_kind("env_var"):
        fp = n.attrs.get("secret_fingerprint")
        if fp and n.attrs.get("credential") not in seen:
            out.setdefault(fp, []).append((n, n.name))
    return out


def check(ctx):
    """FAIL: SESSION_SECRET (or a token) with the same value in .env.staging and .env.production.
    PASS: each environment has its own value."""
    shared = shared_identities(ctx.graph)
    for fp, occ in sorted(_secret_occurrences(ctx.graph).items()):
        occ = [(n, label) for n, label in occ if n.env_names and n.attrs.get("identity") not in shared]
        envs = sorted({e for n, _ in occ for e in n.env_names})
        if len(envs) < 2 or "production" not in envs:
            continue
        prod = sorted((n for n, _ in occ if "production" in n.env_names), key=lambda n: (n.span.path, n.span.line))
        p = prod[0]
        for n, label in sorted(occ, key=lambda x: (x[0].span.path, x[0].span.line)):
            if "production" in n.env_names:
                continue
            e = ", ".join(n.env_names)
            yield ctx.finding(n, f"{label} in {e} has the same secret value as production's {p.name} "
                                 f"({p.span.path}:{p.span.line}): whoever holds the {e} copy — any {e} process, "
                                 f"CI job or agent — holds production's credential",
                              related=[Location(p.span, "production's copy of the same secret")],
                              key=f"{n.span.path}|{label}|sharedsecret", envs=sorted(set(n.env_names) | {"production"}))
