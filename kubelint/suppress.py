"""Suppressions: annotations, YAML comments, config exemptions, and other linters' annotations.

Order of precedence is irrelevant: a finding is suppressed when any mechanism matches it, and
the first match found (annotation, comment, exemption) is recorded as the reason. Every
mechanism remembers whether it matched anything, so unused suppressions can be reported.
Given the rule IDs that exist, the suppressor also warns about annotations and comments that
name a rule that does not exist (a typo suppresses nothing), each with file:line and a
suggestion.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from functools import cache
from typing import Any

from kubelint.config import Exemption
from kubelint.findings import Finding
from kubelint.messages import suggest
from kubelint.model import K8sObject
from kubelint.positions import escape
from kubelint.records import dataclass
from kubelint.resources import package_table

IGNORE = "kubelint.io/ignore"
IGNORE_PREFIX = "kubelint.io/ignore-"
IGNORE_ALL = frozenset({"all", "*"})  # `kubelint.io/ignore: all`: every rule
KUBE_LINTER_IGNORE_ALL = "kube-linter.io/ignore-all"
# What every rule list accepts besides rule IDs: "all rules".
EVERY_RULE = IGNORE_ALL
_RULE_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
COMMENT_RE = re.compile(
    r"#\s*kubelint:\s*disable=([A-Za-z0-9_,\s-]+?)(?:\s+--\s*(?P<reason>.*?))?\s*$"
)


@dataclass(frozen=True)
class Suppression:
    kind: str  # annotation | comment | exemption | foreign
    reason: str
    where: str  # file:line of the suppression, or the object for annotations


@cache
def foreign_table() -> dict[str, dict[str, tuple[str, ...]]]:
    """{tool: {their check name: (kubelint rule IDs, ...)}} from data/foreign-suppressions.yaml."""
    data = package_table("foreign-suppressions.yaml")
    table: dict[str, dict[str, tuple[str, ...]]] = {}
    for tool, mapping in (data.get("tools") or {}).items():
        checks = mapping.get("checks") or {}
        table[tool] = {
            str(name).lower(): tuple(ids if isinstance(ids, list) else [ids])
            for name, ids in checks.items()
        }
    return table


def _split_rules(value: str) -> Iterator[tuple[str, str]]:
    """``"a, b: reason"`` -> (a, "reason"), (b, "reason").

    A reason applies to every rule listed before it that has none of its own (``"a, b:
    reviewed"``: both are reviewed); rules after the last reason take that reason. A comma inside
    a reason does not start a rule: a part that is not shaped like a rule ID continues the
    reason before it (``"a: reviewed, approved by security"``)."""
    entries: list[list[str]] = []
    for part in value.split(","):
        rule, colon, reason = part.partition(":")
        rule = rule.strip()
        if entries and entries[-1][1] and not (_RULE_ID_RE.fullmatch(rule) or rule in EVERY_RULE):
            entries[-1][1] += "," + part
            continue
        if rule:
            entries.append([rule, reason.strip() if colon else ""])
    following = ""
    for entry in reversed(entries):
        entry[1] = entry[1].strip()
        if entry[1]:
            following = entry[1]
        elif following:
            entry[1] = following
    last = ""
    for entry in entries:
        if entry[1]:
            last = entry[1]
        elif last:
            entry[1] = last
    for rule, reason in entries:
        yield rule, reason


class Suppressor:
    """Decides whether a finding is suppressed, and tracks which suppressions were used."""

    def __init__(
        self,
        exemptions: Iterable[Exemption] = (),
        foreign: bool = True,
        today: dt.date | None = None,
        known_rules: Collection[str] | None = None,
    ) -> None:
        today = today or dt.date.today()
        self.active: list[Exemption] = []
        self.expired: list[Exemption] = []
        for ex in exemptions:
            if ex.expires and dt.date.fromisoformat(ex.expires) < today:
                self.expired.append(ex)
            else:
                self.active.append(ex)
        self.foreign = foreign
        self.used: set[str] = set()
        self.seen: dict[str, str] = {}  # suppression key -> description (for unused reports)
        # rule IDs that exist (None: not checked); warnings about suppressions naming others
        self.known_rules = None if known_rules is None else frozenset(known_rules)
        self.unknown: dict[str, str] = {}  # where -> warning (once per place)
        for ex in self.active:
            self.seen[f"exemption|{ex.origin}"] = f"{ex.origin}: exemption ({ex.reason})"

    def register_object(self, obj: K8sObject) -> None:
        """Record the object's suppression annotations (for --report-unused-suppressions), and
        warn about rule IDs in them that do not exist."""
        for (notes, where), pointer in zip(
            self._annotation_sources(obj), self._annotation_pointers(obj), strict=True
        ):
            for name, value in notes.items():
                if name == IGNORE and isinstance(value, str):
                    ids = [rid for rid, _ in _split_rules(value)]
                    for rid in ids:
                        self.seen.setdefault(
                            f"annotation|{where}|{rid}", f'{where}: {IGNORE}: "{rid}"'
                        )
                    self._check_ids(ids, obj, join_key(pointer, name), f'annotation "{IGNORE}"')
                elif isinstance(name, str) and name.startswith(IGNORE_PREFIX):
                    rid = name[len(IGNORE_PREFIX) :]
                    self.seen.setdefault(f"annotation|{where}|{rid}", f"{where}: {name}")
                    self._check_ids([rid], obj, join_key(pointer, name), f'annotation "{name}"')

    def _check_ids(self, ids: Iterable[str], obj: K8sObject, pointer: str, what: str) -> None:
        known = self.known_rules
        if known is None:
            return
        bad = [rid for rid in ids if rid not in known and rid not in EVERY_RULE]
        if not bad:
            return
        line, column, _ = obj.doc.positions.locate(pointer, "key")
        where = f"{obj.file}:{line}:{column}"
        for rid in bad:
            self.unknown.setdefault(
                f"{where}|{rid}",
                f'{where}: unknown rule "{rid}" in {what} of {obj.kind} {obj.name}'
                f"{suggest(rid, known)}: it suppresses nothing",
            )

    def register_text(self, file: str, text: str) -> None:
        """Record `# kubelint: disable=` comments of a file (and warn about unknown rules)."""
        if "kubelint:" not in text:
            return
        for n, line in enumerate(text.splitlines(), start=1):
            if "kubelint:" not in line:
                continue
            m = COMMENT_RE.search(line)
            if m:
                self.seen.setdefault(f"comment|{file}|{n}", f"{file}:{n}: {line.strip()}")
                if self.known_rules is not None:
                    for rid in (r.strip() for r in m.group(1).split(",")):
                        if rid and rid not in self.known_rules and rid not in EVERY_RULE:
                            where = f"{file}:{n}:{m.start(1) + 1}"
                            self.unknown.setdefault(
                                f"{where}|{rid}",
                                f'{where}: unknown rule "{rid}" in a "kubelint: disable" '
                                f"comment{suggest(rid, self.known_rules)}: it suppresses nothing",
                            )

    def warnings(self) -> list[str]:
        """Suppressions that name a rule that does not exist, in file order."""
        return [self.unknown[key] for key in sorted(self.unknown, key=_where_order)]

    # -- annotations -------------------------------------------------------------------------

    @staticmethod
    def _annotation_pointers(obj: K8sObject) -> Iterator[str]:
        """The document pointers of what :meth:`_annotation_sources` yields, in its order."""
        yield obj.base + "/metadata/annotations"
        pod = obj.pod
        if pod is not None and pod.meta_pointer not in (None, "/metadata"):
            yield f"{obj.base}{pod.meta_pointer}/annotations"

    def _annotation_sources(self, obj: K8sObject) -> Iterator[tuple[Mapping[str, Any], str]]:
        yield obj.annotations, f"{obj.file}: {obj.kind} {obj.name} metadata.annotations"
        pod = obj.pod
        if pod is not None and pod.meta_pointer not in (None, "/metadata"):
            yield pod.annotations, f"{obj.file}: {obj.kind} {obj.name} pod template annotations"

    def annotation(self, rule: str, obj: K8sObject) -> Suppression | None:
        for notes, where in self._annotation_sources(obj):
            ignore = notes.get(IGNORE)
            if isinstance(ignore, str):
                for rid, reason in _split_rules(ignore):
                    key = f"annotation|{where}|{rid}"
                    if rid == rule or rid in IGNORE_ALL:
                        self.used.add(key)
                        return Suppression("annotation", reason or "(no reason given)", where)
            for name, value in notes.items():
                if isinstance(name, str) and name.startswith(IGNORE_PREFIX):
                    rid = name[len(IGNORE_PREFIX) :]
                    key = f"annotation|{where}|{rid}"
                    if rid == rule:
                        self.used.add(key)
                        reason = value if isinstance(value, str) and value else "(no reason given)"
                        return Suppression("annotation", reason, where)
            if self.foreign:
                found = self._foreign(rule, notes, where)
                if found is not None:
                    return found
        return None

    def _foreign(self, rule: str, annotations: Mapping[str, Any], where: str) -> Suppression | None:
        table = foreign_table()
        for name, value in annotations.items():
            if not isinstance(name, str):
                continue
            hit = self._foreign_match(table, name, value)
            if hit is None:
                continue
            tool, ids, reason = hit
            key = f"foreign|{where}|{name}|{','.join(ids)}"
            if "*" in ids or rule in ids:
                self.used.add(key)
                return Suppression("foreign", f"{tool}: {reason}".rstrip(": "), where)
        return None

    @staticmethod
    def _foreign_match(
        table: Mapping[str, Mapping[str, tuple[str, ...]]], name: str, value: Any
    ) -> tuple[str, tuple[str, ...], str] | None:
        text = value if isinstance(value, str) else ""
        if name == KUBE_LINTER_IGNORE_ALL:
            return "kube-linter", ("*",), text
        if name.startswith("ignore-check.kube-linter.io/"):
            check = name.split("/", 1)[1].lower()
            return "kube-linter", table.get("kube-linter", {}).get(check, ()), text
        if name == "polaris.fairwinds.com/exempt" and text.lower() == "true":
            return "polaris", ("*",), "exempt"
        if name.startswith("polaris.fairwinds.com/") and name.endswith("-exempt"):
            if text.lower() != "true":
                return None
            check = name.split("/", 1)[1][: -len("-exempt")].lower()
            return "polaris", table.get("polaris", {}).get(check, ()), "exempt"
        if name == "kube-score/ignore":
            ids: list[str] = []
            for check in text.split(","):
                ids.extend(table.get("kube-score", {}).get(check.strip().lower(), ()))
            return "kube-score", tuple(ids), text
        if name.startswith("checkov.io/skip"):
            check, _, reason = text.partition("=")
            return "checkov", table.get("checkov", {}).get(check.strip().lower(), ()), reason
        return None

    # -- comments ----------------------------------------------------------------------------

    def comment(self, rule: str, file: str, line: int, lines: list[str]) -> Suppression | None:
        """`# kubelint: disable=a,b -- reason` on the finding's line or the line above."""
        for n in (line, line - 1):
            if not 0 < n <= len(lines):
                continue
            text = lines[n - 1]
            if "kubelint:" not in text:
                continue
            m = COMMENT_RE.search(text)
            if not m:
                continue
            ids = [r.strip() for r in m.group(1).split(",") if r.strip()]
            reason = m.group("reason") or "(no reason given)"
            if n == line - 1 and not text.lstrip().startswith("#"):
                continue  # a trailing comment on the line above belongs to that line
            key = f"comment|{file}|{n}"
            if rule in ids or "all" in ids:
                self.used.add(key)
                return Suppression("comment", reason, f"{file}:{n}")
        return None

    # -- config exemptions -------------------------------------------------------------------

    def exemption(self, finding: Finding) -> Suppression | None:
        obj = finding.object
        for ex in self.active:
            key = f"exemption|{ex.origin}"
            if "*" not in ex.rules and finding.rule not in ex.rules:
                continue
            if ex.kind and not (obj and fnmatch.fnmatchcase(obj.kind, ex.kind)):
                continue
            if ex.namespace and not (
                obj and fnmatch.fnmatchcase(obj.namespace or "", ex.namespace)
            ):
                continue
            if ex.name and not (obj and fnmatch.fnmatchcase(obj.name, ex.name)):
                continue
            if ex.container and not (
                finding.container and fnmatch.fnmatchcase(finding.container, ex.container)
            ):
                continue
            if ex.path and not _path_matches(finding.location.file, ex.path, ex.base):
                continue
            self.used.add(key)
            return Suppression("exemption", ex.reason, ex.origin)
        return None

    def unused(self) -> list[str]:
        return sorted(desc for key, desc in self.seen.items() if key not in self.used)


def join_key(pointer: str, key: str) -> str:
    return f"{pointer}/{escape(key)}"


def _where_order(key: str) -> tuple[str, int, int, str]:
    where, _, rid = key.rpartition("|")
    file, line, column = [*where.rsplit(":", 2), "0", "0"][:3]
    return (file, int(line) if line.isdigit() else 0, int(column) if column.isdigit() else 0, rid)


def _path_matches(file: str, pattern: str, base: str) -> bool:
    """An exemption's ``path:`` glob, relative to its config file's directory (whatever the
    current directory is); a config without a file matches the displayed path."""
    if not base:
        return fnmatch.fnmatchcase(file, pattern)
    if file == "-":
        return False
    rel = os.path.relpath(os.path.abspath(file), base).replace(os.sep, "/")
    return not rel.startswith("../") and fnmatch.fnmatchcase(rel, pattern)
