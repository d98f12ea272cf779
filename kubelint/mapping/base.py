"""What every mapper shares: the ``Mapper`` base class and the ``Mapped`` result.

A mapper belongs to one rendered source (a stream, a file, a render or a build); see the
package docstring for what the Helm and Kustomize mappers do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kubelint.findings import Location
from kubelint.loader import Document, LoadResult, decode, read_yaml_file
from kubelint.model import K8sObject
from kubelint.sources import display_name

At = Literal["auto", "key", "value"]


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
            if parse:
                text, loaded = read_yaml_file(path)
            else:
                text, loaded = decode(path.read_bytes())[0], None
        except OSError:
            text = None
        if text is not None:
            entry = (text, loaded)
        self._files[path] = entry
        return entry

    def _location(self, path: Path, line: int, column: int) -> Location:
        name = display_name(path)
        entry = self._files.get(path)
        if entry is not None:
            self.texts.setdefault(name, entry[0])
        return Location(name, line, column)
