"""Checks on container resource requests and limits.

Quantities are read with :mod:`kubelint.lib.quantity` (the API server's parser); a quantity it
cannot parse is reported by request-exceeds-limit and ignored by the other rules here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.lib.quantity import QuantityError, format_quantity, parse_quantity
from kubelint.model import Container

SECTIONS = ("requests", "limits")
SECTION_NOUN = {"requests": "request", "limits": "limit"}
RANGE_RESOURCES = ("cpu", "memory")


def _unset(value: Any) -> bool:
    return value is None or value == ""


def _quantity(value: Any) -> Fraction:
    """Parse a quantity as the API server's JSON decoder does (surrounding spaces trimmed)."""
    return parse_quantity(value.strip() if isinstance(value, str) else value)


def _shown(value: Any) -> str:
    """A quantity as written, plus its exact value when that reads differently."""
    if isinstance(value, str):
        written = value.strip()
    elif isinstance(value, float) and value.is_integer():
        written = str(int(value))  # YAML reads 2e3 as 2000.0; the API sees the number 2000
    else:
        written = str(value)
    exact = format_quantity(_quantity(value))
    return written if exact == written else f"{written} (= {exact})"


def _milli_hint(resource: str, value: Any) -> str:
    """``memory: 512m`` is 0.512 bytes, not 512 MiB: say so."""
    text = value.strip() if isinstance(value, str) else ""
    if resource == "memory" and text.endswith("m") and text[:-1].replace(".", "", 1).isdigit():
        return f" (the suffix m means milli-: did you mean {text[:-1]}Mi?)"
    return ""


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


@check("request_exceeds_limit")
def request_exceeds_limit(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    """Any resource (cpu, memory, ephemeral-storage, hugepages, extended resources): a request
    above its limit, or a quantity the API server would reject (unparseable or negative)."""
    parsed: dict[str, dict[str, tuple[Fraction, Any]]] = {"requests": {}, "limits": {}}
    for section in SECTIONS:
        for resource, value in c.resources(section).items():
            if value is None:  # null: the field is not set
                continue
            where = f"resources.{section}.{resource}"
            try:
                amount = _quantity(value)
            except QuantityError as exc:
                yield Violation(
                    c.at("resources", section, str(resource)),
                    f'container "{c.name}" {where} is not a valid quantity: {exc} '
                    "(the API server rejects it)",
                    container=c.name,
                )
                continue
            if amount < 0:
                yield Violation(
                    c.at("resources", section, str(resource)),
                    f'container "{c.name}" {where} is negative ({_shown(value)}): '
                    "the API server rejects it",
                    container=c.name,
                )
                continue
            parsed[section][str(resource)] = (amount, value)
    for resource, (request, written) in parsed["requests"].items():
        limit = parsed["limits"].get(resource)
        if limit is not None and request > limit[0]:
            yield Violation(
                c.at("resources", "requests", resource),
                f'container "{c.name}" requests {_shown(written)} of {resource}, '
                f"more than its limit {_shown(limit[1])}: the API server rejects a "
                "request above the limit",
                container=c.name,
            )


def _validate_ranges(params: Mapping[str, Any]) -> None:
    for resource in RANGE_RESOURCES:
        sections = params.get(resource) or {}
        for section in SECTIONS:
            bounds = sections.get(section) or {}
            parsed: dict[str, Fraction] = {}
            for bound in ("min", "max"):
                if bounds.get(bound) is None:
                    continue
                try:
                    parsed[bound] = _quantity(bounds[bound])
                except QuantityError as exc:
                    raise ValueError(f"{resource}.{section}.{bound}: {exc}") from exc
            if "min" in parsed and "max" in parsed and parsed["min"] > parsed["max"]:
                raise ValueError(
                    f"{resource}.{section}: min {bounds['min']} is greater than max {bounds['max']}"
                )


@check("resource_out_of_range", validate_params=_validate_ranges)
def resource_out_of_range(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    """cpu/memory requests and limits outside the configured [min, max]. Values that are not
    set are not judged (missing-* rules cover them), nor are unparseable ones
    (request-exceeds-limit reports them)."""
    for resource in RANGE_RESOURCES:
        sections = ctx.params.get(resource) or {}
        for section in SECTIONS:
            bounds = sections.get(section) or {}
            if not bounds:
                continue
            value = c.resources(section).get(resource)
            if _unset(value):
                continue
            try:
                amount = _quantity(value)
            except QuantityError:
                continue
            noun = SECTION_NOUN[section]
            low, high = bounds.get("min"), bounds.get("max")
            if low is not None and amount < _quantity(low):
                yield Violation(
                    c.at("resources", section, resource),
                    f'container "{c.name}" {resource} {noun} {_shown(value)} is below the '
                    f"minimum {low}{_milli_hint(resource, value)}",
                    container=c.name,
                )
            elif high is not None and amount > _quantity(high):
                yield Violation(
                    c.at("resources", section, resource),
                    f'container "{c.name}" {resource} {noun} {_shown(value)} is above the '
                    f"maximum {high}",
                    container=c.name,
                )
