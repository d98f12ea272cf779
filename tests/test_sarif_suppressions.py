"""Suppressed findings in SARIF (code scanning shows them dismissed, not fixed), help URIs, and
the warnings about suppressions that name rules that do not exist (newcomer #21, #22, #24)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.test_reporters_sarif import assert_valid

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: {ANNOTATIONS}
spec:
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: web
          image: nginx{COMMENT}
        - name: side
          image: redis
"""


def app(annotations: str = "{}", comment: str = "") -> str:
    return APP.format(ANNOTATIONS=annotations, COMMENT=comment)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def sarif(*args: str) -> tuple[dict[str, Any], str, int]:
    run = run_cli("lint", *args, "--only", "latest-tag", "--format", "sarif")
    log = json.loads(run.stdout)
    assert_valid(log)
    return log, run.stderr, run.exit_code


def results(log: dict[str, Any]) -> list[dict[str, Any]]:
    return list(log["runs"][0]["results"])


def test_comment_suppression_is_an_in_source_suppression(work: Path) -> None:
    (work / "app.yaml").write_text(app(comment="  # kubelint: disable=latest-tag -- pinned by CD"))
    log, _, code = sarif("app.yaml")
    assert code == 1  # the second container is still reported
    active = [r for r in results(log) if "suppressions" not in r]
    dismissed = [r for r in results(log) if "suppressions" in r]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in active] == [17]
    assert len(dismissed) == 1
    (sup,) = dismissed[0]["suppressions"]
    assert sup["kind"] == "inSource" and sup["status"] == "accepted"
    assert sup["justification"] == "pinned by CD"
    loc = sup["location"]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "app.yaml"
    assert loc["region"]["startLine"] == 15
    assert dismissed[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 15


def test_a_suppressed_finding_keeps_its_fingerprint(work: Path) -> None:
    """GitHub matches the alert by fingerprint: the dismissed result must be the same alert."""
    (work / "app.yaml").write_text(app())
    before, _, _ = sarif("app.yaml")
    (work / "app.yaml").write_text(app('{kubelint.io/ignore: "latest-tag: reviewed"}'))
    after, _, code = sarif("app.yaml")
    assert code == 0
    prints = {r["partialFingerprints"]["kubelint/v1"] for r in results(before)}
    assert {r["partialFingerprints"]["kubelint/v1"] for r in results(after)} == prints
    assert all(r["suppressions"][0]["kind"] == "inSource" for r in results(after))
    assert {r["suppressions"][0]["justification"] for r in results(after)} == {"reviewed"}


def test_exemption_and_baseline_are_external_suppressions(work: Path) -> None:
    (work / "app.yaml").write_text(app())
    (work / ".kubelint.yaml").write_text(
        "exemptions:\n  - rules: [latest-tag]\n    container: side\n    reason: vendor image\n"
    )
    assert (
        run_cli("baseline", "create", "base.json", "app.yaml", "--only", "latest-tag").exit_code
        == 0
    )
    (work / ".kubelint.yaml").write_text(
        "exemptions:\n  - rules: [latest-tag]\n    container: side\n    reason: vendor image\n"
    )
    log, _, code = sarif("app.yaml", "--baseline", "base.json")
    assert code == 0
    by_kind = {r["suppressions"][0]["justification"]: r["suppressions"][0] for r in results(log)}
    assert set(by_kind) == {"vendor image", "listed in the baseline base.json"}
    exemption = by_kind["vendor image"]
    assert exemption["kind"] == "external"
    where = exemption["location"]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == ".kubelint.yaml"
    assert where["region"]["startLine"] == 2
    assert by_kind["listed in the baseline base.json"]["kind"] == "external"


def test_rules_link_to_their_docs_section(work: Path) -> None:
    (work / "app.yaml").write_text(app())
    log, _, _ = sarif("app.yaml")
    (rule,) = [r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "latest-tag"]
    url = "https://github.com/kubelint/kubelint/blob/main/docs/rules.md#latest-tag"
    assert rule["helpUri"] == url
    run = run_cli("lint", "app.yaml", "--only", "latest-tag", "--format", "json")
    assert {f["url"] for f in run.json()["findings"]} == {url}


# -- annotation reasons (newcomer #22) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reasons"),
    [
        ("latest-tag, run-as-root: reviewed by security", {"reviewed by security"}),
        ("run-as-root: r1, latest-tag: r2", {"r2"}),
        ("latest-tag: reviewed, approved by security", {"reviewed, approved by security"}),
        ("run-as-root: checked, latest-tag", {"checked"}),
        ("latest-tag", {"(no reason given)"}),
    ],
)
def test_an_annotation_reason_applies_to_every_rule_it_lists(
    work: Path, value: str, reasons: set[str]
) -> None:
    (work / "app.yaml").write_text(app(f'{{kubelint.io/ignore: "{value}"}}'))
    run = run_cli(
        "lint", "app.yaml", "--only", "latest-tag", "--format", "json", "--show-suppressed"
    )
    assert run.exit_code == 0, run.stdout
    assert {s["suppression"]["reason"] for s in run.json()["suppressed"]} == reasons
    assert "unknown rule" not in run.stderr


# -- unknown rule IDs in suppressions (newcomer #21) ---------------------------------------------


def test_unknown_rules_in_annotations_and_comments_are_warnings_with_positions(
    work: Path,
) -> None:
    text = app(
        '{kubelint.io/ignore: "run-as-rot, latest-tag", kubelint.io/ignore-latest-tags: x}',
        comment="  # kubelint: disable=latest-tga -- typo",
    )
    (work / "app.yaml").write_text(text)
    run = run_cli("lint", "app.yaml", "--only", "latest-tag")
    assert run.exit_code == 0  # a warning, not a failure; latest-tag itself is suppressed
    warnings = [line for line in run.stderr.splitlines() if "unknown rule" in line]
    assert warnings == [
        'kubelint: warning: app.yaml:5:17: unknown rule "run-as-rot" in annotation '
        '"kubelint.io/ignore" of Deployment web (did you mean "run-as-root"?): '
        "it suppresses nothing",
        'kubelint: warning: app.yaml:5:63: unknown rule "latest-tags" in annotation '
        '"kubelint.io/ignore-latest-tags" of Deployment web (did you mean "latest-tag"?): '
        "it suppresses nothing",
        'kubelint: warning: app.yaml:15:45: unknown rule "latest-tga" in a "kubelint: disable" '
        'comment (did you mean "latest-tag"?): it suppresses nothing',
    ]


def test_every_rule_and_custom_rules_are_not_unknown(work: Path) -> None:
    policies = work / "policies"
    policies.mkdir()
    (policies / "team-label.yaml").write_text(
        "id: team-label\nsummary: s\ncategory: labels\nseverity: warning\ndefault: true\n"
        "target: object\nwhy: w\nremediation: r\ncheck: latest_tag\n"
    )
    text = app(
        '{kubelint.io/ignore: "team-label"}', comment="  # kubelint: disable=all -- vendored"
    )
    (work / "app.yaml").write_text(text)
    run = run_cli("lint", "app.yaml", "--only", "latest-tag", "--rules-dir", "policies")
    assert "unknown rule" not in run.stderr, run.stderr
