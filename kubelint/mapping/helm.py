"""The Helm mapper: findings on ``helm template`` output -> the templates named by ``# Source:``.

The template is resolved against the chart directory; the line is the nearest key of the
pointer found in the template text, keys matched along the nesting of their parents
(indentation-aware; list items by their ``- `` entries). Templates without Go-template syntax
(``crds/``) are read with the loader and located exactly.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from kubelint.findings import Related
from kubelint.loader import Document, LoadResult, load_text
from kubelint.mapping.base import At, Mapped, Mapper
from kubelint.mapping.helm_trace import (
    HelmTrace,
    plain_render,
    release_from_probe,
    reproduces,
    trace_render,
)
from kubelint.mapping.helm_values import ValuesFiles, chart_name, subchart_dir
from kubelint.model import K8sObject, get_path
from kubelint.positions import split
from kubelint.records import dataclass
from kubelint.sources import VENDORED_DIRS, display_name

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
    text: str = ""  # the line itself


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
                out.append(_Line(no, indent, -1, None, indent, -1, False, line))
                continue
            block = -1
        if not body or body.startswith("#") or body.startswith("{{"):
            out.append(_Line(no, indent, -1, None, indent, -1, False, line))
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
        out.append(_Line(no, indent, dash, key, col, val_col, True, line))
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


def _item_name(line: _Line) -> str | None:
    """The literal value of a ``name:`` key on a template line, else None."""
    if line.key != "name" or line.val_col < 0:
        return None
    value = line.text[line.val_col :].split(" #", 1)[0].strip()
    if not value or "{{" in value:
        return None
    return _unquote(value)


def _by_name(lines: list[_Line], items: list[int], end: int, name: str) -> int | None:
    """The index (into ``items``) of the template item whose ``name:`` is ``name``."""
    for k, first in enumerate(items):
        stop = items[k + 1] if k + 1 < len(items) else end
        for i in range(first, stop):
            ln = lines[i]
            if ln.content and ln.key == "name" and _item_name(ln) == name:
                return k
    return None


_CONTROL_WORDS = {"if", "else", "end", "range", "with", "define", "block", "break", "continue"}
_ASSIGN_RE = re.compile(r"^\$[A-Za-z_][A-Za-z0-9_]*\s*:?=")
_INCLUDE_RE = re.compile(r'\b(?:include|template)\s+"([^"]+)"')


def _emitter(line: _Line) -> bool:
    """A template line holding only an action that writes text (``{{ toYaml .Values.x |
    nindent 8 }}``, ``{{ include "x" . }}``, ``{{ tpl ... }}``): the line a block it writes
    maps to."""
    if line.content or not line.text.lstrip().startswith("{{"):
        return False
    body = line.text.lstrip()[2:].lstrip("-").strip()
    if body.startswith("/*") or _ASSIGN_RE.match(body):
        return False
    word = re.match(r"[a-z]+", body)
    return not (word and word.group(0) in _CONTROL_WORDS)


def _emitters(lines: list[_Line], start: int, end: int, parent: int) -> list[int]:
    return [i for i in range(start, end) if lines[i].indent > parent and _emitter(lines[i])]


def _templated_item(line: _Line) -> bool:
    return "{{" in line.text


def _by_scalar(lines: list[_Line], items: list[int], value: str) -> int | None:
    """The index (into ``items``) of the one template item written as the scalar ``value``."""
    hits = []
    for k, i in enumerate(items):
        ln = lines[i]
        if ln.key is None and ln.val_col >= 0:
            text = ln.text[ln.val_col :].split(" #", 1)[0].strip()
            if "{{" not in text and _unquote(text) == value:
                hits.append(k)
    return hits[0] if len(hits) == 1 else None


def match_template(
    lines: list[_Line],
    tokens: list[str],
    data: Any = None,
    names: Any = None,
) -> tuple[_Line | None, int]:
    """The template line of the deepest key of ``tokens`` found along the nesting, and depth.

    ``data`` is the rendered object: tokens it does not hold stop the walk (an absent field
    maps to its nearest existing ancestor), and a list item that has a ``name`` is matched by
    that name (items inside a false ``{{ if }}`` or added by ``range`` shift the indexes), else
    to an item written by ``range``, else to a line like ``{{ toYaml .Values.x | nindent 8 }}``
    or ``{{ include "x" . }}`` that writes the block (``names``, when given, maps an
    ``include`` line's text to the item names its named template writes literally).
    A list may be written at its parent key's indentation (``containers:\n- name: web``).
    """
    start, end, parent = 0, len(lines), -1
    found: _Line | None = None
    depth = 0
    in_item = False  # the last token matched a list item (parent is its dash column)
    cur = data
    for token in tokens:
        if data is not None:
            if isinstance(cur, dict) and token not in cur:
                break  # absent in the rendered object
            if isinstance(cur, list) and not (token.isdigit() and int(token) < len(cur)):
                break
        hit: int | None = None
        emitters = _emitters(lines, start + (1 if in_item else 0), end, parent)
        if token.isdigit():
            items = [
                i
                for i in range(start + (1 if in_item else 0), end)
                if lines[i].content
                and lines[i].dash >= 0
                and (lines[i].dash > parent if in_item else lines[i].dash >= parent)
            ]
            n = int(token)
            item = cur[n] if isinstance(cur, list) and n < len(cur) else None
            name = item.get("name") if isinstance(item, dict) else None
            k: int | None = None
            d = min((lines[i].dash for i in items), default=-1)
            items = [i for i in items if lines[i].dash == d]
            if items and isinstance(name, str):
                k = _by_name(lines, items, end, name)
            elif items and isinstance(item, (str, int, float)) and not isinstance(item, bool):
                k = _by_scalar(lines, items, str(item))  # ``- secrets`` past a false ``if``
            if k is None and isinstance(name, str) and names is not None:
                for e in emitters:  # a named template that writes this item literally
                    if name in names(lines[e].text):
                        found, depth = lines[e], depth + 1
                        return found, depth
            if k is None and items:
                templated = [j for j, i in enumerate(items) if _templated_item(lines[i])]
                literal_names = any(_item_name(lines[i]) for i in items)
                if isinstance(name, str) and literal_names and templated:
                    k = templated[0]  # not a literal item: one a ``range`` writes
                elif not isinstance(name, str) and n < len(items):
                    k = n
                elif n >= len(items) and templated:
                    k = templated[-1]
                elif not isinstance(name, str) or not emitters:
                    k = n if n < len(items) else None
            if k is not None:
                hit = items[k]
                nxt = items[k + 1] if k + 1 < len(items) else end
                found, depth = lines[hit], depth + 1
                start, end, parent, in_item = hit, nxt, d, True
                cur = item
                continue
            if emitters:
                return lines[emitters[0]], depth + 1
            break
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
            if emitters and data is not None:
                return lines[emitters[0]], depth + 1
            break
        ln = lines[hit]
        found, depth = ln, depth + 1
        start = hit + 1
        end = _region_end(lines, start, end, ln.key_col)
        parent, in_item = ln.key_col, False
        cur = cur.get(token) if isinstance(cur, dict) else None
    return found, depth


def _yaml_line(raw: str) -> bool:
    """A template line that holds YAML (not blank, a comment, or only template actions)."""
    body = raw.strip()
    if not body or body.startswith("#"):
        return False
    return bool(_ACTIONS_RE.sub("", body).strip())


_ACTIONS_RE = re.compile(r"\{\{.*?\}\}")


def _split_docs(text: str) -> list[tuple[int, list[str]]]:
    """Template text split at ``---`` lines: (first line number, lines) per document.

    Chunks holding only template directives (``{{- if }}``/``{{- range }}`` before the first
    ``---``) are dropped when another chunk holds YAML; a template that is one ``include``
    keeps its only chunk.
    """
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
    docs = [d for d in docs if any(x.strip() and not x.lstrip().startswith("#") for x in d[1])]
    yaml_docs = [d for d in docs if any(_yaml_line(x) for x in d[1])]
    return yaml_docs or docs


_KIND_RE = re.compile(r"^kind:[ \t]*[\"']?([A-Za-z0-9]+)", re.MULTILINE)
_INSTANCE_RE = re.compile(
    r"^\s+(?:app\.kubernetes\.io/instance|release):[ \t]*[\"']?([a-z0-9][a-z0-9.-]*)[\"']?\s*$",
    re.MULTILINE,
)
_NAMESPACE_RE = re.compile(r"^  namespace:[ \t]*[\"']?([a-z0-9][a-z0-9-]*)[\"']?\s*$", re.MULTILINE)


def template_column(template: str, rendered: str, column: int) -> int:
    """1-based column on a template line for a position (1-based ``column``) on the rendered
    line it wrote: the same key (or its value expression), else the line's first expression."""
    r = _classify([rendered], 1)[0]
    t = _classify([template], 1)[0]
    c0 = column - 1
    if t.content and r.key is not None and t.key == r.key:
        if 0 <= r.val_col <= c0 and t.val_col >= 0:
            return t.val_col + 1
        return t.key_col + 1
    if t.content and r.key is None and t.key is None and t.val_col >= 0:
        return t.val_col + 1  # a list item scalar: ``- secrets``
    expr = template.find("{{")
    body = len(template) - len(template.lstrip(" "))
    return (expr if expr >= 0 else body) + 1


@dataclass
class PipedRender:
    """Piped output: helm to re-render the chart with (None: not installed)."""

    helm: str | None


class HelmMapper(Mapper):
    """Maps findings on ``helm template`` output to the templates that wrote them.

    With a ``trace`` (the line map derived from an instrumented render, kubelint.mapping.
    helm_trace) a finding goes to the template line helm wrote its field from; findings on
    lines the trace does not cover, and piped output that cannot be re-rendered exactly, are
    located by template text matching, and a notice says so.
    """

    def __init__(
        self,
        chart_dir: Path | None,
        include_tests: bool = False,
        tag: str | None = None,
        trace: HelmTrace | None = None,
        values: ValuesFiles | None = None,
        piped: PipedRender | None = None,
        name: str = "",
    ) -> None:
        super().__init__()
        self.chart_dir = chart_dir
        self.include_tests = include_tests
        self.tag = tag
        self.trace = trace
        self.values = values
        self.piped = piped
        self.name = name or "helm template output"
        self._ordinal: dict[int, int] = {}  # doc index -> position among same source and kind
        self._chart_roots: dict[str, Path | None] = {}
        self._templates: dict[Path, list[tuple[int, list[_Line], str | None]]] = {}
        self._rendered: list[str] = []
        self._notes: list[str] = []
        self._matched = 0  # findings located by text matching although a trace was wanted
        self._unresolved: dict[str, int] = {}  # chart name -> findings left on rendered lines
        self._mismatch: set[str] = set()  # charts --chart-dir was said not to be
        self._defines: dict[str, set[str]] | None = None  # named template -> item names

    # -- preparation -----------------------------------------------------------------------

    def prepare(self, text: str, loaded: LoadResult) -> None:
        source_comments(text, loaded.documents)
        self._rendered = text.split("\n")
        seen: dict[tuple[str, str], int] = {}
        charts: list[str] = []
        for doc in loaded.documents:
            if doc.source_comment is None or not isinstance(doc.data, dict):
                continue
            kind = doc.data.get("kind")
            key = (doc.source_comment, kind if isinstance(kind, str) else "")
            self._ordinal[doc.index] = seen.get(key, 0)
            seen[key] = seen.get(key, 0) + 1
            top = doc.source_comment.split("/", 1)[0]
            if top not in charts:
                charts.append(top)
        if self.piped is not None and charts:
            self._check_chart(charts[0])
            root = self.chart_root(charts[0])
            if root is not None and self.trace is None and self.piped.helm is not None:
                self._rerender(root, text)

    def _check_chart(self, name: str) -> None:
        if self.chart_dir is not None:
            found = chart_name(self.chart_dir / "Chart.yaml")
            if not (self.chart_dir / "Chart.yaml").is_file():
                self._mismatch.add(name)
                self._notes.append(
                    f"--chart-dir {display_name(self.chart_dir)} has no Chart.yaml; "
                    f'the `# Source:` comments name chart "{name}"'
                )
            elif found != name:
                self._mismatch.add(name)
                self._notes.append(
                    f'--chart-dir {display_name(self.chart_dir)} is chart "{found}", but the '
                    f'`# Source:` comments name chart "{name}": findings may point at the '
                    "wrong templates or stay at the rendered lines"
                )

    def _rerender(self, root: Path, text: str) -> None:
        """Derive an exact map for piped output where rendering the chart with its defaults
        reproduces it (values used for the pipe are unknown): the release name is taken from
        the instance labels, helm's default, or learnt from a probe render; only a render that
        reproduces every piped document is traced."""
        assert self.piped is not None and self.piped.helm is not None
        namespace = _most_common(_NAMESPACE_RE.findall(text))
        if namespace and not _SAFE_ARG.fullmatch(namespace):
            return
        cmd = [self.piped.helm, "template", "--include-crds"]
        if namespace:
            cmd += ["--namespace", namespace]
        tried: list[str] = []
        guess = _most_common(_INSTANCE_RE.findall(text))
        for release in (guess, "release-name", _PROBE_RELEASE):
            if release is None or release in tried or not _SAFE_ARG.fullmatch(release):
                continue
            tried.append(release)
            plain = plain_render(cmd, release, root)
            if plain is None:
                return  # the chart does not render here (missing dependencies, say)
            if release == _PROBE_RELEASE:
                learnt = release_from_probe(text, plain, _PROBE_RELEASE)
                if learnt is None or learnt in tried or not _SAFE_ARG.fullmatch(learnt):
                    return
                release = learnt
                plain = plain_render(cmd, release, root)
                if plain is None:
                    return
            if reproduces(text, plain):
                trace = trace_render(cmd, release, root, text, partial=True)
                if trace.problem is None and trace.lines:
                    self.trace = trace
                    if self.values is None:  # the chart's own values reproduced the pipe
                        self.values = ValuesFiles(root)
                return

    # -- chart lookup ----------------------------------------------------------------------

    def skip_reason(self, doc: Document) -> str | None:
        if self.include_tests or not isinstance(doc.data, dict):
            return None
        meta = doc.data.get("metadata")
        ann = meta.get("annotations") if isinstance(meta, dict) else None
        hook = ann.get(HELM_HOOK) if isinstance(ann, dict) else None
        if isinstance(hook, str) and "test" in {h.strip() for h in hook.split(",")}:
            return "Helm test hook (lint it with --include-tests)"
        return None

    def chart_root(self, chart_name_: str) -> Path | None:
        """The directory of the chart called ``chart_name_``: --chart-dir, else the current
        directory, a child named like the chart, a parent, or a chart of that name below."""
        if chart_name_ in self._chart_roots:
            return self._chart_roots[chart_name_]
        root: Path | None = None
        if self.chart_dir is not None:
            root = self.chart_dir
        else:
            cwd = Path.cwd()
            for cand in (cwd, cwd / chart_name_, *cwd.parents):
                if (cand / "Chart.yaml").is_file() and chart_name(cand / "Chart.yaml") in (
                    chart_name_,
                    None,
                ):
                    root = cand
                    break
            else:
                root = _find_below(cwd, chart_name_) if self.piped is not None else None
        self._chart_roots[chart_name_] = root
        return root

    def template_path(self, source: str) -> Path | None:
        """The file a ``# Source:`` path names, subchart aliases resolved through the parents'
        ``Chart.yaml`` dependencies; None when it is not on disk."""
        parts = source.split("/")
        if len(parts) < 2 or ".." in parts:
            return None
        root = self.chart_root(parts[0])
        if root is None:
            return None
        i = 1
        while i + 2 < len(parts) and parts[i] == "charts":
            sub = subchart_dir(root, parts[i + 1])
            if sub is None:
                break
            root, i = sub, i + 2
        path = root.joinpath(*parts[i:])
        return path if path.is_file() else None

    # -- mapping ---------------------------------------------------------------------------

    def map(self, obj: K8sObject, pointer: str, at: At) -> Mapped | None:
        source = obj.doc.source_comment
        if self.trace is not None:
            mapped = self._map_traced(obj, pointer, at)
            if mapped is not None:
                return mapped
        path = self.template_path(source) if source else None
        if path is None:
            if source and self.piped is not None:  # a file keeps a location one can open
                top = source.split("/", 1)[0]
                self._unresolved[top] = self._unresolved.get(top, 0) + 1
            return None
        read = self._read(path, parse=False)
        if read is None:
            return None
        text = read[0]
        ordinal = self._ordinal.get(obj.doc.index, 0)
        if "{{" not in text:  # crds/ and plain templates: located exactly by the loader
            return self._map_plain(path, text, obj, pointer, at, ordinal)
        if self.trace is not None:
            self._matched += 1
        docs = self._template_docs(path, text)
        if not docs:
            return None
        cands = [d for d in docs if d[2] in (obj.kind, None)] or docs
        first_no, lines, _ = cands[min(ordinal, len(cands) - 1)]
        tokens = split(pointer)
        top = (source or "").split("/", 1)[0]
        line, depth = match_template(
            lines, tokens, obj.raw, names=lambda text: self._define_names(top, text)
        )
        if line is None:
            kind_line = next((ln for ln in lines if ln.key == "kind" and ln.indent == 0), None)
            return Mapped(self._location(path, kind_line.no if kind_line else first_no, 1))
        column = line.key_col
        if depth == len(tokens) and line.val_col >= 0:
            entry = obj.doc.positions.entries.get(obj.base + pointer)
            if at == "value" or (at == "auto" and entry is not None and entry[4]):
                column = line.val_col
        related = self._related(obj, pointer, line.text)
        return Mapped(self._location(path, line.no, column + 1), related=related)

    def _map_traced(self, obj: K8sObject, pointer: str, at: At) -> Mapped | None:
        assert self.trace is not None
        rline, rcol, _ = obj.doc.positions.locate(obj.base + pointer, at)
        hit = self.trace.lookup(rline)
        if hit is None:
            return None
        path, tline = hit
        if not path.is_file():
            return None
        read = self._read(path, parse=False)
        if read is None:
            return None
        tlines = read[0].split("\n")
        template = tlines[tline - 1].rstrip("\r") if tline <= len(tlines) else ""
        rendered = self._rendered[rline - 1] if rline <= len(self._rendered) else ""
        column = template_column(template, rendered, rcol)
        related = self._related(obj, pointer, template)
        if not related and self.values is not None:
            block = self._block_line(obj, pointer, path, tline, tlines)
            if block:  # ``resources:`` then ``{{- toYaml .Values.resources | nindent 12 }}``
                related = self._related(obj, pointer, block)
        return Mapped(self._location(path, tline, column), related=related)

    def _block_line(
        self, obj: K8sObject, pointer: str, path: Path, tline: int, tlines: list[str]
    ) -> str | None:
        """The template line that wrote the content of the mapping or list a finding is about
        (or the ancestor an absent field belongs to), when another line than its key's."""
        assert self.trace is not None
        probe = obj.base + pointer
        while probe and probe not in obj.doc.positions:
            probe = probe[: probe.rfind("/")]
        entry = obj.doc.positions.entries.get(probe)
        if entry is None or entry[4] or entry[2] == entry[0]:
            return None  # a scalar, or a flow collection on the key's own line
        hit = self.trace.lookup(entry[2])
        if hit is None or hit[0] != path or hit[1] == tline or hit[1] > len(tlines):
            return None
        return tlines[hit[1] - 1].rstrip("\r")

    def _related(self, obj: K8sObject, pointer: str, template: str) -> tuple[Related, ...]:
        """Values-file lines behind the ``.Values`` expressions of the finding's template line."""
        if self.values is None or ".Values" not in template:
            return ()
        full = obj.base + pointer
        probe = full
        while probe and probe not in obj.doc.positions:
            probe = probe[: probe.rfind("/")]
        rendered = get_path(obj.doc.data, probe)
        subcharts = _subcharts(obj.doc.source_comment or "")
        found = self.values.related(subcharts, template, rendered, split(probe))
        for r in found:
            self._read(Path(r.location.file), parse=False)
            self._location(Path(r.location.file), r.location.line, r.location.column)
        return tuple(found)

    def notes(self) -> list[str]:
        out = list(self._notes)
        if self._matched and self.trace is not None and self.piped is None:
            why = self.trace.problem or (
                f"{self.trace.unaligned} rendered line(s) differ between the real and the "
                "instrumented render"
            )
            out.append(
                f"{self.name}: {self._matched} finding(s) located by template text matching, "
                f"not by helm's own line map: {why}"
            )
        for chart, count in self._unresolved.items():
            if chart in self._mismatch:
                continue  # already said
            hint = (
                f"--chart-dir {display_name(self.chart_dir)} does not hold it"
                if self.chart_dir is not None
                else "pass --chart-dir DIR"
            )
            out.append(
                f'{count} finding(s) could not be mapped to templates: chart "{chart}" '
                f"(from # Source:) not found; {hint}"
            )
        return out

    def _define_names(self, chart: str, text: str) -> set[str]:
        """Item names (``name: x``) written literally by the named templates an ``include``
        or ``template`` action on ``text`` calls, from the chart's and its subcharts' files."""
        if self._defines is None:
            self._defines = {}
            root = self.chart_root(chart)
            if root is not None:
                self._defines = _read_defines(root)
        out: set[str] = set()
        for name in _INCLUDE_RE.findall(text):
            out |= self._defines.get(name, set())
        return out

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


_SAFE_ARG = re.compile(r"[a-z0-9][a-z0-9.-]{0,62}")
_PROBE_RELEASE = "kubelint-release-probe"


def _most_common(found: list[str]) -> str | None:
    if not found:
        return None
    return max(sorted(set(found)), key=found.count)


def _subcharts(source: str) -> list[str]:
    """The ``charts/<key>`` components of a ``# Source:`` path (aliases as helm writes them)."""
    parts = source.split("/")
    out: list[str] = []
    i = 1
    while i + 2 < len(parts) and parts[i] == "charts":
        out.append(parts[i + 1])
        i += 2
    return out


_DEFINE_RE = re.compile(r'\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}(.*?)\{\{-?\s*end\s*-?\}\}', re.S)
_NAME_ITEM_RE = re.compile(r"^\s*-\s+name:\s*[\"']?([A-Za-z0-9][A-Za-z0-9_.-]*)[\"']?\s*$", re.M)


def _read_defines(root: Path, limit: int = 2000) -> dict[str, set[str]]:
    """Named templates of a chart and its unpacked subcharts -> the list item names their
    bodies write literally (``- name: proxy``); at most ``limit`` files are read."""
    out: dict[str, set[str]] = {}
    seen = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if "templates" not in Path(dirpath).relative_to(root).parts:
            continue
        for name in sorted(filenames):
            seen += 1
            if seen > limit:
                return out
            try:
                text = (Path(dirpath) / name).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            for m in _DEFINE_RE.finditer(text):
                out.setdefault(m.group(1), set()).update(_NAME_ITEM_RE.findall(m.group(2)))
    return out


def _find_below(cwd: Path, name: str, limit: int = 4000) -> Path | None:
    """The one chart called ``name`` below ``cwd`` (hidden and vendored directories skipped,
    at most ``limit`` directories looked at); None when there is none or several."""
    found: list[Path] = []
    seen = 0
    for dirpath, dirnames, filenames in os.walk(cwd):
        seen += 1
        if seen > limit:
            break
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d not in VENDORED_DIRS
        )
        here = Path(dirpath)
        if "Chart.yaml" in filenames and chart_name(here / "Chart.yaml") == name:
            if here.parent.name == "charts" and (here.parent.parent / "Chart.yaml").is_file():
                continue  # a subchart: its parent renders it
            found.append(here)
    return found[0] if len(found) == 1 else None
