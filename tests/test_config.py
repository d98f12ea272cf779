"""Configuration files: discovery, validation with positions and suggestions, precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.helpers import POD


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "pod.yaml").write_text(POD)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def rules_of(run_json: dict[str, list[dict[str, str]]]) -> set[str]:
    return {f["rule"] for f in run_json["findings"]}


def test_config_in_parent_directory_is_found(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".kubelint.yaml").write_text(
        "rules:\n  latest-tag: {enabled: false}\n  missing-memory-limit: {severity: error}\n"
    )
    monkeypatch.chdir(project / "deploy")
    run = run_cli("lint", "pod.yaml", "--format", "json")
    assert "latest-tag" not in rules_of(run.json())
    limit = [f for f in run.json()["findings"] if f["rule"] == "missing-memory-limit"]
    assert limit and limit[0]["severity"] == "error"


def test_config_paths_exclude_and_fail_on(project: Path) -> None:
    (project / "vendor").mkdir()
    (project / "vendor" / "pod.yaml").write_text(POD)  # vendored dirs are skipped by default
    (project / "legacy" / "old").mkdir(parents=True)
    (project / "legacy" / "old" / "pod.yaml").write_text(POD)
    (project / "deploy" / "skip-me.yaml").write_text(POD)
    (project / ".kubelint.yaml").write_text(
        'paths: ["."]\nexclude: ["deploy/skip-*.yaml", "legacy/**"]\nfailOn: never\n'
    )
    run = run_cli("lint", "--format", "json")
    files = {f["file"] for f in run.json()["findings"]}
    assert files == {"deploy/pod.yaml"}
    assert run.exit_code == 0
    # A command-line flag overrides the file.
    assert run_cli("lint", "--fail-on", "warning").exit_code == 1


def test_rule_params_and_profiles_from_config(project: Path) -> None:
    (project / ".kubelint.yaml").write_text(
        "profiles: [default]\n"
        "rules:\n"
        "  missing-required-label:\n"
        "    enabled: true\n"
        "    params: {labels: [{key: team}]}\n"
    )
    run = run_cli("lint", "deploy", "--format", "json")
    messages = [
        f["message"] for f in run.json()["findings"] if f["rule"] == "missing-required-label"
    ]
    assert messages and all("team" in m for m in messages)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("failon: never\n", '.kubelint.yaml:1:1: unknown key "failon" (did you mean "failOn"?)'),
        (
            "rules:\n  latest-tags: {enabled: false}\n",
            '.kubelint.yaml:2:3: unknown rule "latest-tags" (did you mean "latest-tag"?)',
        ),
        (
            "rules:\n  latest-tag: {enabeld: false}\n",
            '.kubelint.yaml:2:16: unknown key "enabeld" (did you mean "enabled"?)',
        ),
        ("failOn: sometimes\n", ".kubelint.yaml:1:9: failOn:"),
        ("kubernetesVersion: 1.30\n", "quote it"),
        ("rules: [\n", ".kubelint.yaml:2:1:"),
    ],
)
def test_invalid_config_names_file_line_and_key(project: Path, text: str, message: str) -> None:
    (project / ".kubelint.yaml").write_text(text)
    run = run_cli("lint", "deploy")
    assert run.exit_code == 2
    assert message in run.stderr
    assert run.stdout == ""


def test_explicit_config_and_no_config(project: Path) -> None:
    (project / ".kubelint.yaml").write_text("rules:\n  latest-tag: {enabled: false}\n")
    other = project / "strict.yaml"
    other.write_text("failOn: error\n")
    assert "latest-tag" in rules_of(
        run_cli("lint", "deploy", "--no-config", "--format", "json").json()
    )
    run = run_cli("lint", "deploy", "--config", str(other))
    assert run.exit_code == 0  # only warnings, failOn error
    assert "latest-tag" in run.stdout
    run = run_cli("lint", "deploy", "--config", str(project / "missing.yaml"))
    assert run.exit_code == 2 and "cannot read config file" in run.stderr


def test_config_init_and_show(project: Path) -> None:
    run = run_cli("config", "init")
    assert run.exit_code == 0
    text = (project / ".kubelint.yaml").read_text()
    assert "kubernetesVersion" in text and "# " in text
    # The starter file is itself valid and linting works with it.
    assert run_cli("lint", "deploy").exit_code == 1
    again = run_cli("config", "init")
    assert again.exit_code == 2 and "already exists" in again.stderr
    show = run_cli("config", "show", "--fail-on", "error")
    assert show.exit_code == 0
    assert "failOn: error" in show.stdout
    assert "kubernetesVersion:" in show.stdout
