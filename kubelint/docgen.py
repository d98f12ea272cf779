"""Generate the README's rule and profile tables and docs/rules.md from rules/*.yaml and
rules/profiles/*.yaml.

``python -m kubelint.docgen`` rewrites the marked sections of README.md and the whole of
docs/rules.md (next to the README) in place; ``python -m kubelint.docgen --check`` exits 1 when
either is stale (a test runs that check).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from kubelint.catalog import Profile, RuleSpec, load_profiles, load_rules
from kubelint.plugins import load_plugins
from kubelint.ruledocs import DOCS_PATH, rules_markdown

SECTIONS = ("rules", "pss-profiles")


def rule_table(rules: dict[str, RuleSpec]) -> str:
    lines = [
        "| rule | category | default | severity | summary |",
        "|---|---|---|---|---|",
    ]
    for r in sorted(rules.values(), key=lambda r: (r.category, r.id)):
        on = "on" if r.default else "opt-in"
        summary = r.summary.replace("|", "\\|")
        lines.append(f"| `{r.id}` | {r.category} | {on} | {r.severity.value} | {summary} |")
    return "\n".join(lines)


def profile_table(profiles: dict[str, Profile]) -> str:
    lines = [
        "| PSS control | baseline | restricted |",
        "|---|---|---|",
    ]
    rows: dict[str, dict[str, list[str]]] = {}
    for name in ("pss-baseline", "pss-restricted"):
        profile = profiles.get(name)
        if profile is None:
            continue
        controls: Any = profile.raw.get("controls") or []
        for entry in controls:
            if isinstance(entry, dict) and "control" in entry:
                ids = [str(r) for r in entry.get("rules") or []]
                rows.setdefault(str(entry["control"]), {})[name] = ids
    for control, by_profile in rows.items():
        cells = [
            ", ".join(f"`{r}`" for r in by_profile.get(p, [])) or "—"
            for p in ("pss-baseline", "pss-restricted")
        ]
        lines.append(f"| {control} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def render(text: str, rules: dict[str, RuleSpec], profiles: dict[str, Profile]) -> str:
    generated = {"rules": rule_table(rules), "pss-profiles": profile_table(profiles)}
    for section in SECTIONS:
        pattern = re.compile(rf"(<!-- {section}:start -->\n).*?(<!-- {section}:end -->)", re.DOTALL)
        body = generated[section]

        def replace(m: re.Match[str], body: str = body) -> str:
            return m.group(1) + body + "\n" + m.group(2)

        text = pattern.sub(replace, text)
    return text


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    readme = Path(args[-1]) if args and not args[-1].startswith("-") else Path("README.md")
    plugins = load_plugins(autoload=False)
    dirs = plugins.rule_dirs()
    rules = load_rules(dirs)
    text = readme.read_text(encoding="utf-8")
    docs = readme.parent / DOCS_PATH
    old_docs = docs.read_text(encoding="utf-8") if docs.is_file() else ""
    outputs = [
        (readme, text, render(text, rules, load_profiles(dirs))),
        (docs, old_docs, rules_markdown(rules.values())),
    ]
    if "--check" in args:
        stale = [path for path, old, new in outputs if new != old]
        for path in stale:
            sys.stderr.write(f"{path} is stale: run `python -m kubelint.docgen`\n")
        return 1 if stale else 0
    for path, old, new in outputs:
        if new != old:
            path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
