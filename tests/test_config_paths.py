"""Newcomer #4 and #25: exemption path globs apply from any directory; customRules from the
configuration apply to `rules` and `explain` too."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.helpers import POD_LATEST as POD

RULE = """\
id: prod-team-label
summary: Objects carry a team label.
category: custom
severity: warning
default: true
target: object
why: Owners must be reachable.
remediation: Add metadata.labels.team.
references: []
schema:
  type: object
  required: [metadata]
  properties:
    metadata:
      type: object
      required: [labels]
message: "{kind} {name} has no labels"
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    for d in ("deploy", "legacy"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "pod.yaml").write_text(POD)
    (tmp_path / ".kubelint.yaml").write_text(
        "exemptions:\n"
        "  - rules: [latest-tag]\n    path: deploy/pod.yaml\n    reason: pinned by CI\n"
        '  - rules: ["*"]\n    path: "legacy/**"\n    reason: legacy\n'
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def rules_of(run_json: dict[str, list[dict[str, str]]]) -> list[tuple[str, str]]:
    return sorted((f["file"], f["rule"]) for f in run_json["findings"])


def test_exemption_paths_from_a_subdirectory(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = run_cli("lint", "deploy", "legacy", "--format", "json")
    monkeypatch.chdir(project / "deploy")
    sub = run_cli("lint", ".", "../legacy", "--format", "json")
    assert root.json()["summary"]["suppressed"] == sub.json()["summary"]["suppressed"] > 1
    assert "latest-tag" not in {r for _, r in rules_of(sub.json())}
    assert not [f for f, _ in rules_of(sub.json()) if "legacy" in f]


def test_custom_rules_from_config_in_rules_and_explain(project: Path) -> None:
    (project / "policies").mkdir()
    (project / "policies" / "prod-team-label.yaml").write_text(RULE)
    (project / ".kubelint.yaml").write_text("customRules: [policies/]\n")
    listing = run_cli("rules")
    assert listing.exit_code == 0 and "prod-team-label" in listing.stdout
    explained = run_cli("explain", "prod-team-label")
    assert explained.exit_code == 0, explained.stderr
    assert explained.stdout.startswith("prod-team-label: Objects carry a team label.")
