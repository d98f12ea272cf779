"""The one kustomization reader: finding and parsing ``kustomization.yaml`` files.

Used by sources.py (which files are patches, not manifests), render.py (which directories are
top-level builds and which files a build includes) and mapping/kustomize.py (which kustomization
changed a rendered value). Paths in a kustomization are relative to its directory; remote
references (``https://…``, ``github.com/…?ref=``) are never followed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kubelint.loader import Document, LoadResult, read_yaml_file
from kubelint.records import dataclass
from kubelint.sources import is_dir, is_file

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
INCLUDE_FIELDS = ("resources", "bases", "components")
PATCH_FIELDS = ("patchesStrategicMerge", "patches", "patchesJson6902")


def kustomization_file(directory: Path) -> Path | None:
    """The kustomization file of ``directory`` (first of KUSTOMIZATION_FILES), else None."""
    for name in KUSTOMIZATION_FILES:
        if is_file(directory / name):
            return directory / name
    return None


@dataclass
class Kustomization:
    """One parsed kustomization file."""

    path: Path
    text: str
    loaded: LoadResult

    @property
    def documents(self) -> list[Document]:
        """The documents that are mappings (a kustomization file holds one)."""
        return [d for d in self.loaded.documents if isinstance(d.data, dict)]

    @property
    def doc(self) -> Document | None:
        docs = self.documents
        return docs[0] if docs else None

    @property
    def data(self) -> dict[str, Any] | None:
        doc = self.doc
        return doc.data if doc is not None else None

    @property
    def kind(self) -> Any:
        data = self.data
        return data.get("kind") if data is not None else None

    def includes(self) -> tuple[list[Path], set[Path]]:
        """(directories, files) it includes through resources/bases/components, in order,
        as normalised paths below its directory; remote references are left out."""
        dirs: list[Path] = []
        files: set[Path] = set()
        data = self.data
        if data is None:
            return dirs, files
        for fld in INCLUDE_FIELDS:
            entries = data.get(fld)
            if not isinstance(entries, list):
                continue
            for entry in entries:
                if not isinstance(entry, str) or "://" in entry:
                    continue
                target = Path(os.path.normpath(self.path.parent / entry))
                if is_dir(target):
                    dirs.append(target)
                else:
                    files.add(target)
        return dirs, files

    def patch_files(self) -> set[Path]:
        """Files it uses as patches (partial objects, not manifests), resolved."""
        out: set[Path] = set()
        for doc in self.documents:
            refs: list[Any] = []
            for key in PATCH_FIELDS:
                items = doc.data.get(key)
                if isinstance(items, list):
                    refs.extend(items)
            for ref in refs:
                rel = ref.get("path") if isinstance(ref, dict) else ref
                if isinstance(rel, str) and "\n" not in rel:
                    out.add((self.path.parent / rel).resolve())
        return out

    def config_files(self) -> set[Path]:
        """Local files it reads that are not manifests of their own: generator sources
        (``configMapGenerator``/``secretGenerator`` ``files``/``envs``), transformer,
        generator and validator configurations, ``replacements`` paths, ``configurations``,
        ``crds`` and the ``openapi`` schema; resolved. Remote references are left out."""
        out: set[Path] = set()
        data = self.data
        if data is None:
            return out
        refs: list[Any] = []
        for gen in ("configMapGenerator", "secretGenerator"):
            items = data.get(gen)
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, dict):
                    continue
                for key in ("files", "envs"):
                    values = item.get(key)
                    if isinstance(values, list):
                        refs.extend(
                            v.split("=", 1)[-1] if isinstance(v, str) else v for v in values
                        )
                refs.append(item.get("env"))
        for key in ("transformers", "generators", "validators", "configurations", "crds"):
            values = data.get(key)
            if isinstance(values, list):
                refs.extend(values)
        replacements = data.get("replacements")
        for item in replacements if isinstance(replacements, list) else []:
            refs.append(item.get("path") if isinstance(item, dict) else None)
        openapi = data.get("openapi")
        refs.append(openapi.get("path") if isinstance(openapi, dict) else None)
        for ref in refs:
            if isinstance(ref, str) and ref and "\n" not in ref and "://" not in ref:
                out.add(Path(os.path.realpath(self.path.parent / ref)))
        return out


def read_kustomization(path: Path) -> Kustomization | None:
    """Read the kustomization file ``path`` (or the one in directory ``path``); None when
    there is none, it cannot be read or it cannot be decoded."""
    if is_dir(path):
        found = kustomization_file(path)
        if found is None:
            return None
        path = found
    try:
        text, loaded = read_yaml_file(path)
    except OSError:
        return None
    if text is None:
        return None
    return Kustomization(path, text, loaded)
