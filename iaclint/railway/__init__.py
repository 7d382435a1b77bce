"""Railway infrastructure as code: ``.railway/railway.ts`` and ``.railway/railway.py``, read statically.

Nothing here runs user code.  The layout mirrors :mod:`iaclint.terraform`:

- :mod:`.ir` — the intermediate representation (nodes with named fields and source lines);
- :mod:`.typescript` — tree-sitter-typescript -> IR; :mod:`.python` — Python ``ast`` -> IR;
- :mod:`.interpreter` — evaluates a program once per Railway environment, under step, size and nesting
  budgets (:mod:`.values` holds the runtime values and the size budget, :mod:`.operators` the binary
  operators, :mod:`.library` the JavaScript/Python standard library);
- :mod:`.sdk` — the model of the Railway SDK (``defineRailway``, ``project``, ``service``, databases and their
  defaults, ``volume``, ``bucket``, ``group``, ``ctx``...).

Whatever cannot be known statically (``process.env``, imports from other modules, unsupported syntax, a value
over budget) becomes :class:`~iaclint.terraform.values.Unknown` with a reason.
"""
from __future__ import annotations

from .interpreter import EvalResult, evaluate
from .ir import Program
from .python import parse_railway_py
from .sdk import DB_DEFAULTS
from .typescript import parse_railway_ts

__all__ = ["DB_DEFAULTS", "EvalResult", "Program", "evaluate", "parse_railway_py", "parse_railway_ts"]
