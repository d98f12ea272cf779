"""``--format json``: the versioned report described by schemas/report.schema.json."""

from __future__ import annotations

from typing import Any

from kubelint import __version__
from kubelint.findings import Finding, RunResult
from kubelint.reporters import Reporter, _jsontext

REPORT_VERSION = 1


def finding_dict(f: Finding) -> dict[str, Any]:
    obj = f.object
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "message": f.message,
        "file": f.location.file,
        "line": f.location.line,
        "column": f.location.column,
        "object": None
        if obj is None
        else {
            "apiVersion": obj.api_version,
            "kind": obj.kind,
            "namespace": obj.namespace,
            "name": obj.name,
        },
        "container": f.container,
        "path": f.path,
        "rendered": None
        if f.rendered is None
        else {"file": f.rendered.file, "line": f.rendered.line},
        "fingerprint": f.fingerprint,
        "related": related_list(f),
        **({"build": f.extra["build"]} if "build" in f.extra else {}),
    }


def related_list(f: Finding) -> list[dict[str, Any]]:
    """Other places that bear on ``f`` (the values-file line a Helm value is set on)."""
    return [
        {
            "file": r.location.file,
            "line": r.location.line,
            "column": r.location.column,
            "message": r.message,
        }
        for r in f.related
    ]


def fix_dict(fix: Any) -> dict[str, Any] | None:
    """A finding's fix (kubelint.fix.report.ReportedFix) as report data, or None."""
    if fix is None:
        return None
    return {
        "safe": fix.safe,
        "description": fix.description,
        "replacements": [
            {
                "line": r.line,
                "column": r.column,
                "endLine": r.end_line,
                "endColumn": r.end_column,
                "text": r.text,
            }
            for r in fix.replacements
        ],
    }


def fixable_counts(result: RunResult) -> dict[str, int]:
    safe = sum(1 for fix in result.fixes.values() if fix.safe)
    return {"safe": safe, "unsafe": len(result.fixes) - safe}


def report_dict(result: RunResult, show_suppressed: bool = False) -> dict[str, Any]:
    from kubelint.ruledocs import help_uri

    urls = {spec.id: help_uri(spec) for spec in result.rules}
    report: dict[str, Any] = {
        "version": REPORT_VERSION,
        "tool": {"name": "kubelint", "version": __version__},
        "findings": [
            {**finding_dict(f), "fix": fix_dict(result.fixes.get(f)), "url": urls.get(f.rule)}
            for f in result.findings
        ],
        # Input, render and rule errors: a report with errors is of a failed run (exit 2).
        "errors": [{"message": e} for e in result.errors],
        "summary": {
            "files": result.files,
            "objects": result.objects,
            "skipped_documents": len(result.skipped),
            "findings": result.counts(),
            "suppressed": result.suppressed,
            "baselined": result.baselined,
            "fixable": fixable_counts(result),
            "not_validated": [
                {"apiVersion": api_version, "kind": kind, "objects": count}
                for (api_version, kind), count in sorted(result.not_validated.items())
            ],
        },
    }
    if show_suppressed:
        report["suppressed"] = [
            {
                **finding_dict(f),
                "url": urls.get(f.rule),
                "suppression": {"kind": s.kind, "reason": s.reason, "where": s.where},
            }
            for f, s in result.suppressed_findings
        ]
    return report


class JsonReporter(Reporter):
    format_name = "json"
    description = "machine-readable JSON (schemas/report.schema.json)"

    def finish(self, result: RunResult) -> None:
        report = report_dict(result, bool(self.options.show_suppressed))
        _jsontext.dump(report, self.out)
        self.out.write("\n")
