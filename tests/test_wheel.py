"""The built wheel carries rules/ and schemas/ and works in a fresh virtual environment."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_built_wheel_installs_and_runs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        timeout=600,
    )
    wheel = next(dist.glob("kubelint-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "kubelint/_data/rules/latest-tag.yaml" in names
    assert "kubelint/_data/schemas/rule.schema.json" in names
    assert "kubelint/_data/schemas/report.schema.json" in names
    assert "kubelint/data/api-versions.yaml" in names
    assert "kubelint/data/api-resources.yaml" in names

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    subprocess.run(
        [str(bindir / "python"), "-m", "pip", "install", "-q", str(wheel)],
        check=True,
        timeout=900,
    )
    demo = tmp_path / "demo"
    shutil.copytree(ROOT / "fixtures" / "demo", demo)
    kubelint = str(bindir / "kubelint")
    rules = subprocess.run([kubelint, "rules"], capture_output=True, text=True, cwd=tmp_path)
    assert rules.returncode == 0, rules.stderr
    assert "latest-tag" in rules.stdout
    run = subprocess.run(
        [kubelint, "lint", "demo"], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert run.returncode == 1, run.stderr
    assert "demo/deployment.yaml:" in run.stdout
    assert "privileged-container" in run.stdout
