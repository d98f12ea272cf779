"""Set-up shared by the tests: sample manifests, writing files, fake installed plugins, and the
real `kubelint` run as a subprocess (conftest.run_cli runs it in-process)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# A Deployment in namespace `shop` whose one container uses `nginx:latest` (latest-tag, no
# probes, no resources, ...).
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:latest
"""

# A Pod without a namespace or tag: `image: nginx`.
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx
"""
POD_LATEST = POD.replace("image: nginx\n", "image: nginx:latest\n")  # one latest-tag finding

# A Pod named `canary` (image `nginx`): the tell-tale that a file was linted.
CANARY = """\
apiVersion: v1
kind: Pod
metadata:
  name: canary
spec:
  containers:
    - name: c
      image: nginx
"""

# A privileged Pod (privileged-container).
PRIVILEGED = """\
apiVersion: v1
kind: Pod
metadata: {name: priv}
spec:
  containers:
  - {name: c, image: "nginx:1", securityContext: {privileged: true}}
"""

# A plugin check that raises on objects named `boom` (write_plugin code) and its rule.
BUGGY = """\
def buggy(obj, ctx):
    if obj.name == 'boom':
        raise KeyError('image')
    return []


@hookimpl
def kubelint_checks():
    return {'buggy': buggy}
"""
BUGGY_RULE = (
    "id: buggy-rule\nsummary: A rule with a bug.\ncategory: custom\nseverity: error\n"
    "default: true\ntarget: object\ncheck: buggy\nwhy: Testing.\nremediation: None.\n"
)


def write(root: Path, name: str, text: str | bytes) -> Path:
    """Write ``root/name`` (parent directories created; text as UTF-8, line ends untouched) and
    return its path."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


# The environment of a kubelint subprocess that must not see the developer's set-up: plugins not
# auto-loaded, no colours, this checkout importable.
ISOLATED = {"KUBELINT_DISABLE_PLUGIN_AUTOLOAD": "1", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}


def run_kubelint(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    without: Sequence[str] = (),
    module: str = "kubelint",
    prefix: Sequence[str] = (),
    **run: Any,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m kubelint ARGS` for real and capture its text output (the exit code is the
    caller's to check). The environment is this process's without the variables whose names
    start with one of ``without``, plus ``env``; ``run`` goes to ``subprocess.run`` (``stdin``,
    ``input``, ``timeout``, ...)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(tuple(without))}
    return subprocess.run(
        [*prefix, sys.executable, "-m", module, *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        **run,
    )


def install_dist(site: Path, name: str, entry: str, module_src: Path | None = None) -> None:
    """Register a distribution by path in ``site``: a dist-info with a ``kubelint`` entry point
    (``entry``: ``name = module``), as pip would write it; ``module_src`` is copied in."""
    if module_src is not None:
        shutil.copytree(module_src, site / module_src.name)
    info = site / f"{name.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[kubelint]\n{entry}\n")


def write_plugin(site: Path, module: str, code: str, rules: Mapping[str, str]) -> Path:
    """An installed plugin in ``site`` (put it on sys.path or PYTHONPATH): package ``module``
    whose ``__init__.py`` is ``code`` (``Path`` and ``hookimpl`` imported for it) plus a
    ``kubelint_rule_dirs`` hook for its ``rules/`` (file name -> YAML text), and a dist-info
    ``kubelint-<name>`` whose entry point ``<name>`` names it (``kubelint_<name>``)."""
    pkg = site / module
    (pkg / "rules").mkdir(parents=True)
    head = "from pathlib import Path\nfrom kubelint.hookspecs import hookimpl\n\n"
    hook = "@hookimpl\ndef kubelint_rule_dirs():\n    return [Path(__file__).parent / 'rules']\n"
    (pkg / "__init__.py").write_text(f"{head}{code.rstrip()}\n\n{hook}", encoding="utf-8")
    for name, text in rules.items():
        (pkg / "rules" / name).write_text(text, encoding="utf-8")
    short = module.removeprefix("kubelint_")
    install_dist(site, f"kubelint-{short}", f"{short} = {module}")
    return pkg
