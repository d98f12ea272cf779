"""Autoscaling and availability checks: HPAs, PodDisruptionBudgets, replicas, spreading, Jobs.

Cross-object lookups (HPA targets, PDB selection) go through the LintSet's indexes; nothing
compares all pairs of objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.lib.labels import Selector, SelectorError, parse_selector
from kubelint.lintset import LintSet
from kubelint.model import K8sObject, PodSpec, split_api_version

SCALED_KINDS = ("Deployment", "StatefulSet")
# Kinds whose pod count is not spec.replicas (node count, completions): no numeric comparison.
UNCOUNTED_KINDS = frozenset({"DaemonSet", "Job", "CronJob"})
HOSTNAME_KEY = "kubernetes.io/hostname"
ZONE_KEYS = frozenset({"topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"})


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def replicas(obj: K8sObject) -> int | None:
    """The pod count a workload asks for: ``spec.replicas`` (unset means 1), 1 for a Pod, and
    None when unknown (DaemonSet, Job, CronJob, or a value that is not an integer)."""
    if obj.kind == "Pod":
        return 1
    if obj.kind in UNCOUNTED_KINDS:
        return None
    value = obj.get("/spec/replicas")
    if value is None:
        return 1
    return int(value) if _is_int(value) else None


def _is_apps(obj: K8sObject) -> bool:
    return obj.kind in SCALED_KINDS and obj.group == "apps"


# --- HorizontalPodAutoscaler ------------------------------------------------------------------


@check("hpa_target_missing")
def hpa_target_missing(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Gated per referenced kind: the set must hold an object of the target's group and kind
    (in any namespace), or be declared complete."""
    present = {(obj.group, obj.kind) for obj in lint_set.objects}
    present_kinds = {kind for _, kind in present}
    for hpa in lint_set.of_kind("HorizontalPodAutoscaler"):
        if hpa.group != "autoscaling":
            continue
        ref = hpa.get("/spec/scaleTargetRef")
        if not isinstance(ref, dict):
            continue
        kind, name, api = ref.get("kind"), ref.get("name"), ref.get("apiVersion")
        if not isinstance(kind, str) or not isinstance(name, str) or not kind or not name:
            continue
        group = split_api_version(api)[0] if isinstance(api, str) and api else None
        if not lint_set.complete:
            if group is None and kind not in present_kinds:
                continue
            if group is not None and (group, kind) not in present:
                continue
            if not lint_set.knows(hpa, kind):
                continue
        found = lint_set.find(kind, hpa.scope, name)
        if group is not None:
            found = [obj for obj in found if obj.group == group]
        if found:
            continue
        what = f"{api} {kind}" if group is not None else kind
        yield Violation(
            "/spec/scaleTargetRef/name",
            f'HorizontalPodAutoscaler "{hpa.name}" scales {what} "{name}", which is not in '
            f'namespace "{hpa.namespace}"',
            obj=hpa,
        )


@check("replicas_with_hpa")
def replicas_with_hpa(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    for obj in lint_set.of_kind(*SCALED_KINDS):
        if not _is_apps(obj) or obj.get("/spec/replicas") is None:
            continue
        hpas = lint_set.scalers_of(obj)
        if hpas:
            yield Violation(
                "/spec/replicas",
                f"{obj.display} sets replicas: {obj.get('/spec/replicas')} but "
                f'HorizontalPodAutoscaler "{hpas[0].name}" scales it: every apply resets the '
                "replica count the autoscaler chose",
                obj=obj,
            )


# --- PodDisruptionBudget ----------------------------------------------------------------------


def _pdbs(lint_set: LintSet) -> Iterator[K8sObject]:
    for pdb in lint_set.of_kind("PodDisruptionBudget"):
        if pdb.group == "policy":
            yield pdb


def pdb_selector(pdb: K8sObject) -> Selector | None:
    """The PDB's selector, or None when it selects nothing by definition: a null selector, or
    ``{}`` in policy/v1beta1 (``{}`` selects every pod of the namespace in policy/v1), or a
    malformed one."""
    raw = pdb.get("/spec/selector")
    if raw is None:
        return None
    try:
        selector = parse_selector(raw)
    except SelectorError:
        return None
    if selector.empty and pdb.version != "v1":
        return None
    return selector


def pdb_pods(lint_set: LintSet, pdb: K8sObject) -> list[PodSpec]:
    selector = pdb_selector(pdb)
    return [] if selector is None else lint_set.select_pods(pdb.scope, selector)


@check("pdb_selects_nothing")
def pdb_selects_nothing(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """A null selector (or ``{}`` in policy/v1beta1) selects nothing whatever else exists and
    always fires; a selector that matches no pod template fires only when the set holds a
    workload or is declared complete."""
    knows_pods = lint_set.has_workloads or lint_set.complete
    for pdb in _pdbs(lint_set):
        raw = pdb.get("/spec/selector")
        if raw is None:
            yield Violation(
                "/spec/selector",
                f'PodDisruptionBudget "{pdb.name}" has no selector: a null selector selects no '
                "pods",
                obj=pdb,
            )
            continue
        try:
            selector = parse_selector(raw)
        except SelectorError:
            continue
        if selector.empty and pdb.version != "v1":
            yield Violation(
                "/spec/selector",
                f'PodDisruptionBudget "{pdb.name}" ({pdb.api_version}) has an empty selector, '
                f"which selects no pods in {pdb.api_version}",
                obj=pdb,
            )
            continue
        if (
            knows_pods
            and lint_set.knows(pdb)
            and not lint_set.select_pods(pdb.scope, selector)
            and not lint_set.pod_owner(pdb.scope, selector)
        ):
            yield Violation(
                "/spec/selector",
                f'PodDisruptionBudget "{pdb.name}" selector {{{selector}}} matches no pod '
                f'template in namespace "{pdb.namespace}"',
                obj=pdb,
            )


@check("pdb_blocks_eviction")
def pdb_blocks_eviction(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """maxUnavailable 0 / "0%", minAvailable "100%", or an integer minAvailable at least the
    sum of the replicas of the selected workloads (unset replicas = 1). The sum is skipped when
    the PDB selects nothing, when an HPA scales a selected workload, or when a selected
    workload's pod count is not its replicas (DaemonSet, Job, CronJob)."""
    for pdb in _pdbs(lint_set):
        spec = pdb.raw.get("spec")
        if not isinstance(spec, dict):
            continue
        max_unavailable = spec.get("maxUnavailable")
        if (_is_int(max_unavailable) and max_unavailable == 0) or max_unavailable == "0%":
            yield Violation(
                "/spec/maxUnavailable",
                f'PodDisruptionBudget "{pdb.name}" has maxUnavailable: {max_unavailable}: no '
                "pod may ever be evicted, so node drains hang",
                obj=pdb,
            )
        min_available = spec.get("minAvailable")
        if min_available == "100%":
            yield Violation(
                "/spec/minAvailable",
                f'PodDisruptionBudget "{pdb.name}" has minAvailable: 100%: no pod may ever be '
                "evicted, so node drains hang",
                obj=pdb,
            )
        elif isinstance(min_available, int) and not isinstance(min_available, bool):
            yield from _min_available(lint_set, pdb, min_available)


def _min_available(lint_set: LintSet, pdb: K8sObject, wanted: int) -> Iterator[Violation]:
    pods = pdb_pods(lint_set, pdb)
    if not pods:
        return
    total = 0
    for pod in pods:
        count = replicas(pod.obj)
        if count is None or lint_set.scalers_of(pod.obj):
            return
        total += count
    if wanted < total:
        return
    workloads = ", ".join(
        f"{pod.obj.display} ({replicas(pod.obj)})"
        for pod in sorted(pods, key=lambda p: (p.obj.kind, p.obj.name))
    )
    yield Violation(
        "/spec/minAvailable",
        f'PodDisruptionBudget "{pdb.name}" has minAvailable: {wanted} but the pods it selects '
        f"only number {total} ({workloads}): no pod may be evicted, so node drains hang",
        obj=pdb,
    )


@check("missing_pod_disruption_budget")
def missing_pod_disruption_budget(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Gated: only when the set holds at least one PodDisruptionBudget, or is complete."""
    pdbs = list(_pdbs(lint_set))
    if not (pdbs or lint_set.complete):
        return
    covered: set[int] = set()
    for pdb in pdbs:
        covered.update(id(pod) for pod in pdb_pods(lint_set, pdb))
    for obj in lint_set.of_kind(*SCALED_KINDS):
        pod = obj.pod
        if not _is_apps(obj) or pod is None or id(pod) in covered:
            continue
        count = replicas(obj)
        hpas = lint_set.scalers_of(obj)
        if hpas:
            why = f'HorizontalPodAutoscaler "{hpas[0].name}" scales it'
        elif count is not None and count >= 2:
            why = f"it has {count} replicas"
        else:
            continue
        yield Violation(
            pod.labels_pointer,
            f"{obj.display} is not selected by any PodDisruptionBudget although {why}: "
            "voluntary disruptions (node drains) may take all its pods down at once",
            obj=obj,
        )


# --- replicas and spreading -------------------------------------------------------------------


@check("low_replica_count")
def low_replica_count(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    minimum = int(ctx.params["min"])
    for obj in lint_set.of_kind(*SCALED_KINDS):
        if not _is_apps(obj):
            continue
        count = replicas(obj)
        if count is None or count >= minimum or lint_set.scalers_of(obj):
            continue
        shown = "unset (1)" if obj.get("/spec/replicas") is None else str(count)
        yield Violation(
            "/spec/replicas",
            f"{obj.display} has replicas {shown}, fewer than {minimum}, and no "
            "HorizontalPodAutoscaler: one pod going down is an outage",
            obj=obj,
        )


def _term_selector(term: dict[str, Any], labels: dict[str, Any]) -> Selector | None:
    """A term's labelSelector plus its matchLabelKeys (which take the pod's own values)."""
    raw = term.get("labelSelector")
    keys = term.get("matchLabelKeys")
    if raw is None:
        return None  # a nil labelSelector matches no pods (matchLabelKeys needs one)
    try:
        selector = parse_selector(raw)
    except SelectorError:
        return None
    if isinstance(keys, list):
        extra = tuple(
            (k, labels[k]) for k in keys if isinstance(k, str) and isinstance(labels.get(k), str)
        )
        selector = Selector(selector.match_labels + extra, selector.expressions)
    return selector


def _spreads(pod: PodSpec) -> bool:
    labels = pod.labels
    affinity = pod.raw.get("affinity")
    anti = affinity.get("podAntiAffinity") if isinstance(affinity, dict) else None
    terms: list[Any] = []
    if isinstance(anti, dict):
        required = anti.get("requiredDuringSchedulingIgnoredDuringExecution")
        if isinstance(required, list):
            terms += required
        preferred = anti.get("preferredDuringSchedulingIgnoredDuringExecution")
        if isinstance(preferred, list):
            terms += [p.get("podAffinityTerm") for p in preferred if isinstance(p, dict)]
    for term in terms:
        if isinstance(term, dict):
            selector = _term_selector(term, labels)
            if selector is not None and selector.matches(labels):
                return True
    constraints = pod.raw.get("topologySpreadConstraints")
    if isinstance(constraints, list):
        for tsc in constraints:
            if not isinstance(tsc, dict):
                continue
            key = tsc.get("topologyKey")
            if key != HOSTNAME_KEY and key not in ZONE_KEYS:
                continue
            selector = _term_selector(tsc, labels)
            if selector is not None and selector.matches(labels):
                return True
    return False


@check("missing_anti_affinity")
def missing_anti_affinity(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    for obj in lint_set.objects:
        pod = obj.pod
        if pod is None or obj.kind in ("Pod", "PodTemplate"):
            continue
        count = replicas(obj)
        scaled = ""
        for hpa in lint_set.scalers_of(obj):  # an HPA decides the count: judge its minimum
            low = hpa.get("/spec/minReplicas")
            low = 1 if low is None else low
            if _is_int(low):
                count, scaled = int(low), f' (minReplicas of HorizontalPodAutoscaler "{hpa.name}")'
                break
        if count is None or count < 2 or _spreads(pod):
            continue
        yield Violation(
            pod.at("affinity"),
            f"{obj.display} has {count} replicas{scaled} but neither a podAntiAffinity term nor a "
            f"topologySpreadConstraint on {HOSTNAME_KEY} or a zone key that selects its own "
            "pods: the scheduler may put every replica on one node",
            obj=obj,
        )


# --- Jobs -------------------------------------------------------------------------------------


@check("missing_job_ttl")
def missing_job_ttl(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """A standalone Job (not created by a CronJob, whose history limits clean it up)."""
    owners = obj.metadata.get("ownerReferences")
    if isinstance(owners, list) and any(
        isinstance(o, dict) and o.get("kind") == "CronJob" for o in owners
    ):
        return
    if obj.get("/spec/ttlSecondsAfterFinished") is not None:
        return
    yield Violation(
        "/spec/ttlSecondsAfterFinished",
        f'Job "{obj.name}" has no ttlSecondsAfterFinished: the finished Job and its pods stay '
        "in the cluster until someone deletes them",
    )
