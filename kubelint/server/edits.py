"""Text edits behind the server's code actions: suppress a finding with a comment or an annotation.

Edits are plain data, ``(start, end, new text)`` with 0-based (line, code point) positions, so
they can be tested without a protocol. Both suppressions are the ones `kubelint lint` honours
(design.md, "Suppression"): ``# kubelint: disable=<rule>`` on the line above the finding, or the
``kubelint.io/ignore-<rule>`` annotation on the object.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubelint.positions import PositionIndex
from kubelint.records import dataclass
from kubelint.suppress import COMMENT_RE, IGNORE_PREFIX

Point = tuple[int, int]


@dataclass(frozen=True)
class Edit:
    start: Point
    end: Point
    text: str


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def comment_suppression(lines: Sequence[str], line: int, rule: str) -> Edit:
    """Suppress ``rule`` at 1-based ``line``: extend a ``# kubelint: disable=`` comment on the
    line above (or at the end of the line) when there is one, else add a comment line above."""
    row = line - 1
    for r in (row - 1, row):
        if not 0 <= r < len(lines):
            continue
        text = lines[r]
        if r == row - 1 and not text.lstrip().startswith("#"):
            continue
        m = COMMENT_RE.search(text)
        if m is None:
            continue
        ids = [i.strip() for i in m.group(1).split(",") if i.strip()]
        if rule in ids:
            break
        start = m.start(1)
        listed = m.group(1).rstrip()
        return Edit((r, start), (r, start + len(listed)), f"{listed},{rule}")
    target = lines[row] if 0 <= row < len(lines) else ""
    indent = _indent(target)
    return Edit((row, 0), (row, 0), f"{indent}# kubelint: disable={rule}\n")


def annotation_suppression(
    lines: Sequence[str], positions: PositionIndex, base: str, rule: str, reason: str
) -> Edit | None:
    """Add ``kubelint.io/ignore-<rule>: "<reason>"`` to the annotations of the object at
    pointer ``base`` of a block-style YAML document; None when its metadata is not block style
    (flow mappings, JSON), where an edit could not keep the layout."""
    key = f"{IGNORE_PREFIX}{rule}"
    value = '"' + reason.replace("\\", "\\\\").replace('"', '\\"') + '"'
    annotations = positions.entries.get(f"{base}/metadata/annotations")
    metadata = positions.entries.get(f"{base}/metadata")
    if annotations is not None:
        kline, kcol, vline, vcol, scalar = annotations
        if vline > kline and not scalar and _block_at(lines, vline, vcol):
            row = vline - 1
            indent = lines[row][: vcol - 1]
            if indent.strip():  # the first entry does not start its line
                return None
            return Edit((row, 0), (row, 0), f"{indent}{key}: {value}\n")
        empty = ("", "{}", "null", "~") if scalar else ("{}",)
        if vline == kline and _rest(lines, vline, vcol) in empty:
            row = kline - 1  # `annotations: {}` or an empty value: write a block mapping
            child = " " * (kcol - 1 + 2)
            return Edit(
                (row, kcol - 1),
                (row, len(lines[row].rstrip())),
                f"annotations:\n{child}{key}: {value}",
            )
        return None
    if metadata is None:
        return None
    kline, kcol, vline, vcol, scalar = metadata
    if scalar or vline <= kline or not _block_at(lines, vline, vcol):
        return None
    row = vline - 1
    indent = lines[row][: vcol - 1]
    if indent.strip():
        return None
    return Edit((row, 0), (row, 0), f"{indent}annotations:\n{indent}  {key}: {value}\n")


def _block_at(lines: Sequence[str], line: int, column: int) -> bool:
    row = line - 1
    return 0 <= row < len(lines) and lines[row][column - 1 : column] not in ("{", "[", "")


def _rest(lines: Sequence[str], line: int, column: int) -> str:
    row = line - 1
    if not 0 <= row < len(lines):
        return ""
    text = lines[row][column - 1 :]
    if " #" in text:
        text = text.split(" #", 1)[0]
    return text.strip()
