"""An example kubelint plugin.

It provides one Python check (``owner_annotation``) and one rule that uses it
(``rules/example-owner-annotation.yaml``), registered through the ``kubelint`` entry-point group:

    [project.entry-points.kubelint]
    example = "kubelint_example"
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kubelint.api import CheckContext, CheckFn, K8sObject, Violation, check, hookimpl


@check("owner_annotation")
def owner_annotation(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """Every workload must name its owning team in an annotation."""
    key = str(ctx.params["annotation"])
    if obj.pod is not None and not obj.annotations.get(key):
        yield Violation(
            "/metadata/annotations" if obj.annotations else "/metadata",
            f'{obj.kind} "{obj.name}" has no "{key}" annotation naming its owner',
        )


@hookimpl
def kubelint_checks() -> dict[str, CheckFn]:
    return {"owner_annotation": owner_annotation}


@hookimpl
def kubelint_rule_dirs() -> list[Path]:
    return [Path(__file__).parent / "rules"]
