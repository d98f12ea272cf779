"""Helpers shared by the CI report formats (SARIF, GitLab Code Quality, GitHub annotations).

CI systems resolve paths against the repository root, not the directory kubelint ran in, so
these reports name files relative to the git top level (or the current directory outside a
repository). Findings name files relative to the current directory; ``RepoPaths`` converts them.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from kubelint.findings import Finding
from kubelint.records import dataclass

STDIN_NAME = "-"


@lru_cache(maxsize=8)
def repository_root(cwd: str) -> Path:
    """The git top level containing ``cwd`` (a ``.git`` directory or worktree file), else ``cwd``.

    Cached per directory so that several reports of one run compute it once.
    """
    start = Path(cwd)
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


@dataclass(frozen=True)
class RepoPaths:
    """Converts finding file names (relative to ``cwd``) into repository-relative POSIX paths."""

    cwd: Path
    root: Path

    @classmethod
    def current(cls) -> RepoPaths:
        cwd = os.getcwd()
        return cls(Path(cwd), repository_root(cwd))

    def relative(self, name: str) -> str | None:
        """The path of ``name`` relative to the root, or None when it lies outside (or is stdin)."""
        if name == STDIN_NAME:
            return None
        full = Path(os.path.normpath(self.cwd / name))
        for path, root in ((full, self.root), (full.resolve(), self.root.resolve())):
            try:
                return path.relative_to(root).as_posix()
            except ValueError:
                continue
        return None

    def display(self, name: str) -> str:
        """Repository-relative path when possible, else the name as findings carry it."""
        rel = self.relative(name)
        return rel if rel is not None else name


def unique_fingerprints(findings: Iterable[Finding], paths: RepoPaths) -> list[str]:
    """One fingerprint per finding, unique within the report and stable across runs.

    ``Finding.fingerprint`` identifies a finding by rule and object (it survives line moves and
    edits) but is equal for identical objects in different files; the repository-relative path
    and an occurrence number (for repeats within one file, in report order) make it unique.
    """
    seen: Counter[tuple[str, str]] = Counter()
    out: list[str] = []
    for f in findings:
        where = paths.display(f.location.file)
        key = (f.fingerprint, where)
        seen[key] += 1
        ident = f"{f.fingerprint}|{where}|{seen[key]}"
        out.append(hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:32])
    return out
