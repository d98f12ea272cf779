"""The test charts of fixtures/helm/charts, linted with real helm 3 and helm 4: every finding at
the template line its `expect:` comment names, with --helm and for piped `helm template` output.

The charts cover compact and indented lists, `{{-`/`-}}` chomping, `range` over values lists and
maps, `with`, named templates from `_helpers.tpl` and from a library subchart, `toYaml | nindent`,
`tpl`, `omit | toYaml`, an action spanning lines, a checksum of another template, whole documents
inside `if`, several documents in one template, an aliased and a disabled (`condition:`)
subchart, a hook, crds/, a test pod and the four field patterns (compact list, list item in a
false `if`, directive lines before `---`, `alias:`). bench/helm_accuracy.py measures the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, Run, run_cli
from tests.helm_support import CHARTS, Helm, chart_dirs, chart_expectations, only_args

CHART_DIRS = chart_dirs()
FIELD = ["compact", "condlist", "ifkind", "parent"]  # ../shared/cases/field/helm-* charts
NOT_MAPPED = "located by template text matching"


def _rel(chart: Path) -> str:
    return chart.relative_to(ROOT).as_posix()


def _lint(*args: str, input: str | None = None) -> Run:
    return run_cli(
        "lint", "--no-config", "--include-tests", "--format", "json", "--fail-on", "never",
        *only_args(), *args, input=input,
    )  # fmt: skip


def _found(run: Run) -> set[tuple[str, int, str]]:
    assert run.exit_code == 0, run.stderr
    return {(f["file"], f["line"], f["rule"]) for f in run.json()["findings"]}


def _diff(found: set[tuple[str, int, str]], expected: set[tuple[str, int, str]]) -> str:
    return f"missing: {sorted(expected - found)}\nunexpected: {sorted(found - expected)}"


def test_every_chart_expects_findings() -> None:
    assert {c.name for c in CHART_DIRS} >= {*FIELD, "shop", "platform"}
    for chart in CHART_DIRS:
        assert chart_expectations(chart), chart


@pytest.mark.parametrize("chart", CHART_DIRS, ids=lambda c: c.name)
def test_helm_mode_maps_every_finding_to_its_template_line(
    chart: Path, helm: Helm, in_root: Path
) -> None:
    run = _lint("--helm", _rel(chart), "--helm-bin", helm.path, "--release-name", "rel")
    expected = chart_expectations(chart)
    found = _found(run)
    assert found == expected, _diff(found, expected)
    assert NOT_MAPPED not in run.stderr


@pytest.mark.parametrize("chart", CHART_DIRS, ids=lambda c: c.name)
def test_piped_output_is_mapped_exactly_by_a_re_render(
    chart: Path, helm: Helm, in_root: Path
) -> None:
    rendered = helm.template("--include-crds", "rel", _rel(chart))
    run = _lint("-", "--chart-dir", _rel(chart), "--helm-bin", helm.path, input=rendered)
    expected = chart_expectations(chart)
    found = _found(run)
    assert found == expected, _diff(found, expected)


def test_piped_release_name_and_namespace_are_learnt(helm: Helm, in_root: Path) -> None:
    """No instance label names the release here: a probe render finds it; the namespace is
    read from the output; a pipe without CRDs and tests is still reproduced."""
    chart = CHARTS / "shop"
    rendered = helm.template("--namespace", "team-a", "--skip-tests", "shop-prod", _rel(chart))
    run = _lint("-", "--chart-dir", _rel(chart), "--helm-bin", helm.path, input=rendered)
    expected = {
        e for e in chart_expectations(chart) if "/crds/" not in e[0] and "/tests/" not in e[0]
    }
    found = _found(run)
    assert found == expected, _diff(found, expected)
    compact = CHARTS / "compact"
    rendered = helm.template("my-release", _rel(compact))
    run = _lint("-", "--chart-dir", _rel(compact), "--helm-bin", helm.path, input=rendered)
    assert _found(run) == chart_expectations(compact)


def _keyed(run: Run) -> dict[tuple[str, str, str], tuple[str, int]]:
    """(rule, object name, path) -> (file, line): one finding, whatever its line."""
    assert run.exit_code == 0, run.stderr
    return {
        (f["rule"], f["object"]["name"] if f["object"] else "", f["path"] or ""): (
            f["file"],
            f["line"],
        )
        for f in run.json()["findings"]
    }


@pytest.mark.parametrize("chart", CHART_DIRS, ids=lambda c: c.name)
def test_piped_output_by_template_text_matching(chart: Path, helm: Helm, in_root: Path) -> None:
    """Without a helm to re-render with (or with values kubelint does not know), the text
    matcher gives every finding the line helm's own map gives it (the four field patterns,
    named templates, values blocks, items written by `range` included)."""
    rendered = helm.template("--include-crds", "rel", _rel(chart))
    missing = str(ROOT / ".tools" / "no-helm-here")
    run = _lint("-", "--chart-dir", _rel(chart), "--helm-bin", missing, input=rendered)
    found = _found(run)
    assert found == chart_expectations(chart), _diff(found, chart_expectations(chart))
    exact = _lint("--helm", _rel(chart), "--helm-bin", helm.path, "--release-name", "rel")
    assert _keyed(run) == _keyed(exact)


def test_values_the_pipe_used_are_not_guessed(helm: Helm, in_root: Path) -> None:
    """Output rendered with other values is not reproduced: no helm map is claimed for it,
    the text matcher answers (here exactly: the item is found by its name)."""
    chart = CHARTS / "condlist"
    rendered = helm.template("--set", "sidecar.enabled=true", "rel", _rel(chart))
    run = _lint("-", "--chart-dir", _rel(chart), "--helm-bin", helm.path, input=rendered)
    found = _found(run)
    assert set(chart_expectations(chart)) <= found
    template = f"{_rel(chart)}/templates/deployment.yaml"
    assert found - chart_expectations(chart) == {  # the sidecar's findings
        (template, 16, "missing-memory-limit"),  # its `- name:` line
        (template, 18, "run-as-root"),  # its securityContext (privileged: false)
    }


def test_disabled_subchart_and_library_chart_render_nothing(helm: Helm, in_root: Path) -> None:
    chart = CHARTS / "shop"
    run = _lint("--helm", _rel(chart), "--helm-bin", helm.path)
    files = {f["file"] for f in run.json()["findings"]}
    assert not any("/charts/metrics/" in f or "/charts/common/" in f for f in files)
    assert f"{_rel(chart)}/charts/cache/templates/statefulset.yaml" in files  # via its alias
