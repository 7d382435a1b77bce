"""A finding's message, rendered once from its data when the report is built (scan.scan): the rule's text, the
environments it holds in, where its value was set and which roots reach it through a module call."""
from __future__ import annotations

from ..model import Finding


def render_message(f: Finding) -> str:
    text = f.text
    if f.names_envs and f.envs:
        text += f" — holds in {', '.join(f.envs)}"
    if f.value_site is not None:
        text += f" (set in {f.value_site.path}:{f.value_site.line})"
    if f.module_roots:
        text += f" [module used by root{'s' if len(f.module_roots) > 1 else ''} {', '.join(f.module_roots)}]"
    return text


def render_findings(findings: list[Finding]) -> list[Finding]:
    """Set every finding's message (and its module_roots property, which JSON and SARIF show); return them in
    report order."""
    for f in findings:
        f.message = render_message(f)
        if f.module_roots:
            f.properties["module_roots"] = f.module_roots
    return sorted(findings, key=lambda f: f.sort_key())
