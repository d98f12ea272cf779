"""Find the inputs of a run and read their bytes; decide which files are not manifests at all.

Never modifies an input. Directories are walked recursively for ``.yaml``, ``.yml`` and
``.json`` files, skipping hidden and vendored directories; Helm chart sources (``Chart.yaml``,
``values*.yaml``, ``templates/``) and files that Kustomize uses as patches are skipped with a
reason, as rule-catalog.md §11 describes.

Reads stay inside what the user named (the linted *roots*: the paths given on the command line).
A symbolic link is followed only when its target resolves inside a root; others are skipped with
a reason (``--verbose`` lists it), loops are an error (``cannot read file: symlink loop``). Only
regular files are read, and every read is bounded before it happens: :func:`read_regular` checks
the type and size with ``stat`` and then reads at most ``limit + 1`` bytes, so a FIFO, a device or
a huge sparse file can neither hang a run nor exhaust its memory.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubelint.loader import MAX_BYTES
from kubelint.records import dataclass

if TYPE_CHECKING:
    from kubelint.kustomize_tree import Fills
    from kubelint.mapping import Mapper

EXTENSIONS = (".yaml", ".yml", ".json")
VENDORED_DIRS = frozenset(
    {"node_modules", "vendor", "__pycache__", "site-packages", "bower_components", ".terraform"}
)
CHART_FILES = frozenset({"Chart.yaml", "Chart.lock", "requirements.lock"})
_CHUNK = 1024 * 1024

SYMLINK_OUTSIDE = (
    "symbolic link to {target}, outside the linted paths (not followed; "
    "name the target on the command line to lint it)"
)


class NotRegularFile(OSError):
    """A path that is a FIFO, socket, device or directory where a file was expected."""


class InputTooLarge(OSError):
    """A file or stream larger than the input limit; nothing beyond the limit was read."""

    def __init__(self, size: int | None, limit: int) -> None:
        super().__init__(errno.EFBIG, "input is larger than the limit")
        self.size = size
        self.limit = limit


def read_error(exc: OSError) -> str:
    """The user-facing reason of a failed read: ``symlink loop``, ``Permission denied``, …"""
    if isinstance(exc, NotRegularFile):
        return "not a regular file"
    if isinstance(exc, InputTooLarge):
        return f"larger than the {exc.limit // (1024 * 1024)} MiB input limit"
    if exc.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    return exc.strerror or str(exc)


def read_regular(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file ``path``, read with the type and size checked first.

    ``stat`` decides before anything is opened: a FIFO, socket or device raises
    NotRegularFile (opening a FIFO for reading would block), a file larger than ``limit``
    raises InputTooLarge without a byte read. The file is then opened non-blocking, checked
    again on the open descriptor (it may have been swapped), and read up to ``limit + 1``
    bytes, so even a file that grows meanwhile costs at most the limit.
    """
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFile(errno.EINVAL, "not a regular file", os.fspath(path))
    if st.st_size > limit:
        raise InputTooLarge(st.st_size, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(errno.EINVAL, "not a regular file", os.fspath(path))
        return _read_bounded(lambda n: os.read(fd, n), limit)
    finally:
        os.close(fd)


def read_stream(stream: Any, limit: int = MAX_BYTES) -> bytes:
    """At most ``limit + 1`` bytes of a binary stream (standard input); InputTooLarge beyond."""
    read = getattr(stream, "read1", None) or stream.read
    return _read_bounded(read, limit)


def _read_bounded(read: Any, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise InputTooLarge(None, limit)
    return b"".join(chunks)


@dataclass(frozen=True)
class Source:
    """One input: a file on disk or standard input, with the name findings use for it."""

    name: str  # what reports show: relative to the current directory when below it, or "-"
    path: Path | None  # None for stdin
    data: bytes | None  # None when the file was skipped or unreadable
    lint_set: str = "files"  # id of the lint set it belongs to
    mapper: Mapper | None = None  # for rendered output (helm/kustomize), else None
    too_large: bool = False  # larger than the input limit: an input-limit finding, not read
    # a kustomization's file linted on its own: what its builds would fill in (not reported)
    kustomize_fills: Fills | None = None
    resolved: Path | None = None  # ``path`` resolved (symbolic links followed), when known

    def real_path(self) -> Path | None:
        """``path`` resolved, or None for standard input."""
        if self.path is None:
            return None
        return self.resolved if self.resolved is not None else Path(os.path.realpath(self.path))


@dataclass(frozen=True)
class Skipped:
    name: str
    reason: str


def display_name(path: Path, cwd: Path | None = None) -> str:
    """Path relative to the current directory when below it, else as given (POSIX separators)."""
    base = cwd or Path.cwd()
    return _shown(path, path.resolve(), base.resolve())


def _shown(path: Path, resolved: Path, base: Path) -> str:
    """display_name of ``path`` from its resolved form and the resolved current directory."""
    try:
        return resolved.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def is_file(path: Path) -> bool:
    """``path.is_file()`` that answers False instead of raising (a directory we may not search)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _chart_root(path: Path, charts: dict[str, bool] | None = None) -> Path | None:
    """The Helm chart directory containing ``path`` (nearest parent with a Chart.yaml);
    ``charts`` caches, per directory, whether it holds one (for many files of one walk)."""
    for parent in _parents(str(path)):
        found = charts.get(parent) if charts is not None else None
        if found is None:
            found = is_file(Path(parent, "Chart.yaml"))
            if charts is not None:
                charts[parent] = found
        if found:
            return Path(parent)
    return None


def _parents(path: str) -> Iterator[str]:
    """The parent directories of ``path`` (as ``Path.parents``, as strings: far cheaper)."""
    while True:
        parent = os.path.dirname(path)
        if parent == path or not parent:
            if not parent and path not in ("", "."):
                yield "."
            return
        yield parent
        path = parent


def classify_file(path: Path, charts: dict[str, bool] | None = None) -> str | None:
    """Return a skip reason for files that are Helm chart sources, else None (``charts``: see
    _chart_root)."""
    name = path.name
    if name in CHART_FILES:
        return "Helm chart metadata"
    chart = _chart_root(path, charts)
    if chart is not None:
        rel = path.relative_to(chart).parts
        if rel and rel[0] == "templates":
            return "Helm chart template (render it with `helm template` or --helm)"
        if len(rel) == 1 and name.startswith("values") and name.endswith((".yaml", ".yml")):
            return "Helm values file"
    return None


def _kustomize_patch_files(directory: Path) -> set[Path]:
    """Files a kustomization in ``directory`` uses as patches (partial objects)."""
    from kubelint.kustomization import KUSTOMIZATION_FILES, read_kustomization

    out: set[Path] = set()
    for fname in KUSTOMIZATION_FILES:
        kfile = directory / fname
        if not is_file(kfile):
            continue
        k = read_kustomization(kfile)
        if k is not None:
            out |= k.patch_files()
    return out


def within(path: Path, roots: Iterable[Path]) -> bool:
    """Whether the resolved ``path`` is one of ``roots`` or lies below one."""
    return any(path == root or path.is_relative_to(root) for root in roots)


def _wanted(name: str) -> bool:
    return name.endswith(EXTENSIONS) and not name.startswith(".")


def walk(
    root: Path,
    roots: Iterable[Path] | None = None,
    skipped: list[Skipped] | None = None,
    errors: list[str] | None = None,
    ignored: Callable[[Path, bool], bool] | None = None,
    visiting: Callable[[Path], None] | None = None,
) -> Iterator[tuple[Path, Path]]:
    """Manifest candidates below ``root`` in a stable order, each with its resolved path.

    ``ignored(path, is_dir)`` drops a file or a whole directory (.gitignore); ``visiting``
    is told each directory entered (the progress display).

    Symbolic links (to files or directories) are followed only when their target resolves
    inside ``roots`` (default: ``root`` itself); the others are recorded in ``skipped``.
    A link loop or an unreadable directory is recorded in ``errors``; non-regular files
    (FIFOs, sockets, devices) are skipped. Every directory is entered at most once.
    """
    resolved_roots = [Path(os.path.realpath(r)) for r in (roots or [root])]
    skipped = skipped if skipped is not None else []
    errors = errors if errors is not None else []
    visited: set[Path] = set()

    def note_link(path: Path) -> Path | None:
        """The target of link ``path`` when it may be followed, else None (recorded)."""
        try:
            target = Path(os.path.realpath(path, strict=True))
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                skipped.append(Skipped(display_name_raw(path), "dangling symbolic link"))
            else:
                errors.append(f"{display_name_raw(path)}: cannot read file: {read_error(exc)}")
            return None
        if not within(target, resolved_roots):
            reason = SYMLINK_OUTSIDE.format(target=target.as_posix())
            skipped.append(Skipped(display_name_raw(path), reason))
            return None
        return target

    def visit(directory: Path, real: Path) -> Iterator[tuple[Path, Path]]:
        """``real``: the resolved ``directory`` (what is below it resolves below it, except
        through symbolic links, which are resolved one by one)."""
        if real in visited:
            return
        visited.add(real)
        if visiting is not None:
            visiting(directory)
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            shown = display_name_raw(directory)
            errors.append(f"{shown}: cannot read directory: {read_error(exc)}")
            return
        subdirs: list[tuple[Path, Path]] = []
        for entry in entries:
            path = Path(directory, entry.name)
            try:
                is_link = entry.is_symlink()
                entry_is_dir = entry.is_dir(follow_symlinks=False)
            except OSError as exc:
                errors.append(f"{display_name_raw(path)}: cannot read file: {read_error(exc)}")
                continue
            if is_link:
                if entry.name.startswith(".") or entry.name in VENDORED_DIRS:
                    continue
                if not _wanted(entry.name) and not is_dir(path):
                    continue  # a link to something that is neither a manifest nor a directory
                target = note_link(path)
                if target is None:
                    continue
                if is_dir(target):
                    subdirs.append((path, target))
                elif _wanted(entry.name) and (ignored is None or not ignored(path, False)):
                    yield path, target
            elif entry_is_dir:
                if not entry.name.startswith(".") and entry.name not in VENDORED_DIRS:
                    subdirs.append((path, real / entry.name))
            elif _wanted(entry.name) and (ignored is None or not ignored(path, False)):
                yield path, real / entry.name
        for sub, sub_real in subdirs:
            if ignored is None or not ignored(sub, True):
                yield from visit(sub, sub_real)

    yield from visit(root, Path(os.path.realpath(root)))


def is_dir(path: Path) -> bool:
    """``path.is_dir()`` that answers False instead of raising."""
    try:
        return path.is_dir()
    except OSError:
        return False


def display_name_raw(path: Path) -> str:
    """Like display_name, without resolving ``path`` itself (it may be a broken link)."""
    base = Path.cwd()
    try:
        parent = Path(os.path.realpath(path.parent))
        return (parent / path.name).relative_to(os.path.realpath(base)).as_posix()
    except (ValueError, OSError):
        return path.as_posix()


def collect(
    paths: Iterable[str],
    stdin_filename: str | None = None,
    stdin: Any = None,
    gitignore: bool = False,
    visiting: Callable[[Path], None] | None = None,
) -> tuple[list[Source], list[Skipped], list[str]]:
    """Resolve the command-line paths into sources.

    With ``gitignore``, files and directories met while walking a directory that git would
    ignore are left out (kubelint.filesel); files named directly are always read.

    Returns (sources, skipped files, errors). Errors are missing paths, symlink loops and
    unreadable files or directories; they do not stop the run, but make its exit code 2.
    The roots that symbolic links may point into are the directories given, and for a file
    given, the directory it was named in.
    """
    from kubelint.kustomization import KUSTOMIZATION_FILES

    paths = list(paths)
    sources: list[Source] = []
    skipped: list[Skipped] = []
    errors: list[str] = []
    seen: set[Path] = set()
    patch_cache: dict[str, set[Path]] = {}  # directory -> the patch files its kustomization uses
    charts: dict[str, bool] = {}  # directory -> whether it holds a Chart.yaml
    roots = _roots(paths)
    cwd = Path.cwd().resolve()

    def patches_near(resolved: Path) -> bool:
        for parent in _parents(str(resolved)):
            patches = patch_cache.get(parent)
            if patches is None:
                patches = patch_cache[parent] = _kustomize_patch_files(Path(parent))
            if patches and resolved in patches:
                return True
        return False

    def add_file(path: Path, resolved: Path | None = None) -> None:
        """``resolved``: ``path`` resolved, when the caller knows it."""
        if resolved is None:
            resolved = Path(os.path.realpath(path))
        if resolved in seen:
            return
        seen.add(resolved)
        name = _shown(path, resolved, cwd)  # display_name(path), resolving nothing again
        reason = classify_file(resolved, charts)
        if reason is None and path.name in KUSTOMIZATION_FILES:
            reason = "Kustomize kustomization"
        if reason is None and patches_near(resolved):
            reason = "Kustomize patch (a partial object)"
        if reason is not None:
            skipped.append(Skipped(name, reason))
            return
        try:
            data = read_regular(resolved)
        except InputTooLarge:
            sources.append(Source(name, path, b"", too_large=True, resolved=resolved))
            return
        except NotRegularFile:
            skipped.append(Skipped(name, "not a regular file"))
            return
        except OSError as exc:
            errors.append(f"{name}: cannot read file: {read_error(exc)}")
            return
        sources.append(Source(name, path, data, resolved=resolved))

    for raw in paths:
        if raw == "-":
            name = stdin_filename or "-"
            stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
            try:
                if stream is None:
                    raise OSError(errno.EBADF, os.strerror(errno.EBADF))
                data = read_stream(stream)
            except InputTooLarge:
                sources.append(Source(name=name, path=None, data=b"", too_large=True))
                continue
            except (OSError, ValueError) as exc:  # ValueError: a closed file object
                reason = read_error(exc) if isinstance(exc, OSError) else "Bad file descriptor"
                errors.append(f"{name}: cannot read standard input: {reason}")
                continue
            sources.append(Source(name=name, path=None, data=data))
            continue
        path = Path(raw)
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ENOENT and not os.path.islink(path):
                errors.append(f"{raw}: no such file or directory")
            elif exc.errno == errno.ENOENT:
                errors.append(f"{raw}: cannot read file: dangling symbolic link")
            else:
                errors.append(f"{raw}: cannot read file: {read_error(exc)}")
            continue
        if os.path.islink(path) and not stat.S_ISDIR(st.st_mode):
            target = Path(os.path.realpath(path))
            if not within(target, roots):
                reason = SYMLINK_OUTSIDE.format(target=target.as_posix())
                skipped.append(Skipped(display_name_raw(path), reason))
                continue
        if stat.S_ISDIR(st.st_mode):
            ignored = None
            if gitignore:
                from kubelint.filesel import GitIgnore

                ignored = GitIgnore(path).ignored
            for file, resolved in walk(path, roots, skipped, errors, ignored, visiting):
                add_file(file, resolved)
        elif stat.S_ISREG(st.st_mode):
            add_file(path)
        else:
            errors.append(f"{raw}: not a regular file or directory")
    return sources, skipped, errors


def _roots(paths: Iterable[str]) -> list[Path]:
    """The resolved directories that symbolic links met in a run may point into: each
    directory given, and for each file given the directory it was named in."""
    roots: list[Path] = []
    for raw in paths:
        if raw == "-":
            continue
        path = Path(raw)
        try:
            if path.is_dir():
                roots.append(Path(os.path.realpath(path)))
                continue
        except OSError:
            pass
        roots.append(Path(os.path.realpath(path.parent if str(path.parent) else ".")))
    return roots
