"""One lint run as the command line asks for it: catalogue, rule selection, inputs, engine,
suppressions, baseline, reports and the exit code.

cli.py only parses flags into ``Settings`` and calls ``lint`` / ``lint_findings`` here; every
problem the user can fix is raised as ``RunError`` (exit code 2 with its message).
"""

from __future__ import annotations

import fnmatch
import gc
import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubelint.effective import Effective, effective
from kubelint.settings import Settings, SettingsError

if TYPE_CHECKING:
    from kubelint.catalog import Profile, RuleSpec
    from kubelint.config import Config
    from kubelint.findings import Finding, RunResult
    from kubelint.options import Options
    from kubelint.plugins import Plugins
    from kubelint.selection import ActiveRule
    from kubelint.sources import Source
    from kubelint.suppress import Suppressor


class RunError(Exception):
    """Something the user can fix (usage, configuration, input, output): exit code 2."""


def err(message: str) -> None:
    sys.stderr.write(f"kubelint: {message}\n")


@dataclass
class Catalog:
    plugins: Plugins
    rules: dict[str, RuleSpec]
    profiles: dict[str, Profile]
    checks: Mapping[str, Any]  # lazy: a check module is imported when a rule needs it
    reporters: Mapping[str, Any]  # lazy: a reporter is imported when its format is written


def load_catalog(no_plugins: bool = False, extra_dirs: list[Path] | None = None) -> Catalog:
    """Plugins, rules (with custom rule directories), profiles, checks and reporters."""
    from kubelint.catalog import CatalogError, load_profiles, load_rules
    from kubelint.plugins import PluginError, load_plugins

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
        raise RunError(str(exc)) from exc


def _parse_reports(values: list[str], reporters: Mapping[str, Any]) -> list[tuple[str, str]]:
    from kubelint.messages import suggest

    out = []
    for value in values:
        fmt, sep, path = value.partition("=")
        if not sep or not path:
            raise RunError(f'--report expects FORMAT=PATH, got "{value}"')
        if fmt not in reporters:
            raise RunError(f'unknown report format "{fmt}"{suggest(fmt, reporters)}')
        out.append((fmt, path))
    return out


def exit_code(result: RunResult, fail_on: str, had_errors: bool) -> int:
    from kubelint.findings import Severity

    if had_errors:
        return 2
    if fail_on == "never":
        return 0
    threshold = Severity(fail_on).rank
    return 1 if any(f.severity.rank >= threshold for f in result.findings) else 0


@dataclass
class Prepared:
    eff: Effective
    catalog: Catalog
    active: list[ActiveRule]
    options: Options
    reports: list[tuple[str, str]]

    @property
    def config(self) -> Config:
        return self.eff.config


def effective_settings(settings: Settings) -> Effective:
    """``kubelint.effective.effective`` with its errors as RunError."""
    try:
        return effective(settings)
    except SettingsError as exc:
        raise RunError(str(exc)) from exc


def prepare(settings: Settings) -> Prepared:
    """Effective settings, catalogue and rule selection."""
    from kubelint.config import ConfigError, load_config
    from kubelint.lib.schemas import load_crd_files
    from kubelint.messages import suggest
    from kubelint.options import Options, UsageError
    from kubelint.selection import activate, select_rules

    eff = effective_settings(settings)
    cfg = eff.config
    catalog = load_catalog(settings.no_plugins, eff.rule_dirs)
    if cfg.path is not None and cfg.rules:
        try:
            load_config(cfg.path, catalog.rules)  # now that custom rules are known
        except ConfigError as exc:
            raise RunError(str(exc)) from exc
    try:
        if settings.format not in catalog.reporters:
            raise UsageError(
                f'unknown format "{settings.format}"{suggest(settings.format, catalog.reporters)}'
            )
        reports = _parse_reports(settings.reports, catalog.reporters)
        crds, crd_errors = load_crd_files(settings.crd)
        if crd_errors:
            raise UsageError("; ".join(crd_errors))
        options = Options(
            kubernetes_version=eff.kubernetes_version,
            complete=eff.complete,
            namespace=eff.namespace,
            crds=tuple(crds),
            pod_locator=catalog.plugins.pod_locator(),
            chart_dir=settings.chart_dir,
            kustomize_root=settings.kustomize_root,
            include_tests=settings.include_tests,
            helm_bin=settings.helm_bin,
        )
        selection = select_rules(
            catalog.rules,
            catalog.profiles,
            eff.profiles,
            eff.enable,
            eff.disable,
            eff.only,
            params=eff.params,
            kubernetes_version=eff.kubernetes_version,
        )
        active = activate(catalog.rules, selection, catalog.checks, options, eff.severities)
    except UsageError as exc:
        raise RunError(str(exc)) from exc
    return Prepared(eff, catalog, active, options, reports)


class _ProgressBar:
    """A progress bar on stderr (a terminal) that appears only once a run takes over 1 s."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()
        self.progress: Any = None
        self.task: Any = None

    def __call__(self, files: int, objects: int) -> None:
        if self.progress is None:
            if time.monotonic() - self.started < 1.0:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

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
        self.progress.update(self.task, completed=files, objects=objects)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during a lint run. What a run builds (plain dicts and
    lists of the documents, findings) lives until the report is written, so collections only
    rescan an ever-growing heap: 13% of the time on the corpus, 23% at 50k objects. Objects that
    already exist are frozen out of later collections; the previous state is restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _excluded(cfg: Config, source: Source) -> bool:
    if not cfg.exclude or source.path is None:
        return False
    try:
        rel = source.path.resolve().relative_to(cfg.base.resolve()).as_posix()
    except ValueError:
        rel = source.name
    return any(fnmatch.fnmatchcase(rel, pattern) for pattern in cfg.exclude)


def run(
    prep: Prepared, inputs: list[Source] | None = None, plan_fixes: bool = False
) -> tuple[RunResult, list[str], Suppressor]:
    """Collect and render the inputs, lint them, apply suppressions and the baseline.

    ``inputs``, when given, receives the sources that were linted (``kubelint fix`` needs them).
    ``plan_fixes``: compute each plain file's fixes right after its lint (see _report_fixes).
    """
    from kubelint import parallel
    from kubelint.dispatch import Engine
    from kubelint.findings import RunResult
    from kubelint.render import RenderError, render_all
    from kubelint.sources import Skipped, collect
    from kubelint.suppress import Suppressor

    settings = prep.eff.flags
    paths = prep.eff.paths
    sources, skipped, errors = collect(paths, stdin_filename=settings.stdin_filename)
    try:
        sources, more_skipped, render_errors, render_notes = render_all(
            settings.render_options(), paths, sources
        )
    except RenderError as exc:
        raise RunError(str(exc)) from exc
    for message in render_notes:
        err(message)
    skipped, errors = [*skipped, *more_skipped], [*errors, *render_errors]
    kept = []
    for source in sources:
        if _excluded(prep.config, source):
            skipped.append(Skipped(source.name, "excluded by configuration"))
        else:
            kept.append(source)
    if inputs is not None:
        inputs.extend(kept)
    suppressor = Suppressor(prep.config.exemptions, foreign=prep.eff.foreign_suppressions)
    for ex in suppressor.expired:
        err(f"{ex.origin}: exemption expired on {ex.expires} and no longer applies ({ex.reason})")
    jobs = settings.jobs if settings.jobs is not None else parallel.usable_cores()
    if jobs < 1:
        raise RunError(f"--jobs must be at least 1, got {jobs}")
    engine = Engine(prep.active, prep.options, suppressor)
    if plan_fixes:
        engine.fix_planner = _fix_planner(prep)
    result = RunResult(skipped=list(skipped))
    bar = _ProgressBar(len(kept)) if sys.stderr.isatty() else None
    try:
        with gc_paused():
            parallel.run(engine, kept, result, jobs, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    if settings.baseline:
        from kubelint.baseline import BaselineError
        from kubelint.baseline import read as read_baseline
        from kubelint.baseline import split as split_baseline

        try:
            known = read_baseline(Path(settings.baseline))
        except BaselineError as exc:
            raise RunError(str(exc)) from exc
        result.findings, covered = split_baseline(result.findings, known)
        result.baselined = len(covered)
    return result, errors, suppressor


def lint(settings: Settings) -> int:
    """``kubelint lint``: report on stdout and to --report files; the exit code."""
    from kubelint.lib.schemas import not_validated_summary
    from kubelint.reporters import ReportOptions

    prep = prepare(settings)
    fix_failed = False
    if settings.fix:  # `lint --fix`: fix the files, then lint them again for the report
        from kubelint.fix.command import fix_files

        fix_failed = fix_files(prep, "write", settings.unsafe_fixes, report=False) == 2
    inputs: list[Source] = []
    # Machine reports carry the edits of each fix themselves.
    formats = (settings.format, *(fmt for fmt, _ in prep.reports))
    show_fixes = "json" in formats or "sarif" in formats
    result, errors, suppressor = run(prep, inputs, plan_fixes=show_fixes)
    if show_fixes:
        with gc_paused():
            _report_fixes(prep, result, inputs)
    if fix_failed:
        errors.append("some fixes could not be written")
    for message in errors:
        err(message)
    for message in result.errors:
        err(message)
    for message in result.notices:
        err(message)
    if result.not_validated and settings.format == "text":
        err(not_validated_summary(result.not_validated))
    if settings.verbose:
        for s in result.skipped:
            sys.stderr.write(f"skipped {s.name}: {s.reason}\n")
    if settings.report_unused_suppressions:
        for unused in suppressor.unused():
            err(f"unused suppression: {unused}")

    is_tty = sys.stdout.isatty()
    no_color_env = bool(os.environ.get("NO_COLOR"))
    use_color = settings.color == "always" or (
        settings.color == "auto" and is_tty and not no_color_env
    )
    rich_layout = settings.color == "always" or (is_tty and not no_color_env)
    stdout_options = ReportOptions(rich_layout, use_color, settings.show_suppressed)
    reporters = prep.catalog.reporters
    reporters[settings.format](sys.stdout, stdout_options).report(result)
    sys.stdout.flush()
    for fmt, path in prep.reports:
        try:
            with open(path, "w", encoding="utf-8") as fh:
                reporters[fmt](fh, ReportOptions(show_suppressed=settings.show_suppressed)).report(
                    result
                )
        except OSError as exc:
            err(f"cannot write report {path}: {exc.strerror or exc}")
            errors.append(path)
    code = exit_code(result, prep.eff.fail_on, bool(errors or result.errors))
    if settings.fail_if_empty and result.objects == 0:
        err("no Kubernetes objects found to lint (--fail-if-empty)")
        code = 2
    return 0 if settings.exit_zero and code == 1 else code


def _fix_setup(prep: Prepared) -> tuple[dict[str, Any], Any]:
    """The rule data (rule id -> raw YAML) and kubelint.fix.core.FixOptions of this run."""
    from kubelint.fix.core import FixOptions

    rules = {rid: spec.raw for rid, spec in prep.catalog.rules.items()}
    params = {rule.id: dict(rule.ctx.params) for rule in prep.active}
    return rules, FixOptions(False, prep.eff.kubernetes_version, params)


def _fix_planner(prep: Prepared) -> Any:
    """The kubelint.fix.report.SourcePlanner of this run (plans each file's fixes as it is
    linted, from its loaded documents)."""
    from kubelint.fix.report import SourcePlanner

    return SourcePlanner(*_fix_setup(prep))


def _report_fixes(prep: Prepared, result: RunResult, inputs: list[Source]) -> None:
    """Attach to ``result`` the fix of each finding that has one (reports show them).

    Most were planned while the run linted each file (``run(plan_fixes=True)``; None for "no
    fix"); the others (findings of cross-object rules, files with input problems, or all of
    them without a planner) are planned here, each file's text parsed again."""
    from kubelint.fix.core import has_fix
    from kubelint.fix.report import report_fixes

    rules, options = _fix_setup(prep)
    planned = result.fixes
    result.fixes = {}
    if not any(has_fix(rules.get(f.rule)) for f in result.findings):
        return
    plain = [s.name for s in inputs if s.mapper is None]
    rest = [f for f in result.findings if f not in planned]
    fixes = report_fixes(rest, result.sources, plain, rules, options)
    for f in result.findings:
        fix = planned.get(f)
        if fix is not None:
            fixes[f] = fix
    result.fixes = fixes


def lint_findings(settings: Settings) -> list[Finding]:
    """The findings a lint run with these settings reports (for baselines); any input or rule
    error is a RunError."""
    prep = prepare(settings)
    result, errors, _ = run(prep)
    for message in [*errors, *result.errors]:
        err(message)
    if errors or result.errors:
        raise RunError(f"{len(errors) + len(result.errors)} error(s); nothing written")
    return result.findings
