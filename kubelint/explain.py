"""``kubelint explain``: a rule's documentation as text."""

from __future__ import annotations

import json

from kubelint.catalog import RuleSpec


def explain_text(spec: RuleSpec) -> str:
    state = "enabled by default" if spec.default else "opt-in (--enable " + spec.id + ")"
    out = [
        f"{spec.id}: {spec.summary}",
        f"category: {spec.category}   severity: {spec.severity.value}   {state}",
        "",
        "Why",
        f"  {spec.why}",
        "",
        "How to fix",
        f"  {spec.remediation}",
    ]
    autofix = spec.raw.get("autofix") if hasattr(spec.raw, "get") else None
    if isinstance(autofix, dict):
        from kubelint.fix.spec import fix_kind

        kind = fix_kind(spec.raw)
        how = (
            "`kubelint fix`"
            if kind == "safe"
            else "`kubelint fix` (unsafe cases need --unsafe-fixes)"
        )
        out += ["", f"Automatic fix ({kind}, {how})", f"  {autofix.get('description', '')}"]
    if spec.example:
        out += ["", "Example (triggers the rule)", _indent(spec.example)]
    if spec.fix:
        out += ["Fixed", _indent(spec.fix)]
    props = spec.params_schema.get("properties", {})
    if props:
        out += ["", "Options (params)"]
        for name, schema in props.items():
            desc = schema.get("description", "")
            default = schema.get("default")
            out.append(f"  {name} (default: {json.dumps(default)}): {desc}")
    if spec.references:
        out += ["", "References"] + [f"  {r}" for r in spec.references]
    return "\n".join(out)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines()) + "\n"
