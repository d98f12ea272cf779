"""libyaml events as small tuples: the loader's (kubelint.loader) view of ruamel's C parser.

ruamel.yaml's C parser (``_ruamel_yaml.CParser``) builds one Python event object per event by
calling the event classes it finds among its module's globals (``ScalarEvent(anchor, tag,
implicit, value, start_mark, end_mark, style)`` and so on). Those classes run a chain of Python
``__init__`` methods and the ``tag`` property per event: about 40 % of the bare event parse.
While :func:`tuple_events` is active, the parser calls the constructors below instead, which
return a tuple holding only what the loader reads (its first item the event code), so an event
costs one small Python call.

The swap is scoped to one parse (globals restored afterwards, also on errors); a parse in
another thread (concurrent renders read chart and kustomization files) waits for it. It is only
used when a probe parse shows that the installed parser calls the constructors with the
arguments expected here. Otherwise (another version of
ruamel.yaml.clib) :func:`tuple_events` converts the parser's own event objects, which gives the
same tuples, more slowly.
"""

from __future__ import annotations

import _thread
import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import _ruamel_yaml  # type: ignore[import-not-found]
from ruamel.yaml import events as _ev

# Event codes: the first item of every tuple.
# Where an event starts is its start mark's 0-based line and column (the mark itself is not
# kept: a tuple of plain values is left out of garbage collection, and the loader keeps the
# events of each document until its position index is needed).
SCALAR = 0  # (SCALAR, anchor, tag, plain, value, line, column)
ALIAS = 1  # (ALIAS, anchor, line, column)
MAPPING_START = 2  # (MAPPING_START, anchor, line, column)
SEQUENCE_START = 3  # (SEQUENCE_START, anchor, line, column)
MAPPING_END = 4  # (MAPPING_END,)
SEQUENCE_END = 5  # (SEQUENCE_END,)
DOCUMENT_START = 6  # (DOCUMENT_START, line, column)
DOCUMENT_END = 7  # (DOCUMENT_END,)
STREAM_START = 8  # (STREAM_START,)
STREAM_END = 9  # (STREAM_END,)

Event = tuple[Any, ...]

_MAPPING_END: Event = (MAPPING_END,)
_SEQUENCE_END: Event = (SEQUENCE_END,)
_DOCUMENT_END: Event = (DOCUMENT_END,)
_STREAM_START: Event = (STREAM_START,)
_STREAM_END: Event = (STREAM_END,)


# The constructors the C parser calls (positional arguments as ruamel.yaml.clib 0.2.x passes
# them; extra ones are accepted and ignored).
def _scalar(anchor: Any, tag: Any, implicit: Any, value: Any, start: Any, *_: Any) -> Event:
    return (SCALAR, anchor, tag, implicit[0], value, start.line, start.column)


def _alias(anchor: Any, start: Any, *_: Any) -> Event:
    return (ALIAS, anchor, start.line, start.column)


def _mapping_start(anchor: Any, tag: Any, implicit: Any, start: Any, *_: Any) -> Event:
    return (MAPPING_START, anchor, start.line, start.column)


def _sequence_start(anchor: Any, tag: Any, implicit: Any, start: Any, *_: Any) -> Event:
    return (SEQUENCE_START, anchor, start.line, start.column)


def _mapping_end(*_: Any) -> Event:
    return _MAPPING_END


def _sequence_end(*_: Any) -> Event:
    return _SEQUENCE_END


def _document_start(start: Any, *_: Any) -> Event:
    return (DOCUMENT_START, start.line, start.column)


def _document_end(*_: Any) -> Event:
    return _DOCUMENT_END


def _stream_start(*_: Any) -> Event:
    return _STREAM_START


def _stream_end(*_: Any) -> Event:
    return _STREAM_END


_CONSTRUCTORS: dict[str, Callable[..., Event]] = {
    "ScalarEvent": _scalar,
    "AliasEvent": _alias,
    "MappingStartEvent": _mapping_start,
    "SequenceStartEvent": _sequence_start,
    "MappingEndEvent": _mapping_end,
    "SequenceEndEvent": _sequence_end,
    "DocumentStartEvent": _document_start,
    "DocumentEndEvent": _document_end,
    "StreamStartEvent": _stream_start,
    "StreamEndEvent": _stream_end,
}


def _convert(event: Any) -> Event:
    """The tuple of one of ruamel's own event objects (the fallback path)."""
    kind = type(event)
    start = event.start_mark
    if kind is _ev.ScalarEvent:
        return (
            SCALAR,
            event.anchor,
            event.tag,
            event.implicit[0],
            event.value,
            start.line,
            start.column,
        )
    if kind is _ev.AliasEvent:
        return (ALIAS, event.anchor, start.line, start.column)
    if kind is _ev.MappingStartEvent:
        return (MAPPING_START, event.anchor, start.line, start.column)
    if kind is _ev.SequenceStartEvent:
        return (SEQUENCE_START, event.anchor, start.line, start.column)
    if kind is _ev.MappingEndEvent:
        return _MAPPING_END
    if kind is _ev.SequenceEndEvent:
        return _SEQUENCE_END
    if kind is _ev.DocumentStartEvent:
        return (DOCUMENT_START, start.line, start.column)
    if kind is _ev.DocumentEndEvent:
        return _DOCUMENT_END
    if kind is _ev.StreamStartEvent:
        return _STREAM_START
    return _STREAM_END


_SWAP_LOCK = _thread.RLock()  # one swapped parse at a time, whichever thread runs it


@contextlib.contextmanager
def _swapped() -> Iterator[None]:
    with _SWAP_LOCK:
        module = vars(_ruamel_yaml)
        saved = {name: module.get(name) for name in _CONSTRUCTORS}
        module.update(_CONSTRUCTORS)
        try:
            yield
        finally:
            module.update(saved)


_PROBE = "a: &x !!str b\nc: [*x, 'q', {d: 1}]\n"
_PROBE_EVENTS = [
    (STREAM_START,),
    (DOCUMENT_START, 0, 0),
    (MAPPING_START, None, 0, 0),
    (SCALAR, None, None, True, "a", 0, 0),
    (SCALAR, "x", "tag:yaml.org,2002:str", False, "b", 0, 3),
    (SCALAR, None, None, True, "c", 1, 0),
    (SEQUENCE_START, None, 1, 3),
    (ALIAS, "x", 1, 4),
    (SCALAR, None, None, False, "q", 1, 8),
    (MAPPING_START, None, 1, 13),
    (SCALAR, None, None, True, "d", 1, 14),
    (SCALAR, None, None, True, "1", 1, 17),
    (MAPPING_END,),
    (SEQUENCE_END,),
    (MAPPING_END,),
    (DOCUMENT_END,),
    (STREAM_END,),
]


@functools.cache
def swap_works() -> bool:
    """Whether the installed C parser builds its events through the swapped constructors."""
    got: list[Event] = []
    try:
        with _swapped():
            parser = _ruamel_yaml.CParser(_PROBE)
            try:
                while (event := parser.get_event()) is not None:
                    if not isinstance(event, tuple):
                        return False
                    got.append(event)
            finally:
                parser.dispose()
    except Exception:
        return False
    return got == _PROBE_EVENTS


@contextlib.contextmanager
def tuple_events(text: str) -> Iterator[Callable[[], Event]]:
    """A function returning the next event of ``text`` as a tuple (STREAM_END last).

    The C parser's errors (MarkedYAMLError subclasses) propagate from it unchanged.
    """
    parser = _ruamel_yaml.CParser(text)
    try:
        if swap_works():
            with _swapped():
                yield parser.get_event
        else:
            get_event = parser.get_event
            yield lambda: _convert(get_event())
    finally:
        parser.dispose()
