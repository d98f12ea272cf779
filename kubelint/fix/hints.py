"""The change to make by hand for findings in Helm templates and Kustomize sources.

Templates and the bases a kustomization builds are not YAML a fixer may rewrite (a template is
not YAML at all; a base is shared by every overlay). The fix is computed on the rendered output,
exactly as for a plain file, and shown as what the user would write: for Helm, the lines to add at
the template line the finding points at; for Kustomize, a JSON 6902 patch for the overlay's
kustomization.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubelint.findings import Finding
from kubelint.fix.core import FixOptions, plan
from kubelint.fix.files import decode
from kubelint.fix.spec import Op
from kubelint.fix.text import Style, TextEdit, apply_edits, render_block_entry, render_scalar
from kubelint.loader import load_text
from kubelint.records import replace
from kubelint.sources import Source


def hints_for(
    findings: Sequence[Finding],
    sources: Sequence[Source],
    rules: Mapping[str, Any],
    options: FixOptions,
) -> list[tuple[Finding, str]]:
    """For findings in rendered output: (finding, the text to print) for each that has a fix."""
    by_source: dict[str, list[Finding]] = {}
    for f in findings:
        if f.rendered is not None:
            by_source.setdefault(f.rendered.file, []).append(f)
    named = {s.name: s for s in sources if s.data is not None}
    out: list[tuple[Finding, str]] = []
    for name, group in by_source.items():
        source = named.get(name)
        if source is None or source.data is None:
            continue
        decoded = decode(source.data)
        if decoded is None:
            continue
        text = decoded[0]
        moved = [replace(f, location=f.rendered, rendered=None) for f in group if f.rendered]
        originals = dict(zip((id(m) for m in moved), group, strict=True))
        planned = plan(text, moved, rules, options)
        kind = type(source.mapper).__name__.lower()
        for fix in planned.fixes:
            finding = originals[id(fix.finding)]
            loc = finding.location
            safety = "safe" if fix.safe else "unsafe"
            where = f"{loc.file}:{loc.line}:{loc.column}"
            head = f"{where}: {finding.rule} [{safety}]: {fix.description}\n"
            if "kustomize" in kind:
                body = _kustomize_patch(text, finding, fix.ops, source.name)
            else:
                body = _template_lines(text, fix.edits, loc.file, loc.line)
            out.append((finding, head + body))
    return out


def _template_lines(text: str, edits: Sequence[TextEdit], template: str, line: int) -> str:
    start = min(e.start for e in edits)
    end = max(e.end for e in edits)
    first = text.rfind("\n", 0, start) + 1
    last_nl = text.find("\n", end)
    last = len(text) if last_nl < 0 else last_nl
    if all(e.start == e.end for e in edits) and start == first and start > 0:
        old_lines: list[str] = []  # pure insertion of whole lines
        new_lines = "".join(e.new for e in sorted(edits, key=lambda e: e.start)).splitlines()
    else:
        old = text[first:last]
        shifted = [TextEdit(e.start - first, e.end - first, e.new) for e in edits]
        old_lines = old.splitlines()
        new_lines = apply_edits(old, shifted).splitlines()
    lines = [f"  {template} is a Helm template and was not changed; in the block at line {line}:"]
    if old_lines:
        lines.append("  replace the rendered lines")
        lines.extend(f"  -{r}" for r in old_lines)
        lines.append("  with")
    else:
        lines.append("  add (indented as the rendered output shows):")
    lines.extend(f"  +{a}" for a in new_lines)
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
        return {
            "op": "move",
            "from": op.pointer,
            "path": op.pointer.rsplit("/", 1)[0] + "/" + op.value,
        }
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
    obj = finding.object  # no namespace in the target: overlay patches run before `namespace:`
    patch = [_json6902(data, op) for op in ops]
    target: dict[str, str] = {}
    if obj is not None:
        group, _, version = obj.api_version.rpartition("/")
        if group:
            target["group"] = group
        target["version"] = version
        target["kind"] = obj.kind
        target["name"] = obj.name
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
