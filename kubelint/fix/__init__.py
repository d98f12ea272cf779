"""Safe, comment-preserving fixes for findings (``kubelint fix``, ``lint --fix``, code actions).

The functions here compute and apply fixes on text and never print or write; see
:mod:`kubelint.fix.core` for the model and :mod:`kubelint.fix.files` for writing files.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubelint.fix.core import (
        Applied,
        Fix,
        FixOptions,
        TextFixes,
        Unfixable,
        apply,
        fixed_text,
        has_fix,
        plan,
        position,
        refusal,
    )
    from kubelint.fix.text import CannotFix, TextEdit

# Imported on first use: a lint only needs kubelint.fix.spec (whether a finding has a fix),
# not the fix engine itself.
_HOME = {
    "CannotFix": "kubelint.fix.text",
    "TextEdit": "kubelint.fix.text",
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'kubelint.fix' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME.get(name, "kubelint.fix.core")), name)
    globals()[name] = value
    return value


__all__ = [
    "Applied",
    "CannotFix",
    "Fix",
    "FixOptions",
    "TextEdit",
    "TextFixes",
    "Unfixable",
    "apply",
    "fixed_text",
    "has_fix",
    "plan",
    "position",
    "refusal",
]
