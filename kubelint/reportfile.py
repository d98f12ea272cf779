"""Writing ``--report FORMAT=PATH`` files safely.

A report is written to a temporary file in the target's directory and renamed over PATH, so an
interrupted run (a signal, a full disk, a crash in a reporter) leaves the previous report intact
and two concurrent runs never interleave. A PATH that is a symbolic link (a pull request can
commit one pointing anywhere) or that is one of the linted inputs is refused before anything is
linted. ``-`` means standard output. Names that are not valid UTF-8 (file names read with
surrogate escapes) are written backslash-escaped instead of crashing the writer.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

STDOUT = "-"


class ReportPathError(Exception):
    """A report path kubelint refuses to write: exit code 2 with this message."""


def is_manifest(path: Path, data: bytes) -> bool:
    """Whether a file found in a linted directory is a manifest (YAML, or a JSON object with
    apiVersion and kind) rather than, say, the previous run's JSON report."""
    if path.suffix.lower() != ".json":
        return True
    try:
        doc = json.loads(data)
    except ValueError:
        return False
    return isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc


def check_paths(reports: Iterable[tuple[str, str]], inputs: Iterable[Path]) -> None:
    """Refuse report paths that are symlinks, directories, one of the inputs, or named twice."""
    reports = list(reports)
    input_set = set()
    for path in inputs if any(raw != STDOUT for _, raw in reports) else ():
        try:
            input_set.add(path.resolve())
        except (OSError, RuntimeError):  # a symlink loop (reported by the reader)
            continue
    seen: dict[Path, str] = {}
    stdout = 0
    for fmt, raw in reports:
        if raw == STDOUT:
            stdout += 1
            if stdout > 1:
                raise ReportPathError("--report: only one report can go to standard output (-)")
            continue
        path = Path(raw)
        if path.is_symlink():
            raise ReportPathError(
                f"--report {fmt}={raw}: refusing to write a report through a symbolic link"
            )
        if path.is_dir():
            raise ReportPathError(f"--report {fmt}={raw}: is a directory")
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError) as exc:
            raise ReportPathError(f"--report {fmt}={raw}: cannot resolve the path ({exc})") from exc
        if resolved in input_set:
            raise ReportPathError(
                f"--report {fmt}={raw}: is one of the linted inputs; refusing to overwrite it"
            )
        if resolved in seen:
            raise ReportPathError(f"--report {fmt}={raw}: same file as --report {seen[resolved]}")
        seen[resolved] = f"{fmt}={raw}"


def _mode_for(path: Path) -> int:
    """The existing file's permissions, else what a new file gets under the umask."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, write: Callable[[IO[str]], None]) -> None:
    """Write a text file through a temporary file in its directory and a rename."""
    if path.is_symlink():  # checked before the run too; the tree may have changed since
        raise ReportPathError(f"{path}: refusing to write a report through a symbolic link")
    import tempfile

    directory = path.parent
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
