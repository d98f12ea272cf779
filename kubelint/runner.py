"""One lint run as the command line asks for it: catalogue, rule selection, inputs, engine,
suppressions, baseline, reports and the exit code.

cli.py only parses flags into ``Settings`` and calls ``lint`` / ``lint_findings`` here; every
problem the user can fix is raised as ``RunError`` (exit code 2 with its message).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from kubelint.effective import Effective, effective
from kubelint.records import dataclass, replace
from kubelint.reportfile import STDOUT, ReportPathError, check_paths, is_manifest, write_atomic
from kubelint.settings import Settings, SettingsError

if TYPE_CHECKING:
    from kubelint.catalog import Profile, RuleSpec
    from kubelint.config import Config
    from kubelint.findings import Finding, RunResult
    from kubelint.options import Options
    from kubelint.plugins import Plugins
    from kubelint.selection import ActiveRule
    from kubelint.sources import Skipped, Source
    from kubelint.suppress import Suppressor
    from kubelint.terminal import Progress


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


# Set by the executable (kubelint.launch) when the lint is the whole process: what a run built
# (objects, documents, findings, the engine) is kept here instead of being freed as each stage
# returns; the process then exits without freeing it (kubelint.launch). Freeing it object by
# object took 5-8 % of a corpus run. None (the language server, the API): freed as usual.
RETAINED: list[object] | None = None


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


def _exclusion(prep: Prepared, source: Source) -> str | None:
    """Why ``source`` is excluded (configuration ``exclude:``, ``--exclude`` or
    ``--extend-exclude``), or None."""
    from kubelint.filesel import excluded, split_patterns

    if source.path is None:
        return None
    settings, cfg = prep.eff.flags, prep.config
    cli = split_patterns(settings.exclude)
    if cli:
        if excluded(source.path, cli, Path.cwd()):
            return "excluded by --exclude"
    elif excluded(source.path, cfg.exclude, cfg.base):
        return "excluded by configuration"
    if excluded(source.path, split_patterns(settings.extend_exclude), Path.cwd()):
        return "excluded by --extend-exclude"
    return None


def gather(
    prep: Prepared, progress: Progress | None = None
) -> tuple[list[Source], list[Skipped], list[str]]:
    """The files and standard input the run reads, before rendering: (sources, skipped,
    errors), with .gitignore'd and excluded files left out."""
    from kubelint.sources import Skipped, collect, display_name_raw

    settings = prep.eff.flags
    visiting = None
    if progress is not None and progress.enabled:

        def visiting(directory: Path) -> None:
            progress.collecting(display_name_raw(directory))

    sources, skipped, errors = collect(
        prep.eff.paths,
        stdin_filename=settings.stdin_filename,
        gitignore=not settings.no_gitignore,
        visiting=visiting,
    )
    kept = []
    for source in sources:
        reason = _exclusion(prep, source)
        if reason is None:
            kept.append(source)
        else:
            skipped.append(Skipped(source.name, reason))
    return kept, skipped, errors


def run(
    prep: Prepared, inputs: list[Source] | None = None, plan_fixes: bool = False
) -> tuple[RunResult, list[str], Suppressor]:
    """Collect and render the inputs, lint them, apply suppressions and the baseline.

    ``inputs``, when given, receives the sources that were linted (``kubelint fix`` needs them).
    ``plan_fixes``: compute each plain file's fixes right after its lint (see _report_fixes).
    """
    from kubelint.terminal import Progress

    progress = Progress.for_run(prep.eff.flags)
    try:
        return _run(prep, progress, inputs, plan_fixes)
    finally:
        progress.close()


def _run(
    prep: Prepared, progress: Progress, inputs: list[Source] | None, plan_fixes: bool
) -> tuple[RunResult, list[str], Suppressor]:
    from kubelint.dispatch import Engine
    from kubelint.findings import RunResult
    from kubelint.options import usable_cores
    from kubelint.render import RenderError, render_all
    from kubelint.sources import Skipped
    from kubelint.suppress import Suppressor

    settings = prep.eff.flags
    paths = prep.eff.paths
    jobs = settings.jobs if settings.jobs is not None else usable_cores()
    if jobs < 1:
        raise RunError(f"--jobs must be at least 1, got {jobs}")
    sources, skipped, errors = gather(prep, progress)
    try:
        sources, more_skipped, render_errors, render_notes = render_all(
            replace(settings.render_options(), jobs=jobs), paths, sources
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
        reason = _exclusion(prep, source) if source.mapper is not None else None
        if reason is not None:  # a rendered file: its own exclusion is judged on its path
            skipped.append(Skipped(source.name, reason))
        else:
            kept.append(source)
    if inputs is not None:
        inputs.extend(kept)
    suppressor = Suppressor(
        prep.config.exemptions,
        foreign=prep.eff.foreign_suppressions,
        known_rules=prep.catalog.rules,
    )
    for ex in suppressor.expired:
        err(f"{ex.origin}: exemption expired on {ex.expires} and no longer applies ({ex.reason})")
    engine = Engine(prep.active, prep.options, suppressor)
    if RETAINED is not None:
        RETAINED.append(engine)
        engine.keep = RETAINED
    if plan_fixes:
        engine.fix_planner = _fix_planner(prep)
    result = RunResult(skipped=list(skipped))
    progress.start_lint([s.name for s in kept])
    with gc_paused():
        if jobs > 1 and len(kept) > 1:  # (one file or one process: never split)
            from kubelint import parallel

            parallel.run(engine, kept, result, jobs, progress=progress)
        else:
            engine.run(kept, result, progress=progress)
    progress.close()
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
        from kubelint.suppress import Suppression

        entry = Suppression(
            "baseline", f"listed in the baseline {settings.baseline}", settings.baseline
        )
        result.baselined_findings = [(f, entry) for f in covered]
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
    from kubelint.reporters import ReportOptions
    from kubelint.terminal import stdout_options

    _reconfigure_streams()
    if settings.list_files:
        return list_files(settings)
    prep = prepare(settings)
    fix_failed = False
    if settings.fix:  # `lint --fix`: fix the files, then lint them again for the report
        from kubelint.fix.command import fix_files

        fix_failed = fix_files(prep, "write", settings.unsafe_fixes, report=False) == 2
    inputs: list[Source] = []
    # Machine reports carry the edits of each fix themselves.
    stdout_format = _stdout_format(prep)
    formats = (stdout_format, *(fmt for fmt, _ in prep.reports))
    show_fixes = "json" in formats or "sarif" in formats
    result, errors, suppressor = run(prep, inputs, plan_fixes=show_fixes)
    if RETAINED is not None:
        RETAINED.append((prep, result, inputs))
    if show_fixes:
        with gc_paused():
            _report_fixes(prep, result, inputs)
    if fix_failed:
        errors.append("some fixes could not be written")
    result.errors[:0] = errors  # input and render errors first: every report says the run failed
    for message in result.errors:
        err(message)

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
    if not settings.silent:
        try:
            if settings.statistics:
                _write_statistics(prep, result)
            else:
                reporters[stdout_format](sys.stdout, stdout_options(settings)).report(result)
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
    _notices(prep, result, suppressor)  # after the report: the last thing on a terminal
    code = exit_code(result, prep.eff.fail_on, bool(result.errors) or write_failed)
    if settings.fail_if_empty and result.objects == 0:
        err("no Kubernetes objects found to lint (--fail-if-empty)")
        code = 2
    return 0 if settings.exit_zero and code == 1 else code


def _notices(prep: Prepared, result: RunResult, suppressor: Suppressor) -> None:
    """Notices, skip lists and unused suppressions on stderr (not with --quiet/--silent)."""
    from kubelint.lib.schemas import not_validated_summary
    from kubelint.terminal import chatty

    settings = prep.eff.flags
    if not chatty(settings):
        return
    for message in result.notices:
        err(message)
    for message in suppressor.warnings():
        err(f"warning: {message}")
    if result.not_validated and _stdout_format(prep) == "text" and not settings.statistics:
        err(not_validated_summary(result.not_validated))
    if settings.verbose:
        for s in result.skipped:
            sys.stderr.write(f"skipped {s.name}: {s.reason}\n")
    if settings.report_unused_suppressions:
        for unused in suppressor.unused():
            err(f"unused suppression: {unused}")


def _write_statistics(prep: Prepared, result: RunResult) -> None:
    from kubelint.terminal import write_statistics

    summaries = {rid: spec.summary for rid, spec in prep.catalog.rules.items()}
    fmt = "json" if _stdout_format(prep) == "json" else "text"
    write_statistics(sys.stdout, result, fmt, summaries)


def list_files(settings: Settings) -> int:
    """``kubelint lint --list-files``: the files a run would read, one per line (after
    .gitignore and exclude), on stdout; exit 2 when a path cannot be read."""
    prep = prepare(settings)
    sources, _skipped, errors = gather(prep)
    for message in errors:
        err(message)
    for source in sources:
        sys.stdout.write(f"{source.name}\n")
    sys.stdout.flush()
    return 2 if errors else 0


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
