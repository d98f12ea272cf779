"""The Helm mapper: findings on ``helm template`` output -> the templates named by ``# Source:``.

The template is resolved against the chart directory; the line is the nearest key of the
pointer found in the template text, keys matched along the nesting of their parents
(indentation-aware; list items by their ``- `` entries). Templates without Go-template syntax
(``crds/``) are read with the loader and located exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kubelint.loader import Document, LoadResult, load_text
from kubelint.mapping.base import At, Mapped, Mapper
from kubelint.model import K8sObject
from kubelint.positions import split

HELM_HOOK = "helm.sh/hook"

SOURCE_RE = re.compile(r"^# Source: (\S.*?)\s*$", re.MULTILINE)


def source_comments(text: str, documents: list[Document]) -> None:
    """Fill ``Document.source_comment`` from the ``# Source:`` comment that heads each document.

    A cheap text scan keyed on document start lines: a document's comment is the last
    ``# Source:`` line after the previous document's first content line and at or before its own.
    """
    found = [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in SOURCE_RE.finditer(text)]
    if not found:
        return
    i = 0
    prev = 0
    for doc in documents:
        root = doc.positions.entries.get("")
        first = root[0] if root is not None else doc.line
        comment = None
        while i < len(found) and found[i][0] <= first:
            if found[i][0] > prev:
                comment = found[i][1]
            i += 1
        doc.source_comment = comment
        prev = first


@dataclass
class _Line:
    """One template line, classified for indentation-aware key matching."""

    no: int  # 1-based
    indent: int  # column (0-based) of the first non-space character
    dash: int  # 0-based column of the first ``- `` list marker, -1 if none
    key: str | None  # the mapping key on this line (after any ``- ``), unquoted
    key_col: int  # 0-based column of the key (or of the item value)
    val_col: int  # 0-based column of the value after the key, -1 if none
    content: bool  # ends regions (not blank, comment, template directive or block text)


_KEY_RE = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s"'#{:][^#]*?)[ \t]*:(?:[ \t]+|$)""")


def _classify(lines: list[str], first_no: int) -> list[_Line]:
    out: list[_Line] = []
    block = -1  # indent of the key owning a block scalar being skipped, -1 if none
    for offset, raw in enumerate(lines):
        no = first_no + offset
        line = raw.rstrip("\r")
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if block >= 0:
            if not body.strip() or indent > block:
                out.append(_Line(no, indent, -1, None, indent, -1, False))
                continue
            block = -1
        if not body or body.startswith("#") or body.startswith("{{"):
            out.append(_Line(no, indent, -1, None, indent, -1, False))
            continue
        col = indent
        dash = -1
        while body.startswith("- ") or body == "-":
            if dash < 0:
                dash = col
            stripped = body[1:].lstrip(" ")
            col += len(body) - len(stripped)
            body = stripped
        m = _KEY_RE.match(body)
        key: str | None = None
        val_col = -1
        if m:
            key = _unquote(m.group(1))
            rest = body[m.end() :]
            if rest and not rest.startswith("#"):
                val_col = col + m.end()
                if rest[:1] in "|>":
                    block = col if dash < 0 else dash
        elif body:
            val_col = col
            if body[:1] in "|>":
                block = indent
        out.append(_Line(no, indent, dash, key, col, val_col, True))
    return out


def _unquote(key: str) -> str:
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "\"'":
        inner = key[1:-1]
        return inner.replace("''", "'") if key[0] == "'" else inner.replace('\\"', '"')
    return key


def _region_end(lines: list[_Line], start: int, end: int, col: int) -> int:
    """End (exclusive) of the block owned by a key at ``col`` whose line is ``start - 1``."""
    for i in range(start, end):
        ln = lines[i]
        if not ln.content:
            continue
        if ln.indent < col or (ln.indent == col and ln.dash != col):
            return i
    return end


def match_template(lines: list[_Line], tokens: list[str]) -> tuple[_Line | None, int]:
    """The template line of the deepest key of ``tokens`` found along the nesting, and depth."""
    start, end, parent = 0, len(lines), -1
    found: _Line | None = None
    depth = 0
    for token in tokens:
        hit: int | None = None
        if token.isdigit():
            items = [i for i in range(start, end) if lines[i].content and lines[i].dash > parent]
            if items:
                d = min(lines[i].dash for i in items)
                items = [i for i in items if lines[i].dash == d]
                n = int(token)
                if n < len(items):
                    hit = items[n]
                    nxt = items[n + 1] if n + 1 < len(items) else end
                    found, depth = lines[hit], depth + 1
                    start, end, parent = hit, nxt, d
                    continue
        cands = [
            i
            for i in range(start, end)
            if lines[i].content and lines[i].key is not None and lines[i].key_col > parent
        ]
        if cands:
            cmin = min(lines[i].key_col for i in cands)
            for i in cands:
                if lines[i].key_col == cmin and lines[i].key == token:
                    hit = i
                    break
        if hit is None:
            break
        ln = lines[hit]
        found, depth = ln, depth + 1
        start = hit + 1
        end = _region_end(lines, start, end, ln.key_col)
        parent = ln.key_col
    return found, depth


def _split_docs(text: str) -> list[tuple[int, list[str]]]:
    """Template text split at ``---`` lines: (first line number, lines) per document."""
    docs: list[tuple[int, list[str]]] = []
    cur: list[str] = []
    first = 1
    for no, raw in enumerate(text.split("\n"), start=1):
        if raw.rstrip() == "---" or raw.startswith(("--- ", "---\t")):
            docs.append((first, cur))
            cur, first = [], no + 1
            continue
        cur.append(raw)
    docs.append((first, cur))
    return [d for d in docs if any(x.strip() and not x.lstrip().startswith("#") for x in d[1])]


_KIND_RE = re.compile(r"^kind:[ \t]*[\"']?([A-Za-z0-9]+)", re.MULTILINE)


class HelmMapper(Mapper):
    """Maps findings on ``helm template`` output to the templates named by ``# Source:``."""

    def __init__(
        self,
        chart_dir: Path | None,
        include_tests: bool = False,
        tag: str | None = None,
        fallback: Path | None = None,
    ) -> None:
        super().__init__()
        self.chart_dir = chart_dir
        self.include_tests = include_tests
        self.tag = tag
        self.fallback = fallback  # a file to point at when the template is not on disk
        self._ordinal: dict[int, int] = {}  # doc index -> position among same source and kind
        self._chart_roots: dict[str, Path | None] = {}
        self._templates: dict[Path, list[tuple[int, list[_Line], str | None]]] = {}

    def prepare(self, text: str, loaded: LoadResult) -> None:
        source_comments(text, loaded.documents)
        seen: dict[tuple[str, str], int] = {}
        for doc in loaded.documents:
            if doc.source_comment is None or not isinstance(doc.data, dict):
                continue
            kind = doc.data.get("kind")
            key = (doc.source_comment, kind if isinstance(kind, str) else "")
            self._ordinal[doc.index] = seen.get(key, 0)
            seen[key] = seen.get(key, 0) + 1

    def skip_reason(self, doc: Document) -> str | None:
        if self.include_tests or not isinstance(doc.data, dict):
            return None
        meta = doc.data.get("metadata")
        ann = meta.get("annotations") if isinstance(meta, dict) else None
        hook = ann.get(HELM_HOOK) if isinstance(ann, dict) else None
        if isinstance(hook, str) and "test" in {h.strip() for h in hook.split(",")}:
            return "Helm test hook (lint it with --include-tests)"
        return None

    def chart_root(self, chart_name: str) -> Path | None:
        """The directory of the chart called ``chart_name`` (from --chart-dir or the cwd)."""
        if chart_name in self._chart_roots:
            return self._chart_roots[chart_name]
        root: Path | None = None
        if self.chart_dir is not None:
            root = self.chart_dir
        else:
            cwd = Path.cwd()
            for cand in (cwd, cwd / chart_name, *cwd.parents):
                if (cand / "Chart.yaml").is_file() and _chart_name(cand / "Chart.yaml") in (
                    chart_name,
                    None,
                ):
                    root = cand
                    break
        self._chart_roots[chart_name] = root
        return root

    def template_path(self, source: str) -> Path | None:
        parts = source.split("/")
        if len(parts) < 2 or ".." in parts:
            return None
        root = self.chart_root(parts[0])
        if root is None:
            return None
        path = root.joinpath(*parts[1:])
        return path if path.is_file() else None

    def map(self, obj: K8sObject, pointer: str, at: At) -> Mapped | None:
        source = obj.doc.source_comment
        path = self.template_path(source) if source else None
        if path is None:
            if self.fallback is not None and self.fallback.is_file():
                return Mapped(self._location(self.fallback, 1, 1))
            return None
        read = self._read(path, parse=False)
        if read is None:
            return None
        text = read[0]
        ordinal = self._ordinal.get(obj.doc.index, 0)
        if "{{" not in text:
            return self._map_plain(path, text, obj, pointer, at, ordinal)
        docs = self._template_docs(path, text)
        if not docs:
            return None
        cands = [d for d in docs if d[2] in (obj.kind, None)] or docs
        first_no, lines, _ = cands[min(ordinal, len(cands) - 1)]
        tokens = split(pointer)
        line, depth = match_template(lines, tokens)
        if line is None:
            kind_line = next((ln for ln in lines if ln.key == "kind" and ln.indent == 0), None)
            return Mapped(self._location(path, kind_line.no if kind_line else first_no, 1))
        column = line.key_col
        if depth == len(tokens) and line.val_col >= 0:
            entry = obj.doc.positions.entries.get(obj.base + pointer)
            if at == "value" or (at == "auto" and entry is not None and entry[4]):
                column = line.val_col
        return Mapped(self._location(path, line.no, column + 1))

    def _template_docs(self, path: Path, text: str) -> list[tuple[int, list[_Line], str | None]]:
        docs = self._templates.get(path)
        if docs is None:
            docs = []
            for first, raw in _split_docs(text):
                m = _KIND_RE.search("\n".join(raw))
                docs.append((first, _classify(raw, first), m.group(1) if m else None))
            self._templates[path] = docs
        return docs

    def _map_plain(
        self, path: Path, text: str, obj: K8sObject, pointer: str, at: At, ordinal: int
    ) -> Mapped | None:
        read = self._read_loaded(path, text)
        docs = [d for d in read.documents if isinstance(d.data, dict)]
        cands = [d for d in docs if d.data.get("kind") == obj.kind] or docs
        if not cands:
            return None
        doc = cands[min(ordinal, len(cands) - 1)]
        line, column, _ = doc.positions.locate(pointer, at)
        return Mapped(self._location(path, line, column))

    def _read_loaded(self, path: Path, text: str) -> LoadResult:
        entry = self._files.get(path)
        if entry is not None and entry[1] is not None:
            return entry[1]
        loaded = load_text(text)
        self._files[path] = (text, loaded)
        return loaded


def _chart_name(chart_yaml: Path) -> str | None:
    try:
        text = chart_yaml.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    m = re.search(r"^name:[ \t]*[\"']?([^\"'\s#]+)", text, re.MULTILINE)
    return m.group(1) if m else None
