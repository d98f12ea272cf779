"""Helm field cases (copied from ../shared/cases/field into fixtures/helm), the line-map
machinery (kubelint.mapping.helm_trace) and the values lookup (kubelint.mapping.helm_values)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from kubelint.mapping import helm_trace
from kubelint.mapping.helm_trace import (
    align,
    copy_instrumented,
    instrument,
    markable_lines,
    release_from_probe,
    reproduces,
)
from kubelint.mapping.helm_values import ValuesFiles, set_keys, subchart_dir, value_paths
from tests.conftest import FIXTURES, run_cli
from tests.helm_support import CHARTS, Helm

TREES = FIXTURES / "helm" / "trees"


# --- field cases -------------------------------------------------------------------------------


def test_helm_auto_skips_a_library_chart_with_a_verbose_note(helm: Helm, in_root: Path) -> None:
    """helm-auto-library-chart: `type: library` is never rendered; exit 1 for the warning."""
    tree = "fixtures/helm/trees/library-tree"
    run = run_cli(
        "lint", "--no-config", tree, "--helm-auto", "--helm-bin", helm.path, "--only",
        "latest-tag", "--verbose",
    )  # fmt: skip
    assert run.exit_code == 1, run.stderr
    assert run.stdout.splitlines()[0].startswith(f"{tree}/app/templates/pod.yaml:8:14: warning")
    assert f"skipped {tree}/lib: Helm library chart (not installable)" in run.stderr
    assert "failed" not in run.stderr
    quiet = run_cli("lint", "--no-config", tree, "--helm-auto", "--helm-bin", helm.path)
    assert "library" not in quiet.stderr  # the note is for --verbose


def test_library_chart_named_with_helm_is_a_clear_error(helm: Helm, in_root: Path) -> None:
    run = run_cli(
        "lint",
        "--no-config",
        "--helm",
        "fixtures/helm/trees/library-tree/lib",
        "--helm-bin",
        helm.path,
    )
    assert run.exit_code == 2
    assert "library" in run.stderr


def _pipe(helm: Helm, cwd: Path, chart: str, *args: str) -> tuple[str, str]:
    rendered = helm.template("rel", chart, cwd=cwd)
    run = run_cli("lint", "-", "--no-config", "--only", "latest-tag", *args, input=rendered)
    assert run.exit_code == 1, run.stderr
    return run.stdout.splitlines()[0], run.stderr


def test_piped_chart_below_the_current_directory_is_found(
    helm: Helm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """helm-pipe-chart-not-found-silent, first command: from the repository root."""
    repo = TREES / "pipe-repo"
    monkeypatch.chdir(repo)
    first, stderr = _pipe(helm, repo, "charts/web", "--helm-bin", helm.path)
    assert first.startswith("charts/web/templates/pod.yaml:8:14: warning latest-tag")
    assert stderr == ""
    monkeypatch.chdir(repo / "charts")
    first, _ = _pipe(helm, repo / "charts", "web")
    assert first.startswith("web/templates/pod.yaml:8:14: warning latest-tag")


def test_piped_chart_not_found_is_said(
    helm: Helm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = TREES / "pipe-repo"
    rendered = helm.template("rel", str(repo / "charts" / "web"))
    monkeypatch.chdir(tmp_path)
    run = run_cli("lint", "-", "--no-config", "--only", "latest-tag", input=rendered)
    assert run.stdout.startswith("-:10:14: warning latest-tag")
    assert run.stderr.strip().splitlines() == [
        'kubelint: 1 finding(s) could not be mapped to templates: chart "web" '
        "(from # Source:) not found; pass --chart-dir DIR"
    ]


def test_piped_chart_dir_naming_another_chart_is_said(
    helm: Helm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = TREES / "pipe-repo"
    other = tmp_path / "other"
    other.mkdir()
    (other / "Chart.yaml").write_text("apiVersion: v2\nname: other\nversion: 0.1.0\n")
    monkeypatch.chdir(repo)
    first, stderr = _pipe(helm, repo, "charts/web", "--chart-dir", str(other))
    assert first.startswith("-:10:14: warning latest-tag")
    assert stderr.strip().splitlines() == [
        f'kubelint: --chart-dir {other} is chart "other", but the `# Source:` comments name '
        'chart "web": findings may point at the wrong templates or stay at the rendered lines'
    ]


# --- helm_trace --------------------------------------------------------------------------------


def test_markers_only_where_they_cannot_change_the_output() -> None:
    template = (
        "a: 1\n"  # 1 marked
        "{{- if .x -}}\n"  # 2 right trim: a marker would stop it
        "b: 2\n"  # 3 marked
        "\n"  # 4 blank: a left trim below would stop at a marker
        "{{- /* note */}}\n"  # 5 marked (the comment emits nothing)
        'c: {{ include "x" (dict\n'  # 6 action spans lines: no marker inside
        '  "k" 1) }}\n'  # 7 marked, naming line 6
        '{{- define "y" }}\n'  # 8 define bodies belong to the include line
        "d: 3\n"  # 9
        "{{- end }}\n"  # 10 marked: what follows the end is the file's own text
        "---\n"  # 11 separator
        "e: 4"  # 12 last line without a newline
    )
    assert markable_lines(template) == {1: 1, 3: 3, 5: 5, 7: 6, 10: 10, 12: 12}
    marked = instrument(template, 3, "klnonce")
    assert marked.split("\n")[6] == '  "k" 1) }} #klnonce:3:6#'
    assert marked.split("\n")[1] == "{{- if .x -}}"


def test_align_maps_lines_and_counts_what_differs() -> None:
    real = "---\n# Source: c/templates/a.yaml\na: 1\nb: 2\nc: 3\n"
    traced = "---\n# Source: c/templates/a.yaml\na: 1 #kln:0:1#\nb: 9 #kln:0:2#\nc: 3 #kln:0:7#\n"
    files = [Path("/chart/templates/a.yaml")]
    trace = align(real, traced, "kln", files)
    assert trace.lookup(3) == (files[0], 1) and trace.lookup(5) == (files[0], 7)
    assert trace.lookup(4) is None and trace.unaligned == 1
    strict = align(real, traced, "kln", files, partial=False)
    assert strict.lines == {} and strict.unaligned == 3


def test_reproduces_accepts_left_out_documents_only() -> None:
    full = "---\n# Source: c/crds/x.yaml\nkind: X\n---\n# Source: c/templates/a.yaml\na: 1\n"
    pipe = "---\n# Source: c/templates/a.yaml\na: 1\n\n"
    assert reproduces(pipe, full)
    assert not reproduces(pipe.replace("a: 1", "a: 2"), full)
    assert not reproduces("", full)


def test_release_name_is_learnt_from_a_probe_render() -> None:
    probe = "---\n# Source: c/t.yaml\nname: kubelint-release-probe-web\nport: 80\n"
    pipe = "---\n# Source: c/t.yaml\nname: shop-prod-web\nport: 80\n"
    assert release_from_probe(pipe, probe, "kubelint-release-probe") == "shop-prod"
    assert release_from_probe(probe, probe, "kubelint-release-probe") is None


def test_the_chart_is_copied_never_written(tmp_path: Path) -> None:
    chart = CHARTS / "compact"
    before = {p: p.read_bytes() for p in chart.rglob("*") if p.is_file()}
    files = copy_instrumented(chart, tmp_path / "copy", "klx")
    assert files == [chart.resolve() / "templates" / "deployment.yaml"]
    assert "#klx:0:" in (tmp_path / "copy" / "templates" / "deployment.yaml").read_text()
    assert {p: p.read_bytes() for p in chart.rglob("*") if p.is_file()} == before


def test_temporary_copy_is_removed_on_ctrl_c(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def interrupted(*args: object, **kwargs: object) -> None:
        assert any(p.name.startswith("kubelint-helm-") for p in tmp_path.iterdir())
        raise KeyboardInterrupt

    monkeypatch.setattr("kubelint.render_guard.run_bounded", interrupted)
    with pytest.raises(KeyboardInterrupt):
        helm_trace.trace_render(["helm", "template"], "rel", CHARTS / "compact", "")
    assert list(tmp_path.iterdir()) == []


def test_helm_mode_with_renders_that_differ_says_so_once(
    helm: Helm, tmp_path: Path, in_root: Path
) -> None:
    """A chart whose output depends on its own template text (here a checksum of a template
    that carries a finding) cannot be aligned on that line: one notice, text matching there."""
    chart = tmp_path / "sum"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: sum\nversion: 0.1.0\n")
    (chart / "templates" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
        '    - name: web\n      image: "nginx:{{ include (print $.Template.BasePath '
        '"/cm.yaml") . | sha256sum | trunc 6 }}-latest"\n'
    )
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n"
    )
    run = run_cli(
        "lint", "--no-config", "--helm", str(chart), "--helm-bin", helm.path, "--only",
        "image-not-pinned-by-digest",
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr  # an info finding
    assert run.stdout.startswith(f"{chart}/templates/pod.yaml:8:")
    notes = [line for line in run.stderr.splitlines() if "text matching" in line]
    assert len(notes) == 1 and "1 finding(s)" in notes[0]


# --- helm_values -------------------------------------------------------------------------------


def test_value_paths_and_set_keys() -> None:
    line = 'image: "{{ .Values.image.repository }}:{{ $.Values.image.tag | default .Chart.Name }}"'
    assert value_paths(line) == [["image", "repository"], ["image", "tag"]]
    assert value_paths("{{ .Values }}") == [] and value_paths("{{ $x.Values.a }}") == []
    assert set_keys(["a.b=1,c=2", "d\\.e=3"]) == [["a", "b"], ["c"], ["d\\.e"]]


def test_values_chain_follows_aliases_and_files(tmp_path: Path) -> None:
    shop = CHARTS / "shop"
    assert subchart_dir(shop, "redis-cache") == shop / "charts" / "cache"
    assert subchart_dir(shop, "missing") is None
    override = tmp_path / "prod.yaml"
    override.write_text("redis-cache:\n  hostPID: true\n")
    values = ValuesFiles(shop, [override])
    found = values.locate(["redis-cache"], ["hostPID"])
    assert found is not None and found[:3] == (override, 2, 3)
    values = ValuesFiles(shop, [override], set_paths=[["redis-cache", "hostPID"]])
    assert values.locate(["redis-cache"], ["hostPID"]) is None  # --set wins
    # the subchart's own default, when no parent file sets the key
    found = ValuesFiles(shop).locate(["redis-cache"], ["image"])
    assert found is not None and found[0] == shop / "charts" / "cache" / "values.yaml"
