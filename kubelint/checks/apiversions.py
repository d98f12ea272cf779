"""Removed and deprecated apiVersion/kind pairs (rule-catalog section 10).

The data is ``kubelint/data/api-versions.yaml`` (sourced, keyed on the (apiVersion, kind) pair:
one group/version can hold kinds with unrelated lifecycles). It is loaded once per process. The
replacement named in a message follows the table's replacement chain to the first apiVersion
still served at the target Kubernetes version; when that one is not served yet at the target
(``replacementIntroducedIn`` is newer), the message names an interim apiVersion of the same
chain that is served, or says from which version the replacement is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.model import K8sObject
from kubelint.records import dataclass
from kubelint.resources import package_table
from kubelint.versions import Version, format_version, parse_minor

DATA_FILE = "api-versions.yaml"


@dataclass(frozen=True)
class ApiVersionEntry:
    """One row of the table: the lifecycle of an (apiVersion, kind) pair."""

    api_version: str
    kind: str
    deprecated_in: Version | None
    removed_in: Version | None
    introduced_in: Version | None  # first release serving the pair (None: unknown)
    replacement: str | None
    replacement_introduced_in: Version | None  # first release serving the replacement
    replacement_kind: str | None
    note: str | None
    source: str

    def removed_at(self, target: Version) -> bool:
        return self.removed_in is not None and self.removed_in <= target

    def deprecated_at(self, target: Version) -> bool:
        return (
            self.deprecated_in is not None
            and self.deprecated_in <= target
            and not self.removed_at(target)
        )

    def served_at(self, target: Version) -> bool:
        """Known to be served at ``target`` (introduced, and not removed yet)."""
        return (
            self.introduced_in is not None
            and self.introduced_in <= target
            and not self.removed_at(target)
        )

    @property
    def next_key(self) -> tuple[str, str] | None:
        if self.replacement is None:
            return None
        return self.replacement, self.replacement_kind or self.kind


def _version(value: Any) -> Version | None:
    if value is None:
        return None
    version = parse_minor(value)
    if version is None:
        raise ValueError(f'{DATA_FILE}: version {value!r} is not a quoted "MAJOR.MINOR" string')
    return version


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_table(rows: Any) -> dict[tuple[str, str], ApiVersionEntry]:
    """Build the (apiVersion, kind) index from the YAML rows."""
    if not isinstance(rows, list):
        raise ValueError(f"{DATA_FILE}: expected a list of entries")
    table: dict[tuple[str, str], ApiVersionEntry] = {}
    for row in rows:
        if not isinstance(row, Mapping):
            raise ValueError(f"{DATA_FILE}: entry {row!r} is not a mapping")
        entry = ApiVersionEntry(
            api_version=str(row["apiVersion"]),
            kind=str(row["kind"]),
            deprecated_in=_version(row.get("deprecatedIn")),
            removed_in=_version(row.get("removedIn")),
            introduced_in=_version(row.get("introducedIn")),
            replacement=_optional_str(row.get("replacement")),
            replacement_introduced_in=_version(row.get("replacementIntroducedIn")),
            replacement_kind=_optional_str(row.get("replacementKind")),
            note=_optional_str(row.get("note")),
            source=str(row.get("source", "")),
        )
        key = (entry.api_version, entry.kind)
        if key in table:
            raise ValueError(f"{DATA_FILE}: duplicate entry for {key[0]} {key[1]}")
        table[key] = entry
    return table


@cache
def api_version_table() -> dict[tuple[str, str], ApiVersionEntry]:
    """The table, keyed on (apiVersion, kind); read from the package once per process."""
    return parse_table(package_table(DATA_FILE))


def resolve_replacement(
    entry: ApiVersionEntry,
    target: Version,
    table: Mapping[tuple[str, str], ApiVersionEntry] | None = None,
) -> tuple[tuple[str, str] | None, ApiVersionEntry]:
    """The first (apiVersion, kind) of ``entry``'s replacement chain still served at
    ``target`` (None when the chain ends without one), and the last entry followed."""
    table = api_version_table() if table is None else table
    current = entry
    seen = {(entry.api_version, entry.kind)}
    while True:
        key = current.next_key
        if key is None or key in seen:
            return None, current
        nxt = table.get(key)
        if nxt is None or not nxt.removed_at(target):
            return key, current
        seen.add(key)
        current = nxt


def _chain_keys(
    entry: ApiVersionEntry, table: Mapping[tuple[str, str], ApiVersionEntry]
) -> set[tuple[str, str]]:
    """Every (apiVersion, kind) ``entry``'s replacement chain passes through."""
    out: set[tuple[str, str]] = set()
    current: ApiVersionEntry | None = entry
    while current is not None:
        key = current.next_key
        if key is None or key in out:
            break
        out.add(key)
        current = table.get(key)
    return out


def interim_api(
    entry: ApiVersionEntry,
    key: tuple[str, str],
    target: Version,
    table: Mapping[tuple[str, str], ApiVersionEntry] | None = None,
) -> ApiVersionEntry | None:
    """A pair of the table, other than ``entry``, that is served at ``target`` and whose own
    replacement chain leads to ``key`` (a replacement not served yet at ``target``): the
    newest such, one not deprecated at ``target`` first. None when there is none."""
    table = api_version_table() if table is None else table
    own = (entry.api_version, entry.kind)
    candidates = [
        e
        for k, e in table.items()
        if k != own and k[1] == key[1] and e.served_at(target) and key in _chain_keys(e, table)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda e: (not e.deprecated_at(target), e.introduced_in))


def advice(
    entry: ApiVersionEntry,
    target: Version,
    table: Mapping[tuple[str, str], ApiVersionEntry] | None = None,
) -> str:
    """The end of a message: which apiVersion to use at ``target`` (one served there)."""
    key, last = resolve_replacement(entry, target, table)
    if key is None:
        why = f". {last.note}" if last.note else ""
        if last is entry:
            return f"; it has no replacement API{why}"
        return f"; its replacement {last.api_version} is removed too and has no replacement{why}"
    api_version, kind = key
    new_kind = f" {kind}" if kind != entry.kind else ""
    since = last.replacement_introduced_in
    if since is not None and target < since:  # not served yet at the target version
        later = f"{api_version}{new_kind} is served from Kubernetes {format_version(since)}"
        interim = interim_api(entry, key, target, table)
        if interim is not None:
            return f': use apiVersion "{interim.api_version}" instead ({later})'
        return f"; its replacement {later}, after the target version"
    return f': use apiVersion "{api_version}"{new_kind} instead'


def _lookup(obj: K8sObject) -> ApiVersionEntry | None:
    if not obj.api_version or not obj.kind:
        return None
    return api_version_table().get((obj.api_version, obj.kind))


@check("removed_api_version")
def removed_api_version(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """The (apiVersion, kind) pair is removed at or before the target version."""
    entry = _lookup(obj)
    target = ctx.kubernetes_version
    if entry is None or not entry.removed_at(target):
        return
    assert entry.removed_in is not None
    yield Violation(
        "/apiVersion",
        f'{obj.display} uses apiVersion "{obj.api_version}", which no longer serves '
        f"{obj.kind} since Kubernetes {format_version(entry.removed_in)} (target "
        f"{format_version(target)}){advice(entry, target)}",
    )


@check("deprecated_api_version")
def deprecated_api_version(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """The pair is deprecated but still served at the target version."""
    entry = _lookup(obj)
    target = ctx.kubernetes_version
    if entry is None or not entry.deprecated_at(target):
        return
    assert entry.deprecated_in is not None
    removal = (
        f", removed in {format_version(entry.removed_in)}" if entry.removed_in is not None else ""
    )
    yield Violation(
        "/apiVersion",
        f'{obj.display} uses apiVersion "{obj.api_version}", deprecated for '
        f"{obj.kind} since Kubernetes {format_version(entry.deprecated_in)}{removal} (target "
        f"{format_version(target)}){advice(entry, target)}",
    )
