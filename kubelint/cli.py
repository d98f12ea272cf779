"""The command line (typer): ``kubelint lint``, ``baseline``, ``config``, ``rules``, ``explain``,
``plugins`` and ``--version``.

This module is the typer layer only. The options of ``lint``, ``baseline create|prune`` and
``config show`` are generated from the one declaration in kubelint/settings.py (a new flag is a
new ``Settings`` field there); the work is done by kubelint/runner.py. Reports go to stdout (or
``--report`` files); logs, notices and errors go to stderr. Exit codes: 0 clean, 1 findings at
or above ``--fail-on``, 2 usage/config/I-O/internal error. Keep module-level imports light: this
module is imported on every start.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import os
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from kubelint import __version__
from kubelint.settings import PANELS, SHOW, Settings, flags


def _plain_coercion() -> None:
    """Coerce kubelint's parameters without pydantic.

    typer 0.29 coerces every parameter value through a pydantic TypeAdapter built on first use:
    importing pydantic and building ~40 adapters costs about as much as the rest of a one-file
    lint. kubelint's parameters are all ``str``, ``bool`` or ``list[str]`` and click already
    hands over values of those types, so such values pass through as they are; anything else
    (and any other typer version) takes typer's own path."""
    try:
        from typer import _coercion
        from typer import core as typer_core
    except ImportError:  # another typer: nothing to avoid
        return
    base: Any = getattr(_coercion, "RuntimeParam", None)
    param_cls: Any = getattr(typer_core, "_TyperParameter", None)
    build: Any = getattr(_coercion, "build_runtime_param", None)
    if base is None or build is None or not hasattr(param_cls, "get_runtime_param"):
        return
    list_str = list[str]

    @dataclasses.dataclass(frozen=True)
    class PlainParam(base):  # type: ignore[misc]
        descriptor: Any = None

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            ann = self.annotation
            if (ann is str and isinstance(value, str)) or (ann is bool and type(value) is bool):
                return value
            if ann is int and type(value) is int:
                return value
            if ann is int and isinstance(value, str) and value.isascii() and value.isdigit():
                return int(value)
            if (
                ann == list_str
                and isinstance(value, (list, tuple))
                and all(isinstance(v, str) for v in value)
            ):
                return list(value)
            return build(self.descriptor)._coerce_value(value, param=param, ctx=ctx)

    original = param_cls.get_runtime_param

    def get_runtime_param(self: Any) -> Any:
        descriptor = getattr(self, "type_descriptor", None)
        if self._runtime_param is None and descriptor is not None:
            ann = descriptor.annotation
            if descriptor.file_annotation is None and (ann in (str, bool, int) or ann == list_str):
                self._runtime_param = PlainParam(
                    parameter_info=descriptor.parameter_info,
                    annotation=ann,
                    descriptor=descriptor,
                )
        return original(self)

    param_cls.get_runtime_param = get_runtime_param


_plain_coercion()


def _argument_metavars() -> None:
    """Show an argument's metavar alone in help (``PATH...``, ``ID``), without the Python type
    typer appends to it (``PATH... <list[str]>``), and usage lines as click writes them
    (``ID``, ``[PATH...]``, not ``{ID}``, ``[PATH...]...``)."""
    from typer import core as typer_core

    cls: Any = getattr(typer_core, "TyperArgument", None)
    original = getattr(cls, "display_type_rich", None)
    if original is None:
        return

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        return None if self.metavar else original(self, ctx)

    cls.display_type_rich = display_type_rich
    if hasattr(cls, "_usage_display_name"):

        def usage_name(self: Any) -> str:  # `ID`, `[FILE]`, `[PATH...]`, as click writes them
            name = self.display_name_raw
            if self.nargs != 1 and not name.endswith("..."):
                name += "..."
            return name if self.required else f"[{name}]"

        cls._usage_display_name = usage_name


_argument_metavars()


def _grouped_options() -> None:
    """Plain help lists options in their help panels (``Output``, ``Rule selection``, …, as
    settings.py groups them) instead of one long ``Options`` list."""
    from typer import core as typer_core

    if not hasattr(typer_core, "_typer_format_options"):
        return

    def format_options(self: Any, *, ctx: Any, formatter: Any) -> None:
        args: list[tuple[str, str]] = []
        panels: dict[str | None, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                args.append(record)
            elif param.param_type_name == "option":
                panels.setdefault(getattr(param, "rich_help_panel", None), []).append(record)
        if args:
            with formatter.section("Arguments"):
                formatter.write_dl(args)
        order = {panel: n for n, panel in enumerate(PANELS)}
        for panel in sorted((p for p in panels if p), key=lambda p: order.get(p, len(order))):
            with formatter.section(panel):
                formatter.write_dl(panels[panel])
        if None in panels:
            with formatter.section("Options"):
                formatter.write_dl(panels[None])

    typer_core._typer_format_options = format_options


_grouped_options()

app = typer.Typer(
    name="kubelint",
    help="Lint Kubernetes manifests: exact file:line:column findings for people and CI.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _err(message: str) -> None:
    for line in message.splitlines() or [""]:
        sys.stderr.write(f"kubelint: {line}\n")


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that carry a message for the user (exit code 2, no traceback)."""
    from kubelint.runner import RunError
    from kubelint.settings import SettingsError

    return (RunError, SettingsError)


def _guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command: a user error prints its message and exits 2; so does an internal error
    (one line; the traceback with KUBELINT_DEBUG=1), whatever --exit-zero says."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except _user_errors() as exc:
            _err(str(exc))
            raise typer.Exit(2) from exc
        except Exception as exc:
            _internal_error(exc)
            raise typer.Exit(2) from exc

    return run


def _internal_error(exc: BaseException) -> None:
    if os.environ.get("KUBELINT_DEBUG", "") not in ("", "0"):
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    detail = str(exc).splitlines()[0] if str(exc) else ""
    where = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    _err(
        f"internal error: {where} (a bug in kubelint or a plugin; "
        "set KUBELINT_DEBUG=1 for the traceback)"
    )


# --- options generated from kubelint/settings.py -------------------------------------------------


def _parameters(command: str) -> list[inspect.Parameter]:
    """The typer parameters of one command, from the Settings declaration."""
    hints = typing.get_type_hints(Settings)
    out = []
    for f, fl in flags():
        if command not in fl.commands:
            continue
        many = typing.get_origin(hints[f.name]) is list
        help_text = fl.help
        if fl.choices:
            help_text = f"{help_text} One of: {', '.join(fl.choices)}."
        info: Any
        if fl.argument:
            info = typer.Argument(help=help_text, metavar=fl.metavar, show_default=False)
        else:
            info = typer.Option(
                *fl.decls,
                help=help_text,
                metavar=fl.metavar,
                rich_help_panel=fl.panel,
                show_default=not many and f.default not in (None, False),
                autocompletion=_completer(f.name, fl.choices),
            )
        annotation: Any = list[str] | None if many else hints[f.name]
        default = None if many else f.default
        out.append(
            inspect.Parameter(
                f.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=default,
                annotation=Annotated[annotation, info],
            )
        )
    return out


def _completer(name: str, choices: tuple[str, ...] | None) -> Any:
    """Shell completion of an option's value: its choices, the rule IDs and categories of
    --enable/--disable/--only, the report formats of --format and --report (None: files)."""
    if choices:

        def choice(incomplete: str) -> list[str]:
            return [c for c in choices if c.startswith(incomplete)]

        return choice
    if name in ("enable", "disable", "only"):

        def rules(incomplete: str) -> list[str]:
            catalog = load_quietly()
            if catalog is None:
                return []
            head, _, last = incomplete.rpartition(",")
            prefix = f"{head}," if head else ""
            names = sorted({*catalog.rules, *(r.category for r in catalog.rules.values())})
            return [prefix + n for n in names if n.startswith(last)]

        return rules
    if name in ("format", "reports"):

        def formats(incomplete: str) -> list[str]:
            catalog = load_quietly()
            names = sorted(catalog.reporters) if catalog is not None else []
            suffix = "=" if name == "reports" else ""
            return [n + suffix for n in names if n.startswith(incomplete)]

        return formats
    return None


def load_quietly() -> Any:
    """The catalogue for shell completion, or None when it cannot be loaded."""
    from kubelint.runner import RunError, load_catalog

    try:
        return load_catalog()
    except RunError:
        return None


def _with_settings(command: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a command the Settings options of ``command`` (after its own parameters) and call
    it with ``settings`` built from them."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        own = [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for p in inspect.signature(fn, eval_str=True).parameters.values()
            if p.name != "settings"
        ]
        setting_params = _parameters(command)
        names = {p.name for p in setting_params}

        @functools.wraps(fn)
        def command_fn(**kwargs: Any) -> Any:
            values = {k: kwargs.pop(k) for k in list(kwargs) if k in names}
            return fn(Settings.from_flags(values), **kwargs)

        params = [*own, *setting_params]
        command_fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command_fn.__annotations__ = {p.name: p.annotation for p in params}
        del command_fn.__wrapped__  # typer must read the generated signature
        return _guarded(command_fn)

    return decorate


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


def _rule_dirs(rules_dir: list[str] | None) -> list[Path]:
    """The configuration's ``customRules`` and ``--rules-dir``: what `lint` would load."""
    from kubelint.effective import load_file_config

    cfg = _guarded(load_file_config)(Settings())
    return [*cfg.custom_rules, *(Path(d) for d in rules_dir or [])]


def _catalog(no_plugins: bool = False, extra_dirs: list[Path] | None = None) -> Any:
    """The rule catalogue; a load error exits 2."""
    from kubelint.runner import load_catalog

    return _guarded(load_catalog)(no_plugins, extra_dirs)


@app.command()
@_with_settings("lint")
def lint(settings: Settings) -> None:
    """Lint manifests and report findings."""
    from kubelint.runner import lint as run_lint

    raise typer.Exit(run_lint(settings))


@app.command("fix")
@_with_settings("fix")
def fix_cmd(settings: Settings) -> None:
    """Fix findings in place: safe fixes, or unsafe ones too with --unsafe-fixes."""
    from kubelint.fix.command import fix_command

    raise typer.Exit(fix_command(settings))


baseline_app = typer.Typer(help="Record current findings and report only new ones later.")
app.add_typer(baseline_app, name="baseline")
config_app = typer.Typer(help="Create or inspect the configuration file.")
app.add_typer(config_app, name="config")


@baseline_app.command("create")
@_with_settings("baseline")
def baseline_create(
    settings: Settings,
    file: Annotated[str, typer.Argument(metavar="FILE", help="Baseline file to write (JSON).")],
) -> None:
    """Lint PATHs and record every finding in FILE (by fingerprint)."""
    from kubelint.baseline import write as write_baseline
    from kubelint.runner import lint_findings

    findings = lint_findings(settings)
    count = write_baseline(Path(file), findings)
    _err(f"wrote {count} findings to {file}")


@baseline_app.command("prune")
@_with_settings("baseline")
def baseline_prune(
    settings: Settings,
    file: Annotated[str, typer.Argument(metavar="FILE", help="Baseline file to prune in place.")],
) -> None:
    """Drop baseline entries that no current finding matches any more."""
    from kubelint.baseline import BaselineError
    from kubelint.baseline import prune as prune_baseline
    from kubelint.baseline import read as read_baseline
    from kubelint.baseline import write_entries as write_baseline_entries
    from kubelint.runner import RunError, lint_findings

    try:
        known = read_baseline(Path(file))
    except BaselineError as exc:
        raise RunError(str(exc)) from exc
    findings = lint_findings(settings)
    kept, dropped = prune_baseline(known, findings)
    write_baseline_entries(Path(file), kept)
    _err(f"kept {len(kept)} entries, dropped {dropped} from {file}")


@config_app.command("init")
def config_init(
    file: Annotated[str, typer.Argument(metavar="FILE", help="Where to write it.")] = (
        ".kubelint.yaml"
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter .kubelint.yaml."""
    from kubelint.config import STARTER

    path = Path(file)
    if path.exists() and not force:
        _err(f"{path} already exists (use --force to overwrite)")
        raise typer.Exit(2)
    path.write_text(STARTER, encoding="utf-8")
    _err(f"wrote {path}")


@config_app.command("show")
@_with_settings(SHOW)
def config_show(settings: Settings) -> None:
    """Print the effective configuration (the file merged with these flags) as a config file."""
    from ruamel.yaml import YAML

    from kubelint.effective import config_document
    from kubelint.runner import effective_settings

    eff = effective_settings(settings)
    if settings.enable or settings.disable:  # comma lists and categories: the rule IDs
        from kubelint.options import UsageError
        from kubelint.runner import RunError
        from kubelint.selection import expand_selectors

        rules = _catalog(settings.no_plugins, eff.rule_dirs).rules
        try:
            settings.enable = expand_selectors(settings.enable, rules)
            settings.disable = expand_selectors(settings.disable, rules)
        except UsageError as exc:
            raise RunError(str(exc)) from exc
    where = str(eff.config.path) if eff.config.path else "no configuration file"
    sys.stdout.write(f"# effective kubelint settings ({where}; paths relative to it)\n")
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    yaml.dump(config_document(eff), sys.stdout)


_RulesDirOpt = Annotated[
    list[str] | None,
    typer.Option("--rules-dir", metavar="DIR", help="Directory of custom rule YAML files."),
]
_NoPluginsOpt = Annotated[
    bool, typer.Option("--no-plugins", help="Do not load third-party plugins.")
]


@app.command("rules")
def rules_cmd(
    format: Annotated[
        str,
        typer.Option("--format", metavar="FORMAT", help="Output format. One of: text, json."),
    ] = "text",
    category: Annotated[
        list[str] | None,
        typer.Option(
            "--category",
            metavar="CATEGORY",
            help="Only rules of this category (repeatable: any of them).",
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", metavar="TAG", help="Only rules with this tag (repeatable: any of them)."
        ),
    ] = None,
    default: Annotated[
        bool | None,
        typer.Option(
            "--default/--opt-in",
            help="Only rules enabled by default, or only opt-in rules.",
            show_default=False,
        ),
    ] = None,
    no_plugins: _NoPluginsOpt = False,
    rules_dir: _RulesDirOpt = None,
) -> None:
    """List every rule with its category, default, severity and fix (safe/unsafe)."""
    from kubelint.fix.spec import fix_kind
    from kubelint.messages import suggest
    from kubelint.ruledocs import RuleQueryError, rule_dict, select

    if format not in ("text", "json"):
        _err(f'unknown format "{format}"{suggest(format, ["text", "json"])} (text, json)')
        raise typer.Exit(2)
    catalog = _catalog(no_plugins, _rule_dirs(rules_dir))
    try:
        specs = select(catalog.rules.values(), category or (), tag or (), default)
    except RuleQueryError as exc:
        _err(str(exc))
        raise typer.Exit(2) from exc
    if format == "json":
        typer.echo(json.dumps([rule_dict(r) for r in specs], indent=2, ensure_ascii=False))
        return
    if not specs:
        typer.echo("no rule matches")
        return
    width = max(len(r.id) for r in specs)
    for r in specs:
        on = "on " if r.default else "off"
        fix = fix_kind(r.raw) or "-"
        typer.echo(
            f"{r.id:<{width}}  {r.category:<15} {on}  {r.severity.value:<7}  {fix:<11}  {r.summary}"
        )
    fixable = sum(1 for r in specs if fix_kind(r.raw))
    typer.echo(f"{fixable} of {len(specs)} rules can fix their findings (`kubelint fix`).")


@app.command()
def explain(
    rule_id: Annotated[str, typer.Argument(metavar="ID", help="Rule ID.")],
    format: Annotated[
        str,
        typer.Option("--format", metavar="FORMAT", help="Output format. One of: text, json."),
    ] = "text",
    no_plugins: _NoPluginsOpt = False,
    rules_dir: _RulesDirOpt = None,
) -> None:
    """Explain a rule: what it checks, why, an example and its fix, options, references."""
    from kubelint.explain import explain_text
    from kubelint.messages import suggest

    if format not in ("text", "json"):
        _err(f'unknown format "{format}"{suggest(format, ["text", "json"])} (text, json)')
        raise typer.Exit(2)
    catalog = _catalog(no_plugins, _rule_dirs(rules_dir))
    spec = catalog.rules.get(rule_id)
    if spec is None:
        _err(f'unknown rule "{rule_id}"{suggest(rule_id, catalog.rules)}')
        raise typer.Exit(2)
    if format == "json":
        from kubelint.ruledocs import rule_dict

        typer.echo(json.dumps(rule_dict(spec), indent=2, ensure_ascii=False))
        return
    typer.echo(explain_text(spec))


@app.command()
def plugins(no_plugins: _NoPluginsOpt = False) -> None:
    """List loaded plugins, with their rule directories and report formats."""
    catalog = _catalog(no_plugins)
    for name in catalog.plugins.names:
        typer.echo(name)
    typer.echo(f"rules: {len(catalog.rules)}  profiles: {', '.join(sorted(catalog.profiles))}")
    typer.echo(f"formats: {', '.join(sorted(catalog.reporters))}")


@app.command()
def server(
    config: Annotated[
        str | None,
        typer.Option("--config", metavar="FILE", help="Configuration file (else discovered)."),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline", metavar="FILE", help="Report only findings not in this baseline."
        ),
    ] = None,
    no_plugins: Annotated[
        bool, typer.Option("--no-plugins", help="Do not load third-party plugins.")
    ] = False,
) -> None:
    """Run the language server (LSP over stdio) for editors: findings as you type."""
    from kubelint.server import ServerUnavailable, serve

    try:
        serve(config=config, baseline=baseline, no_plugins=no_plugins)
    except ServerUnavailable as exc:
        _err(str(exc))
        raise typer.Exit(2) from exc


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds: a report being written is discarded, not cut


def main() -> None:
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    try:
        app(prog_name="kubelint")
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
