"""Report formats. Each module defines a ``Reporter`` subclass with a ``format_name``; the
built-in plugin discovers them. A reporter gets ``start``, each finding, then ``finish``."""

from __future__ import annotations

from typing import IO, Any, ClassVar

from kubelint.findings import Finding, RunResult


class Reporter:
    format_name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, out: IO[str], options: dict[str, Any] | None = None) -> None:
        self.out = out
        self.options = options or {}
        self.findings: list[Finding] = []

    def start(self, result: RunResult) -> None:
        self.result = result

    def finding(self, finding: Finding) -> None:
        self.findings.append(finding)

    def finish(self, result: RunResult) -> None:
        raise NotImplementedError

    def report(self, result: RunResult) -> None:
        self.start(result)
        for f in result.findings:
            self.finding(f)
        self.finish(result)
