"""Checks on liveness, readiness and startup probes."""

from __future__ import annotations

from collections.abc import Iterator

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.model import Container


@check("missing_probe")
def missing_probe(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    """Long-running containers (not Jobs, not ordinary init containers) need the probe."""
    probe = str(ctx.params["probe"])
    if not c.long_running:
        return
    if c.raw.get(probe) is None:
        yield Violation(
            c.at(probe),
            f'container "{c.name}" has no {probe}',
            container=c.name,
        )
