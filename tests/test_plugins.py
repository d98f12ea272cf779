"""Custom rules (--rules-dir / customRules) and third-party plugins found through entry points."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.helpers import BUGGY, BUGGY_RULE, install_dist, write_plugin

EXAMPLE = ROOT / "examples" / "kubelint-plugin-example"

PROD_RULE = """\
id: prod-team-and-replicas
summary: Production Deployments need a team label and 3 replicas.
category: custom
severity: error
default: true
target: object
kinds: [Deployment]
why: Every production workload has an owner and survives a node loss.
remediation: Add metadata.labels.team and set spec.replicas to 3 or more.
message: 'Deployment "{name}" in prod: {field} {value} breaks the production policy'
schema:
  if:
    properties: {metadata: {properties: {namespace: {const: prod}}, required: [namespace]}}
  then:
    properties:
      metadata: {required: [labels], properties: {labels: {required: [team]}}}
      spec: {required: [replicas], properties: {replicas: {minimum: 3}}}
"""

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: {ns}
  labels: {{app: api}}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: api}}
  template:
    metadata:
      labels: {{app: api}}
    spec:
      containers: [{{name: api, image: "api:1.0"}}]
"""


def test_custom_schema_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rules = tmp_path / "policies"
    rules.mkdir()
    (rules / "prod-team-and-replicas.yaml").write_text(PROD_RULE)
    (tmp_path / "prod.yaml").write_text(DEPLOY.format(ns="prod"))
    (tmp_path / "dev.yaml").write_text(DEPLOY.format(ns="dev"))
    run = run_cli(
        "lint",
        "prod.yaml",
        "dev.yaml",
        "--rules-dir",
        "policies",
        "--only",
        "prod-team-and-replicas",
        "--format",
        "json",
    )
    assert run.exit_code == 1, run.stderr
    found = sorted((f["file"], f["line"], f["path"]) for f in run.json()["findings"])
    assert found == [
        ("prod.yaml", 6, "/metadata/labels/team"),
        ("prod.yaml", 8, "/spec/replicas"),
    ]
    listed = run_cli("rules", "--rules-dir", "policies")
    assert "prod-team-and-replicas" in listed.stdout
    # The same directory through the config file.
    (tmp_path / ".kubelint.yaml").write_text("customRules: [policies]\n")
    run = run_cli("lint", "prod.yaml", "--only", "prod-team-and-replicas", "--format", "json")
    assert len(run.json()["findings"]) == 2


def test_invalid_custom_rule_is_a_clear_error(tmp_path: Path) -> None:
    rules = tmp_path / "policies"
    rules.mkdir()
    (rules / "bad-rule.yaml").write_text("id: bad-rule\nsummary: x\nseverity: fatal\n")
    run = run_cli("rules", "--rules-dir", str(rules))
    assert run.exit_code == 2
    assert "bad-rule.yaml" in run.stderr and "invalid rule" in run.stderr


def test_custom_rule_with_builtin_check_and_params(tmp_path: Path) -> None:
    rules = tmp_path / "policies"
    rules.mkdir()
    check = _builtin_check_line("missing-required-label")
    (rules / "team-label.yaml").write_text(
        "id: team-label\nsummary: Objects need a team label.\ncategory: custom\n"
        "severity: error\ndefault: true\ntarget: object\n"
        f"{check}\n"
        "why: Ownership.\nremediation: Add a team label.\n"
        "params:\n  type: object\n  properties:\n"
        "    labels: {type: array, default: [{key: team}]}\n"
    )
    manifest = tmp_path / "d.yaml"
    manifest.write_text(DEPLOY.format(ns="dev"))
    run = run_cli(
        "lint", str(manifest), "--rules-dir", str(rules), "--only", "team-label", "--format", "json"
    )
    findings = run.json()["findings"]
    assert findings and all(
        f["rule"] == "team-label" and f["severity"] == "error" for f in findings
    )


def _builtin_check_line(rule_id: str) -> str:
    """``check: <name>`` of a built-in rule (written out, or defaulted from its ID)."""
    from kubelint.catalog import load_rules
    from kubelint.plugins import load_plugins

    spec = load_rules(load_plugins(autoload=False).rule_dirs())[rule_id]
    return f"check: {spec.check}"


def test_entry_point_plugin_is_discovered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install_dist(
        site, "kubelint-plugin-example", "example = kubelint_example", EXAMPLE / "kubelint_example"
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv("KUBELINT_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    run = run_cli("plugins")
    assert "kubelint-plugin-example[example]" in run.stdout, run.stderr
    manifest = tmp_path / "d.yaml"
    manifest.write_text(DEPLOY.format(ns="dev"))
    run = run_cli("lint", str(manifest), "--only", "example-owner-annotation", "--format", "json")
    assert [f["rule"] for f in run.json()["findings"]] == ["example-owner-annotation"]
    # --no-plugins and the environment variable turn autoloading off.
    assert (
        run_cli(
            "lint", str(manifest), "--only", "example-owner-annotation", "--no-plugins"
        ).exit_code
        == 2
    )
    off = run_cli("plugins", env={"KUBELINT_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert "kubelint-plugin-example" not in off.stdout


def test_broken_plugin_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install_dist(site, "kubelint-broken", "broken = kubelint_no_such_module", None)
    monkeypatch.syspath_prepend(str(site))
    run = run_cli("rules")
    assert run.exit_code == 2
    assert "kubelint-broken[broken]" in run.stderr


def test_duplicate_rule_id_names_both_owners(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    builtin = (ROOT / "rules" / "latest-tag.yaml").read_text(encoding="utf-8")
    write_plugin(site, "kubelint_dup", "", {"latest-tag.yaml": builtin})
    monkeypatch.syspath_prepend(str(site))
    run = run_cli("rules")
    assert run.exit_code == 2
    assert 'duplicate rule id "latest-tag"' in run.stderr.replace("'", '"')
    assert "kubelint.builtin" in run.stderr and "kubelint-dup[dup]" in run.stderr
    sys.modules.pop("kubelint_dup", None)


def test_plugin_locates_pod_template_of_unknown_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    pkg = tmp_path / "src" / "kubelint_batchpod"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        "from kubelint.hookspecs import hookimpl\n\n"
        "@hookimpl\ndef kubelint_pod_spec(obj):\n"
        "    if obj.kind == 'BatchRunner':\n"
        "        return ('/spec/runner/podSpec', '/spec/runner/podMetadata')\n"
        "    return None\n"
    )
    install_dist(site, "kubelint-batchpod", "batchpod = kubelint_batchpod", pkg)
    monkeypatch.syspath_prepend(str(site))
    manifest = tmp_path / "runner.yaml"
    manifest.write_text(
        "apiVersion: example.com/v1\nkind: BatchRunner\nmetadata: {name: r}\nspec:\n"
        "  runner:\n    podSpec:\n      containers:\n        - name: main\n"
        "          image: nginx\n"
    )
    run = run_cli("lint", str(manifest), "--only", "latest-tag", "--format", "json")
    assert [(f["line"], f["path"]) for f in run.json()["findings"]] == [
        (9, "/spec/runner/podSpec/containers/0/image")
    ]
    sys.modules.pop("kubelint_batchpod", None)


def test_a_rule_that_raises_is_reported_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    write_plugin(site, "kubelint_buggy", BUGGY, {"buggy-rule.yaml": BUGGY_RULE})
    monkeypatch.syspath_prepend(str(site))
    manifest = tmp_path / "pods.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: boom}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n"
        "spec:\n  containers: [{name: web, image: nginx}]\n"
    )
    run = run_cli(
        "lint", str(manifest), "--only", "buggy-rule", "--only", "latest-tag", "--format", "json"
    )
    assert run.exit_code == 2
    assert "rule buggy-rule raised KeyError: 'image' on ConfigMap default/boom" in run.stderr
    assert [f["rule"] for f in run.json()["findings"]] == ["latest-tag"]
    sys.modules.pop("kubelint_buggy", None)


def test_custom_rule_whose_target_does_not_match_its_check_is_a_load_error(
    tmp_path: Path,
) -> None:
    # latest-tag's check takes a Container; a rule that runs it on objects would find nothing.
    rules = tmp_path / "policies"
    rules.mkdir()
    check = _builtin_check_line("latest-tag")
    (rules / "object-tag.yaml").write_text(
        "id: object-tag\nsummary: Tags.\ncategory: custom\nseverity: error\ndefault: true\n"
        f"target: object\n{check}\nwhy: Testing.\nremediation: None.\n"
    )
    manifest = tmp_path / "d.yaml"
    manifest.write_text(DEPLOY.format(ns="dev"))
    run = run_cli("lint", str(manifest), "--rules-dir", str(rules), "--only", "object-tag")
    assert run.exit_code == 2
    assert 'rule "object-tag"' in run.stderr and "object-tag.yaml" in run.stderr
    assert "has target: object" in run.stderr and "takes a Container" in run.stderr


def test_plugin_check_declares_its_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    code = (
        "from kubelint.api import check, hookimpl\n\n"
        "@check('whole_set', target='set')\n"
        "def whole_set(lint_set, ctx):\n    return []\n\n"
        "@hookimpl\ndef kubelint_checks():\n    return {'whole_set': whole_set}\n"
    )
    rule = (
        "id: per-pod\nsummary: Pods.\ncategory: custom\nseverity: error\n"
        "default: true\ntarget: pod-spec\ncheck: whole_set\nwhy: Testing.\nremediation: None.\n"
    )
    write_plugin(site, "kubelint_settarget", code, {"per-pod.yaml": rule})
    monkeypatch.syspath_prepend(str(site))
    manifest = tmp_path / "d.yaml"
    manifest.write_text(DEPLOY.format(ns="dev"))
    run = run_cli("lint", str(manifest), "--only", "per-pod")
    assert run.exit_code == 2
    assert 'rule "per-pod"' in run.stderr
    assert "has target: pod-spec" in run.stderr and "takes a LintSet (target: set)" in run.stderr
    sys.modules.pop("kubelint_settarget", None)


def test_check_defaults_to_the_snake_cased_rule_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    code = (
        "from kubelint.api import Violation, check, hookimpl\n\n"
        "@check('no_configmaps')\n"
        "def no_configmaps(obj: 'K8sObject', ctx):\n"
        "    if obj.kind == 'ConfigMap':\n"
        "        yield Violation('/kind', 'no ConfigMaps here')\n\n"
        "@hookimpl\ndef kubelint_checks():\n    return {'no_configmaps': no_configmaps}\n"
    )
    rule = (
        "id: no-configmaps\nsummary: No ConfigMaps.\ncategory: custom\nseverity: error\n"
        "default: true\ntarget: object\nwhy: Testing.\nremediation: None.\n"
    )
    write_plugin(site, "kubelint_defaultcheck", code, {"no-configmaps.yaml": rule})
    monkeypatch.syspath_prepend(str(site))
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n")
    run = run_cli("lint", str(manifest), "--only", "no-configmaps", "--format", "json")
    assert run.exit_code == 1, run.stderr
    assert [(f["rule"], f["line"]) for f in run.json()["findings"]] == [("no-configmaps", 2)]
    sys.modules.pop("kubelint_defaultcheck", None)


def test_the_builtin_plugin_alone_is_the_same_called_directly_or_through_pluggy() -> None:
    """With no third-party plugin, kubelint calls the built-in hooks without pluggy; the
    checks, rule directories, report formats and pod locator are what pluggy gives."""
    from kubelint.plugins import load_plugins

    direct = load_plugins(autoload=False)
    managed = load_plugins(autoload=False, manager=True)
    assert direct.manager is None and managed.manager is not None
    assert direct.names == managed.names == ["kubelint.builtin"]
    for got, want in (
        (direct.checks(), managed.checks()),
        (direct.reporters(), managed.reporters()),
    ):
        assert list(got) == list(want) and len(got) > 0
        assert [got.origin(n) for n in got] == [want.origin(n) for n in want]
        assert [got[n] for n in got] == [want[n] for n in want]
    assert direct.rule_dirs() == managed.rule_dirs()
    assert direct.pod_locator() is None and managed.pod_locator() is None
