"""Pod security checks. All of them read securityContext through the model's one resolver
(``Container.effective``) and follow the catalogue's two principles: required values are judged
on the effective value; forbidden values are reported wherever they are written."""

from __future__ import annotations

from collections.abc import Iterator

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.model import Container, PodSpec


def _is_root_uid(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def _names(containers: list[Container]) -> str:
    return ", ".join(f'"{c.name}"' for c in containers)


@check("run_as_root")
def run_as_root(pod: PodSpec, ctx: CheckContext) -> Iterator[Violation]:
    require_non_root = bool(ctx.params.get("requireRunAsNonRoot", False))
    exempt_user_ns = bool(ctx.params.get("exemptUserNamespaces", False)) and (
        pod.raw.get("hostUsers") is False and ctx.kubernetes_version >= (1, 35)
    )
    containers = list(pod.containers)
    pod_sc = pod.security_context
    # Forbidden values written at pod level: one finding per field, naming who inherits it.
    for field, what in (("runAsUser", "runAsUser: 0"), ("runAsNonRoot", "runAsNonRoot: false")):
        value = pod_sc.get(field)
        forbidden = value is False if field == "runAsNonRoot" else _is_root_uid(value)
        if field == "runAsUser" and exempt_user_ns:
            forbidden = False
        if forbidden:
            inheriting = [c for c in containers if c.security_context.get(field) is None]
            who = (
                f"inherited by containers {_names(inheriting)}"
                if inheriting
                else "every container overrides it, but the pod-level value is still forbidden"
            )
            yield Violation(
                pod.at("securityContext", field),
                f"pod securityContext sets {what}: {who}",
            )
    for c in containers:
        sc = c.security_context
        user = sc.get("runAsUser")
        if _is_root_uid(user) and not exempt_user_ns:
            yield Violation(
                c.at("securityContext", "runAsUser"),
                f'container "{c.name}" sets runAsUser: 0 (root)',
                container=c.name,
            )
        if sc.get("runAsNonRoot") is False:
            yield Violation(
                c.at("securityContext", "runAsNonRoot"),
                f'container "{c.name}" sets runAsNonRoot: false',
                container=c.name,
            )
        non_root = c.effective("runAsNonRoot")
        uid = c.effective("runAsUser")
        if non_root.value is False or _is_root_uid(uid.value):
            continue  # a forbidden value, reported above where it is written
        if non_root.value is True:
            continue
        if uid.value is not None and not require_non_root:
            continue  # a non-zero UID is set: not root
        if uid.value is not None and exempt_user_ns:
            continue
        if require_non_root:
            message = (
                f'container "{c.name}" does not set runAsNonRoot: true '
                "(neither in its securityContext nor in the pod's)"
            )
        else:
            message = (
                f'container "{c.name}" may run as root: neither runAsNonRoot: true nor a '
                "non-zero runAsUser is set for it or the pod"
            )
        yield Violation(c.at("securityContext", "runAsNonRoot"), message, container=c.name)
