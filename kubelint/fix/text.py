"""Source-preserving edits of YAML/JSON text: a node index with spans, and minimal text edits.

A round-trip dump (ruamel.yaml's or anyone's) re-renders a whole file and loses what it does not
model: per-block indentation, both list indentations, quoting, flow style, comments in odd places.
This module never re-renders existing text. It walks libyaml's events (the same C parser the
loader uses) to learn where every node of a document starts and ends, and turns one change of the
data (set a field, add a list item, rename or delete a key) into the smallest text edit: new lines
inserted at the indentation the surrounding block already uses, a scalar replaced in place, an item
added inside ``[...]``/``{...}`` the way that flow collection is written. JSON documents are flow
collections, so JSON stays JSON (new text is rendered as JSON there).

Everything raises :class:`CannotFix` with a reason when a change cannot be made safely as text
(through an alias, into an anchored node other places reuse, a field of another type).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from _ruamel_yaml import CParser  # type: ignore[import-not-found]
from ruamel.yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from kubelint.loader import resolve_plain
from kubelint.records import dataclass, field


class CannotFix(Exception):
    """A change that cannot be applied safely as a text edit; the message says why."""


@dataclass(frozen=True)
class TextEdit:
    """Replace ``text[start:end]`` with ``new`` (character offsets into the edited text)."""

    start: int
    end: int
    new: str


@dataclass
class Node:
    kind: str  # "map" | "seq" | "scalar" | "alias"
    start: int  # character offset of the node's first character
    end: int  # offset just past the node (block collections: past their last child)
    line: int  # 0-based
    col: int  # 0-based
    flow: bool = False
    anchor: str | None = None
    style: str | None = None  # scalars: "", '"', "'", "|", ">"
    text: str = ""  # scalars: the scalar's value as written (unresolved); aliases: the name
    implicit: bool = True  # scalars: plain and untagged (resolved like the loader does)
    entries: list[tuple[Node, Node]] = field(default_factory=list)  # maps: (key, value)
    items: list[Node] = field(default_factory=list)  # sequences

    def key_text(self) -> str:
        """The key this scalar node spells, as the loader converts keys to strings."""
        if self.kind != "scalar":
            return repr(self.text)
        if self.style in (None, "") and self.implicit:
            value = resolve_plain(self.text)
            if isinstance(value, bool):
                return "true" if value else "false"
            if value is None:
                return "null"
            return str(value)
        return self.text

    def is_null(self) -> bool:
        return (
            self.kind == "scalar"
            and self.style in (None, "")
            and self.implicit
            and resolve_plain(self.text) is None
        )

    def get(self, key: str) -> Node | None:
        for k, v in self.entries:
            if k.key_text() == key:
                return v
        return None


@dataclass
class DocIndex:
    """The node tree of one document plus what edits need to know about the file's style."""

    root: Node | None
    start: int  # offset where this document's chunk starts
    line: int  # 0-based line of ``start``
    aliased: set[str]  # anchors that some alias refers to
    json: bool  # the document is written as JSON (a flow mapping at the root)


def index_documents(text: str) -> list[DocIndex]:
    """Index every document of ``text``; raises CannotFix on a syntax error."""
    parser = CParser(text)
    try:
        return _walk(parser)
    except CannotFix:
        raise
    except Exception as exc:  # MarkedYAMLError from the C parser
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CannotFix(f"YAML syntax error{where}: {problem}") from None
    finally:
        parser.dispose()


def _walk(parser: Any) -> list[DocIndex]:
    docs: list[DocIndex] = []
    stack: list[Node] = []
    pending_key: list[Node | None] = []
    root: Node | None = None
    aliased: set[str] = set()
    doc_start = 0
    doc_line = 0
    first = True

    def attach(node: Node) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        top = stack[-1]
        if top.kind == "seq":
            top.items.append(node)
        elif pending_key[-1] is None:
            pending_key[-1] = node
        else:
            key = pending_key[-1]
            assert key is not None
            top.entries.append((key, node))
            pending_key[-1] = None

    while True:
        event = parser.get_event()
        etype = type(event)
        if etype is ScalarEvent:
            sm, em = event.start_mark, event.end_mark
            attach(
                Node(
                    "scalar",
                    sm.index,
                    em.index,
                    sm.line,
                    sm.column,
                    anchor=event.anchor,
                    style=event.style or "",
                    text=event.value,
                    implicit=bool(event.implicit[0]) and event.tag in (None, "!"),
                )
            )
        elif etype is AliasEvent:
            sm, em = event.start_mark, event.end_mark
            aliased.add(event.anchor)
            attach(Node("alias", sm.index, em.index, sm.line, sm.column, text=event.anchor))
        elif etype is MappingStartEvent or etype is SequenceStartEvent:
            sm = event.start_mark
            node = Node(
                "map" if etype is MappingStartEvent else "seq",
                sm.index,
                sm.index,
                sm.line,
                sm.column,
                flow=bool(event.flow_style),
                anchor=event.anchor,
            )
            attach(node)
            stack.append(node)
            pending_key.append(None)
        elif etype is MappingEndEvent or etype is SequenceEndEvent:
            node = stack.pop()
            pending_key.pop()
            if node.flow:
                node.end = event.end_mark.index
            else:
                children = [v for _, v in node.entries] if node.kind == "map" else node.items
                node.end = children[-1].end if children else node.start
        elif etype is DocumentStartEvent:
            if first:
                doc_start, doc_line, first = 0, 0, False
            else:
                doc_start, doc_line = event.start_mark.index, event.start_mark.line
            root = None
            aliased = set()
        elif etype is DocumentEndEvent:
            is_json = root is not None and root.kind == "map" and root.flow
            docs.append(DocIndex(root, doc_start, doc_line, aliased, is_json))
        elif etype is StreamEndEvent:
            return docs


# --- pointers ------------------------------------------------------------------------------------


def split_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _resolve(doc: DocIndex, tokens: list[str]) -> tuple[list[Node], list[str]]:
    """Follow ``tokens`` from the root: the nodes passed (root first) and the tokens left over."""
    node = doc.root
    if node is None:
        raise CannotFix("the document is empty")
    path = [node]
    for i, token in enumerate(tokens):
        if node.kind == "alias":
            raise CannotFix(f"the field is reached through the alias *{node.text}")
        if node.anchor is not None and node.anchor in doc.aliased:
            raise CannotFix(f"&{node.anchor} is reused by an alias: a change would apply there too")
        if node.kind == "map":
            child = node.get(token)
        elif node.kind == "seq":
            child = (
                node.items[int(token)] if token.isdigit() and int(token) < len(node.items) else None
            )
        else:
            child = None
        if child is None:
            return path, tokens[i:]
        node = child
        path.append(node)
    if node.kind == "alias":
        raise CannotFix(f"the field is the alias *{node.text}")
    if node.anchor is not None and node.anchor in doc.aliased:
        raise CannotFix(f"&{node.anchor} is reused by an alias: a change would apply there too")
    return path, []


def node_at(doc: DocIndex, pointer: str) -> Node | None:
    try:
        path, rest = _resolve(doc, split_pointer(pointer))
    except CannotFix:
        return None
    return None if rest else path[-1]


# --- rendering -----------------------------------------------------------------------------------

_PLAIN_BAD_START = set("-?:,[]{}#&*!|>'\"%@`")


def render_scalar(value: Any, as_json: bool = False, like: Node | None = None) -> str:
    """A scalar as YAML (plain where it reads back the same, else double-quoted) or JSON."""
    if as_json or value is None or isinstance(value, (bool, int, float)):
        if isinstance(value, float) and not as_json and value != value:
            return ".nan"
        return json.dumps(value)
    text = str(value)
    if like is not None and like.style == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    if like is not None and like.style == '"':
        return json.dumps(text, ensure_ascii=False)
    plain_ok = (
        text != ""
        and text == text.strip()
        and text[0] not in _PLAIN_BAD_START
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and all(ch.isprintable() for ch in text)
        and resolve_plain(text) == text
        and isinstance(resolve_plain(text), str)
    )
    return text if plain_ok else json.dumps(text, ensure_ascii=False)


def render_flow(value: Any, as_json: bool) -> str:
    if isinstance(value, dict):
        if as_json:
            return json.dumps(value, ensure_ascii=False)
        inner = ", ".join(f"{render_scalar(k)}: {render_flow(v, False)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        if as_json:
            return json.dumps(value, ensure_ascii=False)
        return "[" + ", ".join(render_flow(v, False) for v in value) + "]"
    return render_scalar(value, as_json)


@dataclass(frozen=True)
class Style:
    """How a document indents: mapping step, list dash offset under its key, dash-to-content."""

    step: int = 2
    seq_indent: int = 0
    seq_gap: int = 2


def detect_style(doc: DocIndex) -> Style:
    steps: Counter[int] = Counter()
    seq_indents: Counter[int] = Counter()
    gaps: Counter[int] = Counter()

    def visit(node: Node, key_col: int | None) -> None:
        if node.kind == "map":
            if not node.flow and node.entries and key_col is not None:
                child_col = node.entries[0][0].col
                if child_col > key_col:
                    steps[child_col - key_col] += 1
            for k, v in node.entries:
                visit(v, None if node.flow else k.col)
        elif node.kind == "seq":
            if not node.flow and node.items:
                if key_col is not None:
                    seq_indents[node.col - key_col] += 1
                first = node.items[0]
                if first.line == node.line:
                    gaps[first.col - node.col] += 1
            for item in node.items:
                visit(item, None)

    if doc.root is not None:
        visit(doc.root, None)
    step = steps.most_common(1)[0][0] if steps else 2
    seq_indent = seq_indents.most_common(1)[0][0] if seq_indents else 0
    gap = gaps.most_common(1)[0][0] if gaps else 2
    return Style(step=max(step, 1), seq_indent=max(seq_indent, 0), seq_gap=max(gap, 2))


def render_block_entry(key: str, value: Any, col: int, style: Style) -> list[str]:
    """``key: value`` as block YAML lines (without newlines) whose key starts at ``col``."""
    pad = " " * col
    k = render_scalar(key)
    if isinstance(value, dict) and value:
        lines = [f"{pad}{k}:"]
        for ck, cv in value.items():
            lines.extend(render_block_entry(ck, cv, col + style.step, style))
        return lines
    if isinstance(value, list) and value:
        lines = [f"{pad}{k}:"]
        lines.extend(render_block_items(value, col + style.seq_indent, style))
        return lines
    if isinstance(value, (dict, list)):
        return [f"{pad}{k}: {render_flow(value, False)}"]
    return [f"{pad}{k}: {render_scalar(value)}"]


def render_block_items(items: list[Any], dash_col: int, style: Style) -> list[str]:
    lines: list[str] = []
    pad = " " * dash_col
    gap = " " * (style.seq_gap - 1)
    content_col = dash_col + style.seq_gap
    for item in items:
        if isinstance(item, dict) and item:
            first = True
            for ck, cv in item.items():
                entry = render_block_entry(ck, cv, content_col, style)
                if first:
                    entry[0] = f"{pad}-{gap}" + entry[0][content_col:]
                    first = False
                lines.extend(entry)
        elif isinstance(item, list) and item:
            lines.append(f"{pad}-{gap}{render_flow(item, False)}")
        else:
            shown = (
                render_flow(item, False) if isinstance(item, (dict, list)) else render_scalar(item)
            )
            lines.append(f"{pad}-{gap}{shown}")
    return lines


def _json_block(value: Any, col: int, step: int) -> str:
    """A JSON value rendered pretty with ``step``, continuation lines indented from ``col``."""
    text = json.dumps(value, indent=step, ensure_ascii=False)
    return text.replace("\n", "\n" + " " * col)


def nest(tokens: list[str], value: Any) -> Any:
    for token in reversed(tokens):
        value = {token: value}
    return value


# --- text helpers --------------------------------------------------------------------------------


class Text:
    """The text being edited, with line ends and the newline style it uses."""

    def __init__(self, text: str) -> None:
        self.text = text
        crlf = text.count("\r\n")
        self.nl = "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"

    def line_end(self, offset: int) -> int:
        """Offset just past the line break of the line holding ``offset`` (or the text's end)."""
        nl = self.text.find("\n", offset)
        return len(self.text) if nl < 0 else nl + 1

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def insert_after_line(self, offset: int, lines: list[str]) -> TextEdit:
        """Insert whole lines after the line that holds ``offset``."""
        end = self.line_end(offset)
        body = self.nl.join(lines)
        if end == len(self.text) and not self.text.endswith("\n"):
            return TextEdit(end, end, self.nl + body)  # keep "no newline at end of file"
        return TextEdit(end, end, body + self.nl)

    def insert_before_line(self, offset: int, lines: list[str]) -> TextEdit:
        start = self.line_start(offset)
        return TextEdit(start, start, self.nl.join(lines) + self.nl)


def _after_value(t: Text, node: Node) -> int:
    """The offset whose line is the last line of ``node`` (block scalars end past a newline)."""
    end = node.end
    if end > node.start and t.text[end - 1 : end] == "\n":
        return end - 1
    return end


def _indent_of_line(t: Text, offset: int) -> int:
    start = t.line_start(offset)
    line = t.text[start : t.line_end(offset)]
    return len(line) - len(line.lstrip(" "))


# --- the edit operations -------------------------------------------------------------------------


def edit_set(t: Text, doc: DocIndex, pointer: str, value: Any, style: Style) -> list[TextEdit]:
    """Edits that make the field at ``pointer`` hold ``value`` (creating missing parents)."""
    path, rest = _resolve(doc, split_pointer(pointer))
    node = path[-1]
    if not rest:
        return _replace(t, doc, path, value, style)
    if node.kind == "map":
        return _insert_entry(t, doc, node, rest[0], nest(rest[1:], value), style)
    if node.is_null() and len(path) >= 2:
        return _replace_null(t, doc, path, nest(rest, value), style)
    where = "/".join(split_pointer(pointer)[: len(split_pointer(pointer)) - len(rest)])
    raise CannotFix(f"{where or 'the document'} is not a mapping")


def _replace(t: Text, doc: DocIndex, path: list[Node], value: Any, style: Style) -> list[TextEdit]:
    node = path[-1]
    if node.kind == "scalar":
        if isinstance(value, (dict, list)):
            if node.is_null() and len(path) >= 2:
                return _replace_null(t, doc, path, value, style)
            raise CannotFix("the field holds a scalar where a mapping or list is needed")
        if node.style in ("|", ">"):
            raise CannotFix("the field is a block scalar")
        return [TextEdit(node.start, node.end, render_scalar(value, doc.json, like=node))]
    if node.kind == "map" and isinstance(value, dict):
        edits: list[TextEdit] = []
        for k, v in value.items():
            child = node.get(k)
            if child is None:
                edits.extend(_insert_entry(t, doc, node, k, v, style))
            else:
                edits.extend(_replace(t, doc, [*path, child], v, style))
        if len(edits) > 1 and any(e.start == e.end for e in edits):
            raise CannotFix("several fields of one mapping at once")
        return edits
    if node.flow and not isinstance(value, (dict, list)):
        return [TextEdit(node.start, node.end, render_scalar(value, doc.json))]
    raise CannotFix(f"the field is a {'mapping' if node.kind == 'map' else 'list'}")


def _owner_key(doc: DocIndex, path: list[Node]) -> tuple[Node, Node] | None:
    """(parent mapping, key node) of the last node in ``path``, when its parent is a mapping."""
    if len(path) < 2 or path[-2].kind != "map":
        return None
    parent = path[-2]
    for k, v in parent.entries:
        if v is path[-1]:
            return parent, k
    return None


def _replace_null(
    t: Text, doc: DocIndex, path: list[Node], value: Any, style: Style
) -> list[TextEdit]:
    node = path[-1]
    owner = _owner_key(doc, path)
    if owner is None or owner[0].flow or doc.json:
        if node.start == node.end:
            raise CannotFix("the field has an empty value inside a flow collection")
        return [TextEdit(node.start, node.end, render_flow(value, doc.json))]
    key = owner[1]
    if isinstance(value, dict):
        lines: list[str] = []
        for k, v in value.items():
            lines.extend(render_block_entry(k, v, key.col + style.step, style))
    elif isinstance(value, list):
        lines = render_block_items(value, key.col + style.seq_indent, style)
    else:
        return [TextEdit(node.start, node.end, render_scalar(value))]
    edits: list[TextEdit] = []
    if node.start != node.end:  # an explicit `null` / `~`: remove it (and the space before it)
        colon = t.text.rfind(":", key.end, node.start)
        edits.append(TextEdit(colon + 1 if colon >= 0 else node.start, node.end, ""))
    edits.append(t.insert_after_line(max(node.end, key.end), lines))
    return edits


def _insert_entry(
    t: Text, doc: DocIndex, mapping: Node, key: str, value: Any, style: Style
) -> list[TextEdit]:
    if mapping.flow:
        return [_insert_flow(t, doc, mapping, key, value)]
    if not mapping.entries:
        raise CannotFix("empty block mapping")
    col = mapping.entries[0][0].col
    last_value = mapping.entries[-1][1]
    lines = render_block_entry(key, value, col, style)
    return [t.insert_after_line(_after_value(t, last_value), lines)]


def _insert_flow(t: Text, doc: DocIndex, coll: Node, key: str | None, value: Any) -> TextEdit:
    as_json = doc.json
    if key is None:
        rendered = render_flow(value, as_json)
    else:
        k = json.dumps(key, ensure_ascii=False) if as_json else render_scalar(key)
        rendered = f"{k}: {render_flow(value, as_json)}"
    children = [v for _, v in coll.entries] if coll.kind == "map" else coll.items
    if not children:
        return TextEdit(coll.start + 1, coll.start + 1, rendered)
    first = coll.entries[0][0] if coll.kind == "map" else coll.items[0]
    last = children[-1]
    if first.line != coll.line and last.line != coll.line:  # one entry per line (pretty JSON)
        col = first.col
        step = max(col - _indent_of_line(t, coll.start), 1)
        if key is None:
            rendered = _json_block(value, col, step) if as_json else render_flow(value, False)
        else:
            k = json.dumps(key, ensure_ascii=False) if as_json else render_scalar(key)
            shown = _json_block(value, col, step) if as_json else render_flow(value, False)
            rendered = f"{k}: {shown}"
        return TextEdit(last.end, last.end, "," + t.nl + " " * col + rendered)
    return TextEdit(last.end, last.end, ", " + rendered)


def edit_append(t: Text, doc: DocIndex, pointer: str, item: Any, style: Style) -> list[TextEdit]:
    """Edits that add ``item`` at the end of the list at ``pointer`` (created when missing)."""
    path, rest = _resolve(doc, split_pointer(pointer))
    if rest:
        return edit_set(t, doc, pointer, [item], style)
    node = path[-1]
    if node.is_null():
        return _replace_null(t, doc, path, [item], style)
    if node.kind != "seq":
        raise CannotFix("the field is not a list")
    if node.flow:
        return [_insert_flow(t, doc, node, None, item)]
    first = node.items[0]
    gap = first.col - node.col if first.line == node.line else style.seq_gap
    lines = render_block_items([item], node.col, Style(style.step, 0, max(gap, 2)))
    return [t.insert_after_line(_after_value(t, node.items[-1]), lines)]


def edit_rename(t: Text, doc: DocIndex, pointer: str, new_key: str) -> list[TextEdit]:
    tokens = split_pointer(pointer)
    path, rest = _resolve(doc, tokens)
    if rest:
        raise CannotFix("the field to rename is not there")
    owner = _owner_key(doc, path)
    if owner is None:
        raise CannotFix("only mapping keys can be renamed")
    parent, key = owner
    if parent.get(new_key) is not None:
        raise CannotFix(f'"{new_key}" is already set')
    if key.kind != "scalar" or key.style in ("|", ">"):
        raise CannotFix("the key is not a simple scalar")
    return [TextEdit(key.start, key.end, render_scalar(new_key, doc.json, like=key))]


def edit_delete(t: Text, doc: DocIndex, pointer: str) -> list[TextEdit]:
    path, rest = _resolve(doc, split_pointer(pointer))
    if rest:
        return []  # already absent
    owner = _owner_key(doc, path)
    if owner is None:
        raise CannotFix("only mapping entries can be deleted")
    parent, key = owner
    if parent.flow or len(parent.entries) < 2:
        raise CannotFix("the entry is the only one of its mapping or in a flow mapping")
    start = t.line_start(key.start)
    if t.text[start : key.start].strip():
        raise CannotFix("the key does not start its line")
    end = t.line_end(_after_value(t, path[-1]))
    return [TextEdit(start, end, "")]


def apply_edits(text: str, edits: list[TextEdit]) -> str:
    """Apply non-overlapping edits (any order); edits at one offset keep their given order."""
    ordered = sorted(enumerate(edits), key=lambda p: (p[1].start, p[1].end, p[0]))
    out: list[str] = []
    pos = 0
    for _, e in ordered:
        if e.start < pos:
            raise CannotFix("overlapping edits")
        out.append(text[pos : e.start])
        out.append(e.new)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)
