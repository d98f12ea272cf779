"""Checks on liveness, readiness and startup probes and on lifecycle handlers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.model import Container

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
LIFECYCLE_HANDLERS = ("postStart", "preStop")
# Handlers that name a port and a host (grpc has only a numeric port, exec and sleep neither).
NETWORK_ACTIONS = ("httpGet", "tcpSocket")

# API defaults of a Probe and an HTTPGetAction (k8s.io/kubernetes pkg/apis/core/v1/defaults.go):
# a probe that spells out a default is the same probe as one that leaves it out.
PROBE_DEFAULTS: dict[str, Any] = {
    "initialDelaySeconds": 0,
    "timeoutSeconds": 1,
    "periodSeconds": 10,
    "successThreshold": 1,
    "failureThreshold": 3,
}
HTTP_GET_DEFAULTS: dict[str, Any] = {"path": "/", "scheme": "HTTP"}


def _handlers(c: Container) -> Iterator[tuple[tuple[str, ...], str, dict[str, Any]]]:
    """Every httpGet/tcpSocket action of the container's probes and lifecycle handlers:
    (pointer tokens of the action, a readable name, the action)."""
    for probe in PROBES:
        for action in NETWORK_ACTIONS:
            value = c.get(probe, action)
            if isinstance(value, dict):
                yield (probe, action), f"{probe}.{action}", value
    for handler in LIFECYCLE_HANDLERS:
        for action in NETWORK_ACTIONS:
            value = c.get("lifecycle", handler, action)
            if isinstance(value, dict):
                yield ("lifecycle", handler, action), f"lifecycle.{handler}.{action}", value


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


@check("probe_port_not_exposed")
def probe_port_not_exposed(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    """A named port of a probe or lifecycle handler that the container does not declare.

    Numbers are never reported (the ports list is informational). A quoted number ("8080") is
    a string to the API, which reads it as a port name, so it is judged like one.
    """
    names = set(c.named_ports())
    for tokens, where, action in _handlers(c):
        port = action.get("port")
        if not isinstance(port, str) or port == "" or port in names:
            continue
        declared = ", ".join(f'"{n}"' for n in sorted(names)) if names else "none"
        hint = f" (write the number unquoted: {port})" if port.isdigit() else ""
        yield Violation(
            c.at(*tokens, "port"),
            f'container "{c.name}" {where}.port "{port}" is not the name of any of its ports '
            f"(named ports: {declared}): it can never succeed{hint}",
            container=c.name,
        )


def _same(a: Any, b: Any) -> bool:
    """Deep equality that keeps types apart (YAML `1`, `1.0` and `true` are different)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _normalized(probe: dict[str, Any], ports: dict[str, Any]) -> dict[str, Any]:
    """The probe with API defaults filled in, nulls dropped and named ports resolved to the
    container's port numbers, for comparison."""
    out = {k: v for k, v in probe.items() if v is not None}
    for key, default in PROBE_DEFAULTS.items():
        out.setdefault(key, default)
    for action in NETWORK_ACTIONS:
        handler = out.get(action)
        if not isinstance(handler, dict):
            continue
        handler = {k: v for k, v in handler.items() if v is not None and v != ""}
        if action == "httpGet":
            for key, default in HTTP_GET_DEFAULTS.items():
                handler.setdefault(key, default)
        port = handler.get("port")
        if isinstance(port, str) and port in ports:
            handler["port"] = ports[port]
        out[action] = handler
    return out


@check("identical_liveness_readiness_probe")
def identical_liveness_readiness_probe(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    liveness, readiness = c.raw.get("livenessProbe"), c.raw.get("readinessProbe")
    if not isinstance(liveness, dict) or not isinstance(readiness, dict) or not liveness:
        return
    ports = c.named_ports()
    if _same(_normalized(liveness, ports), _normalized(readiness, ports)):
        yield Violation(
            c.at("livenessProbe"),
            f'container "{c.name}" has identical livenessProbe and readinessProbe: when the '
            "check fails the container is restarted instead of only being taken out of rotation",
            container=c.name,
        )


@check("probe_host_override")
def probe_host_override(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    """A non-empty httpGet.host / tcpSocket.host in a probe or lifecycle handler (the PSS
    baseline control hostProbesAndHostLifecycle). Param allowedHosts lists exceptions."""
    allowed = {str(h) for h in ctx.params.get("allowedHosts") or ()}
    for tokens, where, action in _handlers(c):
        host = action.get("host")
        if not isinstance(host, str) or host == "" or host in allowed:
            continue
        yield Violation(
            c.at(*tokens, "host"),
            f'container "{c.name}" {where}.host is "{host}": the kubelet connects to that host '
            "instead of the pod (forbidden by Pod Security baseline from Kubernetes 1.34)",
            container=c.name,
        )
