"""The README's commands work from a fresh clone in a fresh virtual environment: the first
installs kubelint and lints the bundled demo (with the output the README shows), the second
installs the test dependencies and is the test command CI runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w*)\n(.*?)^```", README, flags=re.S | re.M)


def _command(index: int) -> str:
    """The README's ``index``-th ``sh`` block (0: install and lint, 1: test), one line."""
    commands = [body.strip() for lang, body in BLOCKS if lang == "sh"]
    assert "\n" not in commands[index], commands[index]
    return commands[index]


def _fresh_clone(tmp_path: Path) -> Path:
    """The committed files of this checkout, as a clone has them (no venv, no build output)."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True
    ).stdout.decode()
    clone = tmp_path / "kubelint"
    for name in filter(None, listed.split("\0")):
        src = ROOT / name
        if src.is_file():
            dest = clone / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
    return clone


def _run_in_venv(tmp_path: Path, clone: Path, command: str) -> subprocess.CompletedProcess[str]:
    """``command`` as a user types it in a shell whose ``python``/``pip`` are a fresh venv's."""
    env_dir = tmp_path / "venv"
    if not env_dir.exists():
        venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(env_dir)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.pop("COLUMNS", None)
    return subprocess.run(
        ["bash", "-c", command],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=1200,
    )


def test_readme_starts_with_the_install_and_the_test_command() -> None:
    assert _command(0).startswith("pip install ") and "kubelint lint " in _command(0)
    assert "python -m pytest" in _command(1)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install, test = (part.strip() for part in _command(1).split("&&"))
    assert install in ci and test in ci, "CI must run the README's test command"


@pytest.mark.slow
def test_the_first_command_installs_and_lints_the_demo_as_shown(tmp_path: Path) -> None:
    clone = _fresh_clone(tmp_path)
    run = _run_in_venv(tmp_path, clone, _command(0))
    assert run.returncode == 1, run.stderr[-3000:]  # the demo has findings
    assert "Traceback" not in run.stderr
    shown = next(body for lang, body in BLOCKS if lang == "text")
    for line in shown.strip().splitlines():
        assert line in run.stdout.splitlines(), f"README shows {line!r}; got:\n{run.stdout}"
    # the Usage block's rule commands, with the kubelint that command installed
    for command in ("kubelint rules", "kubelint explain latest-tag"):
        assert command in README
        out = _run_in_venv(tmp_path, clone, command)
        assert out.returncode == 0, out.stderr
        assert "latest-tag" in out.stdout


@pytest.mark.slow
def test_the_test_command_installs_and_collects_the_suite(tmp_path: Path) -> None:
    clone = _fresh_clone(tmp_path)
    install, test = (part.strip() for part in _command(1).split("&&"))
    # the whole suite is what CI runs; here the install and the collection of that suite
    run = _run_in_venv(tmp_path, clone, f"{install} && {test} --collect-only -q")
    assert run.returncode == 0, (run.stdout[-3000:], run.stderr[-3000:])
    counted = re.search(r"(\d+) tests? collected", run.stdout)
    assert counted is not None and int(counted.group(1)) > 1000, run.stdout[-500:]
