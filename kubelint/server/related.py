"""Related locations of a finding in the same file: where a duplicate was first written.

Diagnostics carry them as ``relatedInformation`` so an editor can jump from the second
occurrence of a key, an env var or an object to the first. Findings whose own data names
related locations (``Finding.related``, when the pipeline provides it) are handled by the
server directly; this module derives the in-file ones from the document itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kubelint.findings import Finding
from kubelint.model import K8sObject
from kubelint.positions import split

# (1-based line, 1-based column, message)
Related = tuple[int, int, str]


def related_locations(
    finding: Finding,
    obj: K8sObject | None,
    lines: Sequence[str],
    file_objects: Iterable[K8sObject],
) -> list[Related]:
    if finding.rule == "duplicate-key":
        found = _earlier_key(lines, finding.location.line, finding.location.column)
        return [(*found, "first occurrence of the key")] if found else []
    if finding.rule == "duplicate-env-var" and obj is not None and finding.path:
        return _first_env(obj, finding.path)
    if finding.rule == "duplicate-object" and obj is not None:
        return _other_copies(obj, file_objects)
    return []


def _earlier_key(lines: Sequence[str], line: int, column: int) -> tuple[int, int] | None:
    """The earlier occurrence of the block-mapping key at ``line``/``column`` (1-based):
    same key text at the same column, before any line that ends the mapping."""
    row, col = line - 1, column - 1
    if not 0 <= row < len(lines):
        return None
    text = lines[row]
    key = _key_at(text, col)
    if key is None:
        return None
    for r in range(row - 1, -1, -1):
        other = lines[r]
        stripped = other.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(other) - len(other.lstrip(" "))
        if other.lstrip(" ").startswith("- ") and indent < col:
            # a list item holding the mapping: its first key sits after the dash
            if _key_at(other, col) == key:
                return r + 1, col + 1
            return None
        if stripped in ("---", "..."):
            return None
        if indent < col:
            return None
        if indent == col and _key_at(other, col) == key:
            return r + 1, col + 1
    return None


def _key_at(text: str, col: int) -> str | None:
    rest = text[col:]
    if rest[:1] in ('"', "'"):
        quote = rest[0]
        end = rest.find(quote, 1)
        if end < 0 or rest[end + 1 : end + 2] != ":":
            return None
        return rest[: end + 1]
    for i, ch in enumerate(rest):
        if ch == ":" and (i + 1 == len(rest) or rest[i + 1] in " \t"):
            return rest[:i].rstrip()
    return None


def _first_env(obj: K8sObject, path: str) -> list[Related]:
    tokens = split(path)
    # …/env/<i>/name
    if len(tokens) < 3 or tokens[-1] != "name" or tokens[-3] != "env" or not tokens[-2].isdigit():
        return []
    container_pointer = "/" + "/".join(tokens[:-3]) if len(tokens) > 3 else ""
    node: object = obj.raw
    for token in tokens[:-2]:
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return []
    if not isinstance(node, list):
        return []
    index = int(tokens[-2])
    item = node[index] if index < len(node) else None
    name = item.get("name") if isinstance(item, dict) else None
    for j in range(index):
        other = node[j]
        if isinstance(other, dict) and other.get("name") == name:
            pointer = f"{obj.base}{container_pointer}/env/{j}/name"
            line, column, _ = obj.doc.positions.locate(pointer, "value")
            return [(line, column, f'env var "{name}" first defined here')]
    return []


def _other_copies(obj: K8sObject, file_objects: Iterable[K8sObject]) -> list[Related]:
    ident = (obj.group, obj.kind, obj.namespace, obj.name)
    out: list[Related] = []
    for other in file_objects:
        if other is obj or (other.group, other.kind, other.namespace, other.name) != ident:
            continue
        line, column, _ = other.doc.positions.locate(other.base + "/kind", "key")
        out.append((line, column, f"{obj.kind} {obj.name} is also defined here"))
    return out
