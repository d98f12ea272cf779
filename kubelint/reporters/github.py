"""``--format github``: GitHub Actions workflow commands that annotate the changed files.

One ``::error|warning|notice file=…,line=…,col=…,title=…::message`` line per finding, escaped
as the Actions toolkit does (``%``, CR and LF in messages; also ``:`` and ``,`` in properties),
with paths relative to the repository root, errors first (GitHub shows only ten annotations of each
level), a notice saying how many more there are, then the plain summary line. When
``GITHUB_STEP_SUMMARY`` is set, a Markdown table of the findings is appended to the job summary.
"""

from __future__ import annotations

import os
import sys
from collections import Counter

from kubelint.findings import Finding, RunResult, Severity
from kubelint.reporters import Reporter
from kubelint.reporters._ci import STDIN_NAME, RepoPaths
from kubelint.reporters.text import summary_line

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
ANNOTATIONS_SHOWN = 10  # per level and step (actions/toolkit#734)
SUMMARY_ROWS = 500  # the job summary is capped at 1 MiB per step


def escape_data(text: str) -> str:
    """Escape a workflow command's message (actions/toolkit ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (actions/toolkit ``escapeProperty``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, paths: RepoPaths) -> str:
    props: list[tuple[str, str]] = []
    if f.location.file != STDIN_NAME:
        props.append(("file", paths.display(f.location.file)))
        props.append(("line", str(max(1, f.location.line))))
        props.append(("col", str(max(1, f.location.column))))
    props.append(("title", f"kubelint {f.rule}"))
    rendered = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{COMMANDS[f.severity]} {rendered}::{escape_data(f.message)}"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    text = " ".join(text.split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def step_summary(result: RunResult, paths: RepoPaths) -> str:
    counts = result.counts()
    icon = ":x:" if counts["error"] else ":warning:" if result.findings else ":white_check_mark:"
    out = ["### kubelint", "", f"{icon} {summary_line(result)}", ""]
    if not result.findings:
        return "\n".join(out) + "\n"
    by_rule = Counter((f.rule, f.severity) for f in result.findings)
    out += ["| rule | severity | findings |", "|---|---|---:|"]
    for (rule, severity), n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0][0])):
        out.append(f"| `{rule}` | {severity.value} | {n} |")
    out += ["", "| severity | rule | location | message |", "|---|---|---|---|"]
    for f in result.findings[:SUMMARY_ROWS]:
        where = f"{paths.display(f.location.file)}:{f.location.line}:{f.location.column}"
        out.append(f"| {f.severity.value} | `{f.rule}` | {_cell(where)} | {_cell(f.message)} |")
    if len(result.findings) > SUMMARY_ROWS:
        rest = len(result.findings) - SUMMARY_ROWS
        out += ["", f"… and {rest} more (see the report artifacts or the job log)."]
    return "\n".join(out) + "\n"


class GithubReporter(Reporter):
    format_name = "github"
    description = "GitHub Actions annotations (+ job summary when GITHUB_STEP_SUMMARY is set)"

    def finish(self, result: RunResult) -> None:
        paths = RepoPaths.current()
        for error in result.errors:  # the run failed: say so first
            self.out.write(f"::error title=kubelint error::{escape_data(error)}\n")
        # GitHub shows only the first ANNOTATIONS_SHOWN annotations of each level per step:
        # errors first, then warnings, then notices (file order within a severity).
        ordered = sorted(result.findings, key=lambda f: -f.severity.rank)
        for f in ordered:
            self.out.write(annotation(f, paths) + "\n")
        counts = Counter(COMMANDS[f.severity] for f in ordered)
        hidden = {c: n - ANNOTATIONS_SHOWN for c, n in counts.items() if n > ANNOTATIONS_SHOWN}
        if hidden:
            parts = ", ".join(f"{n} {c}" for c, n in sorted(hidden.items()))
            where = "the job summary" if os.environ.get("GITHUB_STEP_SUMMARY") else "the job log"
            self.out.write(
                f"::notice title=kubelint::GitHub shows {ANNOTATIONS_SHOWN} annotations of each "
                f"level; {parts} more are in {where} and the SARIF/JSON reports\n"
            )
        self.out.write(summary_line(result) + "\n")
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:
            try:
                with open(summary_file, "a", encoding="utf-8") as fh:
                    fh.write(step_summary(result, paths))
            except OSError as exc:
                sys.stderr.write(
                    f"kubelint: cannot write job summary {summary_file}: {exc.strerror or exc}\n"
                )
