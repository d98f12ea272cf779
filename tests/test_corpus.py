"""kubelint lints every real manifest of ../shared/corpus without a traceback or tool error."""

from __future__ import annotations

from collections import Counter

import pytest

from kubelint.render import find_kustomize
from tests.conftest import SHARED, run_cli

CORPUS = SHARED / "corpus"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")
def test_corpus_lints_without_tool_errors() -> None:
    run = run_cli("lint", str(CORPUS), "--format", "json", "--fail-on", "never", "--verbose")
    assert run.exit_code == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert "raised" not in run.stderr, run.stderr[-3000:]
    report = run.json()
    summary = report["summary"]
    # argo-cd's and microservices-demo's kustomizations are built (kubectl is on PATH in CI):
    # a build counts as one file, the ~80 files it owns are linted through it
    through_builds = run.stderr.count(": linted through its kustomize build")
    assert summary["files"] + through_builds > 350
    if find_kustomize() is not None:
        assert through_builds > 50
        assert any(f.get("build") for f in report["findings"])
    assert summary["objects"] > 1000
    # The Helm chart's templates and values are skipped, not reported as syntax errors.
    assert summary["skipped_documents"] > 0
    by_rule = Counter(f["rule"] for f in report["findings"])
    assert by_rule["yaml-syntax-error"] == 0, [
        f for f in report["findings"] if f["rule"] == "yaml-syntax-error"
    ]
    # Rendered YAML next to a chart is still linted.
    assert any("redis-ha/chart/upstream.yaml" in f["file"] for f in report["findings"])
