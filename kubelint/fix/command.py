"""What ``kubelint fix`` and ``lint --fix`` do with a lint run's findings: fix files, print diffs.

The CLI lints, then hands the result here. Plain manifest files are fixed in place (atomically),
shown as a unified diff (``--diff``) or only checked (``--check``); standard input is written to
standard output fixed. Findings that point into Helm templates or Kustomize sources are never
written: the change to make is printed instead (:mod:`kubelint.fix.hints`).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from kubelint.findings import Finding
from kubelint.fix.core import Applied, Fix, FixOptions, apply, has_fix
from kubelint.fix.files import decode, write_atomic
from kubelint.fix.hints import hint_for
from kubelint.sources import Source


@dataclass
class FixOutcome:
    """Counts of one ``fix`` run (the CLI turns them into the exit code)."""

    fixed: list[Finding] = field(default_factory=list)  # written (or would be, with --diff/--check)
    unsafe_skipped: int = 0
    files_changed: int = 0
    write_errors: list[str] = field(default_factory=list)
    hints: int = 0

    def remaining(self, findings: Sequence[Finding]) -> list[Finding]:
        gone = {id(f) for f in self.fixed}
        return [f for f in findings if id(f) not in gone]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _rule_counts(fixes: Sequence[Fix]) -> str:
    counts = Counter(f.finding.rule for f in fixes)
    return ", ".join(f"{rule} ×{n}" if n > 1 else rule for rule, n in sorted(counts.items()))


_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def unified_diff(name: str, old: str, new: str, fixes: Sequence[Fix]) -> str:
    """A unified diff; each hunk header names the fixes in it, marking unsafe ones."""
    out: list[str] = []
    for line in difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        f"a/{name}",
        f"b/{name}",
    ):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        m = _HUNK.match(line)
        if m is not None:
            first = int(m.group(1))
            count = int(m.group(2)) if m.group(2) is not None else 1
            last = first + max(count, 1) - 1
            labels: list[str] = []
            for f in fixes:
                if f.lines is not None and f.lines[0] <= last and f.lines[1] >= first:
                    label = f.finding.rule + ("" if f.safe else " [unsafe]")
                    if label not in labels:
                        labels.append(label)
            line = line.rstrip("\r\n") + (" " + ", ".join(labels) if labels else "") + "\n"
        out.append(line)
    return "".join(out)


def run_fix(
    findings: Sequence[Finding],
    sources: Sequence[Source],
    rules: Mapping[str, Any],
    options: FixOptions,
    mode: str,
    out: TextIO,
    err: TextIO,
) -> FixOutcome:
    """Fix (``mode`` "write"), diff ("diff") or check ("check") the plain files of a lint run.

    ``rules`` maps rule IDs to their rule data (with ``autofix``).
    """
    outcome = FixOutcome()
    plain = {s.name: s for s in sources if s.mapper is None and s.data is not None}
    by_file: dict[str, list[Finding]] = {}
    rendered: list[Finding] = []
    for f in findings:
        if not has_fix(rules.get(f.rule)):
            continue
        if f.rendered is not None or f.location.file not in plain:
            rendered.append(f)
        else:
            by_file.setdefault(f.location.file, []).append(f)
    for name in sorted(by_file):
        source = plain[name]
        assert source.data is not None
        decoded = decode(source.data)
        if decoded is None:
            err.write(f"kubelint: {name}: not fixed: the file cannot be decoded\n")
            continue
        text, encoding = decoded
        result: Applied = apply(text, by_file[name], rules, options)
        if result.error is not None:
            err.write(f"kubelint: {name}: not fixed: {result.error}\n")
            continue
        for failed in result.failed:
            if "no automatic fix" in failed.reason or "not fixable" in failed.reason:
                continue
            loc = failed.finding.location
            err.write(
                f"kubelint: {name}:{loc.line}:{loc.column}: {failed.finding.rule} not fixed: "
                f"{failed.reason}\n"
            )
        outcome.unsafe_skipped += len(result.skipped)
        if not result.changed:
            continue
        outcome.files_changed += 1
        outcome.fixed.extend(f.finding for f in result.applied)
        if mode == "diff":
            out.write(unified_diff(name, text, result.text, result.applied))
        elif mode == "write":
            if source.path is None:  # standard input: the fixed text goes to standard output
                out.write(result.text)
                continue
            try:
                write_atomic(source.path, encoding.encode(result.text))
            except OSError as exc:
                outcome.write_errors.append(f"{name}: cannot write the fixed file: {exc}")
                outcome.fixed = [f for f in outcome.fixed if f.location.file != name]
                outcome.files_changed -= 1
                continue
            err.write(f"{name}: fixed {_plural(len(result.applied), 'finding')} "
                      f"({_rule_counts(result.applied)})\n")
    for f in sorted(rendered, key=Finding.sort_key):
        hint = hint_for(f, sources, rules, options)
        if hint is None:
            continue
        outcome.hints += 1
        (err if mode == "write" and _stdin_only(sources) else out).write(hint)
    for message in outcome.write_errors:
        err.write(f"kubelint: {message}\n")
    return outcome


def _stdin_only(sources: Sequence[Source]) -> bool:
    return bool(sources) and all(s.path is None for s in sources)


def summary(outcome: FixOutcome, mode: str, remaining: int) -> str:
    """The last line a ``fix`` run prints (on standard error)."""
    n = len(outcome.fixed)
    files = _plural(outcome.files_changed, "file")
    if mode == "write":
        head = f"Fixed {_plural(n, 'finding')} in {files}" if n else "Nothing to fix"
    else:
        head = f"Would fix {_plural(n, 'finding')} in {files}" if n else "Nothing to fix"
    parts = [head]
    if outcome.unsafe_skipped:
        parts.append(
            f"{outcome.unsafe_skipped} more {'fix' if outcome.unsafe_skipped == 1 else 'fixes'} "
            "available with --unsafe-fixes"
        )
    if outcome.hints:
        parts.append(f"{_plural(outcome.hints, 'change')} to make by hand in templates/bases")
    parts.append(f"{_plural(remaining, 'finding')} remaining")
    return "; ".join(parts) + ".\n"
