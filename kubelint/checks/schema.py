"""Schema validation: ``schema-invalid`` and ``unknown-field``.

Both rules validate every object of a lint set against the Kubernetes OpenAPI schema of its
apiVersion/kind at ``--kubernetes-version`` (kubelint.lib.schemas), or against a
CustomResourceDefinition found in the same lint set or given with ``--crd``. The set is the
natural target: its CRDs decide how its custom resources are validated. Each object is
validated once per run; both rules read the cached result: unknown keys (``additionalProperties``
errors) belong to ``unknown-field``, everything else (types, required fields, enums, …) to
``schema-invalid``. Objects without a schema are counted for the run summary and, with the
``requireSchemas`` param (``--require-schemas``), reported by ``schema-invalid``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubelint.checks import CheckContext, RunNotes, check
from kubelint.findings import At, Violation
from kubelint.lib import schemas as k8s_schemas
from kubelint.lib.schemas import CompiledSchema, CrdVersion, SchemaLoadError
from kubelint.lintset import LintSet
from kubelint.messages import show_value, suggest
from kubelint.model import K8sObject, get_path, split_api_version
from kubelint.positions import join, to_dotted
from kubelint.records import dataclass
from kubelint.versions import Version, format_version

UNKNOWN = "unknown-field"
INVALID = "schema-invalid"
NO_SCHEMA = "no-schema"
_CACHE = "schema_problems"
_REMOVED_GROUPS = frozenset({"extensions"})  # built-in groups no bundled version serves
_TYPE_NAMES = {"object": "mapping", "array": "list"}
_CONTAINER_WORDS = {
    "container": "container",
    "initContainer": "init container",
    "ephemeralContainer": "ephemeral container",
}


@dataclass(frozen=True)
class Problem:
    """One schema error of one object, already phrased for a person."""

    rule: str  # UNKNOWN | INVALID | NO_SCHEMA
    path: str
    message: str
    at: At = "auto"


def _prepare(obj: K8sObject, ctx: CheckContext) -> None:
    """Validate an object of a built-in kind ahead of the cross-object stage: its schema is the
    bundled one, whatever CRDs the lint set holds (built-in schemas are looked up first)."""
    version = ctx.kubernetes_version
    if obj.memo.get(_CACHE, (None,))[0] == version or not k8s_schemas.supports(version):
        return
    if k8s_schemas.builtin_schema(version, obj.api_version, obj.kind) is None:
        return  # a custom resource, or no schema: validated with its lint set's CRDs
    obj.memo[_CACHE] = (version, validate_object(obj, _Builtins(version), ctx.notes))


class _Builtins:
    """The registry of :func:`_prepare`: built-in kinds only."""

    def __init__(self, version: Version) -> None:
        self.version = version

    def lookup(self, api_version: str, kind: str) -> CompiledSchema | None:
        return k8s_schemas.builtin_schema(self.version, api_version, kind)


@check("schema_invalid", prepare=_prepare)
def schema_invalid(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Wrong types, missing required fields, bad enum values; objects without a schema with
    ``requireSchemas``."""
    require = bool(ctx.params["requireSchemas"])
    for obj, problem in _problems(lint_set, ctx):
        if problem.rule == INVALID or (problem.rule == NO_SCHEMA and require):
            yield _violation(obj, problem)


@check("unknown_field", prepare=_prepare)
def unknown_field(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Fields the schema does not know (typos, fields at the wrong level or version)."""
    for obj, problem in _problems(lint_set, ctx):
        if problem.rule == UNKNOWN:
            yield _violation(obj, problem)


def _violation(obj: K8sObject, problem: Problem) -> Violation:
    return Violation(
        problem.path,
        problem.message,
        container=_container_of(obj, problem.path),
        obj=obj,
        at=problem.at,
    )


def _problems(lint_set: LintSet, ctx: CheckContext) -> Iterator[tuple[K8sObject, Problem]]:
    version = ctx.kubernetes_version
    if not k8s_schemas.supports(version):
        ctx.notes.notice(
            f"schema validation (schema-invalid, unknown-field) skipped: no bundled Kubernetes "
            f"schemas for {format_version(version)}; supported versions: "
            f"{k8s_schemas.supported_range()}"
        )
        return
    registry: _Registry | None = None
    for obj in lint_set.objects:
        cached = obj.memo.get(_CACHE)
        if cached is None or cached[0] != version:
            if registry is None:
                registry = _Registry(lint_set, ctx)
            cached = (version, validate_object(obj, registry, ctx.notes))
            obj.memo[_CACHE] = cached
        for problem in cached[1]:
            yield obj, problem


class _Registry:
    """The schemas one lint set is validated against: built-in kinds at the target version,
    then the CRDs of the set, then the ``--crd`` CRDs."""

    def __init__(self, lint_set: LintSet, ctx: CheckContext) -> None:
        self.version = ctx.kubernetes_version
        self.notes = ctx.notes
        self.crds: dict[tuple[str, str], CrdVersion] = {}
        self.compiled: dict[tuple[str, str], CompiledSchema | None] = {}
        for crd_obj in lint_set.of_kind("CustomResourceDefinition"):
            self._add(crd_obj.raw)
        for raw in ctx.crds:
            self._add(raw)

    def _add(self, raw: Mapping[str, Any]) -> None:
        for served in k8s_schemas.crd_versions(raw):
            self.crds.setdefault((served.api_version, served.kind), served)

    def lookup(self, api_version: str, kind: str) -> CompiledSchema | None:
        compiled = k8s_schemas.builtin_schema(self.version, api_version, kind)
        if compiled is not None:
            return compiled
        key = (api_version, kind)
        if key in self.compiled:
            return self.compiled[key]
        crd = self.crds.get(key)
        result = None
        if crd is not None:
            try:
                result = k8s_schemas.crd_schema(crd, self.version)
            except SchemaLoadError as exc:
                self.notes.notice(f"{exc}; its custom resources are not validated")
        self.compiled[key] = result
        return result


def validate_object(
    obj: K8sObject, registry: _Registry | _Builtins, notes: RunNotes
) -> list[Problem]:
    """Every schema problem of ``obj`` (no-schema objects are counted in ``notes``)."""
    compiled = registry.lookup(obj.api_version, obj.kind)
    if compiled is None:
        wrong = _wrong_api_version(obj, registry.version)
        if wrong is not None:
            return [Problem(INVALID, "/apiVersion", wrong, "value")]
        key = (obj.api_version, obj.kind)
        notes.not_validated[key] = notes.not_validated.get(key, 0) + 1
        return [Problem(NO_SCHEMA, "/kind", _no_schema_message(obj, registry.version), "key")]
    instance: Any = obj.raw
    try:
        if compiled.validator.is_valid(instance):
            return []
    except ValueError:  # non-string keys or values JSON cannot hold: compare as the API does
        instance = _as_json(instance)
        if compiled.validator.is_valid(instance):
            return []
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for error in compiled.validator.iter_errors(instance):
        for problem in _describe(obj, compiled, error):
            if (problem.rule, problem.path) not in seen:
                seen.add((problem.rule, problem.path))
                problems.append(problem)
    return problems


def is_kubernetes_group(group: str, version: Version) -> bool:
    """A group only Kubernetes itself serves: one without a dot (core, apps, batch, policy,
    autoscaling, extensions: CRD groups must have one) or one the target version serves."""
    return "." not in group or group in k8s_schemas.builtin_groups(version)


def _wrong_api_version(obj: K8sObject, version: Version) -> str | None:
    """The message for a built-in kind under an apiVersion of a Kubernetes group that does not
    serve it at ``version`` (``v1`` Deployment), naming the apiVersion that does; None when
    the group may be a CRD's, the pair is removed-api-version's, or no group serves the kind."""
    from kubelint.checks.apiversions import api_version_table

    group = split_api_version(obj.api_version)[0]
    if not is_kubernetes_group(group, version):
        return None
    entry = api_version_table().get((obj.api_version, obj.kind))
    if entry is not None and entry.removed_at(version):
        return None
    served = k8s_schemas.served_api_versions(version, obj.kind)
    if not served:
        return None
    others = f" (also {', '.join(served[1:])})" if len(served) > 1 else ""
    return (
        f'apiVersion "{obj.api_version}" does not serve kind {obj.kind} at Kubernetes '
        f"{format_version(version)}: the API server rejects {obj.display}; use apiVersion "
        f'"{served[0]}"{others}'
    )


def _no_schema_message(obj: K8sObject, version: Version) -> str:
    group = split_api_version(obj.api_version)[0]
    what = f"{obj.api_version} {obj.display}"
    if group in _REMOVED_GROUPS or group in k8s_schemas.builtin_groups(version):
        return (
            f"no schema for {what}: Kubernetes {format_version(version)} does not serve this "
            f"apiVersion/kind (removed or misspelled?)"
        )
    return (
        f"no schema for {what}: add its CustomResourceDefinition to the linted files or pass "
        f"it with --crd"
    )


def _describe(obj: K8sObject, compiled: CompiledSchema, error: Any) -> list[Problem]:
    pointer = join("", *error.instance_path)
    kind = error.kind
    name = type(kind).__name__
    if name == "AdditionalProperties":
        parent = compiled.subschema(error.schema_path[:-1])
        known = list(parent.get("properties") or {}) if isinstance(parent, dict) else []
        where = _where(obj, pointer)
        out = []
        for key in kind.unexpected:
            hint = (
                _added_later(compiled, error.schema_path, str(key))
                or suggest(str(key), known, cutoff=0.8, ignore_case=True)
                or _misplaced(compiled, parent, pointer, key)
            )
            out.append(
                Problem(
                    UNKNOWN,
                    join(pointer, str(key)),
                    f'unknown field "{key}" in {where}{hint}',
                    "key",
                )
            )
        return out
    field = to_dotted(pointer) or obj.display
    if name == "Required":
        prop = str(kind.property)
        message = f'{field}: missing required field "{prop}"'
        if not pointer:  # a top-level field: the object as a whole, i.e. its kind: key
            return [Problem(INVALID, "/kind", message, "key")]
        return [Problem(INVALID, join(pointer, prop), message)]
    value = get_path(obj.raw, pointer)
    if value is None:
        value = error.instance
    if name == "Type":
        expected = _types(kind.types)
        return [Problem(INVALID, pointer, f"{field}: expected {expected}, got {_got(value)}")]
    if name == "Enum":
        options = ", ".join(_show(o) for o in kind.options if o is not None)
        return [Problem(INVALID, pointer, f"{field}: {_show(value)} is not one of {options}")]
    if name in ("AnyOf", "OneOfNotValid"):
        types = _branch_types(kind.context)
        if types is not None:
            return [Problem(INVALID, pointer, f"{field}: expected {types}, got {_got(value)}")]
        return [
            Problem(INVALID, pointer, f"{field}: {_got(value)} matches none of the allowed forms")
        ]
    if name == "OneOfMultipleValid":
        return [
            Problem(INVALID, pointer, f"{field}: {_got(value)} matches more than one allowed form")
        ]
    message = str(error.message)
    if len(message) > 200:
        message = message[:197] + "..."
    return [Problem(INVALID, pointer, f"{field}: {message}")]


def _branch_types(context: Any) -> str | None:
    """``expected integer or string`` when every branch failed only on its type (the
    int-or-string and quantity unions): one clear message instead of one per branch."""
    if not context:
        return None
    names: list[str] = []
    for branch in context:
        if len(branch) != 1 or type(branch[0].kind).__name__ != "Type":
            return None
        for t in branch[0].kind.types:
            if t != "null" and t not in names:
                names.append(t)
    if not names:
        return None
    if sorted(names) == ["number", "string"]:
        return "a quantity (number or string, e.g. 500m or 1Gi)"
    return _types(names)


def _types(types: Any) -> str:
    names = [_TYPE_NAMES.get(str(t), str(t)) for t in types if t != "null"] or ["null"]
    names = sorted(set(names), key=names.index)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _got(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {_show(value)}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _show(value: Any) -> str:
    return show_value(value, limit=60)


def _added_later(compiled: CompiledSchema, schema_path: Any, key: str) -> str:
    """`` (added in Kubernetes 1.32; --kubernetes-version is 1.31)`` when a later bundled
    version of the same built-in type has the field, else ""."""
    if compiled.version is None or len(schema_path) < 2 or schema_path[0] != "$defs":
        return ""
    type_name = str(schema_path[1])
    for later in k8s_schemas.supported_versions():
        if later <= compiled.version:
            continue
        props = k8s_schemas.definition(later, type_name).get("properties") or {}
        if key in props:
            now = compiled.version
            return (
                f" (added in Kubernetes {format_version(later)}; the target version is "
                f"{format_version(now)}, see --kubernetes-version)"
            )
    return ""


def _misplaced(compiled: CompiledSchema, parent: Any, pointer: str, key: str) -> str:
    """`` ("resources" belongs at spec.template.spec.resources)`` when the unknown key is a
    field a few levels further down (a block written at the wrong level), else ""."""
    defs = compiled.document.get("$defs") or {}
    queue: list[tuple[Any, str, int]] = [(parent, "", 0)]
    seen: set[int] = set()
    while queue:
        node, path, depth = queue.pop(0)
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = defs.get(node["$ref"].rsplit("/", 1)[-1])
        if not isinstance(node, dict) or id(node) in seen or depth > 4:
            continue
        seen.add(id(node))
        if isinstance(node.get("items"), dict):
            queue.append((node["items"], path + "[*]", depth))
            continue
        props = node.get("properties")
        if not isinstance(props, dict):
            continue
        if depth and key in props:
            base = to_dotted(pointer)
            return f' ("{key}" belongs at {base + "." if base else ""}{path}.{key})'
        for name, sub in props.items():
            queue.append((sub, f"{path}.{name}" if path else name, depth + 1))
    return ""


def _where(obj: K8sObject, pointer: str) -> str:
    pod = obj.pod
    if pod is not None:
        for c in pod.containers:
            if c.pointer == pointer:
                return f'{_CONTAINER_WORDS.get(c.kind, "container")} "{c.name}"'
    if not pointer:
        return obj.display
    return to_dotted(pointer)


def _container_of(obj: K8sObject, path: str) -> str | None:
    pod = obj.pod
    if pod is None:
        return None
    for c in pod.containers:
        if path == c.pointer or path.startswith(c.pointer + "/"):
            return c.name
    return None


def _as_json(value: Any) -> Any:
    """What the API server sees after YAML -> JSON: mapping keys become strings
    (``true`` -> "true", ``1`` -> "1"), NaN/infinity cannot be sent and stay as text."""
    if isinstance(value, dict):
        return {_key(k): _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)
