"""kubelint.records behaves as the standard library's dataclasses for what kubelint uses, and
its cache of compiled methods never changes a class."""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from kubelint import records

# Each shape is defined twice, with dataclasses and with kubelint.records, and compared.
SHAPES = textwrap.dedent(
    """
    from typing import Any, ClassVar

    @dataclass
    class Plain:
        a: int
        b: str = "x"
        c: list[int] = field(default_factory=list)
        K: ClassVar[int] = 3

    @dataclass(frozen=True)
    class Frozen:
        a: int
        b: tuple[int, ...] = ()
        extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
        note: str = field(default="n", repr=False)

    @dataclass(frozen=True)
    class FrozenChild(Frozen):
        d: int = 7

    @dataclass
    class Derived:
        raw: dict[str, Any]
        first: dict[str, int] = field(init=False, repr=False)
        count: int = field(default=0, init=False)
        seen: list[int] = field(default_factory=list, init=False)

        def __post_init__(self) -> None:
            self.first = {k: len(k) for k in self.raw}

    @dataclass(eq=False)
    class Identity:
        a: int

    @dataclass(frozen=True)
    class OwnHash:
        a: int
        b: int = 0

        def __hash__(self) -> int:
            return 42

    @dataclass
    class OwnRepr:
        a: int

        def __repr__(self) -> str:
            return "mine"

    @dataclass
    class Base:
        a: int
        b: int = 1

    @dataclass
    class Child(Base):
        b: int = 2
        c: int = 3
    """
)


def _define(module: str) -> dict[str, Any]:
    import types

    mod = types.ModuleType(f"shapes_{module}")  # dataclasses reads string annotations in it
    sys.modules[mod.__name__] = mod
    namespace: dict[str, Any] = mod.__dict__
    if module == "records":
        namespace.update(dataclass=records.dataclass, field=records.field)
    else:
        namespace.update(dataclass=dataclasses.dataclass, field=dataclasses.field)
    exec(compile("from __future__ import annotations\n" + SHAPES, "<shapes>", "exec"), namespace)
    return namespace


STD = _define("dataclasses")
OURS = _define("records")


def _make(ns: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        "Plain": [ns["Plain"](1), ns["Plain"](1, "y", [2]), ns["Plain"](a=1, c=[3])],
        "Frozen": [ns["Frozen"](1), ns["Frozen"](1, (2,), {"k": "v"}, "m"), ns["Frozen"](2)],
        "FrozenChild": [ns["FrozenChild"](1), ns["FrozenChild"](1, d=8)],
        "Derived": [ns["Derived"]({"ab": 1}), ns["Derived"](raw={})],
        "Identity": [ns["Identity"](1), ns["Identity"](1)],
        "OwnHash": [ns["OwnHash"](1), ns["OwnHash"](2, 3)],
        "OwnRepr": [ns["OwnRepr"](1)],
        "Base": [ns["Base"](1)],
        "Child": [ns["Child"](1), ns["Child"](1, 5, 6)],
    }


def _state(obj: Any) -> dict[str, Any]:
    return dict(vars(obj))


def _hash(obj: Any) -> object:
    try:
        return hash(obj) if type(obj).__hash__ is not object.__hash__ else "identity"
    except TypeError:
        return "unhashable"


@pytest.mark.parametrize("name", sorted(_make(STD)))
def test_every_shape_behaves_as_a_dataclass(name: str) -> None:
    std, ours = _make(STD)[name], _make(OURS)[name]
    for s, o in zip(std, ours, strict=True):
        assert _state(o) == _state(s)
        assert repr(o) == repr(s)
        assert _hash(o) == _hash(s)
        assert o.__match_args__ == s.__match_args__  # type: ignore[attr-defined]
    for i, j in [(i, j) for i in range(len(std)) for j in range(len(std))]:
        assert (ours[i] == ours[j]) == (std[i] == std[j]), (i, j)
        assert (ours[i] != ours[j]) == (std[i] != std[j]), (i, j)
    cls_s, cls_o = type(std[0]), type(ours[0])
    assert [f.name for f in records.fields(cls_o)] == [f.name for f in dataclasses.fields(cls_s)]
    assert ours[0] != object() and ours[0] != 1
    for attr in ("K", "b"):
        assert getattr(cls_o, attr, None) == getattr(cls_s, attr, None)


def test_defaults_are_fresh_and_post_init_runs() -> None:
    a, b = OURS["Plain"](1), OURS["Plain"](2)
    a.c.append(1)
    assert b.c == []
    d = OURS["Derived"]({"abc": 1})
    assert d.first == {"abc": 3} and d.count == 0 and d.seen == []


def test_frozen_records_refuse_assignment() -> None:
    f = OURS["FrozenChild"](1)
    for act in (lambda: setattr(f, "a", 2), lambda: delattr(f, "a"), lambda: setattr(f, "z", 1)):
        with pytest.raises(records.FrozenInstanceError, match="cannot"):
            act()
    assert isinstance(records.FrozenInstanceError(), AttributeError)
    with pytest.raises(TypeError):
        hash(OURS["Plain"](1))  # mutable and compared: unhashable, as a dataclass


def test_replace_and_fields() -> None:
    f = OURS["Frozen"](1, (2,), {"k": "v"})
    g = records.replace(f, a=5)
    assert (g.a, g.b, g.extra) == (5, (2,), {"k": "v"}) and f.a == 1
    d = OURS["Derived"]({"ab": 1})
    assert records.replace(d, raw={"x": 1}).first == {"x": 1}  # through __init__
    with pytest.raises(ValueError, match="init=False"):
        records.replace(d, count=3)
    [first] = [f for f in records.fields(OURS["Frozen"]) if f.name == "extra"]
    assert (first.compare, first.hash, first.default_factory) == (False, False, dict)
    with pytest.raises(TypeError):
        records.fields(object())


def test_records_pickle_as_dataclasses_do() -> None:
    """What --jobs workers send back: kubelint's own records, frozen ones included."""
    from kubelint.findings import Finding, Location, Severity

    finding = Finding("r", Severity.ERROR, "m", Location("f.yaml", 1, 2), extra={"a": "b"})
    again = pickle.loads(pickle.dumps(finding))
    assert again == finding and again.extra == {"a": "b"} and hash(again) == hash(finding)


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("@dataclass\nclass A:\n    a: list[int] = []\n", ValueError),
        ("@dataclass\nclass A:\n    a: int = 1\n    b: int\n", TypeError),
        ("@dataclass(order=True)\nclass A:\n    a: int\n", TypeError),
        (
            "@dataclass(frozen=True)\nclass A:\n    a: int\n@dataclass\nclass B(A):\n    b: int\n",
            TypeError,
        ),
        ("@dataclass\nclass A:\n    a: int = field(default=1, default_factory=int)\n", ValueError),
    ],
)
def test_what_dataclasses_refuse_is_refused(source: str, error: type[Exception]) -> None:
    namespace: dict[str, Any] = {"dataclass": records.dataclass, "field": records.field}
    namespace["__name__"] = "shapes_records"
    with pytest.raises(error):
        exec(compile("from __future__ import annotations\n" + source, "<s>", "exec"), namespace)


# The compiled-method cache, across processes: a warm, a corrupt and an unwritable cache all
# give the same classes.
PROBE = """\
import json, sys
from kubelint import records
from kubelint.findings import Finding, Location, Severity
from kubelint.settings import Settings
f = Finding("r", Severity.ERROR, "m", Location("f.yaml", 1, 2))
print(json.dumps({
    "repr": repr(f),
    "eq": f == Finding("r", Severity.ERROR, "m", Location("f.yaml", 1, 2), extra={"x": "y"}),
    "hash": hash(f) == hash(Finding("r", Severity.ERROR, "m", Location("f.yaml", 1, 2))),
    "settings": repr(Settings()),
    "compiled": records._CODE.dirty,
}))
"""


def _probe(cache: Path) -> dict[str, Any]:
    import json

    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, "KUBELINT_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_code_cache_never_changes_a_class(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = _probe(cache)
    assert cold["compiled"] is True and cold["eq"] is True and cold["hash"] is True
    [entry] = cache.glob("records-*.pickle")
    warm = _probe(cache)
    assert warm["compiled"] is False  # every method came from the cache
    assert {**warm, "compiled": None} == {**cold, "compiled": None}

    entry.write_bytes(b"\x80\x04garbage")  # corrupt: compiled afresh, same classes
    corrupt = _probe(cache)
    assert corrupt["compiled"] is True
    assert {**corrupt, "compiled": None} == {**cold, "compiled": None}

    if os.geteuid() != 0:  # root writes anywhere: a read-only directory is no test there
        for p in cache.iterdir():
            p.unlink()
        cache.chmod(0o500)
        try:
            assert {**_probe(cache), "compiled": None} == {**cold, "compiled": None}
        finally:
            cache.chmod(0o700)
