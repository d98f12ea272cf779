"""Checks on container image references and pull policies.

References are read with :mod:`kubelint.lib.images` (the runtimes' normalisation: ``nginx`` is
``docker.io/library/nginx``). An image that is missing, empty or not a valid reference is left to
schema validation: these rules only judge references they can read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.lib.images import (
    ImageRef,
    ImageRefError,
    normalize_registry_prefix,
    parse_image,
    registry_matches,
)
from kubelint.model import Container


def _image(c: Container) -> tuple[str, ImageRef] | None:
    image = c.raw.get("image")
    if not isinstance(image, str) or not image:
        return None
    try:
        return image, parse_image(image)
    except ImageRefError:
        return None  # not a reference kubelint can judge; schema validation reports it


@check("latest_tag")
def latest_tag(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    found = _image(c)
    if found is None:
        return
    image, ref = found
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


@check("image_not_pinned_by_digest")
def image_not_pinned_by_digest(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    found = _image(c)
    if found is None or found[1].is_pinned:
        return
    image, ref = found
    yield Violation(
        c.at("image"),
        f'container "{c.name}" image "{image}" is not pinned by digest '
        f"(add @sha256:… to {ref.name}{':' + ref.tag if ref.tag else ''})",
        container=c.name,
    )


@check("image_pull_policy_not_always")
def image_pull_policy_not_always(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    """The effective pull policy is not Always, on an image a digest does not pin: a written
    value other than Always, or none on a tagged image that is not ``:latest`` (the API server
    defaults that to IfNotPresent; untagged and ``:latest`` images default to Always)."""
    policy = c.raw.get("imagePullPolicy")
    if policy == "Always":
        return
    found = _image(c)
    if found is None or found[1].is_pinned:
        return
    image, ref = found
    if policy is None:
        if ref.tag is None or ref.tag == "latest":
            return
        yield Violation(
            c.at("imagePullPolicy"),
            f'container "{c.name}" does not set imagePullPolicy, so the API server defaults it '
            f'to "IfNotPresent" for image "{image}" (tagged, no digest): a node may run a stale '
            "or tampered copy of the tag",
            container=c.name,
        )
        return
    shown = f'"{policy}"' if isinstance(policy, str) else repr(policy)
    yield Violation(
        c.at("imagePullPolicy"),
        f'container "{c.name}" sets imagePullPolicy {shown} for image "{image}", which no '
        "digest pins: a node may run a stale or tampered copy of the tag",
        container=c.name,
    )


def _validate_allowed_registries(params: Mapping[str, Any]) -> None:
    for i, entry in enumerate(params.get("allowedRegistries") or ()):
        try:
            normalize_registry_prefix(entry)
        except ImageRefError as exc:
            raise ValueError(f"allowedRegistries[{i}]: {exc}") from exc


@check("untrusted_registry", validate_params=_validate_allowed_registries)
def untrusted_registry(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    """The image's registry (or repository prefix) is not in allowedRegistries (an empty list
    allows nothing)."""
    allowed = [str(a) for a in ctx.params.get("allowedRegistries") or ()]
    found = _image(c)
    if found is None:
        return
    image, ref = found
    if any(registry_matches(ref, a) for a in allowed):
        return
    if allowed:
        why = "is not in allowedRegistries (" + ", ".join(allowed) + ")"
    else:
        why = "is not allowed: allowedRegistries is empty"
    yield Violation(
        c.at("image"),
        f'container "{c.name}" image "{image}" comes from {ref.registry} ({ref.name}), which {why}',
        container=c.name,
    )
