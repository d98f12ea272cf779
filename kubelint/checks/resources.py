"""Checks on container resource requests and limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.model import Container


def _unset(value: Any) -> bool:
    return value is None or value == ""


@check("missing_request")
def missing_request(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    """A request is missing only when the limit is missing too: the API server defaults a
    missing request to the limit."""
    resource = str(ctx.params["resource"])
    if _unset(c.resources("requests").get(resource)) and _unset(
        c.resources("limits").get(resource)
    ):
        yield Violation(
            c.at("resources", "requests", resource),
            f'container "{c.name}" has no {resource} request (resources.requests.{resource}) '
            f"and no {resource} limit to default it from",
            container=c.name,
        )


@check("missing_limit")
def missing_limit(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    resource = str(ctx.params["resource"])
    if _unset(c.resources("limits").get(resource)):
        yield Violation(
            c.at("resources", "limits", resource),
            f'container "{c.name}" has no {resource} limit (resources.limits.{resource})',
            container=c.name,
        )
