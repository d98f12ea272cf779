"""``json.dump(data, out, indent=2, ensure_ascii=False)``, byte for byte, at C speed per leaf.

With ``indent`` the standard library leaves its C encoder aside and runs the pure-Python one
(a generator per container, one ``write`` per token): a tenth of a large run. The report data
is plain (dicts, lists, strings, numbers, booleans, None), so this writer handles exactly those
types with the standard library's own string and number renderings; anything else (a subclass,
an unknown type, a cycle) is left to ``json.dump`` itself, so the output and its errors are
always the standard library's.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import IO, Any

_INDENT = "  "
_FLOAT_REPR = float.__repr__
_INT_REPR = int.__repr__


class _Unsupported(Exception):
    """A value outside the plain types: let json.dump render the whole document."""


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return _FLOAT_REPR(value)


def _key(key: Any) -> str:
    """A dict key as json renders it (non-string keys become strings)."""
    kind = key.__class__
    if kind is str:
        return encode_basestring(key)
    if kind is float:
        return encode_basestring(_float(key))
    if key is True:
        return '"true"'
    if key is False:
        return '"false"'
    if key is None:
        return '"null"'
    if kind is int:
        return encode_basestring(_INT_REPR(key))
    raise _Unsupported


def dumps(data: Any) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False)`` for plain data; raises _Unsupported
    for anything else."""
    parts: list[str] = []
    append = parts.append
    enc = encode_basestring
    depth = 0

    def scalar(value: Any) -> str:
        kind = value.__class__
        if kind is str:
            return enc(value)
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if kind is int:
            return _INT_REPR(value)
        if kind is float:
            return _float(value)
        raise _Unsupported

    def emit(value: Any, newline: str) -> None:
        nonlocal depth
        kind = value.__class__
        if kind is dict:
            if not value:
                append("{}")
                return
            depth += 1
            if depth > 900:  # json.dump's own recursion handling decides
                raise _Unsupported
            inner = newline + _INDENT
            sep = "{" + inner
            for key, item in value.items():
                append(sep)
                append(enc(key) if key.__class__ is str else _key(key))
                append(": ")
                item_kind = item.__class__
                if item_kind is dict or item_kind is list or item_kind is tuple:
                    emit(item, inner)
                else:
                    append(scalar(item))
                sep = "," + inner
            append(newline + "}")
            depth -= 1
        elif kind is list or kind is tuple:
            if not value:
                append("[]")
                return
            depth += 1
            if depth > 900:
                raise _Unsupported
            inner = newline + _INDENT
            sep = "[" + inner
            for item in value:
                append(sep)
                item_kind = item.__class__
                if item_kind is dict or item_kind is list or item_kind is tuple:
                    emit(item, inner)
                else:
                    append(scalar(item))
                sep = "," + inner
            append(newline + "]")
            depth -= 1
        else:
            append(scalar(value))

    emit(data, "\n")
    return "".join(parts)


def dump(data: Any, out: IO[str]) -> None:
    """Write ``data`` to ``out`` exactly as ``json.dump(data, out, indent=2,
    ensure_ascii=False)`` does."""
    try:
        text = dumps(data)
    except (_Unsupported, RecursionError):
        json.dump(data, out, indent=2, ensure_ascii=False)
        return
    out.write(text)
