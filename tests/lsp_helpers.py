"""Drive `kubelint server` as a subprocess with pytest-lsp's client (end-to-end tests)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

TIMEOUT = 120.0  # generous: the machine is shared, and a slow answer is not a wrong one
POLL = 0.2  # seconds between looks at the published diagnostics


def uri(path: Path) -> str:
    return path.resolve().as_uri()


class Session:
    """One running server and the client talking to it."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.versions: dict[str, int] = {}

    async def diagnostics_after(self, doc: str, action: Any = None) -> list[types.Diagnostic]:
        """Run ``action`` (a callable) and wait for the next diagnostics published for ``doc``."""
        self.client.diagnostics.pop(doc, None)
        if action is not None:
            action()
        return await self.wait(doc)

    async def wait(self, doc: str) -> list[types.Diagnostic]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        # Poll: pytest-lsp registers a notification waiter only once its task first runs, so
        # a publication read in between would be missed by a plain wait for the next one.
        while doc not in self.client.diagnostics:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no diagnostics published for {doc}")
            try:
                await asyncio.wait_for(
                    self.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS),
                    min(remaining, POLL),
                )
            except TimeoutError:
                continue
        return list(self.client.diagnostics[doc])

    async def open(self, path: Path, text: str | None = None) -> list[types.Diagnostic]:
        doc = uri(path)
        body = path.read_text(encoding="utf-8") if text is None else text
        self.versions[doc] = 1
        language = "json" if path.suffix == ".json" else "yaml"
        item = types.TextDocumentItem(uri=doc, language_id=language, version=1, text=body)
        return await self.diagnostics_after(
            doc,
            lambda: self.client.text_document_did_open(
                types.DidOpenTextDocumentParams(text_document=item)
            ),
        )

    async def change(self, path: Path, text: str) -> list[types.Diagnostic]:
        doc = uri(path)
        self.versions[doc] = self.versions.get(doc, 0) + 1
        params = types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(
                uri=doc, version=self.versions[doc]
            ),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
        return await self.diagnostics_after(
            doc, lambda: self.client.text_document_did_change(params)
        )

    def close(self, path: Path) -> None:
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=uri(path))
            )
        )

    async def save(self, path: Path) -> list[types.Diagnostic]:
        doc = uri(path)
        params = types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=doc)
        )
        return await self.diagnostics_after(doc, lambda: self.client.text_document_did_save(params))

    async def code_actions(
        self, path: Path, diag: types.Diagnostic, only: Sequence[str] | None = None
    ) -> list[types.CodeAction]:
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri(path)),
                range=diag.range,
                context=types.CodeActionContext(
                    diagnostics=[diag],
                    only=[types.CodeActionKind(k) for k in only] if only else None,
                ),
            )
        )
        return [a for a in result or [] if isinstance(a, types.CodeAction)]

    async def hover(self, path: Path, position: types.Position) -> types.Hover | None:
        return await self.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri(path)), position=position
            )
        )


def apply_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 positions) to ``text``."""
    lines = text.split("\n")

    def offset(pos: types.Position) -> int:
        before = sum(len(line) + 1 for line in lines[: pos.line])
        line = lines[pos.line] if pos.line < len(lines) else ""
        units = 0
        chars = 0
        for ch in line:
            if units >= pos.character:
                break
            units += 2 if ord(ch) > 0xFFFF else 1
            chars += 1
        return before + chars

    spans = sorted((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits)
    for start, end, new in reversed(spans):
        text = text[:start] + new + text[end:]
    return text


def action_edits(action: types.CodeAction) -> list[types.TextEdit]:
    assert action.edit is not None and action.edit.document_changes
    out: list[types.TextEdit] = []
    for change in action.edit.document_changes:
        assert isinstance(change, types.TextDocumentEdit)
        out.extend(e for e in change.edits if isinstance(e, types.TextEdit))
    return out


@asynccontextmanager
async def session(
    folders: Sequence[Path],
    *args: str,
    init_options: Any = None,
    env: dict[str, str] | None = None,
    command: Sequence[str] | None = None,
    settings: Any = None,
) -> AsyncIterator[Session]:
    """A server for ``folders``: `kubelint server ARGS`, or ``command`` (a Python program that
    starts the server some other way) run by this interpreter. ``settings``: the client supports
    workspace/configuration and answers from this dict (``{"kubelint": {...}}``; change it to
    change the answer)."""
    argv = [sys.executable, *command] if command else [sys.executable, "-m", "kubelint", "server"]
    config = ClientServerConfig(
        server_command=[*argv, *args],
        server_env={**os.environ, **env} if env else None,
    )
    client = await config.start()
    assert isinstance(client, LanguageClient)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    client.registrations = []  # type: ignore[attr-defined]
    if settings is not None:
        client.set_configuration(settings)  # kept by reference: the test may change it
    capabilities = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=True
            ),
            configuration=settings is not None,
        ),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(related_information=True)
        ),
    )
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            workspace_folders=[types.WorkspaceFolder(uri=uri(f), name=f.name) for f in folders],
            initialization_options=init_options,
        )
    )
    try:
        yield Session(client)
    finally:
        await client.shutdown_session()
        await client.stop()
