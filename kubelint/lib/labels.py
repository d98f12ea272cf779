"""Kubernetes label syntax and label selectors.

This module owns two things, both exactly as ``k8s.io/apimachinery`` defines them:

* label syntax (``validation.IsQualifiedName`` for keys, ``IsValidLabelValue`` for values),
  reported as human-readable problems, including the non-string values YAML produces
  (``version: 1.0`` is a float, ``enabled: yes`` a boolean), which the API server rejects;
* label selectors: the ``LabelSelector`` of workloads, PodDisruptionBudgets and NetworkPolicies
  (``matchLabels`` AND every ``matchExpressions`` entry, with ``In``, ``NotIn``, ``Exists`` and
  ``DoesNotExist``) and the plain map of Services and ReplicationControllers.

Selectors are parsed structurally: a malformed selector (wrong types, unknown fields or
operators, a wrong number of values) raises SelectorError, while the *syntax* of the keys and
values inside a well-formed selector is left to label_key_problem / label_value_problem, so that
one rule reports it and the selector can still be used for matching.

It is pure: no I/O, no knowledge of where a label or selector came from.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping, Sequence
from typing import TypeGuard

from kubelint.messages import quote
from kubelint.records import dataclass

__all__ = [
    "DOES_NOT_EXIST",
    "EXISTS",
    "IN",
    "NOT_IN",
    "OPERATORS",
    "Requirement",
    "Selector",
    "SelectorError",
    "is_valid_label_key",
    "is_valid_label_value",
    "label_key_problem",
    "label_value_problem",
    "parse_selector",
    "parse_service_selector",
    "selector_requirements",
]

IN = "In"
NOT_IN = "NotIn"
EXISTS = "Exists"
DOES_NOT_EXIST = "DoesNotExist"
OPERATORS = (IN, NOT_IN, EXISTS, DOES_NOT_EXIST)

LABEL_KEY_PREFIX_MAX_LENGTH = 253
LABEL_NAME_MAX_LENGTH = 63
LABEL_VALUE_MAX_LENGTH = 63

_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_NAME_CHARS = _ALNUM | frozenset("-_.")
_LOWER_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_DNS_LABEL_CHARS = _LOWER_ALNUM | frozenset("-")

_NAME_RULE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName', 'my.name' or '123-abc')"
)
_PREFIX_RULE = (
    "must be a lowercase DNS subdomain: lowercase alphanumeric characters, '-' or '.', starting "
    "and ending with an alphanumeric character (e.g. 'example.com')"
)


# --- label syntax -----------------------------------------------------------------------------


def label_key_problem(key: object) -> str | None:
    """None when ``key`` is a valid label key, else a message naming the problem.

    A key is an optional prefix (a DNS-1123 subdomain of at most 253 characters) and ``/``,
    then a name of at most 63 characters of ``[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?``.
    """
    # Strings are remembered (the same keys recur on every object of a run); other types are
    # rare and their messages differ by type (1 and True are equal keys of a cache).
    return _known_key(key) if key.__class__ is str else _key_problem(key)


def label_value_problem(value: object) -> str | None:
    """None when ``value`` is a valid label value, else a message naming the problem.

    A value is empty, or at most 63 characters of ``[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?``.
    Numbers, booleans and null are problems: the API server rejects them (labels are a map of
    strings), although they often come from unquoted YAML such as ``version: 1.0``.
    """
    return _known_value(value) if value.__class__ is str else _value_problem(value)


def _key_problem(key: object) -> str | None:
    text = _scalar_text(key)
    if text is None:
        return f"label key {_describe_non_string(key)}"
    parts = text.split("/")
    if len(parts) > 2:
        return (
            f"label key {quote(text)}: must be a name with an optional DNS subdomain prefix and "
            "one '/' (e.g. 'example.com/my-name')"
        )
    problems: list[str] = []
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            problems.append("prefix part must be non-empty")
        else:
            if len(prefix) > LABEL_KEY_PREFIX_MAX_LENGTH:
                problems.append(
                    f"prefix part must be no more than {LABEL_KEY_PREFIX_MAX_LENGTH} characters"
                )
            if not _is_dns1123_subdomain(prefix):
                problems.append(f"prefix part {_PREFIX_RULE}")
    name = parts[-1]
    if not name:
        problems.append("name part must be non-empty")
    else:
        if len(name) > LABEL_NAME_MAX_LENGTH:
            problems.append(f"name part must be no more than {LABEL_NAME_MAX_LENGTH} characters")
        if not _is_qualified_name(name):
            problems.append(f"name part {_NAME_RULE}")
    if not problems:
        return None
    return f"label key {quote(text)}: " + "; ".join(problems)


def _value_problem(value: object) -> str | None:
    if value is None:
        return 'label value is null, not a string (write "" for an empty value)'
    text = _scalar_text(value)
    if text is None:
        return f"label value {_describe_non_string(value)}"
    problems: list[str] = []
    if len(text) > LABEL_VALUE_MAX_LENGTH:
        problems.append(f"must be no more than {LABEL_VALUE_MAX_LENGTH} characters")
    if text and not _is_qualified_name(text):
        problems.append(f"must be empty or {_NAME_RULE.removeprefix('must ')}")
    if not problems:
        return None
    return f"label value {quote(text)}: " + "; ".join(problems)


_known_key = functools.lru_cache(maxsize=65536)(_key_problem)
_known_value = functools.lru_cache(maxsize=65536)(_value_problem)


def is_valid_label_key(key: object) -> bool:
    return label_key_problem(key) is None


def is_valid_label_value(value: object) -> bool:
    return label_value_problem(value) is None


def _is_qualified_name(text: str) -> bool:
    """``[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`` (ASCII only), without a regex."""
    return (
        bool(text)
        and text[0] in _ALNUM
        and text[-1] in _ALNUM
        and all(c in _NAME_CHARS for c in text)
    )


def _is_dns1123_subdomain(text: str) -> bool:
    """Dot-separated ``[a-z0-9]([-a-z0-9]*[a-z0-9])?`` labels (length is checked apart)."""
    for label in text.split("."):
        if not label or label[0] not in _LOWER_ALNUM or label[-1] not in _LOWER_ALNUM:
            return False
        if not all(c in _DNS_LABEL_CHARS for c in label):
            return False
    return True


def _scalar_text(value: object) -> str | None:
    """The string a label key or value stands for, or None when it is not a string.

    A YAML date (``2024-01-01``) counts as its text: Kubernetes' YAML decoder keeps timestamps
    as strings.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    return None


def _describe_non_string(value: object) -> str:
    """The end of a message about a non-string: ``"1.0" is a float, not a string; …``."""
    if value is None:
        return "is null, not a string"
    shown, kind = _yaml_text_and_kind(value)
    if shown is None:
        return f"is {kind}, not a string"
    message = f"{quote(shown)} is {kind}, not a string"
    if isinstance(value, bool):
        message += " (YAML 1.1 reads unquoted yes/no/on/off as booleans)"
    return message + "; quote it in the YAML"


def _yaml_text_and_kind(value: object) -> tuple[str | None, str]:
    if isinstance(value, bool):
        return ("true" if value else "false"), "a boolean"
    if isinstance(value, int):
        return str(int(value)), "an integer"
    if isinstance(value, float):
        number = float(value)
        if number != number:
            return ".nan", "a float"
        if number in (float("inf"), float("-inf")):
            return ("-.inf" if number < 0 else ".inf"), "a float"
        return repr(number), "a float"
    if isinstance(value, datetime.datetime):
        return value.isoformat(), "a timestamp"
    if isinstance(value, Mapping):
        return None, "a mapping"
    if isinstance(value, bytes | bytearray):
        return None, "binary data"
    if isinstance(value, Sequence):
        return None, "a list"
    return None, f"a {type(value).__name__}"


# --- selectors --------------------------------------------------------------------------------


class SelectorError(ValueError):
    """A label selector that is malformed (the API server would reject the object)."""


@dataclass(frozen=True)
class Requirement:
    """One selector requirement: ``key``, an operator from OPERATORS and its values.

    In and NotIn have at least one value, Exists and DoesNotExist none.
    """

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise SelectorError(f"{quote(self.operator)} is not a valid label selector operator")

    def matches(self, labels: Mapping[str, object]) -> bool:
        if self.operator == EXISTS:
            return self.key in labels
        if self.operator == DOES_NOT_EXIST:
            return self.key not in labels
        value = labels.get(self.key)
        found = isinstance(value, str) and value in self.values
        # NotIn also matches when the label is absent (or not a string).
        return found if self.operator == IN else not found

    def __str__(self) -> str:
        if self.operator == EXISTS:
            return self.key
        if self.operator == DOES_NOT_EXIST:
            return f"!{self.key}"
        word = "in" if self.operator == IN else "notin"
        return f"{self.key} {word} ({','.join(self.values)})"


@dataclass(frozen=True)
class Selector:
    """A parsed label selector: every ``match_labels`` pair AND every expression must hold.

    An empty selector (``empty`` is True) matches everything, as ``LabelSelector {}`` does.
    Where an empty or missing selector means something else, the caller decides by checking
    ``empty`` first: a Service without selector (or with ``selector: {}``) selects no pods at
    all (Kubernetes manages no endpoints for it), a ReplicationController's empty selector
    defaults to its template's labels, and a null PodDisruptionBudget selector selects nothing.
    """

    match_labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[Requirement, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.match_labels and not self.expressions

    def matches(self, labels: Mapping[str, object] | None) -> bool:
        """Whether a set of labels satisfies the selector.

        Label values that are not strings (a float from ``version: 1.0``) equal no selector
        value: they never satisfy ``matchLabels`` or ``In``, and do satisfy ``NotIn``; ``Exists``
        only looks at the key.
        """
        if labels is None:
            labels = {}
        for key, value in self.match_labels:
            actual = labels.get(key)
            if not isinstance(actual, str) or actual != value:
                return False
        return all(requirement.matches(labels) for requirement in self.expressions)

    def requirements(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """See selector_requirements."""
        return selector_requirements(self)

    def __str__(self) -> str:
        """kubectl's selector syntax: ``app=web,tier in (a,b),!canary``; ``""`` when empty."""
        parts = [f"{key}={value}" for key, value in self.match_labels]
        parts += [str(requirement) for requirement in self.expressions]
        return ",".join(parts)


def selector_requirements(sel: Selector) -> list[tuple[str, str, tuple[str, ...]]]:
    """All requirements of ``sel`` as ``(key, operator, values)``, matchLabels first.

    A matchLabels pair ``key: value`` is ``(key, "In", (value,))``, which means the same, so
    that an index only has the four LabelSelector operators to handle.
    """
    result: list[tuple[str, str, tuple[str, ...]]] = [
        (key, IN, (value,)) for key, value in sel.match_labels
    ]
    result += [(r.key, r.operator, r.values) for r in sel.expressions]
    return result


def parse_selector(sel: object) -> Selector:
    """Parse a ``LabelSelector`` mapping: ``{matchLabels: {...}, matchExpressions: [...]}``.

    None and ``{}`` give the empty selector, which matches everything. Raises SelectorError
    when the selector is malformed: not a mapping, an unknown field (``selector: {app: web}``
    instead of ``matchLabels``), matchLabels not a map of strings, matchExpressions not a list
    of ``{key, operator, values}``, an unknown operator, In/NotIn without values,
    Exists/DoesNotExist with values, or a missing key.
    """
    if sel is None:
        return Selector()
    if not isinstance(sel, Mapping):
        raise SelectorError(f"label selector must be a mapping, not {_kind(sel)}")
    unknown = [key for key in sel if key not in ("matchLabels", "matchExpressions")]
    if unknown:
        hint = ""
        if "matchLabels" not in sel and "matchExpressions" not in sel:
            hint = " (labels to match go under matchLabels)"
        raise SelectorError(
            f"unknown field {_show_key(unknown[0])} in label selector: expected matchLabels "
            f"and/or matchExpressions{hint}"
        )
    match_labels = _string_map(sel.get("matchLabels"), "matchLabels")
    raw_expressions = sel.get("matchExpressions")
    if raw_expressions is None:
        raw_expressions = []
    if not _is_list(raw_expressions):
        raise SelectorError(f"matchExpressions must be a list, not {_kind(raw_expressions)}")
    expressions = tuple(
        _parse_expression(item, index) for index, item in enumerate(raw_expressions)
    )
    return Selector(match_labels=match_labels, expressions=expressions)


def parse_service_selector(sel: object) -> Selector:
    """Parse the plain ``{key: value}`` selector of a Service or ReplicationController.

    None and ``{}`` give the empty selector. Its ``matches`` is True for everything, but a
    Service with an empty selector selects *nothing* (Kubernetes creates no endpoints for a
    Service without selector): callers check ``Selector.empty`` and decide. Raises
    SelectorError when ``sel`` is not a mapping of strings to strings.
    """
    return Selector(match_labels=_string_map(sel, "selector"))


def _parse_expression(item: object, index: int) -> Requirement:
    where = f"matchExpressions[{index}]"
    if not isinstance(item, Mapping):
        raise SelectorError(f"{where} must be a mapping, not {_kind(item)}")
    unknown = [key for key in item if key not in ("key", "operator", "values")]
    if unknown:
        raise SelectorError(
            f"unknown field {_show_key(unknown[0])} in {where}: expected key, operator, values"
        )
    key = item.get("key")
    if key is None or key == "":
        raise SelectorError(f"{where} has no key")
    if not isinstance(key, str):
        raise SelectorError(f"{where}.key must be a string, not {_kind(key)}")
    operator = item.get("operator")
    if not isinstance(operator, str) or operator not in OPERATORS:
        if operator is None:
            raise SelectorError(f"{where} has no operator")
        shown = quote(operator) if isinstance(operator, str) else _kind(operator)
        hint = ""
        if isinstance(operator, str):
            hint = next(
                (f' (did you mean "{op}"?)' for op in OPERATORS if op.lower() == operator.lower()),
                "",
            )
        raise SelectorError(
            f"{where}.operator {shown} is not a valid label selector operator: expected one "
            f"of In, NotIn, Exists, DoesNotExist{hint}"
        )
    raw_values = item.get("values")
    if raw_values is None:
        raw_values = []
    if not _is_list(raw_values):
        raise SelectorError(f"{where}.values must be a list, not {_kind(raw_values)}")
    values: list[str] = []
    for position, value in enumerate(raw_values):
        if not isinstance(value, str):
            raise SelectorError(f"{where}.values[{position}]: {_describe_non_string(value)}")
        values.append(value)
    if operator in (IN, NOT_IN) and not values:
        raise SelectorError(f"{where}: operator {operator} needs at least one value")
    if operator in (EXISTS, DOES_NOT_EXIST) and values:
        raise SelectorError(f"{where}: operator {operator} takes no values")
    return Requirement(key=key, operator=operator, values=tuple(values))


def _string_map(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise SelectorError(
            f"{where} must be a mapping of label keys to values, not {_kind(value)}"
        )
    pairs: list[tuple[str, str]] = []
    for key, item in value.items():
        if not isinstance(key, str):
            raise SelectorError(f"{where}: key {_describe_non_string(key)}")
        if not isinstance(item, str):
            raise SelectorError(f"{where}.{key}: value {_describe_non_string(item)}")
        pairs.append((key, item))
    return tuple(pairs)


def _is_list(value: object) -> TypeGuard[Sequence[object]]:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return "a string"
    return _yaml_text_and_kind(value)[1]


def _show_key(key: object) -> str:
    return quote(key) if isinstance(key, str) else repr(key)
