"""The one declaration of command-line settings (kubelint/settings.py) and the effective
settings every command shares: lint, baseline and `config show` take the same flags from it,
and `config show` prints a configuration file kubelint accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.main import get_command

from kubelint import records
from kubelint.cli import app
from kubelint.settings import BASELINE, LINT, SHOW, Settings, flags
from tests.conftest import run_cli
from tests.helpers import POD_LATEST as POD


def command_options(*path: str) -> set[str]:
    cmd = get_command(app)
    for name in path:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    return {
        opt
        for p in cmd.params
        if p.param_type_name == "option"
        for opt in (*p.opts, *p.secondary_opts)
    }


@pytest.mark.parametrize(
    ("command", "path"),
    [
        (LINT, ("lint",)),
        (BASELINE, ("baseline", "create")),
        (BASELINE, ("baseline", "prune")),
        (SHOW, ("config", "show")),
    ],
)
def test_commands_take_exactly_the_declared_flags(command: str, path: tuple[str, ...]) -> None:
    declared: set[str] = set()
    for _, fl in flags():
        if command in fl.commands:
            for decl in fl.decls:
                declared.update(decl.split("/"))
    assert declared, command
    assert command_options(*path) - {"--help"} == declared


def test_every_setting_is_a_flag() -> None:
    assert len(flags()) == len(records.fields(Settings))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "pod.yaml").write_text(POD)
    (tmp_path / "policies").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_config_show_prints_a_valid_config_file(project: Path) -> None:
    (project / ".kubelint.yaml").write_text(
        'kubernetesVersion: "1.31"\n'
        "paths: [deploy/]\n"
        "exclude: [vendor/**]\n"
        "rules:\n  latest-tag: {severity: error}\n"
        "exemptions:\n"
        "  - rules: [run-as-root]\n    kind: Pod\n    reason: legacy\n"
        '    expires: "2099-01-01"\n'
        "customRules: [policies/]\n"
    )
    show = run_cli("config", "show", "--fail-on", "error", "--disable", "missing-memory-limit")
    assert show.exit_code == 0, show.stderr
    lines = show.stdout.splitlines()
    keys = [line.split(":")[0] for line in lines if line and line[0].isalpha()]
    assert keys[:3] == ["kubernetesVersion", "failOn", "complete"]  # the schema's order
    assert "source" not in keys and "origin" not in show.stdout
    assert "failOn: error" in lines and "- deploy" in lines and "- policies" in lines
    # Saved as the configuration, it is accepted and gives the same settings and findings.
    (project / "shown.yaml").write_text(show.stdout)
    again = run_cli("config", "show", "--config", "shown.yaml")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.splitlines()[1:] == lines[1:]
    a = run_cli(
        "lint", "--format", "json", "--fail-on", "error", "--disable", "missing-memory-limit"
    )
    b = run_cli("lint", "--format", "json", "--config", "shown.yaml")
    assert a.exit_code == b.exit_code == 1
    assert json.loads(a.stdout)["findings"] == json.loads(b.stdout)["findings"]
