"""YAML/JSON text -> plain dicts/lists plus a position index, per document, in one pass.

The loader drives ruamel.yaml's C (libyaml) parser event by event and builds the plain data and
the JSON-Pointer position index itself, so there is no intermediate node tree and no second walk.
Scalars are resolved with YAML 1.1 rules as Kubernetes' YAML decoder (go-yaml v2 behind
sigs.k8s.io/yaml) applies them: ``yes``/``on`` are booleans, ``0644`` is octal, ``1e3`` a float.

Input problems never raise: they become ``InputProblem`` records (yaml-syntax-error,
duplicate-key, input-limit) on the document or file, and the rest of the input is still loaded.
Safety limits guard the C parser (which overflows its stack on ~100,000 nesting levels),
alias-expansion bombs and huge inputs.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kubelint.messages import yaml_scalar
from kubelint.positions import Entry, PositionIndex, escape
from kubelint.records import dataclass, field
from kubelint.yaml_events import (
    ALIAS,
    DOCUMENT_END,
    DOCUMENT_START,
    MAPPING_END,
    MAPPING_START,
    SCALAR,
    SEQUENCE_END,
    SEQUENCE_START,
    STREAM_END,
    Event,
    tuple_events,
)

MAX_DEPTH = 256  # nesting levels per document; real manifests (CRD schemas) stay far below
MAX_NODES = 2_000_000  # nodes per document after alias expansion ("billion laughs" guard)
MAX_DOCUMENTS = 100_000  # documents per file (an empty document still costs memory)
MAX_INT_DIGITS = 1000  # longer digit strings are never converted (Python caps int() at 4300)
MAX_BYTES = 64 * 1024 * 1024  # per input file


@dataclass(frozen=True)
class InputProblem:
    """A problem with the input itself, reported under one of the input-problem rules."""

    rule: str  # yaml-syntax-error | duplicate-key | input-limit | invalid-object
    message: str
    line: int
    column: int
    path: str | None = None


@dataclass
class Document:
    """One YAML document of a file: its data (None if it could not be loaded) and positions."""

    index: int  # 0-based position in the file
    line: int  # 1-based line where the document starts
    data: Any = None
    positions: PositionIndex = field(default_factory=PositionIndex)
    problems: list[InputProblem] = field(default_factory=list)
    loaded: bool = True  # False when a syntax error or a limit stopped it
    complex_keys: bool = False  # a mapping key that is itself a mapping/sequence
    source_comment: str | None = None  # Helm `# Source:` path (filled by mapping.py on demand)


@dataclass
class LoadResult:
    documents: list[Document]
    problems: list[InputProblem]  # file-level problems (syntax errors, limits, decoding)


class _InputError(Exception):
    def __init__(self, rule: str, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.column = column


class _StopFile(_InputError):
    """A limit that ends the whole file, not just the current document."""


# --- scalar resolution (go-yaml v2 / YAML 1.1 as Kubernetes applies it) -----------------------

_MISSING = object()
_PLAIN_MAP: dict[str, Any] = {
    "": None,
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    ".nan": float("nan"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
    ".inf": float("inf"),
    ".Inf": float("inf"),
    ".INF": float("inf"),
    "+.inf": float("inf"),
    "+.Inf": float("inf"),
    "+.INF": float("inf"),
    "-.inf": float("-inf"),
    "-.Inf": float("-inf"),
    "-.INF": float("-inf"),
}
for _word in ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"):
    _PLAIN_MAP[_word] = True
for _word in ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"):
    _PLAIN_MAP[_word] = False

_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INT_RE = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_TIMESTAMP_RE = re.compile(r"[0-9]{4}-")
_NUMERIC_START = frozenset("+-0123456789")
_MAP_START = frozenset("yYnNtTfFoO~+-.")

_STR_TAG = "tag:yaml.org,2002:str"
_TAGGED = {
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


def _parse_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64) semantics (leading 0 = octal), None when not an int."""
    if not _INT_RE.fullmatch(text):
        return None
    sign = -1 if text[0] == "-" else 1
    body = text[1:] if text[0] in "+-" else text
    if len(body) > 1 and body[0] == "0":
        prefix = body[1]
        if prefix in "xX":
            return sign * int(body[2:], 16)
        if prefix in "oO":
            return sign * int(body[2:], 8)
        if prefix in "bB":
            return sign * int(body[2:], 2)
        return sign * int(body[1:], 8)
    return sign * int(body)


def resolve_plain(text: str) -> Any:
    """Resolve an untagged plain scalar the way Kubernetes' YAML decoder does."""
    if not text:
        return None
    first = text[0]
    if first in _MAP_START:
        value = _PLAIN_MAP.get(text, _MISSING)
        if value is not _MISSING:
            return value
    if first == ".":
        if "_" not in text and _FLOAT_RE.fullmatch(text):
            return float(text)
        return text
    if first in _NUMERIC_START:
        if first != "+" and first != "-" and _TIMESTAMP_RE.match(text) and len(text) > 5:
            return text  # timestamps stay strings (the API sees them as strings)
        plain = text.replace("_", "") if "_" in text else text
        if not plain:
            return text
        # go-yaml v2: an integer beyond int64/uint64 is parsed as a float, and a number beyond
        # float range (strconv.ParseFloat's ErrRange) stays a string.
        number = _parse_int(plain) if len(plain) <= MAX_INT_DIGITS else None
        if number is not None:
            if -(2**63) <= number < 2**64:
                return number
            try:
                return float(number)
            except OverflowError:
                return text
        if _FLOAT_RE.fullmatch(plain):
            value = float(plain)
            return text if math.isinf(value) else value
    return text


def _resolve_tagged(tag: str, plain: bool, text: str) -> Any:
    """The value of a scalar with an explicit tag (``!`` is the non-specific tag of quotes)."""
    if tag == "!":
        return resolve_plain(text) if plain else text
    if tag == _STR_TAG:
        return text
    if tag in _TAGGED:
        value = resolve_plain(text)
        if tag.endswith(":bool") and not isinstance(value, bool):
            return text
        return value
    # Unknown or custom tags: the value is what the text says.
    return resolve_plain(text) if plain else text


def _key_text(value: Any) -> str:
    """Mapping keys become strings, as sigs.k8s.io/yaml converts them for JSON."""
    return value if isinstance(value, str) else yaml_scalar(value)


# First characters of plain scalars that may resolve to something other than a string.
_SPECIAL_START = _MAP_START | _NUMERIC_START | {"."}


# --- the event-driven builder ------------------------------------------------------------------

# A frame of the builder's stack (one open mapping or sequence) is a list indexed by these.
_VALUE = 0  # the dict or list being filled
_POINTER = 1  # its JSON Pointer
_IS_MAP = 2
_ANCHOR = 3
_LINE = 4  # where it starts (1-based)
_COL = 5
_AS_KEY = 6  # a mapping or sequence used as a mapping key
_KEY = 7  # mappings: the pending key (None between entries)
_KLINE = 8  # mappings: the pending key's position
_KCOL = 9
_TOTAL0 = 10  # node counters when it started (its size, for anchors, is their growth)
_OPEN0 = 11
_HEIGHT = 12  # nesting levels of this container and what it holds (aliases included)
_EXPLICIT = 13  # mappings: keys written explicitly, once a merge key happened (else None)

_MERGE = "<<"


def _build_documents(text: str, line_offset: int, first_index: int, out: list[Document]) -> None:
    """Parse ``text`` and append its documents to ``out``.

    Raises the parser's MarkedYAMLError on a syntax error (documents completed before it are
    already in ``out``); limit violations end only the current document.
    """
    with tuple_events(text) as get_event:
        _drive(get_event, line_offset, first_index, out)


def _drive(
    get_event: Any, line_offset: int, first_index: int, out: list[Document], eager: bool = False
) -> None:
    """Build data from the event tuples of kubelint.yaml_events, and positions: with
    ``eager``, each document's position index as it goes; otherwise each document keeps its
    events, and its index is built from them (by this function, eagerly) on first use.

    The hot loop of every lint: one pass, locals only, no object per node beyond the data
    and (for containers) its pointer string.
    """
    doc: Document | None = None
    entries: dict[str, Entry] | None = None  # eager: the current document's index
    events: list[Event] | None = None  # lazy: the current document's events
    record: Any = None  # events.append while there is a lazy document
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[Any, int, int]] = {}  # anchor -> (value, nodes, height)
    total = 0  # scalars, plus the nodes aliases expand to (the alias-bomb limit)
    opened = 0  # mappings and sequences started
    root: Any = None
    have_root = False
    index = first_index
    top: list[Any] | None = None  # stack[-1]
    special = _SPECIAL_START
    plain_map = _PLAIN_MAP
    starts = (MAPPING_START, SEQUENCE_START)
    ends = (MAPPING_END, SEQUENCE_END)

    while True:
        event = get_event()
        if record is not None:
            record(event)
        code = event[0]
        if code == SCALAR:
            vline = event[5] + 1 + line_offset
            vcol = event[6] + 1
            value = event[4]
            tag = event[2]
            if tag is None:
                if event[3] and (not value or value[0] in special):
                    value = resolve_plain(value) if value not in plain_map else plain_map[value]
            else:
                value = _resolve_tagged(tag, event[3], value)
            if event[1] is not None:
                anchors[event[1]] = (value, 1, 0)
            total += 1
            if total > MAX_NODES:
                raise _nodes_limit(vline, vcol)
            if top is None:
                root, have_root = value, True
                if entries is not None:
                    entries[""] = (vline, vcol, vline, vcol, True)
                continue
            container = top[_VALUE]
            if top[_IS_MAP]:
                key = top[_KEY]
                if key is None:
                    top[_KEY] = value if value.__class__ is str else yaml_scalar(value)
                    top[_KLINE] = vline
                    top[_KCOL] = vcol
                    continue
                top[_KEY] = None
                size = len(container)
                container[key] = value
                if len(container) == size or top[_EXPLICIT] is not None:
                    _stored(doc, top, key, len(container) == size)
                if entries is not None:
                    token = escape(key) if "~" in key or "/" in key else key
                    entries[f"{top[_POINTER]}/{token}"] = (
                        top[_KLINE],
                        top[_KCOL],
                        vline,
                        vcol,
                        True,
                    )
            else:
                if entries is not None:
                    entries[f"{top[_POINTER]}/{len(container)}"] = (vline, vcol, vline, vcol, True)
                container.append(value)
        elif code in starts:
            vline = event[2] + 1 + line_offset
            vcol = event[3] + 1
            is_map = code == MAPPING_START
            if len(stack) >= MAX_DEPTH:
                # Stop pulling events at once: libyaml's cost grows quadratically with flow
                # nesting, so consuming the rest of a hostile document would hang.
                raise _InputError(
                    "input-limit",
                    f"nesting deeper than {MAX_DEPTH} levels; document not parsed further",
                    vline,
                    vcol,
                )
            as_key = False
            if top is None:
                pointer = ""
                if entries is not None:
                    entries[""] = (vline, vcol, vline, vcol, False)
            elif top[_IS_MAP]:
                key = top[_KEY]
                if key is None:
                    # A mapping or sequence used as a key: legal YAML, never Kubernetes
                    # (and the usual sign of unrendered `{{ }}` template syntax).
                    as_key = True
                    pointer = f"{top[_POINTER]}/?"
                else:
                    token = escape(key) if "~" in key or "/" in key else key
                    pointer = f"{top[_POINTER]}/{token}"
                    if entries is not None:
                        entries[pointer] = (top[_KLINE], top[_KCOL], vline, vcol, False)
            else:
                pointer = f"{top[_POINTER]}/{len(top[_VALUE])}"
                if entries is not None:
                    entries[pointer] = (vline, vcol, vline, vcol, False)
            top = [
                {} if is_map else [],
                pointer,
                is_map,
                event[1],
                vline,
                vcol,
                as_key,
                None,
                0,
                0,
                total,
                opened,
                1,
                None,
            ]
            opened += 1
            stack.append(top)
        elif code in ends:
            frame = stack.pop()
            value = frame[_VALUE]
            height = frame[_HEIGHT]
            if frame[_ANCHOR] is not None:
                size = (total - frame[_TOTAL0]) + (opened - frame[_OPEN0])
                anchors[frame[_ANCHOR]] = (value, size, height)
            if not stack:
                top = None
                root, have_root = value, True
                continue
            top = stack[-1]
            if height + 1 > top[_HEIGHT]:
                top[_HEIGHT] = height + 1
            if frame[_AS_KEY]:
                assert doc is not None
                doc.complex_keys = True
                top[_KEY] = repr(value)
                top[_KLINE] = frame[_LINE]
                top[_KCOL] = frame[_COL]
                continue
            container = top[_VALUE]
            if top[_IS_MAP]:
                key = top[_KEY]
                top[_KEY] = None
                if key == _MERGE:
                    _merge(top, value)
                    continue
                size = len(container)
                container[key] = value
                if len(container) == size or top[_EXPLICIT] is not None:
                    _stored(doc, top, key, len(container) == size)
            else:
                container.append(value)
        elif code == ALIAS:
            vline = event[2] + 1 + line_offset
            vcol = event[3] + 1
            anchored = anchors.get(event[1])
            if anchored is None:
                raise _InputError(
                    "yaml-syntax-error", f'found undefined alias "{event[1]}"', vline, vcol
                )
            value, size, height = anchored
            scalar = not isinstance(value, (dict, list))
            if len(stack) + height > MAX_DEPTH:
                # Depth counts through aliases: rules never see data deeper than the limit.
                raise _InputError(
                    "input-limit",
                    f'alias "*{event[1]}" nests deeper than {MAX_DEPTH} levels; '
                    "document not parsed further",
                    vline,
                    vcol,
                )
            total += size
            if total > MAX_NODES:
                raise _nodes_limit(vline, vcol)
            if top is None:
                root, have_root = value, True
                if entries is not None:
                    entries[""] = (vline, vcol, vline, vcol, scalar)
                continue
            if height + 1 > top[_HEIGHT]:
                top[_HEIGHT] = height + 1
            container = top[_VALUE]
            if top[_IS_MAP]:
                key = top[_KEY]
                if key is None:
                    top[_KEY] = _key_text(value)
                    top[_KLINE] = vline
                    top[_KCOL] = vcol
                    continue
                top[_KEY] = None
                if key == _MERGE and not scalar:
                    _merge(top, value)
                    continue
                size = len(container)
                container[key] = value
                if len(container) == size or top[_EXPLICIT] is not None:
                    _stored(doc, top, key, len(container) == size)
                if entries is not None:
                    entries[f"{top[_POINTER]}/{escape(key)}"] = (
                        top[_KLINE],
                        top[_KCOL],
                        vline,
                        vcol,
                        scalar,
                    )
            else:
                if entries is not None:
                    entries[f"{top[_POINTER]}/{len(container)}"] = (
                        vline,
                        vcol,
                        vline,
                        vcol,
                        scalar,
                    )
                container.append(value)
        elif code == DOCUMENT_START:
            dline = event[1] + 1 + line_offset
            if index >= MAX_DOCUMENTS:
                raise _StopFile(
                    "input-limit",
                    f"more than {MAX_DOCUMENTS:,} documents in one file; the rest is not parsed",
                    dline,
                    event[2] + 1,
                )
            doc = Document(index=index, line=dline)
            index += 1
            if eager:
                entries = {}
            else:
                events = [event]
                record = events.append
            stack = []
            top = None
            anchors = {}
            total = 0
            opened = 0
            root, have_root = None, False
        elif code == DOCUMENT_END:
            assert doc is not None
            doc.data = root if have_root and doc.loaded else None
            if events is not None:
                doc.positions = PositionIndex(build=functools.partial(_replay, events, line_offset))
                events = record = None
            else:
                doc.positions = PositionIndex(entries)
            out.append(doc)
            doc = None
        elif code == STREAM_END:
            return


def _replay(events: list[Event], line_offset: int) -> dict[str, Entry]:
    """The position index of the document whose events (DOCUMENT_START to DOCUMENT_END) these
    are. A document with aliases or complex keys (whose keys and scalars depend on the data
    built) goes through the whole pass again, eagerly; it loaded before, so nothing raises."""
    entries = _index(events, line_offset)
    if entries is not None:
        return entries
    out: list[Document] = []
    _drive(itertools.chain(events, (_STREAM_END,)).__next__, line_offset, 0, out, eager=True)
    return out[0].positions.entries


def _index(events: list[Event], line_offset: int) -> dict[str, Entry] | None:
    """The entries _drive's eager pass makes, from the events alone (no data built), or None
    at an alias or a complex key. Keys are resolved as _drive resolves them."""
    entries: dict[str, Entry] = {}
    # frames: [pointer, is a mapping, pending key, its line, its column, items so far]
    stack: list[list[Any]] = []
    top: list[Any] | None = None
    special = _SPECIAL_START
    plain_map = _PLAIN_MAP
    for event in events:
        code = event[0]
        if code == SCALAR:
            vline = event[5] + 1 + line_offset
            vcol = event[6] + 1
            if top is None:
                entries[""] = (vline, vcol, vline, vcol, True)
            elif top[1]:
                key = top[2]
                if key is None:
                    value = event[4]
                    tag = event[2]
                    if tag is None:
                        if event[3] and (not value or value[0] in special):
                            value = plain_map[value] if value in plain_map else resolve_plain(value)
                    else:
                        value = _resolve_tagged(tag, event[3], value)
                    top[2] = value if value.__class__ is str else yaml_scalar(value)
                    top[3] = vline
                    top[4] = vcol
                    continue
                top[2] = None
                token = escape(key) if "~" in key or "/" in key else key
                entries[f"{top[0]}/{token}"] = (top[3], top[4], vline, vcol, True)
            else:
                entries[f"{top[0]}/{top[5]}"] = (vline, vcol, vline, vcol, True)
                top[5] += 1
        elif code in (MAPPING_START, SEQUENCE_START):
            vline = event[2] + 1 + line_offset
            vcol = event[3] + 1
            if top is None:
                pointer = ""
                entries[""] = (vline, vcol, vline, vcol, False)
            elif top[1]:
                key = top[2]
                if key is None:
                    return None  # a complex key
                token = escape(key) if "~" in key or "/" in key else key
                pointer = f"{top[0]}/{token}"
                entries[pointer] = (top[3], top[4], vline, vcol, False)
            else:
                pointer = f"{top[0]}/{top[5]}"
                entries[pointer] = (vline, vcol, vline, vcol, False)
                top[5] += 1
            top = [pointer, code == MAPPING_START, None, 0, 0, 0]
            stack.append(top)
        elif code in (MAPPING_END, SEQUENCE_END):
            stack.pop()
            top = stack[-1] if stack else None
            if top is not None and top[1]:
                top[2] = None  # its value is complete
        elif code == ALIAS:
            return None
    return entries


_STREAM_END: Event = (STREAM_END,)


def _nodes_limit(line: int, column: int) -> _InputError:
    return _InputError(
        "input-limit",
        f"document expands to more than {MAX_NODES:,} nodes through aliases "
        "(alias-expansion bomb?); not parsed further",
        line,
        column,
    )


def _stored(doc: Document | None, top: list[Any], key: str, present: bool) -> None:
    """After storing under ``key`` in mapping frame ``top``: report a duplicate key (``present``:
    it was there before, and not only through a merge key) and track explicit keys."""
    explicit = top[_EXPLICIT]
    if present and (explicit is None or key in explicit):
        assert doc is not None
        doc.problems.append(
            InputProblem(
                "duplicate-key",
                f'duplicate key "{key}" (the last value wins; kubectl keeps it silently)',
                top[_KLINE],
                top[_KCOL],
                path=f"{top[_POINTER]}/{escape(key)}",
            )
        )
    if explicit is not None:
        explicit.add(key)


def _merge(top: list[Any], value: dict[str, Any] | list[Any]) -> None:
    """YAML merge key: copy keys that are not written explicitly in this mapping."""
    mapping: dict[str, Any] = top[_VALUE]
    explicit = top[_EXPLICIT]
    if explicit is None:
        explicit = top[_EXPLICIT] = set(mapping)
    sources = [value] if isinstance(value, dict) else [v for v in value if isinstance(v, dict)]
    for source in sources:
        for k, v in source.items():
            if k not in explicit and k not in mapping:
                mapping[k] = v


# --- public entry points -----------------------------------------------------------------------

# A document start marker line (also how kubelint.fix cuts a file into its documents).
DOC_START_RE = re.compile(r"^---(?=[ \t]|$)", re.MULTILINE)
# The same after a line break: a literal prefix, which the regex engine searches for at memory
# speed (a pattern starting with ``^`` is tried at every character of the text instead).
_DOC_START_AFTER_NL = re.compile(r"\n---(?=[ \t\n]|\Z)")


def doc_starts(text: str, pos: int = 0) -> Iterator[int]:
    """Offsets of the document start marker lines of ``text`` at or after ``pos``: where
    ``DOC_START_RE.finditer(text, pos)`` matches, found ten times faster."""
    if pos == 0 and DOC_START_RE.match(text):
        yield 0
    for match in _DOC_START_AFTER_NL.finditer(text, max(pos - 1, 0)):
        yield match.start() + 1


# A line that starts with a Go template action (after blanks and a list dash).
_TEMPLATE_PREFIX = re.compile(r"[ \t]*(?:-[ \t]+)?")


def has_template_line(text: str) -> bool:
    """Whether a line of ``text`` starts with ``{{`` (after blanks and ``- ``): Go template
    syntax rather than YAML. Only the lines holding ``{{`` are looked at, each once."""
    pos = text.find("{{")
    while pos >= 0:
        if _TEMPLATE_PREFIX.fullmatch(text, text.rfind("\n", 0, pos) + 1, pos):
            return True
        end = text.find("\n", pos)  # a later "{{" on this line has a "{" before it
        if end < 0:
            return False
        pos = text.find("{{", end)
    return False


def decode(data: bytes) -> tuple[str | None, InputProblem | None]:
    """Decode input bytes as UTF-8 (BOM allowed) or UTF-16/32 with a BOM."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problem = InputProblem(
            "yaml-syntax-error",
            f"cannot decode input as {encoding.replace('-sig', '')}: invalid byte "
            f"0x{data[exc.start]:02x} at offset {exc.start} ({exc.reason})",
            line,
            column,
        )
        return None, problem


def input_limit_problem() -> InputProblem:
    """The input-limit finding of a file or stream larger than MAX_BYTES (not read further)."""
    return InputProblem(
        "input-limit", f"input is larger than {MAX_BYTES // (1024 * 1024)} MiB; not parsed", 1, 1
    )


# Characters YAML 1.1 does not allow in a stream (C0/C1 controls, lone surrogates, U+FFFE/F):
# lone surrogates stand for undecodable bytes (load_bytes decodes with surrogateescape).
# The characters YAML does not accept (the complement of its printable set: TAB, LF, CR,
# #x20-#x7E, #x85, #xA0-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF), listed as they are: the same
# set written as a negated class takes ten times longer to compile, on every start.
_BAD_CHAR_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
MAX_CHAR_PROBLEMS = 20  # reported per file; every affected document is still left out


def _bad_characters(text: str) -> tuple[str, list[InputProblem], list[int]]:
    """(text with each bad character replaced by a space, their problems, their lines).

    One bad character must not cost the other documents of the file: the parser never sees
    it, it is reported at its own line:column, and only the document holding it is dropped.
    """
    problems: list[InputProblem] = []
    lines: list[int] = []
    line, line_start, pos = 1, 0, 0
    for match in _BAD_CHAR_RE.finditer(text):
        start = match.start()
        newlines = text.count("\n", pos, start)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", pos, start) + 1
        pos = start
        lines.append(line)
        if len(problems) < MAX_CHAR_PROBLEMS:
            code = ord(match.group(0))
            if 0xDC80 <= code <= 0xDCFF:
                what = f"cannot decode input as utf-8: invalid byte 0x{code - 0xDC00:02x}"
            else:
                what = f"unacceptable character #x{code:04x}: control characters are not allowed"
            problems.append(
                InputProblem(
                    "yaml-syntax-error",
                    f"{what} (the document holding it is not linted)",
                    line,
                    start - line_start + 1,
                )
            )
    return _BAD_CHAR_RE.sub(" ", text), problems, lines


# The ASCII characters _BAD_CHAR_RE allows, as bytes (for the fast check of ASCII text).
_ASCII_ALLOWED = b"\t\n\r" + bytes(range(0x20, 0x7F))


def has_bad_characters(text: str) -> bool:
    """Whether ``text`` holds a character _BAD_CHAR_RE matches. ASCII text (most manifests)
    is checked at memory speed: what is left after deleting every allowed byte is bad."""
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _ASCII_ALLOWED))
    return _BAD_CHAR_RE.search(text) is not None


def _drop_documents_on(documents: list[Document], lines: list[int]) -> None:
    """Mark the documents that hold any of ``lines`` as not loaded."""
    starts = [d.line for d in documents]
    for line in set(lines):
        i = bisect.bisect_right(starts, line) - 1
        if i >= 0:
            documents[i].data = None
            documents[i].loaded = False


def load_text(text: str) -> LoadResult:
    """Load every document of ``text``; syntax errors end a document, never the file."""
    documents: list[Document] = []
    problems: list[InputProblem] = []
    if len(text) > MAX_BYTES:
        problems.append(input_limit_problem())
        return LoadResult(documents, problems)
    bad_lines: list[int] = []
    if has_bad_characters(text):
        text, problems, bad_lines = _bad_characters(text)
    result = _load_clean(text, documents, problems)
    if bad_lines:
        _drop_documents_on(result.documents, bad_lines)
    return result


def _load_clean(text: str, documents: list[Document], problems: list[InputProblem]) -> LoadResult:
    offset_chars = 0
    line_offset = 0
    while True:
        chunk = text[offset_chars:] if offset_chars else text
        start = len(documents)
        try:
            _build_documents(chunk, line_offset, start, documents)
            return LoadResult(documents, problems)
        except _StopFile as exc:
            problems.append(InputProblem(exc.rule, exc.message, exc.line, exc.column))
            return LoadResult(documents, problems)
        except _InputError as exc:
            problems.append(InputProblem(exc.rule, exc.message, exc.line, exc.column))
            err_line = exc.line
        except Exception as exc:  # the C parser raises MarkedYAMLError subclasses
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = (mark.line + 1 + line_offset) if mark is not None else line_offset + 1
            column = (mark.column + 1) if mark is not None else 1
            problems.append(InputProblem("yaml-syntax-error", _syntax_message(exc), line, column))
            err_line = line
        # Resume after the broken document: at the next `---` line after the error.
        resume = _next_document_start(text, err_line, offset_chars)
        if resume is None:
            return LoadResult(documents, problems)
        offset_chars, line_offset = resume


def _syntax_message(exc: Exception) -> str:
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if problem:
        message = str(problem)
        if context:
            message = f"{context}: {message}"
        return message
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _next_document_start(text: str, err_line: int, current: int) -> tuple[int, int] | None:
    """Offset and 0-based line of the next ``---`` line at or after 1-based ``err_line``.

    The `---` must lie beyond ``current`` (the start of the chunk that failed), so a broken
    document is skipped exactly once.
    """
    pos = 0
    for _ in range(err_line - 1):
        nl = text.find("\n", pos)
        if nl < 0:
            return None
        pos = nl + 1
    start = next(doc_starts(text, max(pos, current + 1)), None)
    if start is None:
        return None
    return start, text.count("\n", 0, start)


def load_bytes(data: bytes) -> tuple[str | None, LoadResult]:
    """Decode and load ``data``: (text, documents). Undecodable bytes give ``(None, result)``
    whose only problem is the decoding error and which holds no documents."""
    text, problem = decode(data)
    if text is None and problem is not None and "utf-8" in problem.message:
        # Undecodable bytes cost only the document holding them (load_text reports each).
        text = data.decode("utf-8-sig", errors="surrogateescape")
        loaded = load_text(text)
        return _SURROGATE_RE.sub("\ufffd", text), loaded
    if text is None:
        assert problem is not None
        return None, LoadResult([], [problem])
    return text, load_text(text)


def read_yaml_file(path: Path) -> tuple[str | None, LoadResult]:
    """Read and parse one YAML file as YAML 1.1: the one reader for kubelint's own data (rule
    catalogue, profiles, config, suppression tables, API data) and for the files mappers and
    kustomization readers look at. The file is read as sources.read_regular reads inputs (only
    regular files, size capped); ``OSError`` propagates; see ``load_bytes`` for the rest."""
    from kubelint.sources import read_regular

    return load_bytes(read_regular(path))


def first_problem(loaded: LoadResult) -> InputProblem | None:
    """The first file-level or document problem of ``loaded`` (for strict readers)."""
    for p in loaded.problems:
        return p
    for d in loaded.documents:
        for p in d.problems:
            return p
    return None
