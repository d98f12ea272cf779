"""``--format text``: one line per finding for logs and tools, or rich output on a terminal."""

from __future__ import annotations

import re

from kubelint.findings import Finding, RunResult, Severity
from kubelint.reporters import Reporter


def _plural(n: int, word: str) -> str:
    if word == "info":
        return f"{n} info"
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(result: RunResult) -> str:
    counts = result.counts()
    parts = [
        _plural(counts["error"], "error"),
        _plural(counts["warning"], "warning"),
        _plural(counts["info"], "info"),
    ]
    line = (
        f"{', '.join(parts)} in {_plural(result.objects, 'object')} "
        f"from {_plural(result.files, 'file')}"
    )
    extras = []
    if result.skipped:
        extras.append(f"{len(result.skipped)} skipped")
    if result.suppressed:
        extras.append(f"{result.suppressed} suppressed")
    if result.baselined:
        extras.append(f"{result.baselined} in baseline")
    if extras:
        line += f" ({', '.join(extras)})"
    safe = sum(1 for f in result.findings if fix_safety(result, f) == "safe")
    unsafe = sum(1 for f in result.findings if fix_safety(result, f) == "unsafe")
    if safe:
        line += f"; {safe} fixable with `kubelint fix`"
    if unsafe:
        line += f"{',' if safe else ';'} {unsafe} more with `kubelint fix --unsafe-fixes`"
    if result.errors:
        n = len(result.errors)
        line += f"; run FAILED: {n} error{'' if n == 1 else 's'} (messages on stderr)"
    return line


_CONTROL_RE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\x1b": "\\x1b"}


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\n``, ``\\x1b``): a file name or value
    from a hostile tree can neither split a ``file:line:col`` line nor drive the terminal."""
    if not _CONTROL_RE.search(text):
        return text
    return _CONTROL_RE.sub(lambda m: _ESCAPES.get(m.group(0), f"\\x{ord(m.group(0)):02x}"), text)


def plain_line(f: Finding, fixable: bool = False) -> str:
    """``path:line:col: severity rule-id message``; ``[*]`` after the rule ID marks a finding
    that ``kubelint fix`` fixes (a safe fix), as ruff does."""
    loc = f.location
    mark = " [*]" if fixable else ""
    return printable(
        f"{loc.file}:{loc.line}:{loc.column}: {f.severity.value} {f.rule}{mark} {f.message}"
    )


def related_lines(f: Finding) -> list[str]:
    """The second lines of a finding: its related locations (the values-file line a Helm value
    is set on), ``  path:line:col: message``."""
    return [
        printable(f"  {r.location.file}:{r.location.line}:{r.location.column}: {r.message}")
        for r in f.related
    ]


def fix_safety(result: RunResult, f: Finding) -> str | None:
    """ "safe" / "unsafe" when `kubelint fix` has a fix for ``f`` (the computed fix when the run
    has one, else what the engine noted from the rule's fix data), else None."""
    if result.fixes:
        fix = result.fixes.get(f)
        return None if fix is None else "safe" if fix.safe else "unsafe"
    return f.extra.get("fix")


def _safe_fix(result: RunResult, f: Finding) -> bool:
    return fix_safety(result, f) == "safe"


_SGR = {Severity.ERROR: "1;31", Severity.WARNING: "33", Severity.INFO: "36"}


def colored_line(f: Finding, fixable: bool = False) -> str:
    """:func:`plain_line` with ANSI colour: the path bold, the severity in its colour, the
    rule ID bold (``--color always`` in a pipe: coloured CI logs, same lines)."""
    loc = f.location
    mark = " \x1b[1;36m[*]\x1b[0m" if fixable else ""
    where = printable(f"{loc.file}:{loc.line}:{loc.column}:")
    return (
        f"\x1b[1m{where}\x1b[0m \x1b[{_SGR[f.severity]}m{f.severity.value}\x1b[0m "
        f"\x1b[1m{printable(f.rule)}\x1b[0m{mark} {printable(f.message)}"
    )


class TextReporter(Reporter):
    """``path:line:col: severity rule-id message`` lines, or the grouped ``full`` layout when
    the run decided on it (a terminal); colour is a separate option."""

    format_name = "text"
    description = "human-readable text (plain lines when not on a terminal)"
    layout: str | None = None  # "full" / "concise": whatever the terminal decision said

    def finish(self, result: RunResult) -> None:
        rich = self.options.rich if self.layout is None else self.layout == "full"
        if rich:
            from kubelint.reporters.text_rich import write_full

            write_full(self.out, result, self.options)
            return
        line = colored_line if self.options.color else plain_line
        for f in result.findings:
            self.out.write(line(f, _safe_fix(result, f)) + "\n")
            for related in related_lines(f):
                self.out.write(related + "\n")
        if self.options.show_suppressed:
            for f, s in sorted(result.suppressed_findings, key=lambda fs: fs[0].sort_key()):
                self.out.write(f"{plain_line(f)} (suppressed by {s.kind}: {s.reason})\n")
        if not self.options.quiet:
            self.out.write(summary_line(result) + "\n")


class FullReporter(TextReporter):
    format_name = "full"
    description = "text grouped by file with source lines and carets (also when piped)"
    layout = "full"


class ConciseReporter(TextReporter):
    format_name = "concise"
    description = "text, one path:line:col line per finding (also on a terminal)"
    layout = "concise"
