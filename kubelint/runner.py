"""One lint run as the command line asks for it: catalogue, rule selection, inputs, engine,
suppressions, baseline, reports and the exit code.

cli.py only parses flags into ``Settings`` and calls ``lint`` / ``lint_findings`` here; every
problem the user can fix is raised as ``RunError`` (exit code 2 with its message).
"""

from __future__ import annotations

import contextlib
import fnmatch
import gc
import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from kubelint.effective import Effective, effective
from kubelint.reportfile import STDOUT, ReportPathError, check_paths, is_manifest, write_atomic
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
    for line in message.splitlines() or [""]:
        sys.stderr.write(f"kubelint: {line}\n")


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
            raise RunError(
                f'unknown report format "{fmt}"{suggest(fmt, reporters)}'
                f"; formats: {', '.join(sorted(reporters))}"
            )
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
    if cfg.path is not None:
        try:  # again, now that custom rules are known: rule IDs, params and profiles
            load_config(cfg.path, catalog.rules, catalog.profiles)
        except ConfigError as exc:
            raise RunError(str(exc)) from exc
    try:
        if settings.format is not None and settings.format not in catalog.reporters:
            raise UsageError(
                f'unknown format "{settings.format}"{suggest(settings.format, catalog.reporters)}'
                f"; formats: {', '.join(sorted(catalog.reporters))}"
            )
        reports = _parse_reports(settings.reports, catalog.reporters)
        if settings.format is not None and any(path == STDOUT for _, path in reports):
            raise UsageError("--format and --report FORMAT=- both write to standard output")
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
    prep: Prepared, inputs: list[Source] | None = None
) -> tuple[RunResult, list[str], Suppressor]:
    """Collect and render the inputs, lint them, apply suppressions and the baseline.

    ``inputs``, when given, receives the sources that were linted (``kubelint fix`` needs them).
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
    input_paths = [
        s.path for s in sources if s.path is not None and is_manifest(s.path, s.data or b"")
    ]
    input_paths += [Path(p) for p in paths if p != STDOUT]
    try:
        check_paths(prep.reports, input_paths)
    except ReportPathError as exc:
        raise RunError(str(exc)) from exc
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


def _reconfigure_streams() -> None:
    """Never crash on a name the output encoding cannot carry (non-UTF-8 file names, an ASCII
    locale): escape it instead."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a detached or closed stream
                reconfigure(errors="backslashreplace")


def _stdout_format(prep: Prepared) -> str:
    to_stdout = [fmt for fmt, path in prep.reports if path == STDOUT]
    if to_stdout:
        return to_stdout[0]
    return prep.eff.flags.format or "text"


def lint(settings: Settings) -> int:
    """``kubelint lint``: report on stdout and to --report files; the exit code."""
    from kubelint.lib.schemas import not_validated_summary
    from kubelint.reporters import ReportOptions

    _reconfigure_streams()
    prep = prepare(settings)
    fix_failed = False
    if settings.fix:  # `lint --fix`: fix the files, then lint them again for the report
        from kubelint.fix.command import fix_files

        fix_failed = fix_files(prep, "write", settings.unsafe_fixes, report=False) == 2
    inputs: list[Source] = []
    result, errors, suppressor = run(prep, inputs)
    if "json" in (settings.format, *(fmt for fmt, _ in prep.reports)) or "sarif" in (
        settings.format,
        *(fmt for fmt, _ in prep.reports),
    ):
        _report_fixes(prep, result, inputs)  # machine reports carry the edits themselves
    if fix_failed:
        errors.append("some fixes could not be written")
    result.errors[:0] = errors  # input and render errors first: every report says the run failed
    for message in result.errors:
        err(message)
    for message in result.notices:
        err(message)
    stdout_format = _stdout_format(prep)
    if result.not_validated and stdout_format == "text":
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
    write_failed = False
    # Files first: they are complete whatever happens to stdout (a closed pipe, ...).
    for fmt, path in prep.reports:
        if path == STDOUT:
            continue
        reporter = reporters[fmt]

        def write(fh: IO[str], reporter: Any = reporter) -> None:
            reporter(fh, ReportOptions(show_suppressed=settings.show_suppressed)).report(result)

        try:
            write_atomic(Path(path), write)
        except (OSError, ReportPathError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            err(f"cannot write report {path}: {reason}")
            write_failed = True
    try:
        reporters[stdout_format](sys.stdout, stdout_options).report(result)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped reading (`| head`): not an error of the run. Point stdout at
        # devnull so that the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # pragma: no cover - stdout without a descriptor
            pass
        finally:
            os.close(devnull)
    code = exit_code(result, prep.eff.fail_on, bool(result.errors) or write_failed)
    if settings.fail_if_empty and result.objects == 0:
        err("no Kubernetes objects found to lint (--fail-if-empty)")
        code = 2
    return 0 if settings.exit_zero and code == 1 else code


def _report_fixes(prep: Prepared, result: RunResult, inputs: list[Source]) -> None:
    """Attach to ``result`` the fix of each finding that has one (reports show them)."""
    from kubelint.fix.core import FixOptions, has_fix
    from kubelint.fix.report import report_fixes

    rules = {rid: spec.raw for rid, spec in prep.catalog.rules.items()}
    if not any(has_fix(rules.get(f.rule)) for f in result.findings):
        return
    params = {rule.id: dict(rule.ctx.params) for rule in prep.active}
    plain = [s.name for s in inputs if s.mapper is None]
    options = FixOptions(False, prep.eff.kubernetes_version, params)
    result.fixes = report_fixes(result.findings, result.sources, plain, rules, options)


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
