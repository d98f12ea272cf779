"""Safe, comment-preserving fixes for findings (``kubelint fix``, ``lint --fix``, code actions).

The functions here compute and apply fixes on text and never print or write; see
:mod:`kubelint.fix.core` for the model and :mod:`kubelint.fix.files` for writing files.
"""

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
