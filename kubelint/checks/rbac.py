"""RBAC checks on Role and ClusterRole rules."""

from __future__ import annotations

from collections.abc import Iterator

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.model import K8sObject
from kubelint.positions import join

RBAC_FIELDS = ("apiGroups", "resources", "verbs")


@check("rbac_wildcard")
def rbac_wildcard(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """Every rule entry is judged (not only the first); each `*` is its own finding."""
    rules = obj.raw.get("rules")
    if not isinstance(rules, list):
        return
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        for field in RBAC_FIELDS:
            items = rule.get(field)
            if not isinstance(items, list):
                continue
            for j, item in enumerate(items):
                if item == "*":
                    yield Violation(
                        join("/rules", i, field, j),
                        f'{obj.kind} "{obj.name}" rule {i + 1} grants "*" in {field}',
                    )
