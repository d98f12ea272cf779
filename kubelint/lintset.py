"""A lint set: the objects that cross-object rules may relate, indexed for fast lookups.

All plain files and stdin of a run form one set; each Helm render and Kustomize build is its own
(design.md, "Lint sets and cross-object rules"). Lookups go through indexes by kind, namespace,
name and pod-template label, so cost grows with the number of objects, not with their pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from kubelint.lib.labels import DOES_NOT_EXIST, EXISTS, IN, NOT_IN, Selector
from kubelint.loader import first_problem, read_yaml_file
from kubelint.model import K8sObject, PodSpec, get_path
from kubelint.resources import package_data

POD_OWNERS_FILE = "pod-owners.yaml"


@dataclass
class LintSet:
    id: str
    objects: list[K8sObject]
    complete: bool = False
    _by_kind: dict[str, list[K8sObject]] = field(default_factory=dict, repr=False)
    _by_name: dict[tuple[str, str | None, str], list[K8sObject]] = field(
        default_factory=dict, repr=False
    )
    _pods_by_ns: dict[str | None, list[PodSpec]] = field(default_factory=dict, repr=False)
    _pods_by_label: dict[tuple[str | None, str, str], list[PodSpec]] = field(
        default_factory=dict, repr=False
    )
    _by_kind_ns: dict[tuple[str, str | None], list[K8sObject]] = field(
        default_factory=dict, repr=False
    )
    _scale_targets: dict[tuple[str, str, str | None, str], list[K8sObject]] | None = field(
        default=None, repr=False
    )
    _owners_by_ns: dict[str | None, list[tuple[K8sObject, dict[str, Any] | None]]] | None = field(
        default=None, repr=False
    )

    def __post_init__(self) -> None:
        by_kind: dict[str, list[K8sObject]] = defaultdict(list)
        by_name: dict[tuple[str, str | None, str], list[K8sObject]] = defaultdict(list)
        pods_by_ns: dict[str | None, list[PodSpec]] = defaultdict(list)
        pods_by_label: dict[tuple[str | None, str, str], list[PodSpec]] = defaultdict(list)
        for obj in self.objects:
            by_kind[obj.kind].append(obj)
            by_name[(obj.kind, obj.namespace, obj.name)].append(obj)
            pod = obj.pod
            if pod is not None and obj.kind != "PodTemplate":
                ns = obj.namespace
                pods_by_ns[ns].append(pod)
                for key, value in pod.labels.items():
                    if isinstance(value, str):
                        pods_by_label[(ns, key, value)].append(pod)
        self._by_kind = dict(by_kind)
        self._by_name = dict(by_name)
        self._pods_by_ns = dict(pods_by_ns)
        self._pods_by_label = dict(pods_by_label)
        by_kind_ns: dict[tuple[str, str | None], list[K8sObject]] = defaultdict(list)
        for obj in self.objects:
            by_kind_ns[(obj.kind, obj.namespace)].append(obj)
        self._by_kind_ns = dict(by_kind_ns)

    def of_kind(self, *kinds: str) -> Iterator[K8sObject]:
        for kind in kinds:
            yield from self._by_kind.get(kind, ())

    def has_kind(self, *kinds: str) -> bool:
        return any(self._by_kind.get(kind) for kind in kinds)

    def find(self, kind: str, namespace: str | None, name: str) -> list[K8sObject]:
        return self._by_name.get((kind, namespace, name), [])

    @property
    def has_workloads(self) -> bool:
        return bool(self._pods_by_ns)

    def pods_in(self, namespace: str | None) -> list[PodSpec]:
        return self._pods_by_ns.get(namespace, [])

    def select_pods(self, namespace: str | None, selector: Selector) -> list[PodSpec]:
        """Pod templates in ``namespace`` whose labels the selector matches.

        Labels that controllers add to the pods they create (CONTROLLER_LABELS: a
        StatefulSet's ``statefulset.kubernetes.io/pod-name``, a Deployment's
        ``pod-template-hash``, …) count as present, with any value they can take.
        """
        if any(key in CONTROLLER_LABEL_KEYS for key in _selector_keys(selector)):
            return [
                pod
                for pod in self._pool(namespace, selector)
                if matches_with_controller_labels(selector, pod)
            ]
        match_labels = selector.match_labels
        if match_labels:
            smallest: list[PodSpec] | None = None
            for key, value in match_labels:
                bucket = self._pods_by_label.get((namespace, key, value), [])
                if not bucket:
                    return []
                if smallest is None or len(bucket) < len(smallest):
                    smallest = bucket
            pool: Iterable[PodSpec] = smallest or []
        else:
            pool = self.pods_in(namespace)
        return [pod for pod in pool if selector.matches(pod.labels)]

    def pod_owner(self, namespace: str | None, selector: Selector) -> K8sObject | None:
        """A custom resource in ``namespace`` from which an operator may create pods that
        ``selector`` matches (data/pod-owners.yaml), or None.

        Selector rules call this before saying "selects nothing": kube-prometheus's Services
        select the pods the Prometheus Operator makes from a ``Prometheus`` resource.
        """
        if self._owners_by_ns is None:
            owners: dict[str | None, list[tuple[K8sObject, dict[str, Any] | None]]] = defaultdict(
                list
            )
            for obj in self.objects:
                may_own, labels = pod_owner_labels(obj)
                if may_own:
                    owners[obj.namespace].append((obj, labels))
            self._owners_by_ns = dict(owners)
        for obj, labels in self._owners_by_ns.get(namespace, ()):
            if labels is None or may_match_partial(selector, labels):
                return obj
        return None

    def in_namespace(self, kind: str, namespace: str | None) -> list[K8sObject]:
        """Objects of ``kind`` in ``namespace`` (after defaulting)."""
        return self._by_kind_ns.get((kind, namespace), [])

    def find_in_group(
        self, group: str, kind: str, namespace: str | None, name: str
    ) -> list[K8sObject]:
        """Objects with this API group (version ignored), kind, namespace and name."""
        return [obj for obj in self.find(kind, namespace, name) if obj.group == group]

    def scalers_of(self, obj: K8sObject) -> list[K8sObject]:
        """HorizontalPodAutoscalers whose ``scaleTargetRef`` names ``obj`` (group, kind, name).

        A scaleTargetRef without apiVersion matches on kind and name alone.
        """
        if self._scale_targets is None:
            targets: dict[tuple[str, str, str | None, str], list[K8sObject]] = defaultdict(list)
            for hpa in self.of_kind("HorizontalPodAutoscaler"):
                ref = hpa.get("/spec/scaleTargetRef")
                if not isinstance(ref, dict):
                    continue
                kind, name, api = ref.get("kind"), ref.get("name"), ref.get("apiVersion")
                if not isinstance(kind, str) or not isinstance(name, str):
                    continue
                group = api.partition("/")[0] if isinstance(api, str) and "/" in api else ""
                if not isinstance(api, str) or not api:
                    group = "*"
                targets[(group, kind, hpa.namespace, name)].append(hpa)
            self._scale_targets = dict(targets)
        key = (obj.kind, obj.namespace, obj.name)
        return [
            *self._scale_targets.get((obj.group, *key), []),
            *self._scale_targets.get(("*", *key), []),
        ]

    def _pool(self, namespace: str | None, selector: Selector) -> list[PodSpec]:
        """Candidates for ``selector``: the smallest label bucket of its non-controller
        matchLabels, else every pod template of the namespace."""
        smallest: list[PodSpec] | None = None
        for key, value in selector.match_labels:
            if key in CONTROLLER_LABEL_KEYS:
                continue
            bucket = self._pods_by_label.get((namespace, key, value), [])
            if smallest is None or len(bucket) < len(smallest):
                smallest = bucket
        return self.pods_in(namespace) if smallest is None else smallest


def _any_value(name: str, value: str) -> bool:
    return True


def _digits(name: str, value: str) -> bool:
    return value.isdigit()


def _is_name(name: str, value: str) -> bool:
    return value == name


def _name_and_number(name: str, value: str) -> bool:
    head, sep, tail = value.rpartition("-")
    return bool(sep) and head == name and tail.isdigit()


_JOB_LABELS: dict[str, Callable[[str, str], bool]] = {
    "controller-uid": _any_value,
    "batch.kubernetes.io/controller-uid": _any_value,
    "job-name": _is_name,
    "batch.kubernetes.io/job-name": _is_name,
    "batch.kubernetes.io/job-completion-index": _digits,
}

# Labels a controller adds to every pod it creates, which the pod template does not carry,
# with a test of the values they can take given the workload's name.
CONTROLLER_LABELS: dict[str, dict[str, Callable[[str, str], bool]]] = {
    "Deployment": {"pod-template-hash": _any_value},
    "StatefulSet": {
        "controller-revision-hash": _any_value,
        "statefulset.kubernetes.io/pod-name": _name_and_number,
        "apps.kubernetes.io/pod-index": _digits,
    },
    "DaemonSet": {"controller-revision-hash": _any_value, "pod-template-generation": _digits},
    "Job": _JOB_LABELS,
    "CronJob": {
        **_JOB_LABELS,
        "job-name": _name_and_number,
        "batch.kubernetes.io/job-name": _name_and_number,
    },
    "Rollout": {"rollouts-pod-template-hash": _any_value},
}
CONTROLLER_LABEL_KEYS = frozenset(key for labels in CONTROLLER_LABELS.values() for key in labels)


def _selector_keys(selector: Selector) -> Iterator[str]:
    for key, _ in selector.match_labels:
        yield key
    for requirement in selector.expressions:
        yield requirement.key


def matches_with_controller_labels(selector: Selector, pod: PodSpec) -> bool:
    """Whether some pod created from ``pod``'s template can match ``selector``, counting the
    labels its controller adds (a label written in the template wins)."""
    labels = pod.labels
    added = CONTROLLER_LABELS.get(pod.obj.kind, {})
    name = pod.obj.name
    for key, value in selector.match_labels:
        if key in labels or key not in added:
            if labels.get(key) != value:
                return False
        elif not added[key](name, value):
            return False
    for requirement in selector.expressions:
        key = requirement.key
        if key in labels or key not in added:
            if not requirement.matches(labels):
                return False
        elif not _may_match(requirement.operator, requirement.values, added[key], name):
            return False
    return True


def _may_match(
    operator: str, values: tuple[str, ...], test: Callable[[str, str], bool], name: str
) -> bool:
    """Whether a controller-added label (whose values ``test`` accepts) can satisfy a
    requirement: it always exists, and NotIn leaves other values possible."""
    if operator == DOES_NOT_EXIST:
        return False
    if operator == IN:
        return any(test(name, value) for value in values)
    return True


# --- pods created by operators from custom resources -------------------------------------------


def is_custom_group(group: str) -> bool:
    """A CRD-provided API group: it has a dot (the core, apps, batch, policy, autoscaling and
    extensions groups have none, and CRD groups must) and is not a Kubernetes ``*.k8s.io``
    group."""
    return "." in group and not group.endswith(".k8s.io")


@cache
def _pod_owner_table() -> tuple[dict[tuple[str, str], str], frozenset[tuple[str, str]]]:
    """((group, kind) -> labels pointer, (group, kind or "*") that never create pods)."""
    _, loaded = read_yaml_file(package_data(POD_OWNERS_FILE))
    p = first_problem(loaded)
    if (
        p is not None
        or len(loaded.documents) != 1
        or not isinstance(loaded.documents[0].data, dict)
    ):
        where = f":{p.line}: {p.message}" if p is not None else ": not one mapping"
        raise ValueError(f"{POD_OWNERS_FILE}{where}")
    data = loaded.documents[0].data
    labels: dict[tuple[str, str], str] = {}
    for row in data.get("podLabels") or ():
        for kind in row["kinds"]:
            labels[(row["group"], kind)] = row["labels"]
    never = frozenset(
        (row["group"], kind) for row in data.get("noPods") or () for kind in row.get("kinds", ["*"])
    )
    return labels, never


def pod_owner_labels(obj: K8sObject) -> tuple[bool, dict[str, Any] | None]:
    """(whether an operator may create pods from ``obj``, the labels those pods carry).

    Not a custom resource, a known configuration kind, or a resource linted through its own
    pod template: (False, None). The labels are a dict (plus labels the operator adds) when the
    data knows where they are written, else None: they may be anything."""
    group = obj.group
    if not is_custom_group(group) or obj.pod is not None:
        return False, None
    labels_at, never = _pod_owner_table()
    if (group, obj.kind) in never or (group, "*") in never:
        return False, None
    pointer = labels_at.get((group, obj.kind))
    if pointer is None:
        return True, None
    written = get_path(obj.raw, pointer)
    return True, dict(written) if isinstance(written, Mapping) else {}


def may_match_partial(selector: Selector, labels: Mapping[str, Any]) -> bool:
    """Whether ``selector`` can match a pod that carries ``labels`` plus labels unknown here:
    only a requirement on a written label can fail."""
    for key, value in selector.match_labels:
        if key in labels and labels[key] != value:
            return False
    for requirement in selector.expressions:
        key, op = requirement.key, requirement.operator
        if key not in labels:
            continue
        value = labels[key]
        if op == IN and value not in requirement.values:
            return False
        if op == NOT_IN and value in requirement.values:
            return False
        if op == DOES_NOT_EXIST:
            return False
        if op not in (IN, NOT_IN, EXISTS, DOES_NOT_EXIST):
            return False
    return True
