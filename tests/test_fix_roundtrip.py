"""Round trip over every real manifest: `fix --unsafe-fixes` changes exactly what it says.

For every YAML/JSON file of ../shared/corpus and fixtures/: lint it with every rule, apply every
fix (unsafe ones included), then check that the fixed text loads without any problem and gives the
original data with exactly the fixes' changes; that every original line the diff removes or
changes is a line an edit of some fix touches (everything else is byte-for-byte the same); that
fixing again changes nothing; and that linting again no longer reports a fixed finding.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from kubelint.findings import Finding
from kubelint.fix import FixOptions, apply, plan, position, refusal
from kubelint.fix.spec import apply_op
from kubelint.loader import decode, load_text
from tests.conftest import FIXTURES, SHARED

CORPUS = SHARED / "corpus"


@cache
def _catalog() -> Any:
    from kubelint.runner import load_catalog

    return load_catalog()


def rule_data() -> dict[str, Any]:
    return {rid: spec.raw for rid, spec in _catalog().rules.items()}


def lint_text(text: str, rules: Sequence[str] | None = None, name: str = "t.yaml") -> list[Finding]:
    """Findings of ``rules`` (default: every rule) on ``text`` as one plain file."""
    from kubelint.dispatch import Engine
    from kubelint.findings import RunResult
    from kubelint.options import Options
    from kubelint.selection import activate, select_rules
    from kubelint.sources import Source

    cat = _catalog()
    wanted = list(rules) if rules is not None else sorted(cat.rules)
    selection = select_rules(cat.rules, cat.profiles, enable=wanted, only=wanted)
    active = activate(cat.rules, selection, cat.checks, Options())
    result = RunResult()
    Engine(active, Options()).run([Source(name, None, text.encode("utf-8"))], result)
    return result.findings


def _inputs() -> list[Any]:
    """Every fixture, and every corpus file (marked slow: about 400 real files, some of 2 MB)."""
    out: list[Any] = []
    for root in (CORPUS, FIXTURES):
        marks = [pytest.mark.slow] if root is CORPUS else []
        out.extend(
            pytest.param(p, id=_id(p), marks=marks)
            for p in sorted(root.rglob("*"))
            if p.is_file() and p.suffix in (".yaml", ".yml", ".json")
        )
    return out


def _id(path: Path) -> str:
    for root in (CORPUS, FIXTURES):
        if path.is_relative_to(root):
            return f"{root.name}/{path.relative_to(root)}"
    return str(path)


def _touched_lines(text: str, findings: list[Finding]) -> set[int]:
    """Original lines (1-based) that some fix's edit replaces or inserts into mid-line."""
    lines: set[int] = set()
    for fix in plan(text, findings, rule_data(), FixOptions(unsafe=True)).fixes:
        for e in fix.edits:
            first = position(text, e.start)[0]
            last = position(text, e.end)[0]
            at_line_start = e.start == e.end and (e.start == 0 or text[e.start - 1] == "\n")
            if not at_line_start:
                lines.update(range(first, last + 1))
    return lines


def _data(text: str) -> Any:
    return json.dumps([d.data for d in load_text(text).documents], sort_keys=True, default=str)


@pytest.mark.parametrize("path", _inputs())
def test_fix_round_trip(path: Path) -> None:
    text, _ = decode(path.read_bytes())
    if text is None:
        pytest.skip("undecodable input (a yaml-syntax-error fixture)")
    findings = lint_text(text, name=path.name)
    rules = rule_data()
    result = apply(text, findings, rules, FixOptions(unsafe=True))
    if result.error is not None:
        assert result.text == text
        assert result.error == refusal(text)
        return
    if not result.applied:
        assert result.text == text
        return
    new = result.text
    # 1. the fixed text loads cleanly and is the original data plus exactly the fixes' changes
    loaded = load_text(new)
    assert not loaded.problems
    assert not [p for d in loaded.documents for p in d.problems]
    expected = [json.loads(json.dumps(d.data)) for d in load_text(text).documents]
    for fix in result.applied:
        doc = _doc_of(text, fix.finding.location.line)
        for op in fix.ops:
            expected[doc] = apply_op(expected[doc], op)
    assert json.dumps(expected, sort_keys=True, default=str) == _data(new)
    # 2. byte-for-byte outside the edited lines
    touched = _touched_lines(text, findings)
    old_lines = text.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(
        None, old_lines, new_lines, autojunk=False
    ).get_opcodes():
        if tag in ("replace", "delete"):
            changed = set(range(i1 + 1, i2 + 1))
            assert changed <= touched, (tag, [old_lines[i - 1] for i in sorted(changed - touched)])
    # 3. idempotent, and the fixed findings are gone
    after = lint_text(new, name=path.name)
    again = apply(new, after, rules, FixOptions(unsafe=True))
    assert again.text == new
    assert not again.applied
    fixed = {(f.finding.rule, f.finding.fingerprint) for f in result.applied}
    assert not fixed & {(f.rule, f.fingerprint) for f in after}

    # nothing new is reported (a rule that now fires on a fixed field would show up here); keyed
    # on rule, object and container, since a renamed field moves a finding's path
    def keys(fs: list[Finding]) -> Counter[tuple[str, Any, Any, Any, Any]]:
        return Counter(
            (f.rule, f.object and f.object.kind, f.object and f.object.name, f.container, f.path)
            for f in fs
        )

    moved = {  # objects a fix moved to another apiVersion
        (f.finding.object.kind, f.finding.object.name)
        for f in result.applied
        if f.finding.object is not None and any(op.pointer.endswith("/apiVersion") for op in f.ops)
    }
    renamed = {  # a renamed field moves the findings about it
        op.pointer: op.pointer.rsplit("/", 1)[0] + "/" + str(op.value)
        for f in result.applied
        for op in f.ops
        if op.kind == "rename"
    }
    before = keys(findings) + Counter(
        (k[0], k[1], k[2], k[3], renamed[k[4]]) for k in keys(findings) if k[4] in renamed
    )
    for key in keys(after) - before:
        rule, kind, name, _, path = key
        if rule in ("schema-invalid", "unknown-field") and (kind, name) in moved:
            continue  # the old version had no schema: the object is validated for the first time
        if rule == "resource-out-of-range" and path and "/resources/limits/" in path:
            request = (rule, kind, name, key[3], path.replace("/limits/", "/requests/"))
            if request in before:
                continue  # the limit was copied from a request already out of range
        raise AssertionError(f"the fixes made {key} appear")


def _doc_of(text: str, line: int) -> int:
    found = 0
    for i, d in enumerate(load_text(text).documents):
        if d.line <= line:
            found = i
    return found
