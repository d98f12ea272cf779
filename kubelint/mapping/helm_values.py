"""Where a Helm value is set: the values-file line behind a ``.Values.a.b`` expression.

A finding whose offending value is written by a ``.Values`` expression on its template line gets a
*related location*: the key's line in the values file that wins (the last ``-f``/``--values``
file that sets it, else the chart's ``values.yaml``; for a subchart, the parent's files under
the subchart's key, alias included, then the subchart's own ``values.yaml``). A key given with
``--set`` wins over every file: no file location is named then.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from kubelint.findings import Location, Related
from kubelint.loader import LoadResult, read_yaml_file
from kubelint.model import get_path
from kubelint.positions import escape
from kubelint.records import dataclass, field
from kubelint.sources import display_name

_VALUES_RE = re.compile(r"(?<![\w.])\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)")
_SET_KEY_RE = re.compile(r"((?:[^=,\\]|\\.)+)=")


def value_paths(line: str) -> list[list[str]]:
    """The ``.Values.a.b`` paths written in a template line, in order."""
    return [m.group(1)[1:].split(".") for m in _VALUES_RE.finditer(line)]


def set_keys(set_values: list[str]) -> list[list[str]]:
    """Key paths given with ``--set a.b=c,d=e``."""
    out: list[list[str]] = []
    for arg in set_values:
        for m in _SET_KEY_RE.finditer(arg):
            key = m.group(1).lstrip(",")
            out.append([k for k in re.split(r"(?<!\\)\.", key) if k])
    return out


@dataclass
class ValuesFiles:
    """The values files of one render, most important first."""

    chart_root: Path  # the chart rendered (its values.yaml holds the top-level defaults)
    files: list[Path] = field(default_factory=list)  # -f/--values, in command-line order
    set_paths: list[list[str]] = field(default_factory=list)
    _loaded: dict[Path, tuple[str, LoadResult] | None] = field(default_factory=dict)

    def _load(self, path: Path) -> tuple[str, LoadResult] | None:
        if path not in self._loaded:
            entry: tuple[str, LoadResult] | None = None
            try:
                text, loaded = read_yaml_file(path)
                if text is not None:
                    entry = (text, loaded)
            except OSError:
                entry = None
            self._loaded[path] = entry
        return self._loaded[path]

    def texts(self) -> dict[str, str]:
        return {display_name(p): e[0] for p, e in self._loaded.items() if e is not None}

    def chain(self, subcharts: list[str]) -> list[tuple[Path, list[str]]]:
        """(file, key prefix) in precedence order for a template of the subchart reached
        through ``subcharts`` (the ``charts/<key>`` components of its ``# Source:``)."""
        out: list[tuple[Path, list[str]]] = [(f, list(subcharts)) for f in reversed(self.files)]
        root = self.chart_root
        dirs = [root]
        for key in subcharts:
            sub = subchart_dir(dirs[-1], key)
            if sub is None:
                break
            dirs.append(sub)
        for depth, directory in enumerate(dirs):
            out.append((directory / "values.yaml", list(subcharts[depth:])))
        return out

    def locate(self, subcharts: list[str], path: list[str]) -> tuple[Path, int, int, Any] | None:
        """The winning file, line and column of ``path`` and the value set there."""
        if any(_overlaps(path, s) or _overlaps(subcharts + path, s) for s in self.set_paths):
            return None
        for file, prefix in self.chain(subcharts):
            entry = self._load(file)
            if entry is None:
                continue
            full = prefix + path
            pointer = "".join("/" + escape(k) for k in full)
            for doc in entry[1].documents:
                if not isinstance(doc.data, dict) or pointer not in doc.positions:
                    continue
                kline, kcol, _, _, _ = doc.positions.entries[pointer]
                return file, kline, kcol, get_path(doc.data, pointer)
        return None

    def related(
        self, subcharts: list[str], line: str, rendered: Any, tokens: list[str] | None = None
    ) -> list[Related]:
        """Related locations for the ``.Values`` expressions of a template line that wrote
        ``rendered`` (the offending value, or the existing field an absent one belongs to).
        ``tokens`` is that field's pointer: a values block written whole (``toYaml
        .Values.securityContext``) names the key inside it that holds the rendered field."""
        out: list[Related] = []
        seen: set[tuple[str, ...]] = set()
        for path in value_paths(line):
            if tuple(path) in seen:
                continue
            seen.add(tuple(path))
            found = self.locate(subcharts, path)
            if found is None:
                continue
            file, kline, kcol, value = found
            if not _writes(value, rendered):
                sub = _inner_path(value, tokens or [], rendered)
                if sub is None:
                    continue
                inner = self.locate(subcharts, path + sub)
                if inner is None:
                    continue
                file, kline, kcol, _ = inner
                path = path + sub
            where = Location(display_name(file), kline, kcol)
            out.append(Related(where, f"the value comes from .Values{_dotted(path)} here"))
        return out


def _dotted(path: list[str]) -> str:
    return "".join(f"[{k}]" if k.isdigit() else f".{k}" for k in path)


def _inner_path(value: Any, tokens: list[str], rendered: Any) -> list[str] | None:
    """The longest tail of ``tokens`` that leads, inside the values block ``value``, to a
    value equal to ``rendered`` (a block written whole by ``toYaml``)."""
    if not isinstance(value, (dict, list)):
        return None
    for k in range(len(tokens)):
        tail = tokens[k:]
        cur: Any = value
        for t in tail:
            if isinstance(cur, dict) and t in cur:
                cur = cur[t]
            elif isinstance(cur, list) and t.isdigit() and int(t) < len(cur):
                cur = cur[int(t)]
            else:
                break
        else:
            if cur == rendered and (not isinstance(rendered, bool) or isinstance(cur, bool)):
                return tail
    return None


def _overlaps(path: list[str], set_path: list[str]) -> bool:
    n = min(len(path), len(set_path))
    return path[:n] == set_path[:n]


def _writes(value: Any, rendered: Any) -> bool:
    """Whether a value from a values file can have produced the rendered value."""
    if value is None:
        return rendered is None
    if isinstance(value, (dict, list)):
        return bool(value == rendered)
    if isinstance(rendered, (dict, list)):
        return False
    if isinstance(value, bool) or isinstance(rendered, bool):
        return str(value).lower() == str(rendered).lower()
    return str(value) in str(rendered)


def subchart_dir(parent: Path, key: str) -> Path | None:
    """The directory of the dependency known as ``key`` (its alias or name) under parent."""
    charts = parent / "charts"
    name = key
    chart_yaml = parent / "Chart.yaml"
    deps = _dependencies(chart_yaml)
    for dep in deps:
        if dep.get("alias") == key and isinstance(dep.get("name"), str):
            name = dep["name"]
            break
    direct = charts / name
    if (direct / "Chart.yaml").is_file() and chart_name(direct / "Chart.yaml") in (name, None):
        return direct
    try:
        entries = sorted(charts.iterdir()) if charts.is_dir() else []
    except OSError:
        entries = []
    for entry in entries:
        if (entry / "Chart.yaml").is_file() and chart_name(entry / "Chart.yaml") == name:
            return entry
    return direct if (direct / "Chart.yaml").is_file() else None


def _dependencies(chart_yaml: Path) -> list[dict[str, Any]]:
    try:
        _, loaded = read_yaml_file(chart_yaml)
    except OSError:
        return []
    for doc in loaded.documents:
        if isinstance(doc.data, dict) and isinstance(doc.data.get("dependencies"), list):
            return [d for d in doc.data["dependencies"] if isinstance(d, dict)]
    return []


def chart_meta(chart_yaml: Path) -> dict[str, Any]:
    """The mapping in a ``Chart.yaml`` (empty when unreadable)."""
    try:
        _, loaded = read_yaml_file(chart_yaml)
    except OSError:
        return {}
    for doc in loaded.documents:
        if isinstance(doc.data, dict):
            return doc.data
    return {}


def chart_name(chart_yaml: Path) -> str | None:
    name = chart_meta(chart_yaml).get("name")
    return name if isinstance(name, str) else None
