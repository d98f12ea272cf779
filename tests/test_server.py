"""`kubelint server` end to end: pytest-lsp drives the real server as a subprocess."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from lsprotocol import types

from tests.conftest import FIXTURES, RULES, run_cli
from tests.helpers import BUGGY, BUGGY_RULE, write_plugin
from tests.helpers import DEPLOYMENT as PLAIN_DEPLOYMENT
from tests.lsp_helpers import action_edits, apply_edits, session, uri

pytestmark = pytest.mark.asyncio

# the image quoted: its range includes the quotes
DEPLOYMENT = PLAIN_DEPLOYMENT.replace("image: nginx:latest", 'image: "nginx:latest"')


def by_rule(diags: list[types.Diagnostic], rule: str) -> list[types.Diagnostic]:
    return [d for d in diags if d.code == rule]


def span(d: types.Diagnostic) -> tuple[int, int, int, int]:
    r = d.range
    return (r.start.line, r.start.character, r.end.line, r.end.character)


async def test_open_change_save_publish_exact_ranges(tmp_path: Path) -> None:
    web = tmp_path / "web.yaml"
    web.write_text(DEPLOYMENT)
    async with session([tmp_path]) as s:
        diags = await s.open(web)
        [latest] = by_rule(diags, "latest-tag")
        # the value `"nginx:latest"` on line 15, quotes included
        assert span(latest) == (14, 17, 14, 31)
        assert latest.severity == types.DiagnosticSeverity.Warning
        assert latest.source == "kubelint"
        assert latest.code_description is not None
        assert latest.code_description.href.endswith("/docs/rules.md#latest-tag")
        assert 'image "nginx:latest"' in latest.message
        # a container-level finding points at the item's first key (`name`)
        [probe] = by_rule(diags, "missing-liveness-probe")
        assert span(probe) == (13, 10, 13, 14)

        # unsaved editor text is linted, not the file on disk
        fixed = DEPLOYMENT.replace("nginx:latest", "nginx:1.27.2")
        diags = await s.change(web, fixed)
        assert not by_rule(diags, "latest-tag")
        assert by_rule(diags, "missing-liveness-probe")
        assert web.read_text() == DEPLOYMENT

        web.write_text(fixed)
        diags = await s.save(web)
        assert not by_rule(diags, "latest-tag")


async def test_syntax_error_is_a_diagnostic_and_the_rest_is_linted(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n---\n" + DEPLOYMENT)
    async with session([tmp_path]) as s:
        diags = await s.open(bad)
        [syntax] = by_rule(diags, "yaml-syntax-error")
        assert syntax.severity == types.DiagnosticSeverity.Error
        [latest] = by_rule(diags, "latest-tag")
        assert latest.range.start.line == 18
        # a document the loader gives up on does not stop the server
        diags = await s.change(bad, "a: [" * 20000)
        assert by_rule(diags, "input-limit") or by_rule(diags, "yaml-syntax-error")
        diags = await s.change(bad, DEPLOYMENT)
        assert by_rule(diags, "latest-tag")


async def test_hover_explains_the_rule(tmp_path: Path) -> None:
    web = tmp_path / "web.yaml"
    web.write_text(DEPLOYMENT)
    async with session([tmp_path]) as s:
        diags = await s.open(web)
        [latest] = by_rule(diags, "latest-tag")
        hover = await s.hover(web, types.Position(line=14, character=22))
        assert hover is not None
        assert isinstance(hover.contents, types.MarkupContent)
        text = hover.contents.value
        assert "**latest-tag**" in text and "**Why**" in text and "**How to fix**" in text
        assert hover.range == latest.range
        assert await s.hover(web, types.Position(line=0, character=0)) is None


@pytest.mark.parametrize("kind", ["comment", "annotation"])
async def test_suppress_action_applied_removes_the_diagnostic(tmp_path: Path, kind: str) -> None:
    web = tmp_path / "web.yaml"
    web.write_text(DEPLOYMENT)
    async with session([tmp_path]) as s:
        diags = await s.open(web)
        [latest] = by_rule(diags, "latest-tag")
        actions = await s.code_actions(web, latest)
        wanted = "(# kubelint: disable)" if kind == "comment" else "(annotation)"
        [action] = [
            a for a in actions if a.title.startswith("Suppress latest-tag") and wanted in a.title
        ]
        assert action.kind == types.CodeActionKind.QuickFix
        text = apply_edits(DEPLOYMENT, action_edits(action))
        if kind == "comment":
            assert "          # kubelint: disable=latest-tag\n          image:" in text
        else:
            assert '  annotations:\n    kubelint.io/ignore-latest-tag: "' in text
        diags = await s.change(web, text)
        assert not by_rule(diags, "latest-tag")
        assert by_rule(diags, "missing-liveness-probe")  # only that finding went away
        # the CLI agrees the edited file is suppressed
        web.write_text(text)
        out = run_cli("lint", str(web), "--format", "json", "--fail-on", "never")
        assert "latest-tag" not in {f["rule"] for f in out.json()["findings"]}


async def test_config_is_honoured_and_reloaded(tmp_path: Path) -> None:
    web = tmp_path / "web.yaml"
    web.write_text(DEPLOYMENT)
    config = tmp_path / ".kubelint.yaml"
    config.write_text("rules:\n  latest-tag: {severity: error}\n")
    async with session([tmp_path]) as s:
        diags = await s.open(web)
        [latest] = by_rule(diags, "latest-tag")
        assert latest.severity == types.DiagnosticSeverity.Error

        config.write_text("rules:\n  latest-tag: {enabled: false}\n")
        diags = await s.diagnostics_after(
            uri(web),
            lambda: s.client.workspace_did_change_watched_files(
                types.DidChangeWatchedFilesParams(
                    changes=[types.FileEvent(uri=uri(config), type=types.FileChangeType.Changed)]
                )
            ),
        )
        assert not by_rule(diags, "latest-tag")

        # a broken configuration is a diagnostic on the file; the server goes on
        config.write_text("rules:\n  latest-tags: {enabled: false}\n")
        config_diags = await s.diagnostics_after(
            uri(config),
            lambda: s.client.workspace_did_change_watched_files(
                types.DidChangeWatchedFilesParams(
                    changes=[types.FileEvent(uri=uri(config), type=types.FileChangeType.Changed)]
                )
            ),
        )
        [problem] = config_diags
        assert 'unknown rule "latest-tags"' in problem.message
        assert problem.range.start.line == 1
        diags = await s.change(web, DEPLOYMENT + "\n")
        assert by_rule(diags, "missing-liveness-probe")


async def test_suppressions_and_baseline(tmp_path: Path) -> None:
    web = tmp_path / "web.yaml"
    text = DEPLOYMENT.replace(
        '          image: "nginx:latest"',
        '          image: "nginx:latest"  # kubelint: disable=latest-tag -- pinned in CI',
    )
    web.write_text(text)
    other = tmp_path / "other" / "db.yaml"
    other.parent.mkdir()
    other.write_text(DEPLOYMENT.replace("web", "db"))
    baseline = tmp_path / "baseline.json"
    created = run_cli("baseline", "create", str(baseline), str(other))
    assert created.exit_code == 0, created.stderr
    async with session([tmp_path], "--baseline", "baseline.json") as s:
        diags = await s.open(web)
        assert not by_rule(diags, "latest-tag")
        assert by_rule(diags, "missing-liveness-probe")
        assert await s.open(other) == []
        diags = await s.change(other, DEPLOYMENT.replace("web", "db") + "---\n" + DEPLOYMENT)
        assert [d.range.start.line for d in by_rule(diags, "latest-tag")] == [30]


PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: shop
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: web
"""


async def test_cross_object_finding_follows_the_open_documents(tmp_path: Path) -> None:
    pdb = tmp_path / "app" / "pdb.yaml"
    pdb.parent.mkdir()
    pdb.write_text(PDB)
    deploy = tmp_path / "app" / "deploy.yaml"  # a new document, never saved
    async with session([tmp_path]) as s:
        diags = await s.open(pdb)
        assert not by_rule(diags, "pdb-selects-nothing")  # no workload in the set yet

        other = DEPLOYMENT.replace("{app: web}", "{app: api}")
        s.client.diagnostics.pop(uri(pdb), None)
        await s.open(deploy, other)
        [finding] = by_rule(await s.wait(uri(pdb)), "pdb-selects-nothing")
        assert finding.range.start.line == 7  # the selector key

        s.client.diagnostics.pop(uri(pdb), None)
        await s.change(deploy, DEPLOYMENT)
        assert not by_rule(await s.wait(uri(pdb)), "pdb-selects-nothing")


async def test_json_document_ranges(tmp_path: Path) -> None:
    doc = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "shop"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }
    pod = tmp_path / "pod.json"
    text = json.dumps(doc, indent=2) + "\n"
    pod.write_text(text)
    async with session([tmp_path]) as s:
        diags = await s.open(pod)
        [latest] = by_rule(diags, "latest-tag")
        line = text.splitlines()[latest.range.start.line]
        assert line[latest.range.start.character : latest.range.end.character] == '"nginx"'
        actions = await s.code_actions(pod, latest)
        assert not [a for a in actions if a.title.startswith("Suppress")]


# -- every fixture: the server's positions are `kubelint lint`'s ---------------------------------


def _all_rules_config(tmp_path: Path) -> Path:
    ids = sorted(p.stem for p in RULES.glob("*.yaml"))
    config = tmp_path / "all-rules.yaml"
    config.write_text("rules:\n" + "".join(f"  {i}: {{enabled: true}}\n" for i in ids))
    return config


def _utf8(path: Path) -> bool:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not data.startswith(b"\xef\xbb\xbf")


def _fixture_files() -> list[Path]:
    """Every manifest fixture an editor shows as it is on disk (editors transcode other
    encodings and drop byte-order marks before a server sees the text)."""
    return sorted(
        p
        for p in FIXTURES.rglob("*")
        if p.suffix in (".yaml", ".yml", ".json") and p.is_file() and _utf8(p)
    )


@pytest.mark.slow
async def test_fixture_positions_equal_the_cli(tmp_path: Path) -> None:
    # Once in a full CI run the server published no diagnostics for one opened fixture and the
    # client waited out its timeout (not reproduced alone: an open server bug, see CHANGELOG).
    # One retry in a fresh session keeps the position comparison itself strict.
    try:
        await _check_fixture_positions(tmp_path / "first")
    except (TimeoutError, asyncio.TimeoutError):
        await _check_fixture_positions(tmp_path / "retry")


async def _check_fixture_positions(tmp_path: Path) -> None:
    tmp_path.mkdir()
    from kubelint.server.project import deployment_unit

    config = _all_rules_config(tmp_path)
    files = _fixture_files()
    units: dict[Path, list[Path]] = {}
    for f in files:
        units.setdefault(deployment_unit(f.resolve(), FIXTURES.resolve()), []).append(f)
    checked = 0
    async with session([FIXTURES], "--config", str(config)) as s:
        for unit, members in sorted(units.items()):
            out = run_cli(
                "lint",
                str(unit),
                "--no-kustomize",
                "--config",
                str(config),
                "--format",
                "json",
                "--fail-on",
                "never",
            )
            expected: dict[Path, set[tuple[int, int, str]]] = {}
            for f in out.json()["findings"]:
                path = Path(f["file"]).resolve()
                expected.setdefault(path, set()).add((f["line"], f["column"], f["rule"]))
            for member in members:
                diags = await s.open(member)
                got = {
                    (d.range.start.line + 1, d.range.start.character + 1, str(d.code))
                    for d in diags
                }
                want = expected.get(member.resolve(), set())
                assert got == want, f"{member}: missing {want - got}, unexpected {got - want}"
                for d in diags:
                    assert (d.range.end.line, d.range.end.character) > (
                        d.range.start.line,
                        d.range.start.character,
                    ), f"{member}: empty range for {d.code}"
                s.close(member)
                checked += 1
    assert checked == len(files)


async def test_duplicates_point_at_their_first_occurrence(tmp_path: Path) -> None:
    doc = tmp_path / "dup.yaml"
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: shop\n"
        'data:\n  a: "1"\n  b: "2"\n  a: "3"\n---\n'
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: shop\n"
    )
    doc.write_text(text)
    async with session([tmp_path]) as s:
        diags = await s.open(doc)
        [key] = by_rule(diags, "duplicate-key")
        assert span(key) == (8, 2, 8, 3)
        [first] = key.related_information or []
        assert first.location.uri == uri(doc)
        assert (first.location.range.start.line, first.location.range.start.character) == (6, 2)
        objects = by_rule(diags, "duplicate-object")
        assert sorted(d.range.start.line for d in objects) == [1, 11]
        for d in objects:
            [other] = d.related_information or []
            assert other.location.range.start.line == (11 if d.range.start.line == 1 else 1)


async def test_plugins_load_and_a_rule_that_raises_is_logged(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_plugin(site, "kubelint_buggy", BUGGY, {"buggy-rule.yaml": BUGGY_RULE})
    doc = tmp_path / "app" / "pods.yaml"
    doc.parent.mkdir()
    doc.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: boom}\n---\n" + DEPLOYMENT)
    env = {"PYTHONPATH": str(site), "KUBELINT_DISABLE_PLUGIN_AUTOLOAD": ""}
    async with session([tmp_path], env=env) as s:
        diags = await s.open(doc)
        assert by_rule(diags, "latest-tag")  # the rest of the document is linted
        errors = [m.message for m in s.client.log_messages if m.type == types.MessageType.Error]
        assert any("rule buggy-rule raised KeyError: 'image'" in m for m in errors), errors
        diags = await s.change(doc, DEPLOYMENT)  # the server goes on
        assert by_rule(diags, "latest-tag")


async def test_a_burst_of_changes_ends_with_the_last_text(tmp_path: Path) -> None:
    web = tmp_path / "web.yaml"
    web.write_text(DEPLOYMENT)
    async with session([tmp_path]) as s:
        await s.open(web)
        doc = uri(web)
        s.client.diagnostics.pop(doc, None)
        for i in range(2, 12):  # typing: each change follows the previous one at once
            text = DEPLOYMENT.replace("nginx:latest", f"nginx:1.{i}" if i < 11 else "nginx")
            s.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=doc, version=i),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
                )
            )
        # diagnostics keep coming until the last text is linted: no tag, so latest-tag again
        for _ in range(20):
            diags = await s.wait(doc)
            if by_rule(diags, "latest-tag"):
                break
            s.client.diagnostics.pop(doc, None)
        [latest] = by_rule(diags, "latest-tag")
        assert 'image "nginx"' in latest.message
