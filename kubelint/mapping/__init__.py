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

``base`` holds the ``Mapper`` base class, ``helm`` and ``kustomize`` the two mappers; kustomization
files are read by ``kubelint.kustomization``, the one reader every stage shares.

Rules know nothing of this: they see plain objects and return pointers; only locations change.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubelint.findings import Finding, Location, Related, Violation
    from kubelint.mapping.base import At, Mapped, Mapper
    from kubelint.mapping.helm import HelmMapper, source_comments
    from kubelint.mapping.kustomize import KustomizeMapper
    from kubelint.model import K8sObject

# What Kustomize's origin annotation is called (the Kustomize mapper strips it, detect looks for
# it). The mappers are imported on first use: a run over plain files never needs them.
ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
_LAZY = {
    "At": "base",
    "Mapped": "base",
    "Mapper": "base",
    "HelmMapper": "helm",
    "source_comments": "helm",
    "KustomizeMapper": "kustomize",
}

__all__ = [
    "At",
    "HelmMapper",
    "KustomizeMapper",
    "Mapped",
    "Mapper",
    "detect",
    "map_finding",
    "source_comments",
    "tag_builds",
]


def detect(text: str, options: Any, piped: bool = False) -> Mapper | None:
    """A mapper for plain input that turns out to be Helm or Kustomize output, else None.

    ``options`` carries ``chart_dir``, ``kustomize_root`` and ``include_tests``
    (kubelint.options.Options). ``piped``: the text came from stdin (a chart may then be
    looked for below the current directory, and re-rendered to map findings exactly).
    """
    if ORIGIN_ANNOTATION in text:
        from kubelint.mapping.kustomize import KustomizeMapper

        root = Path(options.kustomize_root) if options.kustomize_root else Path.cwd()
        return KustomizeMapper(root, root)
    if "# Source: " not in text:
        return None
    from kubelint.mapping.helm import SOURCE_RE, HelmMapper, PipedRender

    if SOURCE_RE.search(text):
        from kubelint.render import find_helm  # late: rendering imports this package

        chart_dir = Path(options.chart_dir) if options.chart_dir else None
        helm = find_helm(getattr(options, "helm_bin", None)) if piped else None
        return HelmMapper(
            chart_dir,
            include_tests=options.include_tests,
            piped=PipedRender(helm) if piped else None,
        )
    return None


def map_finding(
    mapper: Mapper, obj: K8sObject, v: Violation, rendered: Location
) -> tuple[Location, Location, str, dict[str, str], tuple[Related, ...]]:
    """(location, rendered location, message, extra, related locations) of a finding on
    rendered output."""
    location, message = rendered, v.message
    extra: dict[str, str] = {}
    related: tuple[Related, ...] = ()
    try:
        mapped = mapper.map(obj, v.path, v.at)
    except (OSError, ValueError, RecursionError):
        mapped = None  # a source that cannot be read or matched keeps the rendered location
    if mapped is not None:
        location = mapped.location
        message += mapped.note
        related = mapped.related
    if mapper.tag:
        message += f" [values: {mapper.tag}]"
        extra["values"] = mapper.tag
    if mapper.build:
        extra["build"] = mapper.build
    return location, rendered, message, extra, related


def tag_builds(findings: list[Finding], objects: dict[int, Any] | None) -> None:
    """kubelint.mapping.kustomize.tag_builds: only findings of Kustomize builds carry a
    ``build`` (the Kustomize mapper is not imported for a run without any)."""
    if any(f.extra.get("build") for f in findings):
        from kubelint.mapping.kustomize import tag_builds as tag

        tag(findings, objects)


def __getattr__(name: str) -> Any:
    """The mappers and their types, imported when first asked for (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
