"""The command line: ``kubelint lint``, ``rules``, ``explain``, ``plugins`` and ``--version``.

Reports go to stdout (or ``--report`` files); logs, notices and errors go to stderr.
Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage/config/I-O/internal error.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import os
import sys
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from ruamel.yaml import YAML

from kubelint import __version__
from kubelint.baseline import BaselineError
from kubelint.baseline import prune as prune_baseline
from kubelint.baseline import read as read_baseline
from kubelint.baseline import split as split_baseline
from kubelint.baseline import write as write_baseline
from kubelint.baseline import write_entries as write_baseline_entries
from kubelint.catalog import CatalogError, Profile, RuleSpec, load_profiles, load_rules, suggest
from kubelint.config import CONFIG_NAMES, STARTER, Config, ConfigError, find_config, load_config
from kubelint.engine import (
    ActiveRule,
    Engine,
    Options,
    RunResult,
    UsageError,
    activate,
    parse_kubernetes_version,
    select_rules,
)
from kubelint.findings import Finding, Severity
from kubelint.k8s_schemas import load_crd_files, not_validated_summary
from kubelint.plugins import PluginError, Plugins, load_plugins
from kubelint.render import RenderError, RenderOptions, render_all
from kubelint.sources import Skipped, Source, collect
from kubelint.suppress import Suppressor

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


def _catalog(no_plugins: bool = False, extra_dirs: list[Path] | None = None) -> Catalog:
    try:
        plugins = load_plugins(autoload=not no_plugins)
        dirs = plugins.rule_dirs()
        for directory in extra_dirs or []:
            if not directory.is_dir():
                raise CatalogError(f"{directory}: custom rules directory not found")
            dirs.append((f"custom:{directory}", directory))
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


@dataclass
class LintSettings:
    """Everything `kubelint lint` can be told. None means "not given on the command line",
    so that the configuration file's value (or the built-in default) applies."""

    paths: list[str] = field(default_factory=list)
    format: str = "text"
    reports: list[str] = field(default_factory=list)
    enable: list[str] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    only: list[str] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)
    fail_on: str | None = None
    exit_zero: bool = False
    fail_if_empty: bool = False
    color: ColorMode = ColorMode.auto
    kubernetes_version: str | None = None
    complete: bool | None = None
    namespace: str | None = None
    stdin_filename: str | None = None
    verbose: bool = False
    crd: list[str] = field(default_factory=list)
    require_schemas: bool = False
    no_plugins: bool = False
    config: str | None = None
    no_config: bool = False
    rules_dir: list[str] = field(default_factory=list)
    baseline: str | None = None
    show_suppressed: bool = False
    report_unused_suppressions: bool = False
    no_foreign_suppressions: bool = False
    render: RenderOptions = field(default_factory=RenderOptions)
    chart_dir: str | None = None
    kustomize_root: str | None = None


@dataclass
class Prepared:
    catalog: Catalog
    config: Config
    active: list[ActiveRule]
    options: Options
    reports: list[tuple[str, str]]
    fail_on: str
    paths: list[str]


def _config(settings: LintSettings) -> Config:
    """The configuration file in effect (or an empty one), validated."""
    if settings.config:
        path: Path | None = Path(settings.config)
    elif settings.no_config:
        return Config()
    else:
        path = find_config()
    if path is None:
        return Config()
    try:
        return load_config(path)
    except ConfigError as exc:
        _err(str(exc))
        raise typer.Exit(2) from exc


def _prepare(settings: LintSettings) -> Prepared:
    """Configuration, catalogue and rule selection; usage errors exit 2."""
    cfg = _config(settings)
    extra_dirs = [*cfg.custom_rules, *(Path(d) for d in settings.rules_dir)]
    catalog = _catalog(settings.no_plugins, extra_dirs)
    if cfg.path is not None and cfg.rules:
        try:
            load_config(cfg.path, catalog.rules)  # now that custom rules are known
        except ConfigError as exc:
            _err(str(exc))
            raise typer.Exit(2) from exc
    try:
        fail_on = settings.fail_on or cfg.fail_on or "warning"
        if fail_on not in FAIL_ON:
            raise UsageError(
                f"--fail-on must be one of {', '.join(FAIL_ON)}{suggest(fail_on, FAIL_ON)}"
            )
        if settings.format not in catalog.reporters:
            raise UsageError(
                f'unknown format "{settings.format}"{suggest(settings.format, catalog.reporters)}'
            )
        reports = _parse_reports(settings.reports, catalog.reporters)
        version_text = settings.kubernetes_version or cfg.kubernetes_version
        version = (
            parse_kubernetes_version(version_text) if version_text else Options().kubernetes_version
        )
        crds, crd_errors = load_crd_files(settings.crd)
        if crd_errors:
            raise UsageError("; ".join(crd_errors))
        complete = settings.complete if settings.complete is not None else bool(cfg.complete)
        options = Options(
            kubernetes_version=version,
            complete=complete,
            namespace=settings.namespace or cfg.namespace,
            crds=tuple(crds),
            pod_locator=catalog.plugins.pod_locator(),
        )
        cfg_enable, cfg_disable = cfg.enabled_overrides()
        params = cfg.params()
        if settings.require_schemas:
            params["schema-invalid"] = {**params.get("schema-invalid", {}), "requireSchemas": True}
        selection = select_rules(
            catalog.rules,
            catalog.profiles,
            settings.profile or cfg.profiles,
            [*cfg_enable, *settings.enable],
            [*(r for r in cfg_disable if r not in settings.enable), *settings.disable],
            settings.only,
            params=params,
            kubernetes_version=version,
        )
        active = activate(catalog.rules, selection, catalog.checks, options, cfg.severities())
    except UsageError as exc:
        _err(str(exc))
        raise typer.Exit(2) from exc
    paths = settings.paths or cfg.paths
    if not paths:
        paths = [] if settings.render.helm or settings.render.kustomize else ["."]
    return Prepared(catalog, cfg, active, options, reports, fail_on, paths)


class _ProgressBar:
    """A progress bar on stderr (a terminal) that appears only once a run takes over 1 s."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def __call__(self, files: int, objects: int) -> None:
        if self.progress is None:
            if time.monotonic() - self.started < 1.0:
                return
            self.progress = Progress(
                TextColumn("linting"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("files, {task.fields[objects]} objects"),
                console=Console(stderr=True),
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("lint", total=self.total, objects=0)
        assert self.task is not None
        self.progress.update(self.task, completed=files, objects=objects)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _excluded(cfg: Config, source: Source) -> bool:
    if not cfg.exclude or source.path is None:
        return False
    try:
        rel = source.path.resolve().relative_to(cfg.base.resolve()).as_posix()
    except ValueError:
        rel = source.name
    return any(fnmatch.fnmatchcase(rel, pattern) for pattern in cfg.exclude)


def _run(settings: LintSettings, prep: Prepared) -> tuple[RunResult, list[str], Suppressor]:
    """Collect and render the inputs, lint them, apply suppressions and the baseline."""
    sources, skipped, errors = collect(prep.paths, stdin_filename=settings.stdin_filename)
    try:
        sources, more_skipped, render_errors = render_all(settings.render, prep.paths, sources)
    except RenderError as exc:
        _err(str(exc))
        raise typer.Exit(2) from exc
    skipped, errors = [*skipped, *more_skipped], [*errors, *render_errors]
    kept = []
    for source in sources:
        if _excluded(prep.config, source):
            skipped.append(Skipped(source.name, "excluded by configuration"))
        else:
            kept.append(source)
    options = prep.options
    options.chart_dir, options.kustomize_root = settings.chart_dir, settings.kustomize_root
    options.include_tests = settings.render.include_tests
    suppressor = Suppressor(
        prep.config.exemptions,
        foreign=prep.config.foreign_suppressions and not settings.no_foreign_suppressions,
    )
    for ex in suppressor.expired:
        _err(f"{ex.origin}: exemption expired on {ex.expires} and no longer applies ({ex.reason})")
    engine = Engine(prep.active, options, suppressor)
    result = RunResult(skipped=list(skipped))
    bar = _ProgressBar(len(kept)) if sys.stderr.isatty() else None
    try:
        engine.run(kept, result, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    if settings.baseline:
        try:
            known = read_baseline(Path(settings.baseline))
        except BaselineError as exc:
            _err(str(exc))
            raise typer.Exit(2) from exc
        result.findings, covered = split_baseline(result.findings, known)
        result.baselined = len(covered)
    return result, errors, suppressor


@app.command()
def lint(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Files or directories to lint; '-' reads standard input."),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help="Report format on stdout (text, json, …).")
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
        str | None,
        typer.Option("--fail-on", help="error | warning | info | never (default warning)"),
    ] = None,
    exit_zero: Annotated[
        bool,
        typer.Option("--exit-zero", help="Exit 0 even with findings (errors still exit 2)."),
    ] = False,
    fail_if_empty: Annotated[
        bool,
        typer.Option("--fail-if-empty", help="Exit 2 when no Kubernetes object was linted."),
    ] = False,
    color: Annotated[ColorMode, typer.Option("--color", help="auto | always | never")] = (
        ColorMode.auto
    ),
    kubernetes_version: Annotated[
        str | None,
        typer.Option("--kubernetes-version", help="Target Kubernetes minor, e.g. 1.33."),
    ] = None,
    complete: Annotated[
        bool | None,
        typer.Option("--complete/--no-complete", help="The linted inputs are a whole application."),
    ] = None,
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
    config: Annotated[
        str | None, typer.Option("--config", help="Configuration file (else .kubelint.yaml).")
    ] = None,
    no_config: Annotated[
        bool, typer.Option("--no-config", help="Do not look for .kubelint.yaml.")
    ] = False,
    rules_dir: Annotated[
        list[str] | None,
        typer.Option("--rules-dir", help="Directory of custom rule YAML files (repeatable)."),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option("--baseline", help="Report only findings not in this baseline file."),
    ] = None,
    show_suppressed: Annotated[
        bool, typer.Option("--show-suppressed", help="List suppressed findings too.")
    ] = False,
    report_unused_suppressions: Annotated[
        bool,
        typer.Option(
            "--report-unused-suppressions", help="Report suppressions that matched nothing."
        ),
    ] = False,
    no_foreign_suppressions: Annotated[
        bool,
        typer.Option(
            "--no-foreign-suppressions",
            help="Ignore kube-linter, Polaris, kube-score and Checkov suppression annotations.",
        ),
    ] = False,
    crd: Annotated[
        list[str] | None,
        typer.Option(
            "--crd", help="CustomResourceDefinition file or directory for schemas (repeatable)."
        ),
    ] = None,
    require_schemas: Annotated[
        bool,
        typer.Option(
            "--require-schemas", help="Report objects no schema can validate (schema-invalid)."
        ),
    ] = False,
    no_plugins: Annotated[
        bool, typer.Option("--no-plugins", help="Do not load third-party plugins.")
    ] = False,
    helm: Annotated[
        list[str] | None,
        typer.Option("--helm", help="Render this chart with `helm template` and lint it."),
    ] = None,
    values: Annotated[
        list[str] | None,
        typer.Option("--values", "-f", help="Helm values file for every render (repeatable)."),
    ] = None,
    set_values: Annotated[
        list[str] | None, typer.Option("--set", help="Helm --set k=v for every render.")
    ] = None,
    values_set: Annotated[
        list[str] | None,
        typer.Option(
            "--values-set", help="Render once per values set (FILE[,FILE]); findings are tagged."
        ),
    ] = None,
    release_name: Annotated[
        str, typer.Option("--release-name", help="Helm release name.")
    ] = "release-name",
    helm_bin: Annotated[
        str | None, typer.Option("--helm-bin", help="The helm executable (else PATH).")
    ] = None,
    include_tests: Annotated[
        bool, typer.Option("--include-tests", help="Lint Helm test pods (helm.sh/hook: test).")
    ] = False,
    helm_auto: Annotated[
        bool, typer.Option("--helm-auto", help="Render charts met in the linted tree.")
    ] = False,
    chart_dir: Annotated[
        str | None,
        typer.Option("--chart-dir", help="Chart directory of piped `helm template` output."),
    ] = None,
    kustomize: Annotated[
        list[str] | None,
        typer.Option("--kustomize", help="Build this kustomization directory and lint it."),
    ] = None,
    kustomize_auto: Annotated[
        bool,
        typer.Option("--kustomize-auto", help="Build kustomizations met in the linted tree."),
    ] = False,
    kustomize_root: Annotated[
        str | None,
        typer.Option("--kustomize-root", help="Directory piped `kustomize build` output built."),
    ] = None,
) -> None:
    """Lint manifests and report findings."""
    settings = LintSettings(
        paths=paths or [],
        format=format,
        reports=report or [],
        enable=enable or [],
        disable=disable or [],
        only=only or [],
        profile=profile or [],
        fail_on=fail_on,
        exit_zero=exit_zero,
        fail_if_empty=fail_if_empty,
        color=color,
        kubernetes_version=kubernetes_version,
        complete=complete,
        namespace=namespace,
        stdin_filename=stdin_filename,
        verbose=verbose,
        crd=crd or [],
        require_schemas=require_schemas,
        no_plugins=no_plugins,
        config=config,
        no_config=no_config,
        rules_dir=rules_dir or [],
        baseline=baseline,
        show_suppressed=show_suppressed,
        report_unused_suppressions=report_unused_suppressions,
        no_foreign_suppressions=no_foreign_suppressions,
        render=RenderOptions(
            helm=helm or [],
            values=values or [],
            set_values=set_values or [],
            values_sets=values_set or [],
            release_name=release_name,
            namespace=namespace,
            helm_bin=helm_bin,
            include_tests=include_tests,
            helm_auto=helm_auto,
            kustomize=kustomize or [],
            kustomize_auto=kustomize_auto,
        ),
        chart_dir=chart_dir,
        kustomize_root=kustomize_root,
    )
    prep = _prepare(settings)
    result, errors, suppressor = _run(settings, prep)
    for message in errors:
        _err(message)
    for message in result.errors:
        _err(message)
    for message in result.notices:
        _err(message)
    if result.not_validated and settings.format == "text":
        _err(not_validated_summary(result.not_validated))
    if settings.verbose:
        for s in result.skipped:
            sys.stderr.write(f"skipped {s.name}: {s.reason}\n")
    if settings.report_unused_suppressions:
        for unused in suppressor.unused():
            _err(f"unused suppression: {unused}")

    is_tty = sys.stdout.isatty()
    no_color_env = bool(os.environ.get("NO_COLOR"))
    use_color = settings.color is ColorMode.always or (
        settings.color is ColorMode.auto and is_tty and not no_color_env
    )
    rich_layout = settings.color is ColorMode.always or (is_tty and not no_color_env)
    common = {"show_suppressed": settings.show_suppressed}
    stdout_options = {"rich": rich_layout, "color": use_color, **common}
    reporters = prep.catalog.reporters
    reporters[settings.format](sys.stdout, stdout_options).report(result)
    sys.stdout.flush()
    for fmt, path in prep.reports:
        try:
            with open(path, "w", encoding="utf-8") as fh:
                reporters[fmt](fh, {"rich": False, "color": False, **common}).report(result)
        except OSError as exc:
            _err(f"cannot write report {path}: {exc.strerror or exc}")
            errors.append(path)
    code = _exit_code(result, prep.fail_on, bool(errors or result.errors))
    if settings.fail_if_empty and result.objects == 0:
        _err("no Kubernetes objects found to lint (--fail-if-empty)")
        code = 2
    raise typer.Exit(0 if settings.exit_zero and code == 1 else code)


baseline_app = typer.Typer(help="Record current findings and report only new ones later.")
app.add_typer(baseline_app, name="baseline")
config_app = typer.Typer(help="Create or inspect the configuration file.")
app.add_typer(config_app, name="config")

_PathsArg = Annotated[
    list[str] | None, typer.Argument(help="Files or directories (default: configured paths).")
]
_ProfileOpt = Annotated[list[str] | None, typer.Option("--profile", help="Profile (repeatable).")]
_EnableOpt = Annotated[list[str] | None, typer.Option("--enable", help="Enable a rule.")]
_DisableOpt = Annotated[list[str] | None, typer.Option("--disable", help="Disable a rule.")]
_OnlyOpt = Annotated[list[str] | None, typer.Option("--only", help="Run only these rules.")]
_VersionOpt = Annotated[str | None, typer.Option("--kubernetes-version")]
_CompleteOpt = Annotated[bool | None, typer.Option("--complete/--no-complete")]
_NamespaceOpt = Annotated[str | None, typer.Option("--namespace", "-n")]
_ConfigOpt = Annotated[str | None, typer.Option("--config", help="Configuration file.")]
_NoConfigOpt = Annotated[bool, typer.Option("--no-config")]
_RulesDirOpt = Annotated[list[str] | None, typer.Option("--rules-dir")]
_NoPluginsOpt = Annotated[bool, typer.Option("--no-plugins")]


def _selection(values: dict[str, Any]) -> dict[str, Any]:
    """LintSettings fields of a baseline command's parameters (lists default to empty)."""
    names = {f.name for f in dataclasses.fields(LintSettings)}
    return {
        k: ([] if v is None and k in _LIST_FIELDS else v) for k, v in values.items() if k in names
    }


_LIST_FIELDS = {"paths", "profile", "enable", "disable", "only", "rules_dir"}


def _baseline_run(settings: LintSettings) -> list[Finding]:
    prep = _prepare(settings)
    result, errors, _ = _run(settings, prep)
    for message in [*errors, *result.errors]:
        _err(message)
    if errors or result.errors:
        raise typer.Exit(2)
    return result.findings


@baseline_app.command("create")
def baseline_create(
    file: Annotated[str, typer.Argument(help="Baseline file to write (JSON).")],
    paths: _PathsArg = None,
    profile: _ProfileOpt = None,
    enable: _EnableOpt = None,
    disable: _DisableOpt = None,
    only: _OnlyOpt = None,
    kubernetes_version: _VersionOpt = None,
    complete: _CompleteOpt = None,
    namespace: _NamespaceOpt = None,
    config: _ConfigOpt = None,
    no_config: _NoConfigOpt = False,
    rules_dir: _RulesDirOpt = None,
    no_plugins: _NoPluginsOpt = False,
) -> None:
    """Lint PATHs and record every finding in FILE (by fingerprint)."""
    findings = _baseline_run(LintSettings(**_selection(locals())))
    count = write_baseline(Path(file), findings)
    _err(f"wrote {count} findings to {file}")


@baseline_app.command("prune")
def baseline_prune(
    file: Annotated[str, typer.Argument(help="Baseline file to prune in place.")],
    paths: _PathsArg = None,
    profile: _ProfileOpt = None,
    enable: _EnableOpt = None,
    disable: _DisableOpt = None,
    only: _OnlyOpt = None,
    kubernetes_version: _VersionOpt = None,
    complete: _CompleteOpt = None,
    namespace: _NamespaceOpt = None,
    config: _ConfigOpt = None,
    no_config: _NoConfigOpt = False,
    rules_dir: _RulesDirOpt = None,
    no_plugins: _NoPluginsOpt = False,
) -> None:
    """Drop baseline entries that no current finding matches any more."""
    try:
        known = read_baseline(Path(file))
    except BaselineError as exc:
        _err(str(exc))
        raise typer.Exit(2) from exc
    findings = _baseline_run(LintSettings(**_selection(locals())))
    kept, dropped = prune_baseline(known, findings)
    write_baseline_entries(Path(file), kept)
    _err(f"kept {len(kept)} entries, dropped {dropped} from {file}")


@config_app.command("init")
def config_init(
    file: Annotated[str, typer.Argument(help="Where to write it.")] = CONFIG_NAMES[0],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter .kubelint.yaml."""
    path = Path(file)
    if path.exists() and not force:
        _err(f"{path} already exists (use --force to overwrite)")
        raise typer.Exit(2)
    path.write_text(STARTER, encoding="utf-8")
    _err(f"wrote {path}")


@config_app.command("show")
def config_show(
    config: _ConfigOpt = None,
    no_config: _NoConfigOpt = False,
    fail_on: Annotated[str | None, typer.Option("--fail-on")] = None,
    kubernetes_version: _VersionOpt = None,
    complete: _CompleteOpt = None,
    namespace: _NamespaceOpt = None,
    profile: _ProfileOpt = None,
) -> None:
    """Print the effective configuration (file merged with these flags) as YAML."""
    settings = LintSettings(
        config=config,
        no_config=no_config,
        fail_on=fail_on,
        kubernetes_version=kubernetes_version,
        complete=complete,
        namespace=namespace,
        profile=profile or [],
    )
    cfg = _config(settings)
    version = settings.kubernetes_version or cfg.kubernetes_version
    effective: dict[str, Any] = {
        "source": str(cfg.path) if cfg.path else None,
        "kubernetesVersion": version or "{}.{}".format(*Options().kubernetes_version),
        "failOn": settings.fail_on or cfg.fail_on or "warning",
        "complete": settings.complete if settings.complete is not None else bool(cfg.complete),
        "namespace": settings.namespace or cfg.namespace or "default",
        "paths": cfg.paths or ["."],
        "exclude": cfg.exclude,
        "profiles": settings.profile or cfg.profiles or ["default"],
        "rules": cfg.rules,
        "exemptions": [
            {k: v for k, v in dataclasses.asdict(ex).items() if v is not None}
            for ex in cfg.exemptions
        ],
        "customRules": [str(p) for p in cfg.custom_rules],
        "foreignSuppressions": cfg.foreign_suppressions,
    }
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump(effective, sys.stdout)


@app.command("rules")
def rules_cmd(
    format: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
    no_plugins: Annotated[bool, typer.Option("--no-plugins")] = False,
    rules_dir: _RulesDirOpt = None,
) -> None:
    """List every rule with its category, default and severity."""
    catalog = _catalog(no_plugins, [Path(d) for d in rules_dir or []])
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
    rules_dir: _RulesDirOpt = None,
) -> None:
    """Explain a rule: what it checks, why, an example and its fix, options, references."""
    catalog = _catalog(no_plugins, [Path(d) for d in rules_dir or []])
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


@app.command()
def server(
    config: Annotated[
        str | None, typer.Option("--config", help="Configuration file (else discovered).")
    ] = None,
    baseline: Annotated[
        str | None, typer.Option("--baseline", help="Report only findings not in this baseline.")
    ] = None,
    no_plugins: Annotated[bool, typer.Option("--no-plugins")] = False,
) -> None:
    """Run the language server (LSP over stdio) for editors: findings as you type."""
    from kubelint.server import ServerUnavailable, serve

    try:
        serve(config=config, baseline=baseline, no_plugins=no_plugins)
    except ServerUnavailable as exc:
        _err(str(exc))
        raise typer.Exit(2) from exc


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
