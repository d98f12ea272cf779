"""A rule's ``autofix:`` data (rules/<id>.yaml) and what it means for one finding.

The rule engine decides what is wrong; the autofix block only says how a finding of the rule is
fixed. It names a scope (the finding's container, its pod spec or the whole object), an optional
``path`` pattern (which of the rule's findings it fixes) and a list of cases; the first case whose
``when`` conditions hold (each a JSON Schema for the value at a pointer of the scope) decides:
no fix (with a reason), or edits that are safe or unsafe. Edits name their field as ``@`` (the
finding's own path) or a JSON Pointer relative to the scope, and are one of:

``set`` (with ``value``, ``valueFrom`` a pointer in the scope, or ``valueFromParam``),
``append`` (add ``value`` to a list unless it is there), ``rename`` (``to`` a sibling key) and
``delete``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jsonschema_rs

from kubelint.model import K8sObject, get_path
from kubelint.records import dataclass

_MISSING = object()


@dataclass(frozen=True)
class Op:
    """One change of the data: ``kind`` is set | append | rename | delete; pointer is absolute
    within the document (a List item's base included)."""

    kind: str
    pointer: str
    value: Any = None


@dataclass(frozen=True)
class Decision:
    """What the autofix data says for one finding."""

    ops: tuple[Op, ...]
    safe: bool
    description: str
    reason: str | None = None  # set when there is no fix for this finding (ops is empty)


def autofix_of(raw: Any) -> dict[str, Any] | None:
    spec = raw.get("autofix") if hasattr(raw, "get") else None
    return spec if isinstance(spec, dict) else None


@cache
def _validator(schema_json: str) -> Any:
    import json

    return jsonschema_rs.validator_for(json.loads(schema_json))


# Compiled ``when`` conditions by the identity of their schema (the rule data holds it for
# the whole run; the schema itself is kept here too, so its id is never reused meanwhile).
_BY_ID: dict[int, tuple[Any, Any]] = {}


def _matches(schema: Any, data: Any) -> bool:
    known = _BY_ID.get(id(schema))
    if known is None or known[0] is not schema:
        import json

        if len(_BY_ID) > 4096:  # a long-lived process (the language server) reloading rules
            _BY_ID.clear()
        known = _BY_ID[id(schema)] = (schema, _validator(json.dumps(schema, sort_keys=True)))
    return bool(known[1].is_valid(data))


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def _scope(obj: K8sObject, scope: str, path: str) -> tuple[str, Any] | None:
    """(pointer relative to the object, data) of the finding's scope."""
    if scope == "object":
        return "", obj.raw
    pod = obj.pod
    if pod is None:
        return None
    if scope == "pod":
        return pod.pointer, pod.raw
    for c in pod.containers:
        if path == c.pointer or path.startswith(c.pointer + "/"):
            return c.pointer, c.raw
    return None


def decide(
    autofix: dict[str, Any],
    obj: K8sObject,
    path: str,
    base: str = "",
    params: dict[str, Any] | None = None,
    kubernetes_version: tuple[int, int] | None = None,
) -> Decision:
    """The fix for a finding at ``path`` (relative to ``obj``, which sits at ``base``)."""
    description = str(autofix.get("description", ""))
    pattern = autofix.get("path")
    if pattern is not None and not re.search(pattern, path):
        return Decision((), False, description, str(autofix.get("pathReason", "not fixable")))
    where = _scope(obj, str(autofix.get("scope", "object")), path)
    if where is None:
        return Decision((), False, description, "the finding is outside the fix's scope")
    scope_ptr, data = where
    cases = autofix.get("cases")
    if cases is None:
        cases = [autofix]
    for case in cases:
        conditions = case.get("when") or {}
        if not all(_matches(schema, get_path(data, ptr)) for ptr, schema in conditions.items()):
            continue
        since = case.get("minKubernetesVersion")
        if (
            since is not None
            and kubernetes_version is not None
            and kubernetes_version < _version(str(since))
        ):
            continue
        edits = case.get("edits")
        if not edits:
            return Decision((), False, description, str(case.get("reason", "no automatic fix")))
        ops: list[Op] = []
        for edit in edits:
            op = _op(edit, obj, path, scope_ptr, base, params or {})
            if op is None:
                return Decision((), False, description, "the value to copy is not set")
            ops.append(op)
        desc = str(case.get("description", description))
        return Decision(tuple(ops), bool(case.get("safe", False)), desc)
    return Decision((), False, description, "no case of the fix applies")


def _target(token: str, path: str, scope_ptr: str) -> str:
    if token == "@":
        return path
    if token.startswith("@/"):
        return path + token[1:]
    return scope_ptr + token


def _op(
    edit: dict[str, Any],
    obj: K8sObject,
    path: str,
    scope_ptr: str,
    base: str,
    params: dict[str, Any],
) -> Op | None:
    for kind in ("set", "append", "rename", "delete"):
        if kind in edit:
            target = base + _target(str(edit[kind]), path, scope_ptr)
            break
    else:  # pragma: no cover - rule.schema.json requires one of them
        raise ValueError(f"autofix edit without an operation: {edit}")
    value: Any = edit.get("value")
    if "valueFrom" in edit:
        value = get_path(obj.raw, _target(str(edit["valueFrom"]), path, scope_ptr))
        if value is None or value == "":
            return None
    elif "valueFromParam" in edit:
        value = params.get(str(edit["valueFromParam"]), _MISSING)
        if value is _MISSING:
            return None
    elif kind == "rename":
        value = str(edit["to"])
    return Op(kind, target, value)


def apply_op(data: Any, op: Op) -> Any:
    """Apply ``op`` to plain data (the expected result a fixed file must load as)."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in op.pointer[1:].split("/")]
    if not op.pointer:
        raise ValueError("cannot change the document root")
    parent_tokens, last = tokens[:-1], tokens[-1]
    node = data
    for token in parent_tokens:
        if isinstance(node, list):
            node = node[int(token)]
            continue
        child = node.get(token)
        if not isinstance(child, (dict, list)):
            if op.kind == "delete":
                return data
            child = {}
            node[token] = child
        node = child
    if isinstance(node, list):
        index = int(last)
        if op.kind == "set":
            node[index] = op.value
        return data
    if op.kind == "set":
        node[last] = _merge(node.get(last), op.value)
    elif op.kind == "append":
        current = node.get(last)
        if not isinstance(current, list):
            node[last] = [op.value]
        elif op.value not in current:
            current.append(op.value)
    elif op.kind == "rename":
        node[op.value] = node.pop(last)
    elif op.kind == "delete":
        node.pop(last, None)
    return data


def _merge(current: Any, value: Any) -> Any:
    if isinstance(current, dict) and isinstance(value, dict):
        for k, v in value.items():
            current[k] = _merge(current.get(k), v)
        return current
    return value


def fix_kind(raw: Any) -> str | None:
    """ "safe", "unsafe" or "safe/unsafe" (depends on the finding) for a rule with a fix."""
    autofix = autofix_of(raw)
    if autofix is None:
        return None
    cases = autofix.get("cases") or [autofix]
    kinds = {bool(c.get("safe")) for c in cases if c.get("edits")}
    if kinds == {True}:
        return "safe"
    if kinds == {False}:
        return "unsafe"
    return "safe/unsafe"


def fix_safety(raw: Any, obj: K8sObject, path: str, params: Any, options: Any) -> str | None:
    """ "safe" or "unsafe" when the rule's fix data has a fix for this finding, else None
    (the engine notes it on each finding; the text report marks safe ones ``[*]``)."""
    autofix = autofix_of(raw)
    if autofix is None:
        return None
    version = getattr(options, "kubernetes_version", None)
    decision = decide(autofix, obj, path, obj.base, dict(params or {}), version)
    if not decision.ops:
        return None
    return "safe" if decision.safe else "unsafe"
