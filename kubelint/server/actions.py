"""Code actions: suppress a finding (comment or annotation), apply a rule's fix, fix a file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.workspace.position_codec import ServerTextPosition

from kubelint.server import edits
from kubelint.server.project import Diagnostic

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
    only = params.context.only
    want_quickfix = not only or any(
        k == types.CodeActionKind.QuickFix or str(k).startswith("quickfix") for k in only
    )
    out: list[types.CodeAction] = []
    if want_quickfix:
        for diag, item in published.items:
            if item is None or not _overlaps(diag.range, params.range):
                continue
            out.extend(suppress_actions(ls, uri, published, diag, item))
    return out
