"""The one way kubelint compiles a JSON Schema: offline, local references only, linear-time regex.

Every schema kubelint compiles (the bundled Kubernetes schemas, CRDs found in the linted files,
custom rule schemas and params schemas from a repository under review) goes through
:func:`compile_schema`:

* a ``$ref``/``$dynamicRef`` that is not a local ``#…`` reference is refused before anything is
  compiled, with an error naming it and where it is; nothing is ever fetched (the validator is
  built with a retriever that refuses, so even a reference that slipped through cannot reach the
  network or the file system);
* ``pattern``/``patternProperties`` use the linear-time regex engine (RE2 semantics, which is
  what the Kubernetes API server applies to CRD patterns), so no pattern can backtrack
  catastrophically on hostile input;
* a schema nested too deeply to compile, or with an invalid regex, is a SchemaCompileError with
  a one-line message, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jsonschema_rs

from kubelint.positions import escape

REF_KEYWORDS = ("$ref", "$dynamicRef")
MAX_SCHEMA_DEPTH = 200  # nesting of schema nodes (real CRDs stay far below)


class SchemaCompileError(ValueError):
    """A schema that is refused (a non-local reference) or cannot be compiled."""


def _refuse(uri: str) -> Any:
    raise SchemaCompileError(f"refusing to retrieve {uri!r}: kubelint never fetches schemas")


# Keywords whose value maps names to schemas (the names are data, not keywords), and keywords
# whose value is plain data (never a schema).
_NAME_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
_DATA = frozenset({"enum", "const", "default", "examples", "example", "required"})


def _nodes(schema: Any) -> Iterator[tuple[str, Any, int]]:
    """(JSON Pointer, schema node, depth) of every schema node, iteratively (schemas may be
    very deep); the names under ``properties`` and data under ``enum`` are not schema nodes."""
    stack: list[tuple[str, Any, int]] = [("", schema, 0)]
    while stack:
        pointer, node, depth = stack.pop()
        if isinstance(node, list):
            for i, value in enumerate(node):
                stack.append((f"{pointer}/{i}", value, depth + 1))
            continue
        if not isinstance(node, dict):
            continue
        yield pointer, node, depth
        for key, value in node.items():
            key = str(key)
            if key in _DATA or not isinstance(value, (dict, list)):
                continue
            here = f"{pointer}/{escape(key)}"
            if key in _NAME_MAPS and isinstance(value, dict):
                for name, sub in value.items():
                    stack.append((f"{here}/{escape(str(name))}", sub, depth + 2))
            else:
                stack.append((here, value, depth + 1))


def foreign_refs(schema: Any) -> list[tuple[str, str]]:
    """(pointer of the keyword, reference) for every reference that is not local (``#…``)."""
    found: list[tuple[str, str]] = []
    for pointer, node, _ in _nodes(schema):
        for keyword in REF_KEYWORDS:
            ref = node.get(keyword)
            if keyword in node and not (isinstance(ref, str) and ref.startswith("#")):
                found.append((f"{pointer}/{escape(keyword)}", str(ref)))
    return sorted(found)


def check_schema(schema: Any) -> None:
    """Raise SchemaCompileError for a non-local reference or excessive nesting."""
    for pointer, _node, depth in _nodes(schema):
        if depth > MAX_SCHEMA_DEPTH:
            shown = pointer if len(pointer) <= 80 else pointer[:80] + "..."
            raise SchemaCompileError(
                f"schema nested deeper than {MAX_SCHEMA_DEPTH} levels (at {shown})"
            )
    refs = foreign_refs(schema)
    if refs:
        pointer, ref = refs[0]
        more = f" (and {len(refs) - 1} more)" if len(refs) > 1 else ""
        raise SchemaCompileError(
            f'$ref "{ref}" at {pointer} is not a local reference{more}: only "#..." '
            "references are resolved (kubelint never fetches schemas)"
        )


def compile_schema(
    schema: Any,
    *,
    draft202012: bool = False,
    validate_formats: bool | None = None,
    checked: bool = False,
) -> Any:
    """A compiled jsonschema-rs validator for ``schema`` (see the module docstring).

    ``checked``: ``check_schema`` has passed on this very schema already (the bundled
    Kubernetes schemas are checked once, when they enter the user cache)."""
    if not checked:
        check_schema(schema)
    options: dict[str, Any] = {
        "retriever": _refuse,
        "pattern_options": jsonschema_rs.RegexOptions(),
    }
    if validate_formats is not None:
        options["validate_formats"] = validate_formats
    try:
        if draft202012:
            return jsonschema_rs.Draft202012Validator(schema, **options)
        return jsonschema_rs.validator_for(schema, **options)
    except SchemaCompileError:
        raise
    except jsonschema_rs.ValidationError as exc:
        message = _first_line(exc)
        bad_regex = re.fullmatch(r'(.*) is not a "regex"', message)
        if bad_regex:
            message = f"{bad_regex.group(1)} is not a valid regex"
        raise SchemaCompileError(message) from exc
    except (ValueError, TypeError, RecursionError) as exc:
        message = _first_line(exc)
        if "recursion" in message.lower():
            message = "schema nested too deeply to compile"
        raise SchemaCompileError(message) from exc


def _first_line(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(message).strip().splitlines()[0]


def explain(validator: Any, instance: Any) -> list[tuple[str, str]]:
    """(dotted instance path, message) of every error, in path order: the compiled validator
    explains errors itself, so no backtracking engine ever sees a hostile pattern."""
    out: list[tuple[list[str], str]] = []
    for err in validator.iter_errors(instance):
        path = [str(p) for p in err.instance_path]
        out.append((path, str(err.message)))
    out.sort(key=lambda item: item[0])
    return [(".".join(path), message) for path, message in out]
