"""The evaluator of declarative rules (``schema:`` in the rule YAML).

Each JSON-Schema error on the rule's target becomes a violation at the error's instance path
(``required`` errors at the missing property), with the rule's ``message:`` template filled in.
The validator is compiled once per rule by activation (kubelint.selection).
"""

from __future__ import annotations

import jsonschema_rs

from kubelint.findings import Violation
from kubelint.message_template import render as render_message
from kubelint.messages import show_value
from kubelint.model import Container, K8sObject, PodSpec, get_path
from kubelint.positions import to_dotted
from kubelint.selection import ActiveRule


def evaluate(
    rule: ActiveRule, target: K8sObject | PodSpec | Container, container: str | None
) -> list[Violation]:
    """The violations of ``rule``'s schema by ``target`` (one per distinct path)."""
    validator = rule.validator
    assert validator is not None
    if isinstance(target, K8sObject):
        instance, base = target.raw, ""
    else:  # a PodSpec or a Container: its pointer is relative to the object
        instance, base = target.raw, target.pointer
    if validator.is_valid(instance):
        return []
    seen: set[str] = set()
    out: list[Violation] = []
    for err in validator.iter_errors(instance):
        path = base + "".join(
            "/" + str(p).replace("~", "~0").replace("/", "~1") for p in err.instance_path
        )
        kind = err.kind
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
            path += "/" + str(kind.property).replace("~", "~0").replace("/", "~1")
        if path in seen:
            continue
        seen.add(path)
        value = get_path(target.raw, path[len(base) :]) if path.startswith(base) else None
        template = rule.spec.message or rule.spec.summary
        message = render_message(  # plain {field} substitution (message_template.py)
            template,
            {
                "container": container or "",
                "value": show_value(value),
                "field": to_dotted(path),
                "path": path,
                "kind": target.obj.kind if not isinstance(target, K8sObject) else target.kind,
                "name": target.obj.name if not isinstance(target, K8sObject) else target.name,
            },
        )
        out.append(Violation(path, message, container=container))
    return out
