"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Built with sarif-om's classes and serialised by dropping unset (None) and defaulted members, so
the log validates against the official OASIS schema. One run; every enabled rule is described in
``tool.driver.rules`` (summary, rule docs as help text and Markdown, tags, precision and, for
security rules, ``security-severity``). Results name files relative to the repository root
(``uriBaseId`` ``%SRCROOT%``), point at the offending field, and carry a partial fingerprint
derived from ``Finding.fingerprint`` that survives line moves. Suppressed findings (annotations,
comments, exemptions, the baseline) are results too, with a ``suppressions`` entry (``inSource``
or ``external``, the reason as justification): code scanning shows them as dismissed instead of
closing them as fixed. Rules link to their section of docs/rules.md (``helpUri``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import attr
import sarif_om as om  # type: ignore[import-untyped]

from kubelint import __version__
from kubelint.catalog import RuleSpec
from kubelint.findings import Finding, RunResult, Severity
from kubelint.reporters import Reporter, _jsontext
from kubelint.reporters._ci import STDIN_NAME, RepoPaths, unique_fingerprints
from kubelint.ruledocs import help_uri
from kubelint.suppress import Suppression

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/kubelint/kubelint"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "kubelint/v1"
AUTOMATION_ID = "kubelint/"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub maps security-severity to critical (>= 9.0), high (>= 7.0), medium (>= 4.0), low.
_FALLBACK_SECURITY_SEVERITY = {Severity.ERROR: 7.5, Severity.WARNING: 5.0, Severity.INFO: 2.0}
# Members whose schema default we still write: consumers read the level without defaults.
_KEEP_DEFAULT = frozenset({"level"})


def to_sarif_dict(value: Any) -> Any:
    """Serialise sarif-om objects (attrs classes) to JSON data under the schema's names.

    Members that are None or equal to their schema default (``rank: -1``, ``byteOffset: -1``,
    ``language: "en-US"``, …) are dropped; empty lists are kept (``results: []`` is required).
    """
    if attr.has(type(value)):
        out: dict[str, Any] = {}
        for field in attr.fields(type(value)):
            member = getattr(value, field.name)
            if member is None:
                continue
            default = field.default
            if isinstance(default, attr.Factory):  # type: ignore[arg-type]
                default = default.factory()
            if (
                default is not attr.NOTHING
                and member == default
                and field.name not in _KEEP_DEFAULT
            ):
                continue
            out[field.metadata["schema_property_name"]] = to_sarif_dict(member)
        return out
    if isinstance(value, dict):
        return {k: to_sarif_dict(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [to_sarif_dict(v) for v in value]
    return value


def is_security_rule(spec: RuleSpec) -> bool:
    return "security" in spec.tags


def precision(spec: RuleSpec) -> str:
    """How often a rule's findings are real problems (SARIF/GitHub ``precision``).

    Per-object rules judge the manifest itself; cross-object rules depend on whether the linted
    set holds the whole application, so they are rated one step lower.
    """
    return "high" if spec.target == "set" else "very-high"


def help_text(spec: RuleSpec) -> str:
    parts = [spec.summary, "", spec.why, "", f"How to fix: {spec.remediation}"]
    if spec.references:
        parts += ["", "References:", *(f"  {r}" for r in spec.references)]
    parts += ["", f"Run `kubelint explain {spec.id}` for an example and its fix."]
    return "\n".join(parts)


def help_markdown(spec: RuleSpec) -> str:
    parts = [f"**{spec.summary}**", "", spec.why, "", "#### How to fix", "", spec.remediation]
    if spec.example:
        parts += ["", "#### Example", "", "```yaml", spec.example.rstrip(), "```"]
    if spec.fix:
        parts += ["", "Fixed:", "", "```yaml", spec.fix.rstrip(), "```"]
    props = spec.params_schema.get("properties", {})
    if props:
        parts += ["", "#### Options", ""]
        for name, schema in props.items():
            default = json.dumps(schema.get("default")) if isinstance(schema, dict) else "null"
            desc = schema.get("description", "") if isinstance(schema, dict) else ""
            parts.append(f"- `{name}` (default `{default}`)" + (f": {desc}" if desc else ""))
    if spec.references:
        parts += ["", "#### References", "", *(f"- <{r}>" for r in spec.references)]
    return "\n".join(parts)


def rule_descriptor(spec: RuleSpec) -> Any:
    tags = list(dict.fromkeys((*spec.tags, spec.category)))
    properties: dict[str, Any] = {"tags": tags, "precision": precision(spec)}
    if is_security_rule(spec):
        score = spec.security_severity
        if score is None:
            score = _FALLBACK_SECURITY_SEVERITY[spec.severity]
        properties["security-severity"] = f"{score:.1f}"
    return om.ReportingDescriptor(
        id=spec.id,
        name=spec.id,
        short_description=om.MultiformatMessageString(text=spec.summary),
        full_description=om.MultiformatMessageString(text=f"{spec.summary} {spec.why}"),
        help=om.MultiformatMessageString(text=help_text(spec), markdown=help_markdown(spec)),
        help_uri=help_uri(spec),
        default_configuration=om.ReportingConfiguration(level=LEVELS[spec.severity]),
        properties=properties,
    )


def _artifact_location(name: str, paths: RepoPaths) -> Any:
    """Repository-relative URI under ``%SRCROOT%``; an absolute file URI for files outside the
    repository; ``-`` for unnamed standard input."""
    if name == STDIN_NAME:
        return om.ArtifactLocation(uri=STDIN_NAME)
    rel = paths.relative(name)
    if rel is not None:  # a name that is not UTF-8 keeps its bytes, percent-encoded
        return om.ArtifactLocation(uri=quote(rel, errors="surrogateescape"), uri_base_id=SRCROOT)
    absolute = os.fsencode(os.path.normpath(paths.cwd / name))
    return om.ArtifactLocation(uri="file://" + quote(absolute))


def _fix(f: Finding, fix: Any, paths: RepoPaths) -> Any:
    """A SARIF fix (artifactChanges/replacements) from a kubelint.fix.report.ReportedFix."""
    replacements = [
        om.Replacement(
            deleted_region=om.Region(
                start_line=r.line,
                start_column=r.column,
                end_line=r.end_line,
                end_column=r.end_column,
            ),
            inserted_content=om.ArtifactContent(text=r.text),
        )
        for r in fix.replacements
    ]
    prefix = "" if fix.safe else "Unsafe fix (kubelint fix --unsafe-fixes): "
    return om.Fix(
        description=om.Message(text=prefix + fix.description),
        artifact_changes=[
            om.ArtifactChange(
                artifact_location=_artifact_location(f.location.file, paths),
                replacements=replacements,
            )
        ],
        properties={"safe": fix.safe},
    )


def _related(f: Finding, paths: RepoPaths) -> list[Any] | None:
    """``relatedLocations``: e.g. the values-file line a Helm value is set on."""
    return [
        om.Location(
            id=n,
            physical_location=om.PhysicalLocation(
                artifact_location=_artifact_location(r.location.file, paths),
                region=om.Region(
                    start_line=max(1, r.location.line), start_column=max(1, r.location.column)
                ),
            ),
            message=om.Message(text=r.message),
        )
        for n, r in enumerate(f.related)
    ] or None


# Where a suppression is kept: in the linted file itself, or outside it (config, baseline).
SUPPRESSION_KINDS = {
    "annotation": "inSource",
    "comment": "inSource",
    "foreign": "inSource",
    "exemption": "external",
    "baseline": "external",
}
_WHERE_RE = re.compile(r"(?P<file>.+?):(?P<line>[0-9]+)(?::(?P<column>[0-9]+))?")


def _suppression(s: Suppression, paths: RepoPaths) -> dict[str, Any]:
    """A SARIF ``suppression``: kind, status accepted, the reason as justification and, when the
    suppression has a file:line (a comment, an exemption), its location."""
    out: dict[str, Any] = {
        "kind": SUPPRESSION_KINDS.get(s.kind, "external"),
        "status": "accepted",
        "justification": s.reason,
        "properties": {"kubelintKind": s.kind, "where": s.where},
    }
    m = _WHERE_RE.fullmatch(s.where)
    if m:
        region = om.Region(
            start_line=max(1, int(m["line"])), start_column=max(1, int(m["column"] or 1))
        )
        out["location"] = om.Location(
            physical_location=om.PhysicalLocation(
                artifact_location=_artifact_location(m["file"], paths), region=region
            )
        )
    return out


def _result(
    f: Finding,
    index: int,
    fingerprint: str,
    paths: RepoPaths,
    fix: Any = None,
    suppression: Suppression | None = None,
) -> Any:
    region = om.Region(start_line=max(1, f.location.line), start_column=max(1, f.location.column))
    properties: dict[str, Any] = {
        "container": f.container,
        "jsonPointer": f.path,
        "build": f.extra.get("build"),  # the Kustomize build the finding came from
    }
    if f.object is not None:
        properties["object"] = {
            "apiVersion": f.object.api_version,
            "kind": f.object.kind,
            "namespace": f.object.namespace,
            "name": f.object.name,
        }
    return om.Result(
        rule_id=f.rule,
        rule_index=index,
        level=LEVELS[f.severity],
        message=om.Message(text=f.message),
        locations=[
            om.Location(
                physical_location=om.PhysicalLocation(
                    artifact_location=_artifact_location(f.location.file, paths),
                    region=region,
                )
            )
        ],
        related_locations=_related(f, paths),
        partial_fingerprints={FINGERPRINT_KEY: fingerprint},
        properties={k: v for k, v in properties.items() if v is not None} or None,
        fixes=[_fix(f, fix, paths)] if fix is not None else None,
        suppressions=[_suppression(suppression, paths)] if suppression is not None else None,
    )


def sarif_log(result: RunResult, paths: RepoPaths | None = None) -> dict[str, Any]:
    """The whole SARIF log of a run as JSON data."""
    paths = paths or RepoPaths.current()
    specs: list[RuleSpec] = sorted(result.rules, key=lambda s: s.id)
    descriptors = [rule_descriptor(s) for s in specs]
    index = {s.id: i for i, s in enumerate(specs)}
    suppressed = sorted(
        [*result.suppressed_findings, *result.baselined_findings],
        key=lambda pair: pair[0].sort_key(),
    )
    for f in [*result.findings, *(f for f, _ in suppressed)]:
        if f.rule not in index:  # a plugin may report under a rule that is not enabled
            index[f.rule] = len(descriptors)
            descriptors.append(om.ReportingDescriptor(id=f.rule))
    fingerprints = unique_fingerprints(result.findings, paths)
    results = [
        _result(f, index[f.rule], fp, paths, result.fixes.get(f))
        for f, fp in zip(result.findings, fingerprints, strict=True)
    ]
    # Suppressed findings stay results, marked suppressed: an alert dismissed in source is
    # shown as dismissed, not closed as fixed.
    suppressed_fingerprints = unique_fingerprints([f for f, _ in suppressed], paths)
    results += [
        _result(f, index[f.rule], fp, paths, suppression=s)
        for (f, s), fp in zip(suppressed, suppressed_fingerprints, strict=True)
    ]
    notifications: Sequence[Any] = [
        om.Notification(message=om.Message(text=e), level="error") for e in result.errors
    ]
    run = om.Run(
        tool=om.Tool(
            driver=om.ToolComponent(
                name="kubelint",
                version=__version__,
                semantic_version=__version__,
                information_uri=INFORMATION_URI,
                rules=descriptors,
            )
        ),
        automation_details=om.RunAutomationDetails(id=AUTOMATION_ID),
        original_uri_base_ids={
            SRCROOT: om.ArtifactLocation(uri=paths.root.as_uri().rstrip("/") + "/")
        },
        column_kind="unicodeCodePoints",
        invocations=[
            om.Invocation(
                execution_successful=not result.errors,
                tool_execution_notifications=list(notifications) or None,
            )
        ],
        results=results,
    )
    log = om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])
    data: dict[str, Any] = to_sarif_dict(log)
    # conventional member order: $schema and version first, then runs
    return {"$schema": data.pop("$schema"), "version": data.pop("version"), **data}


class SarifReporter(Reporter):
    format_name = "sarif"
    description = "SARIF 2.1.0 (GitHub code scanning)"

    def finish(self, result: RunResult) -> None:
        _jsontext.dump(sarif_log(result), self.out)
        self.out.write("\n")
