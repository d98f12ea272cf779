"""The effective-security-context matrix, through the CLI.

For each security field: set at pod level only, container level only, both, and neither. The
catalogue's two principles decide the outcome: a **required** value is judged on the effective
value (the container's own value wins over the pod's); a **forbidden** value is reported wherever
it is written, so a forbidden pod-level value is reported even when the container overrides it.
Each case asserts the exact set of (rule, JSON Pointer) findings, for a Pod and for a Deployment
(whose pod spec lives under /spec/template/spec).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import run_cli

POD = "pod"
CONTAINER = "container"


def manifest(kind: str, pod_sc: dict[str, Any] | None, container_sc: dict[str, Any] | None) -> str:
    container: dict[str, Any] = {"name": "app", "image": "app:1.0"}
    if container_sc is not None:
        container["securityContext"] = container_sc
    spec: dict[str, Any] = {"containers": [container]}
    if pod_sc is not None:
        spec["securityContext"] = pod_sc
    if kind == "Pod":
        obj: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "app"},
            "spec": spec,
        }
    else:
        obj = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "app"},
            "spec": {
                "selector": {"matchLabels": {"app": "app"}},
                "template": {"metadata": {"labels": {"app": "app"}}, "spec": spec},
            },
        }
    return json.dumps(obj, indent=2)  # JSON is YAML


def findings(
    kind: str,
    rule: str,
    pod_sc: dict[str, Any] | None,
    container_sc: dict[str, Any] | None,
    *args: str,
) -> set[tuple[str, str]]:
    """(level, pointer below the securityContext) of each finding of ``rule``."""
    run = run_cli(
        "lint",
        "-",
        "--only",
        rule,
        "--format",
        "json",
        "--fail-on",
        "never",
        *args,
        input=manifest(kind, pod_sc, container_sc),
    )
    assert run.exit_code == 0, run.stderr
    spec = "/spec" if kind == "Pod" else "/spec/template/spec"
    out: set[tuple[str, str]] = set()
    for f in run.json()["findings"]:
        assert f["rule"] == rule
        path = f["path"]
        for level, prefix in (
            (CONTAINER, f"{spec}/containers/0"),
            (POD, spec),
        ):
            if path.startswith(prefix):
                out.add((level, path[len(prefix) :]))
                break
        else:
            raise AssertionError(f"unexpected path {path}")
        if path.startswith(f"{spec}/containers/0"):
            assert f["container"] == "app"
    return out


# (rule, pod securityContext, container securityContext, expected {(level, pointer)}, extra args)
SCN = "/securityContext/runAsNonRoot"
SCU = "/securityContext/runAsUser"
SECCOMP = "/securityContext/seccompProfile"
APPARMOR = "/securityContext/appArmorProfile"
SELINUX = "/securityContext/seLinuxOptions"
APE = "/securityContext/allowPrivilegeEscalation"
RORF = "/securityContext/readOnlyRootFilesystem"
CASES: list[tuple[str, str, Any, Any, set[tuple[str, str]], tuple[str, ...]]] = [
    # --- required: runAsNonRoot (run-as-root), judged on the effective value ---
    ("run-as-root", "pod-only", {"runAsNonRoot": True}, None, set(), ()),
    ("run-as-root", "container-only", None, {"runAsNonRoot": True}, set(), ()),
    (
        "run-as-root",
        "both-container-wins",
        {"runAsNonRoot": True},
        {"runAsNonRoot": True},
        set(),
        (),
    ),
    ("run-as-root", "neither", None, None, {(CONTAINER, SCN)}, ()),
    # a forbidden pod-level runAsNonRoot: false is reported although the container overrides it
    (
        "run-as-root",
        "both-forbidden-pod",
        {"runAsNonRoot": False},
        {"runAsNonRoot": True},
        {(POD, SCN)},
        (),
    ),
    (
        "run-as-root",
        "container-forbidden",
        {"runAsNonRoot": True},
        {"runAsNonRoot": False},
        {(CONTAINER, SCN)},
        (),
    ),
    # --- forbidden: runAsUser 0 ---
    ("run-as-root", "uid0-pod-only", {"runAsUser": 0}, None, {(POD, SCU)}, ()),
    ("run-as-root", "uid0-container-only", None, {"runAsUser": 0}, {(CONTAINER, SCU)}, ()),
    (
        "run-as-root",
        "uid0-pod-overridden",
        {"runAsUser": 0, "runAsNonRoot": True},
        {"runAsUser": 1000},
        {(POD, SCU)},
        (),
    ),
    # --- required with requireRunAsNonRoot (restricted profile): a UID is not enough ---
    (
        "run-as-root",
        "uid-only-restricted",
        {"runAsUser": 1000},
        None,
        {(CONTAINER, SCN)},
        ("--profile", "pss-restricted"),
    ),
    ("run-as-root", "uid-only-default", {"runAsUser": 1000}, None, set(), ()),
    # --- required: seccomp profile (missing-seccomp-profile) ---
    (
        "missing-seccomp-profile",
        "pod-only",
        {"seccompProfile": {"type": "RuntimeDefault"}},
        None,
        set(),
        (),
    ),
    (
        "missing-seccomp-profile",
        "container-only",
        None,
        {"seccompProfile": {"type": "RuntimeDefault"}},
        set(),
        (),
    ),
    (
        "missing-seccomp-profile",
        "both",
        {"seccompProfile": {"type": "RuntimeDefault"}},
        {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}},
        set(),
        (),
    ),
    ("missing-seccomp-profile", "neither", None, None, {(CONTAINER, SECCOMP)}, ()),
    # --- forbidden: seccomp Unconfined (seccomp-unconfined) ---
    (
        "seccomp-unconfined",
        "pod-only",
        {"seccompProfile": {"type": "Unconfined"}},
        None,
        {(POD, SECCOMP + "/type")},
        (),
    ),
    (
        "seccomp-unconfined",
        "container-only",
        None,
        {"seccompProfile": {"type": "Unconfined"}},
        {(CONTAINER, SECCOMP + "/type")},
        (),
    ),
    (
        "seccomp-unconfined",
        "both-forbidden-pod",
        {"seccompProfile": {"type": "Unconfined"}},
        {"seccompProfile": {"type": "RuntimeDefault"}},
        {(POD, SECCOMP + "/type")},
        (),
    ),
    ("seccomp-unconfined", "neither", None, None, set(), ()),
    # --- AppArmor: the catalogue judges the effective profile by default ---
    (
        "apparmor-unconfined",
        "pod-only",
        {"appArmorProfile": {"type": "Unconfined"}},
        None,
        {(POD, APPARMOR + "/type")},
        (),
    ),
    (
        "apparmor-unconfined",
        "container-only",
        None,
        {"appArmorProfile": {"type": "Unconfined"}},
        {(CONTAINER, APPARMOR + "/type")},
        (),
    ),
    (
        "apparmor-unconfined",
        "both-container-wins",
        {"appArmorProfile": {"type": "Unconfined"}},
        {"appArmorProfile": {"type": "RuntimeDefault"}},
        set(),
        (),
    ),
    (
        "apparmor-unconfined",
        "both-container-unconfined",
        {"appArmorProfile": {"type": "RuntimeDefault"}},
        {"appArmorProfile": {"type": "Unconfined"}},
        {(CONTAINER, APPARMOR + "/type")},
        (),
    ),
    ("apparmor-unconfined", "neither", None, None, set(), ()),
    # ... and where written in the PSS profiles (judgeWrittenValues), as admission does
    (
        "apparmor-unconfined",
        "both-written-values",
        {"appArmorProfile": {"type": "Unconfined"}},
        {"appArmorProfile": {"type": "RuntimeDefault"}},
        {(POD, APPARMOR + "/type")},
        ("--profile", "pss-baseline"),
    ),
    # --- forbidden: SELinux options ---
    (
        "unsafe-selinux-options",
        "pod-only",
        {"seLinuxOptions": {"type": "spc_t"}},
        None,
        {(POD, SELINUX + "/type")},
        (),
    ),
    (
        "unsafe-selinux-options",
        "container-only",
        None,
        {"seLinuxOptions": {"user": "system_u"}},
        {(CONTAINER, SELINUX + "/user")},
        (),
    ),
    (
        "unsafe-selinux-options",
        "both-forbidden-pod",
        {"seLinuxOptions": {"type": "spc_t"}},
        {"seLinuxOptions": {"type": "container_t"}},
        {(POD, SELINUX + "/type")},
        (),
    ),
    ("unsafe-selinux-options", "neither", None, None, set(), ()),
    # --- forbidden: Windows HostProcess ---
    (
        "windows-host-process",
        "pod-only",
        {"windowsOptions": {"hostProcess": True}},
        None,
        {(POD, "/securityContext/windowsOptions/hostProcess")},
        (),
    ),
    (
        "windows-host-process",
        "container-only",
        None,
        {"windowsOptions": {"hostProcess": True}},
        {(CONTAINER, "/securityContext/windowsOptions/hostProcess")},
        (),
    ),
    (
        "windows-host-process",
        "both-forbidden-pod",
        {"windowsOptions": {"hostProcess": True}},
        {"windowsOptions": {"hostProcess": False}},
        {(POD, "/securityContext/windowsOptions/hostProcess")},
        (),
    ),
    ("windows-host-process", "neither", None, None, set(), ()),
    # --- effective runAsUser (low-user-id): an inherited pod value is reported at the pod ---
    ("low-user-id", "pod-only", {"runAsUser": 1000}, None, {(POD, SCU)}, ()),
    ("low-user-id", "container-only", None, {"runAsUser": 1000}, {(CONTAINER, SCU)}, ()),
    ("low-user-id", "both-container-wins", {"runAsUser": 1000}, {"runAsUser": 20000}, set(), ()),
    ("low-user-id", "neither", None, None, set(), ()),
    # --- container-only fields are not inherited from a (misplaced) pod-level value ---
    (
        "privilege-escalation-allowed",
        "pod-only-not-inherited",
        {"allowPrivilegeEscalation": False},
        None,
        {(CONTAINER, APE)},
        (),
    ),
    (
        "privilege-escalation-allowed",
        "container-only",
        None,
        {"allowPrivilegeEscalation": False},
        set(),
        (),
    ),
    (
        "privilege-escalation-allowed",
        "container-true",
        None,
        {"allowPrivilegeEscalation": True},
        {(CONTAINER, APE)},
        (),
    ),
    ("privilege-escalation-allowed", "neither", None, None, {(CONTAINER, APE)}, ()),
    (
        "writable-root-filesystem",
        "pod-only-not-inherited",
        {"readOnlyRootFilesystem": True},
        None,
        {(CONTAINER, RORF)},
        (),
    ),
    (
        "writable-root-filesystem",
        "container-only",
        None,
        {"readOnlyRootFilesystem": True},
        set(),
        (),
    ),
    ("writable-root-filesystem", "neither", None, None, {(CONTAINER, RORF)}, ()),
]


@pytest.mark.parametrize("kind", ["Pod", "Deployment"])
@pytest.mark.parametrize(
    ("rule", "case", "pod_sc", "container_sc", "expected", "args"),
    CASES,
    ids=[f"{c[0]}/{c[1]}" for c in CASES],
)
def test_matrix(
    kind: str,
    rule: str,
    case: str,
    pod_sc: Any,
    container_sc: Any,
    expected: set[tuple[str, str]],
    args: tuple[str, ...],
) -> None:
    found = findings(kind, rule, pod_sc, container_sc, *args)
    assert found == expected, f"{case}: found {sorted(found)}"


def test_unset_field_points_at_the_container_line() -> None:
    """A per-container finding about a value set nowhere points at the container's `- ` line."""
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n"
        "    - name: app\n      image: app:1.0\n"
    )
    run = run_cli(
        "lint", "-", "--only", "privilege-escalation-allowed", "--format", "json", input=text
    )
    assert run.exit_code == 1
    (finding,) = run.json()["findings"]
    assert (finding["line"], finding["column"]) == (7, 7)
    assert finding["message"] == 'container "app" does not set allowPrivilegeEscalation: false'


def test_pod_level_finding_names_inheriting_containers() -> None:
    text = json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "app"},
            "spec": {
                "securityContext": {"seccompProfile": {"type": "Unconfined"}},
                "containers": [
                    {"name": "a", "image": "a:1"},
                    {
                        "name": "b",
                        "image": "b:1",
                        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                    },
                ],
            },
        }
    )
    run = run_cli("lint", "-", "--only", "seccomp-unconfined", "--format", "json", input=text)
    (finding,) = run.json()["findings"]
    assert finding["path"] == "/spec/securityContext/seccompProfile/type"
    assert finding["container"] is None
    assert 'inherited by containers "a"' in finding["message"]
    assert '"b"' not in finding["message"]
