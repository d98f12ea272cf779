"""Reading inputs on a hostile tree: symlinks, loops, FIFOs, devices, huge files, permissions.

Cases from ../shared/cases/hardening (R01-R07, R26, S07), copied here: every read stays inside the
linted roots, is bounded before it happens, and every problem is a clear message (exit 2) or a
finding while the rest of the tree is still linted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kubelint.sources import collect
from tests.conftest import ROOT, run_cli
from tests.helpers import CANARY, ISOLATED, PRIVILEGED, run_kubelint

SECRET_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: registry.internal/app:latest
    env:
    - {name: DB_PASSWORD, value: OUTSIDE-SECRET-VALUE}
"""


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "zz-canary.yaml").write_text(CANARY)
    return tree


def _kubelint(
    *args: str, cwd: Path, stdin: object = subprocess.DEVNULL, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return run_kubelint(*args, cwd=cwd, env=ISOLATED, prefix=prefix, stdin=stdin, timeout=120)


def _no_dac() -> tuple[str, ...]:
    """A prefix that runs a command without the root capabilities that bypass file modes."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes cannot be enforced")
    drop = "-dac_override,-dac_read_search"
    return (setpriv, f"--bounding-set={drop}", f"--inh-caps={drop}")


def test_symlink_loop_in_tree_is_an_error_and_the_rest_is_linted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # R01
    tree = _tree(tmp_path)
    (tree / "loop.yaml").symlink_to("loop.yaml")
    monkeypatch.chdir(tree)
    run = run_cli("lint", ".", "--only", "latest-tag")
    assert run.exit_code == 2
    assert "loop.yaml: cannot read file: symlink loop" in run.stderr
    assert "zz-canary.yaml:8:14: warning latest-tag" in run.stdout
    assert "Traceback" not in run.stderr


def test_explicit_symlink_loop_names_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # R26
    tree = _tree(tmp_path)
    (tree / "loop.yaml").symlink_to("loop.yaml")
    monkeypatch.chdir(tree)
    run = run_cli("lint", "loop.yaml", "zz-canary.yaml", "--only", "latest-tag")
    assert run.exit_code == 2
    assert (
        "loop.yaml: cannot read file: symlink loop (too many levels of symbolic links)"
        in run.stderr
    )
    assert "no such file" not in run.stderr
    assert "zz-canary.yaml:8:14" in run.stdout


def test_fifo_in_tree_is_skipped_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # R02: opening a FIFO for reading blocks until a writer comes; it must never be opened.
    tree = _tree(tmp_path)
    os.mkfifo(tree / "pipe.yaml")
    monkeypatch.chdir(tree)
    run = run_cli("lint", ".", "--only", "latest-tag", "--verbose")
    assert run.exit_code == 1
    assert "skipped pipe.yaml: not a regular file" in run.stderr
    assert "zz-canary.yaml:8:14" in run.stdout


def test_fifo_in_custom_rules_dir_is_a_catalogue_error_not_a_hang(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    (tree / "policies").mkdir()
    os.mkfifo(tree / "policies" / "pipe.yaml")
    run = run_cli("lint", str(tree / "zz-canary.yaml"), "--rules-dir", str(tree / "policies"))
    assert run.exit_code == 2
    assert "pipe.yaml: cannot read rule file: not a regular file" in run.stderr


def test_dev_zero_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # R03: a link to a device inside the tree points outside it, and is not a regular file.
    tree = _tree(tmp_path)
    (tree / "zero.yaml").symlink_to("/dev/zero")
    monkeypatch.chdir(tree)
    run = run_cli("lint", ".", "--only", "latest-tag", "--verbose")
    assert run.exit_code == 1
    assert "skipped zero.yaml: symbolic link to /dev/zero, outside the linted paths" in run.stderr
    run = run_cli("lint", "/dev/zero", "zz-canary.yaml", "--only", "latest-tag")
    assert run.exit_code == 2
    assert "/dev/zero: not a regular file or directory" in run.stderr
    assert "zz-canary.yaml:8:14" in run.stdout


def test_endless_stdin_is_capped_at_the_input_limit(tmp_path: Path) -> None:
    # R03: `kubelint lint - < /dev/zero` reads at most limit + 1 bytes, then one finding.
    with open("/dev/zero", "rb") as zero:
        proc = _kubelint("lint", "-", "--format", "json", cwd=tmp_path, stdin=zero)
    assert proc.returncode == 1, proc.stderr
    assert '"rule": "input-limit"' in proc.stdout
    assert "larger than 64 MiB" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_huge_sparse_file_is_refused_from_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # R04: stat, not read: no byte of a 2 GiB file is read
    tree = _tree(tmp_path)
    with open(tree / "big.yaml", "wb") as fh:
        fh.truncate(2 * 1024**3)
    monkeypatch.chdir(tree)
    run = run_cli("lint", ".", "--only", "latest-tag", "--only", "input-limit")
    assert run.exit_code == 1
    assert "big.yaml:1:1: error input-limit input is larger than 64 MiB; not parsed" in run.stdout
    assert "zz-canary.yaml:8:14" in run.stdout


def test_unreadable_directory_is_an_error_not_a_clean_run(tmp_path: Path) -> None:  # R05
    prefix = _no_dac()
    tree = _tree(tmp_path)
    (tree / "locked").mkdir()
    (tree / "locked" / "pod.yaml").write_text(PRIVILEGED)
    (tree / "locked").chmod(0)
    try:
        proc = _kubelint("lint", "locked", cwd=tree, prefix=prefix)
    finally:
        (tree / "locked").chmod(0o755)
    assert proc.returncode == 2
    assert "locked: cannot read directory: Permission denied" in proc.stderr


def test_unsearchable_directory_and_file_under_locked_parent(tmp_path: Path) -> None:  # R06
    prefix = _no_dac()
    tree = _tree(tmp_path)
    for name in ("nosearch", "locked"):
        (tree / name).mkdir()
        (tree / name / "pod.yaml").write_text(PRIVILEGED)
    (tree / "nosearch").chmod(0o644)
    (tree / "locked").chmod(0)
    try:
        proc = _kubelint("lint", ".", "--only", "latest-tag", cwd=tree, prefix=prefix)
        single = _kubelint("lint", "locked/pod.yaml", cwd=tree, prefix=prefix)
    finally:
        (tree / "nosearch").chmod(0o755)
        (tree / "locked").chmod(0o755)
    assert proc.returncode == 2
    assert "nosearch/pod.yaml: cannot read file: Permission denied" in proc.stderr
    assert "locked: cannot read directory: Permission denied" in proc.stderr
    assert "zz-canary.yaml:8:14" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert single.returncode == 2
    assert "locked/pod.yaml: cannot read file: Permission denied" in single.stderr
    assert "Traceback" not in single.stderr


def test_closed_stdin_is_a_clear_error(tmp_path: Path) -> None:  # R07
    env = {"KUBELINT_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": str(ROOT)}
    proc = run_kubelint(
        "lint", "-", cwd=tmp_path, env=env, preexec_fn=lambda: os.close(0), timeout=120
    )
    assert proc.returncode == 2
    assert "-: cannot read standard input: Bad file descriptor" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_symlink_outside_the_tree_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # S07: its content never reaches the output
    outside = tmp_path / "outside.yaml"
    outside.write_text(SECRET_POD)
    tree = _tree(tmp_path)
    (tree / "pod.yaml").symlink_to(outside)
    monkeypatch.chdir(tree)
    for args in ((".",), ("pod.yaml", "zz-canary.yaml")):
        run = run_cli("lint", *args, "--color", "always", "--verbose", "--format", "text")
        assert "OUTSIDE-SECRET" not in run.stdout + run.stderr
        assert "symbolic link to" in run.stderr and "outside the linted paths" in run.stderr
        assert "zz-canary.yaml" in run.stdout
    # Named on the command line, the target itself is linted.
    run = run_cli("lint", str(outside), "--only", "latest-tag")
    assert run.exit_code == 1
    assert "outside.yaml:7:12: warning latest-tag" in run.stdout


def test_symlinks_inside_the_roots_are_followed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = _tree(tmp_path)
    (tree / "real").mkdir()
    (tree / "real" / "web.yaml").write_text(CANARY.replace("canary", "web"))
    (tree / "app").symlink_to("real")  # a directory link inside the root
    (tree / "alias.yaml").symlink_to("zz-canary.yaml")  # a file link inside the root
    (tree / "real" / "up").symlink_to("..")  # a directory cycle
    monkeypatch.chdir(tree)
    sources, _skipped, errors = collect(["."])
    assert errors == []
    names = sorted(s.name for s in sources)
    # Each file once, whichever way it is reached, under the name of the file itself.
    assert names == ["real/web.yaml", "zz-canary.yaml"]


def test_symlinked_directory_outside_the_root_is_listed_with_verbose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "pod.yaml").write_text(CANARY)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app").symlink_to("../real")
    monkeypatch.chdir(tmp_path)
    run = run_cli("lint", "tree", "--verbose", "--only", "latest-tag")
    assert "skipped tree/app: symbolic link to" in run.stderr
    assert "(1 skipped)" in run.stdout
    # Both trees named: the link resolves inside a root and is followed.
    run = run_cli("lint", "tree", "real", "--only", "latest-tag", "--format", "json")
    assert len(run.json()["findings"]) == 1


def test_dangling_symlink_is_skipped_with_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = _tree(tmp_path)
    (tree / "gone.yaml").symlink_to("missing.yaml")
    monkeypatch.chdir(tree)
    run = run_cli("lint", ".", "--only", "latest-tag", "--verbose")
    assert run.exit_code == 1
    assert "skipped gone.yaml: dangling symbolic link" in run.stderr


def test_control_characters_in_file_names_are_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # R28
    tree = _tree(tmp_path)
    (tree / "new\nline.yaml").write_text(CANARY)
    (tree / "\x1b[31mred.yaml").write_text(CANARY)
    monkeypatch.chdir(tree)
    run = run_cli("lint", ".", "--only", "latest-tag")
    assert run.exit_code == 1
    assert run.stdout.splitlines()[:3] == [
        '\\x1b[31mred.yaml:8:14: warning latest-tag container "c" image "nginx" has no tag '
        "(resolves to docker.io/library/nginx:latest)",
        'new\\nline.yaml:8:14: warning latest-tag container "c" image "nginx" has no tag '
        "(resolves to docker.io/library/nginx:latest)",
        'zz-canary.yaml:8:14: warning latest-tag container "c" image "nginx" has no tag '
        "(resolves to docker.io/library/nginx:latest)",
    ]
    assert "\x1b" not in run.stdout


def test_rendered_output_cannot_point_the_mapper_outside_the_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kustomize origin annotation naming a file outside the repository is not read, so its
    lines never reach the report (the finding stays on the rendered output)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "pod.yaml").write_text(SECRET_POD)
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "app").mkdir()
    (repo / "app" / "kustomization.yaml").write_text("resources: [pod.yaml]\n")
    rendered = SECRET_POD.replace(
        "metadata: {name: p}",
        "metadata:\n  name: p\n  annotations:\n"
        "    config.kubernetes.io/origin: |\n      path: ../../outside/pod.yaml\n",
    )
    monkeypatch.chdir(repo)
    run = run_cli(
        "lint", "-", "--kustomize-root", "app", "--only", "latest-tag", "--color", "always",
        input=rendered,
    )  # fmt: skip
    assert run.exit_code == 1
    assert "OUTSIDE-SECRET" not in run.stdout + run.stderr
    assert "outside/pod.yaml" not in run.stdout
