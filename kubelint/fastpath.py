"""``kubelint lint`` without the typer layer: the start-up path of pre-commit hooks and editors.

Importing typer (with its vendored click) costs about 1.6× importing ruamel.yaml, more than
everything else a one-file lint needs beyond the interpreter. ``kubelint lint …`` is therefore
parsed here with argparse, from the same single declaration of options that cli.py gives typer
(kubelint/settings.py), so the two cannot drift apart (tests/test_fastpath.py compares them
flag by flag). The everyday command line (known options, each value in the next argument or
after ``=``, paths) is read by a plain scanner over the same option table, which leaves anything
else to argparse (tests/test_fastpath.py checks that the two agree), so that argparse itself is
not imported on every start. Whenever these parsers are not certain (``--help``, an unknown or
malformed option, a value that looks like an option, any parse error) they step aside and typer
handles the command line, with typer's own messages. typer stays the definition of the command
line: help, the other commands and every error message come from it.
"""

from __future__ import annotations

import functools
import typing
from typing import Any

from kubelint.settings import LINT, Settings, SettingsError, flags


class _Unsure(Exception):
    """The fast parser steps aside: typer parses this command line."""


class _Option:
    """One lint option as both parsers read it (from its Settings field)."""

    __slots__ = ("action", "decls", "default", "dest", "kind")

    def __init__(self, dest: str, decls: tuple[str, ...], action: str, default: Any, kind: type):
        self.dest = dest
        self.decls = decls  # option strings; for "toggle": (the on form, the off form)
        self.action = action  # "paths", "toggle", "append", "flag" or "value"
        self.default = default
        self.kind = kind  # int or str: what a "value" or "append" option converts to


@functools.cache
def _options() -> tuple[_Option, ...]:
    out: list[_Option] = []
    hints = typing.get_type_hints(Settings)
    for f, fl in flags():
        if LINT not in fl.commands:
            continue
        hint = hints[f.name]
        base = typing.get_args(hint)[0] if typing.get_origin(hint) is not None else hint
        kind = int if int in (base, *typing.get_args(hint)) else str
        if fl.argument:
            out.append(_Option(f.name, (), "paths", [], str))
        elif len(fl.decls) == 1 and "/" in fl.decls[0]:  # --complete/--no-complete
            on, off = fl.decls[0].split("/")
            out.append(_Option(f.name, (on, off), "toggle", None, bool))
        elif typing.get_origin(hint) is list:
            out.append(_Option(f.name, fl.decls, "append", [], kind))
        elif base is bool:
            out.append(_Option(f.name, fl.decls, "flag", f.default, bool))
        else:
            out.append(_Option(f.name, fl.decls, "value", f.default, kind))
    return tuple(out)


def _parser() -> Any:
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> typing.NoReturn:
            raise _Unsure(message)

    parser = Parser(prog="kubelint lint", add_help=False, allow_abbrev=False)
    for o in _options():
        if o.action == "paths":
            parser.add_argument(o.dest, nargs="*", default=[])
        elif o.action == "toggle":
            on, off = o.decls
            parser.add_argument(on, dest=o.dest, action="store_const", const=True, default=None)
            parser.add_argument(off, dest=o.dest, action="store_const", const=False)
        elif o.action == "append":
            parser.add_argument(*o.decls, dest=o.dest, action="append", default=[])
        elif o.action == "flag":
            parser.add_argument(*o.decls, dest=o.dest, action="store_true", default=o.default)
        else:
            parser.add_argument(*o.decls, dest=o.dest, type=o.kind, default=o.default)
    return parser


def _scan(args: list[str]) -> dict[str, Any] | None:
    """The values argparse's ``parse_intermixed_args`` gives for ``args`` when they are plain
    (known options written in full, a value in the next argument or after ``=``, paths);
    None for anything else, which argparse then reads."""
    options = _options()
    values: dict[str, Any] = {
        o.dest: list(o.default) if isinstance(o.default, list) else o.default for o in options
    }
    by_name: dict[str, tuple[_Option, Any]] = {}
    for o in options:
        if o.action == "toggle":
            by_name[o.decls[0]], by_name[o.decls[1]] = (o, True), (o, False)
        else:
            by_name.update((name, (o, None)) for name in o.decls)
    paths = next(o.dest for o in options if o.action == "paths")
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "-" or not arg.startswith("-"):
            values[paths].append(arg)
            continue
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        found = by_name.get(name)
        if found is None:
            return None
        o, const = found
        if o.action in ("flag", "toggle"):
            if eq:
                return None
            values[o.dest] = True if o.action == "flag" else const
            continue
        if not eq:
            if i == len(args) or (args[i].startswith("-") and args[i] != "-"):
                return None
            value = args[i]
            i += 1
        try:
            converted = o.kind(value)
        except ValueError:
            return None
        if o.action == "append":
            values[o.dest].append(converted)
        else:
            values[o.dest] = converted
    return values


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
    values = _scan(head)
    if values is None:
        try:
            values = vars(_parser().parse_intermixed_args(head))
        except (_Unsure, ValueError, TypeError):
            return None
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
