"""The PSS profiles agree with Kubernetes' pod-security admission.

Each case is a pod (or workload) at a Kubernetes version with the verdict admission gives at
level baseline and at level restricted, derived from kubernetes/pod-security-admission
``policy/check_*.go`` (quoted in docs/pss-admission.md). ``kubelint lint --profile pss-baseline``
(resp. ``pss-restricted``) ``--kubernetes-version X.Y`` must exit 0 exactly when admission admits
the pod, and 1 (findings, no tool error) when it rejects it.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kubelint.catalog import CatalogError, load_profiles, profile_rules
from kubelint.plugins import load_plugins
from tests.conftest import run_cli

DELETE = object()  # a patch value that removes the key

RESTRICTED_CONTAINER_SC: dict[str, Any] = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
}
RESTRICTED_POD_SC: dict[str, Any] = {
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def merge(base: Any, patch: Any) -> Any:
    """Deep-merge ``patch`` into ``base``: mappings merge, other values replace, DELETE removes."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            if value is DELETE:
                out.pop(key, None)
            else:
                out[key] = merge(out.get(key), value)
        return out
    return copy.deepcopy(patch)


def container(name: str = "app", **patch: Any) -> dict[str, Any]:
    """A container that satisfies the restricted level, with ``patch`` merged in."""
    base = {"name": name, "image": f"{name}:1.0", "securityContext": RESTRICTED_CONTAINER_SC}
    return merge(base, patch)  # type: ignore[no-any-return]


def pod(
    spec: dict[str, Any] | None = None,
    app: dict[str, Any] | None = None,
    annotations: dict[str, str] | None = None,
    kind: str = "Pod",
) -> str:
    """A pod (or workload) that satisfies the restricted level, with patches merged in."""
    pod_spec: dict[str, Any] = {
        "securityContext": RESTRICTED_POD_SC,
        "containers": [container(**(app or {}))],
    }
    pod_spec = merge(pod_spec, spec or {})
    metadata: dict[str, Any] = {"name": "app"}
    if annotations:
        metadata["annotations"] = annotations
    if kind == "Pod":
        obj: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata}
        obj["spec"] = pod_spec
    elif kind == "Deployment":
        obj = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "app"},
            "spec": {
                "selector": {"matchLabels": {"app": "app"}},
                "template": {"metadata": {"labels": {"app": "app"}, **metadata}, "spec": pod_spec},
            },
        }
    elif kind == "CronJob":
        obj = {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "app"},
            "spec": {
                "schedule": "0 * * * *",
                "jobTemplate": {
                    "spec": {
                        "template": {
                            "metadata": metadata,
                            "spec": {**pod_spec, "restartPolicy": "OnFailure"},
                        }
                    }
                },
            },
        }
    else:
        raise ValueError(kind)
    return json.dumps(obj, indent=2)


def sysctl(name: str) -> dict[str, Any]:
    return {"securityContext": {"sysctls": [{"name": name, "value": "1"}]}}


# Windows pods cannot set seccomp, capabilities or allowPrivilegeEscalation (API validation).
WINDOWS: dict[str, Any] = {
    "os": {"name": "windows"},
    "securityContext": {"runAsNonRoot": True, "seccompProfile": DELETE},
}
WINDOWS_CONTAINER = {"securityContext": DELETE}


@dataclass(frozen=True)
class Case:
    id: str
    version: str
    manifest: str
    baseline: bool  # admission at level baseline admits the pod
    restricted: bool  # admission at level restricted admits the pod


CASES = [
    # --- reference points
    Case("restricted-compliant", "1.37", pod(), True, True),
    Case(
        "no-security-context",
        "1.37",
        pod({"securityContext": DELETE}, WINDOWS_CONTAINER),
        True,
        False,
    ),
    Case("restricted-deployment", "1.30", pod(kind="Deployment"), True, True),
    Case("restricted-cronjob", "1.25", pod(kind="CronJob"), True, True),
    # --- privileged, every container kind (policy/visitor.go visits init and ephemeral too)
    Case("privileged", "1.37", pod(app={"securityContext": {"privileged": True}}), False, False),
    Case(
        "privileged-false", "1.37", pod(app={"securityContext": {"privileged": False}}), True, True
    ),
    Case(
        "privileged-init",
        "1.37",
        pod({"initContainers": [container("init", securityContext={"privileged": True})]}),
        False,
        False,
    ),
    Case(
        "privileged-ephemeral",
        "1.37",
        pod({"ephemeralContainers": [container("debug", securityContext={"privileged": True})]}),
        False,
        False,
    ),
    Case(
        "deployment-privileged",
        "1.37",
        pod(app={"securityContext": {"privileged": True}}, kind="Deployment"),
        False,
        False,
    ),
    # --- host namespaces and ports
    Case("host-network", "1.37", pod({"hostNetwork": True}), False, False),
    Case("host-pid", "1.37", pod({"hostPID": True}), False, False),
    Case("host-ipc", "1.37", pod({"hostIPC": True}), False, False),
    Case(
        "host-port",
        "1.37",
        pod(app={"ports": [{"containerPort": 8080, "hostPort": 8080}]}),
        False,
        False,
    ),
    Case(
        "host-port-zero",
        "1.37",
        pod(app={"ports": [{"containerPort": 8080, "hostPort": 0}]}),
        True,
        True,
    ),
    # --- capabilities: exact names; restricted replaces the baseline list
    Case(
        "cap-add-chown",
        "1.37",
        pod(app={"securityContext": {"capabilities": {"add": ["CHOWN"]}}}),
        True,
        False,
    ),
    Case(
        "cap-add-lowercase",
        "1.37",
        pod(app={"securityContext": {"capabilities": {"add": ["chown"]}}}),
        False,
        False,
    ),
    Case(
        "cap-add-cap-prefix",
        "1.37",
        pod(app={"securityContext": {"capabilities": {"add": ["CAP_NET_BIND_SERVICE"]}}}),
        False,
        False,
    ),
    Case(
        "cap-add-net-bind",
        "1.37",
        pod(app={"securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}}),
        True,
        True,
    ),
    Case(
        "cap-add-sys-admin",
        "1.37",
        pod(app={"securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}),
        False,
        False,
    ),
    Case(
        "cap-drop-lowercase-all",
        "1.37",
        pod(app={"securityContext": {"capabilities": {"drop": ["all"]}}}),
        True,
        False,
    ),
    Case(
        "cap-no-capabilities",
        "1.37",
        pod(app={"securityContext": {"capabilities": DELETE}}),
        True,
        False,
    ),
    # --- volumes
    Case(
        "host-path",
        "1.37",
        pod({"volumes": [{"name": "v", "hostPath": {"path": "/var/log"}}]}),
        False,
        False,
    ),
    Case(
        "host-path-empty", "1.37", pod({"volumes": [{"name": "v", "hostPath": {}}]}), False, False
    ),
    Case("host-path-null", "1.37", pod({"volumes": [{"name": "v", "hostPath": None}]}), True, True),
    Case(
        "nfs-volume",
        "1.37",
        pod({"volumes": [{"name": "v", "nfs": {"server": "nfs", "path": "/x"}}]}),
        True,
        False,
    ),
    Case("no-source-volume", "1.37", pod({"volumes": [{"name": "v"}]}), True, True),
    Case(
        "image-volume-1.32",
        "1.32",
        pod({"volumes": [{"name": "v", "image": {"reference": "models:1"}}]}),
        True,
        False,
    ),
    Case(
        "image-volume-1.33",
        "1.33",
        pod({"volumes": [{"name": "v", "image": {"reference": "models:1"}}]}),
        True,
        True,
    ),
    # --- AppArmor: judged where written; annotations for any container name
    Case(
        "apparmor-pod-unconfined-overridden",
        "1.37",
        pod(
            {"securityContext": {"appArmorProfile": {"type": "Unconfined"}}},
            {"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}},
        ),
        False,
        False,
    ),
    Case(
        "apparmor-localhost",
        "1.37",
        pod(
            app={
                "securityContext": {
                    "appArmorProfile": {"type": "Localhost", "localhostProfile": "p"}
                }
            }
        ),
        True,
        True,
    ),
    Case(
        "apparmor-annotation-ghost",
        "1.37",
        pod(annotations={"container.apparmor.security.beta.kubernetes.io/ghost": "unconfined"}),
        False,
        False,
    ),
    Case(
        "apparmor-annotation-empty",
        "1.37",
        pod(annotations={"container.apparmor.security.beta.kubernetes.io/app": ""}),
        True,
        True,
    ),
    Case(
        "apparmor-annotation-localhost",
        "1.37",
        pod(annotations={"container.apparmor.security.beta.kubernetes.io/app": "localhost/p"}),
        True,
        True,
    ),
    # --- SELinux
    Case(
        "selinux-engine-1.30",
        "1.30",
        pod(app={"securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}}),
        False,
        False,
    ),
    Case(
        "selinux-engine-1.31",
        "1.31",
        pod(app={"securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}}),
        True,
        True,
    ),
    Case(
        "selinux-level",
        "1.37",
        pod({"securityContext": {"seLinuxOptions": {"level": "s0:c1"}}}),
        True,
        True,
    ),
    Case(
        "selinux-user",
        "1.37",
        pod(app={"securityContext": {"seLinuxOptions": {"user": "x"}}}),
        False,
        False,
    ),
    Case(
        "selinux-pod-type-overridden",
        "1.37",
        pod(
            {"securityContext": {"seLinuxOptions": {"type": "spc_t"}}},
            {"securityContext": {"seLinuxOptions": {"type": "container_t"}}},
        ),
        False,
        False,
    ),
    # --- /proc mount and user namespaces
    Case(
        "procmount-userns-1.34",
        "1.34",
        pod({"hostUsers": False}, {"securityContext": {"procMount": "Unmasked"}}),
        False,
        False,
    ),
    Case(
        "procmount-userns-1.35",
        "1.35",
        pod({"hostUsers": False}, {"securityContext": {"procMount": "Unmasked"}}),
        True,
        False,
    ),
    Case(
        "procmount-hostusers-unset-1.35",
        "1.35",
        pod(app={"securityContext": {"procMount": "Unmasked"}}),
        False,
        False,
    ),
    Case(
        "procmount-default",
        "1.37",
        pod(app={"securityContext": {"procMount": "Default"}}),
        True,
        True,
    ),
    # --- seccomp
    Case(
        "seccomp-pod-unconfined-overridden",
        "1.37",
        pod(
            {"securityContext": {"seccompProfile": {"type": "Unconfined"}}},
            {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}},
        ),
        False,
        False,
    ),
    Case("seccomp-none", "1.37", pod({"securityContext": {"seccompProfile": DELETE}}), True, False),
    Case(
        "seccomp-container-only",
        "1.37",
        pod(
            {"securityContext": {"seccompProfile": DELETE}},
            {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}},
        ),
        True,
        True,
    ),
    Case(
        "seccomp-legacy-annotation-ignored",
        "1.37",
        pod(annotations={"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}),
        True,
        True,
    ),
    # --- sysctls, version by version (exact names)
    Case(
        "sysctl-reserved-ports-1.26",
        "1.26",
        pod(sysctl("net.ipv4.ip_local_reserved_ports")),
        False,
        False,
    ),
    Case(
        "sysctl-reserved-ports-1.27",
        "1.27",
        pod(sysctl("net.ipv4.ip_local_reserved_ports")),
        True,
        True,
    ),
    Case("sysctl-keepalive-1.27", "1.27", pod(sysctl("net.ipv4.tcp_keepalive_time")), False, False),
    Case("sysctl-keepalive-1.29", "1.29", pod(sysctl("net.ipv4.tcp_keepalive_time")), True, True),
    Case("sysctl-rmem-1.29", "1.29", pod(sysctl("net.ipv4.tcp_rmem")), False, False),
    Case("sysctl-rmem-1.32", "1.32", pod(sysctl("net.ipv4.tcp_rmem")), True, True),
    Case(
        "sysctl-notsent-lowat-1.32", "1.32", pod(sysctl("net.ipv4.tcp_notsent_lowat")), False, False
    ),
    Case(
        "sysctl-notsent-lowat-1.37", "1.37", pod(sysctl("net.ipv4.tcp_notsent_lowat")), True, True
    ),
    Case("sysctl-slash-form", "1.37", pod(sysctl("net/ipv4/ip_local_port_range")), False, False),
    Case("sysctl-somaxconn", "1.37", pod(sysctl("net.core.somaxconn")), False, False),
    # --- Windows HostProcess
    Case(
        "host-process-pod",
        "1.37",
        pod({"securityContext": {"windowsOptions": {"hostProcess": True}}}),
        False,
        False,
    ),
    # --- probe and lifecycle hosts (baseline control from 1.34)
    Case(
        "probe-host-1.33",
        "1.33",
        pod(app={"livenessProbe": {"httpGet": {"host": "10.0.0.1", "port": 80}}}),
        True,
        True,
    ),
    Case(
        "probe-host-1.34",
        "1.34",
        pod(app={"livenessProbe": {"httpGet": {"host": "10.0.0.1", "port": 80}}}),
        False,
        False,
    ),
    Case(
        "lifecycle-tcp-host-1.34",
        "1.34",
        pod(app={"lifecycle": {"preStop": {"tcpSocket": {"host": "db", "port": 5432}}}}),
        False,
        False,
    ),
    Case(
        "probe-host-empty-1.34",
        "1.34",
        pod(app={"readinessProbe": {"httpGet": {"host": "", "port": 80}}}),
        True,
        True,
    ),
    Case(
        "probe-host-init-1.37",
        "1.37",
        pod(
            {
                "initContainers": [
                    container("init", startupProbe={"tcpSocket": {"host": "x", "port": 1}})
                ]
            }
        ),
        False,
        False,
    ),
    # --- privilege escalation
    Case(
        "ape-sidecar-unset",
        "1.37",
        pod(
            {
                "initContainers": [
                    container(
                        "proxy",
                        restartPolicy="Always",
                        securityContext={"allowPrivilegeEscalation": DELETE},
                    )
                ]
            }
        ),
        True,
        False,
    ),
    Case(
        "ape-true",
        "1.37",
        pod(app={"securityContext": {"allowPrivilegeEscalation": True}}),
        True,
        False,
    ),
    Case(
        "ape-ephemeral-unset",
        "1.37",
        pod({"ephemeralContainers": [container("debug", securityContext=DELETE)]}),
        True,
        False,
    ),
    Case(
        "linux-os-explicit",
        "1.37",
        pod({"os": {"name": "linux"}}, {"securityContext": {"allowPrivilegeEscalation": DELETE}}),
        True,
        False,
    ),
    # --- running as non-root
    Case(
        "run-as-non-root-pod-false",
        "1.37",
        pod(
            {"securityContext": {"runAsNonRoot": False}},
            {"securityContext": {"runAsNonRoot": True}},
        ),
        True,
        False,
    ),
    Case(
        "run-as-user-only",
        "1.37",
        pod({"securityContext": {"runAsNonRoot": DELETE, "runAsUser": 1000}}),
        True,
        False,
    ),
    Case(
        "run-as-user-0-pod-overridden",
        "1.37",
        pod({"securityContext": {"runAsUser": 0}}, {"securityContext": {"runAsUser": 1000}}),
        True,
        False,
    ),
    Case(
        "run-as-non-root-container-only",
        "1.37",
        pod(
            {"securityContext": {"runAsNonRoot": DELETE}},
            {"securityContext": {"runAsNonRoot": True}},
        ),
        True,
        True,
    ),
    Case(
        "userns-root-1.34",
        "1.34",
        pod({"hostUsers": False, "securityContext": {"runAsUser": 0, "runAsNonRoot": False}}),
        True,
        False,
    ),
    Case(
        "userns-root-1.35",
        "1.35",
        pod({"hostUsers": False, "securityContext": {"runAsUser": 0, "runAsNonRoot": False}}),
        True,
        True,
    ),
    # --- Windows pods: exempt from the Linux-only restricted controls (not from run-as-root)
    Case("windows-non-root", "1.37", pod(WINDOWS, WINDOWS_CONTAINER), True, True),
    Case(
        "windows-without-non-root",
        "1.37",
        pod({**WINDOWS, "securityContext": DELETE}, WINDOWS_CONTAINER),
        True,
        False,
    ),
    Case(
        "windows-sys-admin",
        "1.37",
        pod(
            WINDOWS,
            {
                "securityContext": {
                    "capabilities": {"add": ["SYS_ADMIN"]},
                    "allowPrivilegeEscalation": DELETE,
                }
            },
        ),
        False,
        True,
    ),
    Case(
        "windows-seccomp-unconfined",
        "1.37",
        pod(
            {
                **WINDOWS,
                "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "Unconfined"}},
            },
            WINDOWS_CONTAINER,
        ),
        False,
        True,
    ),
    Case(
        "windows-host-path",
        "1.37",
        pod(
            {**WINDOWS, "volumes": [{"name": "v", "hostPath": {"path": "C:\\data"}}]},
            WINDOWS_CONTAINER,
        ),
        False,
        False,
    ),
]


def lint(profile: str, case: Case) -> int:
    run = run_cli(
        "lint",
        "-",
        "--profile",
        profile,
        "--kubernetes-version",
        case.version,
        "--format",
        "json",
        input=case.manifest,
    )
    assert run.exit_code in (0, 1), run.stderr
    findings = run.json()["findings"]
    assert (run.exit_code == 0) == (not findings), findings
    return run.exit_code


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("profile", ["pss-baseline", "pss-restricted"])
def test_profile_agrees_with_admission(profile: str, case: Case) -> None:
    admitted = case.baseline if profile == "pss-baseline" else case.restricted
    code = lint(profile, case)
    assert (code == 0) == admitted, (
        f"admission {'admits' if admitted else 'rejects'} {case.id} at {profile} {case.version}, "
        f"kubelint exit {code}"
    )


def test_case_table_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    # both verdicts occur at both levels, and restricted never admits what baseline rejects
    # except where a restricted check replaces a baseline one (Windows pods)
    assert {c.baseline for c in CASES} == {True, False}
    assert {c.restricted for c in CASES} == {True, False}
    relaxed = {c.id for c in CASES if c.restricted and not c.baseline}
    assert relaxed == {"windows-sys-admin", "windows-seccomp-unconfined"}


def test_profiles_select_exactly_the_pss_rules() -> None:
    """The profiles select the PSS rules only, gate probe-host-override on 1.34 and merge the
    restricted params over the baseline ones."""
    profiles = load_profiles(load_plugins(autoload=False).rule_dirs())
    baseline_133 = profile_rules("pss-baseline", profiles, kubernetes_version=(1, 33))
    baseline_134 = profile_rules("pss-baseline", profiles, kubernetes_version=(1, 34))
    assert set(baseline_134) - set(baseline_133) == {"probe-host-override"}
    restricted = profile_rules("pss-restricted", profiles, kubernetes_version=(1, 37))
    assert set(restricted) - set(baseline_134) == {
        "restricted-volume-type",
        "privilege-escalation-allowed",
        "run-as-root",
        "missing-seccomp-profile",
        "missing-capabilities-drop-all",
    }
    for best_practice in (
        "writable-root-filesystem",
        "low-user-id",
        "privileged-port",
        "sensitive-host-mount",
    ):
        assert best_practice not in restricted
    # the child's params are merged over the parent's; lists are replaced
    assert restricted["dangerous-capability"] == {
        "exactNames": True,
        "allowed": ["NET_BIND_SERVICE"],
        "exemptWindowsPods": True,
    }
    assert restricted["unsafe-proc-mount"] == {"exemptUserNamespaces": False}
    assert baseline_134["unsafe-proc-mount"] == {"exemptUserNamespaces": True}


def test_since_must_be_a_quoted_version(tmp_path: Path) -> None:
    """`since: 1.30` unquoted is the float 1.3 in YAML: refused with a clear message."""
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "mine.yaml").write_text(
        "name: mine\nrules:\n  host-pid:\n    since: 1.30\n", encoding="utf-8"
    )
    with pytest.raises(CatalogError, match=r'quoted "MAJOR\.MINOR"'):
        load_profiles([("test", tmp_path)])
    (tmp_path / "profiles" / "mine.yaml").write_text(
        'name: mine\nrules:\n  host-pid:\n    since: "1.30"\n  host-ipc: {}\n', encoding="utf-8"
    )
    profiles = load_profiles([("test", tmp_path)])
    assert set(profile_rules("mine", profiles, kubernetes_version=(1, 29))) == {"host-ipc"}
    assert set(profile_rules("mine", profiles, kubernetes_version=(1, 30))) == {
        "host-ipc",
        "host-pid",
    }
    assert set(profile_rules("mine", profiles)) == {"host-ipc", "host-pid"}
