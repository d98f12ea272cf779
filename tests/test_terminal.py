"""Terminal output as people see it, run in a real pseudo-terminal: colour and layout are
separate decisions, text wraps at the terminal width with the caret under the right column,
findings on one source line share a snippet, notices come after the summary, --quiet/--silent,
--statistics and the progress display."""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

EXE = str(Path(sys.executable).with_name("kubelint"))
ESC = "\x1b"
ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
DEMO = "fixtures/demo"


@dataclass
class Out:
    code: int
    stdout: str
    stderr: str


def run(
    *args: str,
    tty: bool = True,
    stderr_tty: bool = False,
    columns: int = 120,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
) -> Out:
    """Run the real executable with stdout (and optionally stderr) on a pty ``columns`` wide.
    With ``stderr_tty`` both streams share the pty (as on a real terminal) and ``stdout``
    holds what the screen got."""
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "TERM")}
    full_env = {**base, "TERM": "xterm-256color", **(env or {})}
    if not tty:
        proc = subprocess.run(
            [EXE, *args], capture_output=True, text=True, env=full_env, cwd=cwd, check=False
        )
        return Out(proc.returncode, proc.stdout, proc.stderr)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    popen = subprocess.Popen(
        [EXE, *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave if stderr_tty else subprocess.PIPE,
        env=full_env,
        cwd=cwd,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    err = popen.stderr.read().decode() if popen.stderr else ""
    popen.wait()
    screen = b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")
    return Out(popen.returncode, screen, err)


def plain(text: str) -> str:
    return ANSI_RE.sub("", text)


# --- colour and layout are separate ----------------------------------------------------------


def test_terminal_gets_the_grouped_layout_in_colour() -> None:
    out = run("lint", DEMO)
    assert out.code == 1
    assert ESC in out.stdout
    lines = plain(out.stdout).splitlines()
    assert lines[0] == "fixtures/demo/deployment.yaml"
    assert "      55 |         - name: cache-warmer" in lines
    summary = next(n for n, line in enumerate(lines) if line.startswith("1 error, 15 warnings"))
    assert " ".join(lines[summary:]).startswith(
        "1 error, 15 warnings, 0 info in 9 objects from 5 files; 4 fixable with `kubelint fix`"
    )  # the summary is last, wrapped at a word


@pytest.mark.parametrize(
    ("args", "env"),
    [((), {"NO_COLOR": "1"}), (("--color", "never"), {}), ((), {"TERM": "dumb"})],
    ids=["NO_COLOR", "color-never", "TERM-dumb"],
)
def test_no_colour_keeps_the_layout_without_any_escape_code(
    args: tuple[str, ...], env: dict[str, str]
) -> None:
    coloured = run("lint", DEMO)
    out = run("lint", DEMO, *args, env=env)
    assert out.code == 1
    assert ESC not in out.stdout  # not even bold, dim, italic or underline
    assert out.stdout == plain(coloured.stdout)


def test_a_pipe_gets_plain_lines_whatever_color_says() -> None:
    piped = run("lint", DEMO, tty=False)
    coloured = run("lint", DEMO, "--color", "always", tty=False)
    assert ESC not in piped.stdout
    assert piped.stdout.splitlines()[0].startswith("fixtures/demo/deployment.yaml:55:11: warning ")
    assert ESC in coloured.stdout
    assert plain(coloured.stdout) == piped.stdout
    first = coloured.stdout.splitlines()[0]
    assert first.startswith("\x1b[1mfixtures/demo/deployment.yaml:55:11:\x1b[0m \x1b[33mwarning")


def test_format_full_and_concise_choose_the_layout() -> None:
    full_piped = run("lint", DEMO, "--format", "full", tty=False, env={"COLUMNS": "120"})
    on_terminal = run("lint", DEMO, "--color", "never", columns=120)
    assert full_piped.stdout == on_terminal.stdout
    concise_tty = run("lint", DEMO, "--format", "concise", "--color", "never")
    assert concise_tty.stdout == run("lint", DEMO, tty=False).stdout


# --- width, wrapping and carets --------------------------------------------------------------

LONG = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
    - {{name: web, securityContext: {{privileged: true}}, image: "{image}"}}
"""


def caret_targets(screen: str) -> list[tuple[str, str]]:
    """(source row, the text from the caret on) for each snippet and caret line."""
    lines = plain(screen).splitlines()
    out = []
    for n, line in enumerate(lines[:-1]):
        if re.match(r"^ {4}[ \d]{4} \| ", line) and set(lines[n + 1]) == {"^", " "}:
            for m in re.finditer(r"\^", lines[n + 1]):
                out.append((line, line[m.start() :]))
    return out


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_output_fits_the_width_and_carets_point_at_the_value(columns: int, tmp_path: Path) -> None:
    image = "registry.example.com/a/very/long/path/to/the/image/of/the/web/server:latest"
    (tmp_path / "pod.yaml").write_text(LONG.format(image=image), encoding="utf-8")
    args = ("lint", "pod.yaml", "--only", "latest-tag,privileged-container", "--color", "never")
    out = run(*args, columns=columns, cwd=tmp_path)
    table_rows = False
    for line in out.stdout.splitlines():
        table_rows = table_rows or "Findings by rule" in line
        assert len(line) <= columns, line
        assert line == line.rstrip() or table_rows, repr(line)
    targets = caret_targets(out.stdout)
    assert len({row for row, _ in targets}) == 1  # one source line: one snippet, two carets
    privileged, image_value = sorted((t for _, t in targets), key=len, reverse=True)
    assert privileged.startswith("true}")  # 8:49 privileged: true
    assert image_value.startswith('"regis')  # 8:63 the image value (cut at the edge)


def test_columns_variable_sets_the_width() -> None:
    out = run("lint", DEMO, "--color", "never", columns=120, env={"COLUMNS": "50"})
    assert max(len(line) for line in out.stdout.splitlines()) <= 50
    assert any(line.startswith(" " * 16) for line in out.stdout.splitlines())  # hanging indent


def test_a_caret_beyond_the_width_shifts_the_line(tmp_path: Path) -> None:
    pad = "x" * 150
    (tmp_path / "cm.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\n"
        f'spec: {{containers: [{{name: "{pad}", image: "nginx:latest"}}]}}\n',
        encoding="utf-8",
    )
    out = run("lint", "cm.yaml", "--only", "latest-tag", "--color", "never", cwd=tmp_path)
    [(row, target)] = caret_targets(out.stdout)
    assert row.startswith("       4 | …")
    assert target.startswith('"nginx:latest"')


def test_findings_on_one_line_share_one_snippet() -> None:
    out = plain(run("lint", DEMO, "--color", "never").stdout).splitlines()
    assert out.count("      55 |         - name: cache-warmer") == 1
    at = out.index("      55 |         - name: cache-warmer")
    headers = [line for line in out[:at] if line.startswith("  55:11 warning ")]
    assert len(headers) == 5
    assert out[at + 1] == " " * 21 + "^"


# --- notices, quiet, silent ------------------------------------------------------------------

CRD_OBJECT = """\
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers: [{name: web, image: "nginx:latest"}]
"""


def test_notices_print_after_the_summary(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(CRD_OBJECT, encoding="utf-8")
    args = ("--only", "latest-tag,schema-invalid", "--color", "never")
    out = run("lint", "w.yaml", *args, stderr_tty=True, cwd=tmp_path)
    lines = plain(out.stdout).splitlines()
    summary = next(n for n, line in enumerate(lines) if line.startswith("0 errors, 1 warning"))
    notice = next(n for n, line in enumerate(lines) if "not validated" in line)
    assert notice > summary


def test_quiet_prints_the_findings_only(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(CRD_OBJECT, encoding="utf-8")
    args = ("lint", "w.yaml", "--only", "latest-tag,schema-invalid")
    out = run(*args, "-q", tty=False, cwd=tmp_path)
    assert out.code == 1
    assert out.stdout == (
        'w.yaml:9:35: warning latest-tag container "web" image "nginx:latest" uses the "latest"'
        " tag; pin a version or digest\n"
    )
    assert out.stderr == ""
    terminal = run(*args, "--quiet", "--color", "never", stderr_tty=True, cwd=tmp_path)
    assert "Findings by rule" not in terminal.stdout
    assert "not validated" not in terminal.stdout
    assert "0 errors" not in terminal.stdout
    assert "w.yaml" in terminal.stdout


def test_silent_prints_nothing_but_errors(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(CRD_OBJECT, encoding="utf-8")
    out = run("lint", "w.yaml", "-s", tty=False, cwd=tmp_path)
    assert (out.code, out.stdout, out.stderr) == (1, "", "")
    missing = run("lint", "nope.yaml", "--silent", tty=False, cwd=tmp_path)
    assert missing.code == 2
    assert missing.stdout == ""
    assert "kubelint: nope.yaml: no such file or directory" in missing.stderr


# --- statistics ------------------------------------------------------------------------------


def test_statistics_counts_by_rule(in_root: Path) -> None:
    out = run(
        "lint", DEMO, "--statistics", "--only", "latest-tag,rbac-wildcard,run-as-root", tty=False
    )
    assert out.code == 1
    assert out.stdout.splitlines() == [
        "2\tlatest-tag   \twarning\tContainer image is not pinned to a version (no tag, or the"
        ' "latest" tag).',
        '1\trbac-wildcard\twarning\tRBAC rule grants "*" in verbs, resources or apiGroups.',
        "1\trun-as-root  \twarning\tContainer may run as root (UID 0).",
    ]


def test_statistics_marks_fixable_rules_and_has_json(in_root: Path) -> None:
    only = ("--only", "latest-tag,missing-seccomp-profile")
    text = run("lint", DEMO, "--statistics", *only, tty=False).stdout.splitlines()
    assert [line.split("\t")[3][:4] for line in text] == ["[ ] ", "[*] "]
    data = run("lint", DEMO, "--statistics", "--format", "json", *only, tty=False)
    import json

    assert json.loads(data.stdout) == [
        {
            "rule": "latest-tag",
            "severity": "warning",
            "count": 2,
            "fixable": False,
            "summary": 'Container image is not pinned to a version (no tag, or the "latest" tag).',
        },
        {
            "rule": "missing-seccomp-profile",
            "severity": "warning",
            "count": 1,
            "fixable": True,
            "summary": "Container has no seccomp profile.",
        },
    ]


# --- progress --------------------------------------------------------------------------------


def test_progress_display_names_what_is_read() -> None:
    out = run(
        "lint", "fixtures", "--only", "latest-tag", "--color", "never", "-j", "1",
        stderr_tty=True, env={"KUBELINT_PROGRESS_DELAY": "0"},
    )  # fmt: skip
    screen = out.stdout
    assert "collecting" in screen or "linting" in screen
    assert re.search(r"(collecting|linting) [^\n]*fixtures", plain(screen))


def test_no_progress_when_stderr_is_not_a_terminal_or_quiet() -> None:
    env = {"KUBELINT_PROGRESS_DELAY": "0"}
    piped = run("lint", DEMO, "--color", "never", env=env)
    assert "collecting" not in piped.stderr and "linting" not in piped.stderr
    quiet = run("lint", DEMO, "-q", "--color", "never", stderr_tty=True, env=env)
    assert "collecting" not in quiet.stdout and "linting" not in quiet.stdout


@pytest.mark.parametrize("columns", [60, 120])
def test_caret_counts_wide_characters_as_two_cells(columns: int, tmp_path: Path) -> None:
    (tmp_path / "cjk.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\n"
        'spec: {containers: [{name: "日本語日本語", image: "nginx:latest"}]}\n',
        encoding="utf-8",
    )
    args = ("lint", "cjk.yaml", "--only", "latest-tag", "--color", "never")
    out = run(*args, columns=columns, cwd=tmp_path)
    lines = out.stdout.splitlines()
    row = next(n for n, line in enumerate(lines) if line.startswith("       4 | "))
    caret = lines[row + 1].index("^")
    from rich.cells import cell_len

    source = lines[row]
    # the character under the caret: the one whose cells start at the caret's cell
    at = next(i for i in range(len(source)) if cell_len(source[:i]) == caret)
    assert source[at:].startswith('"nginx:latest"')
    assert all(cell_len(line) <= columns for line in lines)
