"""action.yml run the way a workflow runs it: every step in order, `${{ }}` expressions and `if:`
conditions evaluated, the `run:` steps executed by bash with the step's env and GITHUB_OUTPUT.
`uses:` steps are stood in for: actions/setup-python gives this interpreter, and actions/cache
restores a kubelint installation (this test's own, as a cached venv would hold it), so the
install step is skipped as on a cache hit. The repository's .kubelint.yaml must apply."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import ROOT
from tests.helpers import POD_LATEST as POD

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class Workflow:
    """Just enough of the Actions runner for a composite action."""

    def __init__(self, workspace: Path, temp: Path, inputs: dict[str, str]) -> None:
        self.action = YAML(typ="safe").load((ROOT / "action.yml").read_text(encoding="utf-8"))
        self.workspace, self.temp = workspace, temp
        defaults = {k: str(v.get("default", "")) for k, v in self.action["inputs"].items()}
        unknown = set(inputs) - set(defaults)
        assert not unknown, f"not inputs of action.yml: {unknown}"
        self.inputs = {**defaults, **inputs}
        self.steps: dict[str, dict[str, str]] = {}
        self.log: list[str] = []

    def value(self, expr: str) -> str:
        scope, _, rest = expr.partition(".")
        if scope == "inputs":
            return self.inputs[rest]
        if scope == "runner":
            return {"temp": str(self.temp), "os": "Linux"}[rest]
        if scope == "steps":
            step, _, output = rest.partition(".outputs.")
            return self.steps.get(step, {}).get(output, "")
        raise AssertionError(f"expression not handled by this test: {expr}")

    def expand(self, text: str) -> str:
        return EXPR.sub(lambda m: self.value(m.group(1)), text)

    def condition(self, expr: str) -> bool:
        m = re.fullmatch(r"([\w.-]+)\s*(==|!=)\s*'([^']*)'", EXPR.sub(r"\1", expr).strip())
        assert m, f"condition not handled by this test: {expr}"
        equal = self.value(m.group(1)) == m.group(3)
        return equal if m.group(2) == "==" else not equal

    def uses(self, step: dict[str, Any]) -> dict[str, str]:
        name = step["uses"].split("@")[0]
        if name == "actions/setup-python":
            version = "{}.{}".format(*sys.version_info[:2])
            return {"python-path": sys.executable, "python-version": version}
        if name == "actions/cache":
            venv = Path(self.expand(step["with"]["path"]))
            assert venv == self.temp / "kubelint-venv"
            assert self.expand(step["with"]["key"]).startswith("kubelint-Linux-py")
            (venv / "bin").mkdir(parents=True)
            (venv / "bin" / "kubelint").symlink_to(Path(sys.executable).with_name("kubelint"))
            return {"cache-hit": "true"}
        raise AssertionError(f"unexpected action {step['uses']}")

    def run(self) -> subprocess.CompletedProcess[str]:
        last: subprocess.CompletedProcess[str] | None = None
        for step in self.action["runs"]["steps"]:
            if "if" in step and not self.condition(step["if"]):
                self.log.append(f"skipped: {step['name']}")
                continue
            self.log.append(f"ran: {step['name']}")
            if "uses" in step:
                self.steps[step.get("id", "")] = self.uses(step)
                continue
            output = self.temp / f"output-{len(self.log)}"
            output.write_text("", encoding="utf-8")
            env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
            env.update({k: self.expand(str(v)) for k, v in (step.get("env") or {}).items()})
            env.update(GITHUB_OUTPUT=str(output), GITHUB_ACTION_PATH=str(ROOT))
            last = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=self.workspace,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            lines = output.read_text(encoding="utf-8").splitlines()
            self.steps[step.get("id", "")] = dict(line.split("=", 1) for line in lines)
            if last.returncode != 0:
                break
        assert last is not None
        return last


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    work = tmp_path / "repo"
    (work / ".git").mkdir(parents=True)
    (work / "deploy").mkdir()
    (work / "deploy" / "web.yaml").write_text(POD, encoding="utf-8")
    (work / "legacy").mkdir()
    (work / "legacy" / "old.yaml").write_text(POD.replace("name: web", "name: old"))
    (work / ".kubelint.yaml").write_text('failOn: error\npaths: ["deploy/"]\n', encoding="utf-8")
    (tmp_path / "temp").mkdir()
    return work


def sarif_files(work: Path) -> set[str]:
    log = json.loads((work / "kubelint.sarif").read_text(encoding="utf-8"))
    results = log["runs"][0]["results"]
    return {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}


def test_config_fail_on_and_paths_apply(repo: Path) -> None:
    """No inputs: .kubelint.yaml's `paths: [deploy/]` and `failOn: error` decide."""
    flow = Workflow(repo, repo.parent / "temp", {})
    proc = flow.run()
    assert "skipped: Install kubelint" in flow.log and "skipped: Check the runner" in flow.log
    assert proc.returncode == 0, proc.stdout + proc.stderr  # warnings only, failOn: error
    assert flow.steps["lint"] == {
        "sarif-file": "kubelint.sarif",
        "exit-code": "0",
        "failed": "false",
    }
    assert sarif_files(repo) == {"deploy/web.yaml"}  # legacy/ is not linted
    assert any(
        line.startswith("::warning file=deploy/web.yaml") for line in proc.stdout.split("\n")
    )


def test_inputs_override_the_config(repo: Path) -> None:
    flow = Workflow(
        repo,
        repo.parent / "temp",
        {"paths": "deploy\nlegacy", "fail-on": "warning", "annotations": "false"},
    )
    proc = flow.run()
    assert proc.returncode == 1
    assert flow.steps["lint"]["exit-code"] == "1"
    assert sarif_files(repo) == {"deploy/web.yaml", "legacy/old.yaml"}
    assert "deploy/web.yaml:8:14: warning latest-tag" in proc.stdout


def test_wrong_path_fails_and_says_so(repo: Path) -> None:
    """A typo in `paths` exits 2 with failed=true, and the SARIF says the run failed (the
    README's upload step skips it)."""
    flow = Workflow(repo, repo.parent / "temp", {"paths": "deplyo"})
    proc = flow.run()
    assert proc.returncode == 2
    assert flow.steps["lint"]["failed"] == "true"
    log = json.loads((repo / "kubelint.sarif").read_text(encoding="utf-8"))
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_readme_workflow_skips_failed_reports() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("github/codeql-action/upload-sarif") :][:300]
    assert "steps.kubelint.outputs.failed != 'true'" in block
