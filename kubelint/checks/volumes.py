"""Pod volume checks: hostPath volumes, sensitive host mounts and the PSS restricted volume types.

Volumes are judged as the API server sees them after decoding and defaulting: a key that is not
a volume source of core/v1 is dropped, and a volume without any source becomes ``emptyDir``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.model import PodSpec

# Every volume source field of core/v1 Volume.
VOLUME_SOURCES = frozenset(
    {
        "awsElasticBlockStore",
        "azureDisk",
        "azureFile",
        "cephfs",
        "cinder",
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "fc",
        "flexVolume",
        "flocker",
        "gcePersistentDisk",
        "gitRepo",
        "glusterfs",
        "hostPath",
        "image",
        "iscsi",
        "nfs",
        "persistentVolumeClaim",
        "photonPersistentDisk",
        "portworxVolume",
        "projected",
        "quobyte",
        "rbd",
        "scaleIO",
        "secret",
        "storageos",
        "vsphereVolume",
    }
)
# The PSS restricted volume types (pod-security-admission policy/check_restrictedVolumes.go).
RESTRICTED_VOLUME_TYPES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
# Admission (binaries >= 1.33) also allows read-only OCI `image` volumes.
IMAGE_VOLUME_SINCE = (1, 33)


def _volumes(pod: PodSpec) -> Iterator[tuple[int, str, dict[str, Any]]]:
    volumes = pod.raw.get("volumes")
    if not isinstance(volumes, list):
        return
    for i, volume in enumerate(volumes):
        if isinstance(volume, dict):
            name = volume.get("name")
            yield i, name if isinstance(name, str) else f"#{i}", volume


def normalise_host_path(path: str) -> str:
    """Collapse repeated and trailing slashes and resolve ``.``/``..`` segments."""
    if path.startswith("/"):
        # one leading slash (normpath keeps "//"); ".." above the root stays at the root
        return posixpath.normpath("/" + path.lstrip("/"))
    return posixpath.normpath(path) if path else path


def _below(path: str, parent: str) -> bool:
    """``path`` is strictly below ``parent`` (``/`` only matches itself: it is not a prefix)."""
    return parent != "/" and path.startswith(parent + "/")


@check("host_path_volume")
def host_path_volume(pod: PodSpec, ctx: CheckContext) -> Iterator[Violation]:
    for i, name, volume in _volumes(pod):
        host_path = volume.get("hostPath")
        if host_path is None:
            continue  # absent or null: no hostPath source
        path = host_path.get("path") if isinstance(host_path, dict) else None
        shown = f' "{path}"' if isinstance(path, str) and path else ""
        yield Violation(
            pod.at("volumes", i, "hostPath"),
            f'volume "{name}" mounts host path{shown} from the node (hostPath)',
        )


@check("sensitive_host_mount")
def sensitive_host_mount(pod: PodSpec, ctx: CheckContext) -> Iterator[Violation]:
    paths = [normalise_host_path(str(p)) for p in ctx.params["paths"]]
    sockets = {str(s) for s in ctx.params["sockets"]}
    for i, name, volume in _volumes(pod):
        host_path = volume.get("hostPath")
        raw = host_path.get("path") if isinstance(host_path, dict) else None
        if not isinstance(raw, str) or not raw:
            continue
        path = normalise_host_path(raw)
        if posixpath.basename(path) in sockets:
            why = "a container runtime socket (control of every container on the node)"
        else:
            hit = next((p for p in paths if path == p or _below(path, p)), None)
            if hit is None:
                continue
            if hit == "/":
                why = "the host's root filesystem"
            elif path == hit:
                why = "a sensitive host directory"
            else:
                why = f"under the sensitive host directory {hit}"
        shown = f'"{raw}"' if raw == path else f'"{raw}" (= {path})'
        yield Violation(
            pod.at("volumes", i, "hostPath", "path"),
            f'volume "{name}" mounts host path {shown}: {why}',
        )


@check("restricted_volume_type")
def restricted_volume_type(pod: PodSpec, ctx: CheckContext) -> Iterator[Violation]:
    allowed = set(RESTRICTED_VOLUME_TYPES)
    if ctx.kubernetes_version >= IMAGE_VOLUME_SINCE:
        allowed.add("image")
    for i, name, volume in _volumes(pod):
        sources = [k for k, v in volume.items() if k in VOLUME_SOURCES and v is not None]
        if not sources or any(s in allowed for s in sources):
            continue  # no source at all is defaulted to emptyDir
        yield Violation(
            pod.at("volumes", i, sources[0]),
            f'volume "{name}" has type {sources[0]}, which is not one of the restricted types '
            f"({', '.join(sorted(allowed))})",
        )
