"""kubelint's own rules, checks and reporters, registered like any third-party plugin."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

from kubelint import checks as checks_pkg
from kubelint import reporters as reporters_pkg
from kubelint.hookspecs import hookimpl
from kubelint.resources import data_dir


def _modules(package: Any) -> list[Any]:
    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name)
        if not info.name.startswith("_")
    ]


@hookimpl
def kubelint_checks() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for module in _modules(checks_pkg):
        for value in vars(module).values():
            name = getattr(value, "__kubelint_check__", None)
            if isinstance(name, str):
                found[name] = value
    return found


@hookimpl
def kubelint_rule_dirs() -> list[Path]:
    return [data_dir("rules")]


@hookimpl
def kubelint_reporters() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for module in _modules(reporters_pkg):
        for value in vars(module).values():
            fmt = getattr(value, "format_name", None)
            if isinstance(fmt, str) and fmt and isinstance(value, type):
                found[fmt] = value
    return found
