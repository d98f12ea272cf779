"""The settings a run's stages share (built by the command line from config + flags)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kubelint.checks import KUBERNETES_VERSION_DEFAULT


class UsageError(Exception):
    """Bad rule, profile or option names: exit code 2 with a clear message."""


def parse_kubernetes_version(text: str) -> tuple[int, int]:
    """``1.33`` (also ``v1.33`` and ``1.33.2``) within the versions kubelint knows: 1.0 up to
    the pinned newest minor; anything else is a usage error naming the supported range."""
    newest = "{}.{}".format(*KUBERNETES_VERSION_DEFAULT)
    shown = text if len(text) <= 40 else text[:40] + "…"
    m = re.fullmatch(r"v?(\d{1,6})\.(\d{1,6})(?:\.\d{1,6})?", text.strip())
    if not m:
        raise UsageError(f'invalid Kubernetes version "{shown}": expected MAJOR.MINOR, e.g. 1.33')
    version = int(m.group(1)), int(m.group(2))
    if version[0] != 1 or version > KUBERNETES_VERSION_DEFAULT:
        raise UsageError(
            f'unknown Kubernetes version "{shown}": kubelint knows 1.0 to {newest} '
            f"(the newest it knows is {newest})"
        )
    return version


@dataclass
class Options:
    kubernetes_version: tuple[int, int] = KUBERNETES_VERSION_DEFAULT
    complete: bool = False
    namespace: str | None = None
    crds: tuple[dict[str, Any], ...] = ()  # --crd: CustomResourceDefinitions for schemas only
    chart_dir: str | None = None  # --chart-dir: where `# Source:` templates of piped Helm live
    kustomize_root: str | None = None  # --kustomize-root: the directory piped output was built from
    include_tests: bool = False  # lint Helm test hooks (helm.sh/hook: test)
    # Plugins' kubelint_pod_spec hook: (object) -> (pod spec pointer, metadata pointer) | None
    pod_locator: Any = None
