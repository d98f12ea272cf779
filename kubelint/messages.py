"""Message text helpers: the one home for how findings and errors show values.

``quote`` quotes a string as JSON does (so a quote or control character inside stays
readable); ``yaml_scalar`` writes true/false/null as YAML and Kubernetes do; ``show_value`` is
what a message shows for any value; ``type_name`` names a value's type ("a mapping", "null");
``suggest`` is the `` (did you mean "x"?)`` suffix.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any


def quote(text: str) -> str:
    """``text`` in double quotes, escaped as JSON (non-ASCII kept as is)."""
    return json.dumps(text, ensure_ascii=False)


def yaml_scalar(value: Any) -> str:
    """A scalar as YAML writes it: ``true``/``false``/``null``, numbers and text as they are."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value)


def show_value(value: Any, limit: int | None = None) -> str:
    """A value as a message shows it: strings quoted (cut to ``limit``), YAML scalars in YAML."""
    if isinstance(value, str):
        text = value if limit is None or len(value) <= limit else value[: limit - 3] + "..."
        return quote(text)
    return yaml_scalar(value)


def suggest(
    name: str, choices: Iterable[str], cutoff: float = 0.6, ignore_case: bool = False
) -> str:
    """`` (did you mean "x"?)`` for the closest of ``choices``, or an empty string.

    With ``ignore_case`` a choice that differs only in case wins over closer spellings.
    """
    options = list(choices)
    match: str | None = None
    if ignore_case:
        match = {c.lower(): c for c in options}.get(name.lower())
    if match is None:
        import difflib

        close = difflib.get_close_matches(name, options, n=1, cutoff=cutoff)
        match = close[0] if close else None
    return f" (did you mean {quote(match)}?)" if match else ""


def type_name(value: Any) -> str:
    """What a shape message calls a value's type: ``a mapping``, ``an integer``, ``null``, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
