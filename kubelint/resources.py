"""Locate the data shipped with kubelint (rules/, schemas/) in a checkout or an installed wheel."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PKG = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Return the directory `name` (``rules`` or ``schemas``).

    A built wheel carries them under ``kubelint/_data/``; an editable install or a checkout
    finds them at the repository root next to the package.
    """
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"kubelint data directory {name!r} not found (broken installation?)")


def package_data(name: str) -> Path:
    """Return a file under ``kubelint/data`` (tables such as api-versions.yaml)."""
    return _PKG / "data" / name


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Load a JSON Schema from the schemas directory."""
    with (data_dir("schemas") / name).open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


def package_table(name: str) -> Any:
    """The one document of the data file ``kubelint/data/<name>``, read as YAML 1.1 by
    ``loader.read_yaml_file``; a file that does not parse cleanly as one document is a broken
    installation (``ValueError`` naming the file, line and problem). The parsed table is kept in
    the user cache (kubelint.cache), keyed on the file's identity."""
    from kubelint import cache as disk_cache

    path = package_data(name)

    def parse() -> Any:
        from kubelint.loader import first_problem, read_yaml_file

        _, loaded = read_yaml_file(path)
        p = first_problem(loaded)
        if p is not None or len(loaded.documents) != 1:
            where = f":{p.line}: {p.message}" if p is not None else ": not one document"
            raise ValueError(f"{name}{where}")
        return loaded.documents[0].data

    return disk_cache.cached("table", disk_cache.file_identity(path), parse)
