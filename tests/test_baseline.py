"""Baselines: adopt kubelint on an existing repository and report only new findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx
        - name: proxy
          image: envoy
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.yaml").write_text(APP)
    return tmp_path


def lint(*args: str) -> tuple[int, dict[str, object]]:
    run = run_cli("lint", "app.yaml", "--only", "latest-tag", "--format", "json", *args)
    return run.exit_code, run.json()


def test_create_then_only_new_findings(repo: Path) -> None:
    run = run_cli("baseline", "create", "baseline.json", "app.yaml", "--only", "latest-tag")
    assert run.exit_code == 0, run.stderr
    assert "2 findings" in run.stderr
    data = json.loads((repo / "baseline.json").read_text())
    assert data["version"] == 1 and len(data["findings"]) == 2

    code, report = lint("--baseline", "baseline.json")
    assert code == 0 and report["findings"] == []
    assert report["summary"]["baselined"] == 2

    # Line moves, reformatting, container reordering and value edits keep the baseline valid.
    before = (
        "        - name: web\n          image: nginx\n"
        "        - name: proxy\n          image: envoy\n"
    )
    after = (
        "        - {name: proxy, image: envoy}\n"
        "        - name: web\n          image: nginx:latest\n"
    )
    moved = "# a comment\n\n" + APP.replace(before, after)
    (repo / "app.yaml").write_text(moved)
    code, report = lint("--baseline", "baseline.json")
    assert code == 0 and report["findings"] == [], report["findings"]

    # A new problem (another container) is reported.
    (repo / "app.yaml").write_text(moved + "        - name: extra\n          image: redis\n")
    code, report = lint("--baseline", "baseline.json")
    assert code == 1
    assert [f["container"] for f in report["findings"]] == ["extra"]  # type: ignore[index]


def test_prune_drops_fixed_entries(repo: Path) -> None:
    assert (
        run_cli("baseline", "create", "b.json", "app.yaml", "--only", "latest-tag").exit_code == 0
    )
    (repo / "app.yaml").write_text(APP.replace("image: nginx", "image: nginx:1.27"))
    run = run_cli("baseline", "prune", "b.json", "app.yaml", "--only", "latest-tag")
    assert run.exit_code == 0, run.stderr
    assert "dropped 1" in run.stderr
    data = json.loads((repo / "b.json").read_text())
    assert [e["object"] for e in data["findings"]] == ["Deployment default/web"]
    assert data["findings"][0]["path"].endswith("/1/image")


def test_bad_baseline_file_is_exit_2(repo: Path) -> None:
    (repo / "b.json").write_text("{not json")
    code = run_cli("lint", "app.yaml", "--baseline", "b.json").exit_code
    assert code == 2
