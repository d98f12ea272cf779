"""``--format gitlab``: a GitLab Code Quality report (``artifacts:reports:codequality``).

A JSON array of issues with the fields GitLab documents: ``description``, ``check_name``,
``fingerprint`` (unique per finding, stable across runs and line moves), ``severity`` (``info``,
``minor``, ``major``, ``critical``, ``blocker``) and ``location.path`` (relative to the repository
root) with ``location.lines.begin``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from kubelint.catalog import RuleSpec
from kubelint.findings import Finding, RunResult, Severity
from kubelint.reporters import Reporter, _jsontext
from kubelint.reporters._ci import RepoPaths, unique_fingerprints

SEVERITIES = ("info", "minor", "major", "critical", "blocker")


def code_quality_severity(severity: Severity, spec: RuleSpec | None) -> str:
    """info → info, warning → minor, error → major; security errors rise to critical, and to
    blocker when their security-severity is 9.0 or more (GitHub's "critical" band)."""
    if severity is Severity.INFO:
        return "info"
    if severity is Severity.WARNING:
        return "minor"
    if spec is not None and "security" in spec.tags:
        return "blocker" if (spec.security_severity or 0.0) >= 9.0 else "critical"
    return "major"


def issue(f: Finding, fingerprint: str, spec: RuleSpec | None, paths: RepoPaths) -> dict[str, Any]:
    return {
        "type": "issue",
        "description": f.message,
        "check_name": f.rule,
        "categories": ["Security" if spec is not None and "security" in spec.tags else "Bug Risk"],
        "fingerprint": fingerprint,
        "severity": code_quality_severity(f.severity, spec),
        "location": {
            "path": paths.display(f.location.file),
            "lines": {"begin": max(1, f.location.line)},
        },
    }


ERROR_CHECK = "kubelint-error"


def error_issue(message: str, paths: RepoPaths) -> dict[str, Any]:
    """A run error (a missing path, an unreadable file, a rule that raised) as a blocker, so a
    failed run never looks clean in the merge request widget."""
    head, sep, _ = message.partition(": ")
    path = paths.display(head) if sep and " " not in head else "."
    ident = f"{ERROR_CHECK}\0{message}".encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(ident).hexdigest()
    return {
        "type": "issue",
        "description": f"kubelint could not complete: {message}",
        "check_name": ERROR_CHECK,
        "categories": ["Bug Risk"],
        "fingerprint": digest,
        "severity": "blocker",
        "location": {"path": path, "lines": {"begin": 1}},
    }


def code_quality(result: RunResult, paths: RepoPaths | None = None) -> list[dict[str, Any]]:
    paths = paths or RepoPaths.current()
    specs = {s.id: s for s in result.rules}
    fingerprints = unique_fingerprints(result.findings, paths)
    issues = [error_issue(e, paths) for e in result.errors]
    return issues + [
        issue(f, fp, specs.get(f.rule), paths)
        for f, fp in zip(result.findings, fingerprints, strict=True)
    ]


class GitlabReporter(Reporter):
    format_name = "gitlab"
    description = "GitLab Code Quality JSON"

    def finish(self, result: RunResult) -> None:
        _jsontext.dump(code_quality(result), self.out)
        self.out.write("\n")
