"""`kubelint server`: the Language Server Protocol over stdio, built on pygls and lsprotocol.

Diagnostics are published for YAML and JSON documents on open, on change (the first change after
a quiet moment is linted at once, a burst of changes is coalesced into one lint) and on save;
hover explains the rule under the cursor; code actions suppress a finding with a comment or an
annotation, and apply rule fixes where ``kubelint.fix`` offers them. Nothing a document or a rule
does may stop the server: errors become diagnostics or messages in the client's log.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace.position_codec import PositionCodec

from kubelint import __version__
from kubelint.config import CONFIG_NAMES
from kubelint.server.diagnostics import SOURCE, explain_markdown, path_uri, to_lsp
from kubelint.server.project import (
    Diagnostic,
    Project,
    ProjectError,
    ServerSettings,
    find_project_root,
    split_lines,
)

SECTION = "kubelint"  # the client's settings section (workspace/configuration)
DEBOUNCE = 0.15  # seconds: changes within this time of the last lint are coalesced
EXTENSIONS = (".yaml", ".yml", ".json")
LANGUAGES = {"yaml", "json", "jsonc", "yml"}
FIX_ALL_KIND = "source.fixAll.kubelint"

F = TypeVar("F", bound=Callable[..., Any])


def uri_to_path(uri: str) -> Path | None:
    if not uri.startswith("file:"):
        return None
    fs = to_fs_path(uri)
    if fs is None:
        fs = unquote(urlparse(uri).path)
    return Path(fs).resolve()


class _Published:
    """What was last sent for one document, for hover and code actions."""

    def __init__(
        self,
        project: Project,
        text: str,
        lines: list[str],
        items: list[tuple[types.Diagnostic, Diagnostic | None]],
    ) -> None:
        self.project = project
        self.text = text
        self.lines = lines
        self.items = items
        self.fix_all: Any = None  # kubelint.fix.Applied of the safe fixes, once asked for

    def key(self) -> list[Any]:
        return [(d.range, d.code, d.message, d.severity) for d, _ in self.items]


class KubelintServer(LanguageServer):
    def __init__(self, settings: ServerSettings | None = None) -> None:
        super().__init__(
            "kubelint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.settings = settings or ServerSettings()
        self.base_settings = self.settings  # command line + initializationOptions
        self.projects: dict[Path, Project] = {}
        self.folders: list[Path] = []
        self.published: dict[str, _Published] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.last_lint: dict[str, float] = {}
        self.logged_notices: set[str] = set()
        self.config_diagnostics: set[str] = set()

    # -- logging ------------------------------------------------------------------------------

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        with contextlib.suppress(Exception):  # no client connection: nothing to log to
            self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def internal_error(self, what: str) -> None:
        self.log(
            f"kubelint: internal error {what}:\n{traceback.format_exc()}", types.MessageType.Error
        )

    # -- projects -----------------------------------------------------------------------------

    def project_for(self, path: Path) -> Project:
        root = find_project_root(path, self.folders) or path.parent
        project = self.projects.get(root)
        if project is None:
            project = self.projects[root] = Project(root, self.settings)
            self.report_project(project)
        return project

    def report_project(self, project: Project) -> None:
        """Show a configuration error as a diagnostic on the configuration file and a message."""
        error = project.error
        for uri in list(self.config_diagnostics):
            path = uri_to_path(uri)
            if path is not None and (
                path.parent == project.root or path.parent in project.root.parents
            ):
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
                )
                self.config_diagnostics.discard(uri)
        if error is None:
            return
        self.log(f"kubelint: {error.message}", types.MessageType.Error)
        with contextlib.suppress(Exception):
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Error, message=f"kubelint: {error.message}"
                )
            )
        if error.file is not None:
            line, column = _config_position(error, error.file)
            uri = path_uri(error.file)
            pos = types.Position(line=line, character=column)
            diag = types.Diagnostic(
                range=types.Range(start=pos, end=types.Position(line=line, character=column + 1)),
                message=error.message,
                severity=types.DiagnosticSeverity.Error,
                source=SOURCE,
                code="config-error",
            )
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[diag])
            )
            self.config_diagnostics.add(uri)

    # -- settings from the client (workspace/configuration) ------------------------------------

    def request_settings(self) -> None:
        """Ask the client for its ``kubelint`` settings (when it supports workspace/configuration);
        the answer is merged over the command line's settings and applied."""
        caps = self.client_capabilities.workspace
        if caps is None or not caps.configuration:
            return
        params = types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])

        def answer(result: Sequence[Any] | None) -> None:
            try:
                self.apply_settings(result[0] if result else None)
            except Exception:
                self.internal_error("while applying the client's settings")

        self.workspace_configuration(params, answer)

    def apply_settings(self, options: Any) -> None:
        """New settings from the editor: rebuild every project with them and lint again."""
        settings = ServerSettings.merge(self.base_settings, options)
        if settings == self.settings:
            return
        self.settings = settings
        self.projects.clear()
        self.published.clear()  # every open document is published again
        self.lint_all()

    def reload_projects(self, changed: Sequence[Path]) -> None:
        for project in list(self.projects.values()):
            if any(project.watches(p) for p in changed):
                project.reload()
                self.report_project(project)
                self.lint_all(project)

    # -- documents ----------------------------------------------------------------------------

    def open_texts(self) -> dict[Path, str]:
        texts: dict[Path, str] = {}
        for uri, doc in self.workspace.text_documents.items():
            path = uri_to_path(uri)
            if path is not None and self.lintable(uri, doc.language_id):
                texts[path] = doc.source
        return texts

    @staticmethod
    def lintable(uri: str, language_id: str | None) -> bool:
        path = urlparse(uri).path.lower()
        if path.endswith(EXTENSIONS):
            return True
        return (language_id or "").lower() in LANGUAGES

    def lint_all(self, project: Project | None = None) -> None:
        done: set[Path] = set()
        for path in list(self.open_texts()):
            if path in done:
                continue
            if project is not None and self.project_for(path) is not project:
                continue
            done.update(self.lint_path(path))

    def schedule(self, uri: str) -> None:
        """Lint soon: at once after a quiet moment, else once the burst of changes settles."""
        if uri in self.pending:
            return
        wait = max(0.0, self.last_lint.get(uri, 0.0) + DEBOUNCE - time.monotonic())
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not called from the event loop: no timer, lint now
            self.lint_uri(uri)
            return
        self.pending[uri] = loop.call_later(wait, self._run_pending, uri)

    def _run_pending(self, uri: str) -> None:
        self.pending.pop(uri, None)
        self.lint_uri(uri)

    def lint_uri(self, uri: str) -> None:
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        path = uri_to_path(uri)
        if path is None:
            return
        try:
            self.lint_path(path)
        except Exception:  # whatever failed, the document gets an answer
            self.internal_error(f"while linting {path}")
            self.publish_empty(uri)

    def publish_empty(self, uri: str) -> None:
        """Publish no diagnostics for ``uri`` (the answer to a lint that could not run)."""
        self.published.pop(uri, None)
        doc = self.workspace.text_documents.get(uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, diagnostics=[], version=doc.version if doc is not None else None
            )
        )

    def lint_path(self, path: Path) -> set[Path]:
        """Lint ``path``'s deployment unit; publish for every open document of it whose
        diagnostics changed. Returns the documents that were linted."""
        texts = self.open_texts()
        if path not in texts:
            return set()
        uri_of = {p: self._uri_for(p) for p in texts}
        try:
            project = self.project_for(path)
        except Exception:
            self.last_lint[uri_of[path]] = time.monotonic()
            self.internal_error(f"while loading the configuration for {path}")
            self.publish_empty(uri_of[path])
            return {path}
        try:
            results = project.lint(path, texts)
        except Exception:  # log it; the document still gets what can be published: nothing
            self.internal_error(f"while linting {path}")
            results = {path: []}
        finally:
            self.last_lint[uri_of[path]] = time.monotonic()
        for error in project.errors:
            self.log(f"kubelint: {error}", types.MessageType.Error)
        for notice in project.notices:
            if notice not in self.logged_notices:
                self.logged_notices.add(notice)
                self.log(f"kubelint: {notice}", types.MessageType.Info)
        if path not in results:  # excluded or not a manifest: no diagnostics
            results[path] = []
        for member, diags in results.items():
            uri = uri_of.get(member)
            if uri is None:
                continue
            try:
                self.publish(uri, project, texts[member], diags, force=member == path)
            except Exception:
                self.internal_error(f"while publishing diagnostics for {member}")
                if member == path:
                    self.publish_empty(uri)
        return set(results)

    def _uri_for(self, path: Path) -> str:
        documents: dict[str, Any] = self.workspace.text_documents
        for uri in documents:
            if uri_to_path(uri) == path:
                return uri
        return path_uri(path)

    def publish(
        self, uri: str, project: Project, text: str, diags: list[Diagnostic], force: bool
    ) -> None:
        lines = split_lines(text)
        flow = text.lstrip()[:1] in ("{", "[")
        codec = self.workspace.position_codec
        items: list[tuple[types.Diagnostic, Diagnostic | None]] = []
        for d in diags:
            try:
                items.append((self.to_lsp(d, lines, flow, codec, project), d))
            except Exception:  # one finding that cannot be shown does not hide the others
                self.internal_error(f"while converting a {d.finding.rule} finding of {uri}")
        published = _Published(project, text, lines, items)
        previous = self.published.get(uri)
        self.published[uri] = published
        if not force and previous is not None and previous.key() == published.key():
            return
        doc = self.workspace.text_documents.get(uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri,
                diagnostics=[d for d, _ in items],
                version=doc.version if doc is not None else None,
            )
        )

    def to_lsp(
        self,
        d: Diagnostic,
        lines: list[str],
        flow: bool,
        codec: PositionCodec,
        project: Project,
    ) -> types.Diagnostic:
        return to_lsp(d, lines, flow, codec, project, self._uri_for_name)

    def _uri_for_name(self, name: str, project: Project) -> str:
        path = Path(name)
        return self._uri_for(path if path.is_absolute() else (project.base / path).resolve())

    def forget_document(self, uri: str) -> None:
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        self.published.pop(uri, None)
        self.last_lint.pop(uri, None)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )


def _config_position(error: ProjectError, file: Path) -> tuple[int, int]:
    """0-based line/column of ``file:LINE:COL:`` in a configuration error message."""
    text = error.message
    prefix = str(file) + ":"
    if text.startswith(prefix):
        parts = text[len(prefix) :].split(":", 2)
        if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
            return int(parts[0]) - 1, int(parts[1]) - 1
    return 0, 0


def guarded(what: str, answer: bool = False) -> Callable[[F], F]:
    """Never let an exception in a handler escape: log it to the client and go on.
    ``answer``: a document notification (didOpen, didChange) whose document must get
    diagnostics even then (an empty list)."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(ls: KubelintServer, params: Any) -> Any:
            try:
                return fn(ls, params)
            except Exception:
                ls.internal_error(what)
                if answer:
                    with contextlib.suppress(Exception):
                        ls.publish_empty(params.text_document.uri)
                return None

        return cast(F, inner)

    return wrap


def create_server(settings: ServerSettings | None = None) -> KubelintServer:
    server = KubelintServer(settings)

    @server.feature(types.INITIALIZE)
    @guarded("during initialize")
    def initialize(ls: KubelintServer, params: types.InitializeParams) -> None:
        ls.settings = ServerSettings.merge(ls.settings, params.initialization_options)
        ls.base_settings = ls.settings
        folders: list[Path] = []
        for folder in params.workspace_folders or []:
            path = uri_to_path(folder.uri)
            if path is not None:
                folders.append(path)
        if not folders and params.root_uri:
            path = uri_to_path(params.root_uri)
            if path is not None:
                folders.append(path)
        ls.folders = folders

    @server.feature(types.INITIALIZED)
    @guarded("after initialize")
    def initialized(ls: KubelintServer, params: types.InitializedParams) -> None:
        caps = ls.client_capabilities.workspace
        watched = caps.did_change_watched_files if caps is not None else None
        if watched is not None and watched.dynamic_registration:
            watchers = [
                types.FileSystemWatcher(glob_pattern=pattern)
                for pattern in ("**/*.yaml", "**/*.yml", "**/*.json", "**/.kubelint.y*ml")
            ]
            ls.client_register_capability(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="kubelint-watched-files",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=watchers
                            ),
                        )
                    ]
                )
            )
        for root in ls.folders:
            ls.project_for(root / CONFIG_NAMES[0])
        ls.request_settings()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    @guarded("on didChangeConfiguration")
    def did_change_configuration(
        ls: KubelintServer, params: types.DidChangeConfigurationParams
    ) -> None:
        pushed = params.settings
        if isinstance(pushed, dict) and isinstance(pushed.get(SECTION), dict):
            ls.apply_settings(pushed[SECTION])  # the push model: the settings came along
        else:
            ls.request_settings()  # the pull model: a change happened, ask for it

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded("on didOpen", answer=True)
    def did_open(ls: KubelintServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        if ls.lintable(doc.uri, doc.language_id):
            ls.lint_uri(doc.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded("on didChange", answer=True)
    def did_change(ls: KubelintServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        doc = ls.workspace.text_documents.get(uri)
        if doc is not None and ls.lintable(uri, doc.language_id):
            ls.schedule(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @guarded("on didSave")
    def did_save(ls: KubelintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = uri_to_path(uri)
        if path is None:
            return
        if path.name in CONFIG_NAMES or any(p.watches(path) for p in ls.projects.values()):
            ls.reload_projects([path])
            return
        for project in ls.projects.values():
            project.forget(path)
        doc = ls.workspace.text_documents.get(uri)
        if doc is not None and ls.lintable(uri, doc.language_id):
            ls.lint_uri(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded("on didClose")
    def did_close(ls: KubelintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.forget_document(uri)
        path = uri_to_path(uri)
        if path is None:
            return
        # the unit's other open documents now see the file as it is on disk
        texts = ls.open_texts()
        for project in ls.projects.values():
            project.forget(path)
        others = [p for p in texts if p != path]
        if others:
            project = ls.project_for(path)
            for member in project.unit_members(path, others):
                ls.lint_path(member)
                break

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded("on didChangeWatchedFiles")
    def did_change_watched(ls: KubelintServer, params: types.DidChangeWatchedFilesParams) -> None:
        changed = [p for p in (uri_to_path(c.uri) for c in params.changes) if p is not None]
        config_changes = [
            p for p in changed if any(proj.watches(p) for proj in ls.projects.values())
        ]
        if config_changes:
            ls.reload_projects(config_changes)
        texts = ls.open_texts()
        relint: set[Path] = set()
        for path in changed:
            for project in ls.projects.values():
                project.forget(path)
            if path in texts:
                continue  # the editor's text wins over the file on disk
            for open_path in texts:
                if open_path in relint:
                    continue
                project = ls.project_for(open_path)
                if project.unit_dir(open_path) in (path.parent, *path.parents):
                    relint.update(project.unit_members(open_path, texts))
                    ls.lint_path(open_path)

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    @guarded("on didChangeWorkspaceFolders")
    def did_change_folders(
        ls: KubelintServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        for folder in params.event.removed:
            path = uri_to_path(folder.uri)
            if path is not None:
                ls.folders = [f for f in ls.folders if f != path]
                ls.projects.pop(path, None)
        for folder in params.event.added:
            path = uri_to_path(folder.uri)
            if path is not None and path not in ls.folders:
                ls.folders.append(path)
        ls.projects = {root: p for root, p in ls.projects.items() if root in ls.folders}
        ls.lint_all()

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded("on hover")
    def hover(ls: KubelintServer, params: types.HoverParams) -> types.Hover | None:
        published = ls.published.get(params.text_document.uri)
        if published is None:
            return None
        pos = params.position
        parts: list[str] = []
        seen: set[str] = set()
        hit: types.Range | None = None
        for diag, item in published.items:
            if item is None or not _contains(diag.range, pos):
                continue
            rule = item.finding.rule
            if rule in seen:
                continue
            seen.add(rule)
            spec = published.project.rules.get(rule)
            if spec is None:
                continue
            parts.append(f"{item.finding.message}\n\n{explain_markdown(spec)}")
            hit = hit or diag.range
        if not parts:
            return None
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)
            ),
            range=hit,
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll]
        ),
    )
    @guarded("on codeAction")
    def code_action(
        ls: KubelintServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        from kubelint.server import actions

        return actions.code_actions(ls, params)

    return server


def _contains(rng: types.Range, pos: types.Position) -> bool:
    start, end = rng.start, rng.end
    after_start = (pos.line, pos.character) >= (start.line, start.character)
    before_end = (pos.line, pos.character) <= (end.line, end.character)
    return after_start and before_end


def serve(settings: ServerSettings | None = None) -> None:
    create_server(settings).start_io()
