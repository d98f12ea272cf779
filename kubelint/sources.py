"""Find the inputs of a run and read their bytes; decide which files are not manifests at all.

Never modifies an input. Directories are walked recursively for ``.yaml``, ``.yml`` and
``.json`` files, skipping hidden and vendored directories; Helm chart sources (``Chart.yaml``,
``values*.yaml``, ``templates/``) and files that Kustomize uses as patches are skipped with a
reason, as rule-catalog.md §11 describes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubelint.kustomization import KUSTOMIZATION_FILES, read_kustomization

EXTENSIONS = (".yaml", ".yml", ".json")
VENDORED_DIRS = frozenset(
    {"node_modules", "vendor", "__pycache__", "site-packages", "bower_components", ".terraform"}
)
CHART_FILES = frozenset({"Chart.yaml", "Chart.lock", "requirements.lock"})


@dataclass(frozen=True)
class Source:
    """One input: a file on disk or standard input, with the name findings use for it."""

    name: str  # what reports show: relative to the current directory when below it, or "-"
    path: Path | None  # None for stdin
    data: bytes | None  # None when the file was skipped or unreadable
    skip_reason: str | None = None
    error: str | None = None
    lint_set: str = "files"  # id of the lint set it belongs to
    mapper: Any = None  # mapping.Mapper for rendered output (helm/kustomize), else None


@dataclass(frozen=True)
class Skipped:
    name: str
    reason: str


def display_name(path: Path, cwd: Path | None = None) -> str:
    """Path relative to the current directory when below it, else as given (POSIX separators)."""
    base = cwd or Path.cwd()
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _chart_root(path: Path) -> Path | None:
    """The Helm chart directory containing ``path`` (nearest parent with a Chart.yaml)."""
    for parent in path.parents:
        if (parent / "Chart.yaml").is_file():
            return parent
    return None


def classify_file(path: Path) -> str | None:
    """Return a skip reason for files that are Helm chart sources, else None."""
    name = path.name
    if name in CHART_FILES:
        return "Helm chart metadata"
    chart = _chart_root(path)
    if chart is not None:
        rel = path.relative_to(chart).parts
        if rel and rel[0] == "templates":
            return "Helm chart template (render it with `helm template` or --helm)"
        if len(rel) == 1 and name.startswith("values") and name.endswith((".yaml", ".yml")):
            return "Helm values file"
    return None


def _kustomize_patch_files(directory: Path) -> set[Path]:
    """Files a kustomization in ``directory`` uses as patches (partial objects)."""
    out: set[Path] = set()
    for fname in KUSTOMIZATION_FILES:
        kfile = directory / fname
        if not kfile.is_file():
            continue
        k = read_kustomization(kfile)
        if k is not None:
            out |= k.patch_files()
    return out


def walk(root: Path) -> Iterator[Path]:
    """Manifest candidates below ``root`` in a stable order."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d not in VENDORED_DIRS
        )
        for fname in sorted(filenames):
            if fname.endswith(EXTENSIONS) and not fname.startswith("."):
                yield Path(dirpath) / fname


def collect(
    paths: Iterable[str],
    stdin_filename: str | None = None,
    stdin: Any = None,
) -> tuple[list[Source], list[Skipped], list[str]]:
    """Resolve the command-line paths into sources.

    Returns (sources, skipped files, errors). Errors are missing paths and unreadable files;
    they do not stop the run, but make its exit code 2.
    """
    sources: list[Source] = []
    skipped: list[Skipped] = []
    errors: list[str] = []
    seen: set[Path] = set()
    patch_cache: dict[Path, set[Path]] = {}

    def patches_near(path: Path) -> bool:
        resolved = path.resolve()
        for parent in resolved.parents:
            if parent not in patch_cache:
                patch_cache[parent] = _kustomize_patch_files(parent)
            if resolved in patch_cache[parent]:
                return True
        return False

    def add_file(path: Path, explicit: bool) -> None:
        resolved = path.resolve()
        if resolved in seen:
            return
        seen.add(resolved)
        name = display_name(path)
        reason = classify_file(resolved)
        if reason is None and path.name in KUSTOMIZATION_FILES:
            reason = "Kustomize kustomization (build it with --kustomize)"
        if reason is None and patches_near(path):
            reason = "Kustomize patch (a partial object)"
        if reason is not None:
            skipped.append(Skipped(name, reason))
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            errors.append(f"{name}: cannot read file: {exc.strerror or exc}")
            return
        sources.append(Source(name=name, path=path, data=data))

    for raw in paths:
        if raw == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read()
            name = stdin_filename or "-"
            sources.append(Source(name=name, path=None, data=data))
            continue
        path = Path(raw)
        if path.is_dir():
            for file in walk(path):
                add_file(file, explicit=False)
        elif path.is_file():
            add_file(path, explicit=True)
        elif path.exists():
            errors.append(f"{raw}: not a regular file or directory")
        else:
            errors.append(f"{raw}: no such file or directory")
    return sources, skipped, errors
