"""Rule documentation: ``docs/rules.md`` (one section per built-in rule) and each rule's help URI.

``docs/rules.md`` is generated from rules/*.yaml by ``python -m kubelint.docgen`` (a test checks
it is current), so a rule's page and its ``kubelint explain`` text never disagree. Reports link
each finding to its rule's section: SARIF ``helpUri``, the JSON report's ``url``, ``kubelint
rules --format json`` and ``explain --format json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from kubelint.catalog import RuleSpec
from kubelint.messages import suggest

REPOSITORY = "https://github.com/kubelint/kubelint"
DOCS_PATH = "docs/rules.md"
BUILTIN_OWNER = "kubelint.builtin"


def is_builtin(spec: RuleSpec) -> bool:
    return spec.origin.partition(":")[0] == BUILTIN_OWNER


def anchor(rule_id: str) -> str:
    """The GitHub heading anchor of a rule's section (rule IDs are already lowercase slugs)."""
    return rule_id


def help_uri(spec: RuleSpec) -> str | None:
    """The rule's section of docs/rules.md for a built-in rule; a custom or plugin rule's own
    first reference, when it has one."""
    if is_builtin(spec):
        return f"{REPOSITORY}/blob/main/{DOCS_PATH}#{anchor(spec.id)}"
    return spec.references[0] if spec.references else None


def _block(text: str) -> list[str]:
    return ["```yaml", text.rstrip(), "```"]


def rule_section(spec: RuleSpec) -> list[str]:
    from kubelint.fix.spec import fix_kind

    state = "on by default" if spec.default else f"opt-in (`--enable {spec.id}`)"
    facts = [f"category `{spec.category}`", f"severity `{spec.severity.value}`", state]
    if spec.tags:
        facts.append("tags " + ", ".join(f"`{t}`" for t in spec.tags))
    kind = fix_kind(spec.raw)
    if kind:
        facts.append(f"{kind} fix (`kubelint fix`)")
    out = [f"### {spec.id}", "", f"**{spec.summary}**", "", " · ".join(facts), "", spec.why, ""]
    out += [f"**How to fix:** {spec.remediation}", ""]
    if spec.example:
        out += ["Example (triggers the rule):", "", *_block(spec.example), ""]
    if spec.fix:
        out += ["Fixed:", "", *_block(spec.fix), ""]
    props = spec.params_schema.get("properties", {})
    if props:
        out += ["Options (`params`):", ""]
        for name, schema in props.items():
            schema = schema if isinstance(schema, dict) else {}
            default = json.dumps(schema.get("default"))
            desc = str(schema.get("description", "")).strip()
            out.append(f"- `{name}` (default `{default}`)" + (f": {desc}" if desc else ""))
        out.append("")
    if spec.references:
        out += ["References:", "", *(f"- <{r}>" for r in spec.references), ""]
    return out


def rules_markdown(rules: Iterable[RuleSpec]) -> str:
    """docs/rules.md: every built-in rule by category, each under a heading named by its ID."""
    specs = sorted((r for r in rules if is_builtin(r)), key=lambda r: (r.category, r.id))
    out = [
        "# kubelint rules",
        "",
        "<!-- Generated from rules/*.yaml by `python -m kubelint.docgen`; do not edit. -->",
        "",
        f"{len(specs)} rules. `kubelint explain RULE` prints the same text; "
        "`kubelint rules` lists them (`--category`, `--tag`, `--default`/`--opt-in`, "
        "`--format json`).",
        "",
    ]
    categories = sorted({r.category for r in specs})
    for category in categories:
        ids = [r.id for r in specs if r.category == category]
        out.append(f"- **{category}**: " + ", ".join(f"[`{i}`](#{anchor(i)})" for i in ids))
    out.append("")
    for category in categories:
        out += [f"## {category}", ""]
        for spec in (r for r in specs if r.category == category):
            out += rule_section(spec)
    return "\n".join(out).rstrip() + "\n"


class RuleQueryError(ValueError):
    """A filter of `kubelint rules` names a category or tag no rule has."""


def select(
    specs: Iterable[RuleSpec],
    categories: Iterable[str] = (),
    tags: Iterable[str] = (),
    default: bool | None = None,
) -> list[RuleSpec]:
    """The rules matching every filter given: any of ``categories``, any of ``tags``, and
    enabled by default (``default=True``) or opt-in (``False``); sorted by category and ID."""
    rules = sorted(specs, key=lambda r: (r.category, r.id))
    wanted_categories = set(categories)
    wanted_tags = set(tags)
    known_categories = {r.category for r in rules}
    known_tags = {t for r in rules for t in r.tags}
    for name, wanted, known in (
        ("category", wanted_categories, known_categories),
        ("tag", wanted_tags, known_tags),
    ):
        for value in sorted(wanted - known):
            choices = ", ".join(sorted(known))
            raise RuleQueryError(
                f'unknown {name} "{value}"{suggest(value, known)} (known: {choices})'
            )
    return [
        r
        for r in rules
        if (not wanted_categories or r.category in wanted_categories)
        and (not wanted_tags or wanted_tags & set(r.tags))
        and (default is None or r.default == default)
    ]


def rule_dict(spec: RuleSpec) -> dict[str, Any]:
    """Everything about a rule as JSON data (`rules --format json`, `explain --format json`)."""
    from kubelint.fix.spec import fix_kind

    autofix = spec.raw.get("autofix") if hasattr(spec.raw, "get") else None
    props = spec.params_schema.get("properties", {})
    return {
        "id": spec.id,
        "summary": spec.summary,
        "category": spec.category,
        "severity": spec.severity.value,
        "default": spec.default,
        "target": spec.target,
        "tags": list(spec.tags),
        "why": spec.why,
        "remediation": spec.remediation,
        "example": spec.example,
        "fixed": spec.fix,
        "fix": fix_kind(spec.raw),
        "fixDescription": autofix.get("description") if isinstance(autofix, dict) else None,
        "params": {
            name: {
                "default": schema.get("default"),
                "description": schema.get("description"),
                "schema": schema,
            }
            for name, schema in props.items()
            if isinstance(schema, dict)
        },
        "references": list(spec.references),
        "url": help_uri(spec),
        "origin": spec.origin,
    }
