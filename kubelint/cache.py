"""A per-user cache of derived data that start-up would otherwise rebuild on every run.

What goes here is only ever derived from files kubelint itself or the Python environment ships
(the built-in rule catalogue, installed plugins' rule directories, the bundled Kubernetes
schemas): nothing from a linted repository is ever cached, so nothing in a repository can
write or influence an entry, and nothing is written into the linted tree.

Location: ``$KUBELINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/kubelint``, else ``~/.cache/kubelint``.
``KUBELINT_NO_CACHE=1`` turns the cache off. Every entry is keyed on kubelint's version, the
Python version and the identities (path, size, mtime) of the files it was built from, and stores
its key next to its value; an entry whose key differs is rebuilt.

The cache can never change a result or fail a run: a missing, stale, truncated or otherwise
corrupt entry is rebuilt; an unwritable directory (read-only, full disk, wrong owner) simply
means the value is built in memory each run; entries are written to a temporary file and
renamed into place, so concurrent runs see either the old or the new entry, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from kubelint import __version__

T = TypeVar("T")
_FORMAT = 1  # bump when the layout of any cached value changes


def cache_dir() -> Path | None:
    """The cache directory in effect, or None when caching is off."""
    if os.environ.get("KUBELINT_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("KUBELINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "kubelint"


def file_identity(path: str | os.PathLike[str]) -> tuple[str, int, int]:
    """(path, size, mtime in ns) of a file, or (path, -1, -1) when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return (os.fspath(path), -1, -1)
    return (os.fspath(path), st.st_size, st.st_mtime_ns)


def dir_identity(directory: Path, patterns: Iterable[str] = ("*",)) -> tuple[Any, ...]:
    """Identities of the files matching ``patterns`` in ``directory`` (sorted)."""
    found: set[Path] = set()
    for pattern in patterns:
        found.update(directory.glob(pattern))
    return (os.fspath(directory), *(file_identity(p) for p in sorted(found)))


def _usable(directory: Path) -> bool:
    """Only a directory the current user owns and nobody else can write is trusted."""
    try:
        st = os.stat(directory)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        return False
    getuid = getattr(os, "getuid", None)
    if getuid is not None and st.st_uid != getuid():
        return False
    return not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _entry_path(directory: Path, namespace: str, key: Any) -> tuple[Path, bytes]:
    full_key = (_FORMAT, __version__, sys.version_info[:3], namespace, key)
    blob = repr(full_key).encode("utf-8")
    digest = hashlib.sha256(blob).hexdigest()[:32]
    return directory / f"{namespace}-{digest}.pickle", blob


def load(namespace: str, key: Any) -> tuple[bool, Any]:
    """(True, value) for a valid entry, else (False, None)."""
    directory = cache_dir()
    if directory is None or not _usable(directory):
        return False, None
    path, blob = _entry_path(directory, namespace, key)
    try:
        with open(path, "rb") as fh:
            stored_key, value = pickle.load(fh)
    except Exception:  # missing, truncated, corrupt, unreadable: rebuild
        return False, None
    if stored_key != blob:
        return False, None
    return True, value


def store(namespace: str, key: Any, value: Any) -> bool:
    """Write an entry atomically; False (and nothing raised) when it cannot be written."""
    directory = cache_dir()
    if directory is None:
        return False
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return False
    if not _usable(directory):
        return False
    path, blob = _entry_path(directory, namespace, key)
    import tempfile

    tmp_name = None
    try:
        data = pickle.dumps((blob, value), protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp_name, path)
        tmp_name = None
        return True
    except Exception:  # read-only, full, unpicklable value: the run goes on uncached
        return False
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def cached(namespace: str, key: Any, build: Callable[[], T]) -> T:
    """The cached value for ``key``, else ``build()`` (stored for the next run)."""
    hit, value = load(namespace, key)
    if hit:
        return value  # type: ignore[no-any-return]
    value = build()
    store(namespace, key, value)
    return value
