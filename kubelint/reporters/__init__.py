"""Report formats. Each module defines a ``Reporter`` subclass with a ``format_name``; the
built-in plugin discovers them. A reporter is built with its output stream and the run's
``ReportOptions`` and writes one whole report in ``finish``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any, ClassVar

from kubelint.findings import RunResult
from kubelint.records import dataclass, fields


@dataclass(frozen=True)
class ReportOptions:
    """How a report is presented: ``rich`` terminal layout (text), ``color``, whether
    suppressed findings are listed, the ``width`` text wraps at (None: the console's), and
    ``quiet`` (findings only: no summary, no table)."""

    rich: bool = False
    color: bool = False
    show_suppressed: bool = False
    width: int | None = None
    quiet: bool = False

    def get(self, name: str, default: Any = None) -> Any:
        """Mapping-style access, for reporters written against the old options dict."""
        return getattr(self, name, default)


class Reporter:
    format_name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(
        self, out: IO[str], options: ReportOptions | Mapping[str, Any] | None = None
    ) -> None:
        self.out = out
        if isinstance(options, ReportOptions):
            self.options = options
        else:
            known: dict[str, Any] = {
                k: (v if k == "width" else bool(v))
                for k, v in (options or {}).items()
                if k in _FIELDS
            }
            self.options = ReportOptions(**known)

    def finish(self, result: RunResult) -> None:
        """Write the report of ``result`` to ``self.out``."""
        raise NotImplementedError

    def report(self, result: RunResult) -> None:
        self.finish(result)


_FIELDS = frozenset(f.name for f in fields(ReportOptions))
