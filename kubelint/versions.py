"""Kubernetes versions: the one home for the type, parsing, formatting and the default.

A version is a ``(major, minor)`` pair. ``DEFAULT`` is the newest Kubernetes minor kubelint
knows (design.md: ``--kubernetes-version`` defaults to one pinned constant).
"""

from __future__ import annotations

import re
from typing import Any

Version = tuple[int, int]

DEFAULT: Version = (1, 37)

_LOOSE = re.compile(r"v?(\d+)\.(\d+)(?:\.\d+)?")
_STRICT = re.compile(r"(\d+)\.(\d+)")


def parse(text: str) -> Version:
    """``1.33``, ``v1.33`` or ``1.33.2`` -> (1, 33), as the command line and config accept it;
    ValueError with a message naming the expected form otherwise."""
    m = _LOOSE.fullmatch(text.strip())
    if not m:
        raise ValueError(f'invalid Kubernetes version "{text}": expected MAJOR.MINOR, e.g. 1.33')
    return int(m.group(1)), int(m.group(2))


def parse_minor(value: Any) -> Version | None:
    """A ``"MAJOR.MINOR"`` string of kubelint's own data (profiles' ``since``, API-version
    tables) -> (major, minor); None when it is not one (YAML reads an unquoted 1.30 as 1.3)."""
    m = _STRICT.fullmatch(value) if isinstance(value, str) else None
    return (int(m.group(1)), int(m.group(2))) if m else None


def format_version(version: Version) -> str:
    """(1, 33) -> ``1.33``."""
    return f"{version[0]}.{version[1]}"
