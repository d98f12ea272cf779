"""Start-up: what a run imports, and the per-user cache (kubelint/cache.py).

The import guard is deterministic where a timing test would not be: after a text-format lint of
one file, the modules that run does not need are not in ``sys.modules``. The cache tests show
that a missing, stale, corrupt, unwritable or concurrently written cache never changes a result
or fails a run, that custom rules from a linted repository never enter it, and that nothing is
written into the linted tree.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kubelint import __version__, cache
from kubelint.catalog import load_rules
from tests.conftest import ROOT
from tests.helpers import DEPLOYMENT, run_kubelint

# Modules a text lint of one file must not import (each costs start-up time).
NOT_NEEDED = (
    "sarif_om",  # --format sarif only
    "attr",  # sarif_om's dependency
    "jsonschema",  # the pure-Python validator: only to explain invalid rule/config files
    "pydantic",  # typer 0.29 coerces parameters with it; kubelint's pass through
    "kubernetes_validate",  # only its data files are read
    "rich",  # terminal output and the progress bar only
    "rich.progress",
    "importlib.metadata",  # the entry-point scan is cached
    "kubelint.reporters.sarif",
    "kubelint.reporters.json",
    "kubelint.reporters.junit",
    "kubelint.fix.core",  # the fix engine: JSON/SARIF reports and `kubelint fix` only
    "kubelint.fix.text",
    "typer",  # the typer layer: `lint` is parsed by kubelint.fastpath
    "kubelint.cli",
)

PROBE = """\
import json, os, sys
from kubelint.launch import main
def fast_exit(code):  # a lint ends the process with os._exit: seen here as SystemExit
    raise SystemExit(code)
os._exit = fast_exit
sys.argv = ["kubelint", *sys.argv[2:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open(OUT, "w") as fh:
    json.dump({"code": code, "modules": sorted(sys.modules)}, fh)
"""


def _probe(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    out = tmp_path / "modules.json"
    (tmp_path / "probe").mkdir(exist_ok=True)  # sys.path[0]: a directory that stays unchanged
    script = tmp_path / "probe" / "probe.py"
    script.write_text(PROBE.replace("OUT", repr(str(out))), encoding="utf-8")
    subprocess.run(
        [sys.executable, str(script), "-", *args],
        cwd=tmp_path,
        env={**os.environ, **(env or {})},
        capture_output=True,
        check=False,
    )
    data: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return data


def _run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_kubelint(*args, cwd=cwd, env=env)


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "tree" / "web.yaml"
    path.parent.mkdir()
    path.write_text(DEPLOYMENT, encoding="utf-8")
    return path


def test_text_lint_of_one_file_imports_only_what_it_needs(tmp_path: Path, manifest: Path) -> None:
    env = {"KUBELINT_CACHE_DIR": str(tmp_path / "cache")}
    _probe(tmp_path, "lint", str(manifest), env=env)  # fills the cache
    data = _probe(tmp_path, "lint", str(manifest), env=env)
    assert data["code"] == 1  # findings (latest tag, …): the lint really ran
    modules = set(data["modules"])  # type: ignore[call-overload]
    assert "kubelint.checks.images" in modules
    assert "kubelint.reporters.text" in modules
    assert sorted(m for m in NOT_NEEDED if m in modules) == []


def test_version_is_answered_without_the_command_line_layer(tmp_path: Path) -> None:
    data = _probe(tmp_path, "--version")
    assert data["code"] == 0
    assert "typer" not in set(data["modules"])  # type: ignore[call-overload]
    fast = _run(["--version"], tmp_path)
    full = subprocess.run(  # the typer command's own --version
        [sys.executable, "-c", "from kubelint.cli import main; main()", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (fast.returncode, fast.stdout, fast.stderr) == (0, full.stdout, "")
    assert full.returncode == 0
    assert fast.stdout == f"kubelint {__version__}\n"


def test_only_the_enabled_rules_check_modules_are_imported(tmp_path: Path, manifest: Path) -> None:
    env = {"KUBELINT_CACHE_DIR": str(tmp_path / "cache")}
    _probe(tmp_path, "lint", str(manifest), env=env)  # fills the cache
    data = _probe(tmp_path, "lint", str(manifest), "--only", "latest-tag", env=env)
    modules = set(data["modules"])  # type: ignore[call-overload]
    assert "kubelint.checks.images" in modules
    assert "kubelint.checks.schema" not in modules
    assert "kubelint.checks.security" not in modules


def test_sarif_is_imported_when_asked_for(tmp_path: Path, manifest: Path) -> None:
    env = {"KUBELINT_CACHE_DIR": str(tmp_path / "cache")}
    data = _probe(tmp_path, "lint", str(manifest), "--format", "sarif", env=env)
    assert "sarif_om" in set(data["modules"])  # type: ignore[call-overload]


def _outputs(manifest: Path, env: dict[str, str]) -> tuple[int, str, str]:
    done = _run(["lint", str(manifest), "--format", "json"], manifest.parent, env)
    return done.returncode, done.stdout, done.stderr


def test_missing_warm_uncached_and_corrupt_caches_give_the_same_result(
    tmp_path: Path, manifest: Path
) -> None:
    cache_dir = tmp_path / "cache"
    env = {"KUBELINT_CACHE_DIR": str(cache_dir)}
    uncached = _outputs(manifest, {"KUBELINT_NO_CACHE": "1"})
    assert not cache_dir.exists()
    cold = _outputs(manifest, env)
    entries = sorted(p.name for p in cache_dir.iterdir())
    assert any(name.startswith("rules-") for name in entries)
    assert any(name.startswith("schema-") for name in entries)
    warm = _outputs(manifest, env)
    for entry in cache_dir.iterdir():  # truncate / garble every entry
        data = entry.read_bytes()
        entry.write_bytes(data[: len(data) // 2] if len(data) % 2 else b"not a pickle")
    corrupt = _outputs(manifest, env)
    assert uncached[0] == 1
    assert cold == warm == corrupt == uncached


def test_an_entry_with_another_key_is_not_used(tmp_path: Path, manifest: Path) -> None:
    """An entry whose stored key differs (a stale file under the same name) is rebuilt."""
    cache_dir = tmp_path / "cache"
    env = {"KUBELINT_CACHE_DIR": str(cache_dir)}
    expected = _outputs(manifest, env)
    for entry in cache_dir.iterdir():
        with entry.open("wb") as fh:
            pickle.dump((b"another key", {"bogus": True}), fh)
    assert _outputs(manifest, env) == expected


def test_unusable_cache_locations_do_not_fail_a_run(tmp_path: Path, manifest: Path) -> None:
    expected = _outputs(manifest, {"KUBELINT_NO_CACHE": "1"})
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x", encoding="utf-8")
    shared = tmp_path / "shared-dir"
    shared.mkdir()
    shared.chmod(0o777)  # writable by others: not trusted, never read or written
    for location in (a_file, a_file / "below", shared):
        assert _outputs(manifest, {"KUBELINT_CACHE_DIR": str(location)}) == expected
    assert list(shared.iterdir()) == []


def test_a_read_only_cache_is_used_uncached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBELINT_CACHE_DIR", str(tmp_path / "cache"))
    calls = []

    def build() -> list[int]:
        calls.append(1)
        return [1, 2, 3]

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(os, "replace", refuse)
    assert cache.cached("t", ("k",), build) == [1, 2, 3]
    assert cache.cached("t", ("k",), build) == [1, 2, 3]
    assert len(calls) == 2  # built each time, never failed
    assert [p.name for p in (tmp_path / "cache").iterdir()] == []  # no temporary file left


def test_entries_are_keyed_on_the_files_they_come_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBELINT_CACHE_DIR", str(tmp_path / "cache"))
    rules = tmp_path / "plugin-rules"
    rules.mkdir()
    source = (ROOT / "rules" / "latest-tag.yaml").read_text(encoding="utf-8")
    (rules / "latest-tag.yaml").write_text(source, encoding="utf-8")
    first = load_rules([("some-plugin", rules)])["latest-tag"]
    edited = source.replace("severity: warning", "severity: error")
    (rules / "latest-tag.yaml").write_text(edited, encoding="utf-8")
    assert first.severity.value == "warning"
    assert load_rules([("some-plugin", rules)])["latest-tag"].severity.value == "error"


def test_custom_rules_of_a_repository_never_enter_the_cache(tmp_path: Path, manifest: Path) -> None:
    """A linted repository's customRules are parsed afresh on every run, even when an edit
    keeps the file's size and mtime, and no cache entry is made for them."""
    cache_dir = tmp_path / "cache"
    env = {"KUBELINT_CACHE_DIR": str(cache_dir)}
    repo = manifest.parent
    custom = repo / "policy"
    custom.mkdir()
    rule = custom / "team-label.yaml"
    text = (
        "id: team-label\nsummary: Objects carry a team label (AAAA).\ncategory: custom\n"
        "severity: warning\ndefault: true\ntarget: object\nwhy: Ownership.\n"
        "remediation: Add metadata.labels.team.\n"
        "schema:\n  type: object\n  required: [metadata]\n  properties:\n    metadata:\n"
        "      type: object\n      required: [labels]\n"
    )
    rule.write_text(text, encoding="utf-8")
    (repo / ".kubelint.yaml").write_text("customRules: [policy]\n", encoding="utf-8")
    first = _run(["lint", "web.yaml", "--format", "json"], repo, env)
    before = sorted(p.name for p in cache_dir.iterdir())
    stat = rule.stat()
    rule.write_text(text.replace("AAAA", "BBBB"), encoding="utf-8")
    os.utime(rule, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    second = _run(["lint", "web.yaml", "--format", "json"], repo, env)
    assert "AAAA" in first.stdout
    assert "BBBB" in second.stdout
    assert "AAAA" not in second.stdout
    assert sorted(p.name for p in cache_dir.iterdir()) == before
    for entry in cache_dir.iterdir():
        assert str(custom).encode() not in entry.read_bytes()


def test_nothing_is_written_into_the_linted_tree(tmp_path: Path, manifest: Path) -> None:
    tree = manifest.parent
    before = sorted(p.relative_to(tree) for p in tree.rglob("*"))
    env = {"KUBELINT_CACHE_DIR": str(tmp_path / "cache"), "XDG_CACHE_HOME": str(tmp_path / "x")}
    for _ in range(2):
        _run(["lint", ".", "--format", "json"], tree, env)
    assert sorted(p.relative_to(tree) for p in tree.rglob("*")) == before


def test_concurrent_writers_and_readers_see_whole_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBELINT_CACHE_DIR", str(tmp_path / "cache"))
    value = {"rules": list(range(20000)), "name": "x" * 5000}
    seen: list[object] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                cache.store("c", ("key",), value)
                hit, got = cache.load("c", ("key",))
                seen.append(got if hit else None)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert seen and all(s == value for s in seen)
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.suffix == ".tmp"] == []


def test_concurrent_cold_runs_agree(tmp_path: Path, manifest: Path) -> None:
    env = {**os.environ, "KUBELINT_CACHE_DIR": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "kubelint", "lint", str(manifest), "--format", "json"]
    procs = [
        subprocess.Popen(
            cmd,
            cwd=manifest.parent,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate() for p in procs]
    results = [(p.returncode, *out) for p, out in zip(procs, outputs, strict=True)]
    expected = _outputs(manifest, {"KUBELINT_NO_CACHE": "1"})
    assert all(r == expected for r in results)


def _entry(
    module: str, args: list[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """``kubelint ARGS`` through ``module``'s main (program name ``kubelint`` either way)."""
    code = f"import sys\nsys.argv[0] = 'kubelint'\nfrom {module} import main\nmain()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def _typer(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The typer command line itself (no fast path, no help cache)."""
    return _entry("kubelint.cli", args, cwd, env)


def _probe_output(tmp_path: Path, args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Exit status and stdout of the ``kubelint`` executable's entry point."""
    done = _entry("kubelint.launch", args, tmp_path, env)
    return done.returncode, done.stdout


@pytest.mark.parametrize("args", [["--help"], ["lint", "--help"], ["baseline", "create", "--help"]])
def test_help_is_typers_and_served_from_the_cache_without_typer(
    tmp_path: Path, args: list[str]
) -> None:
    env = {"KUBELINT_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "100"}
    want = _typer(args, tmp_path, env)
    assert want.returncode == 0 and "Usage:" in want.stdout
    for _ in range(2):  # cold (typer runs, its text is kept), then warm (the cached text)
        got = _probe_output(tmp_path, args, env)
        assert got == (0, want.stdout)
    data = _probe(tmp_path, *args, env=env)
    assert data["code"] == 0
    modules = set(data["modules"])  # type: ignore[call-overload]
    assert not {"typer", "click", "kubelint.cli"} & modules


def test_help_follows_the_terminal_width(tmp_path: Path) -> None:
    cache_env = {"KUBELINT_CACHE_DIR": str(tmp_path / "cache")}
    outputs = set()
    for columns in ("60", "120", "60"):
        env = {**cache_env, "COLUMNS": columns}
        want = _typer(["lint", "--help"], tmp_path, env)
        assert _probe_output(tmp_path, ["lint", "--help"], env) == (0, want.stdout)
        outputs.add(want.stdout)
    assert len(outputs) == 2


def test_help_errors_and_disabled_caches_are_typers(tmp_path: Path) -> None:
    env = {"KUBELINT_CACHE_DIR": str(tmp_path / "cache")}
    bad = ["no-such-command", "--help"]
    want = _typer(bad, tmp_path, env)
    assert want.returncode == 2
    for _ in range(2):
        got = _entry("kubelint.launch", bad, tmp_path, env)
        assert (got.returncode, got.stdout, got.stderr) == (2, want.stdout, want.stderr)
    assert not list((tmp_path / "cache").glob("help-*"))  # a failed command line is not kept
    off = {**env, "KUBELINT_NO_CACHE": "1"}
    for _ in range(2):
        assert _probe_output(tmp_path, ["--help"], off) == (
            0,
            _typer(["--help"], tmp_path, off).stdout,
        )
