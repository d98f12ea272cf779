"""Kustomize input: real `kubectl kustomize` builds mapped back to base/overlay files and lines."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kubelint.dispatch import Engine
from kubelint.findings import RunResult
from kubelint.options import Options
from kubelint.render import find_kustomize, kustomize_source
from tests.conftest import FIXTURES, Run, run_cli

pytestmark = pytest.mark.skipif(
    find_kustomize() is None, reason="neither kustomize nor kubectl is installed"
)

KUST = FIXTURES / "kustomize"
K = "fixtures/kustomize"
RULES = [
    "privileged-container",
    "host-network",
    "host-pid",
    "latest-tag",
    "secret-in-configmap",
    "low-replica-count",
    "missing-namespace",
]
ONLY = [arg for rule in RULES for arg in ("--only", rule)]


def _findings(run: Run) -> set[tuple[str, str, int, int]]:
    return {(f["rule"], f["file"], f["line"], f["column"]) for f in run.json()["findings"]}


def _tree(root: Path) -> list[tuple[str, bytes]]:
    return sorted(
        (p.relative_to(root).as_posix(), p.read_bytes()) for p in root.rglob("*") if p.is_file()
    )


def test_overlay_with_prefix_namespace_images_and_patch(in_root: Path) -> None:
    before = _tree(KUST)
    run = run_cli("lint", "--kustomize", f"{K}/overlays/prod", "--format", "json", *ONLY)
    assert run.exit_code == 1, run.stderr
    assert _findings(run) == {
        # unchanged by the overlay: the base file's line
        ("privileged-container", f"{K}/base/deployment.yaml", 23, 25),
        # set by the overlay's strategic-merge patch file
        ("host-network", f"{K}/overlays/prod/hostnet.yaml", 8, 20),
        # the base says nginx:1.27; the overlay's `images:` made it latest
        ("latest-tag", f"{K}/overlays/prod/kustomization.yaml", 9, 13),
        # a generated ConfigMap points at its generator entry
        ("secret-in-configmap", f"{K}/base/kustomization.yaml", 10, 9),
    }
    messages = {f["rule"]: f["message"] for f in run.json()["findings"]}
    assert f"(set by `images:` in {K}/overlays/prod/kustomization.yaml)" in messages["latest-tag"]
    assert (
        "(set by the patch fixtures/kustomize/overlays/prod/hostnet.yaml"
        in messages["host-network"]
    )
    for f in run.json()["findings"]:
        assert f["rendered"]["file"] == f"kustomize build {K}/overlays/prod"
        assert f["object"]["name"].startswith("prod-")  # findings name the rendered object
    assert _tree(KUST) == before  # the user's tree is never written to


def test_overlay_with_suffix_replicas_and_inline_patch(in_root: Path) -> None:
    run = run_cli("lint", "--kustomize", f"{K}/overlays/dev", "--format", "json", *ONLY)
    assert _findings(run) == {
        ("privileged-container", f"{K}/base/deployment.yaml", 23, 25),
        ("low-replica-count", f"{K}/overlays/dev/kustomization.yaml", 9, 12),
        # inside the inline JSON 6902 patch: the `value: true` line
        ("host-pid", f"{K}/overlays/dev/kustomization.yaml", 17, 16),
        ("secret-in-configmap", f"{K}/base/kustomization.yaml", 10, 9),
    }


def test_base_build_points_at_base_files(in_root: Path) -> None:
    run = run_cli("lint", "--kustomize", f"{K}/base", "--format", "json", *ONLY)
    assert _findings(run) == {
        ("privileged-container", f"{K}/base/deployment.yaml", 23, 25),
        ("secret-in-configmap", f"{K}/base/kustomization.yaml", 10, 9),
        ("missing-namespace", f"{K}/base/deployment.yaml", 3, 1),
        ("missing-namespace", f"{K}/base/service.yaml", 3, 1),
        ("missing-namespace", f"{K}/base/kustomization.yaml", 7, 5),
    }


def test_origin_annotations_never_reach_rules(in_root: Path) -> None:
    source = kustomize_source(f"{K}/overlays/prod")
    assert source.data is not None and b"config.kubernetes.io/origin" in source.data
    objects = Engine([], Options()).load_source(source, RunResult())
    assert len(objects) == 3
    for obj in objects:
        assert "config.kubernetes.io/origin" not in obj.annotations
        assert "annotations" not in obj.metadata  # it held nothing else
    run = run_cli("lint", "--kustomize", f"{K}/overlays/prod", "--format", "json")
    assert "config.kubernetes.io" not in run.stdout


def test_piped_build_maps_with_kustomize_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "kustomize"
    shutil.copytree(KUST, copy)
    overlay = copy / "overlays" / "prod"
    kfile = overlay / "kustomization.yaml"
    kfile.write_text(kfile.read_text() + "buildMetadata: [originAnnotations]\n")
    tool = find_kustomize()
    assert tool is not None
    built = subprocess.run([*tool, str(overlay)], capture_output=True, check=True).stdout
    monkeypatch.chdir(tmp_path)
    run = run_cli(
        "lint", "-", "--kustomize-root", "kustomize/overlays/prod", "--format", "json", *ONLY,
        input=built,
    )  # fmt: skip
    assert _findings(run) == {
        ("privileged-container", "kustomize/base/deployment.yaml", 23, 25),
        ("host-network", "kustomize/overlays/prod/hostnet.yaml", 8, 20),
        ("latest-tag", "kustomize/overlays/prod/kustomization.yaml", 9, 13),
        ("secret-in-configmap", "kustomize/base/kustomization.yaml", 10, 9),
    }
    assert {f["rendered"]["file"] for f in run.json()["findings"]} == {"-"}


def test_kustomize_auto_builds_top_level_kustomizations(in_root: Path) -> None:
    run = run_cli("lint", K, "--kustomize-auto", "--format", "json", "--verbose", *ONLY)
    rendered = {f["rendered"]["file"] for f in run.json()["findings"]}
    assert rendered == {f"kustomize build {K}/overlays/dev", f"kustomize build {K}/overlays/prod"}
    assert f"skipped {K}/base/deployment.yaml: linted through its kustomize build" in run.stderr


def test_missing_kustomization_is_an_error(in_root: Path) -> None:
    run = run_cli("lint", "--kustomize", f"{K}/base/..")
    assert run.exit_code == 2
    assert "no kustomization.yaml" in run.stderr
