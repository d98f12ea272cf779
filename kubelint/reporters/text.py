"""``--format text``: one line per finding for logs and tools, or rich output on a terminal."""

from __future__ import annotations

import re
from collections import Counter
from itertools import groupby

from kubelint.findings import Finding, RunResult, Severity
from kubelint.reporters import Reporter

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


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


class TextReporter(Reporter):
    format_name = "text"
    description = "human-readable text (plain lines when not on a terminal)"

    def finish(self, result: RunResult) -> None:
        if not self.options.rich:
            for f in result.findings:
                self.out.write(plain_line(f, _safe_fix(result, f)) + "\n")
                for line in related_lines(f):
                    self.out.write(line + "\n")
            if self.options.show_suppressed:
                for f, s in sorted(result.suppressed_findings, key=lambda fs: fs[0].sort_key()):
                    self.out.write(f"{plain_line(f)} (suppressed by {s.kind}: {s.reason})\n")
            self.out.write(summary_line(result) + "\n")
            return
        from rich.console import Console  # only for terminal output
        from rich.table import Table
        from rich.text import Text

        console = Console(
            file=self.out,
            force_terminal=True,
            no_color=not self.options.color,
            highlight=False,
            soft_wrap=True,
        )
        for file, group in groupby(result.findings, key=lambda f: f.location.file):
            console.print(Text(printable(file), style="bold underline"))
            lines = (result.sources.get(file) or "").splitlines()
            for f in group:
                loc = f.location
                head = Text(f"  {loc.line}:{loc.column} ")
                head.append(f.severity.value, style=_STYLE[f.severity])
                head.append(f" {f.rule} ", style="bold")
                if _safe_fix(result, f):
                    head.append("[*] ", style="bold cyan")
                head.append(printable(f.message))
                console.print(head)
                if 0 < loc.line <= len(lines):
                    src = printable(lines[loc.line - 1])
                    console.print(Text(f"    {loc.line:>4} | {src}", style="dim"))
                    console.print(Text(" " * (11 + loc.column - 1) + "^", style=_STYLE[f.severity]))
                for line in related_lines(f):
                    console.print(Text(f"  {line}", style="dim"))
            console.print()
        if self.options.show_suppressed and result.suppressed_findings:
            console.print(Text("Suppressed", style="bold underline"))
            for f, s in sorted(result.suppressed_findings, key=lambda fs: fs[0].sort_key()):
                line = f"  {plain_line(f)} (suppressed by {s.kind}: {s.reason})"
                console.print(Text(line, style="dim"))
            console.print()
        if result.findings:
            table = Table(title="Findings by rule", show_edge=False)
            table.add_column("rule")
            table.add_column("severity")
            table.add_column("count", justify="right")
            counts = Counter((f.rule, f.severity) for f in result.findings)
            for (rule, sev), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0])):
                table.add_row(rule, Text(sev.value, style=_STYLE[sev]), str(n))
            console.print(table)
        console.print(summary_line(result))
