"""kubelint's public plugin API: everything a plugin imports, from one module.

Plugins (and the example in ``examples/kubelint-plugin-example``) import from here only; the
modules behind these names may move without breaking them::

    from kubelint.api import CheckContext, K8sObject, Violation, check, hookimpl

    @check("owner_annotation")          # target read from the annotation: K8sObject -> object
    def owner_annotation(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]: ...

    @hookimpl
    def kubelint_checks() -> dict[str, CheckFn]:
        return {"owner_annotation": owner_annotation}

Hooks (all optional): ``kubelint_checks``, ``kubelint_rule_dirs``, ``kubelint_reporters``,
``kubelint_pod_spec`` (see ``kubelint.hookspecs``).
"""

from __future__ import annotations

from kubelint.checks import CheckContext, CheckFn, RunNotes, Target, check
from kubelint.findings import Finding, Location, ObjectRef, RunResult, Severity, Violation
from kubelint.hookspecs import hookimpl
from kubelint.lintset import LintSet
from kubelint.model import Container, K8sObject, PodSpec
from kubelint.positions import join
from kubelint.reporters import Reporter, ReportOptions

__all__ = [
    "CheckContext",
    "CheckFn",
    "Container",
    "Finding",
    "K8sObject",
    "LintSet",
    "Location",
    "ObjectRef",
    "PodSpec",
    "ReportOptions",
    "Reporter",
    "RunNotes",
    "RunResult",
    "Severity",
    "Target",
    "Violation",
    "check",
    "hookimpl",
    "join",
]
