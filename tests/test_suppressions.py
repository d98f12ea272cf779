"""Suppressions through annotations, comments, config exemptions and other linters' annotations."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations: {ANNOTATIONS}
spec:
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
      annotations: {TEMPLATE_ANNOTATIONS}
    spec:
      containers:
        - name: web
          image: nginx{COMMENT}
"""


def manifest(annotations: str = "{}", template: str = "{}", comment: str = "") -> str:
    return DEPLOYMENT.format(
        ANNOTATIONS=annotations, TEMPLATE_ANNOTATIONS=template, COMMENT=comment
    )


@pytest.fixture
def lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)

    def run(text: str, *args: str):  # type: ignore[no-untyped-def]
        (tmp_path / "web.yaml").write_text(text)
        return run_cli(
            "lint", "web.yaml", "--only", "latest-tag", "--format", "json", "--no-config", *args
        )

    return run


def test_unsuppressed_baseline(lint) -> None:  # type: ignore[no-untyped-def]
    run = lint(manifest())
    assert [f["rule"] for f in run.json()["findings"]] == ["latest-tag"]
    assert run.exit_code == 1


@pytest.mark.parametrize(
    ("annotations", "template"),
    [
        ('{kubelint.io/ignore: "latest-tag"}', "{}"),
        ('{kubelint.io/ignore: "host-network, latest-tag: pinned by CI"}', "{}"),
        ('{kubelint.io/ignore-latest-tag: "pinned by CI"}', "{}"),
        ("{}", '{kubelint.io/ignore: "latest-tag"}'),
        ("{}", '{kubelint.io/ignore-latest-tag: "reason"}'),
    ],
)
def test_annotations_suppress(lint, annotations: str, template: str) -> None:  # type: ignore[no-untyped-def]
    run = lint(manifest(annotations, template))
    report = run.json()
    assert report["findings"] == []
    assert report["summary"]["suppressed"] == 1
    assert run.exit_code == 0


def test_annotation_for_another_rule_does_not_suppress(lint) -> None:  # type: ignore[no-untyped-def]
    run = lint(manifest('{kubelint.io/ignore: "latest-tags"}'))
    assert [f["rule"] for f in run.json()["findings"]] == ["latest-tag"]


@pytest.mark.parametrize(
    "comment",
    [
        "  # kubelint: disable=latest-tag -- pinned by digest in CI",
        "  # kubelint: disable=run-as-root,latest-tag",
    ],
)
def test_comment_on_the_line_suppresses(lint, comment: str) -> None:  # type: ignore[no-untyped-def]
    run = lint(manifest(comment=comment))
    assert run.json()["findings"] == []


def test_comment_on_the_line_above_suppresses(lint) -> None:  # type: ignore[no-untyped-def]
    text = manifest().replace(
        "          image: nginx",
        "          # kubelint: disable=latest-tag -- reviewed\n          image: nginx",
    )
    assert lint(text).json()["findings"] == []


def test_show_suppressed_lists_reason(lint) -> None:  # type: ignore[no-untyped-def]
    run = lint(manifest('{kubelint.io/ignore-latest-tag: "pinned by CI"}'), "--show-suppressed")
    suppressed = run.json()["suppressed"]
    assert len(suppressed) == 1
    assert suppressed[0]["rule"] == "latest-tag"
    assert suppressed[0]["suppression"]["reason"] == "pinned by CI"
    assert suppressed[0]["suppression"]["kind"] == "annotation"


def test_show_suppressed_in_text(lint) -> None:  # type: ignore[no-untyped-def]
    run = lint(
        manifest('{kubelint.io/ignore-latest-tag: "pinned by CI"}'),
        "--show-suppressed",
        "--format",
        "text",
    )
    assert "suppressed" in run.stdout and "pinned by CI" in run.stdout


def test_unused_suppressions_are_reported(lint) -> None:  # type: ignore[no-untyped-def]
    text = manifest('{kubelint.io/ignore-host-network: "node agent"}')
    run = lint(text, "--report-unused-suppressions")
    assert "unused suppression" in run.stderr
    assert "kubelint.io/ignore-host-network" in run.stderr


@pytest.mark.parametrize(
    "annotations",
    [
        '{ignore-check.kube-linter.io/latest-tag: "pinned"}',
        '{polaris.fairwinds.com/tagNotSpecified-exempt: "true"}',
        '{polaris.fairwinds.com/exempt: "true"}',
        '{kube-score/ignore: "container-resources,container-image-tag"}',
        '{checkov.io/skip1: "CKV_K8S_14=pinned by digest"}',
    ],
)
def test_foreign_suppressions(lint, annotations: str) -> None:  # type: ignore[no-untyped-def]
    text = manifest(annotations)
    assert lint(text).json()["findings"] == []
    off = lint(text, "--no-foreign-suppressions")
    assert [f["rule"] for f in off.json()["findings"]] == ["latest-tag"]


def test_config_exemptions_and_expiry(lint, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "k.yaml"
    config.write_text(
        "exemptions:\n"
        "  - rules: [latest-tag]\n"
        "    kind: Deploy*\n"
        "    namespace: shop\n"
        "    name: web\n"
        "    container: web\n"
        "    reason: upstream image has no tags\n"
    )
    run = lint(manifest(), "--config", str(config))
    assert run.json()["findings"] == [] and run.json()["summary"]["suppressed"] == 1
    config.write_text(
        "exemptions:\n"
        "  - rules: [latest-tag]\n"
        "    name: web\n"
        "    reason: temporary\n"
        "    expires: 2020-01-31\n"
    )
    run = lint(manifest(), "--config", str(config))
    assert [f["rule"] for f in run.json()["findings"]] == ["latest-tag"]
    assert "expired" in run.stderr and "2020-01-31" in run.stderr
    config.write_text(
        "exemptions:\n  - rules: [latest-tag]\n    namespace: other\n    reason: not this one\n"
    )
    run = lint(manifest(), "--config", str(config))
    assert [f["rule"] for f in run.json()["findings"]] == ["latest-tag"]


def test_foreign_table_maps_only_existing_rules() -> None:
    from kubelint.suppress import foreign_table

    rules_dir = Path(__file__).resolve().parent.parent / "rules"
    table = foreign_table()
    assert set(table) == {"kube-linter", "polaris", "kube-score", "checkov"}
    unknown = [
        (tool, check, rule)
        for tool, checks in table.items()
        for check, ids in checks.items()
        for rule in ids
        if not (rules_dir / f"{rule}.yaml").is_file()
    ]
    assert unknown == []
