"""The plain data that flows out of a run: severities, object references, findings, their
fingerprints and ``RunResult``. Reporters and baselines depend on this module only."""

from __future__ import annotations

import enum
import hashlib
from typing import TYPE_CHECKING, Any, Literal

from kubelint.records import dataclass, field

if TYPE_CHECKING:
    from kubelint.catalog import RuleSpec
    from kubelint.sources import Skipped
    from kubelint.suppress import Suppression

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

    @property
    def group(self) -> str:
        """The API group (``""`` for the core group)."""
        return self.api_version.partition("/")[0] if "/" in self.api_version else ""


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


@dataclass(frozen=True)
class Related:
    """Another place that bears on a finding (e.g. the values-file line a Helm value is set on)."""

    location: Location
    message: str


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
    related: tuple[Related, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.rule, self.message)


def fingerprint(rule: str, ref: ObjectRef | None, path: str | None, extra: str = "") -> str:
    """Stable identity of a finding: survives line moves, reformatting, container reordering
    and value edits (``path`` has container indexes replaced by container names)."""
    if ref is None:
        ident = f"{rule}|{extra}"
    else:
        ident = f"{rule}|{ref.group}|{ref.kind}|{ref.namespace or ''}|{ref.name}|{path or ''}"
    return hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass
class RunResult:
    """Everything a run produced: findings and what reporters summarise about it."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    objects: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # (apiVersion, kind) -> objects no schema could validate (schema rules; summary)
    not_validated: dict[tuple[str, str], int] = field(default_factory=dict)
    rules: list[RuleSpec] = field(default_factory=list)
    suppressed: int = 0
    suppressed_findings: list[tuple[Finding, Suppression]] = field(default_factory=list)
    baselined: int = 0
    # findings the --baseline file hides, each with a Suppression of kind "baseline" (SARIF)
    baselined_findings: list[tuple[Finding, Suppression]] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # display name -> text (for reporters)
    # finding -> its fix (kubelint.fix.report.ReportedFix), for reports that show fixes
    fixes: dict[Finding, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out
