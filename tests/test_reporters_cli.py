"""Exit codes (--fail-on, --exit-zero, --fail-if-empty), several reports in one run, and
reports on stdout that stay clean while logs go to stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kubelint.catalog import RuleSpec
from kubelint.findings import Severity
from tests.conftest import FIXTURES, ROOT, run_cli
from tests.helpers import run_kubelint

FAIL_ON = ("error", "warning", "info", "never")
FORMATS = ("text", "json", "sarif", "junit", "github", "gitlab")


def example_rule(severity: Severity) -> RuleSpec | None:
    """A rule of this severity whose documented example triggers it (tested by test_meta)."""
    from kubelint.cli import _catalog

    specs = sorted(_catalog(no_plugins=True).rules.values(), key=lambda s: s.id)
    return next((s for s in specs if s.severity is severity and s.example), None)


@pytest.mark.parametrize("fail_on", FAIL_ON)
@pytest.mark.parametrize("severity", list(Severity), ids=lambda s: s.value)
def test_fail_on_thresholds(severity: Severity, fail_on: str, tmp_path: Path) -> None:
    spec = example_rule(severity)
    if spec is None:
        pytest.skip(f"no {severity.value} rule with an example in the catalogue")
    manifest = tmp_path / "example.yaml"
    manifest.write_text(spec.example or "", encoding="utf-8")
    base = ["lint", str(manifest), "--only", spec.id, "--fail-on", fail_on, "--format", "json"]
    run = run_cli(*base)
    assert {f["severity"] for f in run.json()["findings"]} == {severity.value}
    fails = fail_on != "never" and severity.rank >= Severity(fail_on).rank
    assert run.exit_code == (1 if fails else 0), run.stderr
    assert run_cli(*base, "--exit-zero").exit_code == 0


@pytest.mark.parametrize("fail_on", FAIL_ON)
def test_clean_input_exits_zero(fail_on: str, in_root: Path) -> None:
    case = "fixtures/privileged-container/pass-unprivileged.yaml"
    run = run_cli("lint", case, "--only", "privileged-container", "--fail-on", fail_on)
    assert run.exit_code == 0, run.stdout + run.stderr


def test_default_threshold_is_warning(in_root: Path) -> None:
    assert (
        run_cli("lint", "fixtures/latest-tag/fail-latest.yaml", "--only", "latest-tag").exit_code
        == 1
    )


def test_invalid_fail_on_is_a_usage_error(in_root: Path) -> None:
    run = run_cli("lint", "fixtures/demo", "--fail-on", "warnings")
    assert run.exit_code == 2 and 'did you mean "warning"' in run.stderr


def test_tool_errors_exit_2_even_with_exit_zero(in_root: Path) -> None:
    run = run_cli("lint", "fixtures/demo", "missing.yaml", "--exit-zero", "--fail-on", "never")
    assert run.exit_code == 2
    assert "missing.yaml" in run.stderr


def test_fail_if_empty(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("replicaCount: 2\n", encoding="utf-8")
    empty = tmp_path / "nothing"
    empty.mkdir()
    for target in (str(tmp_path / "values.yaml"), str(empty)):
        assert run_cli("lint", target).exit_code == 0
        run = run_cli("lint", target, "--fail-if-empty", "--exit-zero")
        assert run.exit_code == 2
        assert "no Kubernetes objects" in run.stderr
    ok = FIXTURES / "privileged-container" / "pass-unprivileged.yaml"
    assert (
        run_cli("lint", str(ok), "--fail-if-empty", "--only", "privileged-container").exit_code == 0
    )
    bad = FIXTURES / "privileged-container" / "fail-privileged.yaml"
    assert (
        run_cli("lint", str(bad), "--fail-if-empty", "--only", "privileged-container").exit_code
        == 1
    )


def test_several_reports_in_one_run(in_root: Path, tmp_path: Path) -> None:
    out = {fmt: tmp_path / f"report.{fmt}" for fmt in FORMATS}
    args = [a for fmt, path in out.items() for a in ("--report", f"{fmt}={path}")]
    run = run_cli("lint", "fixtures/demo", "--format", "sarif", *args)
    assert run.exit_code == 1
    findings = json.loads(out["json"].read_text(encoding="utf-8"))["findings"]
    assert json.loads(run.stdout) == json.loads(out["sarif"].read_text(encoding="utf-8"))
    assert len(json.loads(out["gitlab"].read_text(encoding="utf-8"))) == len(findings)
    assert ET.parse(out["junit"]).getroot().tag == "testsuites"
    assert out["github"].read_text(encoding="utf-8").startswith("::")
    text = out["text"].read_text(encoding="utf-8").splitlines()
    assert len(text) == len(findings) + 1  # one line per finding plus the summary line


def test_text_is_one_line_per_finding_with_summary(in_root: Path) -> None:
    run = run_cli("lint", "fixtures/demo", env={"NO_COLOR": "1"})
    findings = run_cli("lint", "fixtures/demo", "--format", "json").json()["findings"]
    lines = run.stdout.splitlines()
    assert len(lines) == len(findings) + 1
    for line, f in zip(lines, findings, strict=False):
        assert line.startswith(
            f"{f['file']}:{f['line']}:{f['column']}: {f['severity']} {f['rule']} "
        )
    assert lines[-1].startswith("1 error, 15 warnings, 0 info in 9 objects from 5 files")
    # fixable findings are marked as ruff does, and the summary counts them
    fixable = [f for f in findings if f["fix"] is not None and f["fix"]["safe"]]
    assert sum(" [*] " in line for line in lines) == len(fixable) > 0
    assert lines[-1].endswith(
        f"; {len(fixable)} fixable with `kubelint fix`, 5 more with `kubelint fix --unsafe-fixes`"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_stdout_report_is_clean_with_warnings_on_stderr(fmt: str, tmp_path: Path) -> None:
    """Run the real program: notices, skipped files and I/O errors go to stderr only."""
    (tmp_path / "app.yaml").write_bytes((FIXTURES / "demo" / "deployment.yaml").read_bytes())
    (tmp_path / "templated.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
        encoding="utf-8",
    )
    proc = run_kubelint(
        *("lint", ".", "missing.yaml", "-v", "--format", fmt),
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT)},
        without=["GITHUB_"],
        module="kubelint.cli",
    )
    assert proc.returncode == 2  # the missing file is an I/O error
    assert "missing.yaml" in proc.stderr and "templated.yaml" in proc.stderr
    assert "skipped templated.yaml" not in proc.stdout
    # The report itself records that the run failed, naming the missing path.
    if fmt == "json":
        assert json.loads(proc.stdout)["errors"] == [
            {"message": "missing.yaml: no such file or directory"}
        ]
    elif fmt == "sarif":
        (invocation,) = json.loads(proc.stdout)["runs"][0]["invocations"]
        assert invocation["executionSuccessful"] is False
        assert "missing.yaml" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    elif fmt == "gitlab":
        blocker = json.loads(proc.stdout)[0]
        assert blocker["severity"] == "blocker" and blocker["location"]["path"] == "missing.yaml"
    elif fmt == "junit":
        root = ET.fromstring(proc.stdout.encode("utf-8"))
        assert root.get("errors") == "1"
        assert "missing.yaml" in (root.find(".//error").get("message") or "")  # type: ignore[union-attr]
    elif fmt == "github":
        lines = proc.stdout.splitlines()
        assert all(line.startswith("::") for line in lines[:-1])
        assert lines[0].startswith("::error title=kubelint error::missing.yaml")
    else:
        *lines, summary = proc.stdout.splitlines()
        assert lines and all(line.startswith("app.yaml:") for line in lines)
        assert "1 skipped" in summary and "run FAILED: 1 error" in summary
        assert "missing.yaml" not in proc.stdout


def test_github_action_runs_kubelint_with_sarif(in_root: Path, tmp_path: Path) -> None:
    """action.yml's inputs, and its lint step run by bash as the Actions runner does."""
    from ruamel.yaml import YAML

    action = YAML(typ="safe").load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert {"paths", "profile", "fail-on", "args", "sarif-file"} <= set(action["inputs"])
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "lint"]
    outputs = tmp_path / "github-output"
    outputs.write_text("", encoding="utf-8")
    sarif = tmp_path / "kubelint.sarif"
    kubelint = Path(sys.executable).with_name("kubelint")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(
        KUBELINT=str(kubelint),
        INPUT_PATHS="fixtures/demo\nfixtures/latest-tag/fail-latest.yaml",
        INPUT_PROFILE="default,",
        INPUT_FAIL_ON="error",
        INPUT_ARGS="--only privileged-container --only latest-tag",
        INPUT_SARIF_FILE=str(sarif),
        INPUT_ANNOTATIONS="true",
        GITHUB_OUTPUT=str(outputs),
    )
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr  # an error finding with fail-on: error
    assert "exit-code=1" in outputs.read_text(encoding="utf-8").splitlines()
    annotations = [line for line in proc.stdout.splitlines() if line.startswith("::")]
    assert any(line.startswith("::error file=fixtures/demo/") for line in annotations)
    assert any("fixtures/latest-tag/fail-latest.yaml" in line for line in annotations)
    results = json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"privileged-container", "latest-tag"}
    assert len(results) == len(annotations)
