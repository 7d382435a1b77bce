#!/usr/bin/env python3
"""Generate the generated parts of docs/credentials.md: the credential catalogue (between
`<!-- catalogue:start -->` and `<!-- catalogue:end -->`) from rules/credentials.yaml, the one source of every
credential kind — how iaclint recognises it, its scope, whether it is flagged as broad, what one holder could
delete, and the vendor's page on a narrower credential — and the table of the credential-scope rules (between
`<!-- rules:start -->` and `<!-- rules:end -->`) from their rule YAML, so neither can drift.

    python3 scripts/gen_catalogue_doc.py            # rewrite the block
    python3 scripts/gen_catalogue_doc.py --check    # exit 1 when it is stale
"""
from __future__ import annotations

import argparse
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(REPO, "docs", "credentials.md")
START, END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"
RULES_START, RULES_END = "<!-- rules:start -->", "<!-- rules:end -->"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _recognised_by(k) -> str:
    if k.jwt:
        return "JWT with " + ", ".join(f"`{a}: {b}`" for a, b in sorted(k.jwt.items()))
    parts = []
    if k.prefix:
        parts.append(f"`{k.prefix}…`")
    elif k.value is not None and not k.names:
        parts.append("value format")
    if k.names:
        shown = [p.pattern for p in k.names][:3]
        parts.append("name " + " / ".join(f"`{_cell(n)}`" for n in shown) + (" …" if len(k.names) > 3 else ""))
    if k.context:
        parts.append("read by a Terraform provider")
    return ", ".join(parts)


def _import_path():
    if REPO not in sys.path:
        sys.path.insert(0, REPO)


def render() -> str:
    _import_path()
    from iaclint.graph.credentials import load_catalogue

    rows = [START, "", "| provider | kind | recognised by | scope | flagged | one holder can delete | scope it down |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for k in sorted(load_catalogue(), key=lambda k: (k.provider, not k.broad, k.id)):
        link = f"[docs]({k.scope_down})" if k.scope_down else ""
        rows.append(f"| {k.provider} | {_cell(k.title)} (`{k.id}`) | {_recognised_by(k)} | {k.scope} | "
                    f"{'broad' if k.broad else 'no'} | {_cell(k.destroys)} | {link} |")
    return "\n".join(rows + ["", END])


def render_rules() -> str:
    """The credential-scope rules, from their YAML: id (linked to its page in docs/rules.md), severity (the
    rule's own; some findings say why theirs is lower) and title."""
    _import_path()
    from iaclint.engine.loader import load_rules

    rows = [RULES_START, "", "| id | severity | what it reports |", "| --- | --- | --- |"]
    for r in sorted((r for r in load_rules() if r.family == "credential-scope"), key=lambda r: r.id):
        rows.append(f"| [{r.id}](rules.md#{r.id.lower()}) | {r.severity} | {_cell(r.title)} |")
    return "\n".join(rows + ["", RULES_END])


def _replace(text: str, start_mark: str, end_mark: str, block: str) -> str:
    start, end = text.find(start_mark), text.find(end_mark)
    if start < 0 or end < start:
        raise ValueError(f"docs/credentials.md lacks the {start_mark} … {end_mark} markers")
    return text[:start] + block + text[end + len(end_mark):]


def update(text: str) -> str:
    return _replace(_replace(text, START, END, render()), RULES_START, RULES_END, render_rules())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    with open(DOC, encoding="utf-8") as fh:
        cur = fh.read()
    new = update(cur)
    if args.check:
        if new != cur:
            print("docs/credentials.md's catalogue or rules table is stale: run python3 scripts/gen_catalogue_doc.py")
            return 1
        return 0
    if new != cur:
        with open(DOC, "w", encoding="utf-8") as fh:
            fh.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
