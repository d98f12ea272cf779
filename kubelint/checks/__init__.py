"""Python rule logic. Each module holds small typed checks marked with ``@check``.

Checks receive their target (object, pod spec, container or lint set) and a ``CheckContext``
and yield ``Violation``s; they never read files or print. The built-in plugin discovers every
``@check`` function in this package: there is no hand-kept list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kubelint.findings import Violation

CheckFn = Callable[[Any, "CheckContext"], Iterable[Violation]]
F = TypeVar("F", bound=Callable[..., Iterable[Violation]])

KUBERNETES_VERSION_DEFAULT = (1, 37)


@dataclass(frozen=True)
class CheckContext:
    """What a check may know besides its target: its rule, params and the run's settings."""

    rule_id: str
    params: Mapping[str, Any] = field(default_factory=dict)
    kubernetes_version: tuple[int, int] = KUBERNETES_VERSION_DEFAULT
    complete: bool = False
    # CustomResourceDefinitions given with --crd (plain data; not linted, only read for schemas)
    crds: tuple[Mapping[str, Any], ...] = ()
    # run-level output besides findings (stderr notices, objects no schema could check)
    notes: RunNotes = field(default_factory=lambda: RunNotes(), compare=False)


@dataclass
class RunNotes:
    """What checks report about a run besides findings; the engine copies it to RunResult.

    ``notice`` adds a line for stderr (each distinct line once, however many rules or lint sets
    add it); ``not_validated`` counts objects per (apiVersion, kind) that no schema could check.
    """

    notices: list[str] = field(default_factory=list)
    not_validated: dict[tuple[str, str], int] = field(default_factory=dict)

    def notice(self, message: str) -> None:
        if message not in self.notices:
            self.notices.append(message)


def check(
    name: str, validate_params: Callable[[Mapping[str, Any]], None] | None = None
) -> Callable[[F], F]:
    """Mark ``fn`` as the check called ``name`` (referenced by ``check:`` in rule YAML).

    ``validate_params`` (optional) checks a rule's merged params beyond its JSON Schema (e.g.
    that a quantity parses); it raises ValueError with a message, which the engine reports as
    a configuration error (exit 2) once, before any input is linted.
    """

    def mark(fn: F) -> F:
        fn.__kubelint_check__ = name  # type: ignore[attr-defined]
        if validate_params is not None:
            fn.__kubelint_validate_params__ = validate_params  # type: ignore[attr-defined]
        return fn

    return mark
