"""The settings a run's stages share (built by the command line from config + flags)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from kubelint import versions
from kubelint.records import dataclass

if TYPE_CHECKING:
    from kubelint.model import PodLocator


class UsageError(Exception):
    """Bad rule, profile or option names: exit code 2 with a clear message."""


def parse_kubernetes_version(text: str) -> versions.Version:
    """``--kubernetes-version`` / ``kubernetesVersion`` within the versions kubelint knows (1.0
    up to the pinned newest minor); UsageError (exit 2) naming the form or the range otherwise."""
    newest = versions.format_version(versions.DEFAULT)
    shown = text if len(text) <= 40 else text[:40] + "…"
    if len(text) > 40:  # never hand thousands of digits to int()
        raise UsageError(f'invalid Kubernetes version "{shown}": expected MAJOR.MINOR, e.g. 1.33')
    try:
        version = versions.parse(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if version[0] != 1 or version > versions.DEFAULT:
        raise UsageError(
            f'unknown Kubernetes version "{shown}": kubelint knows 1.0 to {newest} '
            f"(the newest it knows is {newest})"
        )
    return version


@dataclass
class Options:
    kubernetes_version: versions.Version = versions.DEFAULT
    complete: bool = False
    namespace: str | None = None
    crds: tuple[dict[str, Any], ...] = ()  # --crd: CustomResourceDefinitions for schemas only
    chart_dir: str | None = None  # --chart-dir: where `# Source:` templates of piped Helm live
    kustomize_root: str | None = None  # --kustomize-root: the directory piped output was built from
    include_tests: bool = False  # lint Helm test hooks (helm.sh/hook: test)
    helm_bin: str | None = None  # --helm-bin: re-renders piped Helm output to map it exactly
    # Plugins' kubelint_pod_spec hook: (object) -> (pod spec pointer, metadata pointer) | None
    pod_locator: PodLocator | None = None


def usable_cores() -> int:
    """The number of CPUs this process may run on (its affinity mask), at least 1: the
    default of ``--jobs``."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
