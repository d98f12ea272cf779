"""JSON Pointer helpers and the per-document position index (pointer -> line/column).

The index is filled by the loader while it builds the plain data, and read by the engine to
turn a check's JSON Pointer into a file position following design.md's positions table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

# (key line, key column, value line, value column, value is a scalar); all 1-based.
# For list items and the document root the "key" is the item / root position itself.
Entry = tuple[int, int, int, int, bool]


def escape(token: str) -> str:
    """Escape one reference token (RFC 6901)."""
    if "~" in token or "/" in token:
        return token.replace("~", "~0").replace("/", "~1")
    return token


def unescape(token: str) -> str:
    if "~" in token:
        return token.replace("~1", "/").replace("~0", "~")
    return token


def join(pointer: str, *tokens: str | int) -> str:
    """Append reference tokens to a pointer: ``join("/spec", "a/b", 0) == "/spec/a~1b/0"``."""
    for token in tokens:
        pointer = f"{pointer}/{token}" if isinstance(token, int) else f"{pointer}/{escape(token)}"
    return pointer


def split(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [unescape(t) for t in pointer[1:].split("/")]


def parent(pointer: str) -> str:
    return pointer[: pointer.rfind("/")] if pointer else pointer


def to_dotted(pointer: str) -> str:
    """``/spec/containers/0/image`` -> ``spec.containers[0].image`` for messages."""
    out = ""
    for token in split(pointer):
        if token.isdigit():
            out += f"[{token}]"
        else:
            out += f".{token}" if out else token
    return out


class PositionIndex:
    """Positions of every key and value of one YAML document, keyed by JSON Pointer.

    ``build``: a function returning the entries, called on first use instead of ``entries``
    (the loader builds a document's index only when something is looked up in it: most
    documents of a run, CRDs above all, never are)."""

    __slots__ = ("_build", "_entries")

    def __init__(
        self,
        entries: dict[str, Entry] | None = None,
        build: Callable[[], dict[str, Entry]] | None = None,
    ) -> None:
        self._entries = entries if entries is not None or build is not None else {}
        self._build = build

    @property
    def entries(self) -> dict[str, Entry]:
        entries = self._entries
        if entries is None:
            assert self._build is not None
            entries = self._entries = self._build()
            self._build = None
        return entries

    def __contains__(self, pointer: str) -> bool:
        return pointer in self.entries

    def locate(
        self, pointer: str, at: Literal["auto", "key", "value"] = "auto"
    ) -> tuple[int, int, bool]:
        """Return (line, column, exact) for ``pointer``.

        A present scalar points at its value, a present mapping or sequence at its key (a list
        item at its first key, i.e. the ``- `` line); an absent field points at its nearest
        existing ancestor's key. ``exact`` is False when an ancestor was used.
        """
        entries = self.entries
        probe = pointer
        exact = True
        while True:
            entry = entries.get(probe)
            if entry is not None:
                kline, kcol, vline, vcol, scalar = entry
                if exact and (at == "value" or (at == "auto" and scalar)):
                    return vline, vcol, True
                return kline, kcol, exact
            if not probe:
                return 1, 1, False
            probe = probe[: probe.rfind("/")]
            exact = False
