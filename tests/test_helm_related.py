"""Values as related locations: a finding whose value a `.Values` expression wrote names the
values-file line that sets it, in the JSON report, SARIF `relatedLocations` and text output."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from tests.conftest import ROOT, run_cli
from tests.helm_support import CHARTS, Helm
from tests.test_reporters_sarif import assert_valid

SHOP = (CHARTS / "shop").relative_to(ROOT).as_posix()
PROD = "fixtures/helm/values/shop-prod.yaml"
REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())


def _json(*args: str, input: str | None = None) -> dict[str, Any]:
    run = run_cli(
        "lint", "--no-config", "--format", "json", "--fail-on", "never", *args, input=input
    )
    assert run.exit_code == 0, run.stderr
    report: dict[str, Any] = run.json()
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)
    return report


def _related(report: dict[str, Any]) -> dict[tuple[str, int, str], list[tuple[str, int, int]]]:
    return {
        (f["file"], f["line"], f["rule"]): [
            (r["file"], r["line"], r["column"]) for r in f["related"]
        ]
        for f in report["findings"]
    }


def test_values_lines_are_related_locations(helm: Helm, in_root: None) -> None:
    report = _json(
        "--helm", SHOP, "--helm-bin", helm.path,
        "--only", "privileged-container", "--only", "host-network", "--only", "host-pid",
        "--only", "dangerous-capability",
    )  # fmt: skip
    values = f"{SHOP}/values.yaml"
    assert _related(report) == {
        # `hostNetwork: {{ .Values.web.hostNetwork }}`
        (f"{SHOP}/templates/deployment.yaml", 21, "host-network"): [(values, 6, 3)],
        # `{{- toYaml .Values.securityContext | nindent 12 }}`: the key inside the block
        (f"{SHOP}/templates/deployment.yaml", 28, "privileged-container"): [(values, 8, 3)],
        # the aliased subchart's value, set in the parent's values under the alias
        (f"{SHOP}/charts/cache/templates/statefulset.yaml", 15, "host-pid"): [(values, 53, 3)],
        # literal in the template: nothing related
        (f"{SHOP}/templates/daemonset.yaml", 27, "dangerous-capability"): [],
        (f"{SHOP}/templates/daemonset.yaml", 28, "dangerous-capability"): [],
    }
    f = next(f for f in report["findings"] if f["rule"] == "privileged-container")
    assert f["related"][0]["message"] == (
        "the value comes from .Values.securityContext.privileged here"
    )


def test_the_winning_values_file_is_named(helm: Helm, in_root: None) -> None:
    report = _json(
        "--helm", SHOP, "--helm-bin", helm.path, "-f", PROD, "--only", "latest-tag",
        "--only", "host-pid",
    )  # fmt: skip
    related = _related(report)
    assert related[(f"{SHOP}/templates/deployment.yaml", 26, "latest-tag")] == [
        (f"{SHOP}/values.yaml", 3, 3),  # .Values.image.repository: only the chart sets it
        (PROD, 3, 3),  # .Values.image.tag: -f wins
    ]
    assert related[(f"{SHOP}/charts/cache/templates/statefulset.yaml", 15, "host-pid")] == [
        (PROD, 5, 3)
    ]
    # --set wins over every file: no file is named for that key
    report = _json(
        "--helm", SHOP, "--helm-bin", helm.path, "-f", PROD, "--set", "image.tag=latest",
        "--only", "latest-tag",
    )  # fmt: skip
    assert _related(report)[(f"{SHOP}/templates/deployment.yaml", 26, "latest-tag")] == [
        (f"{SHOP}/values.yaml", 3, 3)
    ]


def test_piped_output_reproduced_by_the_defaults_names_values_yaml(
    helm: Helm, in_root: None
) -> None:
    rendered = helm.template("rel", SHOP)
    report = _json(
        "-", "--chart-dir", SHOP, "--helm-bin", helm.path, "--only", "host-network",
        input=rendered,
    )  # fmt: skip
    assert _related(report) == {
        (f"{SHOP}/templates/deployment.yaml", 21, "host-network"): [(f"{SHOP}/values.yaml", 6, 3)]
    }


def test_sarif_related_locations(helm: Helm, in_root: None) -> None:
    run = run_cli(
        "lint", "--no-config", "--helm", SHOP, "--helm-bin", helm.path, "--format", "sarif",
        "--only", "host-network", "--only", "latest-tag",
    )  # fmt: skip
    log = json.loads(run.stdout)
    assert_valid(log)
    results = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        ): r
        for r in log["runs"][0]["results"]
    }
    host = results[(f"{SHOP}/templates/deployment.yaml", 21)]
    assert host["relatedLocations"] == [
        {
            "id": 0,
            "physicalLocation": {
                "artifactLocation": {"uri": f"{SHOP}/values.yaml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 6, "startColumn": 3},
            },
            "message": {"text": "the value comes from .Values.web.hostNetwork here"},
        }
    ]
    literal = results[(f"{SHOP}/templates/deployment.yaml", 40)]  # image in a named template
    assert "relatedLocations" not in literal


def test_text_output_shows_the_related_line_under_the_finding(helm: Helm, in_root: None) -> None:
    run = run_cli(
        "lint", "--no-config", "--helm", SHOP, "--helm-bin", helm.path, "--only", "host-network",
    )  # fmt: skip
    assert run.exit_code == 1
    assert run.stdout.splitlines()[:2] == [
        f"{SHOP}/templates/deployment.yaml:21:20: error host-network pod of Deployment "
        '"release-name-shop" uses the host network (hostNetwork: true)',
        f"  {SHOP}/values.yaml:6:3: the value comes from .Values.web.hostNetwork here",
    ]


def test_full_layout_shows_the_related_line_after_the_snippet(helm: Helm, in_root: None) -> None:
    run = run_cli(
        "lint", "--no-config", "--helm", SHOP, "--helm-bin", helm.path, "--only", "host-network",
        "--format", "full", env={"COLUMNS": "200"},
    )  # fmt: skip
    lines = run.stdout.splitlines()
    snippet = next(n for n, line in enumerate(lines) if line.startswith("      21 | "))
    assert set(lines[snippet + 1]) == {" ", "^"}
    assert lines[snippet + 2] == (
        f"  {SHOP}/values.yaml:6:3: the value comes from .Values.web.hostNetwork here"
    )
