"""Pod security checks (catalogue section 5, the Pod Security Standards controls).

All of them read securityContext through the model's one resolver (``Container.effective``) and
follow the catalogue's two principles: a **required** value is judged on the effective value (the
container's own value wins over the pod's); a **forbidden** value is reported wherever it is
written, at pod or container level, even when every container overrides it. A pod-level value
gives one finding on the pod-level field that names the containers it affects.

Version-dependent behaviour (sysctl safe set, SELinux types, the Windows and user-namespace
exemptions) comes from ``ctx.kubernetes_version``, following Kubernetes' pod-security admission
(docs/pss-admission.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.messages import show_value
from kubelint.model import Container, PodSpec
from kubelint.positions import join

# Admission exempts Windows pods from the Linux-only restricted controls from 1.25.
WINDOWS_EXEMPTION_SINCE = (1, 25)
# Admission relaxes runAsNonRoot/runAsUser (restricted) and procMount (baseline) for pods with
# ``hostUsers: false`` from 1.35.
USER_NAMESPACE_RELAXATION_SINCE = (1, 35)

APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
APPARMOR_ALLOWED_TYPES = frozenset({"RuntimeDefault", "Localhost"})

# Safe sysctls of the PSS baseline level, by the Kubernetes minor that added them
# (pod-security-admission policy/check_sysctls.go).
SAFE_SYSCTLS: tuple[tuple[tuple[int, int], frozenset[str]], ...] = (
    (
        (1, 0),
        frozenset(
            {
                "kernel.shm_rmid_forced",
                "net.ipv4.ip_local_port_range",
                "net.ipv4.ip_unprivileged_port_start",
                "net.ipv4.tcp_syncookies",
                "net.ipv4.ping_group_range",
            }
        ),
    ),
    ((1, 27), frozenset({"net.ipv4.ip_local_reserved_ports"})),
    (
        (1, 29),
        frozenset(
            {
                "net.ipv4.tcp_keepalive_time",
                "net.ipv4.tcp_fin_timeout",
                "net.ipv4.tcp_keepalive_intvl",
                "net.ipv4.tcp_keepalive_probes",
            }
        ),
    ),
    ((1, 32), frozenset({"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"})),
    ((1, 37), frozenset({"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"})),
)

# SELinux types a container may use (policy/check_seLinuxOptions.go); "" means unset.
SELINUX_TYPES: tuple[tuple[tuple[int, int], frozenset[str]], ...] = (
    ((1, 0), frozenset({"", "container_t", "container_init_t", "container_kvm_t"})),
    ((1, 31), frozenset({"container_engine_t"})),
)


def _since(
    table: Iterable[tuple[tuple[int, int], frozenset[str]]], version: tuple[int, int]
) -> set[str]:
    out: set[str] = set()
    for added, names in table:
        if added <= version:
            out |= names
    return out


def safe_sysctls(version: tuple[int, int]) -> set[str]:
    """The PSS baseline safe sysctl names at Kubernetes ``version``."""
    return _since(SAFE_SYSCTLS, version)


def selinux_types(version: tuple[int, int]) -> set[str]:
    """The SELinux ``type`` values PSS baseline allows at Kubernetes ``version``."""
    return _since(SELINUX_TYPES, version)


def _is_root_uid(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def _names(containers: Iterable[Container]) -> str:
    return ", ".join(f'"{c.name}"' for c in containers)


def _inherited_by(pod: PodSpec, field: str) -> str:
    """Who a pod-level securityContext ``field`` reaches, for the message of its finding."""
    inheriting = [c for c in pod.containers if c.security_context.get(field) is None]
    if inheriting:
        return f"inherited by containers {_names(inheriting)}"
    return "every container overrides it, but the pod-level value is still forbidden"


def linux_exempt(pod: PodSpec, ctx: CheckContext) -> bool:
    """Windows pods skip the Linux-only controls (admission, from Kubernetes 1.25)."""
    return pod.is_windows and ctx.kubernetes_version >= WINDOWS_EXEMPTION_SINCE


def user_namespace_exempt(pod: PodSpec, ctx: CheckContext, param: str) -> bool:
    """``param`` is on, the pod sets ``hostUsers: false`` explicitly, and the target is >= 1.35."""
    return (
        bool(ctx.params[param])
        and pod.raw.get("hostUsers") is False
        and ctx.kubernetes_version >= USER_NAMESPACE_RELAXATION_SINCE
    )


def _sc_dict(sc: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    value = sc.get(name)
    return value if isinstance(value, dict) else None


def _written(pod: PodSpec, name: str) -> Iterator[tuple[Container | None, str, Any]]:
    """Every place a securityContext field ``name`` is written: (container or None for the pod,
    pointer, value). Forbidden values are judged here, not on the effective value."""
    value = pod.security_context.get(name)
    if value is not None:
        yield None, pod.at("securityContext", name), value
    for c in pod.containers:
        value = c.security_context.get(name)
        if value is not None:
            yield c, c.at("securityContext", name), value


def _who(pod: PodSpec, c: Container | None, field: str) -> str:
    if c is None:
        return f"pod securityContext ({_inherited_by(pod, field)})"
    return f'container "{c.name}"'


# -- run-as-root / low-user-id --------------------------------------------------------------


@check("run_as_root")
def run_as_root(pod: PodSpec, ctx: CheckContext) -> Iterator[Violation]:
    require_non_root = bool(ctx.params["requireRunAsNonRoot"])
    # From 1.35 admission skips its runAsNonRoot and runAsUser checks entirely for pods in a
    # user namespace (explicit false and 0 included): UID 0 in the pod is not root on the node.
    if user_namespace_exempt(pod, ctx, "exemptUserNamespaces"):
        return
    containers = list(pod.containers)
    pod_sc = pod.security_context
    # Forbidden values written at pod level: one finding per field, naming who inherits it.
    for field, what in (("runAsUser", "runAsUser: 0"), ("runAsNonRoot", "runAsNonRoot: false")):
        value = pod_sc.get(field)
        forbidden = value is False if field == "runAsNonRoot" else _is_root_uid(value)
        if forbidden:
            yield Violation(
                pod.at("securityContext", field),
                f"pod securityContext sets {what}: {_inherited_by(pod, field)}",
            )
    for c in containers:
        sc = c.security_context
        if _is_root_uid(sc.get("runAsUser")):
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


@check("low_user_id")
def low_user_id(pod: PodSpec, ctx: CheckContext) -> Iterator[Violation]:
    """Effective runAsUser below ``minUid``; an inherited pod-level value is reported once."""
    min_uid = int(ctx.params["minUid"])
    from_pod: list[Container] = []
    for c in pod.containers:
        uid = c.effective("runAsUser")
        if not isinstance(uid.value, int) or isinstance(uid.value, bool) or uid.value >= min_uid:
            continue
        if uid.level == "pod":
            from_pod.append(c)
        elif uid.pointer is not None:
            yield Violation(
                uid.pointer,
                f'container "{c.name}" runs as UID {uid.value}, below {min_uid} '
                "(may overlap with users of the node)",
                container=c.name,
            )
    if from_pod:
        value = pod.security_context.get("runAsUser")
        yield Violation(
            pod.at("securityContext", "runAsUser"),
            f"pod securityContext sets runAsUser: {value}, below {min_uid} (may overlap with "
            f"users of the node), inherited by containers {_names(from_pod)}",
        )


# -- container-level required values --------------------------------------------------------


@check("privilege_escalation_allowed")
def privilege_escalation_allowed(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    if linux_exempt(c.pod, ctx):
        return
    eff = c.effective("allowPrivilegeEscalation")
    if eff.value is False:
        return
    if eff.value is None:
        message = f'container "{c.name}" does not set allowPrivilegeEscalation: false'
    else:
        message = f'container "{c.name}" sets allowPrivilegeEscalation: {show_value(eff.value)}'
    yield Violation(
        eff.pointer or c.at("securityContext", "allowPrivilegeEscalation"),
        message,
        container=c.name,
    )


@check("writable_root_filesystem")
def writable_root_filesystem(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    """Linux pods only: Windows containers have no read-only root filesystem (the field is not
    supported for ``spec.os.name: windows``)."""
    if c.pod.is_windows:
        return
    eff = c.effective("readOnlyRootFilesystem")
    if eff.value is True:
        return
    if eff.value is None:
        message = f'container "{c.name}" does not set readOnlyRootFilesystem: true'
    else:
        message = f'container "{c.name}" sets readOnlyRootFilesystem: {show_value(eff.value)}'
    yield Violation(
        eff.pointer or c.at("securityContext", "readOnlyRootFilesystem"),
        message,
        container=c.name,
    )


def normalise_capability(name: object) -> str:
    """``cap_net_admin`` -> ``NET_ADMIN`` (case and an optional ``CAP_`` prefix)."""
    text = str(name).strip().upper()
    return text[4:] if text.startswith("CAP_") else text


def _capabilities(c: Container) -> dict[str, Any] | None:
    return _sc_dict(c.security_context, "capabilities")


@check("dangerous_capability")
def dangerous_capability(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    if ctx.params["exemptWindowsPods"] and linux_exempt(c.pod, ctx):
        return
    caps = _capabilities(c)
    added = caps.get("add") if caps is not None else None
    if not isinstance(added, list):
        return
    exact = bool(ctx.params["exactNames"])
    allowed_raw = {str(a) for a in ctx.params["allowed"]}
    allowed_norm = {normalise_capability(a) for a in allowed_raw}
    for i, cap in enumerate(added):
        norm = normalise_capability(cap)
        if norm != "ALL":
            if exact and isinstance(cap, str) and cap in allowed_raw:
                continue
            if not exact and norm in allowed_norm:
                continue
        if norm == "ALL":
            why = "(every capability)"
        elif exact and norm in allowed_norm:
            why = f"(names must be written exactly as allowed: {', '.join(sorted(allowed_raw))})"
        else:
            why = "(not in the allowed list)"
        yield Violation(
            c.at("securityContext", "capabilities", "add", i),
            f'container "{c.name}" adds capability {show_value(cap)} {why}',
            container=c.name,
        )


@check("missing_capabilities_drop_all")
def missing_capabilities_drop_all(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    if linux_exempt(c.pod, ctx):
        return
    exact = bool(ctx.params["exactNames"])
    caps = _capabilities(c)
    dropped = caps.get("drop") if caps is not None else None
    if isinstance(dropped, list) and any(
        (d == "ALL") if exact else normalise_capability(d) == "ALL" for d in dropped
    ):
        return
    if caps is None:
        message = f'container "{c.name}" has no capabilities block (drop: [ALL] is missing)'
    elif not isinstance(dropped, list) or not dropped:
        message = f'container "{c.name}" does not drop any capability (drop: [ALL] is missing)'
    else:
        shown = ", ".join(show_value(d) for d in dropped)
        message = f'container "{c.name}" drops [{shown}] but not "ALL"'
    yield Violation(c.at("securityContext", "capabilities", "drop"), message, container=c.name)


@check("unsafe_proc_mount")
def unsafe_proc_mount(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    value = c.security_context.get("procMount")
    if value is None or value == "Default":
        return
    if user_namespace_exempt(c.pod, ctx, "exemptUserNamespaces"):
        return
    yield Violation(
        c.at("securityContext", "procMount"),
        f'container "{c.name}" sets procMount: {show_value(value)} (only "Default" masks /proc)',
        container=c.name,
    )


@check("missing_seccomp_profile")
def missing_seccomp_profile(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    if linux_exempt(c.pod, ctx):
        return
    if c.effective("seccompProfile").value is not None:
        return
    yield Violation(
        c.at("securityContext", "seccompProfile"),
        f'container "{c.name}" has no seccomp profile (set seccompProfile.type: RuntimeDefault '
        "on the pod or the container)",
        container=c.name,
    )


# -- forbidden values wherever written ------------------------------------------------------


@check("seccomp_unconfined")
def seccomp_unconfined(pod: PodSpec, ctx: CheckContext) -> Iterator[Violation]:
    if ctx.params["exemptWindowsPods"] and linux_exempt(pod, ctx):
        return
    for c, pointer, profile in _written(pod, "seccompProfile"):
        if isinstance(profile, dict) and profile.get("type") == "Unconfined":
            yield Violation(
                join(pointer, "type"),
                f"{_who(pod, c, 'seccompProfile')} sets seccompProfile.type: Unconfined",
                container=c.name if c else None,
            )


@check("apparmor_unconfined")
def apparmor_unconfined(pod: PodSpec, ctx: CheckContext) -> Iterator[Violation]:
    written = bool(ctx.params["judgeWrittenValues"])
    other_types = bool(ctx.params["forbidOtherTypes"])
    strict_annotations = bool(ctx.params["strictAnnotationValues"])

    def bad(profile: object) -> bool:
        if not isinstance(profile, dict):
            return False
        kind = profile.get("type")
        if other_types:
            return kind not in APPARMOR_ALLOWED_TYPES
        return kind == "Unconfined"

    def type_pointer(pointer: str, profile: dict[str, Any]) -> str:
        return join(pointer, "type") if "type" in profile else pointer

    if written:
        for c, pointer, profile in _written(pod, "appArmorProfile"):
            if bad(profile):
                yield Violation(
                    type_pointer(pointer, profile),
                    f"{_who(pod, c, 'appArmorProfile')} sets appArmorProfile.type: "
                    f"{show_value(profile.get('type'))}",
                    container=c.name if c else None,
                )
    else:
        from_pod: list[Container] = []
        for c in pod.containers:
            eff = c.effective("appArmorProfile")
            if not bad(eff.value) or eff.pointer is None:
                continue
            if eff.level == "pod":
                from_pod.append(c)
            else:
                shown = show_value(eff.value["type"])
                yield Violation(
                    type_pointer(eff.pointer, eff.value),
                    f'container "{c.name}" sets appArmorProfile.type: {shown}',
                    container=c.name,
                )
        if from_pod:
            profile = pod.security_context["appArmorProfile"]
            shown = show_value(profile.get("type"))
            yield Violation(
                type_pointer(pod.at("securityContext", "appArmorProfile"), profile),
                f"pod securityContext sets appArmorProfile.type: {shown}, "
                f"inherited by containers {_names(from_pod)}",
            )
    names = {c.name for c in pod.containers}
    meta = pod.meta_pointer or "/metadata"
    for key, value in pod.annotations.items():
        if not isinstance(key, str) or not key.startswith(APPARMOR_ANNOTATION_PREFIX):
            continue
        target = key[len(APPARMOR_ANNOTATION_PREFIX) :]
        if strict_annotations:
            forbidden = not isinstance(value, str) or not (
                value == "" or value == "runtime/default" or value.startswith("localhost/")
            )
        else:
            forbidden = value == "unconfined" and target in names
        if forbidden:
            yield Violation(
                join(meta, "annotations", key),
                f'annotation {key} sets the AppArmor profile of container "{target}" to '
                f"{show_value(value)}",
                container=target if target in names else None,
            )


@check("unsafe_selinux_options")
def unsafe_selinux_options(pod: PodSpec, ctx: CheckContext) -> Iterator[Violation]:
    allowed = selinux_types(ctx.kubernetes_version)
    for c, pointer, options in _written(pod, "seLinuxOptions"):
        if not isinstance(options, dict):
            continue
        who = _who(pod, c, "seLinuxOptions")
        container = c.name if c else None
        kind = options.get("type")
        # A type that is not a string is schema-invalid's to report, not a crash here.
        if isinstance(kind, str) and kind not in allowed:
            yield Violation(
                join(pointer, "type"),
                f"{who} sets seLinuxOptions.type: {show_value(kind)} (allowed: "
                f"{', '.join(sorted(t for t in allowed if t))})",
                container=container,
            )
        for field in ("user", "role"):
            value = options.get(field)
            if value is not None and value != "":
                yield Violation(
                    join(pointer, field),
                    f"{who} sets seLinuxOptions.{field}: {show_value(value)}",
                    container=container,
                )


@check("windows_host_process")
def windows_host_process(pod: PodSpec, ctx: CheckContext) -> Iterator[Violation]:
    for c, pointer, options in _written(pod, "windowsOptions"):
        if isinstance(options, dict) and options.get("hostProcess") is True:
            yield Violation(
                join(pointer, "hostProcess"),
                f"{_who(pod, c, 'windowsOptions')} runs as a Windows HostProcess "
                "(windowsOptions.hostProcess: true)",
                container=c.name if c else None,
            )


@check("unsafe_sysctl")
def unsafe_sysctl(pod: PodSpec, ctx: CheckContext) -> Iterator[Violation]:
    sysctls = pod.security_context.get("sysctls")
    if not isinstance(sysctls, list):
        return
    safe = safe_sysctls(ctx.kubernetes_version)
    version = ".".join(str(p) for p in ctx.kubernetes_version)
    for i, item in enumerate(sysctls):
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name in safe:
            continue
        hint = ""
        if isinstance(name, str) and name.replace("/", ".") in safe:
            hint = f' (write it with dots: "{name.replace("/", ".")}")'
        pointer = pod.at("securityContext", "sysctls", i)
        yield Violation(
            join(pointer, "name") if isinstance(item, dict) and "name" in item else pointer,
            f"pod sets sysctl {show_value(name)}, which is not in the safe set of Kubernetes "
            f"{version}{hint}",
        )


# -- ports ----------------------------------------------------------------------------------


@check("host_port")
def host_port(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    for i, port in c.ports():
        value = port.get("hostPort")
        if value is None or value == 0 or value is False:
            continue
        yield Violation(
            c.at("ports", i, "hostPort"),
            f'container "{c.name}" binds host port {show_value(value)}',
            container=c.name,
        )


@check("privileged_port")
def privileged_port(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    for i, port in c.ports():
        value = port.get("containerPort")
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 1024:
            yield Violation(
                c.at("ports", i, "containerPort"),
                f'container "{c.name}" listens on privileged port {value} (below 1024)',
                container=c.name,
            )
