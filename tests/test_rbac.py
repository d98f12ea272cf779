"""Table tests for kubelint.lib.rbac, the one RBAC grant matcher every RBAC rule uses."""

from __future__ import annotations

from typing import Any

import pytest

from kubelint.lib.rbac import Grant, PolicyRule, find_grants, grants, is_full_wildcard, policy_rules


def rule(**fields: Any) -> PolicyRule:
    return PolicyRule(0, fields)


CORE_SECRETS = {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}

# (rule entry, verb, group, resource, granted?)
CASES: list[tuple[dict[str, Any], str | None, str, str, bool]] = [
    # exact matches on all three lists
    (CORE_SECRETS, "get", "", "secrets", True),
    (CORE_SECRETS, "list", "", "secrets", False),
    (CORE_SECRETS, "get", "apps", "secrets", False),
    (CORE_SECRETS, "get", "", "configmaps", False),
    # "*" in each list matches everything
    ({"apiGroups": [""], "resources": ["secrets"], "verbs": ["*"]}, "watch", "", "secrets", True),
    ({"apiGroups": ["*"], "resources": ["secrets"], "verbs": ["get"]}, "get", "", "secrets", True),
    (
        {"apiGroups": ["*"], "resources": ["secrets"], "verbs": ["get"]},
        "get",
        "x.io",
        "secrets",
        True,
    ),
    ({"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}, "get", "", "secrets", True),
    # "*" resources covers subresources too
    ({"apiGroups": [""], "resources": ["*"], "verbs": ["create"]}, "create", "", "pods/exec", True),
    # subresources: exact, "*/sub"; a resource does not cover its subresources
    (
        {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]},
        "create",
        "",
        "pods/exec",
        True,
    ),
    (
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]},
        "create",
        "",
        "pods/exec",
        False,
    ),
    (
        {"apiGroups": [""], "resources": ["*/exec"], "verbs": ["create"]},
        "create",
        "",
        "pods/exec",
        True,
    ),
    (
        {"apiGroups": [""], "resources": ["*/exec"], "verbs": ["create"]},
        "create",
        "",
        "pods",
        False,
    ),
    (
        {"apiGroups": [""], "resources": ["*/log"], "verbs": ["create"]},
        "create",
        "",
        "pods/exec",
        False,
    ),
    # "pods/*" is not a wildcard for the Kubernetes authorizer
    (
        {"apiGroups": [""], "resources": ["pods/*"], "verbs": ["*"]},
        "create",
        "",
        "pods/exec",
        False,
    ),
    (
        {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]},
        "create",
        "",
        "pods/attach",
        False,
    ),
    # resourceNames narrow a grant: not a general grant
    ({**CORE_SECRETS, "resourceNames": ["db"]}, "get", "", "secrets", False),
    ({**CORE_SECRETS, "resourceNames": []}, "get", "", "secrets", True),
    # missing or malformed lists grant nothing
    ({"resources": ["secrets"], "verbs": ["get"]}, "get", "", "secrets", False),
    ({"apiGroups": [""], "verbs": ["get"]}, "get", "", "secrets", False),
    ({"apiGroups": [""], "resources": ["secrets"]}, "get", "", "secrets", False),
    ({"apiGroups": "", "resources": ["secrets"], "verbs": ["get"]}, "get", "", "secrets", False),
    ({"apiGroups": [""], "resources": "secrets", "verbs": ["get"]}, "get", "", "secrets", False),
    ({"nonResourceURLs": ["*"], "verbs": ["*"]}, "get", "", "secrets", False),
    # the core group is "" only
    (
        {"apiGroups": ["v1"], "resources": ["secrets"], "verbs": ["get"]},
        "get",
        "",
        "secrets",
        False,
    ),
    # verbs are case-sensitive, as in the authorizer
    ({"apiGroups": [""], "resources": ["secrets"], "verbs": ["GET"]}, "get", "", "secrets", False),
    # verb=None: any verb at all
    (
        {"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]},
        None,
        "",
        "nodes/proxy",
        True,
    ),
    (
        {"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": []},
        None,
        "",
        "nodes/proxy",
        False,
    ),
    (
        {"apiGroups": [""], "resources": ["*/proxy"], "verbs": ["get"]},
        None,
        "",
        "nodes/proxy",
        True,
    ),
    ({"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}, None, "", "nodes/proxy", False),
]


@pytest.mark.parametrize(("entry", "verb", "group", "resource", "expected"), CASES)
def test_grants(
    entry: dict[str, Any], verb: str | None, group: str, resource: str, expected: bool
) -> None:
    assert (grants(rule(**entry), verb, group, resource) is not None) is expected


def test_named_grant_is_returned_only_when_asked() -> None:
    entry = rule(apiGroups=[""], resources=["nodes/proxy"], resourceNames=["n1"], verbs=["get"])
    assert grants(entry, "get", "", "nodes/proxy") is None
    grant = grants(entry, "get", "", "nodes/proxy", named=True)
    assert grant == Grant(rule=0, verb=0, group=0, resource=0, named=True)


def test_grant_points_at_the_exact_item_before_a_wildcard() -> None:
    entry = rule(apiGroups=["*", ""], resources=["*", "configmaps", "secrets"], verbs=["*", "get"])
    assert grants(entry, "get", "", "secrets") == Grant(0, verb=1, group=1, resource=2, named=False)
    # Only the wildcard grants "list": the finding points at it.
    assert grants(entry, "list", "", "pods") == Grant(0, verb=0, group=1, resource=0, named=False)


def test_subresource_wildcard_preferred_over_star() -> None:
    entry = rule(apiGroups=[""], resources=["*", "*/exec"], verbs=["create"])
    grant = grants(entry, "create", "", "pods/exec")
    assert grant is not None and grant.resource == 1


def test_find_grants_lists_every_verb_and_target() -> None:
    entry = rule(apiGroups=[""], resources=["pods/exec", "pods/attach"], verbs=["get", "create"])
    found = list(
        find_grants(
            entry,
            ("create", "get"),
            [("", "pods/exec"), ("", "pods/portforward"), ("", "pods/attach")],
        )
    )
    assert [(v, r) for v, _, r, _ in found] == [
        ("create", "pods/exec"),
        ("get", "pods/exec"),
        ("create", "pods/attach"),
        ("get", "pods/attach"),
    ]


def test_policy_rules_keeps_indexes_and_skips_non_mappings() -> None:
    rules = policy_rules({"rules": [CORE_SECRETS, "junk", {"verbs": ["get"]}]})
    assert [r.index for r in rules] == [0, 2]
    assert policy_rules({"rules": None}) == []
    assert policy_rules({"aggregationRule": {"clusterRoleSelectors": []}}) == []


def test_items_ignore_non_strings() -> None:
    entry = rule(apiGroups=["", None, 3], resources=["secrets"], verbs=["get"])
    assert entry.api_groups == [""]
    assert entry.items("apiGroups") == [(0, "")]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, True),
        ({"apiGroups": [""], "resources": ["*"], "verbs": ["*"]}, True),
        ({"apiGroups": ["apps"], "resources": ["*"], "verbs": ["*"]}, False),
        ({"apiGroups": ["*"], "resources": ["pods"], "verbs": ["*"]}, False),
        ({"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list"]}, False),
        ({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"], "resourceNames": ["x"]}, False),
        ({"nonResourceURLs": ["*"], "verbs": ["*"]}, False),
    ],
)
def test_is_full_wildcard(entry: dict[str, Any], expected: bool) -> None:
    assert is_full_wildcard(rule(**entry)) is expected
