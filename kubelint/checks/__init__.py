"""Python rule logic. Each module holds small typed checks marked with ``@check``.

Checks receive their target (object, pod spec, container or lint set) and a ``CheckContext``
and yield ``Violation``s; they never read files or print. The built-in plugin discovers every
``@check`` function in this package: there is no hand-kept list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, Protocol, TypeVar

from kubelint import versions
from kubelint.findings import Violation
from kubelint.records import dataclass, field

Target = Literal["object", "pod-spec", "container", "set"]
# the model class a check's first parameter is annotated with -> the rule ``target:`` it serves
TARGET_OF_TYPE: dict[str, Target] = {
    "K8sObject": "object",
    "PodSpec": "pod-spec",
    "Container": "container",
    "LintSet": "set",
}


class CheckFn(Protocol):
    """A check: ``fn(target, ctx)`` yielding violations. The target is a K8sObject, PodSpec,
    Container or LintSet according to the rule's ``target:`` (see ``check_target``)."""

    def __call__(self, target: Any, ctx: CheckContext, /) -> Iterable[Violation]: ...


F = TypeVar("F", bound=Callable[..., Iterable[Violation]])


@dataclass(frozen=True)
class CheckContext:
    """What a check may know besides its target: its rule, params and the run's settings."""

    rule_id: str
    params: Mapping[str, Any] = field(default_factory=dict)
    kubernetes_version: versions.Version = versions.DEFAULT
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


def check_target(fn: Callable[..., Any]) -> Target | None:
    """The target a check serves: declared with ``@check(..., target=...)``, else read from the
    annotation of its first parameter (``K8sObject``, ``PodSpec``, ``Container``, ``LintSet``);
    None when neither says (an unannotated plugin function: any target is accepted)."""
    declared = getattr(fn, "__kubelint_target__", None)
    if declared is not None:
        return declared  # type: ignore[no-any-return]
    code = getattr(fn, "__code__", None)
    annotations = getattr(fn, "__annotations__", None)
    if code is None or not code.co_argcount or not isinstance(annotations, dict):
        return None
    hint = annotations.get(code.co_varnames[0])
    name = hint if isinstance(hint, str) else getattr(hint, "__name__", None)
    if not isinstance(name, str):
        return None
    return TARGET_OF_TYPE.get(name.rpartition(".")[2].strip("'\""))


def check(
    name: str,
    validate_params: Callable[[Mapping[str, Any]], None] | None = None,
    *,
    target: Target | None = None,
    prepare: Callable[[Any, CheckContext], None] | None = None,
) -> Callable[[F], F]:
    """Mark ``fn`` as the check called ``name`` (referenced by ``check:`` in rule YAML).

    The check declares the target it serves: ``target=`` or, by default, the annotation of its
    first parameter. A rule whose ``target:`` differs is rejected when the rules are activated
    (a clear error, exit 2), instead of silently never matching.

    ``validate_params`` (optional) checks a rule's merged params beyond its JSON Schema (e.g.
    that a quantity parses); it raises ValueError with a message, which the engine reports as
    a configuration error (exit 2) once, before any input is linted.

    ``prepare`` (optional, set checks only) is the part of the check that depends on one object
    alone: ``prepare(obj, ctx)`` may compute into ``obj.memo`` what the check would otherwise
    compute for that object in the cross-object stage. ``--jobs`` worker processes call it for
    the objects they parse, so that work runs in parallel; the check must give the same result
    whether or not it was called.
    """

    def mark(fn: F) -> F:
        fn.__kubelint_check__ = name  # type: ignore[attr-defined]
        declared = target or check_target(fn)
        if declared is not None:
            fn.__kubelint_target__ = declared  # type: ignore[attr-defined]
        if validate_params is not None:
            fn.__kubelint_validate_params__ = validate_params  # type: ignore[attr-defined]
        if prepare is not None:
            fn.__kubelint_prepare__ = prepare  # type: ignore[attr-defined]
        return fn

    return mark
