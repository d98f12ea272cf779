"""The loader: YAML 1.1 values as Kubernetes reads them, exact positions, robustness limits."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import pytest

from kubelint.loader import MAX_DEPTH, decode, load_text, resolve_plain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("Yes", True),
        ("on", True),
        ("ON", True),
        ("y", True),
        ("no", False),
        ("off", False),
        ("n", False),
        ("true", True),
        ("False", False),
        ("", None),
        ("~", None),
        ("null", None),
        ("NULL", None),
        ("0644", 420),
        ("0o17", 15),
        ("0x1F", 31),
        ("0b101", 5),
        ("-0x10", -16),
        ("+12", 12),
        ("1_000", 1000),
        ("42", 42),
        ("1.0", 1.0),
        ("1e3", 1000.0),
        ("1.5E-2", 0.015),
        (".5", 0.5),
        ("1.", 1.0),
        ("09", 9.0),
        ("2001-12-14", "2001-12-14"),
        ("2001-12-14T21:59:43Z", "2001-12-14T21:59:43Z"),
        ("1:20", "1:20"),
        ("nginx", "nginx"),
        ("500m", "500m"),
        ("1Gi", "1Gi"),
        ("0.5Gi", "0.5Gi"),
        ("Yes please", "Yes please"),
        ("-", "-"),
        ("+", "+"),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("v1", "v1"),
        ("9223372036854775807", 9223372036854775807),
    ],
)
def test_plain_scalars_resolve_like_kubernetes(text: str, expected: object) -> None:
    value = resolve_plain(text)
    assert value == expected
    assert type(value) is type(expected)


def test_quoted_and_tagged_scalars_stay_strings() -> None:
    doc = load_text("a: 'yes'\nb: \"0644\"\nc: !!str 12\nd: !!int '12'\n").documents[0]
    assert doc.data == {"a": "yes", "b": "0644", "c": "12", "d": 12}


def test_positions_of_keys_values_and_items() -> None:
    text = textwrap.dedent(
        """\
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          labels:
            app.kubernetes.io/name: web
        spec:
          containers:
            - name: web
              image: nginx
              resources: {}
            -   name: sidecar
        """
    )
    index = load_text(text).documents[0].positions
    # A present scalar points at its value.
    assert index.locate("/spec/containers/0/image") == (10, 14, True)
    # A present mapping/sequence points at its key.
    assert index.locate("/spec/containers") == (8, 3, True)
    assert index.locate("/spec/containers/0/resources") == (11, 7, True)
    # An absent field points at its nearest existing ancestor's key.
    assert index.locate("/spec/containers/0/resources/limits/memory") == (11, 7, False)
    # A list item's position is its first key, on the `- ` line.
    assert index.locate("/spec/containers/1/image") == (12, 9, False)
    assert index.locate("/spec/containers/0") == (9, 7, True)
    # Keys with "/" are escaped in pointers.
    assert index.locate("/metadata/labels/app.kubernetes.io~1name") == (6, 29, True)
    assert index.locate("/metadata/labels/app.kubernetes.io~1name", at="key") == (6, 5, True)
    assert index.locate("/kind", at="key") == (2, 1, True)


def test_columns_count_code_points() -> None:
    index = load_text("data:\n  café: 🚀x\n").documents[0].positions
    assert index.locate("/data/café") == (2, 9, True)


def test_multi_document_lines_and_empty_documents() -> None:
    result = load_text("a: 1\n---\n---\n# comment\nb: 2\n...\n---\nc: 3\n")
    data = [d.data for d in result.documents]
    assert data == [{"a": 1}, None, {"b": 2}, {"c": 3}]
    assert result.documents[3].positions.locate("/c") == (8, 4, True)


def test_syntax_error_keeps_other_documents() -> None:
    text = "a: 1\n---\nb: [1, 2\n---\nc: 3\n---\nd: {\n"
    result = load_text(text)
    assert [d.data for d in result.documents] == [{"a": 1}, {"c": 3}]
    assert [(p.rule, p.line) for p in result.problems] == [
        ("yaml-syntax-error", 4),
        ("yaml-syntax-error", 8),
    ]


def test_duplicate_keys_are_reported_at_the_second_key() -> None:
    doc = load_text("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n").documents[0]
    assert doc.data == {"a": 3, "b": {"c": 2}}
    assert [(p.rule, p.line, p.column, p.path) for p in doc.problems] == [
        ("duplicate-key", 4, 3, "/b/c"),
        ("duplicate-key", 5, 1, "/a"),
    ]


def test_merge_keys_and_aliases() -> None:
    text = "base: &b {x: 1, z: 2}\nm:\n  <<: *b\n  z: 3\ncopy: *b\n"
    doc = load_text(text).documents[0]
    assert doc.data["m"] == {"x": 1, "z": 3}
    assert doc.data["copy"] == {"x": 1, "z": 2}
    assert not doc.problems
    # Fields inside an alias point at the alias.
    assert doc.positions.locate("/copy/x") == (5, 1, False)


def test_bom_and_utf16_are_decoded() -> None:
    assert decode(b"\xef\xbb\xbfa: 1\n")[0] == "a: 1\n"
    assert decode("a: 1\n".encode("utf-16"))[0] == "a: 1\n"
    text, problem = decode(b"a: caf\xe9\n")
    assert text is None and problem is not None
    assert problem.rule == "yaml-syntax-error" and problem.line == 1 and problem.column == 7
    assert "utf-8" in problem.message and "0xe9" in problem.message


def test_json_documents_load_with_positions() -> None:
    doc = load_text('{\n  "kind": "Pod",\n  "spec": {"containers": [{"image": "nginx"}]}\n}\n')
    d = doc.documents[0]
    assert d.data["spec"]["containers"][0]["image"] == "nginx"
    assert d.positions.locate("/spec/containers/0/image") == (3, 37, True)


def test_alias_bomb_is_stopped() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    prev = "a"
    for name in "bcdefghijk":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
        prev = name
    result = load_text("\n".join(lines) + "\nnext: 1\n---\nb: 1\n")
    assert [d.data for d in result.documents] == [{"b": 1}]
    assert [(p.rule, p.line) for p in result.problems] == [("input-limit", 7)]


def test_deep_nesting_is_stopped_in_document_only() -> None:
    text = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n---\nb: 1\n"
    result = load_text(text)
    assert [d.data for d in result.documents] == [{"b": 1}]
    assert [(p.rule, p.line) for p in result.problems] == [("input-limit", 1)]


@pytest.mark.parametrize("shape", ["flow", "block"])
def test_extreme_nesting_does_not_crash_the_process(shape: str) -> None:
    # libyaml's composer overflows the C stack near 100,000 levels; the loader must not.
    depth = 200_000
    payload = ("[" * depth + "]" * depth) if shape == "flow" else ("- " * depth + "x")
    code = (
        "import sys\nfrom kubelint.loader import load_text\n"
        "r = load_text(sys.stdin.read())\n"
        "print(r.problems[0].rule)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], input=payload, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "input-limit"


def test_yaml11_boolean_keys_become_strings_as_in_kubernetes() -> None:
    # go-yaml v2 resolves an unquoted `y`/`on` key to a boolean; sigs.k8s.io/yaml then
    # turns it into the JSON key "true".
    assert load_text("on: 1\n'y': 2\n").documents[0].data == {"true": 1, "y": 2}


def test_complex_keys_are_flagged() -> None:
    doc = load_text("labels:\n  cell: {{cell}}\n").documents[0]
    assert doc.complex_keys


def test_bad_character_check_agrees_with_the_pattern() -> None:
    """The fast check of ASCII text finds exactly the characters the pattern matches."""
    from kubelint.loader import _BAD_CHAR_RE, has_bad_characters

    for code in [*range(0x100), 0x2028, 0xD800, 0xDC80, 0xFFFE, 0xFFFF, 0x1F600]:
        for text in (chr(code), f"a: b\n{chr(code)}\n", f"é {chr(code)}"):
            assert has_bad_characters(text) == bool(_BAD_CHAR_RE.search(text)), (code, text)


# --- text scans: document markers and template lines -------------------------------------------

_MARKER_TEXTS = [
    "",
    "---",
    "--- \n",
    "---\na: 1\n---\nb: 2\n",
    "a: 1\n--- # c\nb: 2\n---\t\n---",
    "a: |\n  ---\n----\n--- x\n---x\n ---\n---\r\nc: 3\n",
    "\n\n---\n\n---",
    "x---\n---\n",
]


@pytest.mark.parametrize("text", _MARKER_TEXTS)
def test_doc_starts_finds_what_the_marker_pattern_finds(text: str) -> None:
    """The fast search gives exactly the matches of DOC_START_RE, from any position."""
    from kubelint.loader import DOC_START_RE, doc_starts

    for pos in range(len(text) + 1):
        expected = [m.start() for m in DOC_START_RE.finditer(text, pos)]
        assert list(doc_starts(text, pos)) == expected, (text, pos)


_TEMPLATE_TEXTS = [
    ("a: 1\n", False),
    ("a: '{{ .Values.x }}'\n", False),
    ("{{ if .x }}\na: 1\n", True),
    ("a: 1\n  {{- end }}\n", True),
    ("items:\n  - {{ .Values.x }}\n", True),
    ("items:\n  -{{ .x }}\n", False),  # no blank after the dash: a plain scalar "-{{ .x }}"
    ("a: b {{ x }}\n\t- \t{{ y }}", True),
    ("a: {{{{\nb: x{{\n", False),
    ("- - {{ x }}\n", False),
    ("  -  {{", True),
]


@pytest.mark.parametrize(("text", "expected"), _TEMPLATE_TEXTS)
def test_template_lines(text: str, expected: bool) -> None:
    import re

    from kubelint.loader import has_template_line

    pattern = re.compile(r"^[ \t]*(?:-[ \t]+)?\{\{", re.MULTILINE)
    assert (pattern.search(text) is not None) == expected
    assert has_template_line(text) == expected


def test_template_scan_reads_a_hostile_line_once() -> None:
    """A megabyte line of ``{`` after other text: each line is looked at once (a scan that
    looked back from every ``{{`` would take hours here)."""
    from kubelint.loader import has_template_line

    line = " " * 500_000 + "x" + "{" * 500_000
    assert not has_template_line(line + "\n" + line)
    assert has_template_line(line + "\n  {{ end }}")
