"""The argparse fast path of ``kubelint lint`` (kubelint/fastpath.py) parses every command line
exactly as the typer command does, or steps aside; both come from kubelint/settings.py."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from typer.testing import CliRunner

from kubelint import fastpath
from kubelint.cli import app
from kubelint.settings import LINT, Settings, flags


def _typer_settings(args: list[str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    import kubelint.runner

    seen: list[Settings] = []

    def capture(settings: Settings) -> int:
        seen.append(settings)
        return 0

    monkeypatch.setattr(kubelint.runner, "lint", capture)
    result = CliRunner().invoke(app, ["lint", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert len(seen) == 1
    return seen[0]


def _samples() -> list[list[str]]:
    """One or more command lines per lint flag, generated from the declaration."""
    hints = typing.get_type_hints(Settings)
    out: list[list[str]] = []
    for f, fl in flags():
        if LINT not in fl.commands or fl.argument:
            continue
        hint = hints[f.name]
        names = [n for d in fl.decls for n in d.split("/")]
        if hint in (bool, bool | None):
            out.extend([name] for name in names)
        elif typing.get_origin(hint) is list:
            for name in names:
                out.append([name, "one", name, "two"])
        else:
            value = "3" if int in (hint, *typing.get_args(hint)) else "value"
            for name in names:
                out.append([name, value])
                if name.startswith("--"):
                    out.append([f"{name}={value}"])
    return out


SAMPLES = _samples()
MIXED = [
    [],
    ["a.yaml"],
    ["a.yaml", "--format", "json", "b.yaml", "-v", "c/"],
    ["-", "--stdin-filename", "deploy.yaml"],
    ["--complete", "--no-complete", "x.yaml"],
    ["--enable", "latest-tag", "a.yaml", "--enable", "run-as-root", "--", "-odd.yaml"],
    ["-n", "shop", "-f", "values.yaml", "-j", "2", "chart/"],
]


@pytest.mark.parametrize("args", SAMPLES + MIXED, ids=lambda a: " ".join(a) or "(none)")
def test_fast_path_agrees_with_typer(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fast = fastpath.parse_lint(args)
    assert fast is not None, "the fast path should handle this command line"
    assert fast == _typer_settings(args, monkeypatch)


def test_every_lint_flag_is_sampled() -> None:
    sampled = {a.split("=")[0] for args in SAMPLES for a in args if a.startswith("-")}
    declared = {
        n for _, fl in flags() if LINT in fl.commands for d in fl.decls for n in d.split("/")
    }
    assert declared <= sampled


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["a.yaml", "-h"],
        ["--bogus"],
        ["--namespace", "-x"],
        ["--jobs", "many"],
        ["--format"],
        ["--form", "json"],  # click does not take abbreviations
    ],
)
def test_fast_path_steps_aside_when_unsure(args: list[str]) -> None:
    assert fastpath.parse_lint(args) is None


def test_run_lint_reports_user_errors_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    settings = Settings(paths=[str(tmp_path)], only=["no-such-rule"])
    assert fastpath.run_lint(settings) == 2
    assert 'unknown rule "no-such-rule"' in capsys.readouterr().err


UNUSUAL = [
    ["-qv", "a.yaml"],  # bundled short flags
    ["-j2", "a.yaml"],  # a short option's value attached
    ["-n=shop", "a.yaml"],
    ["--verbose=yes"],
    ["--jobs", "-1"],
    ["--jobs="],
    ["--format=", "a.yaml"],
    ["--namespace", "-"],
    ["-odd name.yaml"],
    ["--complete=1"],
    ["--values"],
]


@pytest.mark.parametrize("args", SAMPLES + MIXED + UNUSUAL, ids=lambda a: " ".join(a) or "(none)")
def test_the_scanner_reads_what_argparse_reads_or_steps_aside(args: list[str]) -> None:
    """The plain scanner that spares argparse's import gives argparse's values, or None."""
    head = args[: args.index("--")] if "--" in args else args
    scanned = fastpath._scan(head)
    try:
        expected: dict[str, Any] | None = vars(fastpath._parser().parse_intermixed_args(head))
    except (fastpath._Unsure, ValueError, TypeError):
        expected = None
    if args in SAMPLES or args in MIXED:
        assert scanned is not None, "the scanner should read this command line"
    if scanned is not None:
        assert scanned == expected
