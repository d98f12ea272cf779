"""Which files a run lints: ``.gitignore`` files, ``exclude`` patterns and ``--list-files``.

**.gitignore** (on by default, ``--no-gitignore`` turns it off) is read with git's own rules
through ``pathspec``'s GitIgnoreSpec: each ``.gitignore`` applies to the paths below its
directory, a deeper file overrides a higher one, the last matching line of a file wins, ``!``
re-includes, a trailing ``/`` matches directories only, and an ignored directory is not entered
(its files cannot be re-included, as in git). Inside a git repository the ``.gitignore`` files
from the repository's top down to a linted directory apply, and ``.git/info/exclude``; outside
one, only the ``.gitignore`` files inside the linted directories. Only files found by walking a
directory are ignored: a file named on the command line is always linted.

**exclude** patterns (the configuration's ``exclude:``, relative to the configuration file, or
``--exclude`` / ``--extend-exclude``, relative to the current directory) are globs as ruff
reads them: a pattern without ``/`` (``vendor``, ``*.gen.yaml``) matches any file or directory
of that name in the tree; a pattern with ``/`` (``deploy/legacy``, ``legacy/**``,
``charts/*/ci/*.yaml``) matches the path from its base, or a directory the file is under.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

GITIGNORE = ".gitignore"


def split_patterns(values: Iterable[str]) -> list[str]:
    """Repeated and comma-separated command-line patterns, as one list."""
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


def pattern_matches(rel: str, pattern: str) -> bool:
    """Whether the POSIX path ``rel`` (relative to the pattern's base) matches an exclude
    pattern (see the module docstring)."""
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.rstrip("/")
    if not pattern:
        return False
    parts = rel.split("/")
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(part, pattern) for part in parts)
    if fnmatch.fnmatchcase(rel, pattern):
        return True
    return any(fnmatch.fnmatchcase("/".join(parts[:n]), pattern) for n in range(1, len(parts)))


def excluded(path: Path, patterns: Sequence[str], base: Path) -> bool:
    """Whether ``path`` matches one of ``patterns`` (relative to ``base``); a path outside
    ``base`` is compared by its name only."""
    if not patterns:
        return False
    try:
        rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(base)).as_posix()
    except ValueError:
        rel = path.name
    return any(pattern_matches(rel, p) for p in patterns)


@cache
def _spec(gitignore: Path, mtime_ns: int) -> Any:
    import pathspec

    try:
        text = gitignore.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    lines = text.splitlines()
    return pathspec.GitIgnoreSpec.from_lines(lines) if any(lines) else None


def _load(path: Path) -> Any:
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    return _spec(path, st.st_mtime_ns)


def repository_top(directory: Path) -> Path | None:
    """The top of the git work tree holding ``directory`` (a ``.git`` directory or file)."""
    current = Path(os.path.abspath(directory))
    for candidate in (current, *current.parents):
        if os.path.exists(candidate / ".git"):
            return candidate
    return None


class GitIgnore:
    """Decides, for the paths met while walking ``root``, whether git would ignore them."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root))
        top = repository_top(self.root)
        # (directory, spec) for the ignore files above the walked root, outermost first
        self.above: list[tuple[Path, Any]] = []
        if top is not None:
            exclude = _load(top / ".git" / "info" / "exclude")
            if exclude is not None:
                self.above.append((top, exclude))
            parts = self.root.relative_to(top).parts
            for i in range(len(parts)):  # the top down to the root's parent
                directory = top.joinpath(*parts[:i])
                spec = _load(directory / GITIGNORE)
                if spec is not None:
                    self.above.append((directory, spec))
        self._inside: dict[Path, Any] = {}

    def _spec_of(self, directory: Path) -> Any:
        if directory not in self._inside:
            self._inside[directory] = _load(directory / GITIGNORE)
        return self._inside[directory]

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether ``path`` (below the root, met by the walk) is ignored."""
        path = Path(os.path.abspath(path))
        try:
            below = path.relative_to(self.root)
        except ValueError:
            return False
        specs: list[tuple[Path, Any]] = list(self.above)
        directory = self.root
        for part in below.parts[:-1]:
            spec = self._spec_of(directory)
            if spec is not None:
                specs.append((directory, spec))
            directory = directory / part
        spec = self._spec_of(directory)
        if spec is not None:
            specs.append((directory, spec))
        suffix = "/" if is_dir else ""
        for base, spec in reversed(specs):  # the deepest .gitignore decides first
            rel = path.relative_to(base).as_posix() + suffix
            result = spec.check_file(rel)
            if result.include is not None:
                return bool(result.include)
        return False
