"""The ``full`` text layout for people at a terminal: findings grouped by file, each source line
shown once under the findings on it, with a caret under every column they point at.

Layout and colour are separate decisions (kubelint/terminal.py makes them): without colour this
module writes the same layout with no escape code at all. Text wraps at the console width with
a hanging indent; a source line never wraps (its caret would land under the wrong text): a line
wider than the console is cut, and shifted to keep the carets in view. Imported only when this
layout is written (rich is not needed for the plain lines).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import IO, TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kubelint.findings import Finding, RunResult, Severity

if TYPE_CHECKING:
    from kubelint.reporters import ReportOptions

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
ELLIPSIS = "…"
MIN_WIDTH = 20  # below this, lines are still cut, never wrapped into nonsense


def console(out: IO[str], options: ReportOptions) -> Console:
    """A console on ``out`` that colours only when asked to, and writes no escape code at all
    otherwise (not even bold or dim); ``options.width`` (else ``COLUMNS``, else the terminal's
    width, else 80) is where text wraps."""
    return Console(
        file=out,
        force_terminal=options.color,
        color_system="auto" if options.color else None,
        no_color=not options.color,
        width=options.width,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
        legacy_windows=False,
    )


def write_full(out: IO[str], result: RunResult, options: ReportOptions) -> None:
    from kubelint.reporters.text import plain_line, printable, related_lines, summary_line

    con = console(out, options)
    width = max(con.width, MIN_WIDTH)
    for file, in_file in groupby(result.findings, key=lambda f: f.location.file):
        con.print(Text(printable(file), style="bold underline"), crop=False)
        lines = (result.sources.get(file) or "").splitlines()
        for line_no, on_line in groupby(in_file, key=lambda f: f.location.line):
            group = list(on_line)
            con.print(_headers(con, group, result, width), crop=False, no_wrap=True)
            if 0 < line_no <= len(lines):
                for row in snippet(line_no, lines[line_no - 1], group, width):
                    con.print(row, no_wrap=True, overflow="crop", crop=True)
            for f in group:  # related locations (the values-file line a Helm value is set on)
                for related in related_lines(f):
                    text = Text(related.strip(), style="dim")
                    con.print(wrapped(con, Text("  ") + text, width, 4), crop=False, no_wrap=True)
        con.print()
    if options.show_suppressed and result.suppressed_findings:
        con.print(Text("Suppressed", style="bold underline"))
        for f, s in sorted(result.suppressed_findings, key=lambda fs: fs[0].sort_key()):
            line = f"  {plain_line(f)} (suppressed by {s.kind}: {s.reason})"
            con.print(Text(line, style="dim"))
        con.print()
    if options.quiet:
        return
    if result.findings:
        con.print(by_rule_table(result.findings))
    con.print(wrapped(con, Text(summary_line(result)), width), crop=False, no_wrap=True)


def _headers(con: Console, group: Sequence[Finding], result: RunResult, width: int) -> Text:
    """One entry per finding: ``line:col severity rule [*] message``, wrapped at ``width``
    under the rule ID (a hanging indent), long words folded."""
    from kubelint.reporters.text import fix_safety, printable

    out = Text()
    for n, f in enumerate(group):
        loc = f.location
        prefix = Text(f"  {loc.line}:{loc.column} ")
        prefix.append(f.severity.value, style=STYLE[f.severity])
        prefix.append(" ")
        indent = prefix.cell_len
        body = Text()
        body.append(f.rule, style="bold")
        if fix_safety(result, f) == "safe":
            body.append(" [*]", style="bold cyan")
        body.append(" ")
        body.append(printable(f.message))
        if n:
            out.append("\n")
        out.append_text(prefix)
        out.append_text(wrapped(con, body, max(width - indent, MIN_WIDTH // 2), indent))
    return out


def wrapped(con: Console, text: Text, width: int, indent: int = 0) -> Text:
    """``text`` wrapped at ``width`` cells (long words folded), continuation lines indented by
    ``indent`` spaces, no trailing spaces."""
    out = Text()
    for i, line in enumerate(text.wrap(con, width, overflow="fold")):
        if i:
            out.append("\n" + " " * indent)
        line.rstrip()
        out.append_text(line)
    return out


def snippet(line_no: int, source: str, group: Iterable[Finding], width: int) -> list[Text]:
    """The source line ``    55 | text`` and a caret line under each column ``group`` points at,
    both fitted to ``width`` cells without wrapping: a long line is cut with an ellipsis, and
    when the carets would fall beyond the edge the line is shifted left (an ellipsis in front)."""
    from kubelint.reporters.text import printable

    gutter = f"    {line_no:>4} | "
    room = max(width - len(gutter), 8)
    chars = list(printable(source.replace("\t", " ")))
    # caret positions, in characters of the source line (1-based columns, code points)
    carets: dict[int, Severity] = {}
    for f in group:
        pos = min(max(f.location.column - 1, 0), len(chars))
        if pos not in carets or f.severity.rank > carets[pos].rank:
            carets[pos] = f.severity
    last = max(carets)
    start = 0
    if cells(chars, 0, last + 1) > room - 1:  # shift: the last caret about mid-line
        start = last
        while start > 0 and cells(chars, start - 1, last + 1) <= room // 2:
            start -= 1
    prefix = ELLIPSIS if start > 0 else ""
    budget = room - len(prefix)
    end, used = start, 0
    while end < len(chars) and used + cell_len(chars[end]) <= budget:
        used += cell_len(chars[end])
        end += 1
    suffix = ""
    if end < len(chars):  # cut: room for the ellipsis at the end
        while end > start and used + 1 > budget:
            end -= 1
            used -= cell_len(chars[end])
        suffix = ELLIPSIS
    text_line = prefix + "".join(chars[start:end]) + suffix
    row = Text(gutter + text_line, style="dim")
    caret = Text(" " * len(gutter))
    offset = len(prefix)
    at = 0
    for pos in sorted(carets):
        if pos < start or pos > end:
            continue  # cannot be shown on this line width
        col = offset + cells(chars, start, pos)
        caret.append(" " * (col - at))
        caret.append("^", style=STYLE[carets[pos]])
        at = col + 1
    return [row, caret]


def cells(chars: Sequence[str], start: int, end: int) -> int:
    """Terminal cells taken by ``chars[start:end]`` (wide characters take two)."""
    return sum(cell_len(c) for c in chars[start:end])


def by_rule_table(findings: Iterable[Finding]) -> Table:
    table = Table(title="Findings by rule", show_edge=False)
    table.add_column("rule")
    table.add_column("severity")
    table.add_column("count", justify="right")
    counts = Counter((f.rule, f.severity) for f in findings)
    for (rule, sev), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0])):
        table.add_row(rule, Text(sev.value, style=STYLE[sev]), str(n))
    return table
