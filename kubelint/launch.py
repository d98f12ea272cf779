"""The ``kubelint`` executable and ``python -m kubelint``.

``kubelint --version`` is answered here, ``kubelint lint …`` is parsed by kubelint.fastpath
(from the same option declarations) and help (``kubelint [COMMAND…] --help``) is printed from
typer's own text kept in the user's cache (kubelint.helpcache), all without loading the typer
layer, whose import costs more than a one-file lint; everything else, and any command line the
fast parser is unsure about, runs kubelint.cli (typer).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from kubelint import __version__

if TYPE_CHECKING:
    from kubelint.settings import Settings


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _lint_to_exit(settings: Settings) -> int:
    """A ``kubelint lint`` that is the whole process: no cyclic garbage collection (what a run
    builds lives until its report is written; see kubelint.runner.gc_paused), and what it
    built is kept to the end (kubelint.runner.RETAINED) for :func:`_finished`."""
    import gc

    from kubelint import fastpath, runner

    gc.disable()
    runner.RETAINED = []
    return fastpath.run_lint(settings)


def _finished(code: int) -> None:
    """Exit after a lint: atexit handlers run and the streams are flushed as on any exit, then
    the process ends at once: the memory goes back with it instead of being freed object by
    object and the interpreter torn down (5-8 % of a corpus run)."""
    import atexit
    import contextlib
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream: as on exit
            stream.flush()
    os._exit(code)


def main() -> None:
    args = sys.argv[1:]
    if args == ["--version"]:
        sys.stdout.write(f"kubelint {__version__}\n")
        sys.stdout.flush()
        return
    if args[:1] == ["lint"]:
        import signal

        from kubelint import fastpath

        # SIGTERM unwinds like Ctrl-C: a report being written is discarded, never left cut
        signal.signal(signal.SIGTERM, _terminate)

        settings = fastpath.parse_lint(args[1:])
        if settings is not None:
            _finished(_lint_to_exit(settings))
    from kubelint import helpcache

    if helpcache.is_help(args):
        if helpcache.serve(args):
            return
        with helpcache.recording(args):
            _typer()
        return
    _typer()


def _typer() -> None:
    from kubelint.cli import main as cli_main

    cli_main()
