"""Cross-object checks on Services."""

from __future__ import annotations

from collections.abc import Iterator

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.labels import SelectorError, parse_service_selector
from kubelint.lintset import LintSet


@check("service_selects_nothing")
def service_selects_nothing(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Gated: only when the set holds at least one workload, or is declared complete."""
    if not (lint_set.has_workloads or lint_set.complete):
        return
    for svc in lint_set.of_kind("Service"):
        if svc.api_version != "v1":
            continue
        spec = svc.raw.get("spec")
        if not isinstance(spec, dict) or spec.get("type") == "ExternalName":
            continue
        raw_selector = spec.get("selector")
        if not isinstance(raw_selector, dict) or not raw_selector:
            continue
        try:
            selector = parse_service_selector(raw_selector)
        except SelectorError:
            continue
        if not lint_set.select_pods(svc.namespace, selector):
            shown = ", ".join(f"{k}={v}" for k, v in raw_selector.items())
            yield Violation(
                "/spec/selector",
                f'Service "{svc.name}" selector {{{shown}}} matches no pod template in '
                f'namespace "{svc.namespace}"',
                obj=svc,
            )
