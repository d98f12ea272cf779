"""``invalid-object``: what is wrong with the shape of an object's top level (kind, apiVersion,
metadata). Pod-spec shapes are met while the model builds the pod view
(``K8sObject._build_pod``); ``K8sObject.shape_problems`` gives both, computed once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelint.findings import Violation
from kubelint.k8s_names import api_version_problem, kind_problem, valid_api_version, valid_kind
from kubelint.messages import type_name

if TYPE_CHECKING:
    from kubelint.model import K8sObject

KINDS_WITHOUT_NAME = frozenset({"List"})


def object_problems(obj: K8sObject) -> list[Violation]:
    """The top-level shape problems of ``obj``, in the order a reader meets them."""
    problems: list[Violation] = []
    raw = obj.raw
    has_kind = "kind" in raw and raw.get("kind") not in (None, "")
    has_api = "apiVersion" in raw and raw.get("apiVersion") not in (None, "")
    if has_kind != has_api:
        missing = "apiVersion" if has_kind else "kind"
        present = "/kind" if has_kind else "/apiVersion"
        problems.append(Violation(present, f"object has {present[1:]} but no {missing}", at="key"))
    for key in ("apiVersion", "kind"):
        if key in raw and not isinstance(raw[key], str):
            problems.append(
                Violation(f"/{key}", f"{key} must be a string, not {type_name(raw[key])}")
            )
    if not obj.names_valid():
        kind, api = raw.get("kind"), raw.get("apiVersion")
        if isinstance(kind, str) and kind and not valid_kind(kind):
            problems.append(Violation("/kind", kind_problem(kind)))
        if isinstance(api, str) and api and not valid_api_version(api):
            problems.append(Violation("/apiVersion", api_version_problem(api)))
    meta = raw.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        problems.append(
            Violation("/metadata", f"metadata must be a mapping, not {type_name(meta)}")
        )
    elif isinstance(meta, dict) and "name" in meta and not isinstance(meta["name"], str):
        problems.append(
            Violation(
                "/metadata/name",
                f"metadata.name must be a string, not {type_name(meta['name'])}",
            )
        )
    elif has_kind and has_api and obj.kind not in KINDS_WITHOUT_NAME and not obj.name:
        problems.append(
            Violation(
                "/metadata/name" if isinstance(meta, dict) else "/kind",
                f"{obj.kind or 'object'} has no metadata.name (or generateName)",
                at="key",
            )
        )
    if isinstance(meta, dict):
        for key in ("labels", "annotations"):
            value = meta.get(key)
            if value is not None and not isinstance(value, dict):
                problems.append(
                    Violation(
                        f"/metadata/{key}",
                        f"metadata.{key} must be a mapping, not {type_name(value)}",
                    )
                )
        ns = meta.get("namespace")
        if ns is not None and not isinstance(ns, str):
            problems.append(Violation("/metadata/namespace", "metadata.namespace must be a string"))
    return problems
