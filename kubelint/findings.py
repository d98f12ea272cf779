"""The plain data that flows out of the engine: severities, object references and findings."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

At = Literal["auto", "key", "value"]


class Severity(str, enum.Enum):
    """A finding's severity; ordering follows importance (error > warning > info)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, value: str) -> Severity:
        return cls(value.lower())


_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}


@dataclass(frozen=True)
class ObjectRef:
    """Identity of a Kubernetes object as reported (namespace is None for cluster-scoped kinds)."""

    api_version: str
    kind: str
    namespace: str | None
    name: str

    def __str__(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {ns}{self.name}"


@dataclass(frozen=True)
class Violation:
    """What a check yields: the field at fault (JSON Pointer relative to the object) and why.

    ``obj`` is only needed by whole-set checks, which report on objects other than their target;
    per-object, per-pod and per-container checks leave it None. ``at`` forces the key or value
    position instead of the positions table's default ("auto").
    """

    path: str
    message: str
    container: str | None = None
    obj: object | None = None
    at: At = "auto"


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int


@dataclass(frozen=True, order=False)
class Finding:
    """An immutable finding with everything every reporter needs."""

    rule: str
    severity: Severity
    message: str
    location: Location
    object: ObjectRef | None = None
    container: str | None = None
    path: str | None = None
    rendered: Location | None = None
    fingerprint: str = ""
    category: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.rule, self.message)
