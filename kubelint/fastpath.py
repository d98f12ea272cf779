"""``kubelint lint`` without the typer layer: the start-up path of pre-commit hooks and editors.

Importing typer (with its vendored click) costs about 1.6× importing ruamel.yaml, more than
everything else a one-file lint needs beyond the interpreter. ``kubelint lint …`` is therefore
parsed here with argparse, from the same single declaration of options that cli.py gives typer
(kubelint/settings.py), so the two cannot drift apart (tests/test_fastpath.py compares them
flag by flag). Whenever this parser is not certain (``--help``, an unknown or malformed option,
a value that looks like an option, any parse error) it steps aside and typer handles the
command line, with typer's own messages. typer stays the definition of the command line:
help, the other commands and every error message come from it.
"""

from __future__ import annotations

import functools
import typing
from typing import Any

from kubelint.settings import LINT, Settings, SettingsError, flags


class _Unsure(Exception):
    """The fast parser steps aside: typer parses this command line."""


def _parser() -> Any:
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> typing.NoReturn:
            raise _Unsure(message)

    parser = Parser(prog="kubelint lint", add_help=False, allow_abbrev=False)
    hints = typing.get_type_hints(Settings)
    for f, fl in flags():
        if LINT not in fl.commands:
            continue
        hint = hints[f.name]
        many = typing.get_origin(hint) is list
        if fl.argument:
            parser.add_argument(f.name, nargs="*", default=[])
            continue
        if len(fl.decls) == 1 and "/" in fl.decls[0]:  # --complete/--no-complete
            on, off = fl.decls[0].split("/")
            parser.add_argument(on, dest=f.name, action="store_const", const=True, default=None)
            parser.add_argument(off, dest=f.name, action="store_const", const=False)
            continue
        base = typing.get_args(hint)[0] if typing.get_origin(hint) is not None else hint
        if many:
            parser.add_argument(*fl.decls, dest=f.name, action="append", default=[])
        elif base is bool:
            parser.add_argument(*fl.decls, dest=f.name, action="store_true", default=f.default)
        else:
            kind = int if int in (base, *typing.get_args(hint)) else str
            parser.add_argument(*fl.decls, dest=f.name, type=kind, default=f.default)
    return parser


def parse_lint(args: list[str]) -> Settings | None:
    """The Settings of ``kubelint lint ARGS``, or None when typer should parse them."""
    if any(a in ("--help", "-h") for a in args):
        return None
    for i, arg in enumerate(args):  # an option value that looks like an option: typer decides
        if arg == "--":
            break
        if arg.startswith("-") and arg != "-" and i + 1 < len(args):
            nxt = args[i + 1]
            if nxt.startswith("-") and nxt != "-" and "=" not in arg and not _is_flag(arg):
                return None
    # `--` ends option parsing: whatever follows is a path, even `--baseline=b.yaml` (the
    # pre-commit hook passes file names after it). parse_intermixed_args does not honour `--`
    # itself, so the command line is split here.
    head, tail = (
        (args[: args.index("--")], args[args.index("--") + 1 :])
        if "--" in args
        else (
            args,
            [],
        )
    )
    try:
        namespace = _parser().parse_intermixed_args(head)
    except (_Unsure, ValueError, TypeError):
        return None
    values = vars(namespace)
    if tail:
        positional = next(f.name for f, fl in flags() if LINT in fl.commands and fl.argument)
        values[positional] = [*(values.get(positional) or []), *tail]
    return Settings.from_flags(values)


def _is_flag(option: str) -> bool:
    """Whether ``option`` takes no value (a boolean flag)."""
    return option in _flag_names()


@functools.cache
def _flag_names() -> frozenset[str]:
    hints = typing.get_type_hints(Settings)
    names: set[str] = set()
    for f, fl in flags():
        if hints[f.name] in (bool, bool | None):
            names.update(n for d in fl.decls for n in d.split("/"))
    return frozenset(names)


def run_lint(settings: Settings) -> int:
    """``kubelint lint`` for parsed settings: the exit code (as the typer command gives it)."""
    from kubelint.runner import RunError, err, lint

    try:
        return lint(settings)
    except (RunError, SettingsError) as exc:
        err(str(exc))  # every line prefixed (configuration errors come several at once)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the command line layer reports internal errors its own way
        from kubelint import cli

        report = getattr(cli, "_internal_error", None)
        if report is None:
            raise
        report(exc)
        return 2
