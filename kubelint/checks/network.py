"""Cross-object checks on NetworkPolicies (networking.k8s.io).

Selection follows Kubernetes exactly (kubelint.lib.labels): matchLabels AND matchExpressions, an
empty or absent ``podSelector`` selects every pod of the policy's namespace, and an absent
``policyTypes`` means Ingress, plus Egress when the policy has egress rules. Policies of other
API groups (Calico's ``crd.projectcalico.org`` NetworkPolicy, …) are not Kubernetes
NetworkPolicies and are ignored. Every lookup goes through the LintSet's indexes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.lib.labels import Selector, SelectorError, parse_selector
from kubelint.lintset import LintSet
from kubelint.model import K8sObject, PodSpec
from kubelint.positions import join

NETWORK_POLICY_GROUPS = frozenset({"networking.k8s.io", "extensions"})
INGRESS = "Ingress"
EGRESS = "Egress"
# direction -> (rules field, peers field)
DIRECTIONS = {INGRESS: ("ingress", "from"), EGRESS: ("egress", "to")}
OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})


def network_policies(lint_set: LintSet, namespace: str | None = None) -> Iterator[K8sObject]:
    """Kubernetes NetworkPolicies of the set (of one namespace when given)."""
    pool = (
        lint_set.of_kind("NetworkPolicy")
        if namespace is None
        else lint_set.in_namespace("NetworkPolicy", namespace)
    )
    for policy in pool:
        if policy.group in NETWORK_POLICY_GROUPS:
            yield policy


def _spec(policy: K8sObject) -> dict[str, Any]:
    spec = policy.raw.get("spec")
    return spec if isinstance(spec, dict) else {}


def policy_types(policy: K8sObject) -> frozenset[str]:
    """Effective policyTypes: as written, else Ingress (+ Egress when egress rules exist)."""
    spec = _spec(policy)
    written = spec.get("policyTypes")
    if isinstance(written, list) and written:
        return frozenset(t for t in written if isinstance(t, str))
    egress = spec.get("egress")
    if isinstance(egress, list) and egress:
        return frozenset({INGRESS, EGRESS})
    return frozenset({INGRESS})


def pod_selector(policy: K8sObject) -> Selector | None:
    """The policy's podSelector (absent or ``{}`` selects all pods); None when malformed."""
    try:
        return parse_selector(_spec(policy).get("podSelector"))
    except SelectorError:
        return None


def selected_pods(lint_set: LintSet, policy: K8sObject) -> list[PodSpec]:
    selector = pod_selector(policy)
    if selector is None:
        return []
    return lint_set.select_pods(policy.scope, selector)


def _may_select(lint_set: LintSet, policy: K8sObject) -> bool:
    """Whether pods an operator creates from a custom resource may be the policy's."""
    selector = pod_selector(policy)
    return selector is not None and lint_set.pod_owner(policy.scope, selector) is not None


def _rules(policy: K8sObject, direction: str) -> list[tuple[int, dict[str, Any]]]:
    field, _ = DIRECTIONS[direction]
    items = _spec(policy).get(field)
    if not isinstance(items, list):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]


def _missing_policy(lint_set: LintSet, ctx: CheckContext, direction: str) -> Iterator[Violation]:
    """Pods in a namespace with NetworkPolicies (or in a complete set) that no policy of
    ``direction`` selects. Coverage is computed per policy through the label index."""
    namespaces = {policy.scope for policy in network_policies(lint_set)}
    covered: set[int] = set()
    for policy in network_policies(lint_set):
        if direction in policy_types(policy):
            covered.update(id(pod) for pod in selected_pods(lint_set, policy))
    word = direction.lower()
    for obj in lint_set.objects:
        pod = obj.pod
        if pod is None or obj.kind == "PodTemplate" or id(pod) in covered:
            continue
        if obj.scope not in namespaces and not lint_set.complete:
            continue
        yield Violation(
            pod.labels_pointer,
            f"pod template of {pod.obj.display} is not selected by any NetworkPolicy with "
            f'policyType {direction} in namespace "{obj.namespace}": all {word} traffic is '
            "allowed",
            obj=obj,
        )


@check("missing_network_policy")
def missing_network_policy(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Gated per namespace: only where the set has a NetworkPolicy, or when it is complete."""
    yield from _missing_policy(lint_set, ctx, INGRESS)


@check("missing_egress_network_policy")
def missing_egress_network_policy(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Gated per namespace like missing_network_policy."""
    yield from _missing_policy(lint_set, ctx, EGRESS)


@check("network_policy_selects_nothing")
def network_policy_selects_nothing(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """A non-empty podSelector that matches no pod template of the policy's namespace.

    Gated: only when the set holds at least one workload, or is declared complete.
    """
    if not (lint_set.has_workloads or lint_set.complete):
        return
    for policy in network_policies(lint_set):
        selector = pod_selector(policy)
        if selector is None or selector.empty or not lint_set.knows(policy):
            continue
        if lint_set.select_pods(policy.scope, selector):
            continue
        if lint_set.pod_owner(policy.scope, selector) is None:
            yield Violation(
                "/spec/podSelector",
                f'NetworkPolicy "{policy.name}" podSelector {{{selector}}} matches no pod '
                f'template in namespace "{policy.namespace}"',
                obj=policy,
            )


@check("network_policy_allows_all")
def network_policy_allows_all(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Rules that let traffic in from (or out to) anywhere, for each effective policyType.

    A policy known to select nothing (the set has workloads, or is complete, and its podSelector
    matches none) is left to network-policy-selects-nothing.
    """
    knows_pods = lint_set.has_workloads or lint_set.complete
    for policy in network_policies(lint_set):
        types = policy_types(policy)
        if (
            knows_pods
            and lint_set.knows(policy)
            and not selected_pods(lint_set, policy)
            and not _may_select(lint_set, policy)
        ):
            continue
        for direction in (INGRESS, EGRESS):
            if direction not in types:
                continue
            field, peers_field = DIRECTIONS[direction]
            whence = "from anywhere" if direction == INGRESS else "to anywhere"
            for i, rule in _rules(policy, direction):
                rule_ptr = join("/spec", field, i)
                peers = rule.get(peers_field)
                ports = rule.get("ports")
                label = f'NetworkPolicy "{policy.name}" {field} rule {i + 1}'
                if not peers and not ports:
                    if peers_field in rule:
                        pointer = join(rule_ptr, peers_field)
                        reason = f"has an empty {peers_field!r} and no ports"
                    else:
                        pointer, reason = rule_ptr, "allows every peer and port"
                    yield Violation(
                        pointer,
                        f"{label} {reason}: all {field} traffic {whence} on every port is allowed",
                        obj=policy,
                    )
                    continue
                if not isinstance(peers, list):
                    continue
                for j, peer in enumerate(peers):
                    block = peer.get("ipBlock") if isinstance(peer, dict) else None
                    if not isinstance(block, dict):
                        continue
                    cidr = block.get("cidr")
                    if not isinstance(cidr, str) or cidr not in OPEN_CIDRS:
                        continue
                    excepted = block.get("except")
                    but, where = "", whence
                    if isinstance(excepted, list) and excepted:
                        ranges = ", ".join(str(e) for e in excepted)
                        but = f" except only {ranges}"
                        where = f"{whence.split()[0]} every public address"
                    yield Violation(
                        join(rule_ptr, peers_field, j, "ipBlock", "cidr"),
                        f"{label} allows ipBlock {cidr}{but}: {field} traffic {where} is allowed",
                        obj=policy,
                    )


@check("network_policy_peer_selects_nothing")
def network_policy_peer_selects_nothing(
    lint_set: LintSet, ctx: CheckContext
) -> Iterator[Violation]:
    """A peer podSelector without namespaceSelector (so: the policy's own namespace) whose
    non-empty selector matches no pod template there. Gated like the other selector rules."""
    if not (lint_set.has_workloads or lint_set.complete):
        return
    for policy in network_policies(lint_set):
        types = policy_types(policy)
        for direction in (INGRESS, EGRESS):
            if direction not in types:
                continue
            field, peers_field = DIRECTIONS[direction]
            for i, rule in _rules(policy, direction):
                peers = rule.get(peers_field)
                if not isinstance(peers, list):
                    continue
                for j, peer in enumerate(peers):
                    if not isinstance(peer, dict) or peer.get("namespaceSelector") is not None:
                        continue
                    if peer.get("podSelector") is None:
                        continue
                    try:
                        selector = parse_selector(peer.get("podSelector"))
                    except SelectorError:
                        continue
                    if selector.empty or not lint_set.knows(policy):
                        continue
                    if lint_set.select_pods(policy.scope, selector):
                        continue
                    if lint_set.pod_owner(policy.scope, selector) is not None:
                        continue
                    yield Violation(
                        join("/spec", field, i, peers_field, j, "podSelector"),
                        f'NetworkPolicy "{policy.name}" {field} rule {i + 1} peer podSelector '
                        f"{{{selector}}} matches no pod template in namespace "
                        f'"{policy.namespace}"',
                        obj=policy,
                    )
