"""The server's protocol-free parts: token ranges, suppression edits, lazy imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kubelint.loader import load_text
from kubelint.server.edits import annotation_suppression, comment_suppression
from kubelint.server.ranges import token_range
from tests.conftest import ROOT


def text_of(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    if start[0] == end[0]:
        return lines[start[0]][start[1] : end[1]]
    parts = [lines[start[0]][start[1] :], *lines[start[0] + 1 : end[0]], lines[end[0]][: end[1]]]
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("line", "column", "token"),
    [
        ("image: nginx:latest", 8, "nginx:latest"),
        ("image: nginx:latest   # a comment", 8, "nginx:latest"),
        ('image: "nginx:latest"', 8, '"nginx:latest"'),
        ("image: 'it''s'  # c", 8, "'it''s'"),
        ("  resources:", 3, "resources"),
        ("  - name: web", 5, "name"),
        ("args: [a, b, c]", 7, "[a, b, c]"),
        ("args: [a, b, c]", 11, "b"),
        ("labels: {app: web, tier: db}", 15, "web"),
        ("run: &anchor yes", 6, "&anchor yes"),
        ("script: |-", 9, "|-"),
        ('  "image": "nginx",', 12, '"nginx"'),
        ('  "replicas": 1,', 15, "1"),
        ("hostPath: {path: /var/run/docker.sock}", 18, "/var/run/docker.sock"),
        ("café: thé", 7, "thé"),
    ],
)
def test_token_range(line: str, column: int, token: str) -> None:
    start, end = token_range([line], 1, column)
    assert text_of([line], start, end) == token


def test_multiline_quoted_and_flow_tokens() -> None:
    lines = ['msg: "one', '  two"', "sel: {a: 1,", "  b: 2}"]
    start, end = token_range(lines, 1, 6)
    assert (start, end) == ((0, 5), (1, 6))
    start, end = token_range(lines, 3, 6)
    assert (start, end) == ((2, 5), (3, 7))


def test_json_document_tokens_end_at_commas() -> None:
    assert token_range(["    1,"], 1, 5, flow=True) == ((0, 4), (0, 5))


def test_empty_value_still_gets_a_visible_range() -> None:
    start, end = token_range(["key:"], 1, 5)
    assert end > start or start == (0, 4)


DOC = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: c
      image: nginx  # kubelint: disable=run-as-root
"""


def test_comment_suppression_adds_a_line_above_or_extends_a_comment() -> None:
    lines = DOC.splitlines()
    edit = comment_suppression(lines, 7, "missing-liveness-probe")
    assert edit.start == edit.end == (6, 0)
    assert edit.text == "    # kubelint: disable=missing-liveness-probe\n"
    edit = comment_suppression(lines, 8, "latest-tag")
    assert lines[7][: edit.start[1]] + edit.text + lines[7][edit.end[1] :] == (
        "      image: nginx  # kubelint: disable=run-as-root,latest-tag"
    )


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ("metadata:\n  name: p\n", 'metadata:\n  annotations:\n    kubelint.io/ignore-r: "x"\n'),
        (
            "metadata:\n  annotations:\n    a: b\n  name: p\n",
            'metadata:\n  annotations:\n    kubelint.io/ignore-r: "x"\n    a: b\n',
        ),
        (
            "metadata:\n  annotations: {}\n  name: p\n",
            'metadata:\n  annotations:\n    kubelint.io/ignore-r: "x"\n  name: p\n',
        ),
    ],
)
def test_annotation_suppression(metadata: str, expected: str) -> None:
    text = "apiVersion: v1\nkind: Pod\n" + metadata
    lines = text.splitlines()
    doc = load_text(text).documents[0]
    edit = annotation_suppression(lines, doc.positions, "", "r", "x")
    assert edit is not None
    out = text.splitlines(keepends=True)
    row, col = edit.start
    erow, ecol = edit.end
    new = (
        "".join(out[:row])
        + out[row][:col]
        + edit.text
        + out[erow][ecol:]
        + "".join(out[erow + 1 :])
    )
    assert expected in new
    again = load_text(new).documents[0].data
    assert again["metadata"]["annotations"]["kubelint.io/ignore-r"] == "x"


def test_flow_metadata_gets_no_annotation_edit() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
    doc = load_text(text).documents[0]
    assert annotation_suppression(text.splitlines(), doc.positions, "", "r", "x") is None


def test_lint_does_not_import_the_server() -> None:
    code = (
        "import sys\n"
        "from kubelint.cli import main\n"
        "sys.argv = ['kubelint', 'lint', 'fixtures/latest-tag', '--fail-on', 'never']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'pygls' not in sys.modules and 'lsprotocol' not in sys.modules, 'imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_server_without_pygls_says_how_to_install_it() -> None:
    code = (
        "import sys\n"
        "sys.modules['pygls'] = None\n"
        "from kubelint.cli import main\n"
        "sys.argv = ['kubelint', 'server']\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert "pip install 'kubelint[server]'" in done.stderr
    assert "Traceback" not in done.stderr
