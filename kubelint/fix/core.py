"""Fixes for findings in one text: compute them (each on its own) and apply them (composed).

Nothing here reads files, writes files or prints: callers (the ``fix`` command, ``lint --fix``,
reporters, the language server) get plain data back.

Every fix is checked before it is offered: the edited document must load without any problem
(no syntax error, no duplicate key) and give exactly the data of the original with the fix's
changes applied, and the same holds for the whole text after all fixes are composed.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from itertools import accumulate
from typing import Any

from kubelint import records
from kubelint.findings import Finding
from kubelint.fix.spec import Decision, Op, apply_op, autofix_of, decide
from kubelint.fix.text import (
    CannotFix,
    DocIndex,
    Style,
    Text,
    TextEdit,
    apply_edits,
    detect_style,
    edit_append,
    edit_delete,
    edit_rename,
    edit_set,
    index_documents,
)
from kubelint.loader import Document, LoadResult, doc_starts, has_template_line, load_text
from kubelint.model import K8sObject
from kubelint.records import dataclass, field


@dataclass(frozen=True)
class Fix:
    """The fix of one finding, as edits of the original text (independent of other fixes)."""

    finding: Finding
    safe: bool
    description: str
    edits: tuple[TextEdit, ...]
    ops: tuple[Op, ...] = ()
    lines: tuple[int, int] | None = None  # applied fixes: 1-based first/last line in the new text


@dataclass(frozen=True)
class Unfixable:
    """A finding of a rule that has a fix, which cannot be fixed here, and why."""

    finding: Finding
    reason: str
    by_rule: bool = False  # the rule's fix data says there is no fix for it (not a failure)


@dataclass
class TextFixes:
    """What :func:`plan` found for one text."""

    fixes: list[Fix] = field(default_factory=list)
    unfixable: list[Unfixable] = field(default_factory=list)
    error: str | None = None  # the whole text is refused (syntax error, template, ...)


@dataclass
class Applied:
    """What :func:`apply` did to one text."""

    text: str
    applied: list[Fix] = field(default_factory=list)
    skipped: list[Fix] = field(default_factory=list)  # unsafe fixes left out
    failed: list[Unfixable] = field(default_factory=list)
    error: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.applied)


@dataclass(frozen=True)
class FixOptions:
    unsafe: bool = False  # apply unsafe fixes too (``--unsafe-fixes``)
    kubernetes_version: tuple[int, int] | None = None
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # rule id -> params


def has_fix(rule_raw: Any) -> bool:
    return autofix_of(rule_raw) is not None


# --- whole-text checks ---------------------------------------------------------------------------


def refusal(text: str, loaded: LoadResult | None = None) -> str | None:
    """Why ``text`` must not be rewritten at all, or None (``loaded``: ``text`` already loaded)."""
    if loaded is None:
        loaded = load_text(text)
    if "{{" in text and (
        has_template_line(text) or loaded.problems or any(d.complex_keys for d in loaded.documents)
    ):
        return "the file has Go template syntax (fix the template, not its rendered output)"
    problems = list(loaded.problems) + [p for d in loaded.documents for p in d.problems]
    if problems:
        p = sorted(problems, key=lambda p: (p.line, p.column))[0]
        what = {"duplicate-key": "a duplicate key", "input-limit": "an input limit"}.get(
            p.rule, "a YAML syntax error"
        )
        return f"the file has {what} at line {p.line}, column {p.column}: {p.message}"
    return None


# --- documents -----------------------------------------------------------------------------------


class _Chunks:
    """The text cut into one chunk per document, so a fix re-parses only its document."""

    def __init__(self, text: str, docs: list[Document]) -> None:
        starts = [0, *_line_offsets(text, [d.line for d in docs[1:]])]
        self.lines = [0] + [d.line - 1 for d in docs[1:]]
        self.texts = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
        self.starts = starts
        self.data = [d.data for d in docs]

    def doc_of_line(self, line: int) -> int:
        """Index of the document holding 1-based ``line``."""
        return max(bisect.bisect_right(self.lines, line - 1) - 1, 0)

    def joined(self) -> str:
        return "".join(self.texts)


def _line_offsets(text: str, lines: Sequence[int]) -> list[int]:
    """Where each 1-based line of ``lines`` (document starts) begins in ``text``.

    A document after the first starts at a ``---`` line nearly always: those are found with
    one search per marker (counting the lines between them in C); any other line is found from
    the lengths of all lines, computed once and only then."""
    at_marker: dict[int, int] = {}
    if lines:
        line, pos = 1, 0
        for start in doc_starts(text):
            line += text.count("\n", pos, start)
            pos = start
            at_marker[line] = pos
    ends: list[int] | None = None  # ends[j]: characters of lines 0..j without their "\n"s
    out = []
    for line in lines:
        offset = at_marker.get(line)
        if offset is None:
            if line == 1:
                offset = 0
            else:
                if ends is None:
                    ends = list(accumulate(map(len, text.split("\n"))))
                offset = ends[line - 2] + line - 1 if line - 1 < len(ends) else len(text)
        out.append(offset)
    return out


_NO_POSITIONS = Document(index=0, line=1)  # fixes read the model's data, never its positions


def _target(data: Any, finding: Finding) -> tuple[K8sObject, str] | None:
    """The object a finding is about within its document's data, and its base pointer."""
    if not isinstance(data, dict):
        return None
    items = data.get("items")
    kind = data.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, dict):
                obj = K8sObject(item, "", _NO_POSITIONS, base=f"/items/{i}")
                if finding.object is not None and obj.ref == finding.object:
                    return obj, f"/items/{i}"
        return None
    return K8sObject(data, "", _NO_POSITIONS), ""


def _copy(data: Any) -> Any:
    """A deep copy of loaded data (dicts, lists and scalars)."""
    if data.__class__ is dict:
        return {k: _copy(v) for k, v in data.items()}
    if data.__class__ is list:
        return [_copy(v) for v in data]
    return data


def _same(a: Any, b: Any) -> bool:
    """Whether two loaded values are the same data as JSON sees it: mapping order aside, with
    types exact (``true`` is not ``1``, ``1`` is not ``1.0``) and NaN the same as NaN."""
    kind = a.__class__
    if kind is not b.__class__:
        return False
    if kind is dict:
        return len(a) == len(b) and all(k in b and _same(v, b[k]) for k, v in a.items())
    if kind is list:
        return len(a) == len(b) and all(map(_same, a, b))
    if kind is float:
        return repr(a) == repr(b)
    return bool(a == b)


def _edits_for(
    text: str, doc: DocIndex, ops: Sequence[Op], style: Style | None = None
) -> list[TextEdit]:
    """Edits of ``text`` (one document) for ``ops``; several ops are composed into one edit.
    ``style``: ``detect_style(doc)`` when the caller has it already."""
    if len(ops) == 1:
        return _op_edits(Text(text), doc, ops[0], style or detect_style(doc))
    current = text
    for op in ops:
        docs = index_documents(current)
        ct = Text(current)
        current = apply_edits(current, _op_edits(ct, docs[0], op, detect_style(docs[0])))
    return [_span(text, current)] if current != text else []


def _op_edits(t: Text, doc: DocIndex, op: Op, style: Any) -> list[TextEdit]:
    if op.kind == "set":
        return edit_set(t, doc, op.pointer, op.value, style)
    if op.kind == "append":
        return edit_append(t, doc, op.pointer, op.value, style)
    if op.kind == "rename":
        return edit_rename(t, doc, op.pointer, str(op.value))
    return edit_delete(t, doc, op.pointer)


def _span(old: str, new: str) -> TextEdit:
    """One edit replacing the region where ``old`` and ``new`` differ."""
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]:
        end += 1
    return TextEdit(start, len(old) - end, new[start : len(new) - end])


def _check(chunk: str, expected: Any) -> str | None:
    """Why the edited document ``chunk`` is not acceptable, or None."""
    loaded = load_text(chunk)
    problems = list(loaded.problems) + [p for d in loaded.documents for p in d.problems]
    if problems:
        return f"the edit would give invalid YAML ({problems[0].message})"
    if len(loaded.documents) != 1 or not _same(loaded.documents[0].data, expected):
        return "the edit would not give the intended data"
    return None


# --- planning ------------------------------------------------------------------------------------


def _decide(
    rules: Mapping[str, Any], finding: Finding, data: Any, options: FixOptions
) -> Decision | str:
    autofix = autofix_of(rules.get(finding.rule))
    if autofix is None:
        return "the rule has no fix"
    target = _target(data, finding)
    if target is None or finding.path is None:
        return "the finding's object is not in the document"
    obj, base = target
    params = dict(options.params.get(finding.rule, {}))
    decision = decide(autofix, obj, finding.path, base, params, options.kubernetes_version)
    if not decision.ops:
        return decision.reason or "no automatic fix"
    return decision


def plan(
    text: str,
    findings: Sequence[Finding],
    rules: Mapping[str, Any],
    options: FixOptions | None = None,
    loaded: LoadResult | None = None,
) -> TextFixes:
    """The fix of each finding in ``text`` (rules: rule id -> rule data with ``autofix``),
    each as edits of the original text. Findings of rules without a fix are ignored.
    ``loaded``: ``load_text(text)`` when the caller has it already (its data unchanged)."""
    options = options or FixOptions()
    out = TextFixes()
    relevant = [f for f in findings if autofix_of(rules.get(f.rule)) is not None]
    if not relevant:
        return out
    if loaded is None:
        loaded = load_text(text)
    out.error = refusal(text, loaded)
    if out.error is not None:
        out.unfixable.extend(Unfixable(f, out.error) for f in relevant)
        return out
    chunks = _Chunks(text, loaded.documents)
    indexes: dict[int, tuple[DocIndex, Style]] = {}  # per document: its index and style
    for finding in relevant:
        i = chunks.doc_of_line(finding.location.line)
        decision = _decide(rules, finding, chunks.data[i], options)
        if isinstance(decision, str):
            out.unfixable.append(Unfixable(finding, decision, by_rule=True))
            continue
        chunk = chunks.texts[i]
        try:
            if i not in indexes:
                index = index_documents(chunk)[0]
                indexes[i] = index, detect_style(index)
            index, style = indexes[i]
            edits = _edits_for(chunk, index, decision.ops, style)
            if not edits:
                continue  # already as the fix wants it
            expected = _copy(chunks.data[i])
            for op in decision.ops:
                expected = apply_op(expected, op)
            problem = _check(apply_edits(chunk, edits), expected)
            if problem is not None:
                raise CannotFix(problem)
        except CannotFix as exc:
            out.unfixable.append(Unfixable(finding, str(exc)))
            continue
        shift = chunks.starts[i]
        moved = tuple(TextEdit(e.start + shift, e.end + shift, e.new) for e in edits)
        out.fixes.append(Fix(finding, decision.safe, decision.description, moved, decision.ops))
    return out


def apply(
    text: str,
    findings: Sequence[Finding],
    rules: Mapping[str, Any],
    options: FixOptions | None = None,
) -> Applied:
    """Apply the fixes of ``findings`` to ``text`` one after the other (each re-planned on the
    text its predecessors left, so fixes of one container compose); unsafe fixes only with
    ``options.unsafe``."""
    options = options or FixOptions()
    relevant = [f for f in findings if autofix_of(rules.get(f.rule)) is not None]
    out = Applied(text)
    if not relevant:
        return out
    loaded = load_text(text)
    out.error = refusal(text, loaded)
    if out.error is not None:
        out.failed.extend(Unfixable(f, out.error) for f in relevant)
        return out
    chunks = _Chunks(text, loaded.documents)
    expected = list(chunks.data)  # each fix copies before it changes anything
    ranges: list[list[int]] = []  # per applied fix: [document, start, end] in its chunk
    # A fix can make another one possible (privileged: false lets allowPrivilegeEscalation be
    # set): findings the rule data declined are tried again after a pass that changed something.
    pending = sorted(relevant, key=Finding.sort_key)
    for _ in range(3):
        declined: list[Unfixable] = []
        progress = False
        for finding in pending:
            i = chunks.doc_of_line(finding.location.line)
            decision = _decide(rules, finding, expected[i], options)
            if isinstance(decision, str):
                declined.append(Unfixable(finding, decision, by_rule=True))
                continue
            fix = Fix(finding, decision.safe, decision.description, (), decision.ops)
            if not decision.safe and not options.unsafe:
                out.skipped.append(fix)
                continue
            chunk = chunks.texts[i]
            try:
                doc = index_documents(chunk)
                if len(doc) != 1:
                    raise CannotFix("the document cannot be edited on its own")
                edits = _edits_for(chunk, doc[0], decision.ops)
                if not edits:
                    continue
                new_chunk = apply_edits(chunk, edits)
                want = _copy(expected[i])
                for op in decision.ops:
                    want = apply_op(want, op)
                problem = _check(new_chunk, want)
                if problem is not None:
                    raise CannotFix(problem)
            except CannotFix as exc:
                out.failed.append(Unfixable(finding, str(exc)))
                continue
            span = _span(chunk, new_chunk)
            delta = len(span.new) - (span.end - span.start)
            for r in ranges:
                if r[0] == i and r[1] >= span.end:
                    r[1] += delta
                    r[2] += delta
                elif r[0] == i and r[2] > span.start:
                    r[2] = max(r[2] + delta, r[1])
            ranges.append([i, span.start, span.start + len(span.new)])
            chunks.texts[i] = new_chunk
            expected[i] = want
            out.applied.append(fix)
            progress = True
        pending = [u.finding for u in declined]
        if not progress or not pending:
            break
    out.failed.extend(declined)
    if not out.applied:
        return out
    new_text = chunks.joined()
    offsets = [0]
    for chunk_text in chunks.texts:
        offsets.append(offsets[-1] + len(chunk_text))
    out.applied = [
        records.replace(
            f,
            lines=(
                position(new_text, offsets[r[0]] + r[1])[0],
                position(new_text, max(offsets[r[0]] + r[2] - 1, offsets[r[0]] + r[1]))[0],
            ),
        )
        for f, r in zip(out.applied, ranges, strict=True)
    ]
    # No reload of the whole text: every edited document was loaded on its own after each of
    # its fixes and gave exactly the intended data without any problem, and the documents
    # around it are unchanged bytes.
    out.text = new_text
    return out


def fixed_text(text: str, fixes: Sequence[Fix]) -> str:
    """``text`` with the edits of independent ``fixes`` (as :func:`plan` gives them) applied
    one fix at a time (handy for a single code action; compose many with :func:`apply`)."""
    edits = [e for f in fixes for e in f.edits]
    return apply_edits(text, edits)


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column in code points) of a character offset."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col
