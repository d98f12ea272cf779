"""Checks on container image references."""

from __future__ import annotations

from collections.abc import Iterator

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.images import ImageRefError, parse_image
from kubelint.model import Container


@check("latest_tag")
def latest_tag(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    image = c.raw.get("image")
    if not isinstance(image, str) or not image:
        return
    try:
        ref = parse_image(image)
    except ImageRefError:
        return  # not a reference kubelint can judge; schema validation reports malformed ones
    if ref.digest is not None:
        return
    if ref.tag is None:
        yield Violation(
            c.at("image"),
            f'container "{c.name}" image "{image}" has no tag (resolves to {ref.normalized})',
            container=c.name,
        )
    elif ref.tag == "latest":
        yield Violation(
            c.at("image"),
            f'container "{c.name}" image "{image}" uses the "latest" tag; pin a version or digest',
            container=c.name,
        )
