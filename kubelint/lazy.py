"""Name -> object mappings whose values are imported only when looked up.

The built-in plugin provides its checks and report formats this way, so a run imports only the
check modules of its enabled rules and only the reporters it writes (SARIF's sarif_om and attrs
load for ``--format sarif`` alone). Which module holds which name is found once by importing
them all, then kept in the user cache (kubelint.cache), keyed on the modules' file identities.

``lazy_regex`` is the same idea for a module's regular expressions: compiled when first used, so
a run pays only for the patterns of the checks that actually look at something.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from kubelint import cache as disk_cache


class LazyMap(Mapping[str, Any]):
    """``{name: object}`` where objects are ``(module, attribute)`` until first looked up."""

    def __init__(self, where: Mapping[str, tuple[str, str]] | None = None) -> None:
        self.where: dict[str, tuple[str, str]] = dict(where or {})
        self.loaded: dict[str, Any] = {}
        self.order: list[str] = list(self.where)

    def add_lazy(self, name: str, module: str, attr: str) -> None:
        if name not in self.where and name not in self.loaded:
            self.order.append(name)
        self.where[name] = (module, attr)
        self.loaded.pop(name, None)

    def add(self, name: str, value: Any) -> None:
        if name not in self.where and name not in self.loaded:
            self.order.append(name)
        self.where.pop(name, None)
        self.loaded[name] = value

    def origin(self, name: str) -> tuple[str, str] | None:
        """(module, attribute) of a name not looked up yet (None once loaded or eager)."""
        return self.where.get(name)

    def __getitem__(self, name: str) -> Any:
        if name in self.loaded:
            return self.loaded[name]
        module, attr = self.where[name]
        value = getattr(importlib.import_module(module), attr)
        self.loaded[name] = value
        return value

    def __contains__(self, name: object) -> bool:
        return name in self.loaded or name in self.where

    def __iter__(self) -> Iterator[str]:
        return iter(self.order)

    def __len__(self) -> int:
        return len(self.order)


def package_index(
    package: ModuleType, namespace: str, pick: Callable[[str, Any], str | None]
) -> dict[str, tuple[str, str]]:
    """``{name: (module, attribute)}`` over the public modules of ``package``, where
    ``pick(attribute, value)`` names an exported object (or returns None to skip it).

    Cached on the identities of the package's ``*.py`` files: editing, adding or removing a
    module rebuilds the index."""
    root = list(package.__path__)
    key = tuple(disk_cache.dir_identity(Path(p), ("*.py",)) for p in root)

    def build() -> dict[str, tuple[str, str]]:
        import pkgutil

        found: dict[str, tuple[str, str]] = {}
        infos = sorted(pkgutil.iter_modules(root), key=lambda i: i.name)
        for info in infos:
            if info.name.startswith("_"):
                continue
            name = f"{package.__name__}.{info.name}"
            module = importlib.import_module(name)
            for attr, value in vars(module).items():
                exported = pick(attr, value)
                if exported is not None and exported not in found:
                    found[exported] = (name, attr)
        return found

    return disk_cache.cached(namespace, key, build)


_PATTERN_ATTRIBUTES = (
    "search",
    "match",
    "fullmatch",
    "finditer",
    "findall",
    "sub",
    "subn",
    "split",
    "pattern",
    "flags",
    "groups",
    "groupindex",
)


class _LazyPattern:
    """Stands in for a compiled pattern until first used; then the compiled pattern's methods
    become its own attributes, so later calls cost what calling the pattern costs."""

    def __init__(self, pattern: str | Callable[[], str], flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        pattern, flags = self._source
        compiled = re.compile(pattern() if callable(pattern) else pattern, flags)
        for attribute in _PATTERN_ATTRIBUTES:
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)


def lazy_regex(pattern: str | Callable[[], str], flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, compiled on first use (``pattern`` may be a function
    that builds the pattern text, which then also runs on first use)."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))
