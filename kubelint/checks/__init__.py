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


def check(name: str) -> Callable[[F], F]:
    """Mark ``fn`` as the check called ``name`` (referenced by ``check:`` in rule YAML)."""

    def mark(fn: F) -> F:
        fn.__kubelint_check__ = name  # type: ignore[attr-defined]
        return fn

    return mark
