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


@needs_builder
def test_file_beside_a_built_kustomization_is_not_judged_against_other_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dev-tilt/ui-service.yaml in argo-cd: a Service next to a kustomization that does not
    list it, selecting the pods of a Deployment the kustomization builds. The Deployment is
    linted through the build only, so the Service must not be "selects nothing" because some
    other application's workloads are in the plain files."""
    deploy = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ui}\nspec:\n"
        "  selector: {matchLabels: {app: ui}}\n"
        "  template:\n    metadata: {labels: {app: ui}}\n"
        "    spec: {containers: [{name: ui, image: 'ui:1.0'}]}\n"
    )
    app = tmp_path / "dev"
    app.mkdir()
    (app / "kustomization.yaml").write_text("namespace: dev\nresources: [ui-deployment.yaml]\n")
    (app / "ui-deployment.yaml").write_text(deploy)
    (app / "ui-service.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: ui}\nspec:\n  selector: {app: ui}\n"
        "  ports: [{port: 80}]\n"
    )
    other = tmp_path / "other"
    other.mkdir()
    (other / "web.yaml").write_text(
        deploy.replace("ui", "web").replace("metadata: {name: web}", "metadata: {name: web, "
        "namespace: default}")
    )  # fmt: skip
    monkeypatch.chdir(tmp_path)
    run = run_cli("lint", ".", "--only", "service-selects-nothing", "--format", "json")
    assert run.json()["findings"] == []
    # without the kustomization the Service is judged with the other files, as before
    (app / "kustomization.yaml").unlink()
    (app / "ui-deployment.yaml").unlink()
    run = run_cli("lint", ".", "--only", "service-selects-nothing", "--format", "json")
    assert [(f["file"], f["line"]) for f in run.json()["findings"]] == [("dev/ui-service.yaml", 5)]


@needs_builder
def test_field_removed_or_item_added_by_a_patch_points_at_the_patch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """argo-cd dev-tilt removes containers' securityContext with a JSON 6902 `remove`; redis-ha
    adds an init container with a patch: the findings on what they leave out point at the
    patch, not at the base's (fine) securityContext or the list the item was added to."""
    base = tmp_path / "base"
    base.mkdir()
    (base / "kustomization.yaml").write_text("resources: [deploy.yaml]\n")
    (base / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
        "  selector: {matchLabels: {app: web}}\n"
        "  template:\n"
        "    metadata: {labels: {app: web}}\n"
        "    spec:\n"
        "      containers:\n"
        "        - name: web\n"
        "          image: web:1.0\n"
        "          resources: {limits: {memory: 1Gi}}\n"
        "          securityContext:\n"
        "            readOnlyRootFilesystem: true\n"
    )
    dev = tmp_path / "dev"
    dev.mkdir()
    (dev / "kustomization.yaml").write_text(
        "resources: [../base]\n"
        "patches:\n"
        "  - target: {kind: Deployment, name: web}\n"
        "    patch: |-\n"
        "      - op: remove\n"
        "        path: /spec/template/spec/containers/0/securityContext\n"
        "  - path: sidecar.yaml\n"
    )
    (dev / "sidecar.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
        "  template:\n"
        "    spec:\n"
        "      initContainers:\n"
        "        - name: debug\n"
        "          image: debug:1.0\n"
    )
    monkeypatch.chdir(tmp_path)
    run = run_cli(
        "lint", "--kustomize", "dev", "--format", "json",
        "--only", "writable-root-filesystem", "--only", "missing-memory-limit",
    )  # fmt: skip
    got = {(f["rule"], f["container"], f["file"], f["line"]) for f in run.json()["findings"]}
    assert got == {
        # the `path:` of the remove operation (line 6 of dev/kustomization.yaml)
        ("writable-root-filesystem", "web", "dev/kustomization.yaml", 6),
        # the init container the strategic-merge patch adds
        ("writable-root-filesystem", "debug", "dev/sidecar.yaml", 8),
        ("missing-memory-limit", "debug", "dev/sidecar.yaml", 8),
    }
