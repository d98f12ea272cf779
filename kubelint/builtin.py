"""kubelint's own rules, checks and reporters, registered like any third-party plugin.

Its hooks are plain functions: ``kubelint.plugins`` calls them directly when no third-party
plugin is installed, and marks them as pluggy hook implementations when one is.

Checks and reporters are handed over as lazy mappings (kubelint.lazy): a module is imported
when a rule that needs it is activated or its report format is written, not at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubelint import checks as checks_pkg
from kubelint import reporters as reporters_pkg
from kubelint.lazy import LazyMap, package_index
from kubelint.resources import data_dir


def _check_name(attr: str, value: Any) -> str | None:
    name = getattr(value, "__kubelint_check__", None)
    return name if isinstance(name, str) else None


def _format_name(attr: str, value: Any) -> str | None:
    fmt = getattr(value, "format_name", None)
    return fmt if isinstance(fmt, str) and fmt and isinstance(value, type) else None


def kubelint_checks() -> LazyMap:
    return LazyMap(package_index(checks_pkg, "checks", _check_name))


def kubelint_rule_dirs() -> list[Path]:
    return [data_dir("rules")]


def kubelint_reporters() -> LazyMap:
    return LazyMap(package_index(reporters_pkg, "reporters", _format_name))
