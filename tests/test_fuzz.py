"""Property-based fuzzing of the loader and the whole lint pipeline (hypothesis).

Inputs are the files under fixtures/ (and the regression cases below), mutated at byte level
(flips, inserted hostile tokens, deleted or duplicated ranges, truncation) and at structure level
(a node of the loaded document replaced by a hostile value: deep nesting, huge numbers, wrong
types, long or path-like names), then:

* ``load_bytes`` must never raise, and every problem it reports has a line and column >= 1;
* a whole ``kubelint lint`` run must end in findings (exit 0 or 1) or a clean exit 2 (one-line
  ``kubelint:`` messages), never an exception, a traceback or a rule that raised.

The normal suite fuzzes for a few seconds; ``KUBELINT_FUZZ_SECONDS=600`` fuzzes longer and
``KUBELINT_FUZZ_STATS=FILE`` writes figures (inputs, distinct code paths, findings) as JSON
(counting code paths traces every line of kubelint; ``KUBELINT_FUZZ_TRACE=0`` skips that).
Every input that ever broke kubelint is kept in tests/data/fuzz-regressions/ and replayed by
``test_regression_case``; ``KUBELINT_FUZZ_SAVE=DIR`` stores new failing inputs for that.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubelint.loader import load_bytes
from tests.conftest import FIXTURES, run_cli

REGRESSIONS = Path(__file__).parent / "data" / "fuzz-regressions"
MAX_SEED = 64 * 1024
SECONDS = float(os.environ.get("KUBELINT_FUZZ_SECONDS", "4"))
STATS = os.environ.get("KUBELINT_FUZZ_STATS")
SAVE = os.environ.get("KUBELINT_FUZZ_SAVE")


def _seeds() -> list[bytes]:
    files = sorted(
        p
        for p in [*FIXTURES.rglob("*"), *REGRESSIONS.glob("*")]
        if p.is_file() and p.suffix in (".yaml", ".yml", ".json", ".bin")
    )
    return [data for p in files if len(data := p.read_bytes()) <= MAX_SEED]


SEEDS = _seeds()

# Tokens a hostile input is made of: YAML syntax, anchors and aliases, tags, control and
# invalid bytes, huge numbers, template syntax, path-like and long names.
TOKENS = [
    b"\x00", b"\x01", b"\x1b[31m", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\r", b"\t", b"\n",
    b"---\n", b"...\n", b"- ", b": ", b"? ", b"[", b"]", b"{", b"}", b",", b"#", b"'", b'"',
    b"&a ", b"*a", b"<<: *a\n", b"!!int ", b"!!str ", b"!!binary ", b"!!python/object ",
    b"%YAML 1.1\n",
    b"|\n", b">-\n", b"{{ .Values.x }}", b"1" + b"0" * 400, b"9" * 5000, b"0x" + b"f" * 40,
    b"1e999", b".inf", b"-.nan", b"0o777", b"2026-13-45", b"yes", b"~", b"null",
    b"kind: ../../../../etc/passwd\n", b"kind: " + b"A" * 300 + b"\n", b"apiVersion: v1\n",
    b"kind: Pod\n", b"kind: CustomResourceDefinition\n", b"$ref: http://127.0.0.1:9/x.json\n",
    b"apiVersion: apiextensions.k8s.io/v1\n", b"containers: [", b"securityContext: {",
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", b"\xef\xbb\xbf", b"\xff\xfe",
]  # fmt: skip

HOSTILE_VALUES: list[Any] = [
    None, True, 0, -1, 2**63, 2**64, 10**30, 1.5, float("inf"), "", "*", "0.0.0.0/0",
    "../../../../etc/passwd", "A" * 300, "\x1b[31mred", "line\nbreak", "{{ .Values.x }}",
    "{name.__class__}", "{name:>999999999}", [], {}, [[[[[[[[[[1]]]]]]]]]], {"a": {"b": {"c": {}}}},
    ["a", 1, None, {"k": []}], {"$ref": "http://127.0.0.1:9/x.json"},
]  # fmt: skip


@st.composite
def byte_mutations(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "truncate"]))
        pos = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            i = min(pos, len(data) - 1)
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            token = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=8))
            data[pos:pos] = token
        elif op == "delete":
            data[pos : pos + draw(st.integers(1, 64))] = b""
        elif op == "duplicate":
            chunk = bytes(data[pos : pos + draw(st.integers(1, 256))])
            data[pos:pos] = chunk * draw(st.integers(1, 4))
        elif op == "truncate":
            del data[pos:]
    return bytes(data)


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_nodes(v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_nodes(v, (*path, i)))
    return out


def _set(root: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = root
    for token in path[:-1]:
        parent = parent[token]
    parent[path[-1]] = value
    return root


@st.composite
def structure_mutations(draw: st.DrawFn) -> bytes:
    """A loaded seed document with hostile values put at random nodes, dumped as JSON (a YAML
    subset every field of which the loader positions)."""
    _, loaded = load_bytes(draw(st.sampled_from(SEEDS)))
    docs = [d.data for d in loaded.documents if isinstance(d.data, (dict, list))]
    if not docs:
        return draw(byte_mutations())
    out = []
    for doc in docs[: draw(st.integers(1, 3))]:
        doc = json.loads(json.dumps(doc, default=str))
        for _ in range(draw(st.integers(1, 4))):
            path = draw(st.sampled_from(_nodes(doc)))
            value = draw(
                st.sampled_from(HOSTILE_VALUES)
                | st.recursive(
                    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: (
                        st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=3)
                    ),
                    max_leaves=12,
                )
            )
            doc = _set(doc, path, json.loads(json.dumps(value, default=str)))
        out.append(json.dumps(doc, allow_nan=True))
    return "\n---\n".join(out).encode()


INPUTS = st.one_of(byte_mutations(), structure_mutations())


class Stats:
    def __init__(self) -> None:
        self.inputs = 0
        self.findings = 0
        self.exit_codes: dict[int, int] = {}
        self.rules: dict[str, int] = {}
        self.lines: set[tuple[str, int]] = set()
        self.failures = 0

    def dump(self, path: str) -> None:
        Path(path).write_text(
            json.dumps(
                {
                    "inputs": self.inputs,
                    "distinct_paths": len(self.lines),
                    "findings": self.findings,
                    "exit_codes": self.exit_codes,
                    "rules": dict(sorted(self.rules.items())),
                    "failures": self.failures,
                },
                indent=2,
            )
        )


STATS_DATA = Stats()
_PACKAGE = str(Path(__file__).resolve().parent.parent / "kubelint")


def _tracer(frame: Any, event: str, arg: Any) -> Any:
    """Records (file, line) of every line of kubelint executed: the distinct code paths."""
    if not frame.f_code.co_filename.startswith(_PACKAGE):
        return None
    lines = STATS_DATA.lines

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            lines.add((frame.f_code.co_filename, frame.f_lineno))
        return local

    return local


def _save(data: bytes) -> None:
    if SAVE:
        target = Path(SAVE)
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{hashlib.sha256(data).hexdigest()[:16]}.bin").write_bytes(data)


def check_loader(data: bytes) -> None:
    text, loaded = load_bytes(data)
    problems = loaded.problems + [p for d in loaded.documents for p in d.problems]
    for p in problems:
        assert p.line >= 1 and p.column >= 1, p
    if text is not None:
        text.encode("utf-8")  # what reports show is always valid text


def check_pipeline(data: bytes, workdir: Path) -> dict[str, Any]:
    path = workdir / "input.yaml"
    path.write_bytes(data)
    run = run_cli("lint", str(path), "--format", "json", "--no-config")
    assert run.exit_code in (0, 1, 2), run
    assert "Traceback" not in run.stderr, run.stderr
    assert " raised " not in run.stderr, run.stderr
    for line in run.stderr.splitlines():
        assert line.startswith(("kubelint:", "skipped ")), run.stderr
    if run.exit_code == 2:
        return {"findings": [], "exit": 2}
    report: dict[str, Any] = run.json()
    report["exit"] = run.exit_code
    for f in report["findings"]:
        assert f["line"] >= 1 and f["column"] >= 1, f
    return report


def _fuzz_once(data: bytes, workdir: Path) -> None:
    try:
        check_loader(data)
        report = check_pipeline(data, workdir)
    except BaseException:
        STATS_DATA.failures += 1
        _save(data)
        raise
    STATS_DATA.inputs += 1
    code = report["exit"]
    STATS_DATA.exit_codes[code] = STATS_DATA.exit_codes.get(code, 0) + 1
    STATS_DATA.findings += len(report["findings"])
    for f in report["findings"]:
        STATS_DATA.rules[f["rule"]] = STATS_DATA.rules.get(f["rule"], 0) + 1


def _run_for(seconds: float, body: Callable[[bytes], None]) -> None:
    """Run hypothesis batches of ``body`` until ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    batch = settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )(given(INPUTS)(body))
    while time.monotonic() < deadline:
        batch()


@pytest.mark.skipif(not SEEDS, reason="no fixtures to seed the fuzzer")
def test_fuzz_loader_and_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="kubelint-fuzz-"))
    monkeypatch.setenv("KUBELINT_DISABLE_PLUGIN_AUTOLOAD", "1")
    trace = bool(STATS) and os.environ.get("KUBELINT_FUZZ_TRACE", "1") != "0"
    if trace:
        sys.settrace(_tracer)
        threading.settrace(_tracer)
    try:
        _run_for(SECONDS, lambda data: _fuzz_once(data, workdir))
    finally:
        if trace:
            sys.settrace(None)
            threading.settrace(None)  # type: ignore[arg-type]
        if STATS:
            STATS_DATA.dump(STATS)


@pytest.mark.parametrize(
    "case", sorted(REGRESSIONS.glob("*")), ids=lambda p: p.name if isinstance(p, Path) else p
)
def test_regression_case(case: Path, tmp_path: Path) -> None:
    """Every input the fuzzer (or a reproducer) ever broke kubelint with."""
    data = case.read_bytes()
    check_loader(data)
    check_pipeline(data, tmp_path)
