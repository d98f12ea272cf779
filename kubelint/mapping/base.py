"""What every mapper shares: the ``Mapper`` base class and the ``Mapped`` result.

A mapper belongs to one rendered source (a stream, a file, a render or a build); see the
package docstring for what the Helm and Kustomize mappers do.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from kubelint.findings import Location, Related
from kubelint.loader import Document, LoadResult, decode, read_yaml_file
from kubelint.model import K8sObject
from kubelint.records import dataclass
from kubelint.sources import display_name, read_regular

At = Literal["auto", "key", "value"]


@dataclass(frozen=True)
class Mapped:
    """Where a finding should point instead of the rendered location, and why."""

    location: Location
    note: str = ""  # appended to the finding's message (e.g. which kustomization set a value)
    related: tuple[Related, ...] = ()  # e.g. the values-file line a Helm value comes from


class Mapper:
    """Base class: a mapper for one rendered source."""

    tag: str | None = None  # e.g. the Helm values set, appended to messages
    build: str | None = None  # the Kustomize build's directory (named where lines repeat)

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}  # display name -> text of the files findings now name
        self._files: dict[Path, tuple[str, LoadResult | None] | None] = {}

    def prepare(self, text: str, loaded: LoadResult) -> None:
        """Called once with the loaded rendered text, before objects are built."""

    def skip_reason(self, doc: Document) -> str | None:
        """A reason to skip a rendered document entirely (e.g. a Helm test pod), else None."""
        return None

    def notes(self) -> list[str]:
        """Notices for stderr once the run is over (e.g. what could not be mapped, and why)."""
        return []

    def map(self, obj: K8sObject, pointer: str, at: At) -> Mapped | None:
        """The source location of ``pointer`` of ``obj``, or None to keep the rendered one."""
        raise NotImplementedError

    # -- helpers shared by both mappers ----------------------------------------------------

    def _read(self, path: Path, parse: bool = True) -> tuple[str, LoadResult | None] | None:
        """Text (and loaded documents) of a source file, cached; None when unreadable."""
        if path in self._files:
            return self._files[path]
        entry: tuple[str, LoadResult | None] | None = None
        if not self._may_read(path):  # a `# Source:`/origin path pointing out of the tree
            self._files[path] = None
            return None
        try:
            if parse:
                text, loaded = read_yaml_file(path)
            else:
                text, loaded = decode(read_regular(path))[0], None  # bounded, files only
        except OSError:
            text = None
        if text is not None:
            entry = (text, loaded)
        self._files[path] = entry
        return entry

    def _may_read(self, path: Path) -> bool:
        """Rendered output names its source files (``# Source:``, kustomize origins); they are
        read only inside the repository of the current directory or of the chart/kustomize
        root, so a hostile render cannot make kubelint read (and show) a file elsewhere."""
        from kubelint.config import repository_root

        roots = {repository_root(Path.cwd())}
        for attr in ("chart_dir", "root", "origin_base", "tree"):
            value = getattr(self, attr, None)
            if isinstance(value, Path):
                roots.add(repository_root(value))
        real = Path(os.path.realpath(path))
        return any(real == r or real.is_relative_to(r) for r in roots)

    def _location(self, path: Path, line: int, column: int) -> Location:
        name = display_name(path)
        entry = self._files.get(path)
        if entry is not None:
            self.texts.setdefault(name, entry[0])
        return Location(name, line, column)
