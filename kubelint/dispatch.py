"""Dispatch: run the active rules over the objects of a run and turn violations into findings.

Per-object, per-pod-spec and per-container rules run as each object is built
(kubelint.build); whole-set (cross-object) rules run once per lint set. Checks return JSON
Pointers; dispatch turns them into file positions through the loader's position index (and the
mapper of rendered output), builds immutable findings and applies suppressions.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from kubelint import records
from kubelint.build import ObjectBuilder
from kubelint.checks import RunNotes
from kubelint.declarative import evaluate
from kubelint.findings import Finding, Location, Related, RunResult, Violation, fingerprint
from kubelint.lintset import LintSet
from kubelint.mapping import map_finding, tag_builds
from kubelint.model import K8sObject
from kubelint.options import Options
from kubelint.records import dataclass, field
from kubelint.selection import ActiveRule
from kubelint.sources import Source
from kubelint.suppress import Suppressor

if TYPE_CHECKING:
    from kubelint.kustomize_tree import Fills

_CONTAINER_TOKENS = ("initContainers", "containers", "ephemeralContainers")


def _named_path(obj: K8sObject, path: str) -> str:
    """Replace container indexes in ``path`` by container names."""
    pod = obj.pod
    if pod is None or not any(t in path for t in _CONTAINER_TOKENS):
        return path
    for c in pod.containers:
        if path == c.pointer or path.startswith(c.pointer + "/"):
            prefix = c.pointer[: c.pointer.rfind("/")]
            return f"{prefix}/{c.name}{path[len(c.pointer) :]}"
    return path


@dataclass
class Linted:
    """What one lint step produced: its findings (in ``result``, with the sources, skipped files
    and rule errors of the step), the objects cross-object rules may relate, and the object each
    finding is about (annotation suppressions and editor code actions look at it)."""

    result: RunResult
    objects: list[K8sObject] = field(default_factory=list)
    owners: dict[int, K8sObject] = field(default_factory=dict)  # id(finding) -> its object

    def owner(self, finding: Finding) -> K8sObject | None:
        return self.owners.get(id(finding))


class Engine:
    """Runs a fixed set of active rules over sources.

    ``run`` lints a whole run (``start`` / ``lint_source`` / ``finish`` for callers that drive
    it themselves, as kubelint.parallel does). ``lint_file``, ``cross_object`` and ``suppress``
    are the same stages one at a time, for callers that cache per file (the language server).
    """

    def __init__(
        self,
        rules: Iterable[ActiveRule],
        options: Options,
        suppressor: Suppressor | None = None,
    ) -> None:
        self.options = options
        self.suppressor = suppressor
        # id(finding) -> its object, recorded while a run needs it (suppressions); None: not kept
        self._owners: dict[int, K8sObject] | None = {} if suppressor is not None else None
        self.rules = list(rules)
        by_target: dict[str, list[ActiveRule]] = {}
        for rule in self.rules:
            by_target.setdefault(rule.spec.target, []).append(rule)
        self.object_rules = by_target.get("object", [])
        self.pod_rules = by_target.get("pod-spec", [])
        self.container_rules = by_target.get("container", [])
        self.set_rules = by_target.get("set", [])
        self.enabled = {r.id: r for r in self.rules}
        self.builder = ObjectBuilder(options, self.enabled)
        # source name -> what its kustomizations would fill in (those findings are dropped)
        self.fills: dict[str, Fills] = {}
        self._mappers = self.builder.mappers  # source name -> mapper of rendered output
        # (source name, its findings, text, documents) -> reported fixes (kubelint.fix.report):
        # set by the runner when the report shows fixes.
        self.fix_planner: Callable[[str, list[Finding], str, Any], dict[Finding, Any]] | None = None
        # What a run built and would free as it ends (its lint sets, with every object and
        # document), appended here instead when set: a command-line run keeps it all until the
        # process exits (kubelint.runner.RETAINED), not freeing it object by object.
        self.keep: list[object] | None = None

    # -- the finding -> object table ----------------------------------------------------------

    def owner(self, finding: Finding) -> K8sObject | None:
        """The object ``finding`` (of this engine's current run) is about, when recorded."""
        return self._owners.get(id(finding)) if self._owners is not None else None

    def attach(self, finding: Finding, obj: K8sObject) -> None:
        """Record that ``finding``, made elsewhere (a worker process), is about ``obj``."""
        if self._owners is not None:
            self._owners[id(finding)] = obj

    def clear_owners(self) -> None:
        if self._owners is not None:
            self._owners.clear()

    def drop_mapper(self, name: str) -> bool:
        """Forget the mapper ``load_source`` made for rendered source ``name`` (its findings are
        mapped elsewhere); whether there was one."""
        return self._mappers.pop(name, None) is not None

    # -- one stage at a time --------------------------------------------------------------------

    def _collecting(self) -> tuple[dict[int, K8sObject] | None, dict[int, K8sObject]]:
        saved, self._owners = self._owners, {}
        return saved, self._owners

    def lint_file(self, source: Source) -> Linted:
        """One file on its own: its documents built into objects (input findings included) and
        the per-object, per-pod and per-container rules run; no cross-object rules, no
        suppressions. The engine's own run state is left as it was."""
        saved, owners = self._collecting()
        if source.kustomize_fills is not None:  # as lint_source: what kustomize fills in
            self.fills[source.name] = source.kustomize_fills
        else:
            self.fills.pop(source.name, None)
        try:
            result = RunResult()
            objects = [
                obj for obj in self.load_source(source, result) if self.lint_object(obj, result)
            ]
            return Linted(result, objects, owners)
        finally:
            self._owners = saved

    def cross_object(self, lint_set: LintSet) -> Linted:
        """The cross-object (set) rules over ``lint_set``; a rule that raises is an entry of
        ``result.errors``, as in a run."""
        saved, owners = self._collecting()
        try:
            result = RunResult()
            for rule in self.set_rules:
                self._call(rule, lint_set, None, result)
            return Linted(result, list(lint_set.objects), owners)
        finally:
            self._owners = saved

    def suppress(self, result: RunResult, owners: Mapping[int, K8sObject] | None = None) -> None:
        """Move suppressed findings out of ``result.findings`` into ``suppressed_findings``
        (annotations of each finding's object in ``owners``, default: the objects this engine's
        run recorded; comments in ``result.sources``; config exemptions; other linters'
        annotations). Nothing to do without a suppressor."""
        if self.suppressor is None:
            return
        self._suppress(result, self.suppressor, self._owners if owners is None else owners)

    # -- a whole run ----------------------------------------------------------------------------

    def load_source(self, source: Source, result: RunResult) -> list[K8sObject]:
        """Parse one source into objects (kubelint.build); input problems become findings."""
        return self.builder.load_source(source, result)

    def run(
        self,
        sources: Iterable[Source],
        result: RunResult | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> RunResult:
        """Lint ``sources``; ``progress(files done, objects done)`` is called per file."""
        result = result or RunResult()
        notes = self.start(result)
        sets: dict[str, list[K8sObject]] = {}
        for source in sources:
            if source.data is None:
                continue
            self.lint_source(source, result, sets)
            if progress is not None:
                progress(result.files, result.objects)
        if self.keep is not None:
            self.keep.append(sets)
        return self.finish(sets, notes, result)

    def start(self, result: RunResult) -> RunNotes:
        """Begin a run: one RunNotes, shared by every rule's context."""
        result.rules = [r.spec for r in self.rules]
        notes = RunNotes()
        for rule in self.rules:
            rule.ctx = records.replace(rule.ctx, notes=notes)
        return notes

    def lint_source(
        self, source: Source, result: RunResult, sets: dict[str, list[K8sObject]]
    ) -> None:
        """Load one source and run the per-object rules; its objects join their lint sets."""
        first = len(result.findings)
        if source.kustomize_fills is not None:
            self.fills[source.name] = source.kustomize_fills
        for obj in self.load_source(source, result):
            if self.lint_object(obj, result):
                sets.setdefault(obj.lint_set, []).append(obj)
        self.plan_fixes(source, result, first)

    def plan_fixes(self, source: Source, result: RunResult, first: int = 0) -> None:
        """The fixes of the findings ``result.findings[first:]`` of a plain source just linted
        (when a fix planner is set), from the documents it was loaded into."""
        last = self.builder.last_load
        self.builder.last_load = None
        if self.fix_planner is None or last is None or source.mapper is not None:
            return
        name, text, loaded = last
        if name == source.name and len(result.findings) > first:
            result.fixes.update(self.fix_planner(name, result.findings[first:], text, loaded))

    def finish(
        self, sets: dict[str, list[K8sObject]], notes: RunNotes, result: RunResult
    ) -> RunResult:
        """Cross-object rules over each lint set, notes, suppressions and the final order
        (kubelint.parallel calls start / lint_source / finish itself)."""
        if self.set_rules:
            for set_id, objs in sets.items():
                lint_set = LintSet(
                    set_id,
                    objs,
                    complete=self.options.complete,
                    namespace_given=self.options.namespace is not None,
                )
                for rule in self.set_rules:
                    self._call(rule, lint_set, None, result)
        tag_builds(result.findings, self._owners)
        result.notices.extend(n for n in notes.notices if n not in result.notices)
        for key, count in notes.not_validated.items():
            result.not_validated[key] = result.not_validated.get(key, 0) + count
        for mapper in self._mappers.values():  # templates/sources findings now point at
            for name, text in mapper.texts.items():
                result.sources.setdefault(name, text)
            result.notices.extend(n for n in mapper.notes() if n not in result.notices)
        self.suppress(result)
        result.findings.sort(key=Finding.sort_key)
        return result

    @staticmethod
    def _suppress(
        result: RunResult, suppressor: Suppressor, owners: Mapping[int, K8sObject] | None
    ) -> None:
        lines: dict[str, list[str]] = {}
        for name, text in result.sources.items():
            suppressor.register_text(name, text)
        kept: list[Finding] = []
        for f in result.findings:
            obj = owners.get(id(f)) if owners is not None else None
            hit = suppressor.annotation(f.rule, obj) if obj is not None else None
            if hit is None:
                file = f.location.file
                if file not in lines:
                    text = result.sources.get(file) or ""
                    # Suppressor.comment only looks at lines holding "kubelint:"
                    lines[file] = text.splitlines() if "kubelint:" in text else []
                hit = suppressor.comment(f.rule, file, f.location.line, lines[file])
            if hit is None:
                hit = suppressor.exemption(f)
            if hit is None:
                kept.append(f)
            else:
                result.suppressed_findings.append((f, hit))
        result.findings = kept
        result.suppressed = len(result.suppressed_findings)

    def adopt_object(self, obj: K8sObject, result: RunResult) -> None:
        """Count an object of the run and register it (plugins' pod locator, suppressions)."""
        result.objects += 1
        if obj.pod_locator is None:
            obj.pod_locator = self.options.pod_locator
        if self.suppressor is not None:
            self.suppressor.register_object(obj)

    def lint_object(self, obj: K8sObject, result: RunResult) -> bool:
        """Run per-object rules; returns False when the object is too broken to relate."""
        self.adopt_object(obj, result)
        problems = obj.shape_problems()
        if "invalid-object" in self.enabled:
            for v in problems:
                self._emit(self.enabled["invalid-object"], obj, v, result)
        if not obj.kind or not obj.api_version or not obj.names_valid():
            return False  # too broken to lint: invalid-object says why
        for rule in self.object_rules:
            if rule.spec.kinds and obj.kind not in rule.spec.kinds:
                continue
            self._call(rule, obj, obj, result)
        pod = obj.pod
        if pod is not None:
            for rule in self.pod_rules:
                self._call(rule, pod, obj, result)
            for c in pod.containers:
                for rule in self.container_rules:
                    kinds = rule.spec.containers
                    if kinds and c.kind not in kinds:
                        continue
                    self._call(rule, c, obj, result, container=c.name)
        return True

    def _call(
        self,
        rule: ActiveRule,
        target: Any,
        obj: K8sObject | None,
        result: RunResult,
        container: str | None = None,
    ) -> None:
        try:
            if rule.fn is not None:
                for v in rule.fn(target, rule.ctx):
                    self._emit(rule, obj, v, result)
            elif rule.validator is not None:
                for v in evaluate(rule, target, container):
                    self._emit(rule, obj, v, result)
        except Exception as exc:  # a broken rule must not stop the run
            import traceback

            where = f" on {obj.ref} in {obj.file}" if obj is not None else ""
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            result.errors.append(f"rule {rule.id} raised {tb}{where}")
            if os.environ.get("KUBELINT_DEBUG"):
                result.errors.append(traceback.format_exc())

    def _emit(
        self, rule: ActiveRule, obj: K8sObject | None, v: Violation, result: RunResult
    ) -> None:
        target = v.obj if isinstance(v.obj, K8sObject) else obj
        assert target is not None
        fills = self.fills.get(target.file) if self.fills else None
        if fills is not None and fills.hides(target, v.path):
            return  # a kustomization's file on its own: the build would set this value
        pointer = target.base + v.path
        line, column, _ = target.doc.positions.locate(pointer, v.at)
        path = v.path
        location, rendered, message = Location(target.file, line, column), None, v.message
        extra: dict[str, str] = {}
        related: tuple[Related, ...] = ()
        mapper = self._mappers.get(target.file) if self._mappers else None
        if mapper is not None:  # rendered Helm/Kustomize output: point at the source file
            location, rendered, message, extra, related = map_finding(mapper, target, v, location)
        elif "autofix" in rule.spec.raw:  # whether `kubelint fix` has a (safe) fix for it
            from kubelint.fix.spec import fix_safety

            safety = fix_safety(rule.spec.raw, target, path, rule.ctx.params, self.options)
            if safety is not None:
                extra = {**extra, "fix": safety}
        ref = target.ref
        finding = Finding(
            rule=rule.id,
            severity=rule.spec.severity,
            message=message,
            location=location,
            object=ref,
            container=v.container,
            path=path,
            rendered=rendered,
            fingerprint=fingerprint(rule.id, ref, _named_path(target, path)),
            category=rule.spec.category,
            extra=extra,
            related=related,
        )
        result.findings.append(finding)
        if self._owners is not None:
            self._owners[id(finding)] = target
