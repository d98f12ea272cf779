"""Shared test helpers: run the real CLI in-process and read fixture expectations."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kubelint.cli import app

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RULES = ROOT / "rules"
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True, scope="session")
def _user_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The runs of the suite share one kubelint cache directory of their own (never the
    developer's ~/.cache); subprocesses inherit it through the environment."""
    import os

    os.environ.setdefault("KUBELINT_CACHE_DIR", str(tmp_path_factory.mktemp("kubelint-cache")))


EXPECT_RE = re.compile(r"#\s*expect:\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)")
ARGS_RE = re.compile(r"^#\s*kubelint-args:\s*(.*)$")


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Run:
    runner = CliRunner()
    result = runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def fixture_files(case: Path) -> list[Path]:
    if case.is_dir():
        return sorted(p for p in case.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    return [case]


def expectations(case: Path, root: Path) -> set[tuple[str, int, str]]:
    """(file relative to cwd, line, rule) for every `# expect:` marker (or .expect sidecar)."""
    out: set[tuple[str, int, str]] = set()
    for file in fixture_files(case):
        rel = file.relative_to(root).as_posix()
        sidecar = file.with_suffix(".expect")
        if file.suffix == ".json":
            if sidecar.exists():
                for raw in sidecar.read_text().splitlines():
                    if raw.strip():
                        line, rule = raw.split()
                        out.add((rel, int(line), rule))
            continue
        text = file.read_bytes().decode("utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), start=1):
            m = EXPECT_RE.search(line)
            if m:
                for rule in m.group(1).split(","):
                    out.add((rel, n, rule.strip()))
    return out


def case_args(case: Path) -> list[str]:
    first = fixture_files(case)[0]
    head = first.read_bytes().split(b"\n", 1)[0].decode("utf-8", errors="replace")
    m = ARGS_RE.match(head)
    return shlex.split(m.group(1)) if m else []


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.fixture(params=[3, 4], ids=["helm3", "helm4"])
def helm(request: pytest.FixtureRequest) -> Any:
    """A real helm binary (tests.helm_support.Helm), once per major version; skips with the
    reason where that version cannot be had."""
    from tests.helm_support import find

    found = find(request.param)
    if isinstance(found, str):
        pytest.skip(found)
    return found
