"""Baselines: accept today's findings, fail only on new ones.

``iaclint baseline create PATH… -o FILE`` writes the fingerprints
(``report.model.fingerprints``: rule, file and the finding's identity — not its line)
of every finding that is not already suppressed inline.  ``iaclint check
--baseline FILE`` marks findings found in it as suppressed with kind
``external`` (SARIF ``suppressions``; hidden from text and annotations, kept in
JSON/SARIF) and so only new findings fail the run.  Matching counts
duplicates: if a baseline holds one finding with a fingerprint and the scan now
has two, one of them is new.
"""
from __future__ import annotations

import json
import os
from collections import Counter

from .mask import NO_SECRETS, mask_tree
from .report.model import fingerprints

FORMAT_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be used; the message names the file."""


def baseline_doc(findings, secrets=NO_SECRETS) -> dict:
    entries = [{"fingerprint": fp, "rule_id": f.rule_id, "file": f.span.path, "line": f.span.line}
               for f, fp in zip(findings, fingerprints(findings)) if not f.suppression]
    entries.sort(key=lambda e: (e["file"], e["rule_id"], e["fingerprint"], e["line"]))
    return {"version": FORMAT_VERSION, "tool": "iaclint", "findings": mask_tree(entries, secrets, keep={"fingerprint"})}


def write_baseline(path: str, findings, secrets=NO_SECRETS) -> int:
    doc = baseline_doc(findings, secrets)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(doc, fh, indent=2, sort_keys=True)
        fh.write("\n")
    return len(doc["findings"])


def load_baseline(path: str) -> Counter:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file does not exist (create it with `iaclint baseline create`)") \
            from None
    except (OSError, UnicodeDecodeError) as e:
        raise BaselineError(f"{path}: cannot read baseline: {getattr(e, 'strerror', None) or e}") from None
    except json.JSONDecodeError as e:
        raise BaselineError(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from None
    if not isinstance(doc, dict) or doc.get("tool") != "iaclint" or not isinstance(doc.get("findings"), list):
        raise BaselineError(f"{path}: not an iaclint baseline (expected {{\"tool\": \"iaclint\", \"findings\": [...]}})")
    if doc.get("version") != FORMAT_VERSION:
        raise BaselineError(f"{path}: baseline version {doc.get('version')!r} is not supported (expected "
                            f"{FORMAT_VERSION}); recreate it")
    out: Counter = Counter()
    for i, e in enumerate(doc["findings"]):
        fp = e.get("fingerprint") if isinstance(e, dict) else None
        if not isinstance(fp, str) or not fp:
            raise BaselineError(f"{path}: findings[{i}] has no fingerprint")
        out[fp] += 1
    return out


def apply_baseline(findings, path: str) -> int:
    """Mark findings present in the baseline as suppressed (kind external). Returns how many were matched."""
    known = load_baseline(path)
    name = os.path.basename(path)
    matched = 0
    fps = {id(f): fp for f, fp in zip(findings, fingerprints(findings))}
    # a baseline written before a finding's key changed holds its legacy fingerprint
    old = {id(f): fp for f, fp in zip(findings, fingerprints(findings, legacy=True))}
    for f in sorted(findings, key=lambda f: f.sort_key()):
        fp = fps[id(f)] if known[fps[id(f)]] > 0 or known[old[id(f)]] <= 0 else old[id(f)]
        if f.suppression:  # ignored inline: compared with the baseline (SARIF baselineState) but not matched
            f.properties["baselineState"] = "unchanged" if fp in known else "new"
            continue
        if known[fp] > 0:
            known[fp] -= 1
            f.suppression = {"kind": "external", "justification": f"accepted in baseline {name}"}
            f.properties["baselineState"] = "unchanged"
            matched += 1
        else:
            f.properties["baselineState"] = "new"
    return matched
