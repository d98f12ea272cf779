"""SARIF reports: valid against the official OASIS schema for every fixture case, meeting GitHub
code scanning's requirements, and with fingerprints that are byte-stable across runs and line
moves."""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kubelint.catalog import RuleSpec
from tests.conftest import FIXTURES, ROOT, case_args, run_cli

SCHEMA_FILE = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
CASES = sorted(
    case
    for case in FIXTURES.glob("*/*")
    if case.name.startswith(("pass-", "fail-")) and case.suffix != ".expect"
)


@cache
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def assert_valid(log: Any) -> None:
    errors = sorted(validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10]
    )


@cache
def rule_catalog() -> dict[str, RuleSpec]:
    from kubelint.cli import _catalog

    return _catalog(no_plugins=True).rules


def assert_github_ready(log: dict[str, Any]) -> None:
    """What GitHub code scanning needs beyond the schema (docs: 'SARIF support for code
    scanning'), plus kubelint's own contract (design.md, SARIF)."""
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "kubelint"
    assert driver["semanticVersion"] and driver["informationUri"].startswith("https://")
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["automationDetails"]["id"].startswith("kubelint")
    assert "results" in run, "results must be present, [] when clean"
    catalog = rule_catalog()
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        props = rule["properties"]
        assert props["tags"] and props["precision"] in ("very-high", "high", "medium", "low")
        spec = catalog[rule["id"]]
        assert rule["shortDescription"]["text"] == spec.summary
        assert spec.why in rule["help"]["markdown"] and spec.remediation in rule["help"]["text"]
        if "security" in spec.tags:
            score = float(props["security-severity"])
            assert 0.0 <= score <= 10.0
        else:
            assert "security-severity" not in props
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not uri.startswith(("/", "file:")) and ".." not in uri.split("/"), uri
        assert physical["region"]["startLine"] >= 1
        assert physical["region"]["startColumn"] >= 1
        assert len(result["partialFingerprints"]["kubelint/v1"]) == 32
    fingerprints = [r["partialFingerprints"]["kubelint/v1"] for r in run["results"]]
    assert len(fingerprints) == len(set(fingerprints))


def sarif_and_json(tmp_path: Path, *args: str) -> tuple[dict[str, Any], dict[str, Any]]:
    report = tmp_path / "report.json"
    run = run_cli("lint", *args, "--format", "sarif", "--report", f"json={report}")
    assert run.exit_code in (0, 1), run.stderr
    return json.loads(run.stdout), json.loads(report.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.parent.name}/{c.name}")
def test_sarif_of_every_fixture_is_valid(case: Path, in_root: Path, tmp_path: Path) -> None:
    args = [case.relative_to(ROOT).as_posix(), *case_args(case)]
    if (ROOT / "rules" / f"{case.parent.name}.yaml").exists():
        args += ["--enable", case.parent.name]  # opt-in rules too
    log, report = sarif_and_json(tmp_path, *args)
    assert_valid(log)
    assert_github_ready(log)
    results = log["runs"][0]["results"]
    located = [
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["ruleId"],
        )
        for r in results
    ]
    expected = [(f["file"], max(1, f["line"]), f["rule"]) for f in report["findings"]]
    assert located == expected  # cwd is the repository root here
    if case.name.startswith("fail-"):
        assert results, "a fail fixture must produce SARIF results"


def test_clean_run_has_empty_results(in_root: Path, tmp_path: Path) -> None:
    case = FIXTURES / "privileged-container" / "pass-unprivileged.yaml"
    log, report = sarif_and_json(tmp_path, str(case.relative_to(ROOT)), "--only", "host-network")
    assert report["findings"] == []
    assert_valid(log)
    assert log["runs"][0]["results"] == []
    assert [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]] == sorted(
        {"host-network", "duplicate-key", "input-limit", "invalid-object", "yaml-syntax-error"}
    )


def test_rule_metadata_for_github(in_root: Path) -> None:
    run = run_cli("lint", "fixtures/demo", "--format", "sarif")
    rules = {r["id"]: r for r in run.json()["runs"][0]["tool"]["driver"]["rules"]}
    privileged = rules["privileged-container"]
    assert privileged["properties"]["security-severity"] == "9.0"
    assert "security" in privileged["properties"]["tags"]
    assert privileged["defaultConfiguration"]["level"] == "error"
    assert "```yaml" in privileged["help"]["markdown"]  # example and fix from the rule docs
    assert "security-severity" not in rules["missing-liveness-probe"]["properties"]
    assert rules["service-selects-nothing"]["properties"]["precision"] == "high"


def test_paths_are_relative_to_the_repository_root(tmp_path: Path, monkeypatch: Any) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "deploy" / "apps").mkdir(parents=True)
    shutil.copy(FIXTURES / "demo" / "deployment.yaml", repo / "deploy" / "apps" / "web app.yaml")
    monkeypatch.chdir(repo / "deploy")
    run = run_cli("lint", "apps", "--format", "sarif")
    log = run.json()
    assert_valid(log)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {"deploy/apps/web%20app.yaml"}
    base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == repo.resolve().as_uri() + "/"


def test_stdin_and_files_outside_the_repository(tmp_path: Path, monkeypatch: Any) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    outside = tmp_path / "elsewhere" / "pod.yaml"
    outside.parent.mkdir()
    shutil.copy(FIXTURES / "privileged-container" / "fail-privileged.yaml", outside)
    monkeypatch.chdir(repo)
    text = outside.read_text(encoding="utf-8")
    only = ("--only", "privileged-container")
    run = run_cli("lint", "-", str(outside), *only, "--format", "sarif", input=text)
    log = run.json()
    assert_valid(log)
    locations = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["locations"][0][
            "physicalLocation"
        ]["artifactLocation"].get("uriBaseId")
        for r in log["runs"][0]["results"]
    }
    assert locations == {"-": None, outside.resolve().as_uri(): None}
    named = run_cli(
        "lint", "-", *only, "--stdin-filename", "r.yaml", "--format", "sarif", input=text
    )
    results = named.json()["runs"][0]["results"]
    assert results
    for result in results:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location == {"uri": "r.yaml", "uriBaseId": "%SRCROOT%"}


def _fingerprints(log: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (r["ruleId"], r["message"]["text"]): r["partialFingerprints"]["kubelint/v1"]
        for r in log["runs"][0]["results"]
    }


def test_fingerprints_stable_across_runs_and_line_moves(tmp_path: Path, monkeypatch: Any) -> None:
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "demo", app)
    monkeypatch.chdir(tmp_path)
    first = run_cli("lint", "app", "--format", "sarif")
    second = run_cli("lint", "app", "--format", "sarif")
    assert first.stdout.encode() == second.stdout.encode()
    before = first.json()
    deployment = app / "deployment.yaml"
    deployment.write_text("\n\n\n" + deployment.read_text(encoding="utf-8"), encoding="utf-8")
    after = run_cli("lint", "app", "--format", "sarif").json()
    assert _fingerprints(before) == _fingerprints(after)
    assert len(_fingerprints(before)) == len(before["runs"][0]["results"]) > 0

    def lines(log: dict[str, Any]) -> dict[str, int]:
        return {
            r["partialFingerprints"]["kubelint/v1"]: r["locations"][0]["physicalLocation"][
                "region"
            ]["startLine"]
            for r in log["runs"][0]["results"]
            if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "app/deployment.yaml"
        }

    moved_before, moved_after = lines(before), lines(after)
    assert moved_before and {fp: n + 3 for fp, n in moved_before.items()} == moved_after


def test_identical_objects_in_two_files_get_distinct_fingerprints(
    tmp_path: Path, monkeypatch: Any
) -> None:
    for env in ("dev", "prod"):
        (tmp_path / env).mkdir()
        shutil.copy(FIXTURES / "demo" / "deployment.yaml", tmp_path / env / "deployment.yaml")
    monkeypatch.chdir(tmp_path)
    log = run_cli("lint", "dev", "prod", "--format", "sarif").json()
    assert_valid(log)
    fps = [r["partialFingerprints"]["kubelint/v1"] for r in log["runs"][0]["results"]]
    assert len(fps) == len(set(fps)) > 0


def test_rule_errors_are_execution_notifications(in_root: Path) -> None:
    from kubelint.findings import RunResult
    from kubelint.reporters._ci import RepoPaths
    from kubelint.reporters.sarif import sarif_log

    error = "rule latest-tag raised KeyError: 'image' on Deployment shop/web in deploy/web.yaml"
    log = sarif_log(RunResult(errors=[error]), RepoPaths.current())
    assert_valid(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"] == [
        {"message": {"text": error}, "level": "error"}
    ]
    assert log["runs"][0]["results"] == []
    clean = sarif_log(RunResult(), RepoPaths.current())
    assert clean["runs"][0]["invocations"] == [{"executionSuccessful": True}]
