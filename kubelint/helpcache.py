"""``kubelint --help`` (and ``kubelint COMMAND --help``) without loading the typer layer.

The help text is typer's own: the first time a help command line is seen it runs through
kubelint.cli as usual, and what it printed (when it exits with status 0) is kept in the user's
cache (kubelint.cache). Later runs print the cached text, byte for byte, while the key matches:
kubelint's version, the command line, the program name, the terminal size (help is wrapped to
it), whether stdout is a terminal, and the identities of the files the command line interface
is built from (kubelint's own modules, typer's with its vendored click, click's). Nothing from
the current directory is read; with the cache off or unusable typer simply runs every time.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_WORD = re.compile(r"[a-z][a-z0-9-]*\Z")
_HELP = ("--help", "-h")
_NAMESPACE = "help"


def is_help(args: list[str]) -> bool:
    """``[COMMAND ...] --help``: command words, then one help option."""
    return bool(args) and args[-1] in _HELP and all(_WORD.match(a) for a in args[:-1])


def _code_identity() -> tuple[Any, ...]:
    from importlib.util import find_spec

    from kubelint.cache import dir_identity

    package = Path(__file__).resolve().parent
    found: list[Any] = [dir_identity(package, ("*.py", "*/*.py"))]
    for name in ("typer", "click"):  # typer 0.29 vendors click as typer._click
        spec = find_spec(name)
        origin = spec.origin if spec is not None else None
        found.append(dir_identity(Path(origin).parent, ("*.py", "*/*.py")) if origin else name)
    return tuple(found)


def _key(args: list[str]) -> tuple[Any, ...]:
    import shutil

    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return (
        tuple(args),
        os.path.basename(sys.argv[0]) if sys.argv else "",
        getattr(spec, "name", None),
        tuple(shutil.get_terminal_size()),
        sys.stdout.isatty(),
        os.environ.get("TERM"),
        os.environ.get("NO_COLOR"),
        _code_identity(),
    )


def serve(args: list[str]) -> bool:
    """Print the cached help of ``args``; False when there is none (run the CLI, recording)."""
    from kubelint import cache

    hit, text = cache.load(_NAMESPACE, _key(args))
    if not hit or not isinstance(text, str):
        return False
    sys.stdout.write(text)
    sys.stdout.flush()
    return True


class _Tee:
    """sys.stdout as it is, also recording what is written to it."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.written: list[str] = []

    def write(self, text: str) -> int:
        count = int(self._stream.write(text))  # click probes with b"": only what was written
        self.written.append(text)
        return count

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def recording(args: list[str]) -> Iterator[None]:
    """Run the command line interface on a help command line, keeping what it printed when it
    exits with status 0 (the key is computed first: the run must not change it)."""
    key = _key(args)
    real = sys.stdout
    tee = _Tee(real)
    sys.stdout = tee
    try:
        yield
    except SystemExit as exc:
        sys.stdout = real
        if exc.code in (0, None) and tee.written:
            from kubelint import cache

            cache.store(_NAMESPACE, key, "".join(tee.written))
        raise
    finally:
        sys.stdout = real
