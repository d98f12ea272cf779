"""Cross-object checks on Services."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.lib.labels import Selector, SelectorError, parse_service_selector
from kubelint.lintset import LintSet
from kubelint.model import K8sObject, PodSpec


def _pod_selector(svc: K8sObject) -> tuple[dict[str, Any], Selector] | None:
    """The (written, parsed) pod selector of a core/v1 Service that selects pods, else None
    (ExternalName Services, Services without a selector, malformed selectors)."""
    if svc.api_version != "v1":
        return None
    spec = svc.raw.get("spec")
    if not isinstance(spec, dict) or spec.get("type") == "ExternalName":
        return None
    raw_selector = spec.get("selector")
    if not isinstance(raw_selector, dict) or not raw_selector:
        return None
    try:
        return raw_selector, parse_service_selector(raw_selector)
    except SelectorError:
        return None


@check("service_selects_nothing")
def service_selects_nothing(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Gated: only when the set holds at least one workload, or is declared complete."""
    if not (lint_set.has_workloads or lint_set.complete):
        return
    for svc in lint_set.of_kind("Service"):
        parsed = _pod_selector(svc)
        if parsed is None:
            continue
        raw_selector, selector = parsed
        if not lint_set.knows(svc):
            continue
        if not lint_set.select_pods(svc.scope, selector) and not lint_set.pod_owner(
            svc.scope, selector
        ):
            shown = ", ".join(f"{k}={v}" for k, v in raw_selector.items())
            yield Violation(
                "/spec/selector",
                f'Service "{svc.name}" selector {{{shown}}} matches no pod template in '
                f'namespace "{svc.namespace}"',
                obj=svc,
            )


def _service_ports(svc: K8sObject) -> list[tuple[int, dict[str, Any]]]:
    ports = svc.get("/spec/ports")
    if not isinstance(ports, list):
        return []
    return [(i, p) for i, p in enumerate(ports) if isinstance(p, dict)]


def _named_port(value: object) -> str | None:
    """The port name of an IntOrString port, or None for a number (or a digit string)."""
    if isinstance(value, str) and value and not value.isdigit():
        return value
    return None


def _container_port_names(pod: PodSpec) -> set[str]:
    """Port names a Service can target: regular containers and sidecars (restartable init
    containers), as the endpoints controller resolves them."""
    names: set[str] = set()
    for c in pod.containers:
        if c.kind == "container" or c.is_sidecar:
            names.update(c.named_ports())
    return names


@check("service_target_port_missing")
def service_target_port_missing(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """A named targetPort that no container of the selected pod templates declares.

    Services that select nothing are service-selects-nothing's finding, not this one; numeric
    targetPorts are never reported (a container's ports list is informational).
    """
    for svc in lint_set.of_kind("Service"):
        parsed = _pod_selector(svc)
        if parsed is None:
            continue
        named = [(i, p, _named_port(p.get("targetPort"))) for i, p in _service_ports(svc)]
        named = [(i, p, name) for i, p, name in named if name is not None]
        if not named:
            continue
        _, selector = parsed
        pods = lint_set.select_pods(svc.scope, selector)
        if not pods:
            continue
        available: set[str] = set()
        for pod in pods:
            available |= _container_port_names(pod)
        workloads = ", ".join(sorted({p.obj.display for p in pods}))
        for i, _port, name in named:
            if name in available:
                continue
            yield Violation(
                f"/spec/ports/{i}/targetPort",
                f'Service "{svc.name}" targetPort "{name}" is not a port name of any container '
                f"of the pods it selects ({workloads}): traffic to it has nowhere to go",
                obj=svc,
            )


def _ingress_backends(ingress: K8sObject) -> Iterator[tuple[str, Any, str, Any]]:
    """(name pointer, service name, port pointer, port value) for every Service backend.

    networking.k8s.io/v1: ``defaultBackend`` and ``rules[].http.paths[].backend`` with
    ``service: {name, port: {name | number}}``; the v1beta1 shape: ``backend`` and the same
    paths with ``serviceName``/``servicePort``. Resource backends are not Services.
    """
    spec = ingress.raw.get("spec")
    if not isinstance(spec, dict):
        return
    candidates: list[tuple[str, Any]] = []
    for key in ("defaultBackend", "backend"):
        if key in spec:
            candidates.append((f"/spec/{key}", spec[key]))
    rules = spec.get("rules")
    if isinstance(rules, list):
        for i, rule in enumerate(rules):
            http = rule.get("http") if isinstance(rule, dict) else None
            paths = http.get("paths") if isinstance(http, dict) else None
            if not isinstance(paths, list):
                continue
            for j, path in enumerate(paths):
                if isinstance(path, dict):
                    candidates.append(
                        (f"/spec/rules/{i}/http/paths/{j}/backend", path.get("backend"))
                    )
    for pointer, backend in candidates:
        if not isinstance(backend, dict):
            continue
        service = backend.get("service")
        if isinstance(service, dict):
            port = service.get("port")
            port_ptr, port_value = f"{pointer}/service/port", None
            if isinstance(port, dict):
                if port.get("name") not in (None, ""):
                    port_ptr, port_value = f"{port_ptr}/name", port.get("name")
                elif port.get("number") is not None:
                    port_ptr, port_value = f"{port_ptr}/number", port.get("number")
            yield f"{pointer}/service/name", service.get("name"), port_ptr, port_value
        elif "serviceName" in backend:
            yield (
                f"{pointer}/serviceName",
                backend.get("serviceName"),
                f"{pointer}/servicePort",
                backend.get("servicePort"),
            )


def _exposes(svc: K8sObject, port: Any) -> bool:
    if isinstance(port, bool):
        return False
    name = _named_port(port)
    for _, item in _service_ports(svc):
        if name is not None:
            if item.get("name") == name:
                return True
        elif isinstance(port, int | str) and str(item.get("port")) == str(port):
            return True
    return False


@check("ingress_missing_service")
def ingress_missing_service(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Gated: only when the set holds at least one Service, or is declared complete."""
    if not (lint_set.has_kind("Service") or lint_set.complete):
        return
    for ingress in lint_set.of_kind("Ingress"):
        if ingress.group not in ("networking.k8s.io", "extensions"):
            continue
        for name_ptr, name, port_ptr, port in _ingress_backends(ingress):
            if not isinstance(name, str) or not name or not lint_set.knows(ingress, "Service"):
                continue
            services = [s for s in lint_set.find("Service", ingress.scope, name) if not s.group]
            if not services:
                yield Violation(
                    name_ptr,
                    f'Ingress "{ingress.name}" backend names Service "{name}", which is not in '
                    f'namespace "{ingress.namespace}"',
                    obj=ingress,
                )
                continue
            if port is None or any(_exposes(svc, port) for svc in services):
                continue
            kind = "name" if _named_port(port) is not None else "number"
            yield Violation(
                port_ptr,
                f'Ingress "{ingress.name}" backend uses port {kind} {port} of Service "{name}", '
                "which the Service does not expose",
                obj=ingress,
            )
