"""Map findings on rendered output (``helm template``, ``kustomize build``) back to source files.

A *mapper* belongs to one rendered source (a stream, a file, a render or a build). The engine
asks it to ``prepare`` the loaded documents once (read ``# Source:`` comments, strip Kustomize's
origin annotations so rules never see them, note test hooks), and then to ``map`` each finding's
JSON Pointer to the file a user edits:

* Helm: the template named by ``# Source: <chart>/templates/<file>``, resolved against the chart
  directory; the line is the nearest key of the pointer found in the template text, keys matched
  along the nesting of their parents (indentation-aware; list items by their ``- `` entries).
  Templates without Go-template syntax (``crds/``) are read with the loader and located exactly.
* Kustomize: the file named by ``config.kubernetes.io/origin``; the object is found there by kind
  and un-prefixed name and the pointer located with the loader's position index. When the rendered
  value differs from the source value, the kustomization (or patch file) that changed it is named.

Rules know nothing of this: they see plain objects and return pointers; only locations change.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kubelint.findings import Location, Violation
from kubelint.loader import Document, LoadResult, decode, load_text
from kubelint.model import K8sObject, get_path
from kubelint.positions import escape, split
from kubelint.sources import KUSTOMIZATION_FILES, display_name

At = Literal["auto", "key", "value"]

ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
TRANSFORMATIONS_ANNOTATION = "alpha.config.kubernetes.io/transformations"
INJECTED_ANNOTATIONS = (ORIGIN_ANNOTATION, TRANSFORMATIONS_ANNOTATION)
HELM_HOOK = "helm.sh/hook"

_SOURCE_RE = re.compile(r"^# Source: (\S.*?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Mapped:
    """Where a finding should point instead of the rendered location, and why."""

    location: Location
    note: str = ""  # appended to the finding's message (e.g. which kustomization set a value)


class Mapper:
    """Base class: a mapper for one rendered source."""

    tag: str | None = None  # e.g. the Helm values set, appended to messages

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}  # display name -> text of the files findings now name
        self._files: dict[Path, tuple[str, LoadResult | None] | None] = {}

    def prepare(self, text: str, loaded: LoadResult) -> None:
        """Called once with the loaded rendered text, before objects are built."""

    def skip_reason(self, doc: Document) -> str | None:
        """A reason to skip a rendered document entirely (e.g. a Helm test pod), else None."""
        return None

    def map(self, obj: K8sObject, pointer: str, at: At) -> Mapped | None:
        """The source location of ``pointer`` of ``obj``, or None to keep the rendered one."""
        raise NotImplementedError

    # -- helpers shared by both mappers ----------------------------------------------------

    def _read(self, path: Path, parse: bool = True) -> tuple[str, LoadResult | None] | None:
        """Text (and loaded documents) of a source file, cached; None when unreadable."""
        if path in self._files:
            return self._files[path]
        entry: tuple[str, LoadResult | None] | None = None
        try:
            text, _ = decode(path.read_bytes())
        except OSError:
            text = None
        if text is not None:
            entry = (text, load_text(text) if parse else None)
        self._files[path] = entry
        return entry

    def _location(self, path: Path, line: int, column: int) -> Location:
        name = display_name(path)
        entry = self._files.get(path)
        if entry is not None:
            self.texts.setdefault(name, entry[0])
        return Location(name, line, column)


def detect(text: str, options: Any) -> Mapper | None:
    """A mapper for plain input that turns out to be Helm or Kustomize output, else None.

    ``options`` carries ``chart_dir``, ``kustomize_root`` and ``include_tests`` (engine.Options).
    """
    if ORIGIN_ANNOTATION in text:
        root = Path(options.kustomize_root) if options.kustomize_root else Path.cwd()
        return KustomizeMapper(root, root)
    if "# Source: " in text and _SOURCE_RE.search(text):
        chart_dir = Path(options.chart_dir) if options.chart_dir else None
        return HelmMapper(chart_dir, include_tests=options.include_tests)
    return None


def map_finding(
    mapper: Mapper, obj: K8sObject, v: Violation, rendered: Location
) -> tuple[Location, Location, str, dict[str, str]]:
    """(location, rendered location, message, extra) of a finding on rendered output."""
    location, message = rendered, v.message
    extra: dict[str, str] = {}
    try:
        mapped = mapper.map(obj, v.path, v.at)
    except (OSError, ValueError, RecursionError):
        mapped = None  # a source that cannot be read or matched keeps the rendered location
    if mapped is not None:
        location = mapped.location
        message += mapped.note
    if mapper.tag:
        message += f" [values: {mapper.tag}]"
        extra["values"] = mapper.tag
    return location, rendered, message, extra


# --- Helm ---------------------------------------------------------------------------------------


def source_comments(text: str, documents: list[Document]) -> None:
    """Fill ``Document.source_comment`` from the ``# Source:`` comment that heads each document.

    A cheap text scan keyed on document start lines: a document's comment is the last
    ``# Source:`` line after the previous document's first content line and at or before its own.
    """
    found = [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in _SOURCE_RE.finditer(text)]
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


# --- Kustomize ----------------------------------------------------------------------------------


@dataclass
class _Origin:
    path: Path | None = None  # the resource file the object came from
    configured_in: Path | None = None  # the kustomization of a generated object
    generator: str = ""  # e.g. ConfigMapGenerator


@dataclass
class _Kustomization:
    path: Path
    text: str
    doc: Document
    children: list[Path] = field(default_factory=list)  # kustomization dirs it includes
    files: set[Path] = field(default_factory=set)  # resource files it lists


class KustomizeMapper(Mapper):
    """Maps findings on ``kustomize build`` output through ``config.kubernetes.io/origin``."""

    def __init__(self, origin_base: Path, root: Path | None, fallback: Path | None = None) -> None:
        super().__init__()
        self.origin_base = Path(os.path.realpath(origin_base))  # origin paths are relative to it
        self.root = Path(os.path.realpath(root)) if root is not None else None
        self.fallback = fallback
        self._origins: dict[int, _Origin] = {}
        self._kust: dict[Path, _Kustomization | None] = {}

    def prepare(self, text: str, loaded: LoadResult) -> None:
        for doc in loaded.documents:
            data = doc.data
            if not isinstance(data, dict):
                continue
            meta = data.get("metadata")
            ann = meta.get("annotations") if isinstance(meta, dict) else None
            if not isinstance(ann, dict):
                continue
            raw = ann.get(ORIGIN_ANNOTATION)
            for key in INJECTED_ANNOTATIONS:
                ann.pop(key, None)
            if not ann:
                assert isinstance(meta, dict)
                del meta["annotations"]
            if isinstance(raw, str):
                self._origins[doc.index] = self._parse_origin(raw)

    def _parse_origin(self, raw: str) -> _Origin:
        docs = load_text(raw).documents
        data = docs[0].data if docs else None
        origin = _Origin()
        if not isinstance(data, dict) or data.get("repo"):
            return origin  # a remote resource: nothing on disk to point at
        base = self.origin_base
        if isinstance(data.get("path"), str):
            origin.path = Path(os.path.normpath(base / data["path"]))
        elif isinstance(data.get("configuredIn"), str):
            origin.configured_in = Path(os.path.normpath(base / data["configuredIn"]))
            by = data.get("configuredBy")
            if isinstance(by, dict) and isinstance(by.get("kind"), str):
                origin.generator = by["kind"]
        return origin

    def map(self, obj: K8sObject, pointer: str, at: At) -> Mapped | None:
        origin = self._origins.get(obj.doc.index)
        mapped: Mapped | None = None
        if origin is not None and origin.path is not None:
            mapped = self._map_resource(origin.path, obj, pointer, at)
        elif origin is not None and origin.configured_in is not None:
            mapped = self._map_generated(origin, obj, pointer)
        if mapped is None and self.fallback is not None and self.fallback.is_file():
            self._read(self.fallback)
            mapped = Mapped(self._location(self.fallback, 1, 1))
        return mapped

    # -- resources -------------------------------------------------------------------------

    def _map_resource(self, path: Path, obj: K8sObject, pointer: str, at: At) -> Mapped | None:
        read = self._read(path)
        if read is None or read[1] is None:
            return None
        doc = _find_object(read[1].documents, obj.kind, obj.name)
        if doc is None:
            return None
        src_pointer, complete = translate(pointer, obj.raw, doc.data)
        rendered = get_path(obj.raw, pointer)
        present = (obj.base + pointer) in obj.doc.positions
        changed = present and (
            not complete
            or src_pointer not in doc.positions
            or (
                not isinstance(rendered, (dict, list))
                and get_path(doc.data, src_pointer) != rendered
            )
        )
        if changed:
            found = self._changer(path, obj, pointer)
            if found is not None:
                return found
            line, column, _ = doc.positions.locate(src_pointer, at)
            note = " (the rendered value differs: changed by a kustomize transformer)"
            return Mapped(self._location(path, line, column), note)
        line, column, _ = doc.positions.locate(src_pointer, at)
        return Mapped(self._location(path, line, column))

    def _changer(self, origin: Path, obj: K8sObject, pointer: str) -> Mapped | None:
        """The kustomization (or patch) that set ``pointer``: outermost first."""
        for kpath in reversed(self._chain(origin)):
            k = self._kustomization(kpath)
            if k is None:
                continue
            found = self._changer_in(k, obj, pointer)
            if found is not None:
                return found
        return None

    def _changer_in(self, k: _Kustomization, obj: K8sObject, pointer: str) -> Mapped | None:
        data = k.doc.data
        assert isinstance(data, dict)
        kname = display_name(k.path)
        tokens = split(pointer)
        # patches: files (strategic merge or JSON 6902) and inline ones
        for field_name in ("patches", "patchesStrategicMerge", "patchesJson6902"):
            items = data.get(field_name)
            if not isinstance(items, list):
                continue
            for i, item in enumerate(items):
                hit = self._patch_hit(k, field_name, i, item, obj, pointer)
                if hit is not None:
                    return hit
        if tokens and tokens[-1] == "image" and "images" in data:
            image = get_path(obj.raw, pointer)
            entry = _image_entry(data.get("images"), image if isinstance(image, str) else "")
            if entry is not None:
                i, fld = entry
                ptr = f"/images/{i}" + (f"/{fld}" if fld else "")
                return self._at_kust(k, ptr, f" (set by `images:` in {kname})")
        if pointer == "/metadata/namespace" and "namespace" in data:
            return self._at_kust(k, "/namespace", f" (set by `namespace:` in {kname})")
        if pointer == "/metadata/name":
            for fld in ("namePrefix", "nameSuffix"):
                if fld in data:
                    return self._at_kust(k, f"/{fld}", f" (set by `{fld}:` in {kname})")
        if len(tokens) >= 2 and tokens[-2] in ("labels", "matchLabels", "selector"):
            for fld in ("commonLabels", "labels"):
                if fld in data:
                    return self._at_kust(k, f"/{fld}", f" (set by `{fld}:` in {kname})")
        if tokens[-2:-1] == ["annotations"] and "commonAnnotations" in data:
            return self._at_kust(
                k, "/commonAnnotations", f" (set by `commonAnnotations:` in {kname})"
            )
        if pointer == "/spec/replicas" and isinstance(data.get("replicas"), list):
            for i, entry in enumerate(data["replicas"]):
                name = entry.get("name") if isinstance(entry, dict) else None
                if isinstance(name, str) and name in obj.name:
                    ptr = f"/replicas/{i}/count"
                    return self._at_kust(k, ptr, f" (set by `replicas:` in {kname})")
        return None

    def _at_kust(self, k: _Kustomization, pointer: str, note: str) -> Mapped:
        line, column, _ = k.doc.positions.locate(pointer)
        return Mapped(self._location(k.path, line, column), note)

    def _patch_hit(
        self, k: _Kustomization, field_name: str, i: int, item: Any, obj: K8sObject, pointer: str
    ) -> Mapped | None:
        kname = display_name(k.path)
        target = item.get("target") if isinstance(item, dict) else None
        if isinstance(target, dict) and not _target_matches(target, obj):
            return None
        rel = item.get("path") if isinstance(item, dict) else item
        inline = item.get("patch") if isinstance(item, dict) else None
        if isinstance(rel, str) and "\n" in rel:
            inline, rel = rel, None  # patchesStrategicMerge accepts inline YAML too
        if isinstance(rel, str):
            ppath = Path(os.path.normpath(k.path.parent / rel))
            read = self._read(ppath)
            if read is None or read[1] is None:
                return None
            for doc in read[1].documents:
                where = _patch_locate(doc, obj, pointer, target is not None)
                if where is not None:
                    line, column = where
                    note = f" (set by the patch {display_name(ppath)} in {kname})"
                    return Mapped(self._location(ppath, line, column), note)
            return None
        if isinstance(inline, str):
            sub = f"/{field_name}/{i}" + ("/patch" if isinstance(item, dict) else "")
            for doc in load_text(inline).documents:
                where = _patch_locate(doc, obj, pointer, target is not None)
                if where is not None:
                    note = f" (set by an inline patch in {kname})"
                    inner = self._inline_position(k, sub, where)
                    if inner is not None:
                        return Mapped(self._location(k.path, *inner), note)
                    return self._at_kust(k, sub, note)
        return None

    def _inline_position(
        self, k: _Kustomization, sub: str, where: tuple[int, int]
    ) -> tuple[int, int] | None:
        """A position inside an inline patch written as a literal block (``patch: |-``)."""
        entry = k.doc.positions.entries.get(sub)
        if entry is None:
            return None
        lines = k.text.split("\n")
        vline, vcol = entry[2], entry[3]
        head = lines[vline - 1][vcol - 1 :].split("#", 1)[0].strip()
        if not head.startswith("|") or vline >= len(lines):
            return None
        body = lines[vline]
        indent = len(body) - len(body.lstrip(" "))
        return vline + where[0], indent + where[1]

    # -- generated objects ----------------------------------------------------------------

    def _map_generated(self, origin: _Origin, obj: K8sObject, pointer: str) -> Mapped | None:
        assert origin.configured_in is not None
        k = self._kustomization(origin.configured_in)
        if k is None:
            return None
        field_name = origin.generator[:1].lower() + origin.generator[1:]
        items = k.doc.data.get(field_name) if isinstance(k.doc.data, dict) else None
        best: tuple[int, int] | None = None
        if isinstance(items, list):
            for i, item in enumerate(items):
                name = item.get("name") if isinstance(item, dict) else None
                if (
                    isinstance(name, str)
                    and name in obj.name
                    and (best is None or len(name) > best[1])
                ):
                    best = (i, len(name))
        if best is None:
            line, column, _ = k.doc.positions.locate(f"/{field_name}")
            return Mapped(self._location(k.path, line, column))
        sub = f"/{field_name}/{best[0]}"
        tokens = split(pointer)
        item = items[best[0]] if isinstance(items, list) else None
        if len(tokens) >= 2 and tokens[0] in ("data", "stringData") and isinstance(item, dict):
            literals = item.get("literals")
            if isinstance(literals, list):
                for j, lit in enumerate(literals):
                    if isinstance(lit, str) and lit.split("=", 1)[0] == tokens[1]:
                        return self._at_kust(k, f"{sub}/literals/{j}", "")
        return self._at_kust(k, sub, "")

    # -- kustomization graph --------------------------------------------------------------

    def _kustomization(self, path: Path) -> _Kustomization | None:
        if path.is_dir():
            for name in KUSTOMIZATION_FILES:
                if (path / name).is_file():
                    path = path / name
                    break
            else:
                return None
        if path in self._kust:
            return self._kust[path]
        read = self._read(path)
        k: _Kustomization | None = None
        if read is not None and read[1] is not None:
            docs = [d for d in read[1].documents if isinstance(d.data, dict)]
            if docs:
                k = _Kustomization(path, read[0], docs[0])
                data = docs[0].data
                for fld in ("resources", "bases", "components"):
                    entries = data.get(fld)
                    if not isinstance(entries, list):
                        continue
                    for entry in entries:
                        if not isinstance(entry, str) or "://" in entry:
                            continue
                        target = Path(os.path.normpath(path.parent / entry))
                        if target.is_dir():
                            k.children.append(target)
                        else:
                            k.files.add(target)
        self._kust[path] = k
        return k

    def _chain(self, origin: Path) -> list[Path]:
        """Kustomization files from the built root down to the one that lists ``origin``."""
        if self.root is None:
            return []
        seen: set[Path] = set()

        def walk(directory: Path) -> list[Path] | None:
            k = self._kustomization(directory)
            if k is None or k.path in seen:
                return None
            seen.add(k.path)
            if origin in k.files:
                return [k.path]
            for child in k.children:
                sub = walk(child)
                if sub is not None:
                    return [k.path, *sub]
            return None

        return walk(self.root) or []


# --- helpers ------------------------------------------------------------------------------------


def translate(pointer: str, rendered: Any, other: Any) -> tuple[str, bool]:
    """``pointer`` of the rendered object expressed in another version of it (a source file or a
    patch): list items that carry a ``name`` are matched by name (strategic merge keys), others
    by index. Returns the pointer as far as it could be followed, and whether it is complete."""
    out = ""
    r, o = rendered, other
    for token in split(pointer):
        if isinstance(r, list) and token.isdigit():
            i = int(token)
            item = r[i] if i < len(r) else None
            if not isinstance(o, list):
                return out, False
            j: int | None = i
            if isinstance(item, dict) and "name" in item:
                name = item["name"]
                j = next(
                    (n for n, x in enumerate(o) if isinstance(x, dict) and x.get("name") == name),
                    None,
                )
            if j is None or j >= len(o):
                return out, False
            out += f"/{j}"
            r, o = item, o[j]
            continue
        if not isinstance(o, dict) or token not in o:
            return out + f"/{escape(token)}", False
        out += f"/{escape(token)}"
        r = r.get(token) if isinstance(r, dict) else None
        o = o[token]
    return out, True


def _find_object(documents: list[Document], kind: str, name: str) -> Document | None:
    """The document of ``kind`` whose name is ``name`` or is contained in it (name prefixes,
    suffixes and generator hashes): exact first, then the longest contained name."""
    best: tuple[int, Document] | None = None
    single: list[Document] = []
    for doc in documents:
        data = doc.data
        if not isinstance(data, dict) or data.get("kind") != kind:
            continue
        single.append(doc)
        meta = data.get("metadata")
        src = meta.get("name") if isinstance(meta, dict) else None
        if not isinstance(src, str) or not src:
            continue
        if src == name:
            return doc
        if src in name and (best is None or len(src) > best[0]):
            best = (len(src), doc)
    if best is not None:
        return best[1]
    return single[0] if len(single) == 1 else None


def _target_matches(target: dict[str, Any], obj: K8sObject) -> bool:
    kind = target.get("kind")
    if isinstance(kind, str) and kind != obj.kind:
        return False
    name = target.get("name")
    if isinstance(name, str) and name not in obj.name:
        try:
            if not re.fullmatch(name, obj.name):
                return False
        except re.error:
            return False
    return True


def _patch_locate(
    doc: Document, obj: K8sObject, pointer: str, targeted: bool
) -> tuple[int, int] | None:
    """Line/column in a patch document that sets ``pointer`` of ``obj``, else None."""
    data = doc.data
    if isinstance(data, list):  # JSON 6902 operations
        for i, op in enumerate(data):
            if not isinstance(op, dict) or not isinstance(op.get("path"), str):
                continue
            opath = op["path"]
            if op.get("op") in ("add", "replace") and (
                pointer == opath or pointer.startswith(opath + "/")
            ):
                rest = pointer[len(opath) :]
                ptr = f"/{i}/value{rest}"
                if ptr not in doc.positions:
                    ptr = f"/{i}/value" if f"/{i}/value" in doc.positions else f"/{i}/path"
                line, column, _ = doc.positions.locate(ptr)
                return line, column
        return None
    if not isinstance(data, dict):
        return None
    if not targeted:
        kind = data.get("kind")
        meta = data.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        if kind != obj.kind or not isinstance(name, str) or name not in obj.name:
            return None
    ptr, complete = translate(pointer, obj.raw, data)
    if not complete or ptr not in doc.positions:
        return None
    line, column, _ = doc.positions.locate(ptr)
    return line, column


def _image_name(image: str) -> str:
    name = image.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def _image_entry(images: Any, rendered: str) -> tuple[int, str] | None:
    """Index of the ``images:`` entry that produced ``rendered`` and the field that set it."""
    if not isinstance(images, list):
        return None
    name = _image_name(rendered)
    for i, entry in enumerate(images):
        if not isinstance(entry, dict):
            continue
        names = {entry.get("name"), entry.get("newName")}
        if name in names:
            for fld in ("digest", "newTag", "newName"):
                if fld in entry:
                    return i, fld
            return i, ""
    return None
