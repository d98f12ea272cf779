"""kubelint.lib.labels: label syntax and selectors, as k8s.io/apimachinery defines them."""

from __future__ import annotations

import datetime

import pytest

from kubelint.lib.labels import (
    DOES_NOT_EXIST,
    EXISTS,
    IN,
    NOT_IN,
    Requirement,
    Selector,
    SelectorError,
    is_valid_label_key,
    is_valid_label_value,
    label_key_problem,
    label_value_problem,
    parse_selector,
    parse_service_selector,
    selector_requirements,
)

# --- label keys -------------------------------------------------------------------------------

VALID_KEYS: list[object] = [
    "app",
    "a",
    "A",
    "1",
    "MyName",
    "my.name",
    "123-abc",
    "my_key",
    "a-b_c.d",
    "app.kubernetes.io/name",
    "example.com/MyName",
    "k8s.io/a",
    "a.b-c.d/x",
    "1.2.3.4/x",
    "a" * 63,
    "a" * 253 + "/x",  # the subdomain limit is on the whole prefix only
    ("a" * 63 + ".") * 3 + "a" * 61 + "/" + "b" * 63,
    datetime.date(2024, 1, 1),  # Kubernetes' YAML decoder keeps a date as its text
]


@pytest.mark.parametrize("key", VALID_KEYS, ids=[repr(k)[:40] for k in VALID_KEYS])
def test_valid_key(key: object) -> None:
    assert label_key_problem(key) is None
    assert is_valid_label_key(key)


INVALID_KEYS: list[tuple[object, str]] = [
    ("", 'label key "": name part must be non-empty'),
    ("x/", 'label key "x/": name part must be non-empty'),
    ("/x", 'label key "/x": prefix part must be non-empty'),
    ("/", 'label key "/": prefix part must be non-empty; name part must be non-empty'),
    ("a/b/c", "one '/'"),
    ("-app", "name part must consist of alphanumeric characters"),
    ("app-", "name part must consist of alphanumeric characters"),
    ("_app", "name part must consist"),
    ("app_", "name part must consist"),
    (".app", "name part must consist"),
    ("a b", "name part must consist"),
    ("a:b", "name part must consist"),
    ("ключ", "name part must consist"),
    ("app\n", "name part must consist"),
    ("a" * 64, "name part must be no more than 63 characters"),
    ("-" * 64, "no more than 63 characters; name part must consist"),
    ("Example.com/x", "prefix part must be a lowercase DNS subdomain"),
    ("exa_mple.com/x", "prefix part must be a lowercase DNS subdomain"),
    ("-a.com/x", "prefix part must be a lowercase DNS subdomain"),
    ("a-.com/x", "prefix part must be a lowercase DNS subdomain"),
    ("a..b/x", "prefix part must be a lowercase DNS subdomain"),
    ("a./x", "prefix part must be a lowercase DNS subdomain"),
    (".a/x", "prefix part must be a lowercase DNS subdomain"),
    ("a" * 254 + "/x", "prefix part must be no more than 253 characters"),
    ("example.com/", 'label key "example.com/": name part must be non-empty'),
    (1, 'label key "1" is an integer, not a string'),
    (1.5, 'label key "1.5" is a float, not a string'),
    (True, 'label key "true" is a boolean, not a string'),
    (None, "label key is null, not a string"),
    ([], "label key is a list, not a string"),
    ({}, "label key is a mapping, not a string"),
]


@pytest.mark.parametrize(
    ("key", "message"), INVALID_KEYS, ids=[repr(k)[:40] for k, _ in INVALID_KEYS]
)
def test_invalid_key(key: object, message: str) -> None:
    problem = label_key_problem(key)
    assert problem is not None
    assert message in problem
    assert problem.startswith("label key")
    assert not is_valid_label_key(key)


# --- label values -----------------------------------------------------------------------------

VALID_VALUES: list[object] = [
    "",
    "v1",
    "1.0",
    "MyValue",
    "my_value",
    "12345",
    "a.b-c_d",
    "A",
    "a" * 63,
    datetime.date(2024, 1, 1),
]


@pytest.mark.parametrize("value", VALID_VALUES, ids=[repr(v)[:40] for v in VALID_VALUES])
def test_valid_value(value: object) -> None:
    assert label_value_problem(value) is None
    assert is_valid_label_value(value)


INVALID_VALUES: list[tuple[object, str]] = [
    ("a" * 64, "must be no more than 63 characters"),
    ("-a", "must be empty or consist of alphanumeric characters"),
    ("a-", "must be empty or consist"),
    (".", "must be empty or consist"),
    ("a b", "must be empty or consist"),
    (" a", "must be empty or consist"),
    ("a/b", "must be empty or consist"),
    ("a:b", "must be empty or consist"),
    ("é", "must be empty or consist"),
    ("v1\n", "must be empty or consist"),
    (1.0, 'label value "1.0" is a float, not a string'),
    (1.5, 'label value "1.5" is a float, not a string'),
    (float("nan"), 'label value ".nan" is a float, not a string'),
    (1, 'label value "1" is an integer, not a string'),
    (0, 'label value "0" is an integer, not a string'),
    (True, 'label value "true" is a boolean, not a string'),
    (False, 'label value "false" is a boolean, not a string'),
    (None, "label value is null"),
    ([], "label value is a list, not a string"),
    (["a"], "label value is a list, not a string"),
    ({}, "label value is a mapping, not a string"),
    (datetime.datetime(2024, 1, 1, 10, 0), "is a timestamp, not a string"),
]


@pytest.mark.parametrize(
    ("value", "message"), INVALID_VALUES, ids=[repr(v)[:40] for v, _ in INVALID_VALUES]
)
def test_invalid_value(value: object, message: str) -> None:
    problem = label_value_problem(value)
    assert problem is not None
    assert message in problem
    assert problem.startswith("label value")
    assert not is_valid_label_value(value)


def test_value_messages_are_helpful() -> None:
    assert label_value_problem(1.0) == (
        'label value "1.0" is a float, not a string; quote it in the YAML'
    )
    assert "yes/no/on/off" in (label_value_problem(True) or "")
    assert 'write "" for an empty value' in (label_value_problem(None) or "")
    assert (
        label_value_problem("a" * 64)
        == f'label value "{"a" * 64}": must be no more than 63 characters'
    )


# --- LabelSelector ----------------------------------------------------------------------------

WEB = {"matchLabels": {"app": "web"}}
TIER_IN = {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["db", "cache"]}]}
TIER_NOT_IN = {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]}
CANARY_EXISTS = {"matchExpressions": [{"key": "canary", "operator": "Exists"}]}
CANARY_ABSENT = {"matchExpressions": [{"key": "canary", "operator": "DoesNotExist", "values": []}]}
COMBINED = {
    "matchLabels": {"app": "web", "env": "prod"},
    "matchExpressions": [
        {"key": "tier", "operator": "NotIn", "values": ["db"]},
        {"key": "canary", "operator": "DoesNotExist"},
        {"key": "track", "operator": "In", "values": ["stable", "beta"]},
    ],
}

MATCHING: list[tuple[str, object, dict[str, object] | None, bool]] = [
    # empty selectors select everything
    ("none-empty-labels", None, {}, True),
    ("none-some-labels", None, {"app": "web"}, True),
    ("empty-map", {}, {"app": "web"}, True),
    ("empty-map-no-labels", {}, {}, True),
    ("empty-map-null-labels", {}, None, True),
    ("empty-parts", {"matchLabels": {}, "matchExpressions": []}, {"a": "b"}, True),
    ("null-parts", {"matchLabels": None, "matchExpressions": None}, {"a": "b"}, True),
    # matchLabels
    ("labels-equal", WEB, {"app": "web"}, True),
    ("labels-superset", WEB, {"app": "web", "tier": "fe"}, True),
    ("labels-different", WEB, {"app": "api"}, False),
    ("labels-missing", WEB, {"tier": "fe"}, False),
    ("labels-none", WEB, {}, False),
    ("labels-null", WEB, None, False),
    ("labels-case", WEB, {"app": "Web"}, False),
    ("labels-key-case", WEB, {"App": "web"}, False),
    ("labels-empty-value", {"matchLabels": {"app": ""}}, {"app": ""}, True),
    ("labels-empty-value-missing", {"matchLabels": {"app": ""}}, {}, False),
    # a non-string label value never equals a string
    ("float-label", {"matchLabels": {"version": "1.0"}}, {"version": 1.0}, False),
    ("int-label", {"matchLabels": {"replicas": "1"}}, {"replicas": 1}, False),
    ("bool-label", {"matchLabels": {"on": "true"}}, {"on": True}, False),
    # In
    ("in-first", TIER_IN, {"tier": "db"}, True),
    ("in-second", TIER_IN, {"tier": "cache"}, True),
    ("in-other", TIER_IN, {"tier": "web"}, False),
    ("in-missing", TIER_IN, {}, False),
    ("in-float", TIER_IN, {"tier": 1.0}, False),
    # NotIn: a missing label matches
    ("notin-other", TIER_NOT_IN, {"tier": "web"}, True),
    ("notin-missing", TIER_NOT_IN, {}, True),
    ("notin-missing-null-labels", TIER_NOT_IN, None, True),
    ("notin-listed", TIER_NOT_IN, {"tier": "db"}, False),
    ("notin-float", TIER_NOT_IN, {"tier": 1.0}, True),
    # Exists / DoesNotExist look at the key only
    ("exists", CANARY_EXISTS, {"canary": "true"}, True),
    ("exists-empty-value", CANARY_EXISTS, {"canary": ""}, True),
    ("exists-non-string", CANARY_EXISTS, {"canary": True}, True),
    ("exists-missing", CANARY_EXISTS, {"app": "web"}, False),
    ("absent", CANARY_ABSENT, {"app": "web"}, True),
    ("absent-present", CANARY_ABSENT, {"canary": ""}, False),
    # matchLabels AND every expression
    ("combined", COMBINED, {"app": "web", "env": "prod", "track": "stable"}, True),
    ("combined-extra", COMBINED, {"app": "web", "env": "prod", "track": "beta", "x": "y"}, True),
    ("combined-label-fails", COMBINED, {"app": "web", "env": "dev", "track": "stable"}, False),
    (
        "combined-notin-fails",
        COMBINED,
        {"app": "web", "env": "prod", "track": "stable", "tier": "db"},
        False,
    ),
    (
        "combined-absent-fails",
        COMBINED,
        {"app": "web", "env": "prod", "track": "stable", "canary": "1"},
        False,
    ),
    ("combined-in-fails", COMBINED, {"app": "web", "env": "prod"}, False),
    # the same key twice must satisfy both
    (
        "same-key-twice",
        {
            "matchLabels": {"tier": "db"},
            "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}],
        },
        {"tier": "db"},
        False,
    ),
]


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [row[1:] for row in MATCHING],
    ids=[row[0] for row in MATCHING],
)
def test_selector_matches(
    selector: object, labels: dict[str, object] | None, expected: bool
) -> None:
    assert parse_selector(selector).matches(labels) is expected


@pytest.mark.parametrize(
    ("selector", "empty"),
    [
        (None, True),
        ({}, True),
        ({"matchLabels": {}}, True),
        ({"matchLabels": None, "matchExpressions": []}, True),
        (WEB, False),
        (CANARY_EXISTS, False),
        (COMBINED, False),
    ],
)
def test_selector_empty(selector: object, empty: bool) -> None:
    assert parse_selector(selector).empty is empty


def test_selector_structure() -> None:
    sel = parse_selector(COMBINED)
    assert sel.match_labels == (("app", "web"), ("env", "prod"))
    assert sel.expressions == (
        Requirement("tier", NOT_IN, ("db",)),
        Requirement("canary", DOES_NOT_EXIST),
        Requirement("track", IN, ("stable", "beta")),
    )
    assert selector_requirements(sel) == [
        ("app", "In", ("web",)),
        ("env", "In", ("prod",)),
        ("tier", "NotIn", ("db",)),
        ("canary", "DoesNotExist", ()),
        ("track", "In", ("stable", "beta")),
    ]
    assert sel.requirements() == selector_requirements(sel)
    assert selector_requirements(parse_selector({})) == []
    assert str(sel) == "app=web,env=prod,tier notin (db),!canary,track in (stable,beta)"
    assert str(parse_selector(CANARY_EXISTS)) == "canary"
    assert str(parse_selector(None)) == ""


def test_selector_is_frozen_and_hashable() -> None:
    sel = parse_selector(WEB)
    assert sel == parse_selector({"matchLabels": {"app": "web"}})
    assert hash(sel) == hash(parse_selector(WEB))
    with pytest.raises(AttributeError):
        sel.match_labels = ()  # type: ignore[misc]
    assert Selector() == parse_selector(None)
    assert Selector().empty


def test_requirement_rejects_unknown_operator() -> None:
    with pytest.raises(SelectorError):
        Requirement("a", "Gt", ("1",))
    assert Requirement("a", EXISTS).matches({"a": "x"})


MALFORMED: list[tuple[object, str]] = [
    ([], "must be a mapping, not a list"),
    ("app=web", "must be a mapping, not a string"),
    (1, "must be a mapping"),
    ({"app": "web"}, 'unknown field "app" in label selector'),
    ({"matchLabels": {"app": "web"}, "matchLabel": {}}, 'unknown field "matchLabel"'),
    ({"matchLabels": []}, "matchLabels must be a mapping"),
    ({"matchLabels": "app=web"}, "matchLabels must be a mapping"),
    (
        {"matchLabels": {"version": 1.0}},
        'matchLabels.version: value "1.0" is a float, not a string',
    ),
    ({"matchLabels": {"a": None}}, "matchLabels.a: value is null"),
    ({"matchLabels": {"a": True}}, "is a boolean"),
    ({"matchLabels": {1: "a"}}, 'matchLabels: key "1" is an integer'),
    ({"matchExpressions": {}}, "matchExpressions must be a list, not a mapping"),
    ({"matchExpressions": "tier in (a)"}, "matchExpressions must be a list, not a string"),
    ({"matchExpressions": [1]}, "matchExpressions[0] must be a mapping"),
    ({"matchExpressions": [None]}, "matchExpressions[0] must be a mapping, not null"),
    ({"matchExpressions": [{"key": "a", "operator": "in", "values": ["x"]}]}, 'did you mean "In"?'),
    (
        {"matchExpressions": [{"key": "a", "operator": "notin", "values": ["x"]}]},
        'did you mean "NotIn"?',
    ),
    (
        {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]},
        "not a valid label selector operator",
    ),
    ({"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["1"]}]}, "not a valid"),
    ({"matchExpressions": [{"key": "a", "operator": 1}]}, "not a valid label selector operator"),
    ({"matchExpressions": [{"key": "a"}]}, "matchExpressions[0] has no operator"),
    ({"matchExpressions": [{"key": "a", "operator": None}]}, "has no operator"),
    ({"matchExpressions": [{"operator": "Exists"}]}, "matchExpressions[0] has no key"),
    ({"matchExpressions": [{"key": "", "operator": "Exists"}]}, "has no key"),
    ({"matchExpressions": [{"key": 1, "operator": "Exists"}]}, "key must be a string"),
    (
        {"matchExpressions": [{"key": "a", "operator": "In"}]},
        "operator In needs at least one value",
    ),
    (
        {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
        "needs at least one value",
    ),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": None}]}, "needs at least one"),
    (
        {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": []}]},
        "operator NotIn needs",
    ),
    (
        {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
        "operator Exists takes no values",
    ),
    (
        {"matchExpressions": [{"key": "a", "operator": "DoesNotExist", "values": ["x"]}]},
        "takes no values",
    ),
    (
        {"matchExpressions": [{"key": "a", "operator": "In", "values": "x"}]},
        "values must be a list, not a string",
    ),
    (
        {"matchExpressions": [{"key": "a", "operator": "In", "values": [1]}]},
        'values[0]: "1" is an integer',
    ),
    (
        {"matchExpressions": [{"key": "a", "operator": "In", "values": ["x", None]}]},
        "values[1]: is null",
    ),
    (
        {"matchExpressions": [{"key": "a", "operator": "In", "value": ["x"]}]},
        'unknown field "value"',
    ),
    (
        {
            "matchExpressions": [
                {"key": "a", "operator": "Exists"},
                {"key": "b", "operator": "in", "values": ["x"]},
            ]
        },
        "matchExpressions[1]",
    ),
]


@pytest.mark.parametrize(("selector", "message"), MALFORMED, ids=[m for _, m in MALFORMED])
def test_malformed_selector(selector: object, message: str) -> None:
    with pytest.raises(SelectorError) as caught:
        parse_selector(selector)
    assert isinstance(caught.value, ValueError)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "selector",
    [
        {"matchExpressions": [{"key": "a", "operator": "Exists", "values": None}]},
        {"matchExpressions": [{"key": "a", "operator": "DoesNotExist", "values": []}]},
        {"matchExpressions": [{"key": "a", "operator": "In", "values": ["x", "x"]}]},
        # label syntax is not the parser's business: invalid-label reports it
        {"matchLabels": {"bad key!": "bad value!"}},
        {"matchExpressions": [{"key": "-bad", "operator": "In", "values": ["-bad-"]}]},
    ],
)
def test_selector_accepted(selector: object) -> None:
    parse_selector(selector)


# --- Service / ReplicationController selectors ------------------------------------------------

SERVICE: list[tuple[object, dict[str, object] | None, bool, bool]] = [
    # selector, labels, empty, matches
    ({"app": "web"}, {"app": "web"}, False, True),
    ({"app": "web"}, {"app": "web", "tier": "fe"}, False, True),
    ({"app": "web", "tier": "fe"}, {"app": "web"}, False, False),
    ({"app": "web"}, {"app": "api"}, False, False),
    ({"app": "web"}, {}, False, False),
    ({"version": "1.0"}, {"version": 1.0}, False, False),
    # an empty selector: `empty` is True and the caller decides (a Service selects nothing)
    ({}, {"app": "web"}, True, True),
    (None, {"app": "web"}, True, True),
]


@pytest.mark.parametrize(("selector", "labels", "empty", "matches"), SERVICE)
def test_service_selector(
    selector: object, labels: dict[str, object] | None, empty: bool, matches: bool
) -> None:
    sel = parse_service_selector(selector)
    assert sel.empty is empty
    assert sel.matches(labels) is matches
    assert sel.expressions == ()


def test_service_selector_structure() -> None:
    sel = parse_service_selector({"app": "web", "tier": "fe"})
    assert sel.match_labels == (("app", "web"), ("tier", "fe"))
    assert selector_requirements(sel) == [("app", "In", ("web",)), ("tier", "In", ("fe",))]
    assert str(sel) == "app=web,tier=fe"
    # the plain map form is not a LabelSelector: matchLabels is just a label key here
    assert parse_service_selector({"matchLabels": "x"}).match_labels == (("matchLabels", "x"),)


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ([], "selector must be a mapping"),
        ("app=web", "selector must be a mapping"),
        ({"app": 1}, 'selector.app: value "1" is an integer'),
        ({"app": None}, "selector.app: value is null"),
        ({"app": True}, "is a boolean"),
        ({"app": {"matchLabels": "x"}}, "is a mapping"),
        ({1: "x"}, 'selector: key "1" is an integer'),
    ],
)
def test_malformed_service_selector(selector: object, message: str) -> None:
    with pytest.raises(SelectorError) as caught:
        parse_service_selector(selector)
    assert message in str(caught.value)


def test_operator_constants() -> None:
    assert (IN, NOT_IN, EXISTS, DOES_NOT_EXIST) == ("In", "NotIn", "Exists", "DoesNotExist")
