"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real ``pre-commit try-repo``.

pre-commit installs kubelint from a git repository into its own virtualenv. So that this does
not go to the package index once per scenario, the test first builds a local wheelhouse
(kubelint's wheel, its dependencies and the build backend, resolved once) and points pip inside
pre-commit at it with ``PIP_NO_INDEX``/``PIP_FIND_LINKS``: every hook environment installs
offline from it. (pre-commit itself always runs ``pip install .`` on the repository, so kubelint
is built there from the committed tree, with the build backend from the wheelhouse.)
``try-repo`` installs the *committed* state of the repository it points at, so the test copies
this working tree into a temporary git repository and commits it there: the hooks are tested
as they are on disk, committed or not.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    ".tox",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "build",
    "dist",
    "*.egg-info",
)

GOOD = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  LOG_LEVEL: info
"""

BAD = """\
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
spec:
  containers:
    - name: shell
      image: busybox:1.36.1
      securityContext:
        privileged: true
"""

BAD_JSON = """\
{"apiVersion": "v1", "kind": "Pod",
 "metadata": {"name": "json-debug", "namespace": "shop"},
 "spec": {"containers": [{"name": "shell", "image": "busybox:1.36.1",
                          "securityContext": {"privileged": true}}]}}
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
    - port: 80
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27.0
"""


GIT_CONFIG = (
    *("-c", "user.name=kubelint tests", "-c", "user.email=tests@kubelint.invalid"),
    *("-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"),
)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", *GIT_CONFIG, *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree, committed into a fresh git repository."""
    repo = tmp_path_factory.mktemp("kubelint-src")
    shutil.copytree(ROOT, repo, ignore=IGNORE, dirs_exist_ok=True)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "kubelint working tree")
    return repo


def make_project(where: Path, files: dict[str, str]) -> Path:
    """A user's repository with the given manifests staged, as right before a commit
    (under deploy/, except names starting with "--", which go to the top level as a hostile
    pull request would commit them; "b.yaml" there becomes a baseline of deploy/bad.yaml)."""
    (where / "deploy").mkdir(parents=True)
    for name, text in files.items():
        top = name.startswith(("--", "."))  # option-like names and .kubelint.yaml
        target = where / name if top else where / "deploy" / name
        target.write_text(text, encoding="utf-8")
    if any(name.startswith("--") for name in files):
        subprocess.run(
            [sys.executable, "-m", "kubelint", "baseline", "create", "b.yaml", "deploy/bad.yaml"],
            cwd=where,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
            capture_output=True,
        )
    git(where, "init", "-q")
    git(where, "add", "-A")
    return where


# name: (manifests in the repository, hook id or None for all hooks, files to check or None)
SCENARIOS: dict[str, tuple[dict[str, str], str | None, list[str] | None]] = {
    "good-file-changed": ({"good.yaml": GOOD, "bad.yaml": BAD}, None, ["deploy/good.yaml"]),
    "bad-file-changed": (
        {"good.yaml": GOOD, "bad.yaml": BAD},
        "kubelint-files",
        ["deploy/bad.yaml"],
    ),
    "clean-repository": ({"good.yaml": GOOD}, None, None),
    # S06: a committed file named like an option must be linted, not obeyed.
    "option-like-file-name": (
        {"bad.yaml": BAD, "--baseline=b.yaml": "x: 1\n"},
        "kubelint-files",
        None,
    ),
}
# newcomer #7: JSON manifests are linted by both hooks.
SCENARIOS["json-manifest-changed"] = ({"pod.json": BAD_JSON}, None, ["deploy/pod.json"])
# newcomer #8: kubelint-files never assumes the changed files are the whole application.
SCENARIOS["partial-commit-with-complete"] = (
    {".kubelint.yaml": "complete: true\n", "service.yaml": SERVICE, "web.yaml": DEPLOYMENT},
    "kubelint-files",
    ["deploy/service.yaml"],
)
HOOK_STATUS = re.compile(r"^(kubelint(?: \(changed files\))?)\.+(Passed|Failed)\s*$", re.MULTILINE)


@dataclass
class Outcome:
    returncode: int
    output: str

    def statuses(self) -> dict[str, str]:
        return dict(HOOK_STATUS.findall(self.output))


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """kubelint's wheel, every dependency's and the build backend's, built/resolved once."""
    where = tmp_path_factory.mktemp("wheelhouse")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "-w", str(where), str(ROOT), "hatchling"],
        check=True,
        timeout=900,
    )
    assert list(where.glob("kubelint-*.whl"))
    return where


@pytest.fixture(scope="module")
def outcomes(
    hooks_repo: Path, wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Outcome]:
    """Run every scenario's ``pre-commit try-repo`` at once.

    try-repo builds the hook environment in a fresh temporary store on every call, so the
    scenarios run in parallel; pip installs from the local wheelhouse only.
    """
    drop = ("PRE_COMMIT", "GIT_", "VIRTUAL_ENV", "PYTHONPATH", "KUBELINT_", "PIP_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheelhouse), PIP_CONFIG_FILE=os.devnull)
    procs = {}
    for name, (files, hook, selected) in SCENARIOS.items():
        project = make_project(tmp_path_factory.mktemp(name), files)
        selection = ["--files", *selected] if selected else ["--all-files"]
        command = [sys.executable, "-m", "pre_commit", "try-repo", str(hooks_repo)]
        command += [hook] if hook else []
        procs[name] = subprocess.Popen(
            command + selection,
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    out = {}
    for name, proc in procs.items():
        try:
            output, _ = proc.communicate(timeout=1200)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
        out[name] = Outcome(proc.returncode, output)
    return out


def test_kubelint_hook_lints_the_whole_repository(outcomes: dict[str, Outcome]) -> None:
    # Only good.yaml changed, but the kubelint hook lints the configured paths (default ".")
    # and finds bad.yaml; kubelint-files lints only good.yaml and passes.
    run = outcomes["good-file-changed"]
    assert run.returncode == 1, run.output
    assert run.statuses() == {"kubelint": "Failed", "kubelint (changed files)": "Passed"}
    assert "deploy/bad.yaml:11:21: error privileged-container" in run.output


def test_kubelint_files_hook_fails_on_a_bad_changed_file(outcomes: dict[str, Outcome]) -> None:
    run = outcomes["bad-file-changed"]
    assert run.returncode == 1, run.output
    assert run.statuses() == {"kubelint (changed files)": "Failed"}
    assert "deploy/bad.yaml:11:21: error privileged-container" in run.output
    assert "good.yaml" not in run.output.split("Failed", 1)[1]


def test_hooks_pass_on_a_clean_repository(outcomes: dict[str, Outcome]) -> None:
    run = outcomes["clean-repository"]
    assert run.returncode == 0, run.output
    assert run.statuses() == {"kubelint": "Passed", "kubelint (changed files)": "Passed"}


def test_a_file_named_like_an_option_is_a_file(outcomes: dict[str, Outcome]) -> None:
    run = outcomes["option-like-file-name"]
    assert run.returncode == 1, run.output
    assert run.statuses() == {"kubelint (changed files)": "Failed"}
    assert "deploy/bad.yaml:11:21: error privileged-container" in run.output


def test_hooks_lint_json_manifests(outcomes: dict[str, Outcome]) -> None:
    run = outcomes["json-manifest-changed"]
    assert run.returncode == 1, run.output
    assert run.statuses() == {"kubelint": "Failed", "kubelint (changed files)": "Failed"}
    assert "deploy/pod.json:4:61: error privileged-container" in run.output


def test_changed_files_are_never_a_complete_application(outcomes: dict[str, Outcome]) -> None:
    run = outcomes["partial-commit-with-complete"]
    assert run.returncode == 0, run.output
    assert run.statuses() == {"kubelint (changed files)": "Passed"}
    assert "service-selects-nothing" not in run.output
