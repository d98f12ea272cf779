"""A lint set: the objects that cross-object rules may relate, indexed for fast lookups.

All plain files and stdin of a run form one set; each Helm render and Kustomize build is its own
(design.md, "Lint sets and cross-object rules"). Lookups go through indexes by kind, namespace,
name and pod-template label, so cost grows with the number of objects, not with their pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache, lru_cache
from pathlib import PurePosixPath
from typing import Any

from kubelint.lib.labels import DOES_NOT_EXIST, EXISTS, IN, NOT_IN, Selector
from kubelint.model import K8sObject, PodSpec, get_path
from kubelint.records import dataclass, field
from kubelint.resources import package_table

POD_OWNERS_FILE = "pod-owners.yaml"
_WORKLOAD = "\x00workload"  # marks a unit holding a pod template (LintSet.knows)


@dataclass
class LintSet:
    id: str
    objects: list[K8sObject]
    complete: bool = False
    # --namespace placed every namespace-less object: they relate across the set like the rest
    namespace_given: bool = False
    _unit_kinds: dict[str, set[str]] | None = field(default=None, repr=False)
    _units_of: dict[str | None, list[str | None]] = field(default_factory=dict, repr=False)
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
        assign_units(self.objects, self.id, self.namespace_given)
        by_kind: dict[str, list[K8sObject]] = defaultdict(list)
        by_name: dict[tuple[str, str | None, str], list[K8sObject]] = defaultdict(list)
        pods_by_ns: dict[str | None, list[PodSpec]] = defaultdict(list)
        pods_by_label: dict[tuple[str | None, str, str], list[PodSpec]] = defaultdict(list)
        for obj in self.objects:
            by_kind[obj.kind].append(obj)
            by_name[(obj.kind, obj.scope, obj.name)].append(obj)
            pod = obj.pod
            if pod is not None and obj.kind != "PodTemplate":
                ns = obj.scope
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
            by_kind_ns[(obj.kind, obj.scope)].append(obj)
        self._by_kind_ns = dict(by_kind_ns)
        units_of: dict[str | None, list[str | None]] = defaultdict(list)
        for obj in self.objects:
            scope = obj.scope
            if scope != obj.namespace and scope not in units_of[obj.namespace]:
                units_of[obj.namespace].append(scope)
        self._units_of = dict(units_of)

    def related(self, scope: str | None) -> list[str | None]:
        """The scopes an object of ``scope`` relates to. A namespace-less object relates to its
        deployment unit and to the objects written into its (defaulted) namespace; an object
        with an explicit namespace relates to that namespace across the run, including the
        namespace-less objects that may land in it: lookups then find whatever may exist,
        and "missing" or "selects nothing" findings stay free of false alarms."""
        if scope is not None and "\x1f" in scope:
            return [scope, scope.partition("\x1f")[0]]
        return [scope, *self._units_of.get(scope, ())]

    def knows(self, obj: K8sObject, *kinds: str) -> bool:
        """The gate of "missing" and "selects nothing" rules for ``obj``: the set is complete,
        or holds an object of ``kinds`` (a workload when no kind is given) that ``obj`` relates
        to. A namespace-less object is judged within its deployment unit (a Service in
        ``services/`` says nothing about a Deployment in a sibling ``deployments/`` directory
        applied on its own); an object with an explicit namespace (or a cluster-scoped one)
        among the objects with explicit namespaces."""
        if self.complete:
            return True
        unit = obj.deployment_unit
        if not unit:
            return self.has_kind(*kinds) if kinds else self.has_workloads
        if self._unit_kinds is None:
            found: dict[str, set[str]] = defaultdict(set)
            for other in self.objects:
                found[other.deployment_unit].add(other.kind)
                if other.pod is not None and other.kind != "PodTemplate":
                    found[other.deployment_unit].add(_WORKLOAD)
            self._unit_kinds = dict(found)
        present = self._unit_kinds.get(unit, set()) | self._unit_kinds.get("", set())
        return any(k in present for k in (kinds or (_WORKLOAD,)))

    def of_kind(self, *kinds: str) -> Iterator[K8sObject]:
        for kind in kinds:
            yield from self._by_kind.get(kind, ())

    def has_kind(self, *kinds: str) -> bool:
        return any(self._by_kind.get(kind) for kind in kinds)

    def find(self, kind: str, namespace: str | None, name: str) -> list[K8sObject]:
        """Objects of ``kind`` named ``name`` that an object of scope ``namespace`` relates to."""
        out: list[K8sObject] = []
        for scope in self.related(namespace):
            out.extend(self._by_name.get((kind, scope, name), ()))
        return out

    @property
    def has_workloads(self) -> bool:
        return bool(self._pods_by_ns)

    def pods_in(self, namespace: str | None) -> list[PodSpec]:
        out: list[PodSpec] = []
        for scope in self.related(namespace):
            out.extend(self._pods_by_ns.get(scope, ()))
        return out

    def select_pods(self, namespace: str | None, selector: Selector) -> list[PodSpec]:
        """Pod templates related to scope ``namespace`` whose labels the selector matches."""
        out: list[PodSpec] = []
        for scope in self.related(namespace):
            out.extend(self._select_in(scope, selector))
        return out

    def _select_in(self, namespace: str | None, selector: Selector) -> list[PodSpec]:
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
            pool = self._pods_by_ns.get(namespace, [])
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
                    owners[obj.scope].append((obj, labels))
            self._owners_by_ns = dict(owners)
        for scope in self.related(namespace):
            for obj, labels in self._owners_by_ns.get(scope, ()):
                if labels is None or may_match_partial(selector, labels):
                    return obj
        return None

    def in_namespace(self, kind: str, namespace: str | None) -> list[K8sObject]:
        """Objects of ``kind`` related to scope ``namespace`` (after defaulting)."""
        out: list[K8sObject] = []
        for scope in self.related(namespace):
            out.extend(self._by_kind_ns.get((kind, scope), ()))
        return out

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
                targets[(group, kind, hpa.scope, name)].append(hpa)
            self._scale_targets = dict(targets)
        out: list[K8sObject] = []
        for scope in self.related(obj.scope):
            key = (obj.kind, scope, obj.name)
            out += self._scale_targets.get((obj.group, *key), [])
            out += self._scale_targets.get(("*", *key), [])
        return out

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
        return self._pods_by_ns.get(namespace, []) if smallest is None else smallest


def assign_units(objects: Iterable[K8sObject], set_id: str, namespace_given: bool) -> None:
    """Give each namespace-less object of the plain-file set its deployment unit: a directory
    tree of files applied together. The unit of a file's directory is its topmost ancestor (or
    itself) that holds a namespace-less object, so ``app/`` and ``app/hpa/`` are one unit while
    sibling applications ``apps/a/`` and ``apps/b/`` under a directory without manifests are
    two; standard input is a unit of its own. A render or a build is one unit (its set), and
    ``--namespace`` places every object explicitly."""
    objs = list(objects)
    if namespace_given or set_id != "files":
        for obj in objs:
            obj.deployment_unit = ""
        return
    loose = [o for o in objs if not o.explicit_namespace and o.namespace is not None]
    dirs = {_directory(o.file) for o in loose}
    top: dict[str, str] = {}
    for d in dirs:
        unit = d
        for parent in PurePosixPath(d).parents:
            if str(parent) in dirs:
                unit = str(parent)
        top[d] = unit
    loose_ids = {id(o) for o in loose}
    for obj in objs:
        obj.deployment_unit = top.get(_directory(obj.file), "") if id(obj) in loose_ids else ""


@lru_cache(maxsize=4096)
def _directory(file: str) -> str:
    if file == "-" or not file:
        return "-"
    return str(PurePosixPath(file).parent)


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
    data = package_table(POD_OWNERS_FILE)
    if not isinstance(data, dict):
        raise ValueError(f"{POD_OWNERS_FILE}: not one mapping")
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
