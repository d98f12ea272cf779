"""kubelint/data/api-resources.yaml: the one table of built-in kinds, checked against the OpenAPI
schemas kubernetes-validate bundles, and the kind sets derived from it."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from typing import Any

import pytest
from ruamel.yaml import YAML

from kubelint import apiresources, model
from kubelint.apiresources import ORIGIN_BUILTIN, ApiResource, parse_table
from kubelint.checks import rbac
from kubelint.loader import load_bytes
from kubelint.model import K8sObject
from kubelint.resources import package_data
from kubelint.versions import DEFAULT, format_version

# Kinds every group of the OpenAPI document carries that are no resources of their own.
META_KINDS = {"APIGroup", "APIVersions", "DeleteOptions", "Status", "WatchEvent"}
RESOURCE_RE = re.compile(r"^[a-z][a-z0-9]*$")
VERSION_RE = re.compile(r"^v[0-9]+(?:(?:alpha|beta)[0-9]+)?$")

ROWS = apiresources.api_resources()


def _raw_rows() -> list[dict[str, Any]]:
    with package_data(apiresources.DATA_FILE).open(encoding="utf-8") as fh:
        data = YAML(typ="safe").load(fh)
    assert isinstance(data, list)
    return data


def _schema_kinds(version: tuple[int, int]) -> dict[tuple[str, str], set[str]]:
    """(group, kind) -> versions, for every resource kind the bundled schemas of ``version``
    define (List kinds and the meta kinds left out)."""
    root = files("kubernetes_validate") / "kubernetes-json-schema"
    definitions = root / f"v{format_version(version)}.0-local-strict" / "_definitions.json"
    document = json.loads(definitions.read_text(encoding="utf-8"))
    out: dict[tuple[str, str], set[str]] = {}
    for schema in document["$defs"].values():
        for gvk in schema.get("x-kubernetes-group-version-kind") or ():
            kind = gvk["kind"]
            if kind.endswith("List") or kind in META_KINDS:
                continue
            out.setdefault((gvk["group"], kind), set()).add(gvk["version"])
    return out


def test_every_kind_of_the_default_kubernetes_schemas_is_listed_with_its_versions() -> None:
    schema = _schema_kinds(DEFAULT)
    assert len(schema) > 80  # the bundled files really were read
    listed = {(r.group, r.kind): set(r.versions) for r in ROWS if r.origin == ORIGIN_BUILTIN}
    missing = sorted(set(schema) - set(listed))
    assert not missing, f"kinds served by Kubernetes {format_version(DEFAULT)} not listed"
    wrong = {key: (listed[key], schema[key]) for key in schema if listed[key] != schema[key]}
    assert not wrong, "versions differ from the bundled schemas (listed, schemas)"


def test_built_in_kinds_that_are_listed_as_served_are_served_by_the_schemas() -> None:
    schema = _schema_kinds(DEFAULT)
    for row in ROWS:
        if row.origin != ORIGIN_BUILTIN:
            continue
        if row.served:
            assert (row.group, row.kind) in schema, row
        else:  # kept for its scope: no longer served by any group version
            assert (row.group, row.kind) not in schema, row


def test_rows_are_well_formed() -> None:
    raw = _raw_rows()
    assert len(raw) == len(ROWS)
    built_in_groups = {group for group, _ in _schema_kinds(DEFAULT)}
    for row in ROWS:
        assert RESOURCE_RE.match(row.resource), row
        assert all(VERSION_RE.match(v) for v in row.versions), row
        assert list(row.versions) == sorted(set(row.versions)), row
        if row.subresource_of:
            assert row.namespaced, "subresource bodies here belong to namespaced resources"
        if row.origin != ORIGIN_BUILTIN:  # CRD and aggregated groups: not kube-apiserver's
            assert row.group not in built_in_groups, row
    # No kind is namespaced in one group and cluster-scoped in another: the model keys on kind.
    scopes: dict[str, set[bool]] = {}
    for row in ROWS:
        scopes.setdefault(row.kind, set()).add(row.namespaced)
    assert {kind for kind, s in scopes.items() if len(s) > 1} == set()


def test_plural_resource_names_are_unique_per_group() -> None:
    seen: dict[tuple[str, str], str] = {}
    for row in ROWS:
        if row.subresource_of:
            continue
        key = (row.group, row.resource)
        assert key not in seen, f"{row.kind} and {seen[key]} share {key}"
        seen[key] = row.kind


def test_cluster_scoped_kinds_of_the_model_equal_the_data() -> None:
    expected = {r["kind"] for r in _raw_rows() if r["namespaced"] is False}
    assert expected == model.CLUSTER_SCOPED_KINDS
    assert apiresources.cluster_scoped_kinds() == expected


def test_rbac_resource_scopes_equal_the_data() -> None:
    expected: dict[str, dict[str, bool]] = {}
    for r in _raw_rows():
        if r.get("origin") == "crd" or r.get("subresourceOf"):
            continue
        expected.setdefault(r["group"], {})[r["resource"]] = r["namespaced"]
    assert expected == rbac.BUILTIN_RESOURCE_SCOPE
    # The facts the checks rely on, spelled out.
    scope = rbac.BUILTIN_RESOURCE_SCOPE
    assert scope[""]["pods"] is True and scope[""]["nodes"] is False
    assert scope["authentication.k8s.io"] == {"selfsubjectreviews": False, "tokenreviews": False}
    assert scope["metrics.k8s.io"] == {"nodes": False, "pods": True}
    assert "gateway.networking.k8s.io" not in scope  # a CRD group: its CRDs say what it holds


@pytest.mark.parametrize(
    ("api_version", "kind", "namespace"),
    [
        ("v1", "Namespace", None),
        ("resource.k8s.io/v1alpha3", "ResourcePoolStatusRequest", None),
        ("authentication.k8s.io/v1", "TokenReview", None),
        ("gateway.networking.k8s.io/v1", "GatewayClass", None),
        ("scheduling.k8s.io/v1beta1", "Workload", "team"),
        ("certificates.k8s.io/v1", "PodCertificateRequest", "team"),
    ],
)
def test_object_namespace_follows_the_scope(
    api_version: str, kind: str, namespace: str | None
) -> None:
    text = f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: x, namespace: team}}\n"
    doc = load_bytes(text.encode())[1].documents[0]
    obj = K8sObject(raw=doc.data, file="m.yaml", doc=doc)
    assert obj.namespace == namespace
    assert obj.cluster_scoped is (namespace is None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"group": ""}, "not a list"),
        ([["kind"]], "entry 1: not a mapping"),
        ([{"group": "", "kind": "Pod", "versions": ["v1"], "resource": "pods"}], "required"),
        (
            [{"group": "", "kind": "Pod", "versions": [], "resource": "pods", "namespaced": True}]
            * 2,
            "core Pod is listed twice",
        ),
        (
            [{"group": "", "kind": "Pod", "resource": "pods", "namespaced": True, "scope": 1}],
            "unknown field(s) scope",
        ),
    ],
)
def test_a_broken_table_is_a_clear_error(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_table(data)


def test_api_versions_of_a_row() -> None:
    row = ApiResource("apps", "Deployment", ("v1",), "deployments", True)
    assert row.api_versions == ("apps/v1",)
    assert ApiResource("", "Pod", ("v1",), "pods", True).api_versions == ("v1",)
