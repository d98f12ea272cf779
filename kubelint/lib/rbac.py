"""RBAC grant matching: the one place that decides what a Role/ClusterRole rule entry grants.

Every RBAC check asks the same question, "does rule entry R grant verb V on resource Rs of API
group G?", and answers it here, following the Kubernetes RBAC authorizer
(``k8s.io/component-helpers/auth/rbac/validation``, ``VerbMatches``/``APIGroupMatches``/
``ResourceMatches``):

* ``*`` in ``verbs``, ``apiGroups`` or ``resources`` matches everything;
* a resource is matched exactly (``pods/exec`` is the ``exec`` subresource of ``pods``), or by
  ``*/<subresource>`` for any resource's subresource; ``pods/*`` is *not* a wildcard for the
  authorizer (it names no resource);
* ``resourceNames`` narrow a grant to the named objects: such an entry does not grant the verb on
  the resource in general, and by default it is not a match (``named=True`` includes it);
* an entry without ``apiGroups`` or with only ``nonResourceURLs`` grants no resource.

A match records the index of the verb, group and resource list items that granted it (the exact
value rather than ``*`` when both are written), so checks can point at the item at fault.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kubelint.records import dataclass, field

WILDCARD = "*"

RBAC_GROUP = "rbac.authorization.k8s.io"


_LISTS = ("verbs", "apiGroups", "resources", "resourceNames")


@dataclass
class PolicyRule:
    """One entry of a Role/ClusterRole ``rules`` list (index ``index``), with its lists read
    once and leniently: a missing or malformed list is empty, non-string items are ignored.
    ``first[list][value]`` is the position of the first item equal to ``value``."""

    index: int
    raw: Mapping[str, Any]
    first: dict[str, dict[str, int]] = field(init=False, repr=False)
    _items: dict[str, list[tuple[int, str]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._items = {}
        self.first = {}
        for name in _LISTS:
            value = self.raw.get(name)
            items = (
                [(i, item) for i, item in enumerate(value) if isinstance(item, str)]
                if isinstance(value, list)
                else []
            )
            self._items[name] = items
            positions: dict[str, int] = {}
            for i, item in reversed(items):
                positions[item] = i
            self.first[name] = positions

    def items(self, name: str) -> list[tuple[int, str]]:
        """``(position, value)`` of the string items of list ``name`` (e.g. ``verbs``)."""
        cached = self._items.get(name)
        if cached is None:
            value = self.raw.get(name)
            cached = (
                [(i, item) for i, item in enumerate(value) if isinstance(item, str)]
                if isinstance(value, list)
                else []
            )
            self._items[name] = cached
        return cached

    @property
    def verbs(self) -> list[str]:
        return [v for _, v in self._items["verbs"]]

    @property
    def api_groups(self) -> list[str]:
        return [v for _, v in self._items["apiGroups"]]

    @property
    def resources(self) -> list[str]:
        return [v for _, v in self._items["resources"]]

    @property
    def resource_names(self) -> list[str]:
        return [v for _, v in self._items["resourceNames"]]

    @property
    def named(self) -> bool:
        """True when ``resourceNames`` narrows the entry to named objects."""
        return bool(self._items["resourceNames"])


@dataclass(frozen=True)
class Grant:
    """Where rule entry ``rule`` grants a request: indexes into its verbs, apiGroups and
    resources lists, and whether the grant is narrowed by resourceNames."""

    rule: int
    verb: int
    group: int
    resource: int
    named: bool


def policy_rules(raw: Mapping[str, Any]) -> list[PolicyRule]:
    """The rule entries of a Role/ClusterRole (its own written ``rules``; an aggregated
    ClusterRole's aggregated rules are filled in by the cluster and are not known here)."""
    rules = raw.get("rules")
    if not isinstance(rules, list):
        return []
    return [PolicyRule(i, r) for i, r in enumerate(rules) if isinstance(r, dict)]


def _first(positions: Mapping[str, int], wanted: str) -> int:
    """Position of the item equal to ``wanted``, else of ``*``; -1 if neither. An exact value
    is preferred over ``*`` so findings point at the most specific item."""
    found = positions.get(wanted)
    if found is None:
        found = positions.get(WILDCARD, -1)
    return found


def _resource_index(positions: Mapping[str, int], resource: str) -> int:
    """Kubernetes ``ResourceMatches``: exact, ``*/<subresource>``, or ``*``."""
    found = positions.get(resource)
    if found is None:
        sub = resource.partition("/")[2]
        if sub:
            found = positions.get(f"*/{sub}")
        if found is None:
            found = positions.get(WILDCARD, -1)
    return found


def grants(
    rule: PolicyRule, verb: str | None, group: str, resource: str, *, named: bool = False
) -> Grant | None:
    """Does ``rule`` grant ``verb`` on ``resource`` (``pods`` or ``pods/exec``) of API group
    ``group`` (``""`` is the core group)? ``verb=None`` asks for any verb at all.

    An entry with ``resourceNames`` only grants the named objects: it is not a match unless
    ``named`` is true (the returned grant then says ``named=True``).
    """
    first = rule.first
    is_named = bool(first["resourceNames"])
    if is_named and not named:
        return None
    g = _first(first["apiGroups"], group)
    if g < 0:
        return None
    r = _resource_index(first["resources"], resource)
    if r < 0:
        return None
    if verb is None:
        verbs = rule.items("verbs")
        v = verbs[0][0] if verbs else -1
    else:
        v = _first(first["verbs"], verb)
    if v < 0:
        return None
    return Grant(rule.index, v, g, r, is_named)


def find_grants(
    rule: PolicyRule,
    verbs: Sequence[str | None],
    targets: Sequence[tuple[str, str]],
    *,
    named: bool = False,
) -> Iterator[tuple[str | None, str, str, Grant]]:
    """Every ``(verb, group, resource, grant)`` that ``rule`` grants among ``verbs`` x
    ``targets`` (``(group, resource)`` pairs), in the order given."""
    for group, resource in targets:
        for verb in verbs:
            grant = grants(rule, verb, group, resource, named=named)
            if grant is not None:
                yield verb, group, resource, grant


# Verbs that, granted on every resource, are cluster-admin in all but name: reading every
# Secret, creating pods/exec, minting tokens (serviceaccounts/token), rewriting RBAC.
ADMIN_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete")


def is_full_wildcard(rule: PolicyRule) -> bool:
    """The entry grants ``*`` verbs (or all of ADMIN_VERBS) on ``*`` resources in ``*`` or the
    core group, unnarrowed: the built-in cluster-admin role in all but name."""
    if rule.named:
        return False
    return (
        (WILDCARD in rule.verbs or all(verb in rule.verbs for verb in ADMIN_VERBS))
        and WILDCARD in rule.resources
        and (WILDCARD in rule.api_groups or "" in rule.api_groups)
    )
