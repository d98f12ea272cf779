"""Kustomize as it is deployed: `kubelint lint DIR` builds the kustomizations of DIR (real
`kubectl kustomize`), lints the files no kustomization names as files, links a Component's
values and resources to the builds that use them, and without a builder (or with
--no-kustomize) lints the files without reporting what Kustomize would fill in."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from kubelint.render import find_kustomize
from tests.conftest import FIXTURES, ROOT, Run, expectations, run_cli
from tests.test_reporters_sarif import assert_valid

COMPONENTS = "fixtures/kustomize-components"
PLAIN = "fixtures/kustomize-plain"
COMPONENT_RULES = ["latest-tag", "host-network", "pdb-blocks-eviction"]
PLAIN_RULES = ["latest-tag", "privileged-container", "schema-invalid", "missing-namespace"]
NO_BUILDER_NOTE = "1 kustomization found in the linted paths was linted as plain files"

needs_builder = pytest.mark.skipif(
    find_kustomize() is None, reason="neither kustomize nor kubectl is installed"
)


def _only(rules: list[str]) -> list[str]:
    return [arg for rule in rules for arg in ("--only", rule)]


def _found(run: Run) -> set[tuple[str, int, str]]:
    return {(f["file"], f["line"], f["rule"]) for f in run.json()["findings"]}


@pytest.fixture
def no_builder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH on which neither kustomize nor kubectl can be found."""
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert find_kustomize() is None


@needs_builder
def test_directory_is_built_by_default_and_component_values_point_at_the_component(
    in_root: Path,
) -> None:
    run = run_cli(
        "lint", COMPONENTS, "--format", "json", "--verbose", *_only(COMPONENT_RULES)
    )  # fmt: skip
    assert run.exit_code == 1, run.stderr
    # the Component's `images:` line and its patch file, the Component's PDB, and the one
    # file no kustomization names
    assert (
        _found(run)
        == expectations(FIXTURES / "kustomize-components", ROOT)
        == {
            (f"{COMPONENTS}/components/release/kustomization.yaml", 5, "latest-tag"),
            (f"{COMPONENTS}/components/release/hostnet.yaml", 8, "host-network"),
            (f"{COMPONENTS}/components/ha/pdb.yaml", 6, "pdb-blocks-eviction"),
            (f"{COMPONENTS}/standalone.yaml", 9, "latest-tag"),
        }
    )
    by_rule = {(f["rule"], f["file"]): f for f in run.json()["findings"]}
    latest = by_rule[("latest-tag", f"{COMPONENTS}/components/release/kustomization.yaml")]
    assert latest["column"] == 13
    assert latest["message"].endswith(
        f"(set by `images:` in {COMPONENTS}/components/release/kustomization.yaml)"
    )
    assert latest["build"] == f"{COMPONENTS}/overlays/prod"
    jsonschema.validate(run.json(), json.loads((ROOT / "schemas/report.schema.json").read_text()))
    assert "build" not in by_rule[("latest-tag", f"{COMPONENTS}/standalone.yaml")]
    # the Component's resource is linted once per build that uses it, never on its own
    pdb = [f for f in run.json()["findings"] if f["rule"] == "pdb-blocks-eviction"]
    assert sorted((f["build"], f["object"]["name"]) for f in pdb) == [
        (f"{COMPONENTS}/overlays/prod", "prod-web"),
        (f"{COMPONENTS}/overlays/staging", "staging-web"),
    ]
    for path in ("components/ha/pdb.yaml", "base/deployment.yaml"):
        assert f"skipped {COMPONENTS}/{path}: linted through its kustomize build" in run.stderr
    assert "skipped fixtures/kustomize-components/standalone.yaml" not in run.stderr


@needs_builder
def test_text_output_names_the_build_where_builds_share_a_line(in_root: Path) -> None:
    run = run_cli("lint", COMPONENTS, "--only", "pdb-blocks-eviction", "--color", "never")
    lines = [line for line in run.stdout.splitlines() if "pdb-blocks-eviction" in line]
    assert len(lines) == 2
    assert lines[0].startswith(f"{COMPONENTS}/components/ha/pdb.yaml:6:19: warning ")
    assert lines[0].endswith(f" [{COMPONENTS}/overlays/prod]")
    assert lines[1].endswith(f" [{COMPONENTS}/overlays/staging]")
    # a line only one build reports carries no tag
    single = run_cli("lint", COMPONENTS, "--only", "latest-tag", "--color", "never").stdout
    assert single.splitlines()[0].endswith(
        f"(set by `images:` in {COMPONENTS}/components/release/kustomization.yaml)"
    )


@needs_builder
def test_build_tag_is_in_the_sarif_result(in_root: Path) -> None:
    run = run_cli("lint", COMPONENTS, "--only", "pdb-blocks-eviction", "--format", "sarif")
    log = json.loads(run.stdout)
    assert_valid(log)  # against the SARIF 2.1.0 schema
    results = log["runs"][0]["results"]
    assert sorted(r["message"]["text"].rsplit(" ", 1)[-1] for r in results) == [
        f"[{COMPONENTS}/overlays/prod]",
        f"[{COMPONENTS}/overlays/staging]",
    ]
    assert sorted(r["properties"]["build"] for r in results) == [
        f"{COMPONENTS}/overlays/prod",
        f"{COMPONENTS}/overlays/staging",
    ]


def test_no_kustomize_lints_every_file_as_a_file(in_root: Path) -> None:
    run = run_cli(
        "lint", COMPONENTS, "--no-kustomize", "--format", "json", *_only(COMPONENT_RULES)
    )  # fmt: skip
    # nothing is built: the Component's values are not applied, its PDB is linted once
    assert _found(run) == {
        (f"{COMPONENTS}/components/ha/pdb.yaml", 6, "pdb-blocks-eviction"),
        (f"{COMPONENTS}/standalone.yaml", 9, "latest-tag"),
    }
    assert not any("build" in f for f in run.json()["findings"])
    assert NO_BUILDER_NOTE not in run.stderr


@pytest.mark.parametrize("mode", ["no-builder", "--no-kustomize", "build"])
def test_values_kustomize_fills_in_are_not_reported_on_plain_files(
    mode: str, in_root: Path, request: pytest.FixtureRequest
) -> None:
    """The same findings whether the tree is built or its files are linted as files: the
    selector and labels (commonLabels), the namespace and the rewritten image are what the
    kustomization sets; the standalone copy without a kustomization gets them all."""
    args = ["lint", PLAIN, "--format", "json", *_only(PLAIN_RULES)]
    if mode == "no-builder":
        request.getfixturevalue("no_builder")
    elif mode == "--no-kustomize":
        args.append("--no-kustomize")
    elif find_kustomize() is None:
        pytest.skip("neither kustomize nor kubectl is installed")
    run = run_cli(*args)
    assert run.exit_code == 1, run.stderr
    assert (
        _found(run)
        == expectations(FIXTURES / "kustomize-plain", ROOT)
        == {
            (f"{PLAIN}/app/deployment.yaml", 13, "privileged-container"),
            (f"{PLAIN}/app/deployment.yaml", 15, "latest-tag"),
            (f"{PLAIN}/standalone/deployment.yaml", 4, "missing-namespace"),
            (f"{PLAIN}/standalone/deployment.yaml", 6, "schema-invalid"),
            (f"{PLAIN}/standalone/deployment.yaml", 11, "latest-tag"),
        }
    )
    assert (run.stderr.count(NO_BUILDER_NOTE) == 1) is (mode == "no-builder")
    built = {f.get("build") for f in run.json()["findings"]}
    assert built == ({None, f"{PLAIN}/app"} if mode == "build" else {None})


def test_no_builder_note_says_how_to_build(in_root: Path, no_builder: None) -> None:
    run = run_cli("lint", PLAIN, "--only", "schema-invalid")
    assert run.exit_code == 1  # the standalone copy's missing selector
    assert run.stderr.count("kubelint: ") == 1
    assert (
        "kubelint: 1 kustomization found in the linted paths was linted as plain files, without "
        "the values Kustomize fills in (labels, selectors, names, namespaces, images): neither "
        "kustomize nor kubectl is installed (not found on PATH). Install one to lint what "
        "`kubectl kustomize DIR` builds (--no-kustomize lints the files as files without this "
        "note)"
    ) in run.stderr


def test_kustomize_auto_without_a_builder_is_an_error(in_root: Path, no_builder: None) -> None:
    run = run_cli("lint", PLAIN, "--kustomize-auto", "--only", "latest-tag")
    assert run.exit_code == 2
    assert "neither kustomize nor kubectl is installed" in run.stderr
    assert "fixtures/kustomize-plain/app/deployment.yaml:15:18" in run.stdout  # still linted


def test_component_not_used_by_any_kustomization_is_linted_as_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    comp = tmp_path / "components" / "ha"
    comp.mkdir(parents=True)
    (comp / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
        "commonLabels: {app: web}\nresources: [pdb.yaml]\n"
    )
    (comp / "pdb.yaml").write_text(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\n"
        "spec:\n  maxUnavailable: 0\n"
    )
    monkeypatch.chdir(tmp_path)
    run = run_cli("lint", ".", "--only", "pdb-blocks-eviction", "--only", "schema-invalid")
    # a Component is never built on its own; its PDB is judged as written, without the
    # selector its commonLabels would add
    assert run.stdout.splitlines()[0].startswith("components/ha/pdb.yaml:5:19: warning ")
    assert "schema-invalid" not in run.stdout


def test_files_named_alone_are_not_built_but_know_their_kustomization(in_root: Path) -> None:
    """What the kubelint-files pre-commit hook does: the staged files are linted as files, and
    the kustomization above a file that names it still says what a build would fill in."""
    files = [f"{PLAIN}/app/deployment.yaml", f"{PLAIN}/standalone/deployment.yaml"]
    run = run_cli("lint", "--format", "json", *_only(PLAIN_RULES), "--", *files)
    assert _found(run) == expectations(FIXTURES / "kustomize-plain", ROOT)
    assert not any("build" in f for f in run.json()["findings"])
    assert NO_BUILDER_NOTE not in run.stderr
