"""The settings a run's stages share (built by the command line from config + flags)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kubelint import versions

if TYPE_CHECKING:
    from kubelint.model import PodLocator


class UsageError(Exception):
    """Bad rule, profile or option names: exit code 2 with a clear message."""


def parse_kubernetes_version(text: str) -> versions.Version:
    """``--kubernetes-version`` / ``kubernetesVersion``; UsageError (exit 2) when malformed."""
    try:
        return versions.parse(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


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
