"""Labels, annotations, namespaces, selectors and object identity (catalogue section 4).

Label syntax and selector parsing come from ``kubelint.lib.labels``; this module only knows where
labels and selectors live in each kind and what to say about them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.lib.labels import (
    SelectorError,
    label_key_problem,
    label_value_problem,
    parse_selector,
    parse_service_selector,
)
from kubelint.lintset import LintSet
from kubelint.model import POD_SPEC_PATHS, K8sObject
from kubelint.positions import join, to_dotted

# Where a kind keeps a LabelSelector ({matchLabels, matchExpressions}) besides the pod spec.
LABEL_SELECTORS: dict[str, tuple[str, ...]] = {
    "Deployment": ("/spec/selector",),
    "ReplicaSet": ("/spec/selector",),
    "StatefulSet": ("/spec/selector",),
    "DaemonSet": ("/spec/selector",),
    "Job": ("/spec/selector",),
    "CronJob": ("/spec/jobTemplate/spec/selector",),
    "PodDisruptionBudget": ("/spec/selector",),
    "PersistentVolumeClaim": ("/spec/selector",),
    "NetworkPolicy": ("/spec/podSelector",),
}
# Kinds whose selector is a plain {key: value} map.
MAP_SELECTORS: dict[str, str] = {
    "Service": "/spec/selector",
    "ReplicationController": "/spec/selector",
}
# Label maps besides metadata.labels and the pod template's labels.
EXTRA_LABEL_MAPS: dict[str, tuple[str, ...]] = {"CronJob": ("/spec/jobTemplate/metadata/labels",)}

# Kinds whose selector must select their own pod template (the API server enforces it).
SELECTOR_KINDS = frozenset(
    {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"}
)
# apps/v1 rejects an empty selector for these kinds.
EMPTY_SELECTOR_INVALID = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"})

_AFFINITY_KINDS = ("podAffinity", "podAntiAffinity")
_TERM_SELECTORS = ("labelSelector", "namespaceSelector")


# --- invalid-label --------------------------------------------------------------------------


@check("invalid_label")
def invalid_label(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """Label keys and values of metadata, pod templates and every selector the object holds."""
    yield from _label_map(obj, "/metadata/labels")
    for pointer in EXTRA_LABEL_MAPS.get(obj.kind, ()):
        yield from _label_map(obj, pointer)
    if obj.kind == "StatefulSet":
        templates = obj.get("/spec/volumeClaimTemplates")
        if isinstance(templates, list):
            for i in range(len(templates)):
                yield from _label_map(
                    obj, join("/spec/volumeClaimTemplates", i, "metadata", "labels")
                )
                yield from _label_selector(
                    obj, join("/spec/volumeClaimTemplates", i, "spec", "selector")
                )
    pod = obj.pod
    if pod is not None and pod.meta_pointer is not None and pod.meta_pointer != "/metadata":
        yield from _label_map(obj, pod.labels_pointer)
    for pointer in LABEL_SELECTORS.get(obj.kind, ()):
        yield from _label_selector(obj, pointer)
    if pod is not None and obj.kind not in POD_SPEC_PATHS:
        # A CRD workload (Argo Rollout, ...): its spec.selector when it is a LabelSelector.
        sel = obj.get("/spec/selector")
        if isinstance(sel, dict) and ("matchLabels" in sel or "matchExpressions" in sel):
            yield from _label_selector(obj, "/spec/selector")
    if obj.kind in MAP_SELECTORS:
        yield from _label_map(obj, MAP_SELECTORS[obj.kind])
    if obj.kind == "NetworkPolicy":
        yield from _network_policy_peers(obj)
    if pod is not None:
        yield from _pod_selectors(obj, pod.pointer, pod.raw)


def _label_map(obj: K8sObject, pointer: str) -> Iterator[Violation]:
    labels = obj.get(pointer)
    if not isinstance(labels, dict):
        return
    for key, value in labels.items():
        key_problem = label_key_problem(key)
        value_problem = label_value_problem(value)
        if key_problem is None and value_problem is None:
            continue
        at, where = join(pointer, key), to_dotted(pointer)
        if key_problem is not None:
            yield Violation(at, f"{obj.display} {where}: {key_problem}", at="key")
        if value_problem is not None:
            yield Violation(at, f'{obj.display} {where}["{key}"]: {value_problem}')


def _label_selector(obj: K8sObject, pointer: str) -> Iterator[Violation]:
    sel = obj.get(pointer)
    if not isinstance(sel, dict):
        return
    yield from _label_map(obj, join(pointer, "matchLabels"))
    expressions = sel.get("matchExpressions")
    if not isinstance(expressions, list):
        return
    for i, expr in enumerate(expressions):
        if not isinstance(expr, dict):
            continue
        base = join(pointer, "matchExpressions", i)
        if "key" in expr:
            problem = label_key_problem(expr["key"])
            if problem is not None:
                yield Violation(join(base, "key"), f"{obj.display} {to_dotted(base)}: {problem}")
        values = expr.get("values")
        if isinstance(values, list):
            for j, value in enumerate(values):
                problem = label_value_problem(value)
                if problem is not None:
                    at = join(base, "values", j)
                    yield Violation(at, f"{obj.display} {to_dotted(at)}: {problem}")


def _network_policy_peers(obj: K8sObject) -> Iterator[Violation]:
    for direction, peers_field in (("ingress", "from"), ("egress", "to")):
        rules = obj.get(f"/spec/{direction}")
        if not isinstance(rules, list):
            continue
        for i, rule in enumerate(rules):
            peers = rule.get(peers_field) if isinstance(rule, dict) else None
            if not isinstance(peers, list):
                continue
            for j in range(len(peers)):
                for sel in ("podSelector", "namespaceSelector"):
                    yield from _label_selector(
                        obj, join("/spec", direction, i, peers_field, j, sel)
                    )


def _pod_selectors(
    obj: K8sObject, pod_pointer: str, spec: Mapping[str, Any]
) -> Iterator[Violation]:
    """Selectors inside a pod spec: (anti-)affinity terms and topology spread constraints."""
    affinity = spec.get("affinity")
    if isinstance(affinity, dict):
        for kind in _AFFINITY_KINDS:
            section = affinity.get(kind)
            if not isinstance(section, dict):
                continue
            # Required terms hold the selectors directly; preferred ones under podAffinityTerm.
            for field, inner in (
                ("requiredDuringSchedulingIgnoredDuringExecution", ()),
                ("preferredDuringSchedulingIgnoredDuringExecution", ("podAffinityTerm",)),
            ):
                terms = section.get(field)
                if not isinstance(terms, list):
                    continue
                for i in range(len(terms)):
                    for sel in _TERM_SELECTORS:
                        pointer = join(pod_pointer, "affinity", kind, field, i, *inner, sel)
                        yield from _label_selector(obj, pointer)
    constraints = spec.get("topologySpreadConstraints")
    if isinstance(constraints, list):
        for i in range(len(constraints)):
            yield from _label_selector(
                obj, join(pod_pointer, "topologySpreadConstraints", i, "labelSelector")
            )


# --- missing-required-label / missing-required-annotation ---------------------------------


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _required_entries(
    obj: K8sObject, ctx: CheckContext, param: str, field: str, noun: str
) -> Iterator[Violation]:
    wanted = ctx.params.get(param) or []
    places: list[tuple[str, str]] = [("/metadata", obj.display)]
    pod = obj.pod
    if pod is not None and pod.meta_pointer is not None and pod.meta_pointer != "/metadata":
        places.append((pod.meta_pointer, f"pod template of {obj.display}"))
    for meta_pointer, owner in places:
        values = obj.get(join(meta_pointer, field))
        values = values if isinstance(values, dict) else {}
        for entry in wanted:
            key = str(entry["key"])
            pattern = entry.get("pattern")
            at = join(meta_pointer, field, key)
            value = values.get(key)
            if value is None:
                yield Violation(at, f'{owner} has no {noun} "{key}"')
                continue
            if pattern is None:
                continue
            text = value if isinstance(value, str) else str(value)
            if not isinstance(value, str) or _compile(str(pattern)).fullmatch(text) is None:
                yield Violation(
                    at,
                    f'{owner} {noun} "{key}" value "{text}" does not match the required '
                    f'pattern "{pattern}"',
                )


@check("missing_required_label")
def missing_required_label(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """Each configured label on the object and, for workloads, on the pod template."""
    yield from _required_entries(obj, ctx, "labels", "labels", "label")


@check("missing_required_annotation")
def missing_required_annotation(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """Each configured annotation on the object and, for workloads, on the pod template."""
    yield from _required_entries(obj, ctx, "annotations", "annotations", "annotation")


# --- missing-namespace ----------------------------------------------------------------------


def _built_in_object(obj: K8sObject, namespace: object) -> bool:
    """The ServiceAccount ``default`` (any namespace) or the Service ``default/kubernetes``:
    objects the cluster creates itself, which cannot be moved to another namespace."""
    if obj.group != "":
        return False
    if obj.kind == "ServiceAccount" and obj.name == "default":
        return True
    return obj.kind == "Service" and obj.name == "kubernetes" and namespace in (None, "", "default")


@check("missing_namespace")
def missing_namespace(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Namespaced objects without metadata.namespace (or in ``default``).

    Built-in cluster-scoped kinds never fire. A custom resource is judged by its
    CustomResourceDefinition when the lint set holds it; without one, kinds named
    ``Cluster*`` (ClusterIssuer, ClusterSecretStore, ...) are taken as cluster-scoped, the
    convention CRD authors follow. The objects every cluster has and nobody can move (the
    ServiceAccount ``default`` of any namespace, the Service ``default/kubernetes``) never fire:
    a manifest for them is hardening them where they are.
    """
    scopes: dict[tuple[str, str], str] = {}
    for crd in lint_set.of_kind("CustomResourceDefinition"):
        spec = crd.raw.get("spec")
        if not isinstance(spec, dict):
            continue
        names = spec.get("names")
        group, scope = spec.get("group"), spec.get("scope")
        kind = names.get("kind") if isinstance(names, dict) else None
        if isinstance(group, str) and isinstance(kind, str) and isinstance(scope, str):
            scopes[(group, kind)] = scope
    for obj in lint_set.objects:
        if obj.cluster_scoped:
            continue
        scope = scopes.get((obj.group, obj.kind))
        if scope == "Cluster" or (scope is None and obj.kind.startswith("Cluster")):
            continue
        namespace = obj.metadata.get("namespace")
        if _built_in_object(obj, namespace):
            continue
        if namespace is None or namespace == "":
            yield Violation(
                "/metadata/namespace",
                f"{obj.display} has no metadata.namespace: it lands in whatever namespace the "
                "kubectl context or --namespace flag names at apply time",
                obj=obj,
            )
        elif namespace == "default":
            yield Violation(
                "/metadata/namespace",
                f'{obj.display} is in the "default" namespace; give the application its own',
                obj=obj,
            )


# --- mismatching-selector -------------------------------------------------------------------


def _has_non_string_labels(sel: Mapping[str, Any], plain: bool) -> bool:
    """True when the selector holds a non-string label value (invalid-label reports those)."""
    pairs = sel if plain else sel.get("matchLabels")
    if isinstance(pairs, dict) and any(not isinstance(v, str) for v in pairs.values()):
        return True
    if plain:
        return False
    expressions = sel.get("matchExpressions")
    if isinstance(expressions, list):
        for expr in expressions:
            values = expr.get("values") if isinstance(expr, dict) else None
            if isinstance(values, list) and any(not isinstance(v, str) for v in values):
                return True
    return False


def _show_labels(labels: Mapping[str, Any]) -> str:
    if not labels:
        return "none"
    return ", ".join(f"{k}={v}" for k, v in labels.items())


@check("mismatching_selector")
def mismatching_selector(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """A controller's selector must select its own pod template (the API server rejects it
    otherwise). An absent selector is left alone: Jobs generate theirs, and a missing required
    field is a schema problem."""
    raw = obj.get("/spec/selector")
    if raw is None or obj.kind not in SELECTOR_KINDS:
        return
    labels = obj.get("/spec/template/metadata/labels")
    labels = labels if isinstance(labels, dict) else {}
    plain = obj.kind == "ReplicationController"
    if isinstance(raw, dict) and _has_non_string_labels(raw, plain):
        return
    if any(not isinstance(value, str) for value in labels.values()):
        return  # a template label that is not a string: invalid-label's finding
    try:
        selector = parse_service_selector(raw) if plain else parse_selector(raw)
    except SelectorError as exc:
        yield Violation(
            "/spec/selector",
            f"{obj.display} has a malformed selector ({exc}), so it cannot select its pod template",
        )
        return
    if selector.empty:
        if obj.kind in EMPTY_SELECTOR_INVALID:
            yield Violation(
                "/spec/selector",
                f"{obj.display} has an empty selector; the API server rejects it (it must select "
                f"the pod template's labels: {_show_labels(labels)})",
            )
        return  # a ReplicationController's empty selector defaults to its template's labels
    template = f"its pod template's labels ({_show_labels(labels)})"
    for key, value in selector.match_labels:
        actual = labels.get(key)
        if actual == value:
            continue
        at = join("/spec/selector", key) if plain else join("/spec/selector/matchLabels", key)
        found = f"has {key}={actual}" if key in labels else f'has no label "{key}"'
        yield Violation(
            at,
            f"{obj.display} selector requires {key}={value} but its pod template {found}; the "
            "API server rejects a selector that does not match the template",
        )
    for i, requirement in enumerate(selector.expressions):
        if not requirement.matches(labels):
            yield Violation(
                join("/spec/selector/matchExpressions", i),
                f'{obj.display} selector requirement "{requirement}" does not match {template}; '
                "the API server rejects a selector that does not match the template",
            )


# --- duplicate-object -----------------------------------------------------------------------


def _where(obj: K8sObject, seen_from: K8sObject) -> str:
    """``line 12`` (same file as ``seen_from``) or ``other.yaml:12``: the object's kind key."""
    line, _, _ = obj.doc.positions.locate(obj.base + "/kind", "key")
    return f"line {line}" if obj.file == seen_from.file else f"{obj.file}:{line}"


@check("duplicate_object")
def duplicate_object(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Objects with the same group, kind, namespace (after defaulting) and name within one
    unit (file, stdin stream, render or build). Objects named only by generateName differ."""
    seen: dict[tuple[str, str, str, str | None, str], list[K8sObject]] = {}
    for obj in lint_set.objects:
        name = obj.metadata.get("name")
        if not isinstance(name, str) or not name:
            continue
        seen.setdefault((obj.unit, obj.group, obj.kind, obj.namespace, name), []).append(obj)
    for copies in seen.values():
        if len(copies) < 2:
            continue
        first = copies[0]
        ident = f'{first.kind} "{first.namespace + "/" if first.namespace else ""}{first.name}"'
        others = ", ".join(_where(other, first) for other in copies[1:])
        yield Violation(
            "/kind",
            f"{ident} is defined {len(copies)} times: also at {others} (the last one applied wins)",
            obj=first,
            at="key",
        )
        for other in copies[1:]:
            yield Violation(
                "/kind",
                f"{ident} duplicates the object first defined at {_where(first, other)}",
                obj=other,
                at="key",
            )
