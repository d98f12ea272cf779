"""``--jobs N``: files linted in worker processes give exactly the report of ``--jobs 1``."""

from __future__ import annotations

import itertools
import json
import os
import pickle
from pathlib import Path
from typing import Any

import pytest

from kubelint import parallel
from kubelint.sources import Source, collect
from tests.conftest import FIXTURES, ROOT, SHARED, run_cli
from tests.helpers import run_kubelint

CORPUS = SHARED / "corpus"
pytestmark = pytest.mark.skipif(
    parallel._fork_context() is None, reason="worker processes need fork (Linux)"
)

VARIANTS = [
    ("--format", "json"),
    ("--format", "text", "--verbose", "--show-suppressed", "--report-unused-suppressions"),
    ("--format", "sarif"),
    ("--format", "json", "--profile", "pss-restricted", "--complete"),
    ("--format", "json", "--no-kustomize"),  # kustomize bases linted as files, in workers
]


@pytest.fixture
def split_small_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fixture trees are small: let them be split across processes anyway."""
    monkeypatch.setattr(parallel, "MIN_BYTES_PER_JOB", 1)


def _lint(*args: str) -> tuple[int, str, str]:
    run = run_cli("lint", *args, "--fail-on", "never")
    return run.exit_code, run.stdout, run.stderr


def test_fixture_trees_are_really_split() -> None:
    sources, _, _ = collect([str(FIXTURES)])
    parallel.MIN_BYTES_PER_JOB, saved = 1, parallel.MIN_BYTES_PER_JOB
    try:
        split = parallel.plan(sources, 3)
    finally:
        parallel.MIN_BYTES_PER_JOB = saved
    assert split.processes == 3
    assert sorted(split.main + split.files) == list(range(len(sources)))
    sizes = [len(sources[i].data or b"") for i in split.files]
    assert sizes == sorted(sizes, reverse=True)  # largest first


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(a.strip("-") for a in v))
def test_fixtures_report_is_identical_with_workers(
    split_small_runs: None, variant: tuple[str, ...]
) -> None:
    serial = _lint(str(FIXTURES), *variant, "--jobs", "1")
    assert serial[1]
    assert _lint(str(FIXTURES), *variant, "--jobs", "3") == serial


def test_a_worker_that_dies_is_replaced_by_the_main_process(
    split_small_runs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _lint(str(FIXTURES), "--format", "json", "--jobs", "1")

    def dies(conn: Any, *args: Any) -> None:
        os._exit(3)

    monkeypatch.setattr(parallel, "_worker", dies)
    assert _lint(str(FIXTURES), "--format", "json", "--jobs", "2") == serial


def _lint_and_send(conn: Any, engine: Any, sources: Any, indexes: Any, *rest: Any) -> None:
    """What a worker does, without its end-of-stream message or position answers."""
    outcomes, _ = parallel._lint_slice(engine, sources, indexes, *rest)
    for si, outcome in outcomes.items():
        conn.send_bytes(parallel.ONE + pickle.dumps((si, outcome)))


def test_positions_are_found_again_when_a_worker_stops_answering(
    split_small_runs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that sends its outcomes and then exits: the cross-object findings on its
    documents are located by parsing those files again in the main process."""
    serial = _lint(str(FIXTURES), "--format", "json", "--jobs", "1")

    def sends_then_exits(conn: Any, engine: Any, sources: Any, queue: Any, *rest: Any) -> None:
        _lint_and_send(conn, engine, sources, queue, *rest)
        conn.send_bytes(parallel.DONE)
        conn.close()
        os._exit(0)

    monkeypatch.setattr(parallel, "_worker", sends_then_exits)
    assert _lint(str(FIXTURES), "--format", "json", "--jobs", "2") == serial


def test_a_worker_that_dies_half_way_is_finished_by_the_main_process(
    split_small_runs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outcomes arrive one source at a time: those sent before a worker died are kept, the
    sources it never sent are linted in the main process, and the report is unchanged."""
    serial = _lint(str(FIXTURES), "--format", "json", "--jobs", "1")

    def dies_half_way(conn: Any, engine: Any, sources: Any, queue: Any, *rest: Any) -> None:
        taken = list(itertools.islice(queue, 4))  # and two more it never sends
        _lint_and_send(conn, engine, sources, taken[:2], *rest)
        os._exit(3)

    monkeypatch.setattr(parallel, "_worker", dies_half_way)
    assert _lint(str(FIXTURES), "--format", "json", "--jobs", "2") == serial


def test_workers_validate_built_in_kinds_themselves(
    split_small_runs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema validation of built-in kinds (set rules' per-object ``prepare``) runs in the
    worker that parsed the object: the main process validates fewer objects, same report."""
    from kubelint.checks import schema

    calls: list[str] = []
    real = schema.validate_object

    def counted(obj: Any, *args: Any) -> Any:
        calls.append(obj.kind)  # appended in the process that validates
        return real(obj, *args)

    monkeypatch.setattr(schema, "validate_object", counted)
    args = (str(FIXTURES), "--format", "json")
    serial = _lint(*args, "--jobs", "1")
    in_one_process = len(calls)
    calls.clear()
    assert _lint(*args, "--jobs", "2") == serial
    assert 0 < len(calls) < in_one_process


def test_rendered_sources_stay_in_the_main_process() -> None:
    sources = [
        Source(f"s{i}", None, b"x" * 1000, mapper=object() if i % 2 else None) for i in range(8)
    ]
    parallel.MIN_BYTES_PER_JOB, saved = 1, parallel.MIN_BYTES_PER_JOB
    try:
        split = parallel.plan(sources, 2)
    finally:
        parallel.MIN_BYTES_PER_JOB = saved
    assert split.main == [1, 3, 5, 7]
    assert split.files == [0, 2, 4, 6]


def test_small_runs_stay_serial() -> None:
    sources = [Source("a.yaml", None, b"kind: Pod\n")]
    assert parallel.plan(sources, 8).processes == 1


def test_jobs_must_be_a_positive_number() -> None:
    zero = run_cli("lint", str(FIXTURES / "latest-tag"), "--jobs", "0")
    assert zero.exit_code == 2
    assert "--jobs must be at least 1" in zero.stderr
    word = run_cli("lint", str(FIXTURES / "latest-tag"), "--jobs", "many")
    assert word.exit_code == 2


def test_usable_cores_is_the_affinity_mask() -> None:
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    assert parallel.usable_cores() == (expected or os.cpu_count() or 1)


def _cli(args: list[str], cwd: Path) -> tuple[int, str, str]:
    done = run_kubelint("lint", *args, cwd=cwd)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")
def test_corpus_report_is_byte_identical_with_two_jobs() -> None:
    args = [str(CORPUS), "--format", "json", "--fail-on", "never", "--verbose"]
    serial = _cli([*args, "--jobs", "1"], ROOT)
    assert serial[0] == 0, serial[2][-2000:]
    assert _cli([*args, "--jobs", "2"], ROOT) == serial


def test_fixes_are_planned_from_the_loaded_documents(
    split_small_runs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JSON/SARIF reports carry each fix: they are planned as each file is linted (in its
    worker with --jobs), from the documents already loaded, never by parsing a file again,
    and they are the fixes planning each file from scratch gives."""
    import kubelint.fix.core
    import kubelint.runner

    args = (str(FIXTURES), "--format", "json")
    serial = _lint(*args, "--jobs", "1")
    assert '"fix": {' in serial[1]
    assert _lint(*args, "--jobs", "3") == serial

    texts = {p.read_bytes().decode("utf-8-sig", "replace") for p in FIXTURES.rglob("*.yaml")}
    parsed: list[str] = []
    real_load = kubelint.fix.core.load_text

    def load_text(text: str) -> Any:
        parsed.append(text)
        return real_load(text)

    monkeypatch.setattr(kubelint.fix.core, "load_text", load_text)
    assert _lint(*args, "--jobs", "1") == serial
    # Only edited documents are parsed (to check each fix), never a whole linted file but one
    # with input problems (planned afterwards, from the text as reported).
    again = texts.intersection(parsed)
    assert parsed
    for text in again:
        loaded = real_load(text)
        assert loaded.problems or any(d.problems for d in loaded.documents)

    parsed.clear()
    monkeypatch.setattr(kubelint.runner, "_fix_planner", lambda prep: None)
    assert _lint(*args, "--jobs", "1") == serial  # everything planned afterwards, from scratch
    assert len(texts.intersection(parsed)) > len(again)


def test_charts_of_a_tree_render_concurrently_with_the_same_report(helm: Any) -> None:
    """``--helm-auto`` renders the charts it finds up to ``--jobs`` at a time (threads waiting
    on helm processes; the YAML parses they make meanwhile take turns): the report is the one
    rendering them one by one gives, in the same order."""
    from tests.helm_support import CHARTS

    args = (str(CHARTS), "--helm-auto", "--helm-bin", helm.path, "--format", "json")
    serial = _lint(*args, "--jobs", "1")
    charts = {Path(f["file"]).parts[3] for f in json.loads(serial[1])["findings"]}
    assert len(charts) >= 3, charts  # fixtures/helm/charts/<chart>/...
    assert _lint(*args, "--jobs", "4") == serial


def test_without_shared_memory_the_run_is_serial(
    split_small_runs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No semaphores or shared memory for the queue (a locked-down /dev/shm): the run is
    serial, with the same report, instead of failing."""
    serial = _lint(str(FIXTURES), "--format", "json", "--jobs", "1")

    def no_shm(*args: Any) -> None:
        raise OSError(38, "Function not implemented")

    from kubelint.dispatch import Engine

    serial_runs: list[int] = []
    real_run = Engine.run

    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        serial_runs.append(1)
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(parallel, "_Queue", no_shm)
    monkeypatch.setattr(Engine, "run", run)
    assert _lint(str(FIXTURES), "--format", "json", "--jobs", "2") == serial
    assert serial_runs == [1]
