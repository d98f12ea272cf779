"""Which files a run lints: .gitignore (git's rules, --no-gitignore), --exclude /
--extend-exclude next to the configuration's exclude:, and --list-files (newcomer #32, #37)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kubelint.filesel import GitIgnore, pattern_matches
from tests.conftest import run_cli

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: NAME, namespace: shop}
spec:
  containers: [{name: web, image: "nginx:1.27"}]
"""


def tree(root: Path, files: list[str], gitignores: dict[str, str] | None = None) -> Path:
    for n, rel in enumerate(files):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(POD.replace("NAME", f"p{n}"), encoding="utf-8")
    for rel, text in (gitignores or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def listed(*args: str) -> list[str]:
    run = run_cli("lint", "--list-files", *args)
    assert run.exit_code == 0, run.stderr
    return run.stdout.splitlines()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    tree(
        root,
        [
            "deploy/web.yaml",
            "deploy/web.gen.yaml",
            "deploy/keep.gen.yaml",
            "build/rendered.yaml",
            "deploy/build/nested.yaml",
            "top.yaml",
            "sub/top.yaml",
            "sub/local.yaml",
            "sub/debug/dump.yaml",
        ],
        {
            ".gitignore": "build/\n*.gen.yaml\n!keep.gen.yaml\n/top.yaml\n# a comment\n",
            "sub/.gitignore": "local.yaml\ndebug/\n",
        },
    )
    monkeypatch.chdir(root)
    return root


def test_gitignore_is_respected_with_git_semantics(repo: Path) -> None:
    assert listed(".") == ["deploy/keep.gen.yaml", "deploy/web.yaml", "sub/top.yaml"]


def test_git_agrees(repo: Path) -> None:
    """The same files git itself reports as not ignored."""
    out = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "*.yaml"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(out) == sorted(listed("."))


def test_no_gitignore_lints_everything(repo: Path) -> None:
    assert len(listed(".", "--no-gitignore")) == 9


def test_gitignore_from_a_subdirectory_and_info_exclude(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("web.yaml\n", encoding="utf-8")
    monkeypatch.chdir(repo / "deploy")
    assert listed(".") == ["keep.gen.yaml"]  # the top's .gitignore and info/exclude apply


def test_a_file_named_directly_is_always_linted(repo: Path) -> None:
    assert listed("build/rendered.yaml", "deploy/web.gen.yaml") == [
        "build/rendered.yaml",
        "deploy/web.gen.yaml",
    ]
    run = run_cli("lint", "build/rendered.yaml")
    assert " in 1 object from 1 file" in run.stdout.splitlines()[-1]


def test_gitignore_outside_a_repository_applies_inside_the_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree(tmp_path, ["a.yaml", "out/b.yaml"], {".gitignore": "out/\n"})
    monkeypatch.chdir(tmp_path)
    assert listed(".") == ["a.yaml"]


def test_exclude_on_the_command_line(repo: Path) -> None:
    assert listed(".", "--exclude", "sub") == ["deploy/keep.gen.yaml", "deploy/web.yaml"]
    assert listed(".", "--exclude", "keep.gen.yaml,sub/top.yaml") == ["deploy/web.yaml"]
    assert listed(".", "--exclude", "deploy/*.yaml", "--exclude", "sub/**") == []


def test_exclude_replaces_the_configuration_and_extend_exclude_adds(repo: Path) -> None:
    (repo / ".kubelint.yaml").write_text('exclude: ["sub/**"]\n', encoding="utf-8")
    assert listed(".") == ["deploy/keep.gen.yaml", "deploy/web.yaml"]
    assert listed(".", "--exclude", "keep.gen.yaml") == ["deploy/web.yaml", "sub/top.yaml"]
    assert listed(".", "--extend-exclude", "web.yaml") == ["deploy/keep.gen.yaml"]
    run = run_cli("lint", ".", "--extend-exclude", "web.yaml", "-v")
    assert "skipped deploy/web.yaml: excluded by --extend-exclude" in run.stderr
    assert "skipped sub/top.yaml: excluded by configuration" in run.stderr


def test_list_files_reports_a_missing_path(repo: Path) -> None:
    run = run_cli("lint", "--list-files", "deploy", "nope")
    assert run.exit_code == 2
    assert run.stdout.splitlines() == ["deploy/keep.gen.yaml", "deploy/web.yaml"]
    assert "kubelint: nope: no such file or directory" in run.stderr


@pytest.mark.parametrize(
    ("rel", "pattern", "hit"),
    [
        ("vendor/x/a.yaml", "vendor", True),
        ("a/vendor/b.yaml", "vendor", True),
        ("a/vendors/b.yaml", "vendor", False),
        ("a/b.gen.yaml", "*.gen.yaml", True),
        ("legacy/a/b.yaml", "legacy/**", True),
        ("deploy/legacy/a.yaml", "deploy/legacy", True),
        ("deploy/legacy/a.yaml", "./deploy/legacy/", True),
        ("x/deploy/legacy/a.yaml", "deploy/legacy", False),
        ("charts/web/ci/a.yaml", "charts/*/ci/*.yaml", True),
    ],
)
def test_exclude_patterns(rel: str, pattern: str, hit: bool) -> None:
    assert pattern_matches(rel, pattern) is hit


def test_deeper_gitignore_overrides(tmp_path: Path) -> None:
    tree(tmp_path, ["a/x.yaml"], {".gitignore": "x.yaml\n", "a/.gitignore": "!x.yaml\n"})
    ignore = GitIgnore(tmp_path)
    assert ignore.ignored(tmp_path / "a" / "x.yaml", False) is False
    assert ignore.ignored(tmp_path / "x.yaml", False) is True


# --- bench/schema_cost.py never measures nothing (newcomer #40) -------------------------------


def test_schema_cost_refuses_a_missing_corpus(tmp_path: Path) -> None:
    import sys

    from tests.conftest import ROOT

    script = str(ROOT / "bench" / "schema_cost.py")
    missing = subprocess.run(
        [sys.executable, script, str(tmp_path / "nope"), "--runs", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2
    assert missing.stdout == ""
    assert f"schema_cost: corpus {tmp_path / 'nope'} is not a directory" in missing.stderr
    (tmp_path / "bad.yaml").write_text("kind: Pod\n", encoding="utf-8")
    (tmp_path / ".kubelint.yaml").write_text("nosuchkey: 1\n", encoding="utf-8")
    failing = subprocess.run(
        [sys.executable, script, str(tmp_path), "--runs", "1"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert failing.returncode == 2, failing.stdout
    assert "schema_cost: lint failed (exit 2)" in failing.stderr
    assert "extra cost" not in failing.stdout
