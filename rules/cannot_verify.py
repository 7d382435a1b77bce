"""The cannot-verify rules have no detector of their own: other rules of their family report through
RuleContext.cannot_verify, which files the finding under the family's x900 rule."""
from __future__ import annotations

from iaclint.engine.loader import check


@check("DP900")
def _dp_cannot_verify(ctx):
    return []


@check("BK900")
def _bk_cannot_verify(ctx):
    return []
