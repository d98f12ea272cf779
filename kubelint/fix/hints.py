"""The change to make by hand for findings in Helm templates and Kustomize sources.

Templates and the bases a kustomization builds are not YAML a fixer may rewrite (a template is
not YAML at all; a base is shared by every overlay). The fix is computed on the rendered output,
exactly as for a plain file, and shown as what the user would write: for Helm, the lines to add at
the template line the finding points at; for Kustomize, a JSON 6902 patch for the overlay's
kustomization.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from kubelint.findings import Finding
from kubelint.fix.core import FixOptions, apply
from kubelint.fix.files import decode
from kubelint.fix.spec import Op
from kubelint.fix.text import Style, render_block_entry, render_scalar
from kubelint.loader import load_text
from kubelint.sources import Source


def _rendered_source(finding: Finding, sources: Sequence[Source]) -> Source | None:
    if finding.rendered is None:
        return None
    for s in sources:
        if s.name == finding.rendered.file and s.data is not None:
            return s
    return None


def hint_for(
    finding: Finding, sources: Sequence[Source], rules: Mapping[str, Any], options: FixOptions
) -> str | None:
    """The text to print for a finding in rendered output (None when there is no fix)."""
    source = _rendered_source(finding, sources)
    if source is None or finding.rendered is None:
        return None
    assert source.data is not None
    decoded = decode(source.data)
    if decoded is None:
        return None
    text = decoded[0]
    at_render = replace(finding, location=finding.rendered, rendered=None)
    result = apply(text, [at_render], rules, replace(options, unsafe=True))
    if not result.applied:
        return None
    fix = result.applied[0]
    loc = finding.location
    safety = "safe" if fix.safe else "unsafe"
    head = f"{loc.file}:{loc.line}:{loc.column}: {finding.rule} [{safety}]: {fix.description}\n"
    kind = type(source.mapper).__name__.lower()
    if "kustomize" in kind:
        return head + _kustomize_patch(text, finding, fix.ops, source.name)
    return head + _template_lines(text, result.text, loc.file, loc.line)


def _template_lines(old: str, new: str, template: str, line: int) -> str:
    added: list[str] = []
    removed: list[str] = []
    for diff_line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if diff_line.startswith(("---", "+++", "@@")):
            continue
        if diff_line.startswith("+"):
            added.append(diff_line[1:])
        elif diff_line.startswith("-"):
            removed.append(diff_line[1:])
    lines = [f"  {template} is a Helm template and was not changed; at line {line}:"]
    if removed:
        lines.append("  replace the rendered lines")
        lines.extend(f"  -{r}" for r in removed)
        lines.append("  with")
    else:
        lines.append("  add (indented as the rendered output shows):")
    lines.extend(f"  +{a}" for a in added)
    return "\n".join(lines) + "\n"


def _json6902(data: Any, op: Op) -> dict[str, Any]:
    """One JSON 6902 operation doing ``op`` on the rendered object ``data``."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in op.pointer[1:].split("/")]
    node = data
    for i, token in enumerate(tokens):
        if isinstance(node, dict) and token in node and node[token] is not None:
            node = node[token]
            continue
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
            continue
        path = "/" + "/".join(t.replace("~", "~0").replace("/", "~1") for t in tokens[: i + 1])
        rest: Any = [op.value] if op.kind == "append" else op.value
        for t in reversed(tokens[i + 1 :]):
            rest = {t: rest}
        return {"op": "add", "path": path, "value": rest}
    if op.kind == "append":
        return {"op": "add", "path": op.pointer + "/-", "value": op.value}
    if op.kind == "rename":
        return {"op": "move", "from": op.pointer, "path": op.pointer.rsplit("/", 1)[0] + "/" + op.value}
    if op.kind == "delete":
        return {"op": "remove", "path": op.pointer}
    return {"op": "replace", "path": op.pointer, "value": op.value}


def _kustomize_patch(text: str, finding: Finding, ops: Sequence[Op], build: str) -> str:
    loaded = load_text(text)
    line = finding.rendered.line if finding.rendered is not None else 1
    data: Any = None
    for doc in loaded.documents:
        if doc.line <= line:
            data = doc.data
    obj = finding.object
    patch = [_json6902(data, op) for op in ops]
    target: dict[str, str] = {}
    if obj is not None:
        group, _, version = obj.api_version.rpartition("/")
        if group:
            target["group"] = group
        target["version"] = version
        target["kind"] = obj.kind
        target["name"] = obj.name
        if obj.namespace and isinstance(data, dict) and (data.get("metadata") or {}).get("namespace"):
            target["namespace"] = obj.namespace
    lines = [
        f"  {finding.location.file} is a Kustomize source and was not changed; add this patch "
        f"to the kustomization built as {build}:",
        "  patches:",
        "    - target: {" + ", ".join(f"{k}: {render_scalar(v)}" for k, v in target.items()) + "}",
        "      patch: |-",
    ]
    for item in patch:
        entry_lines: list[str] = []
        for k, v in item.items():
            entry_lines.extend(render_block_entry(k, v, 10, _STYLE))
        entry_lines[0] = "        - " + entry_lines[0][10:]
        lines.extend(entry_lines)
    return "\n".join(lines) + "\n"


_STYLE = Style(step=2, seq_indent=2, seq_gap=2)
