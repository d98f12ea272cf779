"""The command line as a user sees it: exit codes, messages, report shapes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from kubelint import __version__
from tests.conftest import ROOT, run_cli
from tests.helpers import POD, write

REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())


def test_version() -> None:
    run = run_cli("--version")
    assert run.exit_code == 0
    assert run.stdout.strip() == f"kubelint {__version__}"


def test_plain_text_lines_and_summary(tmp_path: Path) -> None:
    path = write(tmp_path, "pod.yaml", POD)
    run = run_cli("lint", str(path), "--only", "latest-tag")
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert lines[0] == (
        f'{path.as_posix()}:8:14: warning latest-tag container "web" image "nginx" has no tag '
        "(resolves to docker.io/library/nginx:latest)"
    )
    assert lines[-1] == "0 errors, 1 warning, 0 info in 1 object from 1 file"


def test_json_report_matches_schema_and_contract(tmp_path: Path) -> None:
    write(tmp_path, "pod.yaml", POD)
    write(tmp_path, "notes/values.yaml", "replicaCount: 2\n")
    run = run_cli("lint", str(tmp_path), "--format", "json")
    assert run.exit_code == 1
    report = run.json()
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)
    assert report["tool"] == {"name": "kubelint", "version": __version__}
    latest = next(f for f in report["findings"] if f["rule"] == "latest-tag")
    assert latest["object"] == {
        "apiVersion": "v1",
        "kind": "Pod",
        "namespace": "default",
        "name": "web",
    }
    assert latest["container"] == "web"
    assert latest["path"] == "/spec/containers/0/image"
    assert (latest["line"], latest["column"]) == (8, 14)
    assert report["summary"]["files"] == 2
    assert report["summary"]["objects"] == 1
    assert report["summary"]["skipped_documents"] == 1
    keys = [(f["file"], f["line"], f["column"], f["rule"]) for f in report["findings"]]
    assert keys == sorted(keys)


def test_fail_on_thresholds(tmp_path: Path) -> None:
    path = write(tmp_path, "pod.yaml", POD)
    args = ("lint", str(path), "--only", "latest-tag")
    assert run_cli(*args).exit_code == 1
    assert run_cli(*args, "--fail-on", "warning").exit_code == 1
    assert run_cli(*args, "--fail-on", "info").exit_code == 1
    assert run_cli(*args, "--fail-on", "error").exit_code == 0
    assert run_cli(*args, "--fail-on", "never").exit_code == 0


def test_clean_input_exits_zero(tmp_path: Path) -> None:
    path = write(tmp_path, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    run = run_cli("lint", str(path))
    assert run.exit_code == 0
    assert run.stdout.strip() == "0 errors, 0 warnings, 0 info in 1 object from 1 file"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "latest-tags"], 'unknown rule "latest-tags" (did you mean "latest-tag"?)'),
        (
            ["--enable", "host-networks"],
            'unknown rule "host-networks" (did you mean "host-network"?)',
        ),
        (["--format", "jsno"], 'unknown format "jsno" (did you mean "json"?)'),
        (["--profile", "nosuch"], 'unknown profile "nosuch"'),
        (["--fail-on", "warn"], "--fail-on must be one of"),
        (["--kubernetes-version", "one"], 'invalid Kubernetes version "one"'),
        (["--report", "json"], "--report expects FORMAT=PATH"),
    ],
)
def test_usage_errors_exit_2_with_suggestion(tmp_path: Path, args: list[str], message: str) -> None:
    path = write(tmp_path, "pod.yaml", POD)
    run = run_cli("lint", str(path), *args)
    assert run.exit_code == 2
    assert message in run.stderr
    assert run.stdout == ""


def test_missing_path_is_exit_2_but_the_rest_is_linted(tmp_path: Path) -> None:
    path = write(tmp_path, "pod.yaml", POD)
    run = run_cli("lint", str(path), str(tmp_path / "missing.yaml"), "--format", "json")
    assert run.exit_code == 2
    assert "missing.yaml: no such file or directory" in run.stderr
    assert any(f["rule"] == "latest-tag" for f in run.json()["findings"])


def test_syntax_error_is_a_finding_not_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "a: [1\n---\n" + POD)
    run = run_cli("lint", str(path), "--format", "json", "--only", "latest-tag")
    assert run.exit_code == 1
    rules = sorted(f["rule"] for f in run.json()["findings"])
    assert rules == ["latest-tag", "yaml-syntax-error"]


def test_stdin_with_filename() -> None:
    run = run_cli(
        "lint", "-", "--stdin-filename", "rendered.yaml", "--only", "latest-tag", input=POD
    )
    assert run.exit_code == 1
    assert run.stdout.startswith("rendered.yaml:8:14: warning latest-tag")
    run = run_cli("lint", "-", "--only", "latest-tag", input=POD)
    assert run.stdout.startswith("-:8:14: warning latest-tag")


def test_report_files_in_the_same_run(tmp_path: Path) -> None:
    path = write(tmp_path, "pod.yaml", POD)
    out = tmp_path / "report.json"
    run = run_cli("lint", str(path), "--only", "latest-tag", "--report", f"json={out}")
    assert run.exit_code == 1
    assert "latest-tag" in run.stdout
    assert json.loads(out.read_text())["findings"][0]["rule"] == "latest-tag"


def test_list_expansion_positions(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - apiVersion: v1\n    kind: Pod\n    metadata: {name: a}\n"
        "    spec:\n      containers:\n        - {name: a, image: nginx}\n"
    )
    path = write(tmp_path, "list.yaml", text)
    run = run_cli("lint", str(path), "--only", "latest-tag", "--format", "json")
    finding = run.json()["findings"][0]
    assert (finding["line"], finding["column"]) == (9, 28)
    assert finding["path"] == "/spec/containers/0/image"
    assert finding["object"]["name"] == "a"


def test_json_input_file(tmp_path: Path) -> None:
    text = json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "a"},
            "spec": {"containers": [{"name": "a", "image": "nginx"}]},
        },
        indent=2,
    )
    path = write(tmp_path, "pod.json", text)
    run = run_cli("lint", str(path), "--only", "latest-tag", "--format", "json")
    finding = run.json()["findings"][0]
    lines = text.splitlines()
    assert lines[finding["line"] - 1][finding["column"] - 1 :].startswith('"nginx"')


def test_rules_and_explain() -> None:
    run = run_cli("rules")
    assert run.exit_code == 0
    assert any(line.startswith("latest-tag ") for line in run.stdout.splitlines())
    data = json.loads(run_cli("rules", "--format", "json").stdout)
    assert {"id", "category", "severity", "default", "summary"} <= set(data[0])
    run = run_cli("explain", "latest-tag")
    assert run.exit_code == 0
    assert "Why" in run.stdout and "References" in run.stdout
    run = run_cli("explain", "latest-tags")
    assert run.exit_code == 2 and 'did you mean "latest-tag"' in run.stderr


def test_verbose_lists_skipped(tmp_path: Path) -> None:
    write(tmp_path, "ci.yaml", "on: push\njobs: {}\n")
    write(tmp_path, "chart/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n")
    write(tmp_path, "chart/templates/d.yaml", "kind: {{ .Values.kind }}\n")
    run = run_cli("lint", str(tmp_path), "--verbose")
    assert run.exit_code == 0
    assert "ci.yaml:1: no apiVersion or kind" in run.stderr
    assert "Chart.yaml: Helm chart metadata" in run.stderr
    assert "templates/d.yaml: Helm chart template" in run.stderr


def test_go_template_file_outside_a_chart_is_skipped(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{name}}\n"
    write(tmp_path, "svc-template.yaml", text)
    run = run_cli("lint", str(tmp_path), "--verbose", "--format", "json")
    assert run.json()["findings"] == []
    assert "Go template syntax" in run.stderr


def test_plugins_command() -> None:
    run = run_cli("plugins")
    assert run.exit_code == 0
    assert "kubelint.builtin" in run.stdout


def test_demo_app_findings(in_root: Path) -> None:
    run = run_cli("lint", "fixtures/demo", "--format", "json")
    assert run.exit_code == 1
    rules = {f["rule"] for f in run.json()["findings"]}
    assert {"latest-tag", "privileged-container", "rbac-wildcard"} <= rules
