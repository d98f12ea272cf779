"""The ``kubelint`` executable and ``python -m kubelint``.

``kubelint --version`` is answered here, ``kubelint lint …`` is parsed by kubelint.fastpath
(from the same option declarations) and help (``kubelint [COMMAND…] --help``) is printed from
typer's own text kept in the user's cache (kubelint.helpcache), all without loading the typer
layer, whose import costs more than a one-file lint; everything else, and any command line the
fast parser is unsure about, runs kubelint.cli (typer).
"""

from __future__ import annotations

import sys

from kubelint import __version__


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _finished(code: int) -> None:
    """Exit after a lint. What the run built is frozen out of the interpreter's last garbage
    collection: the memory goes back with the process instead of being walked and freed
    object by object (about 5 % of a large run). Streams are flushed and atexit handlers run
    as on any exit."""
    import gc

    gc.freeze()
    sys.exit(code)


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
            _finished(fastpath.run_lint(settings))
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
