"""Rule message templates: plain ``{field}`` substitution, nothing more.

A rule's ``message`` (rules/*.yaml, and custom rules from a repository under review) is checked
when the catalogue loads: only the placeholders below, written as ``{name}``, and ``{{``/``}}``
for literal braces. Format specs (``{name:>1000000000}`` allocates gigabytes), conversions
(``{name!r}``), attribute access and indexing (``{name.__class__}``, ``{name[0]}``) are a
catalogue error. Substitution never calls ``str.format``, so nothing in a value or a template
is ever interpreted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

FIELDS = ("container", "value", "field", "path", "kind", "name")
_TOKEN_RE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class TemplateError(ValueError):
    """A message template that is not plain ``{field}`` substitution."""


def check(template: str) -> None:
    """Raise TemplateError naming the first thing in ``template`` that is not allowed."""
    for match in _TOKEN_RE.finditer(template):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        inner = match.group(1)
        if inner is None:
            raise TemplateError(
                f"unmatched {token!r} at offset {match.start()} (write {token * 2} for a brace)"
            )
        if inner not in FIELDS:
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", inner):
                problem = f"unknown placeholder {{{inner}}}"
            else:
                problem = (
                    f"placeholder {token!r} is not plain substitution (no format spec, "
                    "conversion, attribute access or index)"
                )
            raise TemplateError(f"{problem}; allowed: {', '.join('{' + f + '}' for f in FIELDS)}")


def render(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each ``{field}`` replaced by ``values[field]`` (as text)."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        inner = match.group(1)
        if inner is not None and inner in values:
            return str(values[inner])
        return token  # left as written (check() rejects it when the catalogue loads)

    return _TOKEN_RE.sub(replace, template)
