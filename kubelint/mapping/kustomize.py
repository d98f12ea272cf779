"""The Kustomize mapper: findings on ``kustomize build`` output -> the files users edit.

The file is the one named by ``config.kubernetes.io/origin``; the object is found there by kind
and un-prefixed name and the pointer located with the loader's position index. When the
rendered value differs from the source value, the kustomization (or patch file) that changed it
is named.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from kubelint import records
from kubelint.findings import Finding
from kubelint.kustomization import kustomization_file, read_kustomization
from kubelint.loader import Document, LoadResult, load_text
from kubelint.mapping import ORIGIN_ANNOTATION
from kubelint.mapping.base import At, Mapped, Mapper
from kubelint.model import K8sObject, get_path
from kubelint.positions import escape, split
from kubelint.records import dataclass, field
from kubelint.sources import display_name

TRANSFORMATIONS_ANNOTATION = "alpha.config.kubernetes.io/transformations"
INJECTED_ANNOTATIONS = (ORIGIN_ANNOTATION, TRANSFORMATIONS_ANNOTATION)


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

    def __init__(
        self,
        origin_base: Path,
        root: Path | None,
        fallback: Path | None = None,
        build: str | None = None,
        tree: Path | None = None,
    ) -> None:
        super().__init__()
        self.build = build  # the built directory as shown (findings carry it)
        self.tree = Path(os.path.realpath(tree)) if tree is not None else None  # linted dir
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
        # absent from the build but written in the resource (a patch removed it), or inside a
        # list item the resource does not have (a patch added the item): only patches did that
        removed = not present and complete and src_pointer in doc.positions
        added = (
            not present
            and not complete
            and any(t.isdigit() for t in split(pointer)[len(split(src_pointer)) :])
        )
        if removed or added:
            found = self._changer(path, obj, pointer, patches_only=True)
            if found is not None:
                return found
        if changed:
            found = self._changer(path, obj, pointer)
            if found is not None:
                return found
            line, column, _ = doc.positions.locate(src_pointer, at)
            note = " (the rendered value differs: changed by a kustomize transformer)"
            return Mapped(self._location(path, line, column), note)
        line, column, _ = doc.positions.locate(src_pointer, at)
        return Mapped(self._location(path, line, column))

    def _changer(
        self, origin: Path, obj: K8sObject, pointer: str, patches_only: bool = False
    ) -> Mapped | None:
        """The kustomization, Component or patch that set ``pointer``: the last one applied
        first (the built root, its Components, then down towards the resource's own)."""
        for kpath in self._with_components(self._chain(origin)):
            k = self._kustomization(kpath)
            if k is None:
                continue
            found = self._changer_in(k, obj, pointer, patches_only)
            if found is not None:
                return found
        return None

    def _changer_in(
        self, k: _Kustomization, obj: K8sObject, pointer: str, patches_only: bool = False
    ) -> Mapped | None:
        data = k.doc.data
        assert isinstance(data, dict)
        kname = display_name(k.path)
        tokens = split(pointer)
        # patches: files (strategic merge or JSON 6902) and inline ones, the last applied first
        # (kustomize applies them in order, so the last one that touches a field decides it)
        for field_name in ("patchesJson6902", "patchesStrategicMerge", "patches"):
            items = data.get(field_name)
            if not isinstance(items, list):
                continue
            for i, item in reversed(list(enumerate(items))):
                hit = self._patch_hit(k, field_name, i, item, obj, pointer, patches_only)
                if hit is not None:
                    return hit
        if patches_only:
            return None
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
        self,
        k: _Kustomization,
        field_name: str,
        i: int,
        item: Any,
        obj: K8sObject,
        pointer: str,
        partial: bool = False,
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
                where = _patch_locate(doc, obj, pointer, target is not None, partial)
                if where is not None:
                    line, column = where
                    note = f" (set by the patch {display_name(ppath)} in {kname})"
                    return Mapped(self._location(ppath, line, column), note)
            return None
        if isinstance(inline, str):
            sub = f"/{field_name}/{i}" + ("/patch" if isinstance(item, dict) else "")
            for doc in load_text(inline).documents:
                where = _patch_locate(doc, obj, pointer, target is not None, partial)
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
            found = kustomization_file(path)
            if found is None:
                return None
            path = found
        if path in self._kust:
            return self._kust[path]
        read = read_kustomization(path)
        k: _Kustomization | None = None
        if read is not None:
            self._files[path] = (read.text, read.loaded)
            if read.doc is not None:
                dirs, files = read.includes()
                k = _Kustomization(path, read.text, read.doc, dirs, files)
        self._kust[path] = k
        return k

    def _with_components(self, chain: list[Path]) -> list[Path]:
        """``chain`` (root first) with, after each kustomization, the Components it uses
        (``components:``, and theirs, each once): Kustomize applies a Component's
        transformers and patches to the resources of the kustomization that lists it, before
        that kustomization's own."""
        out: list[Path] = []
        seen: set[Path] = set()

        def components_of(kpath: Path) -> list[Path]:
            k = self._kustomization(kpath)
            found: list[Path] = []
            if k is None or not isinstance(k.doc.data, dict):
                return found
            entries = k.doc.data.get("components")
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, str) or "://" in entry:
                    continue
                c = self._kustomization(Path(os.path.normpath(k.path.parent / entry)))
                if c is None or c.path in seen:
                    continue
                seen.add(c.path)
                found.extend([*components_of(c.path), c.path])
            return found

        for kpath in chain:
            seen.add(kpath)
        for kpath in chain:
            out.extend([kpath, *reversed(components_of(kpath))])
        return out

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


# --- findings of several builds ---------------------------------------------------------------


def tag_builds(findings: list[Finding], objects: dict[int, Any] | None) -> None:
    """Where one source line gets a finding of the same rule from several Kustomize builds (a
    base or Component that overlays share), each copy's message ends with its build,
    ``[overlays/prod]``, so that the lines can be told apart (JSON and SARIF carry the build
    of every finding of a build anyway).
    ``objects`` maps ``id(finding)`` to its object and follows the replaced findings."""
    groups: dict[tuple[str, int, int, str], set[str]] = {}
    for f in findings:
        build = f.extra.get("build")
        if build:
            key = (f.location.file, f.location.line, f.location.column, f.rule)
            groups.setdefault(key, set()).add(build)
    if not any(len(builds) > 1 for builds in groups.values()):
        return
    for i, f in enumerate(findings):
        build = f.extra.get("build")
        key = (f.location.file, f.location.line, f.location.column, f.rule)
        if build and len(groups.get(key, ())) > 1:
            tagged = records.replace(f, message=f"{f.message} [{build}]")
            if objects is not None and id(f) in objects:
                objects[id(tagged)] = objects.pop(id(f))
            findings[i] = tagged


# --- helpers -------------------------------------------------------------------------------------


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
    doc: Document, obj: K8sObject, pointer: str, targeted: bool, partial: bool = False
) -> tuple[int, int] | None:
    """Line/column in a patch document that sets ``pointer`` of ``obj``, else None.
    ``partial``: the field is absent from the build; a patch that removed it (a JSON 6902
    ``remove``), or that added the list item it would be in, is where to point."""
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
            if (
                partial
                and op.get("op") == "remove"
                and (pointer == opath or pointer.startswith(opath + "/"))
            ):
                line, column, _ = doc.positions.locate(f"/{i}/path", "value")
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
    if not complete and partial:  # the deepest part of an item the patch adds, if it has one
        while ptr and ptr not in doc.positions:
            ptr = ptr.rsplit("/", 1)[0]
        if not any(token.isdigit() for token in split(ptr)):
            return None
    elif not complete or ptr not in doc.positions:
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
