"""Everyday flags users know from ruff, kube-linter and yamllint: comma lists and categories in
--enable/--disable/--only, `-h`, shell completion, help without Python type names, one meaning
for `-f`, and the "ignore every rule" annotations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

DEMO = "fixtures/demo"
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  annotations:
    {annotation}
spec:
  hostNetwork: true
  containers:
    - name: web
      image: nginx:latest
"""


def rules_of(run_stdout: str) -> set[str]:
    """Rule IDs of the plain `path:line:col: severity rule message` lines."""
    out = set()
    for line in run_stdout.splitlines():
        parts = line.split(" ")
        if len(parts) > 2 and parts[0].count(":") >= 3:
            out.add(parts[2])
    return out


def kubelint(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real executable (launch.py: fast path first, typer otherwise)."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("kubelint")), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
    )


# --- comma lists and categories (newcomer #27) ----------------------------------------------


@pytest.mark.parametrize("fast", [True, False], ids=["fastpath", "typer"])
def test_only_takes_a_comma_list(fast: bool, in_root: Path) -> None:
    args = ("lint", DEMO, "--only", "rbac-wildcard,privileged-container")
    run = kubelint(*args) if fast else run_cli(*args)
    code = run.returncode if fast else run.exit_code  # type: ignore[union-attr]
    assert code == 1
    assert rules_of(run.stdout) == {"rbac-wildcard", "privileged-container"}


def category(name: str) -> set[str]:
    rules = run_cli("rules", "--format", "json").json()
    return {r["id"] for r in rules if r["category"] == name}


def test_only_takes_a_category(in_root: Path) -> None:
    """A category is every rule of it, opt-in rules included (ruff's --select E)."""
    found = rules_of(run_cli("lint", DEMO, "--only", "rbac").stdout)
    assert "rbac-wildcard" in found and found <= category("rbac")
    found = rules_of(run_cli("lint", DEMO, "--only", "images,probes").stdout)
    assert {"latest-tag", "missing-liveness-probe", "missing-readiness-probe"} <= found
    assert found <= category("images") | category("probes")


def test_disable_takes_a_category_and_enable_repeats(in_root: Path) -> None:
    every = rules_of(run_cli("lint", DEMO).stdout)
    without = rules_of(run_cli("lint", DEMO, "--disable", "pod-security,images").stdout)
    assert "privileged-container" in every and "latest-tag" in every
    assert "privileged-container" not in without and "latest-tag" not in without
    assert "rbac-wildcard" in without
    args = ("--only", "rbac-wildcard", "--only", "latest-tag")
    assert rules_of(run_cli("lint", DEMO, *args).stdout) == {"rbac-wildcard", "latest-tag"}


def test_unknown_name_in_a_list_is_a_usage_error_with_suggestion(in_root: Path) -> None:
    run = run_cli("lint", DEMO, "--only", "latest-tag,rbca")
    assert run.exit_code == 2
    assert 'kubelint: unknown rule "rbca" (did you mean "rbac"?)' in run.stderr
    assert run.stdout == ""


# --- "ignore every rule" annotations (newcomer #23) -----------------------------------------


@pytest.mark.parametrize(
    "annotation",
    [
        'kubelint.io/ignore: "all"',
        'kubelint.io/ignore: "*"',
        'kubelint.io/ignore: "all: a lab pod, reviewed"',
        'kube-linter.io/ignore-all: "a lab pod"',
    ],
)
def test_ignore_every_rule_annotation(annotation: str, tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD.format(annotation=annotation), encoding="utf-8")
    run = run_cli("lint", str(path), "--show-suppressed")
    assert run.exit_code == 0, run.stdout
    last = run.stdout.splitlines()[-1]
    assert last.startswith("0 errors, 0 warnings, 0 info in 1 object from 1 file (")
    assert "suppressed)" in last
    assert "host-network" in run.stdout and "(suppressed by " in run.stdout


def test_rule_list_annotation_still_leaves_other_rules(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD.format(annotation='kubelint.io/ignore: "host-network"'), encoding="utf-8")
    found = rules_of(run_cli("lint", str(path)).stdout)
    assert "host-network" not in found and "latest-tag" in found


def test_kube_linter_ignore_all_off_with_no_foreign_suppressions(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD.format(annotation='kube-linter.io/ignore-all: "x"'), encoding="utf-8")
    assert "host-network" in rules_of(
        run_cli("lint", str(path), "--no-foreign-suppressions").stdout
    )


# --- help, -h, metavars, completion, -f (newcomer #30, #37) ---------------------------------

COMMANDS = [
    [],
    ["lint"],
    ["fix"],
    ["rules"],
    ["explain"],
    ["plugins"],
    ["server"],
    ["baseline"],
    ["baseline", "create"],
    ["baseline", "prune"],
    ["config"],
    ["config", "init"],
    ["config", "show"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "kubelint")
def test_dash_h_is_help_without_python_type_names(command: list[str]) -> None:
    short = run_cli(*command, "-h")
    assert short.exit_code == 0, short.stderr
    assert short.stdout == run_cli(*command, "--help").stdout
    assert short.stdout.startswith(f"Usage: kubelint {' '.join(command)}".rstrip())
    for python_name in ("<str>", "<list[str]>", "<int>", "<bool>", "{ID}", "{FILE}"):
        assert python_name not in short.stdout
    options = [line for line in short.stdout.splitlines() if line.startswith("  -")]
    assert options and all("-h, --help" in line for line in options if "--help" in line)


def test_dash_h_on_the_fast_path() -> None:
    run = kubelint("lint", "-h")
    assert run.returncode == 0
    assert run.stdout.startswith("Usage: kubelint lint [OPTIONS] [PATH...]\n")
    assert "--fail-on SEVERITY" in run.stdout
    assert "One of: error, warning, info, never." in run.stdout


def test_usage_lines_name_arguments_as_click_does() -> None:
    assert run_cli("explain", "-h").stdout.startswith("Usage: kubelint explain [OPTIONS] ID\n")
    create = run_cli("baseline", "create", "-h").stdout
    assert create.startswith("Usage: kubelint baseline create [OPTIONS] FILE [PATH...]\n")


def test_every_option_has_help_text() -> None:
    for command in COMMANDS:
        lines = run_cli(*command, "-h").stdout.splitlines()
        for n, line in enumerate(lines):
            if line.startswith("  -") and len(line.split()) == 1:  # alone: help wraps below?
                assert n + 1 < len(lines) and lines[n + 1].startswith(" " * 10), (command, line)


def test_f_means_values_only(tmp_path: Path) -> None:
    rules = run_cli("rules", "-f", "json")
    assert rules.exit_code == 2
    assert "No such option: -f" in rules.stderr
    assert run_cli("rules", "--format", "json").exit_code == 0
    assert "-f, --values FILE" in run_cli("lint", "-h").stdout.replace(
        "--values, -f", "-f, --values"
    )


def test_shell_completion_script_and_answers() -> None:
    script = kubelint("--show-completion", "bash")
    assert script.returncode == 0
    assert "_KUBELINT_COMPLETE=complete_bash" in script.stdout
    commands = kubelint(
        env={"_KUBELINT_COMPLETE": "complete_bash", "COMP_WORDS": "kubelint li", "COMP_CWORD": "1"}
    )
    assert commands.stdout.split() == ["lint"]
    fail_on = kubelint(
        env={
            "_KUBELINT_COMPLETE": "complete_bash",
            "COMP_WORDS": "kubelint lint --fail-on ",
            "COMP_CWORD": "3",
        }
    )
    assert fail_on.stdout.split() == ["error", "warning", "info", "never"]
    rules = kubelint(
        env={
            "_KUBELINT_COMPLETE": "complete_bash",
            "COMP_WORDS": "kubelint lint --only latest-tag,rbac-w",
            "COMP_CWORD": "3",
        }
    )
    assert rules.stdout.split() == [
        "latest-tag,rbac-webhook-config-write",
        "latest-tag,rbac-wildcard",
    ]


def test_config_show_writes_rule_ids_for_lists_and_categories(tmp_path: Path) -> None:
    run = run_cli(
        "config", "show", "--no-config", "--enable", "latest-tag,images", "--disable", "rbac"
    )
    assert run.exit_code == 0, run.stderr
    from ruamel.yaml import YAML

    doc = YAML(typ="safe").load(run.stdout)
    rules = doc["rules"]
    assert "images" not in rules and "rbac" not in rules and "latest-tag,images" not in rules
    assert rules["latest-tag"] == {"enabled": True}
    assert rules["image-not-pinned-by-digest"] == {"enabled": True}
    assert rules["rbac-wildcard"] == {"enabled": False}
    saved = tmp_path / ".kubelint.yaml"
    saved.write_text(run.stdout, encoding="utf-8")
    assert run_cli("config", "show", "--config", str(saved)).exit_code == 0


def test_lint_help_is_grouped_in_panels() -> None:
    out = run_cli("lint", "-h").stdout.splitlines()
    sections = [line for line in out if line.endswith(":") and not line.startswith(" ")]
    assert sections == [
        "Arguments:",
        "Output:",
        "Rule selection:",
        "Inputs:",
        "Configuration and suppression:",
        "Helm and Kustomize:",
        "Fixes:",
        "Options:",
    ]
    output = out[out.index("Output:") + 1 : out.index("Rule selection:")]
    assert any(line.startswith("  -q, --quiet") for line in output)
    assert any(line.startswith("  --statistics") for line in output)


def test_format_help_lists_the_built_in_formats() -> None:
    from kubelint.settings import FORMATS

    plugins = run_cli("plugins", "--no-plugins").stdout.splitlines()[-1]
    assert plugins == f"formats: {', '.join(sorted(FORMATS))}"
    help_text = " ".join(run_cli("lint", "-h").stdout.split())
    assert f"--format FORMAT Report format on stdout: {', '.join(FORMATS)}, or a plugin's." in (
        help_text
    )
