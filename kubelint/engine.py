"""The rule engine: select rules, load sources into objects, run checks, produce findings.

Per-object, per-pod-spec and per-container rules run as each object is built; whole-set
(cross-object) rules run once per lint set. Checks return JSON Pointers; the engine turns them
into file positions through the loader's position index and builds immutable findings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs

from kubelint.catalog import CatalogError, Profile, RuleSpec, profile_rules, suggest
from kubelint.checks import KUBERNETES_VERSION_DEFAULT, CheckContext, RunNotes
from kubelint.findings import Finding, Location, Severity, Violation
from kubelint.lintset import LintSet
from kubelint.loader import Document, InputProblem, decode, load_text
from kubelint.mapping import Mapper, map_finding
from kubelint.mapping import detect as detect_mapper
from kubelint.model import K8sObject, PodSpec, get_path, show_value, split_api_version
from kubelint.positions import PositionIndex, to_dotted
from kubelint.sources import Skipped, Source
from kubelint.suppress import Suppression, Suppressor

INPUT_RULES = ("yaml-syntax-error", "duplicate-key", "invalid-object", "input-limit")
KUSTOMIZE_GROUP = "kustomize.config.k8s.io"
_TEMPLATE_LINE = re.compile(r"^[ \t]*(?:-[ \t]+)?\{\{", re.MULTILINE)
_CONTAINER_TOKENS = ("initContainers", "containers", "ephemeralContainers")


class UsageError(Exception):
    """Bad rule, profile or option names: exit code 2 with a clear message."""


def parse_kubernetes_version(text: str) -> tuple[int, int]:
    """``1.33`` (also ``v1.33`` and ``1.33.2``) within the versions kubelint knows: 1.0 up to
    the pinned newest minor; anything else is a usage error naming the supported range."""
    newest = "{}.{}".format(*KUBERNETES_VERSION_DEFAULT)
    shown = text if len(text) <= 40 else text[:40] + "…"
    m = re.fullmatch(r"v?(\d{1,6})\.(\d{1,6})(?:\.\d{1,6})?", text.strip())
    if not m:
        raise UsageError(f'invalid Kubernetes version "{shown}": expected MAJOR.MINOR, e.g. 1.33')
    version = int(m.group(1)), int(m.group(2))
    if version[0] != 1 or version > KUBERNETES_VERSION_DEFAULT:
        raise UsageError(
            f'unknown Kubernetes version "{shown}": kubelint knows 1.0 to {newest} '
            f"(the newest it knows is {newest})"
        )
    return version


@dataclass
class Options:
    kubernetes_version: tuple[int, int] = KUBERNETES_VERSION_DEFAULT
    complete: bool = False
    namespace: str | None = None
    crds: tuple[dict[str, Any], ...] = ()  # --crd: CustomResourceDefinitions for schemas only
    chart_dir: str | None = None  # --chart-dir: where `# Source:` templates of piped Helm live
    kustomize_root: str | None = None  # --kustomize-root: the directory piped output was built from
    include_tests: bool = False  # lint Helm test hooks (helm.sh/hook: test)
    # Plugins' kubelint_pod_spec hook: (object) -> (pod spec pointer, metadata pointer) | None
    pod_locator: Any = None


@dataclass
class ActiveRule:
    spec: RuleSpec
    ctx: CheckContext
    fn: Any = None
    validator: Any = None

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    objects: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # (apiVersion, kind) -> objects no schema could validate (schema rules; summary)
    not_validated: dict[tuple[str, str], int] = field(default_factory=dict)
    rules: list[RuleSpec] = field(default_factory=list)
    suppressed: int = 0
    suppressed_findings: list[tuple[Finding, Suppression]] = field(default_factory=list)
    baselined: int = 0
    sources: dict[str, str] = field(default_factory=dict)  # display name -> text (for reporters)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out


def select_rules(
    catalog: Mapping[str, RuleSpec],
    profiles: Mapping[str, Profile],
    profile_names: Sequence[str] = (),
    enable: Sequence[str] = (),
    disable: Sequence[str] = (),
    only: Sequence[str] = (),
    params: Mapping[str, Mapping[str, Any]] | None = None,
    kubernetes_version: tuple[int, int] | None = None,
) -> dict[str, dict[str, Any]]:
    """Rule IDs to run with their (unvalidated) params.

    Profiles replace the default set with the union of their rules; ``enable``/``disable``
    apply on top; ``only`` restricts to the given IDs. Input-problem rules always run.
    With ``kubernetes_version``, profile rules gated by ``since: "X.Y"`` run only from X.Y.
    """
    for rid in (*enable, *disable, *only):
        if rid not in catalog:
            raise UsageError(f'unknown rule "{rid}"{suggest(rid, catalog)}')
    selected: dict[str, dict[str, Any]] = {}
    try:
        if profile_names:
            for name in profile_names:
                if name == "default":
                    selected.update({r.id: {} for r in catalog.values() if r.default})
                    continue
                for rid, p in profile_rules(
                    name, profiles, kubernetes_version=kubernetes_version
                ).items():
                    if rid not in catalog:
                        raise UsageError(
                            f'profile "{name}" names unknown rule "{rid}"{suggest(rid, catalog)}'
                        )
                    selected[rid] = {**selected.get(rid, {}), **p}
        else:
            selected = {r.id: {} for r in catalog.values() if r.default}
    except CatalogError as exc:
        raise UsageError(str(exc)) from exc
    for rid in enable:
        selected.setdefault(rid, {})
    for rid in disable:
        selected.pop(rid, None)
    if only:
        selected = {rid: selected.get(rid, {}) for rid in only}
    for rid in INPUT_RULES:
        if rid in catalog:
            selected.setdefault(rid, {})
    for rid, extra in (params or {}).items():
        if rid in selected:
            selected[rid] = {**selected[rid], **extra}
    return selected


def activate(
    catalog: Mapping[str, RuleSpec],
    selection: Mapping[str, Mapping[str, Any]],
    checks: Mapping[str, Any],
    options: Options,
    severities: Mapping[str, str] | None = None,
) -> list[ActiveRule]:
    """Validate params, bind checks and compile declarative schemas (once per rule).

    ``severities`` overrides a rule's severity (configuration); the rule keeps exactly one.
    """
    active: list[ActiveRule] = []
    for rid in sorted(selection):
        spec = catalog[rid]
        if severities and rid in severities:
            spec = dataclasses.replace(spec, severity=Severity.parse(severities[rid]))
        try:
            params = spec.validate_params(selection[rid], "configuration")
        except CatalogError as exc:
            raise UsageError(str(exc)) from exc
        ctx = CheckContext(
            rid, params, options.kubernetes_version, options.complete, crds=options.crds
        )
        rule = ActiveRule(spec, ctx)
        if spec.check is not None:
            fn = checks.get(spec.check)
            if fn is None:
                raise UsageError(
                    f'rule "{rid}" ({spec.origin}) names check "{spec.check}", which no plugin '
                    f"provides{suggest(spec.check, checks)}"
                )
            rule.fn = fn
            validate = getattr(fn, "__kubelint_validate_params__", None)
            if validate is not None:  # semantic checks a params JSON Schema cannot express
                try:
                    validate(params)
                except ValueError as exc:
                    message = f"configuration: invalid params for rule {rid}: {exc}"
                    raise UsageError(message) from exc
        elif spec.schema is not None:
            rule.validator = jsonschema_rs.validator_for(spec.schema)
        active.append(rule)
    return active


def fingerprint(rule: str, obj: K8sObject | None, path: str | None, extra: str = "") -> str:
    """Stable identity of a finding: survives line moves, reformatting, container reordering
    and value edits (container indexes are replaced by container names)."""
    if obj is None:
        ident = f"{rule}|{extra}"
    else:
        group = split_api_version(obj.api_version)[0]
        ident = f"{rule}|{group}|{obj.kind}|{obj.namespace or ''}|{obj.name}|{path or ''}"
    return hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:32]


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


class Engine:
    """Runs a fixed set of active rules over sources."""

    def __init__(
        self,
        rules: Iterable[ActiveRule],
        options: Options,
        suppressor: Suppressor | None = None,
    ) -> None:
        self.options = options
        self.suppressor = suppressor
        self._objects: dict[int, K8sObject] = {}  # id(finding) -> its object (suppressions)
        self.rules = list(rules)
        by_target: dict[str, list[ActiveRule]] = {}
        for rule in self.rules:
            by_target.setdefault(rule.spec.target, []).append(rule)
        self.object_rules = by_target.get("object", [])
        self.pod_rules = by_target.get("pod-spec", [])
        self.container_rules = by_target.get("container", [])
        self.set_rules = by_target.get("set", [])
        self.enabled = {r.id: r for r in self.rules}
        self._mappers: dict[str, Mapper] = {}  # source name -> mapper of rendered output

    # -- loading ---------------------------------------------------------------------------

    def load_source(self, source: Source, result: RunResult) -> list[K8sObject]:
        """Parse one source into objects; input problems become findings on ``result``."""
        assert source.data is not None
        result.files += 1
        text, problem = decode(source.data)
        if text is None:
            assert problem is not None
            self._input_finding(result, source.name, problem)
            return []
        result.sources[source.name] = text
        loaded = load_text(text)
        mapper = source.mapper or detect_mapper(text, self.options)
        if mapper is not None:
            mapper.prepare(text, loaded)
            self._mappers[source.name] = mapper
        if (
            mapper is None
            and "{{" in text
            and (
                _TEMPLATE_LINE.search(text)
                or any(p.rule == "yaml-syntax-error" for p in loaded.problems)
                or any(d.complex_keys for d in loaded.documents)
            )
        ):
            result.skipped.append(
                Skipped(source.name, "Go template syntax (render it first, e.g. helm template)")
            )
            return []
        for p in loaded.problems:
            self._input_finding(result, source.name, p)
        objects: list[K8sObject] = []
        for doc in loaded.documents:
            reason = mapper.skip_reason(doc) if mapper is not None else None
            if reason is not None:
                result.skipped.append(Skipped(f"{source.name}:{doc.line}", reason))
                continue
            objects.extend(self._document_objects(source, doc, result))
        return objects

    def _document_objects(
        self, source: Source, doc: Document, result: RunResult
    ) -> list[K8sObject]:
        for p in doc.problems:
            self._input_finding(result, source.name, p)
        data = doc.data
        if not doc.loaded or data is None:
            return []
        where = f"{source.name}:{doc.line}"
        if not isinstance(data, dict):
            result.skipped.append(Skipped(where, "document is not a mapping"))
            return []
        if "apiVersion" not in data and "kind" not in data:
            result.skipped.append(Skipped(where, "no apiVersion or kind (not a Kubernetes object)"))
            return []
        api_version = data.get("apiVersion")
        if isinstance(api_version, str) and api_version.startswith(KUSTOMIZE_GROUP + "/"):
            result.skipped.append(Skipped(where, f"Kustomize {data.get('kind')}"))
            return []
        kind = data.get("kind")
        items = data.get("items")
        default_ns = self.options.namespace or "default"
        if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
            out = []
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    out.append(
                        K8sObject(
                            item,
                            source.name,
                            doc,
                            base=f"/items/{i}",
                            lint_set=source.lint_set,
                            unit=source.name,
                            default_namespace=default_ns,
                        )
                    )
                else:
                    self._invalid(
                        result,
                        source.name,
                        doc.positions,
                        f"/items/{i}",
                        "List item is not a mapping",
                    )
            return out
        return [
            K8sObject(
                data,
                source.name,
                doc,
                lint_set=source.lint_set,
                unit=source.name,
                default_namespace=default_ns,
            )
        ]

    # -- running ---------------------------------------------------------------------------

    def run(
        self,
        sources: Iterable[Source],
        result: RunResult | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> RunResult:
        """Lint ``sources``; ``progress(files done, objects done)`` is called per file."""
        result = result or RunResult()
        result.rules = [r.spec for r in self.rules]
        notes = RunNotes()  # one per run, shared by every rule's context
        for rule in self.rules:
            rule.ctx = dataclasses.replace(rule.ctx, notes=notes)
        sets: dict[str, list[K8sObject]] = {}
        for source in sources:
            if source.data is None:
                continue
            for obj in self.load_source(source, result):
                if self.lint_object(obj, result):
                    sets.setdefault(obj.lint_set, []).append(obj)
            if progress is not None:
                progress(result.files, result.objects)
        if self.set_rules:
            for set_id, objs in sets.items():
                lint_set = LintSet(set_id, objs, complete=self.options.complete)
                for rule in self.set_rules:
                    self._call(rule, lint_set, None, result)
        result.notices.extend(n for n in notes.notices if n not in result.notices)
        for key, count in notes.not_validated.items():
            result.not_validated[key] = result.not_validated.get(key, 0) + count
        for mapper in self._mappers.values():  # templates/sources findings now point at
            for name, text in mapper.texts.items():
                result.sources.setdefault(name, text)
        if self.suppressor is not None:
            self._suppress(result, self.suppressor)
        result.findings.sort(key=Finding.sort_key)
        return result

    def _suppress(self, result: RunResult, suppressor: Suppressor) -> None:
        """Move suppressed findings out of ``result.findings`` (annotations, comments,
        config exemptions, other linters' annotations)."""
        lines: dict[str, list[str]] = {}
        for name, text in result.sources.items():
            suppressor.register_text(name, text)
        kept: list[Finding] = []
        for f in result.findings:
            obj = self._objects.get(id(f))
            hit = suppressor.annotation(f.rule, obj) if obj is not None else None
            if hit is None:
                file = f.location.file
                if file not in lines:
                    lines[file] = (result.sources.get(file) or "").splitlines()
                hit = suppressor.comment(f.rule, file, f.location.line, lines[file])
            if hit is None:
                hit = suppressor.exemption(f)
            if hit is None:
                kept.append(f)
            else:
                result.suppressed_findings.append((f, hit))
        result.findings = kept
        result.suppressed = len(result.suppressed_findings)

    def lint_object(self, obj: K8sObject, result: RunResult) -> bool:
        """Run per-object rules; returns False when the object is too broken to relate."""
        result.objects += 1
        if self.options.pod_locator is not None:
            obj.extra.setdefault("pod_locator", self.options.pod_locator)
        if self.suppressor is not None:
            self.suppressor.register_object(obj)
        problems = obj.shape_problems()
        if "invalid-object" in self.enabled:
            for v in problems:
                self._emit(self.enabled["invalid-object"], obj, v, result)
        if not obj.kind or not obj.api_version:
            return False
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
                for v in self._declarative(rule, target, container):
                    self._emit(rule, obj, v, result)
        except Exception as exc:  # a broken rule must not stop the run
            where = f" on {obj.ref} in {obj.file}" if obj is not None else ""
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            result.errors.append(f"rule {rule.id} raised {tb}{where}")
            if os.environ.get("KUBELINT_DEBUG"):
                result.errors.append(traceback.format_exc())

    def _declarative(
        self, rule: ActiveRule, target: Any, container: str | None
    ) -> Iterable[Violation]:
        if isinstance(target, K8sObject):
            instance, base = target.raw, ""
        elif isinstance(target, PodSpec):
            instance, base = target.raw, target.pointer
        else:
            instance, base = target.raw, target.pointer
        if rule.validator.is_valid(instance):
            return []
        seen: set[str] = set()
        out: list[Violation] = []
        for err in rule.validator.iter_errors(instance):
            path = base + "".join(
                "/" + str(p).replace("~", "~0").replace("/", "~1") for p in err.instance_path
            )
            kind = err.kind
            if type(kind).__name__ == "Required":
                path += "/" + str(kind.property).replace("~", "~0").replace("/", "~1")
            if path in seen:
                continue
            seen.add(path)
            value = get_path(target.raw, path[len(base) :]) if path.startswith(base) else None
            template = rule.spec.message or rule.spec.summary
            message = template.format_map(
                _Fmt(
                    container=container or "",
                    value=show_value(value),
                    field=to_dotted(path),
                    path=path,
                    kind=target.obj.kind if not isinstance(target, K8sObject) else target.kind,
                    name=target.obj.name if not isinstance(target, K8sObject) else target.name,
                )
            )
            out.append(Violation(path, message, container=container))
        return out

    def _emit(
        self, rule: ActiveRule, obj: K8sObject | None, v: Violation, result: RunResult
    ) -> None:
        target = v.obj if isinstance(v.obj, K8sObject) else obj
        assert target is not None
        pointer = target.base + v.path
        line, column, _ = target.doc.positions.locate(pointer, v.at)
        path = v.path
        location, rendered, message = Location(target.file, line, column), None, v.message
        extra: dict[str, str] = {}
        mapper = self._mappers.get(target.file) if self._mappers else None
        if mapper is not None:  # rendered Helm/Kustomize output: point at the source file
            location, rendered, message, extra = map_finding(mapper, target, v, location)
        finding = Finding(
            rule=rule.id,
            severity=rule.spec.severity,
            message=message,
            location=location,
            object=target.ref,
            container=v.container,
            path=path,
            rendered=rendered,
            fingerprint=fingerprint(rule.id, target, _named_path(target, path)),
            category=rule.spec.category,
            extra=extra,
        )
        result.findings.append(finding)
        if self.suppressor is not None:
            self._objects[id(finding)] = target

    def _input_finding(self, result: RunResult, file: str, p: InputProblem) -> None:
        rule = self.enabled.get(p.rule)
        if rule is None:
            return
        result.findings.append(
            Finding(
                rule=p.rule,
                severity=rule.spec.severity,
                message=p.message,
                location=Location(file, p.line, p.column),
                object=None,
                path=p.path,
                fingerprint=fingerprint(p.rule, None, p.path, f"{file}|{p.message}"),
                category=rule.spec.category,
            )
        )

    def _invalid(
        self, result: RunResult, file: str, positions: PositionIndex, pointer: str, message: str
    ) -> None:
        line, column, _ = positions.locate(pointer)
        self._input_finding(result, file, InputProblem("invalid-object", message, line, column))


class _Fmt(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
