"""Findings as the editor shows them: LSP diagnostics (exact token ranges, severity, rule code
and documentation link, related locations) and the Markdown explanation hover shows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.workspace.position_codec import PositionCodec, ServerTextPosition

from kubelint.catalog import RuleSpec
from kubelint.findings import Finding, Severity
from kubelint.server.project import Diagnostic, Project
from kubelint.server.ranges import token_range

SOURCE = "kubelint"
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


def path_uri(path: Path) -> str:
    uri = from_fs_path(str(path))
    return uri if isinstance(uri, str) else path.as_uri()


def rule_href(spec: RuleSpec) -> str | None:
    from kubelint.ruledocs import help_uri, is_builtin

    owner, _, name = spec.origin.partition(":")
    if is_builtin(spec):  # its section of docs/rules.md, as SARIF helpUri and JSON url
        return help_uri(spec)
    if owner == "custom":
        directory, _, fname = name.rpartition(":")
        path = Path(directory) / fname if directory else Path(name)
        return path.resolve().as_uri() if path.exists() else None
    return None


def explain_markdown(spec: RuleSpec) -> str:
    """The rule's explanation, as `kubelint explain` gives it, in Markdown."""
    state = "enabled by default" if spec.default else "opt-in"
    out = [
        f"**{spec.id}** · {spec.severity.value} · {spec.category} · {state}",
        "",
        spec.summary,
        "",
        "**Why**",
        "",
        spec.why.strip(),
        "",
        "**How to fix**",
        "",
        spec.remediation.strip(),
    ]
    if spec.example:
        out += ["", "Example (triggers the rule):", "```yaml", spec.example.rstrip(), "```"]
    if spec.fix:
        out += ["", "Fixed:", "```yaml", spec.fix.rstrip(), "```"]
    if spec.references:
        out += ["", "References: " + " · ".join(spec.references)]
    href = rule_href(spec)
    if href:
        out += ["", f"[Rule documentation]({href})"]
    return "\n".join(out)


def to_lsp(
    d: Diagnostic,
    lines: list[str],
    flow: bool,
    codec: PositionCodec,
    project: Project,
    uri_for: Callable[[str, Project], str],
) -> types.Diagnostic:
    """``d`` as an LSP diagnostic for a document of ``lines``: the token's range in the client's
    units, severity, rule code and documentation link, related locations (``uri_for`` turns a
    finding's file name into the URI the client knows it by)."""
    f = d.finding
    (sl, sc), (el, ec) = token_range(lines, f.location.line, f.location.column, flow)
    rng = types.Range(
        start=codec.position_to_client_units(lines, ServerTextPosition(sl, sc)),
        end=codec.position_to_client_units(lines, ServerTextPosition(el, ec)),
    )
    spec = project.rules.get(f.rule)
    href = rule_href(spec) if spec is not None else None
    related = related_information(f, project)
    for line, column, message in d.related:
        (rl, rc), (rel, rec) = token_range(lines, line, column, flow)
        related.append(
            types.DiagnosticRelatedInformation(
                location=types.Location(
                    uri=uri_for(f.location.file, project),
                    range=types.Range(
                        start=codec.position_to_client_units(lines, ServerTextPosition(rl, rc)),
                        end=codec.position_to_client_units(lines, ServerTextPosition(rel, rec)),
                    ),
                ),
                message=message,
            )
        )
    return types.Diagnostic(
        range=rng,
        message=f.message,
        severity=SEVERITIES.get(f.severity, types.DiagnosticSeverity.Warning),
        code=f.rule,
        code_description=types.CodeDescription(href=href) if href else None,
        source=SOURCE,
        related_information=related or None,
        data={"rule": f.rule, "fingerprint": f.fingerprint},
    )


def related_information(f: Finding, project: Project) -> list[types.DiagnosticRelatedInformation]:
    """Related locations of a finding (a duplicate's first occurrence, a values file)."""
    out: list[types.DiagnosticRelatedInformation] = []
    for rel in getattr(f, "related", None) or ():
        file = getattr(rel, "file", None)
        line = getattr(rel, "line", None)
        if not isinstance(file, str) or not isinstance(line, int):
            continue
        column = getattr(rel, "column", 1) or 1
        message = getattr(rel, "message", None) or "related location"
        path = Path(file) if Path(file).is_absolute() else project.base / file
        pos = types.Position(line=max(line - 1, 0), character=max(column - 1, 0))
        out.append(
            types.DiagnosticRelatedInformation(
                location=types.Location(
                    uri=path_uri(path),
                    range=types.Range(start=pos, end=pos),
                ),
                message=str(message),
            )
        )
    return out
