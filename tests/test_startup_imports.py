"""Start-up pays only for what the run uses: the modules a text lint of one small file imports.

Deterministic where a timing test would not be (bench/run.py measures the time): the real
``kubelint`` executable runs in a fresh interpreter, and the modules a run does not need must not
be in ``sys.modules`` when it exits.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import DEPLOYMENT

# Not needed by `kubelint lint one-file.yaml` (text output, default rules, no plugin installed),
# each with what does need it.
NOT_NEEDED = (
    "sarif_om",  # --format sarif
    "attr",
    "jsonschema",  # the pure-Python validator: explaining invalid rule/config files
    "pydantic",  # typer's parameter coercion
    "typer",  # the command line layer: `lint` is parsed by kubelint.fastpath
    "kubelint.cli",
    "kubernetes_validate",  # only its data files are read
    "rich",  # a terminal's colours and progress bar
    "rich.progress",
    "importlib.metadata",  # the entry-point scan (cached)
    "pluggy",  # third-party plugins (the built-in plugin's hooks are called directly)
    "kubelint.hookspecs",
    "inspect",  # what pluggy and dataclasses import
    "dataclasses",  # kubelint.records defines the records (compiled methods cached)
    "argparse",  # command lines the plain scanner of kubelint.fastpath leaves to it
    "tempfile",  # --report files, cache writes, Kustomize builds
    "shutil",  # finding helm/kustomize when there is a chart or kustomization
    "traceback",  # a rule or worker that raised
    "difflib",  # "did you mean" suggestions
    "pkgutil",  # rebuilding the check/reporter index (cached)
    "kubelint.mapping.base",  # rendered Helm/Kustomize output
    "kubelint.mapping.helm",
    "kubelint.mapping.helm_trace",
    "kubelint.mapping.helm_values",
    "kubelint.mapping.kustomize",
    "kubelint.render_guard",  # running helm/kustomize
    "kubelint.parallel",  # one file is never split across processes
    "kubelint.reporters.sarif",
    "kubelint.reporters.json",
    "kubelint.reporters.junit",
    "kubelint.fix.core",  # JSON/SARIF reports and `kubelint fix`
    "kubelint.fix.text",
)


# Runs the console script as the interpreter would (``python SCRIPT ARGS``: the script's
# directory first on sys.path), then writes sys.modules at exit. Only built-in modules are used
# here (sys, atexit), so nothing is added to what the run imports.
PROBE = """\
import atexit, sys
script, out = sys.argv[1], sys.argv[2]
sys.argv = [script, *sys.argv[3:]]
sys.path[0] = script.rpartition("/")[0]
def dump():
    with open(out, "w", encoding="utf-8") as fh:
        fh.write("\\n".join(sorted(sys.modules)))
atexit.register(dump)
with open(script, encoding="utf-8") as fh:
    code = compile(fh.read(), script, "exec")
exec(code, {"__name__": "__main__", "__file__": script})
"""


def imported(*args: str, cwd: Path, cache: Path) -> tuple[int, set[str]]:
    """(exit code, every module in sys.modules at exit) of the ``kubelint`` console script
    (what users and hooks run) with ``ARGS``, in a fresh interpreter."""
    script = Path(sys.executable).parent / "kubelint"
    if not script.is_file():
        pytest.skip("no kubelint console script next to the interpreter")
    out = cwd / "probe" / "modules.txt"  # not in cwd itself: cwd stays unchanged
    out.parent.mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(script), str(out), *args],
        cwd=cwd,
        env={**os.environ, "KUBELINT_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, set(out.read_text(encoding="utf-8").splitlines())


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "tree" / "web.yaml"
    path.parent.mkdir()
    path.write_text(DEPLOYMENT, encoding="utf-8")
    return path


def test_a_text_lint_of_one_file_imports_only_what_it_needs(tmp_path: Path, small: Path) -> None:
    cache = tmp_path / "cache"
    imported("lint", str(small), cwd=tmp_path, cache=cache)  # fills the user cache
    code, modules = imported("lint", str(small), cwd=tmp_path, cache=cache)
    assert code == 1  # findings: the lint really ran
    assert {"kubelint.checks.images", "kubelint.reporters.text", "kubelint.dispatch"} <= modules
    assert sorted(m for m in NOT_NEEDED if m in modules) == []


def test_the_guard_sees_what_a_run_does_import(tmp_path: Path, small: Path) -> None:
    """The probe is not blind: asking for SARIF imports it, rendered Helm output (a
    ``# Source:`` comment) imports the Helm mapper."""
    cache = tmp_path / "cache"
    _, modules = imported("lint", str(small), "--format", "sarif", cwd=tmp_path, cache=cache)
    assert {"sarif_om", "kubelint.reporters.sarif"} <= modules
    rendered = small.with_name("rendered.yaml")
    rendered.write_text("---\n# Source: web/templates/deploy.yaml\n" + DEPLOYMENT, "utf-8")
    _, modules = imported("lint", str(rendered), cwd=tmp_path, cache=cache)
    assert "kubelint.mapping.helm" in modules


def test_a_lazy_regex_is_the_compiled_pattern_once_used() -> None:
    import re

    from kubelint.lazy import lazy_regex

    built: list[str] = []

    def source() -> str:
        built.append("x")
        return r"(?P<word>[a-z]+)-(\d+)"

    lazy = lazy_regex(source, re.IGNORECASE)
    assert built == []  # nothing compiled (nor built) at definition
    plain = re.compile(source(), re.IGNORECASE)
    built.clear()
    for text in ("Web-12 api-3", "none", "x-1"):
        found = lazy.search(text)
        expected = plain.search(text)
        assert (found and found.groups()) == (expected and expected.groups())
        assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in plain.finditer(text)]
        assert lazy.sub("_", text) == plain.sub("_", text)
        assert bool(lazy.fullmatch(text)) == bool(plain.fullmatch(text))
    assert (lazy.pattern, lazy.flags, lazy.groupindex) == (
        plain.pattern,
        plain.flags,
        plain.groupindex,
    )
    assert built == ["x"]  # built and compiled once
