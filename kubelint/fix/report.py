"""The fixes a lint report shows: which findings can be fixed, safely or not, and the edits.

Reporters render :class:`ReportedFix` (SARIF ``fixes``, the JSON report's ``fix``, the text
report's ``[*]``); only findings in plain files get one (templates and Kustomize sources are
never rewritten).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kubelint.findings import Finding
from kubelint.fix.core import Fix, FixOptions, has_fix, plan, position
from kubelint.loader import LoadResult
from kubelint.records import dataclass


@dataclass(frozen=True)
class Replacement:
    """Replace the text from (line, column) to (end_line, end_column), 1-based with the end
    exclusive (an insertion has start == end), by ``text``."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str


@dataclass(frozen=True)
class ReportedFix:
    safe: bool
    description: str
    replacements: tuple[Replacement, ...]


def _reported(text: str, fix: Fix) -> ReportedFix:
    out = []
    for e in fix.edits:
        line, col = position(text, e.start)
        end_line, end_col = position(text, e.end)
        out.append(Replacement(line, col, end_line, end_col, e.new))
    return ReportedFix(fix.safe, fix.description, tuple(out))


def report_fixes(
    findings: Sequence[Finding],
    texts: Mapping[str, str],
    plain: Iterable[str],
    rules: Mapping[str, Any],
    options: FixOptions,
) -> dict[Finding, ReportedFix]:
    """The fix of each finding in one of the ``plain`` files (``texts``: name -> text), each
    computed on its own against the text as it is."""
    plain_names = set(plain)
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        name = f.location.file
        if f.rendered is None and name in plain_names and has_fix(rules.get(f.rule)):
            by_file.setdefault(name, []).append(f)
    out: dict[Finding, ReportedFix] = {}
    for name, group in by_file.items():
        text = texts.get(name)
        if text is None:
            continue
        for fix in plan(text, group, rules, options).fixes:
            out[fix.finding] = _reported(text, fix)
    return out


@dataclass(frozen=True)
class SourcePlanner:
    """Computes the reported fixes of one plain source right after it is linted, from the
    documents the lint loaded (so the text is not parsed a second time; in ``--jobs`` workers,
    in parallel). The result covers the findings it decided on (None: no fix); the rest is
    left to :func:`report_fixes`, which gives the same fixes."""

    rules: Mapping[str, Any]
    options: FixOptions

    def __call__(
        self, name: str, findings: Sequence[Finding], text: str, loaded: LoadResult
    ) -> dict[Finding, ReportedFix | None]:
        group = [
            f
            for f in findings
            if f.rendered is None and f.location.file == name and has_fix(self.rules.get(f.rule))
        ]
        if not group:
            return {}
        if loaded.problems or any(d.problems for d in loaded.documents):
            # Planning reloads the text as reported (undecodable bytes shown as U+FFFD), whose
            # problems can differ: these files are left to report_fixes.
            return {}
        out: dict[Finding, ReportedFix | None] = dict.fromkeys(group)
        for fix in plan(text, group, self.rules, self.options, loaded=loaded).fixes:
            out[fix.finding] = _reported(text, fix)
        return out
