"""Helm input: `# Source:` mapping of piped output, rendering with --helm, the missing-helm path."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kubelint.mapping.helm import _classify, match_template
from tests.conftest import FIXTURES, Run, run_cli
from tests.helm_support import Helm

CHART = FIXTURES / "helm" / "mychart"
RENDERED = FIXTURES / "helm" / "mychart-rendered.yaml"
RULES = ["latest-tag", "privileged-container", "host-pid", "host-ipc", "host-network"]
ONLY = [arg for rule in RULES for arg in ("--only", rule)]
TEMPLATES = "fixtures/helm/mychart"


def _findings(run: Run) -> set[tuple[str, str, int, int, int | None]]:
    out = set()
    for f in run.json()["findings"]:
        rendered = f["rendered"]["line"] if f["rendered"] else None
        out.add((f["rule"], f["file"], f["line"], f["column"], rendered))
    return out


EXPECTED = {
    ("host-ipc", f"{TEMPLATES}/charts/cache/templates/pod.yaml", 6, 12, 39),
    ("latest-tag", f"{TEMPLATES}/templates/deployment.yaml", 22, 18, 66),
    ("privileged-container", f"{TEMPLATES}/templates/deployment.yaml", 35, 25, 78),
    ("host-pid", f"{TEMPLATES}/templates/hook-job.yaml", 11, 16, 91),
}


def test_piped_output_maps_to_template_lines(in_root: Path) -> None:
    run = run_cli(
        "lint", "-", "--chart-dir", str(CHART), "--format", "json", *ONLY,
        input=RENDERED.read_bytes(),
    )  # fmt: skip
    assert run.exit_code == 1, run.stderr
    assert _findings(run) == EXPECTED
    for f in run.json()["findings"]:
        assert f["rendered"]["file"] == "-"


def test_chart_found_from_the_current_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CHART)
    run = run_cli("lint", "-", "--format", "json", *ONLY, input=RENDERED.read_bytes())
    files = {f["file"] for f in run.json()["findings"]}
    assert files == {
        "charts/cache/templates/pod.yaml",
        "templates/deployment.yaml",
        "templates/hook-job.yaml",
    }


def test_test_pods_are_skipped_unless_included(in_root: Path) -> None:
    base = ["lint", "-", "--chart-dir", str(CHART), "--format", "json", "--only", "host-network"]
    run = run_cli(*base, input=RENDERED.read_bytes())
    assert run.json()["findings"] == []
    run = run_cli(*base, "--include-tests", input=RENDERED.read_bytes())
    assert _findings(run) == {
        ("host-network", f"{TEMPLATES}/templates/tests/test-connection.yaml", 8, 16, 104)
    }


def test_missing_template_keeps_the_rendered_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no chart here: `# Source:` cannot be resolved
    run = run_cli("lint", "-", "--format", "json", *ONLY, input=RENDERED.read_bytes())
    assert {(f["rule"], f["file"], f["line"]) for f in run.json()["findings"]} == {
        ("host-ipc", "-", 39),
        ("latest-tag", "-", 66),
        ("privileged-container", "-", 78),
        ("host-pid", "-", 91),
    }


def test_plain_crd_template_is_located_exactly(in_root: Path) -> None:
    from kubelint.dispatch import Engine
    from kubelint.findings import RunResult
    from kubelint.mapping import HelmMapper
    from kubelint.options import Options
    from kubelint.sources import Source

    engine = Engine([], Options())
    mapper = HelmMapper(CHART)
    source = Source("-", None, RENDERED.read_bytes(), mapper=mapper)
    crd = engine.load_source(source, RunResult())[0]
    assert crd.kind == "CustomResourceDefinition"
    mapped = mapper.map(crd, "/spec/versions/0/served", "auto")
    assert mapped is not None
    assert mapped.location.file == f"{TEMPLATES}/crds/widget-crd.yaml"
    assert (mapped.location.line, mapped.location.column) == (13, 15)


def test_template_matching_follows_nesting_and_list_items() -> None:
    template = """\
spec:
  {{- if .Values.x }}
  hostNetwork: true
  {{- end }}
  containers:
    {{- range .Values.extra }}
    - name: {{ . }}
    {{- end }}
    - name: main
      env:
        - name: A
          value: "1"
  name: not-this-one
"""
    lines = _classify(template.split("\n"), 1)
    line, depth = match_template(lines, ["spec", "containers", "1", "env", "0", "value"])
    assert line is not None and (line.no, depth) == (12, 6)
    line, depth = match_template(lines, ["spec", "containers", "1", "securityContext"])
    assert line is not None and (line.no, depth) == (9, 3)  # walks up to the item
    line, depth = match_template(lines, ["spec", "hostNetwork"])
    assert line is not None and line.no == 3


def _fake_helm(tmp_path: Path) -> Path:
    """A stand-in helm that records its arguments and prints the fixture's rendered output."""
    script = tmp_path / "helm"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{tmp_path}/calls"\ncat "{RENDERED}"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_values_sets_render_separately_and_tag_findings(in_root: Path, tmp_path: Path) -> None:
    helm = _fake_helm(tmp_path)
    run = run_cli(
        "lint", "--helm", str(CHART), "--helm-bin", str(helm), "--release-name", "rel",
        "-f", "base.yaml", "--set", "a=b", "--values-set", "dev.yaml",
        "--values-set", "prod.yaml", "--format", "json", "--only", "latest-tag",
    )  # fmt: skip
    assert run.exit_code == 1, run.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    traced = [c for c in calls if "kubelint-helm-" in c]  # the instrumented renders
    calls = [c for c in calls if c not in traced]
    assert len(calls) == 2 and len(traced) == 2
    assert calls[0].startswith("template --include-crds --values base.yaml")
    assert "--values dev.yaml --set a=b" in calls[0] and "--values prod.yaml" in calls[1]
    # Positional arguments follow `--`: a release name or chart path is never an option.
    assert all(call.endswith(f" -- rel {CHART}") for call in calls)
    findings = run.json()["findings"]
    assert sorted(f["message"].rsplit(" ", 2)[-1] for f in findings) == ["dev.yaml]", "prod.yaml]"]
    for f in findings:
        assert (f["file"], f["line"]) == (f"{TEMPLATES}/templates/deployment.yaml", 22)
        assert f["rendered"]["file"].startswith("helm template fixtures/helm/mychart -f ")


def test_missing_helm_exits_2_with_a_hint(in_root: Path, tmp_path: Path) -> None:
    run = run_cli("lint", "--helm", str(CHART), env={"PATH": str(tmp_path)})
    assert run.exit_code == 2
    assert "helm is not installed" in run.stderr
    assert "helm template RELEASE ./chart | kubelint lint -" in run.stderr
    run = run_cli("lint", "--helm", str(CHART), "--helm-bin", str(tmp_path / "nope"))
    assert run.exit_code == 2 and "helm is not installed" in run.stderr


def test_chart_in_a_tree_is_skipped_once_with_a_hint(in_root: Path) -> None:
    run = run_cli("lint", "fixtures/helm", "--verbose", "--only", "latest-tag", "--format", "json")
    skipped = [line for line in run.stderr.splitlines() if line.startswith("skipped")]
    assert "skipped fixtures/helm/mychart: Helm chart (lint it with --helm-auto" in "\n".join(
        skipped
    )
    assert any("templates/deployment.yaml: Helm chart template" in s for s in skipped)
    # rendered output lying next to the chart is still linted (no chart found from here)
    assert {f["file"] for f in run.json()["findings"]} == {"fixtures/helm/mychart-rendered.yaml"}


def test_real_helm_render_maps_to_templates(in_root: Path, helm: Helm) -> None:
    run = run_cli(
        "lint", "--helm", str(CHART), "--helm-bin", helm.path, "--release-name", "rel",
        "--format", "json", *ONLY,
    )  # fmt: skip
    assert run.exit_code == 1, run.stderr
    assert {(r, f, line, c) for r, f, line, c, _ in _findings(run)} == {
        (r, f, line, c) for r, f, line, c, _ in EXPECTED
    }
    assert "text matching" not in run.stderr  # every finding came from helm's own line map


def test_real_helm_piped_output_maps_to_templates(in_root: Path, helm: Helm) -> None:
    rendered = helm.template("--include-crds", "rel", str(CHART))
    run = run_cli(
        "lint", "-", "--chart-dir", str(CHART), "--helm-bin", helm.path, "--format", "json",
        *ONLY, input=rendered,
    )  # fmt: skip
    assert run.exit_code == 1, run.stderr
    assert {(r, f, line, c) for r, f, line, c, _ in _findings(run)} == {
        (r, f, line, c) for r, f, line, c, _ in EXPECTED
    }
