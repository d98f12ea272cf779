"""Loader robustness on hostile input (../shared/cases/hardening R10-R14, copied here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubelint.loader import MAX_DEPTH, MAX_DOCUMENTS, load_bytes, load_text, resolve_plain
from tests.conftest import run_cli

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
    - name: c
      image: nginx
"""


def _lint(tmp_path: Path, data: bytes, *rules: str) -> list[tuple[int, int, str, str]]:
    path = tmp_path / "t.yaml"
    path.write_bytes(data)
    args = [a for r in rules for a in ("--only", r)]
    run = run_cli("lint", str(path), "--format", "json", *args)
    assert run.exit_code in (0, 1), run.stderr
    assert "Traceback" not in run.stderr
    return [(f["line"], f["column"], f["rule"], f["message"]) for f in run.json()["findings"]]


def test_huge_integers_resolve_as_go_yaml_does(tmp_path: Path) -> None:  # R10
    assert resolve_plain("1" + "0" * 30) == 1e30  # beyond uint64: a float
    assert resolve_plain("1" + "0" * 400) == "1" + "0" * 400  # beyond float: a string
    assert resolve_plain("9" * 5001) == "9" * 5001  # never handed to int()
    assert resolve_plain("1e400") == "1e400"
    text = (
        POD.format(name="one")
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\n"
        + f"replicas: 1{'0' * 400}\n---\n"
        + f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: digits}}\nx: 1{'0' * 5000}\n"
    )
    found = _lint(tmp_path, text.encode(), "latest-tag", "yaml-syntax-error", "input-limit")
    assert [(line, rule) for line, _, rule, _ in found] == [(8, "latest-tag")]


def test_a_control_character_costs_only_its_document(tmp_path: Path) -> None:  # R11
    text = (
        POD.format(name="doc-one")
        + "---\n"
        + POD.format(name="doc-two")
        + '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\ndata: {k: "a\x01b"}\n---\n'
        + POD.format(name="doc-four")
    )
    found = _lint(tmp_path, text.encode(), "latest-tag", "yaml-syntax-error")
    assert [(line, col, rule) for line, col, rule, _ in found] == [
        (8, 14, "latest-tag"),
        (17, 14, "latest-tag"),
        (22, 13, "yaml-syntax-error"),
        (31, 14, "latest-tag"),
    ]
    assert "unacceptable character #x0001" in found[2][3]


def test_nul_byte_is_reported_where_it_is(tmp_path: Path) -> None:
    text = POD.format(name="a") + "---\nkind: Pod\x00\n---\n" + POD.format(name="b")
    found = _lint(tmp_path, text.encode(), "latest-tag", "yaml-syntax-error")
    assert [(line, col, rule) for line, col, rule, _ in found] == [
        (8, 14, "latest-tag"),
        (10, 10, "yaml-syntax-error"),
        (19, 14, "latest-tag"),
    ]


def test_an_invalid_utf8_byte_costs_only_its_document(tmp_path: Path) -> None:  # R12
    data = (
        POD.format(name="before").encode()
        + b"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\xff\n---\n"
        + POD.format(name="after").encode()
    )
    found = _lint(tmp_path, data, "latest-tag", "yaml-syntax-error")
    assert [(line, col, rule) for line, col, rule, _ in found] == [
        (8, 14, "latest-tag"),
        (13, 12, "yaml-syntax-error"),
        (22, 14, "latest-tag"),
    ]
    assert "invalid byte 0xff" in found[1][3]
    text, _ = load_bytes(data)
    assert text is not None and "\ufffd" in text  # what reports show is valid text


def _alias_tower(anchors: int, levels: int, as_key: bool = False) -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: deepalias}", "data:"]
    for i in range(anchors):
        inner = "1" if i == 0 else f"*d{i - 1}"
        lines.append(f"  d{i}: &d{i} " + "[" * levels + inner + "]" * levels)
    last = f"*d{anchors - 1}"
    lines.append(f"  ? {last}\n  : x" if as_key else f"  top: {last}")
    return "\n".join(lines) + "\n"


def test_depth_counts_through_aliases(tmp_path: Path) -> None:  # R13
    for as_key in (False, True):
        found = _lint(tmp_path, _alias_tower(10, 200, as_key).encode())
        assert [(line, col, rule) for line, col, rule, _ in found] == [(6, 211, "input-limit")]
        assert f"nests deeper than {MAX_DEPTH} levels" in found[0][3]
    # Shallow aliases are fine.
    loaded = load_text(_alias_tower(3, 20))
    assert loaded.problems == [] and loaded.documents[0].data is not None


def test_empty_documents_are_budgeted() -> None:  # R14
    loaded = load_text("---\n" * (MAX_DOCUMENTS + 50))
    assert len(loaded.documents) == MAX_DOCUMENTS
    assert [(p.rule, p.line) for p in loaded.problems] == [("input-limit", MAX_DOCUMENTS + 1)]


# R15, R30: a list or a mapping where Kubernetes takes a string is a schema-invalid error at the
# field, and the rules that read the field skip it instead of raising (exit 1, never 2).
WRONG_TYPES = {
    "seLinuxOptions.type": (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n"
        '    seLinuxOptions: {type: %s}\n  containers:\n  - {name: c, image: "nginx:1"}\n',
        6,
        "unsafe-selinux-options",
    ),
    "ipBlock.cidr": (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec:\n"
        "  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock:\n        cidr: %s\n",
        9,
        "network-policy-allows-all",
    ),
}


@pytest.mark.parametrize("value", ["[spc_t]", "{a: b}", "[0.0.0.0/0]"])
@pytest.mark.parametrize("field", sorted(WRONG_TYPES))
def test_rules_skip_a_list_or_mapping_where_a_string_belongs(
    tmp_path: Path, field: str, value: str
) -> None:
    template, line, rule = WRONG_TYPES[field]
    path = tmp_path / "t.yaml"
    path.write_text(template % value)
    run = run_cli("lint", str(path), "--format", "json", "--only", "schema-invalid", "--only", rule)
    assert run.exit_code == 1, run.stderr
    assert "Traceback" not in run.stderr and "raised" not in run.stderr
    found = [(f["line"], f["rule"]) for f in run.json()["findings"]]
    assert (line, "schema-invalid") in found
    assert run.json().get("errors", []) == []
