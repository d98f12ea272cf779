"""The hooks a kubelint plugin can implement (all prefixed ``kubelint_``).

Built-in rules and reporters are provided through these same hooks by ``kubelint.builtin``;
third-party plugins register through the ``kubelint`` entry-point group.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from kubelint.checks import CheckFn
    from kubelint.model import K8sObject
    from kubelint.reporters import Reporter

hookspec = pluggy.HookspecMarker("kubelint")
hookimpl = pluggy.HookimplMarker("kubelint")


@hookspec
def kubelint_checks() -> dict[str, CheckFn]:  # type: ignore[empty-body]
    """Return the Python checks this plugin provides, as ``{check name: function}``.

    A check is ``fn(target, ctx) -> Iterable[Violation]`` where target is a K8sObject,
    PodSpec, Container or LintSet depending on the rule's ``target``.
    """


@hookspec
def kubelint_rule_dirs() -> list[Path]:  # type: ignore[empty-body]
    """Return directories holding ``<rule-id>.yaml`` files (and optionally ``profiles/``)."""


@hookspec
def kubelint_reporters() -> dict[str, type[Reporter]]:  # type: ignore[empty-body]
    """Return report formats as ``{format name: reporter class}``."""


@hookspec(firstresult=True)
def kubelint_pod_spec(obj: K8sObject) -> tuple[str, str | None] | None:
    """Return (pod spec pointer, pod template metadata pointer) for an object whose kind keeps
    its pod template somewhere kubelint does not know, or None to let others answer."""
