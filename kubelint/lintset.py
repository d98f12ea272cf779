"""A lint set: the objects that cross-object rules may relate, indexed for fast lookups.

All plain files and stdin of a run form one set; each Helm render and Kustomize build is its own
(design.md, "Lint sets and cross-object rules"). Lookups go through indexes by kind, namespace,
name and pod-template label, so cost grows with the number of objects, not with their pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from kubelint.labels import Selector
from kubelint.model import K8sObject, PodSpec


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
        """Pod templates in ``namespace`` whose labels the selector matches."""
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
