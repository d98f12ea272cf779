"""The end of the YAML/JSON token a finding points at.

The loader's position index knows where a key or value starts (line and column, 1-based, in code
points); an editor wants the whole range. The end is derived from the token found at the start:
a quoted scalar runs to its closing quote, a flow collection to its matching bracket, a block
scalar's range is its header (``|-``), a plain scalar or key runs to ``: ``, `` #``, the end of
the line or, inside a flow collection, to ``,``/``]``/``}``. Anchors and tags in front of a value
are part of its range.
"""

from __future__ import annotations

from collections.abc import Sequence

# (line, column), both 0-based, columns in code points; the end is exclusive.
Point = tuple[int, int]


def token_range(
    lines: Sequence[str], line: int, column: int, flow: bool = False
) -> tuple[Point, Point]:
    """Range of the token starting at 1-based ``line``/``column`` of ``lines``.

    ``flow`` says the whole document is in flow style (JSON), where ``,`` always ends a token.
    """
    row, col = line - 1, column - 1
    if not 0 <= row < len(lines):
        return (max(row, 0), max(col, 0)), (max(row, 0), max(col, 0))
    text = lines[row]
    col = min(max(col, 0), len(text))
    start = (row, col)
    end = _token_end(lines, row, col, flow)
    if end <= start:  # nothing to underline (an empty value): take the rest of the line
        stripped = len(text.rstrip())
        end = (row, stripped) if stripped > col else (row, min(col + 1, len(text)))
        if end <= start:
            end = (row, col)
    return start, end


def _token_end(lines: Sequence[str], row: int, col: int, flow: bool) -> Point:
    text = lines[row]
    # Properties (`&anchor`, `!tag`) in front of the value belong to its range.
    while col < len(text) and text[col] in "&!":
        prop_end = col
        while prop_end < len(text) and not text[prop_end].isspace():
            prop_end += 1
        nxt = prop_end
        while nxt < len(text) and text[nxt] in " \t":
            nxt += 1
        if nxt >= len(text) or text[nxt] == "#":
            return (row, prop_end)
        col = nxt
    if col >= len(text):
        return (row, col)
    ch = text[col]
    if ch == '"':
        return _double_quoted(lines, row, col)
    if ch == "'":
        return _single_quoted(lines, row, col)
    if ch in "[{":
        return _flow(lines, row, col)
    if ch in "|>":
        end = col + 1
        while end < len(text) and text[end] in "+-0123456789":
            end += 1
        return (row, end)
    return (row, _plain_end(text, col, flow or _in_flow(text, col)))


def _double_quoted(lines: Sequence[str], row: int, col: int) -> Point:
    r, c = row, col + 1
    while r < len(lines):
        text = lines[r]
        while c < len(text):
            ch = text[c]
            if ch == "\\":
                c += 2
                continue
            if ch == '"':
                return (r, c + 1)
            c += 1
        r, c = r + 1, 0
    return (row, len(lines[row]))


def _single_quoted(lines: Sequence[str], row: int, col: int) -> Point:
    r, c = row, col + 1
    while r < len(lines):
        text = lines[r]
        while c < len(text):
            if text[c] == "'":
                if c + 1 < len(text) and text[c + 1] == "'":
                    c += 2
                    continue
                return (r, c + 1)
            c += 1
        r, c = r + 1, 0
    return (row, len(lines[row]))


def _flow(lines: Sequence[str], row: int, col: int) -> Point:
    depth = 0
    r, c = row, col
    quote = ""
    while r < len(lines):
        text = lines[r]
        while c < len(text):
            ch = text[c]
            if quote:
                if quote == '"' and ch == "\\":
                    c += 2
                    continue
                if ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
            elif ch == "#" and (c == 0 or text[c - 1] in " \t"):
                break  # a comment ends the line
            elif ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
                if depth == 0:
                    return (r, c + 1)
            c += 1
        r, c = r + 1, 0
    return (row, len(lines[row].rstrip()))


def _in_flow(text: str, col: int) -> bool:
    """Whether ``col`` lies inside a flow collection opened earlier on the same line (or the
    line is JSON-like: a token after ``"key":`` or in a list of values)."""
    depth = 0
    quote = ""
    for ch in text[:col]:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    if depth > 0:
        return True
    before = text[:col].rstrip()
    return before.endswith(",") or (before.endswith(":") and before[:-1].endswith('"'))


def _plain_end(text: str, col: int, flow: bool) -> int:
    end = col
    n = len(text)
    while end < n:
        ch = text[end]
        if ch == ":" and (
            end + 1 == n or text[end + 1] in " \t" or (flow and text[end + 1] in ",]}")
        ):
            break
        if ch == "#" and end > col and text[end - 1] in " \t":
            break
        if flow and ch in ",]}":
            break
        end += 1
    while end > col and text[end - 1] in " \t":
        end -= 1
    return end
