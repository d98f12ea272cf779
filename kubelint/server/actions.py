"""Code actions: suppress a finding (comment or annotation), apply a rule's fix, fix a file."""

from __future__ import annotations

import bisect
import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.workspace.position_codec import ServerTextPosition

from kubelint.server import edits
from kubelint.server.project import LINE_BREAK, Diagnostic

FIX_ALL_KIND = "source.fixAll.kubelint"

if TYPE_CHECKING:
    from kubelint.server.lsp import KubelintServer, _Published

ANNOTATION_REASON = "TODO: why this is accepted"


def _overlaps(a: types.Range, b: types.Range) -> bool:
    a0, a1 = (a.start.line, a.start.character), (a.end.line, a.end.character)
    b0, b1 = (b.start.line, b.start.character), (b.end.line, b.end.character)
    return a0 <= b1 and b0 <= a1


def _text_edit(ls: KubelintServer, lines: list[str], edit: edits.Edit) -> types.TextEdit:
    codec = ls.workspace.position_codec
    start = codec.position_to_client_units(lines, ServerTextPosition(*edit.start))
    end = codec.position_to_client_units(lines, ServerTextPosition(*edit.end))
    return types.TextEdit(range=types.Range(start=start, end=end), new_text=edit.text)


def _action(
    ls: KubelintServer,
    uri: str,
    published: _Published,
    title: str,
    kind: str,
    edit_list: list[edits.Edit],
    diagnostics: list[types.Diagnostic],
    preferred: bool = False,
) -> types.CodeAction:
    doc = ls.workspace.text_documents.get(uri)
    text_edits: list[types.TextEdit | types.AnnotatedTextEdit | types.SnippetTextEdit] = [
        _text_edit(ls, published.lines, e) for e in edit_list
    ]
    change = types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(
            uri=uri, version=doc.version if doc is not None else None
        ),
        edits=text_edits,
    )
    return types.CodeAction(
        title=title,
        kind=kind,
        diagnostics=diagnostics or None,
        edit=types.WorkspaceEdit(document_changes=[change]),
        is_preferred=preferred or None,
    )


def _is_yaml(lines: list[str]) -> bool:
    first = next((line.lstrip() for line in lines if line.strip()), "")
    return not first.startswith(("{", "["))


def suppress_actions(
    ls: KubelintServer,
    uri: str,
    published: _Published,
    diag: types.Diagnostic,
    item: Diagnostic,
) -> list[types.CodeAction]:
    if not _is_yaml(published.lines):
        return []  # JSON has no comments, and its layout is not ours to rewrite
    f = item.finding
    out = [
        _action(
            ls,
            uri,
            published,
            f"Suppress {f.rule} on this line (# kubelint: disable)",
            types.CodeActionKind.QuickFix,
            [edits.comment_suppression(published.lines, f.location.line, f.rule)],
            [diag],
        )
    ]
    obj = item.obj
    if obj is not None and obj.doc is not None:
        edit = edits.annotation_suppression(
            published.lines, obj.doc.positions, obj.base, f.rule, ANNOTATION_REASON
        )
        if edit is not None:
            out.append(
                _action(
                    ls,
                    uri,
                    published,
                    f"Suppress {f.rule} for {obj.kind} {obj.name} (annotation)",
                    types.CodeActionKind.QuickFix,
                    [edit],
                    [diag],
                )
            )
    return out


def code_actions(ls: KubelintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    published = ls.published.get(uri)
    if published is None:
        return []
    only = [str(k) for k in params.context.only or []]

    def wanted(kind: str) -> bool:
        return not only or any(kind == k or kind.startswith(k + ".") for k in only)

    out: list[types.CodeAction] = []
    hits = [
        (diag, item)
        for diag, item in published.items
        if item is not None and _overlaps(diag.range, params.range)
    ]
    if wanted(types.CodeActionKind.QuickFix):
        out.extend(fix_actions(ls, uri, published, hits))
        for diag, item in hits:
            out.extend(suppress_actions(ls, uri, published, diag, item))
        if hits:
            action = fix_all_action(ls, uri, published, types.CodeActionKind.QuickFix)
            if action is not None:
                out.append(action)
    if only and wanted(FIX_ALL_KIND):
        action = fix_all_action(ls, uri, published, FIX_ALL_KIND)
        if action is not None:
            out.append(action)
    return out


# -- fixes (kubelint.fix) ----------------------------------------------------------------------


def _fix_module() -> Any:
    """kubelint.fix, imported on the first code action (not at server start)."""
    return importlib.import_module("kubelint.fix")


class _Offsets:
    """Character offsets of a text -> 0-based (line, code point) as the server counts lines."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in LINE_BREAK.finditer(text)]

    def point(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, offset - self.starts[line]


def _offset_edits(text: str, spans: Sequence[tuple[int, int, str]]) -> list[edits.Edit]:
    offsets = _Offsets(text)
    return [edits.Edit(offsets.point(a), offsets.point(b), new) for a, b, new in spans]


def _options(fix: Any, published: _Published, unsafe: bool) -> Any:
    project = published.project
    return fix.FixOptions(
        unsafe=unsafe,
        kubernetes_version=project.kubernetes_version,
        params=project.fix_params,
    )


def fix_actions(
    ls: KubelintServer,
    uri: str,
    published: _Published,
    hits: list[tuple[types.Diagnostic, Diagnostic]],
) -> list[types.CodeAction]:
    """One action per fixable finding under the cursor; unsafe fixes say so."""
    if not hits:
        return []
    fix = _fix_module()
    project = published.project
    by_finding = {id(item.finding): diag for diag, item in hits}
    planned = fix.plan(
        published.text,
        [item.finding for _, item in hits],
        project.fix_rules,
        _options(fix, published, unsafe=True),
    )
    out: list[types.CodeAction] = []
    for fx in planned.fixes:
        diag = by_finding.get(id(fx.finding))
        if diag is None:
            continue
        label = "Fix" if fx.safe else "Fix (unsafe)"
        out.append(
            _action(
                ls,
                uri,
                published,
                f"{label} {fx.finding.rule}: {fx.description}",
                types.CodeActionKind.QuickFix,
                _offset_edits(published.text, [(e.start, e.end, e.new) for e in fx.edits]),
                [diag],
                preferred=fx.safe,
            )
        )
    return out


def fix_all_action(
    ls: KubelintServer, uri: str, published: _Published, kind: str
) -> types.CodeAction | None:
    """ "Fix all safe problems in this file": every safe fix, composed, as one edit."""
    fix = _fix_module()
    if published.fix_all is None:
        findings = [item.finding for _, item in published.items if item is not None]
        published.fix_all = fix.apply(
            published.text,
            findings,
            published.project.fix_rules,
            _options(fix, published, unsafe=False),
        )
    applied = published.fix_all
    if not applied.applied:
        return None
    old, new = published.text, applied.text
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]:
        end += 1
    fixed = {id(f.finding) for f in applied.applied}
    diagnostics = [
        d for d, item in published.items if item is not None and id(item.finding) in fixed
    ]
    count = len(applied.applied)
    return _action(
        ls,
        uri,
        published,
        f"Fix all safe problems in this file ({count} {'fix' if count == 1 else 'fixes'})",
        kind,
        _offset_edits(old, [(start, len(old) - end, new[start : len(new) - end])]),
        diagnostics,
    )
