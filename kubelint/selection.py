"""Rule selection and activation: which rules run, with which params, bound to which check.

``select_rules`` applies profiles, ``--enable``/``--disable``/``--only`` and config params;
``activate`` validates params, binds each rule to its Python check or compiles its declarative
schema, once per run, before any input is read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kubelint import records
from kubelint.catalog import CatalogError, Profile, RuleSpec, profile_rules
from kubelint.checks import CheckContext, CheckFn, check_target
from kubelint.findings import Severity
from kubelint.messages import suggest
from kubelint.options import Options, UsageError
from kubelint.records import dataclass
from kubelint.schema_compile import SchemaCompileError, compile_schema

if TYPE_CHECKING:
    import jsonschema_rs

_TARGET_NAMES = {
    "object": "K8sObject",
    "pod-spec": "PodSpec",
    "container": "Container",
    "set": "LintSet",
}


@dataclass
class ActiveRule:
    spec: RuleSpec
    ctx: CheckContext
    fn: CheckFn | None = None
    validator: jsonschema_rs.Validator | None = None

    @property
    def id(self) -> str:
        return self.spec.id


ALL = "all"


def expand_selectors(values: Sequence[str], catalog: Mapping[str, RuleSpec]) -> list[str]:
    """Rule IDs named by ``values``: each value is a comma list of rule IDs, category names
    (every rule of the category, opt-in rules included) or ``all``; a rule ID wins over a
    category of the same name. UsageError on a name that is neither."""
    categories: dict[str, list[str]] = {}
    for spec in sorted(catalog.values(), key=lambda r: r.id):
        categories.setdefault(spec.category, []).append(spec.id)
    out: list[str] = []
    for value in values:
        for name in (part.strip() for part in value.split(",")):
            if not name:
                continue
            if name in catalog:
                ids = [name]
            elif name in categories:
                ids = categories[name]
            elif name == ALL:
                ids = sorted(catalog)
            else:
                known = [*catalog, *categories, ALL]
                raise UsageError(f'unknown rule "{name}"{suggest(name, known)}')
            out.extend(rid for rid in ids if rid not in out)
    return out


def select_rules(
    catalog: Mapping[str, RuleSpec],
    profiles: Mapping[str, Profile],
    profile_names: Sequence[str] = (),
    enable: Sequence[str] = (),
    disable: Sequence[str] = (),
    only: Sequence[str] = (),
    params: Mapping[str, Mapping[str, Any]] | None = None,
    kubernetes_version: tuple[int, int] | None = None,
) -> dict[str, dict[str, Any]]:
    """Rule IDs to run with their (unvalidated) params.

    Profiles replace the default set with the union of their rules; ``enable``/``disable``
    apply on top; ``only`` restricts to the given IDs. Input-problem rules always run.
    With ``kubernetes_version``, profile rules gated by ``since: "X.Y"`` run only from X.Y.
    Each of ``enable``/``disable``/``only`` may hold comma lists and category names
    (see :func:`expand_selectors`).
    """
    enable = expand_selectors(enable, catalog)
    disable = expand_selectors(disable, catalog)
    only = expand_selectors(only, catalog)
    selected: dict[str, dict[str, Any]] = {}
    try:
        if profile_names:
            for name in profile_names:
                if name == "default":
                    selected.update({r.id: {} for r in catalog.values() if r.default})
                    continue
                for rid, p in profile_rules(
                    name, profiles, kubernetes_version=kubernetes_version
                ).items():
                    if rid not in catalog:
                        raise UsageError(
                            f'profile "{name}" names unknown rule "{rid}"{suggest(rid, catalog)}'
                        )
                    selected[rid] = {**selected.get(rid, {}), **p}
        else:
            selected = {r.id: {} for r in catalog.values() if r.default}
    except CatalogError as exc:
        raise UsageError(str(exc)) from exc
    for rid in enable:
        selected.setdefault(rid, {})
    for rid in disable:
        selected.pop(rid, None)
    if only:
        selected = {rid: selected.get(rid, {}) for rid in only}
    for spec in catalog.values():  # input-problem rules (target: input) always run
        if spec.target == "input":
            selected.setdefault(spec.id, {})
    for rid, extra in (params or {}).items():
        if rid in selected:
            selected[rid] = {**selected[rid], **extra}
    return selected


def activate(
    catalog: Mapping[str, RuleSpec],
    selection: Mapping[str, Mapping[str, Any]],
    checks: Mapping[str, CheckFn],
    options: Options,
    severities: Mapping[str, str] | None = None,
) -> list[ActiveRule]:
    """Validate params, bind checks and compile declarative schemas (once per rule).

    ``severities`` overrides a rule's severity (configuration); the rule keeps exactly one.
    """
    active: list[ActiveRule] = []
    for rid in sorted(selection):
        spec = catalog[rid]
        if severities and rid in severities:
            spec = records.replace(spec, severity=Severity.parse(severities[rid]))
        try:
            params = spec.validate_params(selection[rid], "configuration")
        except CatalogError as exc:
            raise UsageError(str(exc)) from exc
        ctx = CheckContext(
            rid, params, options.kubernetes_version, options.complete, crds=options.crds
        )
        rule = ActiveRule(spec, ctx)
        if spec.check is not None:
            fn = checks.get(spec.check)
            if fn is None:
                raise UsageError(
                    f'rule "{rid}" ({spec.origin}) names check "{spec.check}", which no plugin '
                    f"provides{suggest(spec.check, checks)}"
                )
            served = check_target(fn)
            if served is not None and served != spec.target:
                raise UsageError(
                    f'rule "{rid}" ({spec.origin}) has target: {spec.target}, but its check '
                    f'"{spec.check}" takes a {_TARGET_NAMES[served]} (target: {served})'
                )
            rule.fn = fn
            validate = getattr(fn, "__kubelint_validate_params__", None)
            if validate is not None:  # semantic checks a params JSON Schema cannot express
                try:
                    validate(params)
                except ValueError as exc:
                    message = f"configuration: invalid params for rule {rid}: {exc}"
                    raise UsageError(message) from exc
        elif spec.schema is not None:
            try:  # offline, local refs only, linear-time regexes (schema_compile.py)
                rule.validator = compile_schema(spec.schema)
            except SchemaCompileError as exc:
                raise UsageError(f"{spec.origin}: invalid JSON Schema in rule: {exc}") from exc
        active.append(rule)
    return active
