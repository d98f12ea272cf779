"""JUnit XML, GitHub Actions annotations and GitLab Code Quality reports, checked against the
structure their consumers read."""

from __future__ import annotations

import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from kubelint.reporters.github import escape_data, escape_property
from tests.conftest import FIXTURES, run_cli

DEMO = FIXTURES / "demo"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with the demo application under deploy/, linted from deploy/."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    shutil.copytree(DEMO, root / "deploy")
    monkeypatch.chdir(root / "deploy")
    return root


def json_findings(*args: str) -> list[dict[str, Any]]:
    run = run_cli("lint", *args, "--format", "json")
    findings: list[dict[str, Any]] = run.json()["findings"]
    return findings


# -- JUnit ---------------------------------------------------------------------------------


def test_junit_structure(repo: Path) -> None:
    run = run_cli("lint", ".", "--format", "junit")
    assert run.exit_code == 1
    assert run.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(run.stdout.encode("utf-8"))
    findings = json_findings(".")
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    # one testsuite per file
    assert [s.get("name") for s in suites] == sorted(p.name for p in (repo / "deploy").iterdir())
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    failed_cases: set[tuple[str, str]] = set()
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases) > 0
        failures = [c for c in cases if c.find("failure") is not None]
        assert int(suite.get("failures", "-1")) == len(failures)
        if not failures:  # a clean file: one passing case
            assert [c.get("name") for c in cases] == ["no findings"]
        else:
            assert failures == cases
        assert suite.get("errors") == "0" and suite.get("time") is not None
        for key in total:
            total[key] += int(suite.get(key, "0"))
        for case in cases:
            assert case.get("classname") == suite.get("name")
            assert case.get("name")
        for case in failures:
            failure = case.find("failure")
            assert failure is not None
            assert failure.get("type") in ("error", "warning", "info")
            assert failure.get("message")
            # location of every finding in the body, as path:line:col
            assert re.search(rf"^{re.escape(suite.get('name', ''))}:\d+:\d+: ", failure.text or "")
            assert int(case.get("line", "0")) >= 1
            failed_cases.add((suite.get("name", ""), case.get("name", "")))
    for key, value in total.items():
        assert root.get(key) == str(value)
    # one testcase per object and rule with findings
    expected = {
        (
            f["file"],
            f"{f['rule']} {f['object']['kind']} "
            f"{f['object']['namespace'] + '/' if f['object']['namespace'] else ''}"
            f"{f['object']['name']}",
        )
        for f in findings
    }
    assert failed_cases == expected
    assert total["failures"] == len(expected) > 0


def test_junit_groups_findings_of_one_object_and_rule(tmp_path: Path, monkeypatch: Any) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: two\nspec:\n  containers:\n"
        "    - name: a\n      image: nginx\n    - name: b\n      image: redis:latest\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    run = run_cli("lint", "pod.yaml", "--only", "latest-tag", "--format", "junit")
    root = ET.fromstring(run.stdout)
    (suite,) = root.findall("testsuite")
    failing = [c for c in suite.findall("testcase") if c.find("failure") is not None]
    assert len(failing) == 1 and failing[0].get("name") == "latest-tag Pod default/two"
    failure = failing[0].find("failure")
    assert failure is not None and "(+1 more)" in (failure.get("message") or "")
    assert (failure.text or "").count("pod.yaml:") == 2


def test_junit_input_errors_and_control_characters(tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "broken.yaml").write_bytes(b"apiVersion: v1\nkind: ConfigMap\ndata: [\x01\n")
    monkeypatch.chdir(tmp_path)
    run = run_cli("lint", ".", "--format", "junit")
    root = ET.fromstring(run.stdout.encode("utf-8"))  # must stay well-formed XML
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and failure.get("type") == "error"
    assert root.get("failures") == "1"


def test_junit_clean_run(tmp_path: Path, monkeypatch: Any) -> None:
    shutil.copy(FIXTURES / "privileged-container" / "pass-unprivileged.yaml", tmp_path / "ok.yaml")
    monkeypatch.chdir(tmp_path)
    run = run_cli("lint", ".", "--only", "privileged-container", "--format", "junit")
    assert run.exit_code == 0
    root = ET.fromstring(run.stdout)
    assert root.get("failures") == "0" and int(root.get("tests", "0")) >= 1


def test_junit_marks_unlinted_files_skipped(tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "templated.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    root = ET.fromstring(run_cli("lint", ".", "--format", "junit").stdout)
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "templated.yaml" and suite.get("skipped") == "1"
    skipped = suite.find("testcase/skipped")
    assert skipped is not None and "template" in (skipped.get("message") or "")
    assert root.get("skipped") == "1" and root.get("failures") == "0"


# -- GitHub annotations --------------------------------------------------------------------


def test_github_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


ANNOTATION = re.compile(
    r"^::(?P<level>error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$", re.DOTALL
)


def parse_annotation(line: str) -> tuple[str, dict[str, str], str]:
    """Parse a workflow command the way the Actions runner does (split, then unescape)."""
    m = ANNOTATION.match(line)
    assert m, line
    props = {}
    for item in m.group("props").split(","):
        key, _, value = item.partition("=")
        props[key] = (
            value.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
            .replace("%2C", ",").replace("%25", "%")
        )  # fmt: skip
    message = m.group("message").replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    return m.group("level"), props, message


def test_github_annotations(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    run = run_cli("lint", ".", "--format", "github")
    assert run.exit_code == 1
    rank = {"error": 0, "warning": 1, "info": 2}
    # Errors first: GitHub shows only ten annotations of each level.
    findings = sorted(json_findings("."), key=lambda f: rank[f["severity"]])
    lines = run.stdout.splitlines()
    warnings = sum(1 for f in findings if f["severity"] == "warning")
    assert warnings > 10
    # one command per finding, a notice about the annotations GitHub hides, the summary line
    assert len(lines) == len(findings) + 2
    assert lines[-2] == (
        "::notice title=kubelint::GitHub shows 10 annotations of each level; "
        f"{warnings - 10} warning more are in the job log and the SARIF/JSON reports"
    )
    assert "error" in lines[-1] and "warning" in lines[-1]
    levels = {"error": "error", "warning": "warning", "info": "notice"}
    for line, f in zip(lines, findings, strict=False):
        level, props, message = parse_annotation(line)
        assert level == levels[f["severity"]]
        assert props["file"] == "deploy/" + f["file"]  # relative to the repository root
        assert props["line"] == str(f["line"]) and props["col"] == str(f["column"])
        assert props["title"] == f"kubelint {f['rule']}"
        assert message == f["message"]


def test_github_annotation_escapes_file_names(tmp_path: Path, monkeypatch: Any) -> None:
    name = "a,b:c%.yaml"
    shutil.copy(FIXTURES / "privileged-container" / "fail-privileged.yaml", tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    run = run_cli("lint", name, "--only", "privileged-container", "--format", "github")
    first = run.stdout.splitlines()[0]
    assert "file=a%2Cb%3Ac%25.yaml," in first
    _, props, _ = parse_annotation(first)
    assert props["file"] == name


def test_github_step_summary(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = repo / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run_cli("lint", ".", "--format", "github")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### kubelint\n")  # appended, not overwritten
    findings = json_findings(".")
    rows = [r for r in text.splitlines() if r.startswith("| ") and ".yaml:" in r]
    assert len(rows) == len(findings)
    assert all(r.count(" | ") == 3 for r in rows)  # no stray pipes from messages
    assert "| severity | rule | location | message |" in text


def test_github_step_summary_is_only_written_when_set(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    run = run_cli("lint", ".", "--format", "github")
    assert "### kubelint" not in run.stdout
    assert not list(repo.rglob("*.md"))


# -- GitLab Code Quality -------------------------------------------------------------------

CODE_QUALITY_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def assert_code_quality(issues: Any) -> None:
    """The fields GitLab documents for a Code Quality report ("Code Quality report format"):
    description, check_name, fingerprint, severity, location.path, location.lines.begin."""
    assert isinstance(issues, list)
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["check_name"], str) and issue["check_name"]
        assert isinstance(issue["fingerprint"], str) and issue["fingerprint"]
        assert issue["severity"] in CODE_QUALITY_SEVERITIES
        path = issue["location"]["path"]
        assert isinstance(path, str) and not path.startswith(("/", "./")) and ".." not in path
        begin = issue["location"]["lines"]["begin"]
        assert isinstance(begin, int) and begin >= 1
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(fingerprints) == len(set(fingerprints)), "fingerprints must be unique"


def test_gitlab_code_quality(repo: Path) -> None:
    run = run_cli("lint", ".", "--format", "gitlab")
    assert run.exit_code == 1
    issues = json.loads(run.stdout)
    assert_code_quality(issues)
    findings = json_findings(".")
    located = [
        (i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues
    ]
    assert located == [(f["rule"], "deploy/" + f["file"], f["line"]) for f in findings]
    by_rule = {i["check_name"]: i["severity"] for i in issues}
    assert by_rule["privileged-container"] == "blocker"  # security error, security-severity 9.0
    assert by_rule["latest-tag"] == "minor"  # warning


def test_gitlab_fingerprints_unique_and_stable(tmp_path: Path, monkeypatch: Any) -> None:
    for env in ("dev", "prod"):
        shutil.copytree(DEMO, tmp_path / env)
    monkeypatch.chdir(tmp_path)
    first = json.loads(run_cli("lint", ".", "--format", "gitlab").stdout)
    assert_code_quality(first)
    moved = tmp_path / "dev" / "deployment.yaml"
    moved.write_text("\n\n" + moved.read_text(encoding="utf-8"), encoding="utf-8")
    second = json.loads(run_cli("lint", ".", "--format", "gitlab").stdout)
    assert {i["fingerprint"] for i in first} == {i["fingerprint"] for i in second}


def test_gitlab_severity_mapping() -> None:
    from kubelint.findings import Severity
    from kubelint.reporters.gitlab import code_quality_severity

    assert code_quality_severity(Severity.INFO, None) == "info"
    assert code_quality_severity(Severity.WARNING, None) == "minor"
    assert code_quality_severity(Severity.ERROR, None) == "major"


def test_gitlab_clean_is_empty_array(tmp_path: Path, monkeypatch: Any) -> None:
    shutil.copy(FIXTURES / "privileged-container" / "pass-unprivileged.yaml", tmp_path / "ok.yaml")
    monkeypatch.chdir(tmp_path)
    run = run_cli("lint", ".", "--only", "privileged-container", "--format", "gitlab")
    assert run.exit_code == 0 and json.loads(run.stdout) == []


class _Tag(str):
    pass


@pytest.mark.parametrize(
    "data",
    [
        {},
        [],
        {"a": [], "b": {}, "c": [{}], "d": [[]]},
        {"findings": [{"rule": "r", "line": 3, "ok": True, "no": False, "x": None}]},
        {"text": 'quote " back \\ newline \n tab \t ctl \x01 é 😀 \u2028', "n": -0, "big": 2**70},
        {"f": [0.1, 1e300, -2.5, float("nan"), float("inf"), -float("inf")]},
        {7: "int key", 2.5: "float key", True: "t", False: "f", None: "n"},
        ("tuple", ["nested", ("deep", {"k": (1, 2)})]),
        "a string",
        42,
        None,
        {"subclass": _Tag("kept as json.dump renders it")},
    ],
)
def test_json_writer_matches_json_dump(data: Any) -> None:
    """The reporters' JSON writer gives json.dump(indent=2, ensure_ascii=False)'s exact text."""
    from kubelint.reporters import _jsontext

    out = io.StringIO()
    _jsontext.dump(data, out)
    assert out.getvalue() == json.dumps(data, indent=2, ensure_ascii=False)


def test_json_writer_errors_as_json_dump() -> None:
    from kubelint.reporters import _jsontext

    cyclic: list[Any] = []
    cyclic.append(cyclic)
    for bad in ({"x": object()}, {(1, 2): "tuple key"}, cyclic):
        with pytest.raises((TypeError, ValueError)) as ours:
            _jsontext.dump(bad, io.StringIO())
        with pytest.raises((TypeError, ValueError)) as theirs:
            json.dumps(bad, indent=2, ensure_ascii=False)
        assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))
