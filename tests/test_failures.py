"""Failures are failures: internal errors exit 2 (also with --exit-zero) with one line on stderr,
a failed run's reports say so, and report files are written safely (atomic, never through a
symlink, never over an input, complete when stdout is a closed pipe).

Hardening cases copied from ../shared/cases/hardening: S03, R08, R09, R17, R18, R22, R23, R24,
R25; newcomer report items #1, #2, #3, #5, #9, #18.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli
from tests.helpers import CANARY

POD = CANARY  # the tell-tale that a file was linted


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.yaml").write_text(POD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def kubelint(
    *args: str, cwd: Path, env: dict[str, str] | None = None, **kw: Any
) -> subprocess.CompletedProcess[bytes]:
    """The real program in a child process (its own stdout, encoding and signals)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run(
        [sys.executable, "-m", "kubelint.cli", *args],
        cwd=cwd,
        capture_output=True,
        env={**base, "PYTHONPATH": str(ROOT), **(env or {})},
        check=False,
        **kw,
    )


LINT = (sys.executable, "-m", "kubelint.cli", "lint")


# --- internal errors -----------------------------------------------------------------------------


def _explode(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("boom\nsecond line")


@pytest.mark.parametrize("extra", [[], ["--exit-zero"]])
def test_internal_error_exits_2_with_one_line(
    work: Path, monkeypatch: pytest.MonkeyPatch, extra: list[str]
) -> None:
    from kubelint.reporters.text import TextReporter

    monkeypatch.setattr(TextReporter, "finish", _explode)
    monkeypatch.delenv("KUBELINT_DEBUG", raising=False)
    run = run_cli("lint", "app.yaml", *extra)
    assert run.exit_code == 2
    lines = run.stderr.splitlines()
    assert lines == [
        "kubelint: internal error: RuntimeError: boom (a bug in kubelint or a plugin; "
        "set KUBELINT_DEBUG=1 for the traceback)"
    ]


def test_internal_error_traceback_with_debug(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kubelint.reporters.text import TextReporter

    monkeypatch.setattr(TextReporter, "finish", _explode)
    run = run_cli("lint", "app.yaml", env={"KUBELINT_DEBUG": "1"})
    assert run.exit_code == 2
    assert "Traceback (most recent call last)" in run.stderr
    assert run.stderr.rstrip().splitlines()[-1].startswith("kubelint: internal error:")


def test_empty_format_name_is_unknown(work: Path) -> None:
    """R22 / newcomer #2: the abstract Reporter is no format called ""."""
    run = run_cli("lint", "app.yaml", "--format", "")
    assert run.exit_code == 2
    assert run.stderr.startswith('kubelint: unknown format ""; formats: ')
    listed = run.stderr.splitlines()[0].split("formats: ", 1)[1].split(", ")
    assert "" not in listed and {"github", "gitlab", "json", "sarif", "text"} <= set(listed)
    run = run_cli("lint", "app.yaml", "--report", "=x.json")
    assert run.exit_code == 2 and not (work / "x.json").exists()
    plugins = run_cli("plugins", "--no-plugins")
    formats = plugins.stdout.splitlines()[-1]
    assert formats == "formats: concise, full, github, gitlab, json, junit, sarif, text"


# --- configuration errors ------------------------------------------------------------------------


def test_invalid_exemption_date_is_a_config_error(work: Path) -> None:
    """R17 / newcomer #3."""
    (work / ".kubelint.yaml").write_text(
        "exemptions:\n  - rules: ['*']\n    expires: '2024-02-30'\n    reason: r\n"
    )
    run = run_cli("lint", "app.yaml")
    assert run.exit_code == 2
    assert run.stderr == (
        f"kubelint: {work / '.kubelint.yaml'}:3:14: exemptions.0.expires: "
        "invalid date 2024-02-30 (YYYY-MM-DD)\n"
    )


def test_huge_kubernetes_version(work: Path) -> None:
    """R18: 5000 digits in the config or on the command line: a clear error, exit 2."""
    digits = "9" * 5000
    (work / ".kubelint.yaml").write_text(f'kubernetesVersion: "1.{digits}"\n')
    run = run_cli("lint", "app.yaml")
    assert run.exit_code == 2
    assert run.stderr.startswith(f"kubelint: {work / '.kubelint.yaml'}:1:20: kubernetesVersion:")
    assert "expected MAJOR.MINOR" in run.stderr and len(run.stderr) < 300
    run = run_cli("lint", "app.yaml", "--no-config", "--kubernetes-version", f"1.{digits}")
    assert run.exit_code == 2 and "invalid Kubernetes version" in run.stderr
    assert len(run.stderr) < 300


@pytest.mark.parametrize("version", ["2.0", "1.99", "1.38", "0.9"])
def test_unknown_kubernetes_versions_name_the_range(work: Path, version: str) -> None:
    """Newcomer #33."""
    run = run_cli("lint", "app.yaml", "--kubernetes-version", version)
    assert run.exit_code == 2
    assert f'unknown Kubernetes version "{version}": kubelint knows 1.0 to 1.37' in run.stderr


def test_every_config_error_at_once(work: Path) -> None:
    """Newcomer #18: all mistakes of a file in one run, in file order, with suggestions."""
    (work / ".kubelint.yaml").write_text(
        "severty: error\n"
        "rules:\n"
        "  latest-tag: false\n"  # the shorthand for {enabled: false} is accepted
        "  untrusted-registry: {enabled: true, params: {allowedRegistry: [x]}}\n"
        "  run-as-rot: {enabled: false}\n"
        "paths: deploy/\n"
        "failOn: warn\n"
        "profiles: [defaults]\n"
        "exemptons: []\n"
        "exemptions:\n"
        "  - rules: [host-netwrk]\n"
        "    reason: r\n"
        "    expires: '2027-13-45'\n"
    )
    run = run_cli("lint", "app.yaml")
    assert run.exit_code == 2
    cfg = work / ".kubelint.yaml"
    assert run.stderr.splitlines() == [
        f'kubelint: {cfg}:1:1: unknown key "severty"',
        f'kubelint: {cfg}:6:8: paths: expected a list, got a string "deploy/"',
        f'kubelint: {cfg}:7:9: failOn: "warn" is not one of "error", "warning", "info", "never" '
        '(did you mean "warning"?)',
        f'kubelint: {cfg}:9:1: unknown key "exemptons" (did you mean "exemptions"?)',
        f"kubelint: {cfg}:13:14: exemptions.0.expires: invalid date 2027-13-45 (YYYY-MM-DD)",
    ]
    # Fixed, the rule-dependent problems show (they need the catalogue), again all at once.
    (work / ".kubelint.yaml").write_text(
        "rules:\n"
        "  latest-tag: false\n"
        "  untrusted-registry: {enabled: true, params: {allowedRegistry: [x]}}\n"
        "  run-as-rot: {enabled: false}\n"
        "profiles: [defaults]\n"
        "exemptions:\n"
        "  - rules: [host-netwrk]\n"
        "    reason: r\n"
    )
    run = run_cli("lint", "app.yaml")
    assert run.exit_code == 2
    assert run.stderr.splitlines() == [
        f'kubelint: {cfg}:3:48: rule untrusted-registry: unknown param "allowedRegistry" '
        '(did you mean "allowedRegistries"?)',
        f'kubelint: {cfg}:4:3: unknown rule "run-as-rot" (did you mean "run-as-root"?)',
        f'kubelint: {cfg}:5:12: unknown profile "defaults" (did you mean "default"?)',
        f'kubelint: {cfg}:7:13: unknown rule "host-netwrk" (did you mean "host-network"?)',
    ]


def test_rule_shorthand_in_config(work: Path) -> None:
    (work / ".kubelint.yaml").write_text("rules:\n  latest-tag: false\n")
    run = run_cli("lint", "app.yaml", "--format", "json")
    assert run.exit_code == 1
    assert "latest-tag" not in {f["rule"] for f in run.json()["findings"]}


# --- failed runs produce failed reports ----------------------------------------------------------


def test_missing_path_marks_every_report_failed(work: Path) -> None:
    """Newcomer #5: a typo in a path never gives a clean machine report."""
    run = run_cli(
        "lint",
        "nope/",
        "--format",
        "sarif",
        "--report",
        "json=r.json",
        "--report",
        "junit=r.xml",
        "--report",
        "gitlab=r.gl.json",
    )
    assert run.exit_code == 2
    (invocation,) = json.loads(run.stdout)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert notes == [{"message": {"text": "nope/: no such file or directory"}, "level": "error"}]
    report = json.loads((work / "r.json").read_text())
    assert report["errors"] == [{"message": "nope/: no such file or directory"}]
    assert '<error message="nope/: no such file or directory"' in (work / "r.xml").read_text()
    (issue,) = json.loads((work / "r.gl.json").read_text())
    assert issue["severity"] == "blocker" and issue["check_name"] == "kubelint-error"


def test_clean_run_has_no_errors(work: Path) -> None:
    run = run_cli("lint", "app.yaml", "--format", "json", "--fail-on", "never")
    assert run.exit_code == 0 and run.json()["errors"] == []


def test_report_dash_means_stdout(work: Path) -> None:
    """Newcomer #9: `--report json=-` writes the JSON report to stdout, no file named `-`."""
    run = run_cli("lint", "app.yaml", "--report", "json=-", "--report", "sarif=r.sarif")
    assert run.exit_code == 1
    assert run.json()["findings"] and not (work / "-").exists()
    assert json.loads((work / "r.sarif").read_text())["version"] == "2.1.0"
    both = run_cli("lint", "app.yaml", "--format", "text", "--report", "json=-")
    assert both.exit_code == 2 and "both write to standard output" in both.stderr
    two = run_cli("lint", "app.yaml", "--report", "json=-", "--report", "sarif=-")
    assert two.exit_code == 2 and "only one report" in two.stderr


# --- report files --------------------------------------------------------------------------------


def test_report_through_symlink_is_refused(work: Path, tmp_path_factory: Any) -> None:
    """S03: a committed symlink never redirects a report outside the tree."""
    victim = tmp_path_factory.mktemp("outside") / "victim.txt"
    victim.write_text("ORIGINAL\n")
    (work / "kubelint.sarif").symlink_to(victim)
    run = run_cli("lint", "app.yaml", "--report", "sarif=kubelint.sarif")
    assert run.exit_code == 2
    assert "refusing to write a report through a symbolic link" in run.stderr
    assert victim.read_text() == "ORIGINAL\n"
    assert (work / "kubelint.sarif").is_symlink()


def test_report_over_an_input_is_refused(work: Path) -> None:
    """R25."""
    run = run_cli("lint", "app.yaml", "--report", "json=app.yaml")
    assert run.exit_code == 2
    assert "is one of the linted inputs" in run.stderr
    assert (work / "app.yaml").read_text() == POD
    (work / "deploy").mkdir()
    (work / "deploy" / "pod.json").write_text(
        json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}})
    )
    run = run_cli("lint", ".", "--report", "json=deploy/pod.json")
    assert run.exit_code == 2 and "is one of the linted inputs" in run.stderr


def test_previous_report_in_linted_tree_is_replaced(work: Path) -> None:
    """A report kept inside the linted directory (not a manifest) is simply rewritten."""
    assert run_cli("lint", ".", "--report", "json=report.json").exit_code == 1
    first = json.loads((work / "report.json").read_text())
    assert run_cli("lint", ".", "--report", "json=report.json").exit_code == 1
    assert json.loads((work / "report.json").read_text())["findings"] == first["findings"]


def test_interrupted_report_leaves_previous_one(work: Path, monkeypatch: Any) -> None:
    """R23: a reporter that fails midway (as a signal would) leaves the old report intact and
    no temporary file behind."""
    from kubelint.reporters.sarif import SarifReporter

    (work / "r.sarif").write_text('{"previous": "report"}')

    def half(self: Any, result: Any) -> None:
        self.out.write('{"version": "2.1.0", "runs": [')
        raise RuntimeError("interrupted")

    monkeypatch.setattr(SarifReporter, "finish", half)
    run = run_cli("lint", "app.yaml", "--report", "sarif=r.sarif")
    assert run.exit_code == 2 and "internal error: RuntimeError: interrupted" in run.stderr
    assert (work / "r.sarif").read_text() == '{"previous": "report"}'
    assert sorted(p.name for p in work.iterdir()) == [".git", "app.yaml", "r.sarif"]


def test_concurrent_runs_write_whole_reports(work: Path) -> None:
    """R23: two runs writing one report never interleave."""
    for i in range(30):
        (work / f"pod{i}.yaml").write_text(POD.replace("canary", f"pod{i}"))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "kubelint.cli", "lint", ".", "--report", "sarif=same.sarif"],
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for _ in range(2)
    ]
    assert [p.wait() for p in procs] == [1, 1]
    log = json.loads((work / "same.sarif").read_text())
    assert len(log["runs"][0]["results"]) == 31 * 11
    assert not [p for p in work.iterdir() if p.name.endswith(".tmp")]


def test_report_keeps_file_mode(work: Path) -> None:
    (work / "r.json").write_text("{}")
    (work / "r.json").chmod(0o640)
    assert run_cli("lint", "app.yaml", "--report", "json=r.json").exit_code == 1
    assert (work / "r.json").stat().st_mode & 0o777 == 0o640


def test_broken_stdout_pipe(work: Path) -> None:
    """R24: stdout closed early (`| head -c 10`): --report files are complete and the exit code
    is the findings' one."""
    for i in range(300):
        (work / f"pod{i}.yaml").write_text(POD.replace("canary", f"pod{i}"))
    for extra, expected in (([], 1), (["--exit-zero"], 0)):
        proc = subprocess.Popen(
            [*LINT, ".", "--format", "json", "--report", "json=r.json", *extra],
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.read(10) == b'{\n  "versi'
        proc.stdout.close()
        stderr = proc.stderr.read()
        assert proc.wait() == expected, stderr
        assert b"Traceback" not in stderr and b"Broken pipe" not in stderr
        report = json.loads((work / "r.json").read_text())
        assert len(report["findings"]) == 301 * 11


# --- names the output encoding cannot carry ------------------------------------------------------


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse non-UTF-8 names")
def test_non_utf8_file_name(work: Path) -> None:
    """R08: sarif on stdout and a JSON report stay complete and valid."""
    os.rename(work / "app.yaml", os.fsdecode(bytes(work) + b"/bad\xff.yaml"))
    proc = kubelint("lint", ".", "--format", "sarif", "--report", "json=r.json", cwd=work)
    assert proc.returncode == 1, proc.stderr
    log = json.loads(proc.stdout)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == "bad%FF.yaml"
    report = json.loads((work / "r.json").read_text(encoding="utf-8"))
    assert report["findings"][0]["file"] == "bad\udcff.yaml"


def test_non_utf8_stdout_encoding(work: Path) -> None:
    """R09: unicode file names with an ASCII stdout: escaped, never a traceback."""
    os.rename(work / "app.yaml", work / "ünïcødé.yaml")
    proc = kubelint("lint", ".", cwd=work, env={"PYTHONIOENCODING": "ascii"})
    assert proc.returncode == 1, proc.stderr
    first = proc.stdout.decode("ascii").splitlines()[0]
    assert first.startswith("\\xfcn\\xefc\\xf8d\\xe9.yaml:7:7: warning ")
    assert b"Traceback" not in proc.stderr
