"""Kubernetes API resources: the kinds Kubernetes serves, their groups, versions, resource names
and scope, read from ``kubelint/data/api-resources.yaml`` (the one home of these facts).

The model's cluster-scoped kinds (``K8sObject.namespace``) and the RBAC checks' resource scopes
are derived from it here; nothing else keeps a list of kinds by scope. The table is read once per
process, on first use (importing this module reads nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from kubelint.records import dataclass
from kubelint.resources import package_table

DATA_FILE = "api-resources.yaml"
ORIGIN_BUILTIN = "kube-apiserver"
ORIGIN_CRD = "crd"
_FIELDS = frozenset(
    {"group", "kind", "versions", "resource", "subresourceOf", "namespaced", "origin"}
)


@dataclass(frozen=True)
class ApiResource:
    """One row of the table: a kind of one API group."""

    group: str
    kind: str
    versions: tuple[str, ...]  # served at the newest Kubernetes covered; () if no longer served
    resource: str  # plural resource name (a subresource's name for subresource bodies)
    namespaced: bool
    subresource_of: tuple[str, ...] = ()  # "group/plural" (core: "plural") of the parents
    origin: str = ORIGIN_BUILTIN  # kube-apiserver, an aggregated API server's name, or crd

    @property
    def served(self) -> bool:
        return bool(self.versions)

    @property
    def api_versions(self) -> tuple[str, ...]:
        """The apiVersions a manifest writes for this kind (``v1``, ``apps/v1``, ...)."""
        return tuple(f"{self.group}/{v}" if self.group else v for v in self.versions)


def _row(raw: Any, index: int) -> ApiResource:
    where = f"{DATA_FILE}: entry {index + 1}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: not a mapping")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}")
    group, kind, resource = raw.get("group"), raw.get("kind"), raw.get("resource")
    versions, parents = raw.get("versions"), raw.get("subresourceOf", [])
    namespaced, origin = raw.get("namespaced"), raw.get("origin", ORIGIN_BUILTIN)
    if not (
        isinstance(group, str)
        and isinstance(kind, str)
        and kind
        and isinstance(resource, str)
        and resource
        and isinstance(namespaced, bool)
        and isinstance(origin, str)
        and isinstance(versions, list)
        and all(isinstance(v, str) for v in versions)
        and isinstance(parents, list)
        and all(isinstance(p, str) for p in parents)
    ):
        raise ValueError(f"{where}: group, kind, versions, resource and namespaced are required")
    return ApiResource(group, kind, tuple(versions), resource, namespaced, tuple(parents), origin)


def parse_table(data: Any) -> tuple[ApiResource, ...]:
    """The rows of the document, validated (one row per (group, kind))."""
    if not isinstance(data, list):
        raise ValueError(f"{DATA_FILE}: not a list")
    rows = tuple(_row(raw, i) for i, raw in enumerate(data))
    seen: set[tuple[str, str]] = set()
    for row in rows:
        key = (row.group, row.kind)
        if key in seen:
            raise ValueError(f"{DATA_FILE}: {row.group or 'core'} {row.kind} is listed twice")
        seen.add(key)
    return rows


@cache
def api_resources() -> tuple[ApiResource, ...]:
    """Every row of ``api-resources.yaml`` (read once per process)."""
    return parse_table(package_table(DATA_FILE))


@cache
def cluster_scoped_kinds() -> frozenset[str]:
    """Kinds whose objects have no namespace: the cluster-scoped built-in kinds (current and no
    longer served) and the widely installed cluster-scoped CRD kinds the table lists. Keyed on the
    kind alone, as the model has no scope information for other groups' kinds."""
    return frozenset(row.kind for row in api_resources() if not row.namespaced)


@cache
def resource_scope_by_group() -> Mapping[str, Mapping[str, bool]]:
    """``{group: {plural: namespaced}}`` for the groups API servers serve themselves (built-in and
    aggregated, not CRD groups): a resource of such a group that is not listed does not exist.
    Subresource bodies are left out (a subresource follows its resource)."""
    out: dict[str, dict[str, bool]] = {}
    for row in api_resources():
        if row.origin == ORIGIN_CRD or row.subresource_of:
            continue
        out.setdefault(row.group, {})[row.resource] = row.namespaced
    return out
