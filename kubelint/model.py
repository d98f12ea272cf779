"""The typed view of Kubernetes objects that every rule reads.

``K8sObject`` wraps one object (a YAML document or one item of a ``List``); ``PodSpec`` is its pod
template wherever the kind keeps it (including CronJob and CRD workloads such as Argo Rollout);
``Container`` covers init, regular and ephemeral containers and owns the single resolver for the
effective security context (pod -> container inheritance). Building the model never raises on
odd shapes: problems become ``invalid-object`` violations and the odd part is left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kubelint.apiresources import cluster_scoped_kinds
from kubelint.findings import ObjectRef, Violation
from kubelint.k8s_names import valid_api_version, valid_kind
from kubelint.messages import type_name
from kubelint.positions import join
from kubelint.records import dataclass, field
from kubelint.shape import object_problems

if TYPE_CHECKING:
    from collections.abc import Callable

    from kubelint.loader import Document

    # (object) -> (pod spec pointer, pod template metadata pointer) | None
    PodLocator = Callable[["K8sObject"], tuple[str, str | None] | None]


# Kinds whose objects have no namespace: derived from data/api-resources.yaml (read on first use).
def __getattr__(name: str) -> Any:
    if name == "CLUSTER_SCOPED_KINDS":
        return cluster_scoped_kinds()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Where each built-in workload kind keeps its pod spec, and its pod template metadata.
POD_SPEC_PATHS: dict[str, tuple[str, str | None]] = {
    "Pod": ("/spec", "/metadata"),
    "Deployment": ("/spec/template/spec", "/spec/template/metadata"),
    "ReplicaSet": ("/spec/template/spec", "/spec/template/metadata"),
    "StatefulSet": ("/spec/template/spec", "/spec/template/metadata"),
    "DaemonSet": ("/spec/template/spec", "/spec/template/metadata"),
    "Job": ("/spec/template/spec", "/spec/template/metadata"),
    "ReplicationController": ("/spec/template/spec", "/spec/template/metadata"),
    "PodTemplate": ("/template/spec", "/template/metadata"),
    "CronJob": (
        "/spec/jobTemplate/spec/template/spec",
        "/spec/jobTemplate/spec/template/metadata",
    ),
}
GENERIC_POD_SPEC = ("/spec/template/spec", "/spec/template/metadata")

CONTAINER_FIELDS = (
    ("initContainers", "initContainer"),
    ("containers", "container"),
    ("ephemeralContainers", "ephemeralContainer"),
)

# securityContext fields a container inherits from the pod-level securityContext.
INHERITED_SECURITY_FIELDS = frozenset(
    {
        "runAsUser",
        "runAsGroup",
        "runAsNonRoot",
        "seccompProfile",
        "appArmorProfile",
        "seLinuxOptions",
        "windowsOptions",
    }
)


def get_path(data: Any, pointer: str) -> Any:
    """Value at a JSON Pointer of plain data, or None when any step is missing."""
    if not pointer:
        return data
    cur = data
    for token in pointer[1:].split("/"):
        if "~" in token:
            token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict):
            cur = cur.get(token)
        elif isinstance(cur, list) and token.isdigit() and int(token) < len(cur):
            cur = cur[int(token)]
        else:
            return None
        if cur is None:
            return None
    return cur


def split_api_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` -> (``apps``, ``v1``); ``v1`` -> (``""``, ``v1``) (the core group)."""
    if "/" in api_version:
        group, _, version = api_version.partition("/")
        return group, version
    return "", api_version


@dataclass
class Effective:
    """An effective securityContext value and where it is written (pointer), if anywhere."""

    value: Any
    pointer: str | None
    level: str | None  # "container" | "pod" | None (set nowhere)


@dataclass
class Container:
    pod: PodSpec
    kind: str  # container | initContainer | ephemeralContainer
    index: int
    pointer: str  # relative to the object root
    raw: dict[str, Any]

    @property
    def name(self) -> str:
        name = self.raw.get("name")
        return name if isinstance(name, str) else f"#{self.index}"

    @property
    def obj(self) -> K8sObject:
        return self.pod.obj

    @property
    def is_init(self) -> bool:
        return self.kind == "initContainer"

    @property
    def is_ephemeral(self) -> bool:
        return self.kind == "ephemeralContainer"

    @property
    def is_sidecar(self) -> bool:
        """An init container with restartPolicy Always runs for the pod's whole life."""
        return self.is_init and self.raw.get("restartPolicy") == "Always"

    @property
    def long_running(self) -> bool:
        if self.is_ephemeral or not self.pod.long_running:
            return False
        return not self.is_init or self.is_sidecar

    def at(self, *tokens: str | int) -> str:
        """Pointer to a field of this container."""
        return join(self.pointer, *tokens)

    def get(self, *tokens: str | int) -> Any:
        cur: Any = self.raw
        for token in tokens:
            if isinstance(cur, dict) and isinstance(token, str):
                cur = cur.get(token)
            elif isinstance(cur, list) and isinstance(token, int) and token < len(cur):
                cur = cur[token]
            else:
                return None
        return cur

    @property
    def security_context(self) -> dict[str, Any]:
        sc = self.raw.get("securityContext")
        return sc if isinstance(sc, dict) else {}

    def effective(self, name: str) -> Effective:
        """The effective securityContext field ``name``: the container's value wins; the
        pod-level value applies for inherited fields. The one resolver every rule uses."""
        own = self.security_context.get(name)
        if own is not None:
            return Effective(own, self.at("securityContext", name), "container")
        if name in INHERITED_SECURITY_FIELDS:
            pod_value = self.pod.security_context.get(name)
            if pod_value is not None:
                return Effective(pod_value, join(self.pod.pointer, "securityContext", name), "pod")
        return Effective(None, None, None)

    def _entries(self, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
        items = self.raw.get(name)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    yield i, item

    def ports(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(index, entry) of each mapping under ``ports`` (indexes as written)."""
        return self._entries("ports")

    def env(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(index, entry) of each mapping under ``env`` (indexes as written)."""
        return self._entries("env")

    def named_ports(self) -> dict[str, Any]:
        """Port name -> its ``containerPort`` as written, for the ports that have a name."""
        return {
            p["name"]: p.get("containerPort")
            for _, p in self.ports()
            if isinstance(p.get("name"), str)
        }

    def resources(self, section: str) -> dict[str, Any]:
        res = self.raw.get("resources")
        part = res.get(section) if isinstance(res, dict) else None
        return part if isinstance(part, dict) else {}


@dataclass
class PodSpec:
    obj: K8sObject
    pointer: str  # the pod spec, relative to the object root
    meta_pointer: str | None  # the pod template metadata
    raw: dict[str, Any]
    containers: list[Container] = field(default_factory=list)

    def at(self, *tokens: str | int) -> str:
        return join(self.pointer, *tokens)

    @property
    def meta(self) -> dict[str, Any]:
        if self.meta_pointer is None:
            return {}
        meta = get_path(self.obj.raw, self.meta_pointer)
        return meta if isinstance(meta, dict) else {}

    @property
    def labels(self) -> dict[str, Any]:
        labels = self.meta.get("labels")
        return labels if isinstance(labels, dict) else {}

    @property
    def annotations(self) -> dict[str, Any]:
        ann = self.meta.get("annotations")
        return ann if isinstance(ann, dict) else {}

    @property
    def labels_pointer(self) -> str:
        return join(self.meta_pointer or "/metadata", "labels")

    @property
    def security_context(self) -> dict[str, Any]:
        sc = self.raw.get("securityContext")
        return sc if isinstance(sc, dict) else {}

    @property
    def is_windows(self) -> bool:
        os_ = self.raw.get("os")
        return isinstance(os_, dict) and os_.get("name") == "windows"

    @property
    def long_running(self) -> bool:
        """False for Jobs, CronJobs and pods that are not restarted forever."""
        if self.obj.kind in ("Job", "CronJob"):
            return False
        return self.raw.get("restartPolicy") not in ("Never", "OnFailure")


@dataclass
class K8sObject:
    """One Kubernetes object with its identity, raw data and where it came from."""

    raw: dict[str, Any]
    file: str  # display name of the file
    doc: Document  # the loaded document (positions)
    base: str = ""  # pointer of this object inside its document (List items: /items/N)
    lint_set: str = "files"
    unit: str = ""  # the file, stream, render or build it came from (for duplicate-object)
    default_namespace: str = "default"
    # the deployment unit a namespace-less object relates within (set by LintSet; "" = its set)
    deployment_unit: str = field(default="", compare=False)
    # plugins' kubelint_pod_spec hook: where an unknown kind keeps its pod template
    pod_locator: PodLocator | None = field(default=None, repr=False, compare=False)
    # what checks derive from ``raw`` once per object and share (e.g. parsed RBAC rules),
    # keyed by the deriving module; never read by the pipeline
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _pod: tuple[PodSpec | None, list[Violation]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _shape: list[Violation] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def api_version(self) -> str:
        value = self.raw.get("apiVersion")
        return value if isinstance(value, str) else ""

    @property
    def group(self) -> str:
        return split_api_version(self.api_version)[0]

    @property
    def version(self) -> str:
        return split_api_version(self.api_version)[1]

    @property
    def kind(self) -> str:
        value = self.raw.get("kind")
        return value if isinstance(value, str) else ""

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.raw.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        meta = self.metadata
        name = meta.get("name")
        if isinstance(name, str) and name:
            return name
        gen = meta.get("generateName")
        return f"{gen}*" if isinstance(gen, str) and gen else ""

    @property
    def display(self) -> str:
        """``Kind "name"``, as messages name an object."""
        return f'{self.kind} "{self.name}"'

    @property
    def cluster_scoped(self) -> bool:
        return self.kind in cluster_scoped_kinds()

    @property
    def namespace(self) -> str | None:
        """The effective namespace (defaulted), None for cluster-scoped kinds."""
        if self.cluster_scoped:
            return None
        ns = self.metadata.get("namespace")
        return ns if isinstance(ns, str) and ns else self.default_namespace

    @property
    def explicit_namespace(self) -> bool:
        """Whether ``metadata.namespace`` is written (a non-empty string)."""
        ns = self.metadata.get("namespace")
        return isinstance(ns, str) and bool(ns)

    @property
    def scope(self) -> str | None:
        """What cross-object lookups key on: the namespace, except that a namespace-less object
        only relates within its deployment unit (design.md, "Lint sets and cross-object
        rules"): its defaulted namespace qualified by the unit. None for cluster-scoped kinds."""
        ns = self.namespace
        if ns is None or not self.deployment_unit or self.explicit_namespace:
            return ns
        return f"{ns}\x1f{self.deployment_unit}"

    @property
    def labels(self) -> dict[str, Any]:
        labels = self.metadata.get("labels")
        return labels if isinstance(labels, dict) else {}

    @property
    def annotations(self) -> dict[str, Any]:
        ann = self.metadata.get("annotations")
        return ann if isinstance(ann, dict) else {}

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.api_version, self.kind, self.namespace, self.name)

    def get(self, pointer: str) -> Any:
        return get_path(self.raw, pointer)

    @property
    def pod(self) -> PodSpec | None:
        """The pod spec of a workload (any kind with a pod template), else None (built once)."""
        if self._pod is None:
            self._pod = self._build_pod()
        return self._pod[0]

    def _build_pod(self) -> tuple[PodSpec | None, list[Violation]]:
        """The pod view and the shape problems met while building it."""
        problems: list[Violation] = []
        paths = POD_SPEC_PATHS.get(self.kind)
        locator = self.pod_locator
        if paths is None and locator is not None and self.kind not in cluster_scoped_kinds():
            paths = locator(self)  # a plugin knows where this kind keeps its pod template
        if paths is None:
            if self.kind in cluster_scoped_kinds() or not isinstance(
                get_path(self.raw, GENERIC_POD_SPEC[0] + "/containers"), list
            ):
                return None, problems
            paths = GENERIC_POD_SPEC
        spec_pointer, meta_pointer = paths
        spec = get_path(self.raw, spec_pointer)
        if spec is None:
            return None, problems
        if not isinstance(spec, dict):
            problems.append(
                Violation(spec_pointer, f"pod spec must be a mapping, not {type_name(spec)}")
            )
            return None, problems
        pod = PodSpec(self, spec_pointer, meta_pointer, spec)
        for field_name, kind in CONTAINER_FIELDS:
            items = spec.get(field_name)
            if items is None:
                continue
            pointer = join(spec_pointer, field_name)
            if not isinstance(items, list):
                problems.append(
                    Violation(pointer, f"{field_name} must be a list, not {type_name(items)}")
                )
                continue
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    pod.containers.append(Container(pod, kind, i, join(pointer, i), item))
                else:
                    problems.append(
                        Violation(
                            join(pointer, i),
                            f"{field_name}[{i}] must be a mapping, not {type_name(item)}",
                        )
                    )
        return pod, problems

    def names_valid(self) -> bool:
        """Whether kind and apiVersion follow the Kubernetes name syntax (k8s_names.py)."""
        raw = self.raw
        return valid_kind(raw.get("kind")) and valid_api_version(raw.get("apiVersion"))

    def shape_problems(self) -> list[Violation]:
        """invalid-object problems of this object (computed once; includes pod-spec shapes)."""
        if self._shape is not None:
            return self._shape
        problems = object_problems(self)
        if self._pod is None:
            self._pod = self._build_pod()
        problems.extend(self._pod[1])  # pod-spec shapes, met while building the pod view
        self._shape = problems
        return problems
