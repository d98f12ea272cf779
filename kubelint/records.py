"""kubelint's record classes: the standard ``dataclass`` API, with the methods compiled once.

Python 3.11's ``dataclasses`` compiles every generated method (``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, a frozen class's ``__setattr__``/``__delattr__``) with ``exec`` each
time a class is defined, and imports ``inspect`` to do it. A lint of one small file defines about
fifty records: measured with callgrind, that was about 100 M of a small lint's 550 M
instructions, the largest single cost of kubelint's start-up.

``dataclass`` here generates the same methods as the standard library, but compiles each
class's source once: the code objects are kept in the user cache (``kubelint.cache``, keyed on
kubelint's and Python's versions and on the generated source itself), so a later start only
binds them. The cache never changes a result: a missing, stale or unreadable entry means the
source is compiled as the standard library would.

Supported: ``frozen``, ``eq``, ``repr``, ``init``; ``field(default=, default_factory=, init=,
repr=, compare=, hash=, metadata=)``; ``__post_init__``; inheritance between records;
``ClassVar`` annotations. ``fields`` and ``replace`` work as their ``dataclasses`` namesakes.
Not supported (a ``TypeError`` when asked): ``order``, ``slots``, ``kw_only``, ``InitVar``.
Type checkers see ``dataclass`` through ``typing.dataclass_transform``.
"""

from __future__ import annotations

import marshal
import reprlib
import sys
from collections.abc import Callable, Mapping
from types import CodeType, MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # typing has it from Python 3.11; kubelint supports 3.10
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda fn: fn


T = TypeVar("T", bound=type)
R = TypeVar("R")


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record."""


class _Sentinel:
    __slots__ = ("label",)

    def __init__(self, label: str) -> None:
        self.label = label

    def __repr__(self) -> str:
        return self.label


MISSING: Any = _Sentinel("MISSING")  # no default
_FACTORY: Any = _Sentinel("<factory>")  # the __init__ default of a default_factory field
_FIELDS = "__record_fields__"
_EMPTY: Mapping[Any, Any] = MappingProxyType({})


class Field:
    """One field of a record (what ``fields`` returns)."""

    __slots__ = (
        "compare",
        "default",
        "default_factory",
        "hash",
        "init",
        "metadata",
        "name",
        "repr",
    )

    def __init__(
        self,
        default: Any,
        default_factory: Any,
        init: bool,
        repr: bool,
        compare: bool,
        hash: bool | None,
        metadata: Mapping[Any, Any] | None,
    ) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.compare = compare
        self.hash = hash
        self.metadata = _EMPTY if metadata is None else MappingProxyType(dict(metadata))

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r})"


def field(
    *,
    default: Any = MISSING,
    default_factory: Any = MISSING,
    init: bool = True,
    repr: bool = True,
    compare: bool = True,
    hash: bool | None = None,
    metadata: Mapping[Any, Any] | None = None,
) -> Any:
    """A field with options, as ``dataclasses.field``."""
    return Field(default, default_factory, init, repr, compare, hash, metadata)


@dataclass_transform(field_specifiers=(field, Field))
def dataclass(
    cls: Any = None,
    /,
    *,
    frozen: bool = False,
    eq: bool = True,
    repr: bool = True,
    init: bool = True,
    **unsupported: Any,
) -> Any:
    """Make ``cls`` a record, as ``dataclasses.dataclass`` with the same options would."""
    asked = {k for k, v in unsupported.items() if v}
    if asked:
        raise TypeError(f"kubelint.records.dataclass does not support {sorted(asked)}")

    def wrap(c: T) -> T:
        return _process(c, frozen=frozen, eq=eq, repr=repr, init=init)

    return wrap if cls is None else wrap(cls)


def fields(obj: Any) -> tuple[Field, ...]:
    """The fields of a record class or instance, in order."""
    found: dict[str, Field] | None = getattr(obj, _FIELDS, None)
    if found is None:
        raise TypeError("must be called with a record class or instance")
    return tuple(found.values())


def replace(obj: R, /, **changes: Any) -> R:
    """A copy of a record with ``changes``, made through ``__init__`` (as ``dataclasses``)."""
    for f in fields(obj):
        if not f.init:
            if f.name in changes:
                raise ValueError(f"field {f.name} is declared with init=False")
            continue
        if f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    made: R = obj.__class__(**changes)
    return made


# --- generating the methods ---------------------------------------------------------------------


def _is_classvar(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar", "t.ClassVar"))
    return getattr(annotation, "__origin__", annotation) is getattr(
        sys.modules.get("typing"), "ClassVar", None
    )


def _collect(cls: type) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        inherited = base.__dict__.get(_FIELDS)
        if inherited:
            out.update(inherited)
    annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (inspect is slow)
    for name, annotation in annotations.items():
        if _is_classvar(annotation):
            continue
        if isinstance(annotation, str) and annotation.startswith(("InitVar", "KW_ONLY")):
            raise TypeError(f"{cls.__name__}.{name}: {annotation} is not supported")
        value = cls.__dict__.get(name, MISSING)
        if isinstance(value, Field):
            f = value
        else:
            f = Field(value, MISSING, True, True, True, None, None)
        if isinstance(f.default, (list, dict, set)):
            raise ValueError(
                f"mutable default {type(f.default)} for field {name} is not allowed: "
                "use default_factory"
            )
        f.name = name
        out[name] = f
        if isinstance(value, Field):  # the class attribute is the default, as in dataclasses
            if f.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
    return out


def _source(
    cls: type, found: dict[str, Field], frozen: bool, eq: bool, repr_: bool, init: bool
) -> tuple[str, list[str]]:
    """The source defining the methods ``cls`` gets, and their names."""
    own = cls.__dict__
    lines: list[str] = []
    names: list[str] = []
    all_fields = list(found.values())

    def assign(name: str, value: str) -> str:
        return f"  _setattr(self, {name!r}, {value})" if frozen else f"  self.{name} = {value}"

    if init and "__init__" not in own:
        params = ["self"]
        body: list[str] = []
        seen_default = False
        for f in all_fields:
            if f.init:
                if f.default is not MISSING:
                    params.append(f"{f.name}=_dflt_{f.name}")
                    seen_default = True
                elif f.default_factory is not MISSING:
                    params.append(f"{f.name}=_FACTORY")
                    seen_default = True
                elif seen_default:
                    raise TypeError(f"non-default argument {f.name!r} follows default argument")
                else:
                    params.append(f.name)
                if f.default_factory is not MISSING:
                    body.append(
                        assign(f.name, f"_fac_{f.name}() if {f.name} is _FACTORY else {f.name}")
                    )
                else:
                    body.append(assign(f.name, f.name))
            elif f.default_factory is not MISSING:
                body.append(assign(f.name, f"_fac_{f.name}()"))
            # (an init=False field with a plain default reads it from the class, as in dataclasses)
        if hasattr(cls, "__post_init__"):
            body.append("  self.__post_init__()")
        lines.append(f"def __init__({', '.join(params)}):")
        lines.extend(body or ["  pass"])
        names.append("__init__")
    if repr_ and "__repr__" not in own:
        shown = ", ".join(f"{f.name}={{self.{f.name}!r}}" for f in all_fields if f.repr)
        lines.append("def __repr__(self):")
        lines.append(f'  return f"{{self.__class__.__qualname__}}({shown})"')
        names.append("__repr__")
    compared = [f.name for f in all_fields if f.compare]
    if eq and "__eq__" not in own:
        mine = "".join(f"self.{n}," for n in compared)
        theirs = "".join(f"other.{n}," for n in compared)
        lines.append("def __eq__(self, other):")
        lines.append("  if other.__class__ is self.__class__:")
        lines.append(f"    return ({mine}) == ({theirs})")
        lines.append("  return NotImplemented")
        names.append("__eq__")
    class_hash = own.get("__hash__", MISSING)
    explicit_hash = not (class_hash is MISSING or (class_hash is None and "__eq__" in own))
    if eq and frozen and not explicit_hash:
        hashed = [f.name for f in all_fields if (f.compare if f.hash is None else f.hash)]
        lines.append("def __hash__(self):")
        lines.append(f"  return hash(({''.join(f'self.{n},' for n in hashed)}))")
        names.append("__hash__")
    if frozen:
        for method, args, verb in (
            ("__setattr__", "self, name, value", "assign to"),
            ("__delattr__", "self, name", "delete"),
        ):
            call = "name, value" if method == "__setattr__" else "name"
            lines.append(f"def {method}({args}):")
            lines.append("  if type(self) is _cls or name in _names:")
            lines.append(f'    raise _Frozen(f"cannot {verb} field {{name!r}}")')
            lines.append(f"  super(_cls, self).{method}({call})")
            names.append(method)
    return "\n".join(lines) + "\n", names


class _CodeCache:
    """Compiled method sources, loaded from and saved to the user cache."""

    def __init__(self) -> None:
        self.code: dict[str, CodeType] | None = None
        self.used: set[str] = set()
        self.dirty = False

    def get(self, source: str) -> CodeType:
        if self.code is None:
            self.code = self._load()
        self.used.add(source)
        found = self.code.get(source)
        if found is None:
            found = compile(source, "<kubelint.records>", "exec")
            self.code[source] = found
            if not self.dirty:
                self.dirty = True
                import atexit

                atexit.register(self.save)
        return found

    @staticmethod
    def _load() -> dict[str, CodeType]:
        from kubelint import cache

        hit, blob = cache.load("records", sys.implementation.cache_tag)
        if hit and isinstance(blob, bytes):
            try:
                code = marshal.loads(blob)
            except Exception:  # corrupt: compile afresh
                return {}
            if isinstance(code, dict) and all(isinstance(c, CodeType) for c in code.values()):
                return code
        return {}

    def save(self) -> None:
        from kubelint import cache

        code = self.code or {}
        if len(code) > 4 * max(len(self.used), 64):  # sources of older code: keep this run's
            code = {s: c for s, c in code.items() if s in self.used}
        cache.store("records", sys.implementation.cache_tag, marshal.dumps(code))
        self.dirty = False


_CODE = _CodeCache()


def _process(cls: T, *, frozen: bool, eq: bool, repr: bool, init: bool) -> T:
    for base in cls.__mro__[1:]:
        if _FIELDS in base.__dict__ and base.__dict__["__record_frozen__"] != frozen:
            raise TypeError(f"{cls.__name__}: frozen and non-frozen records cannot inherit")
    found = _collect(cls)
    source, names = _source(cls, found, frozen, eq, repr, init)
    namespace: dict[str, Any] = {
        "__builtins__": __builtins__,
        "_setattr": object.__setattr__,
        "_FACTORY": _FACTORY,
        "_Frozen": FrozenInstanceError,
        "_cls": cls,
        "_names": frozenset(found),
    }
    for f in found.values():
        if f.default is not MISSING:
            namespace[f"_dflt_{f.name}"] = f.default
        if f.default_factory is not MISSING:
            namespace[f"_fac_{f.name}"] = f.default_factory
    exec(_CODE.get(source), namespace)
    for name in names:
        fn = namespace[name]
        fn.__qualname__ = f"{cls.__qualname__}.{name}"
        if name == "__repr__":
            fn = reprlib.recursive_repr()(fn)
        setattr(cls, name, fn)
    if eq and not frozen and "__hash__" not in cls.__dict__:  # mutable and compared: unhashable
        cls.__hash__ = None  # type: ignore[assignment]
    setattr(cls, _FIELDS, found)
    cls.__record_frozen__ = frozen  # type: ignore[attr-defined]
    cls.__match_args__ = tuple(f.name for f in found.values() if f.init)  # type: ignore[attr-defined,misc]
    return cls
