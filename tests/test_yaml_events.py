"""kubelint.yaml_events: the loader's event tuples, with and without the constructor swap."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Any

import _ruamel_yaml  # type: ignore[import-not-found]
import pytest
from ruamel.yaml import events as ruamel_events

from kubelint import yaml_events
from kubelint.loader import load_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

TRICKY = """\
base: &base {a: 1, b: [x, y]}
other:
  <<: *base
  b: 2
  "quoted: key": 'v'
  ? [complex, key]
  : 1
  tagged: !!str 0644
  octal: 0644
  flag: yes
  bad/~key: *base
  bad/~key: dup
list:
  - *base
  - !custom {z: 1}
  - .inf
---
second: document
---
broken: [unclosed
---
after: error
"""


def _snapshot(text: str) -> Any:
    def norm(value: Any) -> Any:
        if isinstance(value, float) and math.isnan(value):
            return "nan"
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        return (type(value).__name__, value)

    loaded = load_text(text)
    return (
        [
            (d.index, d.line, norm(d.data), d.positions.entries, d.problems, d.complex_keys)
            for d in loaded.documents
        ],
        loaded.problems,
    )


def _texts() -> list[str]:
    texts = [TRICKY]
    for path in sorted(FIXTURES.rglob("*.yaml"))[:200]:
        texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return texts


def test_the_installed_parser_takes_the_swapped_constructors() -> None:
    # Not a requirement for correctness (the fallback gives the same result), but without it
    # the loader is slower: a new ruamel.yaml.clib that breaks the swap should be noticed.
    assert yaml_events.swap_works()


def test_fallback_conversion_gives_the_same_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts()
    fast = [_snapshot(t) for t in texts]
    monkeypatch.setattr(yaml_events, "swap_works", lambda: False)
    slow = [_snapshot(t) for t in texts]
    assert fast == slow
    problems = fast[0][1]
    assert [(p.rule, p.line) for p in problems] == [("yaml-syntax-error", 21)]
    dup = [p for p in fast[0][0][0][4] if p.rule == "duplicate-key"]
    assert [(p.line, p.column, p.path) for p in dup] == [(12, 3, "/other/bad~1~0key")]


def test_parser_globals_are_restored_even_after_a_syntax_error() -> None:
    before = {name: getattr(_ruamel_yaml, name) for name in ("ScalarEvent", "MappingStartEvent")}
    load_text("a: [b\n")
    load_text(TRICKY)
    after = {name: getattr(_ruamel_yaml, name) for name in before}
    assert after == before
    assert after["ScalarEvent"] is ruamel_events.ScalarEvent
    # ruamel's own C parser still hands out its own event objects afterwards.
    parser = _ruamel_yaml.CParser("a: b\n")
    try:
        kinds = []
        while (event := parser.get_event()) is not None:
            kinds.append(type(event).__name__)
    finally:
        parser.dispose()
    assert "ScalarEvent" in kinds


# No alias and no complex key: its index is built from the events alone.
PLAIN_TRICKY = """\
a/b~c: 1
on: yes
0x10: x
!!str 12: y
"quoted: key": ''
empty:
dup: 1
dup: {x: [1, [2, 3], {y: z}]}
merged:
  <<: {m: 1, n: [a]}
  n: 2
list:
- - deep
  - [q, {r: s}]
- {}
- []
- ? plain
  : explicit
"""


def test_lazy_position_index_equals_the_eager_one() -> None:
    # Documents keep their events; the index is built from them on first use. It must be the
    # index the eager pass builds, duplicates, merge keys, aliases and complex keys included.
    from kubelint import loader

    plain = load_text(PLAIN_TRICKY).documents[0].positions
    assert plain._build is not None
    assert loader._index(*plain._build.args) is not None  # (the events-only way)
    tricky = load_text(TRICKY).documents[0].positions
    assert tricky._build is not None
    assert loader._index(*tricky._build.args) is None  # aliases: the whole pass again
    for text in [PLAIN_TRICKY, *_texts()]:
        lazy = load_text(text).documents
        eager: list[loader.Document] = []
        for doc in lazy:
            assert doc.positions._entries is None  # nothing looked up yet: not built
        with contextlib.suppress(Exception), yaml_events.tuple_events(text) as get_event:
            loader._drive(get_event, 0, 0, eager, eager=True)
        assert len(eager) <= len(lazy)  # (the eager pass here stops at a syntax error)
        for a, b in zip(lazy, eager, strict=False):
            assert a.positions.entries == b.positions.entries
            assert a.positions.locate("/nope") == b.positions.locate("/nope")
