"""The command line: ``kubelint lint``, ``rules``, ``explain``, ``plugins`` and ``--version``.

Reports go to stdout (or ``--report`` files); logs, notices and errors go to stderr.
Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage/config/I-O/internal error.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any

import typer

from kubelint import __version__
from kubelint.catalog import CatalogError, Profile, RuleSpec, load_profiles, load_rules, suggest
from kubelint.engine import (
    Engine,
    Options,
    RunResult,
    UsageError,
    activate,
    parse_kubernetes_version,
    select_rules,
)
from kubelint.findings import Severity
from kubelint.plugins import PluginError, Plugins, load_plugins
from kubelint.sources import collect

app = typer.Typer(
    name="kubelint",
    help="Lint Kubernetes manifests: exact file:line:column findings for people and CI.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

FAIL_ON = ("error", "warning", "info", "never")


class ColorMode(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


def _err(message: str) -> None:
    sys.stderr.write(f"kubelint: {message}\n")


@dataclass
class Catalog:
    plugins: Plugins
    rules: dict[str, RuleSpec]
    profiles: dict[str, Profile]
    checks: dict[str, Any]
    reporters: dict[str, Any]


def _catalog(no_plugins: bool = False) -> Catalog:
    try:
        plugins = load_plugins(autoload=not no_plugins)
        dirs = plugins.rule_dirs()
        return Catalog(
            plugins,
            load_rules(dirs),
            load_profiles(dirs),
            plugins.checks(),
            plugins.reporters(),
        )
    except (PluginError, CatalogError) as exc:
        _err(str(exc))
        raise typer.Exit(2) from exc


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"kubelint {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """kubelint: a Kubernetes manifest linter."""


def _parse_reports(values: list[str], reporters: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for value in values:
        fmt, sep, path = value.partition("=")
        if not sep or not path:
            raise UsageError(f'--report expects FORMAT=PATH, got "{value}"')
        if fmt not in reporters:
            raise UsageError(f'unknown report format "{fmt}"{suggest(fmt, reporters)}')
        out.append((fmt, path))
    return out


def _exit_code(result: RunResult, fail_on: str, had_errors: bool) -> int:
    if had_errors:
        return 2
    if fail_on == "never":
        return 0
    threshold = Severity(fail_on).rank
    return 1 if any(f.severity.rank >= threshold for f in result.findings) else 0


@app.command()
def lint(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Files or directories to lint; '-' reads standard input."),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", "-f", help="Report format on stdout (text, json, …).")
    ] = "text",
    report: Annotated[
        list[str] | None,
        typer.Option("--report", help="Also write FORMAT=PATH (repeatable)."),
    ] = None,
    enable: Annotated[
        list[str] | None, typer.Option("--enable", help="Enable a rule (repeatable).")
    ] = None,
    disable: Annotated[
        list[str] | None, typer.Option("--disable", help="Disable a rule (repeatable).")
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only these rules (repeatable).")
    ] = None,
    profile: Annotated[
        list[str] | None,
        typer.Option("--profile", help="Use a profile's rules instead of the defaults."),
    ] = None,
    fail_on: Annotated[
        str, typer.Option("--fail-on", help="error | warning | info | never")
    ] = "warning",
    color: Annotated[ColorMode, typer.Option("--color", help="auto | always | never")] = (
        ColorMode.auto
    ),
    kubernetes_version: Annotated[
        str | None,
        typer.Option("--kubernetes-version", help="Target Kubernetes minor, e.g. 1.33."),
    ] = None,
    complete: Annotated[
        bool,
        typer.Option("--complete", help="The linted inputs are a whole application."),
    ] = False,
    namespace: Annotated[
        str | None,
        typer.Option("--namespace", "-n", help="Namespace for objects without one."),
    ] = None,
    stdin_filename: Annotated[
        str | None, typer.Option("--stdin-filename", help="Name to report for '-'.")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List skipped files and documents.")
    ] = False,
    no_plugins: Annotated[
        bool, typer.Option("--no-plugins", help="Do not load third-party plugins.")
    ] = False,
) -> None:
    """Lint manifests and report findings."""
    catalog = _catalog(no_plugins)
    try:
        if fail_on not in FAIL_ON:
            raise UsageError(
                f"--fail-on must be one of {', '.join(FAIL_ON)}{suggest(fail_on, FAIL_ON)}"
            )
        if format not in catalog.reporters:
            raise UsageError(f'unknown format "{format}"{suggest(format, catalog.reporters)}')
        reports = _parse_reports(report or [], catalog.reporters)
        version = (
            parse_kubernetes_version(kubernetes_version)
            if kubernetes_version
            else Options().kubernetes_version
        )
        options = Options(kubernetes_version=version, complete=complete, namespace=namespace)
        selection = select_rules(
            catalog.rules,
            catalog.profiles,
            profile or [],
            enable or [],
            disable or [],
            only or [],
        )
        active = activate(catalog.rules, selection, catalog.checks, options)
    except UsageError as exc:
        _err(str(exc))
        raise typer.Exit(2) from exc

    sources, skipped, errors = collect(paths or ["."], stdin_filename=stdin_filename)
    for message in errors:
        _err(message)
    engine = Engine(active, options)
    result = RunResult(skipped=list(skipped))
    engine.run(sources, result)
    for message in result.errors:
        _err(message)
    if verbose:
        for s in result.skipped:
            sys.stderr.write(f"skipped {s.name}: {s.reason}\n")

    is_tty = sys.stdout.isatty()
    use_color = color is ColorMode.always or (
        color is ColorMode.auto and is_tty and not os.environ.get("NO_COLOR")
    )
    rich_layout = color is ColorMode.always or (is_tty and not os.environ.get("NO_COLOR"))
    stdout_options = {"rich": rich_layout, "color": use_color}
    catalog.reporters[format](sys.stdout, stdout_options).report(result)
    sys.stdout.flush()
    for fmt, path in reports:
        try:
            with open(path, "w", encoding="utf-8") as fh:
                catalog.reporters[fmt](fh, {"rich": False, "color": False}).report(result)
        except OSError as exc:
            _err(f"cannot write report {path}: {exc.strerror or exc}")
            errors.append(path)
    raise typer.Exit(_exit_code(result, fail_on, bool(errors or result.errors)))


@app.command("rules")
def rules_cmd(
    format: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
    no_plugins: Annotated[bool, typer.Option("--no-plugins")] = False,
) -> None:
    """List every rule with its category, default and severity."""
    catalog = _catalog(no_plugins)
    specs = sorted(catalog.rules.values(), key=lambda r: (r.category, r.id))
    if format == "json":
        data = [
            {
                "id": r.id,
                "category": r.category,
                "severity": r.severity.value,
                "default": r.default,
                "summary": r.summary,
                "origin": r.origin,
            }
            for r in specs
        ]
        typer.echo(json.dumps(data, indent=2))
        return
    if format != "text":
        _err(f'unknown format "{format}"{suggest(format, ["text", "json"])}')
        raise typer.Exit(2)
    width = max(len(r.id) for r in specs)
    for r in specs:
        on = "on " if r.default else "off"
        typer.echo(f"{r.id:<{width}}  {r.category:<15} {on}  {r.severity.value:<7}  {r.summary}")


@app.command()
def explain(
    rule_id: Annotated[str, typer.Argument(metavar="ID", help="Rule ID.")],
    no_plugins: Annotated[bool, typer.Option("--no-plugins")] = False,
) -> None:
    """Explain a rule: what it checks, why, an example and its fix, options, references."""
    catalog = _catalog(no_plugins)
    spec = catalog.rules.get(rule_id)
    if spec is None:
        _err(f'unknown rule "{rule_id}"{suggest(rule_id, catalog.rules)}')
        raise typer.Exit(2)
    typer.echo(explain_text(spec))


def explain_text(spec: RuleSpec) -> str:
    state = "enabled by default" if spec.default else "opt-in (--enable " + spec.id + ")"
    out = [
        f"{spec.id}: {spec.summary}",
        f"category: {spec.category}   severity: {spec.severity.value}   {state}",
        "",
        "Why",
        f"  {spec.why}",
        "",
        "How to fix",
        f"  {spec.remediation}",
    ]
    if spec.example:
        out += ["", "Example (triggers the rule)", _indent(spec.example)]
    if spec.fix:
        out += ["Fixed", _indent(spec.fix)]
    props = spec.params_schema.get("properties", {})
    if props:
        out += ["", "Options (params)"]
        for name, schema in props.items():
            desc = schema.get("description", "")
            default = schema.get("default")
            out.append(f"  {name} (default: {json.dumps(default)}): {desc}")
    if spec.references:
        out += ["", "References"] + [f"  {r}" for r in spec.references]
    return "\n".join(out)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines()) + "\n"


@app.command()
def plugins(no_plugins: Annotated[bool, typer.Option("--no-plugins")] = False) -> None:
    """List loaded plugins, with their rule directories and report formats."""
    catalog = _catalog(no_plugins)
    for name in catalog.plugins.names:
        typer.echo(name)
    typer.echo(f"rules: {len(catalog.rules)}  profiles: {', '.join(sorted(catalog.profiles))}")
    typer.echo(f"formats: {', '.join(sorted(catalog.reporters))}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
