"""What the terminal gets: layout, colour, quiet modes, statistics and the progress display.

Layout and colour are separate decisions:

- **layout** (``--format text``): the grouped ``full`` layout when stdout is a terminal, else
  one ``path:line:col: severity rule-id message`` line per finding, whatever ``--color`` says.
  ``--format full`` / ``--format concise`` choose the layout explicitly.
- **colour**: ``--color always`` / ``never``; ``auto`` colours a terminal unless ``NO_COLOR``
  is set (https://no-color.org) or ``TERM=dumb``. Without colour no escape code is written.

``--quiet`` prints the findings only (no summary, no table, no notices, no progress);
``--silent`` prints nothing on stdout (the exit code and errors on stderr remain), as ruff's
``-q`` / ``-s``. ``--statistics`` prints counts by rule instead of the findings (ruff's
``--statistics``; a JSON array with ``--format json``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections import Counter
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubelint.findings import RunResult
    from kubelint.reporters import ReportOptions
    from kubelint.settings import Settings

PROGRESS_DELAY = 0.25  # seconds before the progress display appears on a terminal


def _delay() -> float:
    """PROGRESS_DELAY, or ``KUBELINT_PROGRESS_DELAY`` seconds (tests show it at once)."""
    try:
        return max(float(os.environ.get("KUBELINT_PROGRESS_DELAY", PROGRESS_DELAY)), 0.0)
    except ValueError:
        return PROGRESS_DELAY


def use_color(setting: str, stream: IO[str]) -> bool:
    if setting == "always":
        return True
    if setting == "never":
        return False
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return _isatty(stream)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def stdout_options(settings: Settings, stream: IO[str] | None = None) -> ReportOptions:
    """The presentation of the report on stdout."""
    from kubelint.reporters import ReportOptions

    stream = stream if stream is not None else sys.stdout
    return ReportOptions(
        rich=_isatty(stream),
        color=use_color(settings.color, stream),
        show_suppressed=settings.show_suppressed,
        quiet=settings.quiet,
    )


def chatty(settings: Settings) -> bool:
    """Whether notices, skip lists and the progress display are wanted (not --quiet)."""
    return not (settings.quiet or settings.silent)


def write_statistics(out: IO[str], result: RunResult, fmt: str, summaries: dict[str, str]) -> None:
    """Counts by rule, most frequent first (ruff's ``--statistics``): text lines
    ``count<TAB>rule<TAB>severity<TAB>[*] summary`` (``[*]``: some have a safe fix), or with
    ``--format json`` an array of ``{rule, severity, count, fixable, summary}``."""
    from kubelint.reporters.text import fix_safety

    counts = Counter(f.rule for f in result.findings)
    severity = {f.rule: f.severity.value for f in result.findings}
    fixable = {f.rule for f in result.findings if fix_safety(result, f) == "safe"}
    order = sorted(counts, key=lambda r: (-counts[r], r))
    if fmt == "json":
        rows = [
            {
                "rule": r,
                "severity": severity[r],
                "count": counts[r],
                "fixable": r in fixable,
                "summary": summaries.get(r, ""),
            }
            for r in order
        ]
        out.write(json.dumps(rows, indent=2) + "\n")
        return
    if not order:
        return
    count_width = max(len(str(counts[r])) for r in order)
    rule_width = max(len(r) for r in order)
    sev_width = max(len(severity[r]) for r in order)
    for r in order:
        mark = ("[*] " if r in fixable else "[ ] ") if fixable else ""
        out.write(
            f"{counts[r]:>{count_width}}\t{r:<{rule_width}}\t{severity[r]:<{sev_width}}\t"
            f"{mark}{summaries.get(r, '')}".rstrip()
            + "\n"
        )


class Progress:
    """The progress display on stderr (a terminal only): it appears PROGRESS_DELAY seconds into
    a run, first while the inputs are collected, then as a bar of files and objects with the
    elapsed time and the file being read. Rendering runs on rich's refresh thread; the run only
    updates fields. Nothing is shown when stderr is not a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._progress: Any = None
        self._task: Any = None
        self._timer: threading.Timer | None = None
        self._closed = False
        self.total: int | None = None
        self.files = 0
        self.objects = 0
        self.current = ""
        self.sources: list[str] = []
        self.started = time.monotonic()
        if enabled:
            self._timer = threading.Timer(_delay(), self._start)
            self._timer.daemon = True
            self._timer.start()

    @classmethod
    def for_run(cls, settings: Settings) -> Progress:
        return cls(chatty(settings) and _isatty(sys.stderr))

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as RichProgress

        with self._lock:
            if self._closed:
                return
            console = Console(
                stderr=True,
                color_system="auto" if use_color("auto", sys.stderr) else None,
            )
            self._progress = RichProgress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(bar_width=24),
                MofNCompleteColumn(),
                TextColumn("files, {task.fields[objects]} objects"),
                TimeElapsedColumn(),
                TextColumn("{task.fields[current]}", style="dim"),
                console=console,
                transient=True,
                refresh_per_second=8,
            )
            self._task = self._progress.add_task(
                "collecting" if self.total is None else "linting",
                total=self.total,
                objects=self.objects,
                current=self.current,
            )
            # forking with rich's refresh thread mid-write would leave the child with a held
            # stream lock: hold the display's lock across a fork (parallel runs fork workers)
            live = getattr(self._progress, "live", None)
            live_lock = getattr(live, "_lock", None)
            if live_lock is not None and hasattr(os, "register_at_fork"):
                _hold_across_fork(live_lock)
            self._progress.start()

    def _update(self) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task,
                description="collecting" if self.total is None else "linting",
                total=self.total,
                completed=self.files,
                objects=self.objects,
                current=_fit(self.current),
            )

    def collecting(self, name: str) -> None:
        """A path met while the inputs are collected."""
        if self.enabled:
            with self._lock:
                self.current = name
                self._update()

    def start_lint(self, names: list[str]) -> None:
        """Collection is done: ``names`` are the files to lint, in order."""
        if self.enabled:
            with self._lock:
                self.sources = names
                self.total = len(names)
                self.current = names[0] if names else ""
                self._update()

    def __call__(self, files: int, objects: int) -> None:
        """One more file was linted (the engine's progress callback)."""
        if self.enabled:
            with self._lock:
                self.files, self.objects = files, objects
                self.current = self.sources[files] if files < len(self.sources) else ""
                self._update()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            if self._progress is not None:
                self._progress.stop()
                self._progress = None
                _held.clear()


def _fit(name: str, width: int = 36) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1) :]


_held: list[Any] = []


def _hold_across_fork(lock: Any) -> None:
    """Register (once) fork handlers that take ``lock`` before a fork and release it after."""
    if not _held:
        os.register_at_fork(before=_acquire_held, after_in_parent=_release_held)
        os.register_at_fork(after_in_child=_release_held)
    _held[:] = [lock]


def _acquire_held() -> None:
    for lock in _held:
        lock.acquire()


def _release_held() -> None:
    for lock in _held:
        with contextlib.suppress(RuntimeError):
            lock.release()
