"""Kubernetes OpenAPI and CRD schemas: loading, rewriting and compiled, cached validators.

Built-in kinds use the JSON Schemas bundled with the ``kubernetes-validate`` package (read
directly through importlib.resources; its per-object ``validate()`` is never called). Each
``<kind>-<group>-<version>.json`` of the strict variant refers to one shared ``_definitions.json``
through ``$ref: /api/_definitions.json#/$defs/...``; this module copies the definitions the kind
reaches into the kind's schema (refs become local ``#/$defs/...``), rewrites the known traps and
compiles one jsonschema-rs validator per (Kubernetes version, apiVersion, kind):

* int-or-string and quantity are ``oneOf`` of ``[string, null]`` / ``[integer|number, null]``:
  ``null`` matches both branches, so they become ``anyOf``;
* an optional enum field accepts ``null`` (its type does), as the API server does;
* a type with no properties but ``additionalProperties: false`` (RawExtension-like) accepts
  anything, since Kubernetes stores arbitrary content there.

CustomResourceDefinitions provide ``openAPIV3Schema`` per served version; ``crd_schemas`` turns
them into JSON Schema honouring ``nullable``, ``x-kubernetes-preserve-unknown-fields``,
``x-kubernetes-int-or-string`` and ``x-kubernetes-embedded-resource``, with unknown fields
rejected where the structural schema would prune them. Compiled CRD validators are cached by the
content of their schema.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from kubelint import cache as disk_cache
from kubelint.k8s_names import valid_api_version, valid_kind
from kubelint.records import dataclass, field
from kubelint.schema_compile import SchemaCompileError, check_schema, compile_schema
from kubelint.versions import Version, format_version

SCHEMA_PACKAGE = "kubernetes_validate"
SCHEMA_ROOT = "kubernetes-json-schema"
DEFINITIONS_REF = "/api/_definitions.json#/$defs/"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
CRD_GROUP = "apiextensions.k8s.io"
_DIR_RE = re.compile(r"^v(\d+)\.(\d+)\.\d+-local-strict$")
_DROP_KEYS = frozenset(
    {"description", "x-kubernetes-patch-strategy", "x-kubernetes-patch-merge-key"}
)


@dataclass
class CompiledSchema:
    """A compiled validator and the JSON Schema document it was built from (for hints)."""

    validator: Any
    document: dict[str, Any]
    source: str  # "Kubernetes 1.37" or "CRD applications.argoproj.io"
    version: Version | None = None  # the Kubernetes version of a built-in schema

    def subschema(self, schema_path: Iterable[str | int]) -> Any:
        """The node of ``document`` at a validator's (absolute, ref-resolved) schema path."""
        node: Any = self.document
        for token in schema_path:
            if isinstance(node, dict):
                node = node.get(str(token))
            elif isinstance(node, list) and isinstance(token, int) and token < len(node):
                node = node[token]
            else:
                return None
        return node


class SchemaLoadError(Exception):
    """A schema that cannot be compiled (a CRD with a pattern the regex engine rejects, …)."""


# -- built-in kinds --------------------------------------------------------------------------


@cache
def _schema_root() -> Path:
    """The bundled schema directory, located without importing the package (importing
    kubernetes_validate pulls in jsonschema, referencing, PyYAML and packaging)."""
    try:
        spec = find_spec(SCHEMA_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise ModuleNotFoundError(f"No module named {SCHEMA_PACKAGE!r}")
    return Path(locations[0]) / SCHEMA_ROOT


@lru_cache(maxsize=1)
def supported_versions() -> tuple[Version, ...]:
    """Kubernetes minors with bundled schemas, oldest first (empty if the package is missing)."""
    try:
        names = [entry.name for entry in _schema_root().iterdir()]
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        return ()
    found = {(int(m.group(1)), int(m.group(2))) for m in map(_DIR_RE.match, names) if m}
    return tuple(sorted(found))


def supported_range() -> str:
    versions = supported_versions()
    if not versions:
        return "none (the kubernetes-validate package is not installed)"
    first, last = versions[0], versions[-1]
    return f"{format_version(first)}–{format_version(last)}"


def supports(version: Version) -> bool:
    return version in supported_versions()


def _version_dir(version: Version) -> Path:
    return _schema_root().joinpath(f"v{version[0]}.{version[1]}.0-local-strict")


def _read_json(node: Path) -> Any:
    with node.open("rb") as fh:
        return json.load(fh)


def _definitions_identity(version: Version) -> tuple[str, int, int]:
    return disk_cache.file_identity(_version_dir(version) / "_definitions.json")


def _rewrite(node: Any) -> Any:
    """Apply the load-time rewrites (see the module docstring) to one bundled schema node."""
    if isinstance(node, list):
        return [_rewrite(x) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP_KEYS:
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _rewrite(sub) for name, sub in value.items()}
        elif key == "$ref" and isinstance(value, str) and value.startswith(DEFINITIONS_REF):
            out[key] = "#/$defs/" + value[len(DEFINITIONS_REF) :]
        else:
            out[key] = _rewrite(value)
    branches = out.get("oneOf")
    if isinstance(branches, list) and all(
        isinstance(b, dict) and set(b) <= {"type", "format"} for b in branches
    ):
        out["anyOf"] = out.pop("oneOf")  # int-or-string, quantity: null matches both branches
    types = out.get("type")
    enum = out.get("enum")
    if isinstance(types, list) and "null" in types and isinstance(enum, list) and None not in enum:
        out["enum"] = [*enum, None]
    if out.get("additionalProperties") is False and "properties" not in out:
        del out["additionalProperties"]  # RawExtension-like: arbitrary content
    return out


@cache
def _definitions(version: Version) -> dict[str, Any]:
    raw = _read_json(_version_dir(version).joinpath("_definitions.json"))
    defs = raw.get("$defs", {})
    return {name: _rewrite(schema) for name, schema in defs.items()}


def definition(version: Version, name: str) -> dict[str, Any]:
    """One rewritten bundled definition (``io.k8s.api.core.v1.PodSpec``), {} if unknown."""
    if not supports(version):
        return {}
    found = _definitions(version).get(name)
    return found if isinstance(found, dict) else {}


def _refs(node: Any, out: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out.add(value[len("#/$defs/") :])
            else:
                _refs(value, out)
    elif isinstance(node, list):
        for item in node:
            _refs(item, out)


def _closure(roots: Iterable[str], defs: Mapping[str, Any]) -> dict[str, Any]:
    """The definitions reachable from ``roots`` (transitively)."""
    todo = list(roots)
    seen: dict[str, Any] = {}
    while todo:
        name = todo.pop()
        if name in seen or name not in defs:
            continue
        seen[name] = defs[name]
        found: set[str] = set()
        _refs(defs[name], found)
        todo.extend(found - seen.keys())
    return seen


@cache
def builtin_groups(version: Version) -> frozenset[str]:
    """API groups Kubernetes ``version`` serves itself ("" is the core group)."""

    def build() -> frozenset[str]:
        groups = set()
        for schema in _definitions(version).values():
            for gvk in schema.get("x-kubernetes-group-version-kind") or ():
                if isinstance(gvk, dict) and isinstance(gvk.get("group"), str):
                    groups.add(gvk["group"])
        return frozenset(groups)

    if not supports(version):
        return frozenset()
    return disk_cache.cached("groups", (version, _definitions_identity(version)), build)


_STABILITY = re.compile(r"v(\d+)(?:(alpha|beta)(\d+))?$")


def _version_rank(api_version: str) -> tuple[int, int, int]:
    """Sort key preferring stable over beta over alpha, then the newest: v1 < v1beta2 < v1alpha1."""
    m = _STABILITY.match(api_version.rpartition("/")[2])
    if m is None:
        return (3, 0, 0)
    level = {None: 0, "beta": 1, "alpha": 2}[m.group(2)]
    return (level, -int(m.group(1)), -int(m.group(3) or 0))


@cache
def served_api_versions(version: Version, kind: str) -> tuple[str, ...]:
    """The built-in apiVersions that serve ``kind`` at Kubernetes ``version``, stable first."""

    def build() -> dict[str, list[str]]:
        kinds: dict[str, set[str]] = {}
        for schema in _definitions(version).values():
            for gvk in schema.get("x-kubernetes-group-version-kind") or ():
                if not isinstance(gvk, dict):
                    continue
                group, ver, name = gvk.get("group"), gvk.get("version"), gvk.get("kind")
                if isinstance(group, str) and isinstance(ver, str) and isinstance(name, str):
                    kinds.setdefault(name, set()).add(f"{group}/{ver}" if group else ver)
        return {name: sorted(apis) for name, apis in kinds.items()}

    if not supports(version) or not kind:
        return ()
    table = disk_cache.cached("kinds", (version, _definitions_identity(version)), build)
    candidates = [
        api
        for api in table.get(kind, ())
        if _version_dir(version).joinpath(schema_file_name(api, kind)).is_file()
    ]
    return tuple(sorted(candidates, key=_version_rank))


@cache
def _object_meta_defs(version: Version) -> dict[str, Any]:
    """ObjectMeta and the definitions it reaches (the root ``metadata`` of CRD schemas)."""
    return disk_cache.cached(
        "objectmeta",
        (version, _definitions_identity(version)),
        lambda: _closure([OBJECT_META], _definitions(version)),
    )


def schema_file_name(api_version: str, kind: str) -> str:
    """``apps/v1`` Deployment -> ``deployment-apps-v1.json`` (the bundled naming: the group's
    first DNS label; ``v1`` for the core group)."""
    group, _, version = api_version.rpartition("/")
    label = group.split(".", 1)[0]
    return f"{kind.lower()}-{label}-{version}.json" if group else f"{kind.lower()}-{version}.json"


def _compile(
    document: dict[str, Any], source: str, version: Version | None = None, checked: bool = False
) -> CompiledSchema:
    try:
        validator = compile_schema(
            document, draft202012=True, validate_formats=False, checked=checked
        )
    except SchemaCompileError as exc:  # a foreign $ref, a bad regex, too deep, …
        raise SchemaLoadError(f"{source}: schema cannot be compiled: {exc}") from exc
    return CompiledSchema(validator, document, source, version)


_BUILTIN: dict[tuple[Version, str, str], CompiledSchema | None] = {}


def builtin_schema(version: Version, api_version: str, kind: str) -> CompiledSchema | None:
    """The compiled schema of a built-in kind at ``version``, or None when there is none."""
    key = (version, api_version, kind)
    if key in _BUILTIN:
        return _BUILTIN[key]
    compiled = None
    # Names are checked before they become part of a file name: `kind: ../../x` or a kind of
    # 300 characters has no schema, and is never a path.
    if supports(version) and valid_kind(kind) and valid_api_version(api_version):
        node = _version_dir(version) / schema_file_name(api_version, kind)
        identity = (
            version,
            api_version,
            kind,
            disk_cache.file_identity(node),
            _definitions_identity(version),
        )
        source = f"Kubernetes {format_version(version)}"

        def checked_document() -> dict[str, Any] | None:
            document = _builtin_document(node, version, api_version, kind)
            if document is not None:
                check_schema(document)  # raises: nothing is cached
            return document

        try:
            document = disk_cache.cached("schema-checked", identity, checked_document)
        except SchemaCompileError as exc:
            raise SchemaLoadError(f"{source}: schema cannot be compiled: {exc}") from exc
        if document is not None:
            compiled = _compile(document, source, version, checked=True)
    _BUILTIN[key] = compiled
    return compiled


def _builtin_document(
    node: Path, version: Version, api_version: str, kind: str
) -> dict[str, Any] | None:
    """The self-contained, rewritten schema document of one built-in kind (or None)."""
    if not node.is_file():
        return None
    schema = _rewrite(_read_json(node))
    if not _gvk_matches(schema, api_version, kind):
        return None
    refs: set[str] = set()
    _refs(schema, refs)
    document = {
        key: value
        for key, value in schema.items()
        if key not in ("$id", "$schema", "x-kubernetes-group-version-kind")
    }
    document["$defs"] = _closure(refs, _definitions(version))
    return document


def _gvk_matches(schema: Mapping[str, Any], api_version: str, kind: str) -> bool:
    """File names drop all but the group's first label: make sure the schema is for this
    exact group (``networking.istio.io/v1`` must not pick ``networking.k8s.io/v1``)."""
    group, _, version = api_version.rpartition("/")
    for gvk in schema.get("x-kubernetes-group-version-kind") or ():
        if (
            gvk.get("group", "") == group
            and gvk.get("version") == version
            and gvk.get("kind") == kind
        ):
            return True
    return False


# -- CustomResourceDefinitions ---------------------------------------------------------------


@dataclass(frozen=True)
class CrdVersion:
    """One served version of a CRD: what an instance's apiVersion/kind is validated against."""

    group: str
    version: str
    kind: str
    crd_name: str
    cluster_scoped: bool
    schema: Mapping[str, Any] | None = field(compare=False, hash=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


def is_crd(raw: Mapping[str, Any]) -> bool:
    api = raw.get("apiVersion")
    return (
        raw.get("kind") == "CustomResourceDefinition"
        and isinstance(api, str)
        and api.startswith(CRD_GROUP + "/")
    )


def crd_versions(raw: Mapping[str, Any]) -> list[CrdVersion]:
    """The served versions of a CRD (apiextensions.k8s.io v1 or v1beta1) with their schemas."""
    spec = raw.get("spec")
    if not is_crd(raw) or not isinstance(spec, dict):
        return []
    names = spec.get("names")
    group = spec.get("group")
    kind = names.get("kind") if isinstance(names, dict) else None
    if not isinstance(group, str) or not isinstance(kind, str) or not group or not kind:
        return []
    meta = raw.get("metadata")
    crd_name = meta.get("name") if isinstance(meta, dict) else None
    crd_name = crd_name if isinstance(crd_name, str) else f"{kind.lower()}.{group}"
    cluster = spec.get("scope") == "Cluster"
    shared = _openapi(spec.get("validation"))  # v1beta1: one schema for every version
    versions = spec.get("versions")
    out: list[CrdVersion] = []
    if isinstance(versions, list) and versions:
        for entry in versions:
            if not isinstance(entry, dict) or entry.get("served") is False:
                continue
            name = entry.get("name")
            if isinstance(name, str) and name:
                schema = _openapi(entry.get("schema")) or shared
                out.append(CrdVersion(group, name, kind, crd_name, cluster, schema))
    elif isinstance(spec.get("version"), str):
        out.append(CrdVersion(group, spec["version"], kind, crd_name, cluster, shared))
    return out


def _openapi(validation: Any) -> Mapping[str, Any] | None:
    if isinstance(validation, dict):
        schema = validation.get("openAPIV3Schema")
        if isinstance(schema, dict):
            return schema
    return None


def _with_null(types: Any) -> Any:
    if isinstance(types, str):
        return [types, "null"] if types != "null" else types
    if isinstance(types, list) and "null" not in types:
        return [*types, "null"]
    return types


def convert_crd_schema(node: Any, structural: bool = True) -> Any:
    """One OpenAPI v3 (structural) CRD schema node -> JSON Schema 2020-12.

    ``null`` is accepted wherever a type is given (the API server prunes nulls of non-nullable
    fields, and ``nullable: true`` allows them); objects with ``properties`` reject unknown
    fields unless ``x-kubernetes-preserve-unknown-fields`` is set (the API server prunes them).
    Only the structural part (properties, items, additionalProperties) gets that strictness,
    never the branches of ``allOf``/``anyOf``/``oneOf``/``not``.
    """
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties") and isinstance(value, dict):
            out[key] = {name: convert_crd_schema(sub, structural) for name, sub in value.items()}
        elif key == "items":
            if isinstance(value, list):
                out["prefixItems"] = [convert_crd_schema(sub, structural) for sub in value]
            else:
                out[key] = convert_crd_schema(value, structural)
        elif key == "additionalProperties":
            out[key] = convert_crd_schema(value, structural) if isinstance(value, dict) else value
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            out[key] = [convert_crd_schema(sub, False) for sub in value]
        elif key == "not":
            out[key] = convert_crd_schema(value, False)
        elif key in ("exclusiveMaximum", "exclusiveMinimum"):
            bound = "maximum" if key == "exclusiveMaximum" else "minimum"
            if value is True and isinstance(node.get(bound), (int, float)):
                out[key] = node[bound]
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                out[key] = value
        elif key in ("maximum", "minimum"):
            if node.get("exclusive" + key.capitalize()) is not True:
                out[key] = value
        elif key.startswith("$"):
            continue  # $ref, $defs, $id, $schema: not structural schema keywords; never followed
        elif key in (
            "description",
            "nullable",
            "format",
            "default",
            "example",
            "externalDocs",
            "title",
            "id",
            "definitions",
            "discriminator",
        ) or key.startswith("x-"):
            continue
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string") is True:
        out["type"] = ["integer", "string", "null"]
        for combinator in ("anyOf", "oneOf"):
            branches = out.get(combinator)
            if isinstance(branches, list):
                out[combinator] = [*branches, {"type": "null"}]
    elif "type" in out:
        out["type"] = _with_null(out["type"])
    enum = out.get("enum")
    if isinstance(enum, list) and None not in enum:
        out["enum"] = [*enum, None]
    if node.get("x-kubernetes-embedded-resource") is True:
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": ["string", "null"]})
        props.setdefault("kind", {"type": ["string", "null"]})
        props.setdefault("metadata", {"type": ["object", "null"]})
    if (
        structural
        and isinstance(out.get("properties"), dict)
        and "additionalProperties" not in out
        and node.get("x-kubernetes-preserve-unknown-fields") is not True
    ):
        out["additionalProperties"] = False
    return out


_CRD_CACHE: dict[tuple[str, Version | None], CompiledSchema] = {}


def crd_schema(crd: CrdVersion, version: Version | None) -> CompiledSchema | None:
    """The compiled schema of one CRD version (None when the CRD has no schema).

    Root ``metadata`` is validated as the built-in ObjectMeta of ``version`` when available.
    Raises SchemaLoadError when the schema cannot be compiled.
    """
    if crd.schema is None:
        return None
    text = json.dumps(crd.schema, sort_keys=True, default=str)
    key = (hashlib.sha256(text.encode("utf-8")).hexdigest(), version)
    cached = _CRD_CACHE.get(key)
    if cached is not None:
        return cached
    document = convert_crd_schema(crd.schema)
    if not isinstance(document, dict):
        return None
    props = document.setdefault("properties", {})
    props["apiVersion"] = {"type": ["string", "null"]}
    props["kind"] = {"type": ["string", "null"]}
    if version is not None and supports(version):
        defs = _object_meta_defs(version)
        if defs:
            document["$defs"] = defs
            props["metadata"] = {"$ref": f"#/$defs/{OBJECT_META}"}
    else:
        props["metadata"] = {"type": ["object", "null"]}
    compiled = _compile(document, f"CRD {crd.crd_name}")
    _CRD_CACHE[key] = compiled
    return compiled


# -- reading --crd files ---------------------------------------------------------------------


def load_crd_files(paths: Iterable[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Read CustomResourceDefinitions from files and directories (``--crd``).

    Returns (CRD objects, errors). A path that holds no CRD at all is an error, so a typo in
    ``--crd`` does not silently validate nothing.
    """
    from kubelint.loader import load_bytes
    from kubelint.sources import collect

    found: list[dict[str, Any]] = []
    errors: list[str] = []
    for path in paths:
        sources, _, problems = collect([path])
        errors.extend(f"--crd {message}" for message in problems)
        before = len(found)
        for source in sources:
            if source.data is None:
                continue
            text, loaded = load_bytes(source.data)
            if text is None:
                errors.append(f"--crd {source.name}: {loaded.problems[0].message}")
                continue
            for doc in loaded.documents:
                found.extend(_crds_in(doc.data))
        if not problems and len(found) == before:
            errors.append(f"--crd {path}: no CustomResourceDefinition found")
    return found, errors


def _crds_in(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return []
    items = data.get("items")
    if (
        isinstance(data.get("kind"), str)
        and data["kind"].endswith("List")
        and isinstance(items, list)
    ):
        return [item for item in items if isinstance(item, dict) and is_crd(item)]
    return [data] if is_crd(data) else []


def not_validated_summary(counts: Mapping[tuple[str, str], int]) -> str:
    """``12 objects of 3 kinds not validated: Application (argoproj.io/v1alpha1) ×5, …``"""
    total = sum(counts.values())
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][1], item[0][0]))
    kinds = ", ".join(f"{kind} ({api}) ×{n}" for (api, kind), n in ordered)
    objects = "object" if total == 1 else "objects"
    kind_word = "kind" if len(counts) == 1 else "kinds"
    return (
        f"{total} {objects} of {len(counts)} {kind_word} not validated (no schema; add their "
        f"CustomResourceDefinitions or use --crd): {kinds}"
    )
