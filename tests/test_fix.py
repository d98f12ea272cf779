"""`kubelint fix`: exact text edits, safety, composition, refusal, atomic writes, CLI behaviour."""

from __future__ import annotations

import difflib
import json
import stat
from pathlib import Path

import pytest

from kubelint.fix import FixOptions, apply, plan
from kubelint.loader import load_text
from tests.conftest import run_cli
from tests.helpers import write

DEPLOY = """\
# a comment at the top
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # trailing comment
spec:
  template:
    spec:
      containers:
        - name: web
          image: "nginx:1.27.2"
          securityContext: {runAsUser: 1000}
        - name: side
          image: 'busybox:1.36'
          securityContext:
            runAsUser: 1000
            # a comment inside the block
      initContainers:
      - name: init
        image: busybox:1.36
"""


POD = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n"
    "  containers:\n  - name: c\n    image: x:1\n"
)


def only(*rules: str) -> list[str]:
    out: list[str] = []
    for r in rules:
        out += ["--only", r]
    return out


def added_removed(old: str, new: str) -> tuple[list[str], list[str]]:
    added, removed = [], []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith(("+++", "---", "@@")):
            continue
        (added if line.startswith("+") else removed).append(line[1:])
    return added, removed


def test_fix_writes_only_the_new_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "deploy.yaml", DEPLOY)
    run = run_cli("fix", *only("privilege-escalation-allowed"), str(path))
    new = path.read_text()
    added, removed = added_removed(DEPLOY, new)
    assert removed == ["          securityContext: {runAsUser: 1000}"]
    assert added == [
        "          securityContext: {runAsUser: 1000, allowPrivilegeEscalation: false}",
        "            allowPrivilegeEscalation: false",
        "        securityContext:",
        "          allowPrivilegeEscalation: false",
    ]
    # the block under `side` gets the key at its own indentation, before the trailing comment
    assert "            runAsUser: 1000\n            allowPrivilegeEscalation: false\n" in new
    assert run.exit_code == 0, run.stderr
    assert "fixed 3 findings (privilege-escalation-allowed ×3)" in run.stderr
    assert "Fixed 3 findings in 1 file" in run.stderr
    second = run_cli("fix", *only("privilege-escalation-allowed"), str(path))
    assert path.read_text() == new
    assert "Nothing to fix" in second.stderr


def test_diff_writes_nothing_and_marks_unsafe(tmp_path: Path) -> None:
    path = write(tmp_path, "deploy.yaml", DEPLOY)
    rules = only("privilege-escalation-allowed", "writable-root-filesystem")
    run = run_cli("fix", "--diff", *rules, str(path))
    assert path.read_text() == DEPLOY
    assert run.exit_code == 1
    assert run.stdout.startswith(
        f"--- a/{path}" if not str(path).startswith("/") else f"--- {path}"
    )
    assert "readOnlyRootFilesystem" not in run.stdout
    assert "3 more fixes available with --unsafe-fixes" in run.stderr
    unsafe = run_cli("fix", "--diff", "--unsafe-fixes", *rules, str(path))
    hunks = [line for line in unsafe.stdout.splitlines() if line.startswith("@@")]
    assert any("writable-root-filesystem [unsafe]" in h for h in hunks)
    assert any("privilege-escalation-allowed" in h for h in hunks)
    assert "+            readOnlyRootFilesystem: true" in unsafe.stdout
    assert path.read_text() == DEPLOY


def test_check_exit_codes(tmp_path: Path) -> None:
    path = write(tmp_path, "deploy.yaml", DEPLOY)
    assert run_cli("fix", "--check", *only("missing-seccomp-profile"), str(path)).exit_code == 1
    assert path.read_text() == DEPLOY
    assert run_cli("fix", *only("missing-seccomp-profile"), str(path)).exit_code == 0
    assert run_cli("fix", "--check", *only("missing-seccomp-profile"), str(path)).exit_code == 0
    assert run_cli("fix", "--check", "--diff", str(path)).exit_code == 2


def test_fixes_compose_in_one_container(tmp_path: Path) -> None:
    text = POD
    path = write(tmp_path, "pod.yaml", text)
    rules = only(
        "privilege-escalation-allowed",
        "missing-seccomp-profile",
        "missing-capabilities-drop-all",
        "writable-root-filesystem",
        "run-as-root",
    )
    run = run_cli("fix", "--unsafe-fixes", *rules, str(path))
    assert run.exit_code == 0, run.stdout + run.stderr
    assert path.read_text() == text + (
        "    securityContext:\n"
        "      capabilities:\n"
        "        drop:\n"
        "        - ALL\n"
        "      seccompProfile:\n"
        "        type: RuntimeDefault\n"
        "      allowPrivilegeEscalation: false\n"
        "      runAsNonRoot: true\n"
        "      readOnlyRootFilesystem: true\n"
    )
    after = run_cli("lint", *rules, str(path))
    assert after.exit_code == 0, after.stdout


def test_lint_fix_reports_what_remains(tmp_path: Path) -> None:
    path = write(tmp_path, "deploy.yaml", DEPLOY)
    run = run_cli("lint", "--fix", *only("privilege-escalation-allowed", "run-as-root"), str(path))
    assert "allowPrivilegeEscalation: false" in path.read_text()
    assert "privilege-escalation-allowed" not in run.stdout
    assert "run-as-root" in run.stdout  # unsafe: not applied without --unsafe-fixes
    assert run.exit_code == 1


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_line_endings_bom_and_mode_are_kept(tmp_path: Path, newline: str, bom: bytes) -> None:
    text = DEPLOY.replace("\n", newline)
    path = write(tmp_path, "deploy.yaml", bom + text.encode())
    path.chmod(0o640)
    run_cli("fix", *only("missing-seccomp-profile"), str(path))
    data = path.read_bytes()
    assert data.startswith(bom)
    new = data[len(bom) :].decode()
    if newline == "\r\n":
        assert "\n" not in new.replace("\r\n", "")
    else:
        assert "\r" not in new
    assert new.count(newline) == text.count(newline) + 5  # 2 + 3 lines; one flow edit
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_no_trailing_newline_is_kept(tmp_path: Path) -> None:
    text = POD.rstrip("\n")
    path = write(tmp_path, "pod.yaml", text)
    run_cli("fix", *only("missing-seccomp-profile"), str(path))
    assert (
        path.read_text()
        == text + "\n    securityContext:\n      seccompProfile:\n        type: RuntimeDefault"
    )


def test_json_stays_json(tmp_path: Path) -> None:
    doc = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "x:1"}]},
    }
    text = json.dumps(doc, indent=4) + "\n"
    path = write(tmp_path, "pod.json", text)
    run_cli("fix", *only("missing-seccomp-profile", "missing-capabilities-drop-all"), str(path))
    new = path.read_text()
    fixed = json.loads(new)
    sc = fixed["spec"]["containers"][0]["securityContext"]
    assert sc == {"seccompProfile": {"type": "RuntimeDefault"}, "capabilities": {"drop": ["ALL"]}}
    added, removed = added_removed(text, new)
    assert removed == ['                "image": "x:1"']
    assert added[0] == '                "image": "x:1",'
    assert all(line.startswith("                ") for line in added)


def test_indented_and_indentless_lists_follow_the_file(tmp_path: Path) -> None:
    indented = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n    name: p\nspec:\n    containers:\n"
        "        -   name: c\n            image: x:1\n            securityContext:\n"
        "                capabilities:\n                    drop:\n"
        "                        -   NET_RAW\n"
    )
    path = write(tmp_path, "pod.yaml", indented)
    run_cli("fix", *only("missing-capabilities-drop-all"), str(path))
    assert path.read_text() == indented + "                        -   ALL\n"


def test_flow_lists_get_the_item_inline(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - name: c\n    image: x:1\n    securityContext:\n      capabilities: {drop: [NET_RAW]}\n"
    )
    path = write(tmp_path, "pod.yaml", text)
    run_cli("fix", *only("missing-capabilities-drop-all"), str(path))
    assert path.read_text() == text.replace("[NET_RAW]", "[NET_RAW, ALL]")


def test_safety_decided_by_the_container(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
        "  - name: adds\n    image: x:1\n    securityContext:\n"
        "      capabilities:\n        add: [NET_ADMIN]\n"
        "  - name: priv\n    image: x:1\n    securityContext:\n      privileged: true\n"
    )
    path = write(tmp_path, "pod.yaml", text)
    run = run_cli("fix", "--diff", *only("privilege-escalation-allowed"), str(path))
    assert run.exit_code == 0  # nothing safe to do
    unsafe = run_cli(
        "fix", "--diff", "--unsafe-fixes", *only("privilege-escalation-allowed"), str(path)
    )
    assert unsafe.exit_code == 1
    assert "privilege-escalation-allowed [unsafe]" in unsafe.stdout
    # a privileged container never gets allowPrivilegeEscalation: false (the API rejects it)
    assert unsafe.stdout.count("+      allowPrivilegeEscalation: false") == 1


def test_duplicate_key_file_is_never_written(tmp_path: Path) -> None:
    text = POD.replace("  name: p\n", "  name: p\n  name: q\n")
    path = write(tmp_path, "pod.yaml", text)
    run = run_cli("fix", *only("missing-seccomp-profile"), str(path))
    assert path.read_text() == text
    assert f"{path}: not fixed: the file has a duplicate key at line 5, column 3" in run.stderr
    assert run.exit_code == 1  # the duplicate-key finding remains


def test_template_text_is_refused() -> None:
    from tests.test_fix_roundtrip import lint_text, rule_data

    findings = lint_text(POD, ["missing-seccomp-profile"])
    template = POD.replace("  containers:\n", "  {{- if .Values.x }}\n  containers:\n")
    result = apply(template, findings, rule_data(), FixOptions())
    assert result.text == template
    assert result.error is not None and "Go template syntax" in result.error
    assert not result.applied


def test_syntax_error_document_blocks_the_file(tmp_path: Path) -> None:
    text = POD + "---\nkey: [unclosed\n"
    path = write(tmp_path, "pod.yaml", text)
    run = run_cli("fix", *only("missing-seccomp-profile"), str(path))
    assert path.read_text() == text
    assert "not fixed: the file has a YAML syntax error at line" in run.stderr


def test_anchor_reused_by_an_alias_is_not_edited() -> None:
    from tests.test_fix_roundtrip import lint_text, rule_data

    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
        "  - &c\n    name: c\n    image: x:1\n  - *c\n"
    )
    findings = [f for f in lint_text(text, ["missing-seccomp-profile"])]
    result = apply(text, findings, rule_data(), FixOptions())
    assert result.text == text
    assert any("alias" in f.reason for f in result.failed)


def test_plan_gives_independent_edits_with_positions() -> None:
    from tests.test_fix_roundtrip import lint_text, rule_data

    findings = lint_text(DEPLOY, ["missing-seccomp-profile"])
    planned = plan(DEPLOY, findings, rule_data())
    assert len(planned.fixes) == 3
    for fix in planned.fixes:
        assert fix.safe
        assert len(fix.edits) == 1
        new = DEPLOY[: fix.edits[0].start] + fix.edits[0].new + DEPLOY[fix.edits[0].end :]
        assert load_text(new).documents[0].data is not None


def test_atomic_write_leaves_old_or_new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kubelint.fix import files

    path = write(tmp_path, "a.yaml", "old\n")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", boom)
    with pytest.raises(OSError):
        files.write_atomic(path, b"new\n")
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]  # no temp file left


def test_write_error_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kubelint.fix import command

    def refuse(path: Path, data: bytes) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(command, "write_atomic", refuse)
    path = write(tmp_path, "deploy.yaml", DEPLOY)
    run = run_cli("fix", *only("missing-seccomp-profile"), str(path))
    assert run.exit_code == 2
    assert (
        f"kubelint: {path}: cannot write the fixed file: [Errno 13] Permission denied" in run.stderr
    )
    assert path.read_text() == DEPLOY


def test_stdin_is_fixed_to_stdout() -> None:
    run = run_cli("fix", *only("missing-seccomp-profile"), "-", input=DEPLOY)
    assert run.stdout.count("seccompProfile:") == 3
    assert run.stdout.startswith("# a comment at the top\n")


def test_kustomize_base_gets_a_patch_for_the_overlay(tmp_path: Path) -> None:
    import shutil
    import subprocess

    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed (.ci/run installs it)")
    base, overlay = tmp_path / "base", tmp_path / "overlay"
    base.mkdir()
    overlay.mkdir()
    deploy = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
        "  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n"
        "      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n"
        "        image: nginx:1.27\n"
    )
    write(base, "deploy.yaml", deploy)
    write(base, "kustomization.yaml", "resources: [deploy.yaml]\n")
    kustomization = "resources: [../base]\nnamespace: prod\n"
    write(overlay, "kustomization.yaml", kustomization)
    rules = only("privilege-escalation-allowed")
    run = run_cli("fix", "--kustomize", str(overlay), *rules)
    assert (base / "deploy.yaml").read_text() == deploy  # a base is never rewritten
    assert (overlay / "kustomization.yaml").read_text() == kustomization
    assert "is a Kustomize source and was not changed" in run.stdout
    patch = run.stdout[run.stdout.index("  patches:\n") :]
    lines = [line[2:] for line in patch.splitlines() if line.startswith("  ")]
    write(overlay, "kustomization.yaml", kustomization + "\n".join(lines) + "\n")
    built = subprocess.run(
        [kubectl, "kustomize", str(overlay)], capture_output=True, text=True, check=True
    )
    assert "allowPrivilegeEscalation: false" in built.stdout
    after = run_cli("lint", "--kustomize", str(overlay), *rules)
    assert after.exit_code == 0, after.stdout


def test_helm_template_gets_the_lines_to_add(tmp_path: Path) -> None:
    from tests.conftest import FIXTURES

    chart = FIXTURES / "helm" / "mychart"
    rendered = (FIXTURES / "helm" / "mychart-rendered.yaml").read_text()
    before = {p: p.read_bytes() for p in chart.rglob("*") if p.is_file()}
    rules = only("privilege-escalation-allowed")
    run = run_cli("fix", "--diff", "--chart-dir", str(chart), *rules, "-", input=rendered)
    assert {p: p.read_bytes() for p in chart.rglob("*") if p.is_file()} == before
    assert (
        f"{chart.relative_to(Path.cwd()) if chart.is_relative_to(Path.cwd()) else chart}"
        "/templates/deployment.yaml:21:11: privilege-escalation-allowed [safe]" in run.stdout
    )
    assert "---" not in run.stdout  # nothing of the rendered output is printed or written
    assert "is a Helm template and was not changed; in the block at line 21:" in run.stdout
    assert "  +          securityContext:\n  +            allowPrivilegeEscalation: false\n" in (
        run.stdout
    )


def test_reports_carry_the_fixes(tmp_path: Path) -> None:
    import jsonschema

    from tests.conftest import ROOT

    path = write(tmp_path, "deploy.yaml", DEPLOY)
    rules = only("privilege-escalation-allowed", "writable-root-filesystem", "latest-tag")
    report = run_cli("lint", "--format", "json", *rules, str(path)).json()
    jsonschema.validate(report, json.loads((ROOT / "schemas" / "report.schema.json").read_text()))
    by_rule: dict[str, list[dict[str, object]]] = {}
    for f in report["findings"]:
        by_rule.setdefault(f["rule"], []).append(f)
    assert all(f["fix"] is None for f in by_rule.get("latest-tag", []))
    assert {f["fix"]["safe"] for f in by_rule["writable-root-filesystem"]} == {False}
    assert report["summary"]["fixable"] == {"safe": 3, "unsafe": 3}
    # each fix applied on its own to the original text gives the same as `kubelint fix` for it
    lines = DEPLOY.splitlines(keepends=True)
    for f in by_rule["privilege-escalation-allowed"]:
        (r,) = f["fix"]["replacements"]
        start = sum(len(x) for x in lines[: r["line"] - 1]) + r["column"] - 1
        end = sum(len(x) for x in lines[: r["endLine"] - 1]) + r["endColumn"] - 1
        fixed = DEPLOY[:start] + r["text"] + DEPLOY[end:]
        assert "allowPrivilegeEscalation: false" in fixed
        assert not load_text(fixed).problems
    sarif = run_cli("lint", "--format", "sarif", *rules, str(path)).json()
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)
    results = sarif["runs"][0]["results"]
    with_fix = [r for r in results if "fixes" in r]
    assert len(with_fix) == 6
    change = with_fix[0]["fixes"][0]["artifactChanges"][0]
    assert change["replacements"][0]["deletedRegion"]["startLine"] >= 1
    unsafe = [r for r in with_fix if r["ruleId"] == "writable-root-filesystem"]
    assert all(r["fixes"][0]["description"]["text"].startswith("Unsafe fix") for r in unsafe)
    text = run_cli("lint", *rules, str(path), env={"NO_COLOR": "1"}).stdout.splitlines()
    assert sum("privilege-escalation-allowed [*] " in line for line in text) == 3
    assert not any("writable-root-filesystem [*]" in line for line in text)
    assert text[-1].endswith(
        "; 3 fixable with `kubelint fix`, 3 more with `kubelint fix --unsafe-fixes`"
    )


def test_rules_and_explain_show_fixes() -> None:
    listing = run_cli("rules").stdout.splitlines()
    row = next(line for line in listing if line.startswith("missing-seccomp-profile "))
    assert " safe " in row
    assert any(
        line.startswith("writable-root-filesystem ") and " unsafe " in line for line in listing
    )
    assert listing[-1].endswith("rules can fix their findings (`kubelint fix`).")
    data = json.loads(run_cli("rules", "--format", "json").stdout)
    kinds = {r["id"]: r["fix"] for r in data}
    assert kinds["privilege-escalation-allowed"] == "safe/unsafe"
    assert kinds["latest-tag"] is None
    assert sum(1 for k in kinds.values() if k) >= 15
    explained = run_cli("explain", "missing-seccomp-profile").stdout
    assert "Automatic fix (safe, `kubelint fix`)" in explained


def test_fix_checks_compare_data_as_json_sees_it() -> None:
    # What a fixed document must load as is compared with types exact and mapping order aside
    # (as the JSON a cluster receives), NaN included; copies share nothing with the original.
    from kubelint.fix import core

    nan = float("nan")
    assert core._same({"a": [1, {"b": nan}], "c": None}, {"c": None, "a": [1, {"b": nan}]})
    for a, b in [(True, 1), (1, 1.0), (0.0, -0.0), ("1", 1), ([1], [1, 2]), ({"a": 1}, {"b": 1})]:
        assert not core._same(a, b)
        assert not core._same({"k": [a]}, {"k": [b]})
    data = {"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80}]}]}}
    copy = core._copy(data)
    assert core._same(copy, data)
    copy["spec"]["containers"][0]["ports"].append({"containerPort": 81})
    assert data["spec"]["containers"][0]["ports"] == [{"containerPort": 80}]


def test_documents_are_cut_where_their_lines_start() -> None:
    # Fixes re-parse only their document: each one's text starts at its own first line (a
    # `---` line; any other line is found from the line lengths).
    from kubelint.fix import core

    text = "a: 1\n---\r\nb: 2\n--- {d: 4}\n---\n# note\ne: |\n  ---x\n---\nf: 5\n"
    docs = load_text(text).documents
    assert [d.line for d in docs] == [1, 2, 4, 5, 9]
    lines = text.split("\n")

    def start(line: int) -> int:
        return sum(len(x) + 1 for x in lines[: line - 1])

    assert core._line_offsets(text, [d.line for d in docs[1:]]) == [start(d.line) for d in docs[1:]]
    assert core._line_offsets(text, [3, 7, 10, 99]) == [start(3), start(7), start(10), len(text)]
    chunks = core._Chunks(text, docs)
    assert chunks.texts[1] == "---\r\nb: 2\n"
    assert [chunks.doc_of_line(n) for n in (1, 2, 3, 4, 6, 9, 99)] == [0, 1, 1, 2, 3, 4, 4]
