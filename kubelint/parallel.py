"""``--jobs N``: read, parse and lint the files of a run in worker processes.

Files are independent until the cross-object stage. The main process and ``N - 1`` forked
workers take the files of a run one by one, largest first, from one shared queue, so they finish
close together; each lints the files it takes (load, build objects, per-object/pod/container
rules, and what set rules can do per object: their ``prepare`` hooks, e.g. schema validation of
built-in kinds).
A worker streams, source by source as it finishes them (a thread of the main process reads them
so the worker never waits on a full pipe), its findings and the *compact facts* the rest of the
run needs: each object's plain data, identity and prepared results (no position index, which is
most of a parsed document's weight), skipped documents, rule errors and notes. The main process
then rebuilds the lint sets in source order and runs the cross-object rules on them; when one of
those points into a document a worker parsed, the position is asked from that worker, which kept
its documents' position indexes. Everything is merged in source order, so the report is
byte-identical to ``--jobs 1``.

Sources whose output is mapped back to Helm/Kustomize sources stay in the main process (their
mapper keeps per-document state), which lints them before it takes files. Small runs, platforms
without ``fork`` and ``--jobs 1`` run serially. A worker that dies is replaced by linting the
sources it did not send (or re-reading a position) in the main process: a parallel run never
fails where a serial one would succeed.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from kubelint.loader import Document, decode
from kubelint.model import K8sObject
from kubelint.options import usable_cores as usable_cores  # the default of --jobs
from kubelint.positions import PositionIndex
from kubelint.records import dataclass, field

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from kubelint.checks import RunNotes
    from kubelint.dispatch import Engine
    from kubelint.findings import Finding, RunResult
    from kubelint.sources import Source

# The GIL switch interval while workers send (see run).
SWITCH_INTERVAL = 0.0005

# Below this much input per extra process, forking and merging cost more than they save.
MIN_BYTES_PER_JOB = 512 * 1024


def _fork_context() -> Any:
    import multiprocessing

    if sys.platform == "darwin" or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork")


@dataclass
class Plan:
    """How a run is split: ``processes`` (1: serial); the sources only the main process may
    lint (rendered output), which it lints first; and the files, largest first, which every
    process takes from one by one as it becomes free."""

    processes: int
    main: list[int]
    files: list[int]


def plan(sources: Sequence[Source], jobs: int) -> Plan:
    """The split of ``sources`` over at most ``jobs`` processes."""
    sizes = [len(s.data) if s.data is not None else 0 for s in sources]
    jobs = max(1, min(jobs, len(sources), sum(sizes) // MIN_BYTES_PER_JOB))
    if jobs < 2 or _fork_context() is None:
        return Plan(1, [], list(range(len(sources))))
    main = [i for i, s in enumerate(sources) if s.mapper is not None]
    files = sorted(
        (i for i, s in enumerate(sources) if s.mapper is None), key=lambda i: (-sizes[i], i)
    )
    return Plan(jobs, main, files)


class _Queue:
    """The files of a run still to lint, shared by its processes: iterating takes the next one
    (a counter in shared memory), so whichever process is free lints it and all finish close
    together, however unequal the files. A process that cannot take one within a few seconds
    (a worker killed while it held the counter) stops taking: the main process lints whatever
    no worker sent."""

    def __init__(self, ctx: Any, order: Sequence[int]) -> None:
        self.order = list(order)
        self.taken = ctx.Value("q", 0)

    def __iter__(self) -> Iterator[int]:
        lock = self.taken.get_lock()
        while True:
            if not lock.acquire(timeout=5):
                return
            try:
                n = self.taken.value
                if n >= len(self.order):
                    return
                self.taken.value = n + 1
            finally:
                lock.release()
            yield self.order[n]


class _Recorder:
    """Stands in for the suppressor while sources are linted out of order: objects are
    registered with the real one when merged, in source order."""

    def register_object(self, obj: K8sObject) -> None:
        pass


# -- what a worker sends back ---------------------------------------------------------------


@dataclass
class SlimObject:
    """An object without its document: what the cross-object stage and suppressions need."""

    raw: dict[str, Any]
    file: str
    doc: int  # number of its document within the source (positions stay in the worker)
    doc_index: int
    doc_line: int
    base: str
    lint_set: str
    unit: str
    default_namespace: str
    related: bool  # lint_object said it can take part in cross-object rules
    memo: dict[str, Any]  # what set checks prepared for it here (their ``prepare`` hooks)


@dataclass
class SourceOutcome:
    """Everything linting one source added to the run (merged in source order)."""

    deferred: bool = False  # the main process lints it (rendered output with a mapper)
    files: int = 0
    objects: list[SlimObject] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    finding_objects: list[int | None] = field(default_factory=list)  # object index per finding
    skipped: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    decode_text: bool = False  # the source's text is its decoded bytes
    notices: list[str] = field(default_factory=list)
    not_validated: dict[tuple[str, str], int] = field(default_factory=dict)
    local: list[tuple[K8sObject, bool]] | None = None  # linted in the main process: objects
    fixes: dict[Finding, Any] = field(default_factory=dict)  # planned fixes (None: no fix)


def _lint_slice(
    engine: Engine,
    sources: Sequence[Source],
    indexes: Iterable[int],
    notes: RunNotes,
    result_cls: type[RunResult],
    keep: bool = False,
) -> tuple[dict[int, SourceOutcome], dict[tuple[int, int], PositionIndex]]:
    """Lint the given sources, each into its own outcome (notes included), keeping their
    documents' positions; ``keep``: the objects themselves stay in the outcome (main process)."""
    positions: dict[tuple[int, int], PositionIndex] = {}
    outcomes = dict(_lint_each(engine, sources, indexes, notes, result_cls, keep, positions))
    return outcomes, positions


def _lint_each(
    engine: Engine,
    sources: Sequence[Source],
    indexes: Iterable[int],
    notes: RunNotes,
    result_cls: type[RunResult],
    keep: bool,
    positions: dict[tuple[int, int], PositionIndex],
) -> Iterator[tuple[int, SourceOutcome]]:
    """(source index, outcome) of each source as soon as it is linted (see _lint_slice)."""
    real_suppressor = engine.suppressor
    if real_suppressor is not None:
        engine.suppressor = _Recorder()  # type: ignore[assignment]
    try:
        for si in indexes:
            yield si, _lint_one(engine, sources[si], si, notes, result_cls, keep, positions)
    finally:
        engine.suppressor = real_suppressor
        engine.clear_owners()


def _lint_one(
    engine: Engine,
    source: Source,
    si: int,
    notes: RunNotes,
    result_cls: type[RunResult],
    keep: bool,
    positions: dict[tuple[int, int], PositionIndex],
) -> SourceOutcome:
    if source.data is None or (source.mapper is not None and not keep):
        return SourceOutcome(deferred=True)
    part = result_cls()
    notices_before = len(notes.notices)
    not_validated_before = dict(notes.not_validated)
    ids: dict[int, int] = {}  # id(object) -> its index in the outcome
    doc_numbers: dict[int, int] = {}
    engine.clear_owners()
    out = SourceOutcome()
    if source.kustomize_fills is not None:  # as Engine.lint_source: what kustomize fills in
        engine.fills[source.name] = source.kustomize_fills
    objects = engine.load_source(source, part)
    if not keep and engine.drop_mapper(source.name):  # rendered output: the main process maps
        del notes.notices[notices_before:]
        return SourceOutcome(deferred=True)
    local: list[tuple[K8sObject, bool]] = []
    prepares = _prepares(engine)
    for obj in objects:
        related = engine.lint_object(obj, part)
        ids[id(obj)] = len(ids)
        before = set(obj.memo)
        if related:  # while the other processes work too, not in the cross-object stage
            for prepare, ctx in prepares:
                with contextlib.suppress(Exception):  # the set check itself reports it
                    prepare(obj, ctx)
        if keep:
            local.append((obj, related))
            continue
        number = doc_numbers.setdefault(id(obj.doc), len(doc_numbers))
        positions[(si, number)] = obj.doc.positions
        out.objects.append(
            SlimObject(
                obj.raw,
                obj.file,
                number,
                obj.doc.index,
                obj.doc.line,
                obj.base,
                obj.lint_set,
                obj.unit,
                obj.default_namespace,
                related,
                {k: v for k, v in obj.memo.items() if k not in before},
            )
        )
    engine.plan_fixes(source, part)
    if keep:
        out.local = local
    out.files = part.files
    out.fixes = part.fixes
    out.findings = part.findings
    owners = [engine.owner(f) for f in part.findings]
    out.finding_objects = [ids.get(id(o)) if o is not None else None for o in owners]
    out.skipped = part.skipped
    out.errors = part.errors
    if keep or set(part.sources) != {source.name}:
        out.texts = part.sources
    else:  # the main process decodes the bytes it already has instead of receiving the text
        out.decode_text = True
    # Notes go back in source order at merge time: take them out of the run's notes.
    out.notices = notes.notices[notices_before:]
    del notes.notices[notices_before:]
    out.not_validated = {
        key: count - not_validated_before.get(key, 0)
        for key, count in notes.not_validated.items()
        if count != not_validated_before.get(key, 0)
    }
    notes.not_validated.clear()
    notes.not_validated.update(not_validated_before)
    return out


def _prepares(engine: Engine) -> list[tuple[Callable[[Any, Any], None], Any]]:
    """The per-object ``prepare`` hooks of the enabled set checks, with their contexts."""
    hooks = []
    for rule in engine.set_rules:
        prepare = getattr(rule.fn, "__kubelint_prepare__", None)
        if prepare is not None:
            hooks.append((prepare, rule.ctx))
    return hooks


# What a worker sends, as one message each: a byte tag and, for ONE, a pickled
# (source index, outcome); the main process's receiving thread reads the tags only.
ONE, DONE, FAILED = b"o", b"d", b"f"


def _worker(
    conn: Connection,
    engine: Engine,
    sources: Sequence[Source],
    indexes: Iterable[int],
    notes: RunNotes,
    result_cls: type[RunResult],
) -> None:
    """A worker process: lint the files it takes, sending each one's outcome as soon as it is
    done (the main process unpickles them while this one goes on), then answer position
    queries."""
    import pickle

    positions: dict[tuple[int, int], PositionIndex] = {}
    try:
        for item in _lint_each(engine, sources, indexes, notes, result_cls, False, positions):
            conn.send_bytes(ONE + pickle.dumps(item, pickle.HIGHEST_PROTOCOL))
        conn.send_bytes(DONE)
    except BaseException:
        import traceback

        with contextlib.suppress(OSError, ValueError):
            conn.send_bytes(FAILED + traceback.format_exc().encode("utf-8", "replace"))
        conn.close()
        return
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            break
        if request[0] == "locate":
            _, si, number, pointer, at = request
            conn.send(positions[(si, number)].locate(pointer, at))
        elif request[0] == "has":
            _, si, number, pointer = request
            conn.send(pointer in positions[(si, number)])
        else:
            break
    conn.close()
    # Done: end at once, without freeing what this process built object by object (the main
    # process waits for it to end). There is nothing to flush: a worker writes no output.
    import os

    os._exit(0)


class _Inbox:
    """Reads one worker's messages on a thread as they arrive (so the worker never waits on
    a full pipe while the main process lints its own share); the main thread unpickles them
    between its own files (:meth:`poll`: while it does, the worker takes more of the files)
    and when it is done with its share (:meth:`outcomes`)."""

    def __init__(self, conn: Connection) -> None:
        import queue
        import threading

        self.conn = conn
        self.queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.received: list[tuple[int, SourceOutcome]] = []
        self.done = False  # the worker is done sending (or gone)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while True:
            try:
                data = self.conn.recv_bytes()
            except (EOFError, OSError):
                data = None
            self.queue.put(data)
            if data is None or not data.startswith(ONE):
                return  # DONE, FAILED or gone: the connection now serves position queries

    def _take(self, data: bytes | None) -> None:
        import pickle

        if data is None or not data.startswith(ONE):
            self.done = True
            self.thread.join()
            return
        self.received.append(pickle.loads(memoryview(data)[1:]))

    def poll(self) -> None:
        """Unpickle the outcomes that have arrived so far, without waiting."""
        import queue

        while not self.done:
            try:
                data = self.queue.get_nowait()
            except queue.Empty:
                return
            self._take(data)

    def outcomes(self) -> list[tuple[int, SourceOutcome]]:
        """(source index, outcome) of every source the worker sent, once it is done or gone."""
        while not self.done:
            self._take(self.queue.get())
        return self.received


def _polling(indexes: Iterable[int], inboxes: Sequence[_Inbox]) -> Iterator[int]:
    """``indexes``, unpickling what the workers sent before taking each next one."""
    taking = iter(indexes)
    while True:
        for inbox in inboxes:
            inbox.poll()
        si = next(taking, None)
        if si is None:
            return
        yield si


class RemotePositions(PositionIndex):
    """The position index of a document a worker parsed: lookups are asked from the worker
    (cached); if the worker is gone, the source is parsed again here."""

    __slots__ = ("cache", "conn", "local", "number", "si")

    def __init__(
        self, conn: Connection | None, si: int, number: int, local: Callable[[], PositionIndex]
    ) -> None:
        super().__init__({})
        self.conn = conn
        self.si = si
        self.number = number
        self.local = local
        self.cache: dict[tuple[str, str], Any] = {}

    def _ask(self, request: tuple[Any, ...]) -> Any:
        if self.conn is not None:
            try:
                self.conn.send(request)
                return self.conn.recv()
            except (EOFError, OSError):
                self.conn = None
        index = self.local()
        if request[0] == "locate":
            return index.locate(request[3], request[4])
        return request[3] in index

    def locate(self, pointer: str, at: Any = "auto") -> tuple[int, int, bool]:
        key = (pointer, at)
        if key not in self.cache:
            self.cache[key] = self._ask(("locate", self.si, self.number, pointer, at))
        result: tuple[int, int, bool] = self.cache[key]
        return result

    def __contains__(self, pointer: str) -> bool:
        key = (pointer, "?")
        if key not in self.cache:
            self.cache[key] = self._ask(("has", self.si, self.number, pointer))
        return bool(self.cache[key])


class _LocalReparse:
    """Positions of one source's documents parsed again in the main process (only when a
    worker could not answer)."""

    def __init__(self, engine: Engine, source: Source, result_cls: type[RunResult]) -> None:
        self.engine = engine
        self.source = source
        self.result_cls = result_cls
        self.docs: list[PositionIndex] | None = None

    def positions(self, number: int) -> PositionIndex:
        if self.docs is None:
            seen: dict[int, PositionIndex] = {}
            for obj in self.engine.load_source(self.source, self.result_cls()):
                seen.setdefault(id(obj.doc), obj.doc.positions)
            self.docs = list(seen.values())
        return self.docs[number] if number < len(self.docs) else PositionIndex()


def run(
    engine: Engine,
    sources: Sequence[Source],
    result: RunResult,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """``engine.run(sources, result, progress)`` over ``jobs`` processes (same report)."""
    split = plan(sources, jobs)
    ctx = _fork_context() if split.processes > 1 else None
    try:
        queue = _Queue(ctx, split.files) if ctx is not None else None
    except (OSError, ImportError):  # no shared memory or semaphores here: run serially
        queue = None
    if ctx is None or queue is None:
        return engine.run(sources, result, progress=progress)
    notes = engine.start(result)
    workers: list[tuple[Connection, Any]] = []
    for _ in range(split.processes - 1):
        parent_end, child_end = ctx.Pipe()
        proc = ctx.Process(
            target=_worker,
            args=(child_end, engine, sources, queue, notes, type(result)),
            daemon=True,
        )
        proc.start()
        child_end.close()
        workers.append((parent_end, proc))
    sets: dict[str, list[K8sObject]] = {}
    # The receiving threads wait for the GIL after each read of a pipe's worth of a message,
    # while the worker waits for room in the pipe: with the default 5 ms switch interval, a
    # worker spent 4-5 % of its time waiting to send. Hand the GIL over sooner meanwhile.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
    try:
        inboxes = [(conn, _Inbox(conn)) for conn, _ in workers]
        mine = _polling(itertools.chain(split.main, queue), [inbox for _, inbox in inboxes])
        local, _ = _lint_slice(engine, sources, mine, notes, type(result), keep=True)
        outcomes: dict[int, SourceOutcome] = dict(local)
        conns: dict[int, Connection] = {}
        for conn, inbox in inboxes:
            for si, received in inbox.outcomes():
                outcomes[si] = received
                conns[si] = conn
        for si, source in enumerate(sources):
            if source.data is None:
                continue
            outcome = outcomes.get(si)
            if outcome is None or outcome.deferred:  # here, in order: what no worker sent
                engine.lint_source(source, result, sets)
            else:
                _merge(engine, source, si, outcome, conns.get(si), notes, result, sets)
            if progress is not None:
                progress(result.files, result.objects)
        if engine.keep is not None:
            engine.keep.append((sets, outcomes))
        return engine.finish(sets, notes, result)
    finally:
        sys.setswitchinterval(interval)
        for conn, proc in workers:
            with contextlib.suppress(OSError, ValueError):
                conn.send(("exit",))
            conn.close()
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()


def _merge(
    engine: Engine,
    source: Source,
    si: int,
    outcome: SourceOutcome,
    conn: Connection | None,
    notes: RunNotes,
    result: RunResult,
    sets: dict[str, list[K8sObject]],
) -> None:
    """Add the outcome of one source to the run, as linting it in order would have."""
    objects: list[K8sObject] = []
    related: list[bool] = []
    result.files += outcome.files
    if source.kustomize_fills is not None:  # the cross-object findings on its objects too
        engine.fills[source.name] = source.kustomize_fills
    if outcome.local is not None:
        for obj, ok in outcome.local:
            objects.append(obj)
            related.append(ok)
    else:
        reparse = _LocalReparse(engine, source, type(result))
        docs: dict[int, Document] = {}
        for slim in outcome.objects:
            doc = docs.get(slim.doc)
            if doc is None:
                positions = RemotePositions(
                    conn, si, slim.doc, functools.partial(reparse.positions, slim.doc)
                )
                doc = Document(slim.doc_index, slim.doc_line, None, positions)
                docs[slim.doc] = doc
            objects.append(
                K8sObject(
                    slim.raw,
                    slim.file,
                    doc,
                    base=slim.base,
                    lint_set=slim.lint_set,
                    unit=slim.unit,
                    default_namespace=slim.default_namespace,
                    memo=slim.memo,
                )
            )
            related.append(slim.related)
    for obj, ok in zip(objects, related, strict=True):
        if outcome.local is None:
            engine.adopt_object(obj, result)
        else:
            result.objects += 1
            if engine.suppressor is not None:
                engine.suppressor.register_object(obj)
        if ok:
            sets.setdefault(obj.lint_set, []).append(obj)
    for finding, index in zip(outcome.findings, outcome.finding_objects, strict=True):
        result.findings.append(finding)
        if index is not None:
            engine.attach(finding, objects[index])
    result.fixes.update(outcome.fixes)
    result.skipped.extend(outcome.skipped)
    result.errors.extend(outcome.errors)
    if outcome.decode_text and source.data is not None:
        result.sources[source.name] = decode(source.data)[0] or ""
    result.sources.update(outcome.texts)
    for notice in outcome.notices:
        notes.notice(notice)
    for key, count in outcome.not_validated.items():
        notes.not_validated[key] = notes.not_validated.get(key, 0) + count
