"""What the language server lints, without any protocol: projects, deployment units, caches.

A *project* is one workspace folder with the configuration in effect there (``.kubelint.yaml``
discovered from the folder as `kubelint lint` run in it would, custom rules, plugins, an optional
baseline): its rules are selected and compiled once and reused by every request until the
configuration changes.

An open document is linted together with the other files of its *deployment unit*, as
`kubelint lint UNIT` would lint them: the nearest directory at or above the document (inside the
workspace folder) that holds a kustomization, else the document's own directory tree. Open
documents count with their editor text, every other file with its text on disk.

Each file's parse and per-object findings are cached under a key of its text (open documents) or
its size and modification time (files on disk), so a change re-parses and re-checks only the
changed document; the unit's cross-object rules then run again over the cached objects, and only
the open documents whose findings changed need to be published again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kubelint import records
from kubelint.baseline import Baseline, BaselineError
from kubelint.baseline import read as read_baseline
from kubelint.baseline import split as split_baseline
from kubelint.checks import RunNotes
from kubelint.config import CONFIG_NAMES, Config, find_config
from kubelint.dispatch import Engine
from kubelint.findings import Finding, RunResult
from kubelint.kustomization import KUSTOMIZATION_FILES
from kubelint.kustomize_tree import Fills, scan
from kubelint.lintset import LintSet
from kubelint.model import K8sObject
from kubelint.records import dataclass, field
from kubelint.runner import Catalog
from kubelint.selection import ActiveRule
from kubelint.server.related import Related, related_locations
from kubelint.sources import Skipped, Source, collect
from kubelint.suppress import Suppressor

# A directory tree bigger than this is not read as one unit: the document is linted with the
# files of its own directory only (a workspace root with thousands of manifests is not an
# application).
MAX_UNIT_FILES = 2000
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines as LSP counts them (``\\n``, ``\\r\\n`` and ``\\r`` end a line)."""
    return LINE_BREAK.split(text)


class ProjectError(Exception):
    """The configuration of a workspace folder cannot be used (message names file and line)."""

    def __init__(self, message: str, file: Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file


@dataclass
class ServerSettings:
    """What the editor may tell the server (command-line options or initializationOptions)."""

    config: str | None = None  # an explicit configuration file (relative to the folder)
    baseline: str | None = None  # a baseline file (relative to the folder)
    no_plugins: bool = False

    @classmethod
    def merge(cls, base: ServerSettings, options: Any) -> ServerSettings:
        if not isinstance(options, Mapping):
            return base
        out = records.replace(base)
        for key, attr in (("config", "config"), ("configFile", "config"), ("baseline", "baseline")):
            value = options.get(key)
            if isinstance(value, str) and value:
                setattr(out, attr, value)
        value = options.get("noPlugins")
        if isinstance(value, bool):
            out.no_plugins = value
        return out


@dataclass
class Diagnostic:
    """One finding in one open document, with the object it is about (for code actions)."""

    finding: Finding
    obj: K8sObject | None
    related: list[Related] = field(default_factory=list)  # in the same file


@dataclass
class _FileEntry:
    key: str
    text: str | None
    objects: list[K8sObject]  # objects the cross-object rules may relate
    findings: list[Finding]
    owners: dict[int, K8sObject]  # id(finding) -> object (annotation suppressions)
    skipped: list[Skipped]
    errors: list[str]


@dataclass
class _Unit:
    directory: Path
    files: list[Path] | None = None  # None: not listed yet
    skipped: dict[Path, str] = field(default_factory=dict)


def content_key(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Project:
    """One workspace folder: its configuration, rules, units and caches."""

    def __init__(self, root: Path, settings: ServerSettings | None = None) -> None:
        self.root = root.resolve()
        self.settings = settings or ServerSettings()
        self.error: ProjectError | None = None
        self.notices: list[str] = []
        self.errors: list[str] = []  # rule/plugin errors of the last lint (logged by the server)
        self._files: dict[Path, _FileEntry] = {}
        self._units: dict[Path, _Unit] = {}
        self.config = Config()
        self.foreign_suppressions = True
        self.catalogue: Catalog | None = None
        self.config_path: Path | None = None
        self.reload()

    # -- configuration ------------------------------------------------------------------------

    def _resolve(self, name: str) -> Path:
        path = Path(name).expanduser()
        return path if path.is_absolute() else self.root / path

    def reload(self) -> None:
        """(Re)read the configuration and rebuild the rules; keeps the previous working setup
        when the new configuration is broken (``self.error`` says why)."""
        try:
            self._setup()
            self.error = None
        except ProjectError as exc:
            self.error = exc
            if self.catalogue is None:  # nothing working yet: lint with the defaults
                self.config = Config()
                self.config_path = None
                with contextlib.suppress(ProjectError):
                    self._setup(use_config=False)
        self._files.clear()
        self._units.clear()

    def _setup(self, use_config: bool = True) -> None:
        """The configuration in effect as `kubelint lint` run in the workspace folder sees it
        (runner.prepare: the command line's own settings merge, rule selection and compile)."""
        from kubelint.runner import RunError, prepare
        from kubelint.settings import Settings

        settings = self.settings
        path: Path | None = None
        if use_config:
            path = self._resolve(settings.config) if settings.config else find_config(self.root)
        flags = Settings(
            config=str(path) if path is not None else None,
            no_config=path is None,
            no_plugins=settings.no_plugins,
        )
        try:
            prep = prepare(flags)
        except RunError as exc:
            raise ProjectError(str(exc), path) from exc
        baseline: Baseline | None = None
        if settings.baseline:
            try:
                baseline = read_baseline(self._resolve(settings.baseline))
            except BaselineError as exc:
                raise ProjectError(str(exc)) from exc
        notes = RunNotes()
        active = [records.replace(r, ctx=records.replace(r.ctx, notes=notes)) for r in prep.active]
        self.config, self.config_path = prep.config, path
        self.foreign_suppressions = prep.eff.foreign_suppressions
        self.catalogue = prep.catalog
        self.active: list[ActiveRule] = active
        self.options = prep.options
        self.baseline = baseline
        self.notes = notes
        self.rules = {r.id: r.spec for r in active}
        # what kubelint.fix needs: each rule's data (its `autofix`) and params
        self.fix_rules = {r.id: r.spec.raw for r in active}
        self.fix_params = {r.id: dict(r.ctx.params) for r in active}
        self.kubernetes_version = prep.eff.kubernetes_version
        self._new_engine()

    def _new_engine(self) -> None:
        self.suppressor = Suppressor(self.config.exemptions, foreign=self.foreign_suppressions)
        self.engine = Engine(self.active, self.options, self.suppressor)

    def watches(self, path: Path) -> bool:
        """Whether a change of ``path`` changes this project's configuration."""
        resolved = path.resolve() if path.exists() else path
        if self.config_path is not None and resolved == self.config_path.resolve():
            return True
        if path.name in CONFIG_NAMES and (
            resolved.parent == self.root or resolved.parent in self.root.parents
        ):
            return True
        if self.settings.baseline and resolved == self._resolve(self.settings.baseline).resolve():
            return True
        for directory in self.config.custom_rules:
            try:
                resolved.relative_to(directory.resolve())
                return True
            except ValueError:
                continue
        return False

    # -- units --------------------------------------------------------------------------------

    @property
    def base(self) -> Path:
        """Names in findings are relative to this directory (the configuration's, like a run
        of `kubelint lint` where the configuration lives, else the workspace folder)."""
        return self.config.path.parent.resolve() if self.config.path is not None else self.root

    def name_of(self, path: Path) -> str:
        try:
            return path.relative_to(self.base).as_posix()
        except ValueError:
            return path.as_posix()

    def unit_dir(self, path: Path) -> Path:
        return deployment_unit(path, self.root)

    def _unit(self, directory: Path) -> _Unit:
        unit = self._units.get(directory)
        if unit is None:
            unit = self._units[directory] = _Unit(directory)
        if unit.files is None:
            sources, skipped, _ = collect([str(directory)])
            if len(sources) > MAX_UNIT_FILES:
                sources = [s for s in sources if s.path is not None and s.path.parent == directory]
            unit.files = [s.path.resolve() for s in sources if s.path is not None]
            unit.skipped = {}
            for s in skipped:
                unit.skipped[(Path.cwd() / s.name).resolve()] = s.reason
        return unit

    def forget(self, path: Path) -> None:
        """A file was created, changed or deleted on disk."""
        self._files.pop(path, None)
        for unit in self._units.values():
            if path.parent == unit.directory or unit.directory in path.parents:
                unit.files = None

    def unit_members(self, path: Path, open_paths: Iterable[Path]) -> list[Path]:
        """Open documents that share ``path``'s deployment unit (``path`` included)."""
        directory = self.unit_dir(path)
        return [p for p in open_paths if p == path or self.unit_dir(p) == directory]

    def _excluded(self, path: Path) -> bool:
        import fnmatch

        patterns = self.config.exclude
        if not patterns:
            return False
        try:
            rel = path.relative_to(self.base).as_posix()
        except ValueError:
            return False
        return any(fnmatch.fnmatchcase(rel, p) for p in patterns)

    # -- linting ------------------------------------------------------------------------------

    def _entry(self, path: Path, data: bytes, key: str) -> _FileEntry:
        cached = self._files.get(path)
        if cached is not None and cached.key == key:
            return cached
        source = Source(
            name=self.name_of(path), path=path, data=data, kustomize_fills=_fills_for(path)
        )
        linted = self.engine.lint_file(source)
        result = linted.result
        entry = _FileEntry(
            key=key,
            text=result.sources.get(source.name),
            objects=linted.objects,
            findings=result.findings,
            owners=linted.owners,
            skipped=result.skipped,
            errors=result.errors,
        )
        self._files[path] = entry
        return entry

    def lint(self, path: Path, texts: Mapping[Path, str]) -> dict[Path, list[Diagnostic]]:
        """Lint the deployment unit of ``path``; ``texts`` holds every open document's editor
        text. Returns the diagnostics of each open document of the unit."""
        self.errors = []
        directory = self.unit_dir(path)
        members = {p for p in texts if p == path or self.unit_dir(p) == directory}
        members = {p for p in members if not self._excluded(p)}
        unit = self._unit(directory)
        assert unit.files is not None
        files = list(unit.files)
        for p in sorted(members):
            if p not in files and p not in unit.skipped:
                files.append(p)
        entries: dict[Path, _FileEntry] = {}
        for file in files:
            if self._excluded(file):
                continue
            if file in texts:
                data = texts[file].encode("utf-8")
                key = "text:" + content_key(data)
            else:
                try:
                    st = file.stat()
                except OSError:
                    continue
                key = f"disk:{st.st_size}:{st.st_mtime_ns}"
                cached = self._files.get(file)
                if cached is not None and cached.key == key:
                    entries[file] = cached
                    continue
                try:
                    data = file.read_bytes()
                except OSError:
                    continue
            try:
                entries[file] = self._entry(file, data, key)
            except Exception:  # a loader or engine bug: log it, lint the rest
                self.errors.append(f"{file}: internal error\n{traceback.format_exc()}")
        return self._cross_and_suppress(entries, members, unit)

    def _cross_and_suppress(
        self, entries: dict[Path, _FileEntry], members: set[Path], unit: _Unit
    ) -> dict[Path, list[Diagnostic]]:
        engine = self.engine
        owners: dict[int, K8sObject] = {}
        findings: list[Finding] = []
        wanted = {self.name_of(p): p for p in members}
        for file, entry in entries.items():
            self.errors.extend(entry.errors)
            if file in members:
                findings.extend(entry.findings)
                owners.update(entry.owners)
        if engine.set_rules:
            objects = [obj for entry in entries.values() for obj in entry.objects]
            lint_set = LintSet("files", objects, complete=self.options.complete)
            try:
                cross = engine.cross_object(lint_set)
            except Exception:  # a LintSet or engine bug: the per-file findings still count
                self.errors.append(f"cross-object rules: internal error\n{traceback.format_exc()}")
            else:
                self.errors.extend(cross.result.errors)
                for f in cross.result.findings:
                    if f.location.file in wanted:
                        findings.append(f)
                        obj = cross.owner(f)
                        if obj is not None:
                            owners[id(f)] = obj
        # suppressions: annotations, comments, exemptions (as the engine applies them)
        run = RunResult(findings=findings)
        for p in members:
            member = entries.get(p)
            if member is not None and member.text is not None:
                run.sources[self.name_of(p)] = member.text
        engine.suppress(run, owners)
        kept = run.findings
        if self.baseline is not None:
            kept, _ = split_baseline(kept, self.baseline)
        for note in self.notes.notices:
            if note not in self.notices:
                self.notices.append(note)
        out: dict[Path, list[Diagnostic]] = {p: [] for p in members}
        lines: dict[Path, list[str]] = {}
        for f in sorted(kept, key=Finding.sort_key):
            target = wanted.get(f.location.file)
            if target is None:
                continue
            obj = owners.get(id(f))
            source = entries.get(target)
            related: list[Related] = []
            if source is not None and source.text is not None:
                if target not in lines:
                    lines[target] = split_lines(source.text)
                try:
                    related = related_locations(f, obj, lines[target], source.objects)
                except Exception:  # the finding still counts without its related locations
                    self.errors.append(f"{target}: internal error\n{traceback.format_exc()}")
            out[target].append(Diagnostic(f, obj, related))
        return out

    def skip_reason(self, path: Path) -> str | None:
        """Why a document is not linted (a kustomization, a Helm template, excluded …)."""
        if self._excluded(path):
            return "excluded by configuration"
        unit = self._unit(self.unit_dir(path))
        reason = unit.skipped.get(path)
        if reason is not None:
            return reason
        entry = self._files.get(path)
        if entry is not None:
            for s in entry.skipped:
                if s.name == self.name_of(path):
                    return s.reason
        return None


def deployment_unit(path: Path, root: Path) -> Path:
    """The deployment unit of a document: the nearest directory holding a kustomization at or
    above it (inside the workspace folder ``root``), else the document's own directory."""
    directory = path.parent
    probe = directory
    while True:
        if any((probe / name).is_file() for name in KUSTOMIZATION_FILES):
            return probe
        if probe == root or probe == probe.parent or root not in probe.parents:
            return directory
        probe = probe.parent


def find_project_root(path: Path, folders: Iterable[Path]) -> Path | None:
    """The innermost workspace folder holding ``path``."""
    best: Path | None = None
    for folder in folders:
        inside = folder == path or folder in path.parents
        if inside and (best is None or len(folder.parts) > len(best.parts)):
            best = folder
    return best


def _fills_for(path: Path) -> Fills | None:
    """What the kustomizations at and above ``path`` that name it fill in (labels, selectors,
    names, namespaces, images): an editor lints a file as a file, as ``lint --no-kustomize``
    does, so those findings are not reported on it."""
    try:
        return scan([str(path)]).fills_for(Path(os.path.realpath(path)))
    except (OSError, ValueError):
        return None
