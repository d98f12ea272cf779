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
from typing import Any, TextIO

from kubelint.findings import Finding
from kubelint.fix.core import Applied, Fix, FixOptions, apply, has_fix
from kubelint.fix.files import decode, write_atomic
from kubelint.fix.hints import hints_for
from kubelint.records import dataclass, field, replace
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
        f"a/{name}" if not name.startswith("/") else name,
        f"b/{name}" if not name.startswith("/") else name,
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
    originals: dict[int, Finding] = {}
    for f in findings:
        if not has_fix(rules.get(f.rule)):
            continue
        if (
            f.rendered is not None
            and f.rendered.file in plain
            and f.location.file
            in (
                f.rendered.file,
                plain[f.rendered.file].name,
            )
        ):
            # Rendered output kept as a plain file, whose templates are not on disk.
            at_file = replace(f, location=f.rendered, rendered=None)
            originals[id(at_file)] = f
            by_file.setdefault(f.rendered.file, []).append(at_file)
        elif f.rendered is not None or f.location.file not in plain:
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
            if failed.by_rule:
                continue
            loc = failed.finding.location
            err.write(
                f"kubelint: {name}:{loc.line}:{loc.column}: {failed.finding.rule} not fixed: "
                f"{failed.reason}\n"
            )
        outcome.unsafe_skipped += len(result.skipped)
        if not result.changed:
            if mode == "write" and source.path is None:
                out.write(text)
            continue
        fixed_here = [originals.get(id(f.finding), f.finding) for f in result.applied]
        if mode == "diff":
            out.write(unified_diff(name, text, result.text, result.applied))
        elif mode == "write" and source.path is None:
            out.write(result.text)  # standard input: the fixed text goes to standard output
        elif mode == "write" and source.path is not None:
            try:
                write_atomic(source.path, encoding.encode(result.text))
            except OSError as exc:
                outcome.write_errors.append(f"{name}: cannot write the fixed file: {exc}")
                continue
            err.write(
                f"{name}: fixed {_plural(len(result.applied), 'finding')} "
                f"({_rule_counts(result.applied)})\n"
            )
        outcome.files_changed += 1
        outcome.fixed.extend(fixed_here)
    if mode == "write":  # standard input with nothing to fix is passed through unchanged
        for s in sources:
            if s.path is None and s.mapper is None and s.data is not None and s.name not in by_file:
                decoded = decode(s.data)
                if decoded is not None:
                    out.write(decoded[0])
    hints = hints_for(rendered, sources, rules, options)
    for _, hint in sorted(hints, key=lambda h: h[0].sort_key()):
        outcome.hints += 1
        (err if mode == "write" and _fixing_stdin(sources) else out).write(hint)
    for message in outcome.write_errors:
        err.write(f"kubelint: {message}\n")
    return outcome


def _fixing_stdin(sources: Sequence[Source]) -> bool:
    """Standard input is being fixed to standard output (messages then go to stderr)."""
    return any(s.path is None and s.mapper is None for s in sources)


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


def fix_files(prep: Any, mode: str, unsafe: bool, report: bool = True) -> int:
    """Lint with ``prep`` (runner.Prepared), then fix, diff or check; the exit code.

    ``report`` prints the closing summary (``lint --fix`` prints its own report instead).
    """
    import sys

    from kubelint.runner import err, exit_code, run

    inputs: list[Source] = []
    result, errors, _ = run(prep, inputs)
    for message in [*errors, *result.errors]:
        err(message)
    rules = {rid: spec.raw for rid, spec in prep.catalog.rules.items()}
    params = {rule.id: dict(rule.ctx.params) for rule in prep.active}
    options = FixOptions(unsafe, prep.eff.kubernetes_version, params)
    outcome = run_fix(result.findings, inputs, rules, options, mode, sys.stdout, sys.stderr)
    sys.stdout.flush()
    remaining = outcome.remaining(result.findings)
    if report:
        sys.stderr.write(summary(outcome, mode, len(remaining)))
    if errors or result.errors or outcome.write_errors:
        return 2
    if mode in ("diff", "check"):
        return 1 if outcome.fixed else 0
    result.findings = remaining
    return exit_code(result, prep.eff.fail_on, False)


def fix_command(settings: Any) -> int:
    """``kubelint fix``: the exit code."""
    from kubelint.runner import RunError, prepare

    if settings.diff and settings.check:
        raise RunError("--diff and --check cannot be combined")
    prep = prepare(settings)
    mode = "diff" if settings.diff else "check" if settings.check else "write"
    return fix_files(prep, mode, settings.unsafe_fixes)
