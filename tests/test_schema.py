"""Schema validation (schema-invalid, unknown-field): version selection, CRDs, --crd,
--require-schemas, the not-validated summary, accepted values and the real corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kubelint.lib import schemas as k8s_schemas
from tests.conftest import ROOT, SHARED, run_cli

FIXTURES = ROOT / "fixtures"
CRD_FILE = FIXTURES / "schema-invalid" / "fail-crd-instance" / "crd.yaml"
ARGO_CRDS = SHARED / "corpus" / "argo-cd" / "manifests" / "crds"
SCHEMA_RULES = ("--only", "schema-invalid", "--only", "unknown-field")

BACKUP = """\
apiVersion: example.com/v1
kind: Backup
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  retention: "7"
  target: {volume: data, size: 3}
"""


def lint(*args: str, input: str | None = None) -> tuple[Any, str, int]:
    run = run_cli("lint", *args, "--format", "json", "--fail-on", "never", input=input)
    return run.json(), run.stderr, run.exit_code


def found(report: Any) -> list[tuple[int, str, str]]:
    return [(f["line"], f["rule"], f["message"]) for f in report["findings"]]


def test_wrong_type_message_and_position() -> None:
    text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: '3'\n"
    report, _, code = lint("-", *SCHEMA_RULES, input=text)
    assert code == 0
    assert (5, "schema-invalid", 'spec.replicas: expected integer, got string "3"') in found(report)
    invalid = [f for f in report["findings"] if f["path"] == "/spec/replicas"]
    assert invalid[0]["column"] == 13  # the value, not the key


def test_unknown_field_points_at_key_and_names_container() -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - name: web\n      image: nginx:1.27.2\n      imagePullPolicys: Always\n"
    )
    report, _, _ = lint("-", *SCHEMA_RULES, input=text)
    [finding] = report["findings"]
    assert finding["rule"] == "unknown-field"
    assert finding["message"] == (
        'unknown field "imagePullPolicys" in container "web" (did you mean "imagePullPolicy"?)'
    )
    assert (finding["line"], finding["column"]) == (8, 7)
    assert finding["path"] == "/spec/containers/0/imagePullPolicys"
    assert finding["container"] == "web"


def test_unsupported_version_skips_with_one_notice() -> None:
    text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: x}\n"
    report, stderr, code = lint("-", "--kubernetes-version", "1.24", *SCHEMA_RULES, input=text)
    assert code == 0
    assert report["findings"] == []
    lines = [line for line in stderr.splitlines() if "schema validation" in line]
    assert len(lines) == 1, stderr
    assert "1.24" in lines[0] and k8s_schemas.supported_range() in lines[0]
    # Other version-dependent work is unaffected: a supported version validates again.
    report, _, _ = lint("-", "--kubernetes-version", "1.25", *SCHEMA_RULES, input=text)
    assert (4, "schema-invalid", 'spec.replicas: expected integer, got string "x"') in found(report)


def test_not_validated_summary_in_json_and_on_stderr_for_text() -> None:
    text = (
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: a}\n---\n"
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: b}\n---\n"
        "apiVersion: other.io/v2\nkind: Gadget\nmetadata: {name: c}\n"
    )
    report, stderr, _ = lint("-", *SCHEMA_RULES, input=text)
    assert report["findings"] == []
    assert report["summary"]["not_validated"] == [
        {"apiVersion": "example.com/v1", "kind": "Widget", "objects": 2},
        {"apiVersion": "other.io/v2", "kind": "Gadget", "objects": 1},
    ]
    assert "not validated" not in stderr  # machine formats keep stderr for notices only
    run = run_cli("lint", "-", *SCHEMA_RULES, input=text)
    assert "3 objects of 2 kinds not validated" in run.stderr
    assert "Widget (example.com/v1) ×2" in run.stderr


def test_require_schemas_reports_objects_without_schema() -> None:
    text = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: a}\n"
    report, _, _ = lint("-", "--require-schemas", *SCHEMA_RULES, input=text)
    [finding] = report["findings"]
    assert finding["rule"] == "schema-invalid" and finding["line"] == 2
    assert "--crd" in finding["message"]


def test_crd_option_validates_custom_resources() -> None:
    report, _, code = lint("-", "--crd", str(CRD_FILE), *SCHEMA_RULES, input=BACKUP)
    assert code == 0
    assert sorted(found(report)) == [
        (7, "schema-invalid", 'spec.retention: expected integer, got string "7"'),
        (8, "unknown-field", 'unknown field "size" in spec.target'),
    ]
    assert report["summary"]["not_validated"] == []
    # The same CRD in a directory works too; the CRD is only read, never linted.
    report, _, _ = lint("-", "--crd", str(CRD_FILE.parent), *SCHEMA_RULES, input=BACKUP)
    assert report["summary"]["objects"] == 1
    assert len(report["findings"]) == 2


def test_crd_option_errors_are_usage_errors(tmp_path: Path) -> None:
    empty = tmp_path / "nothing.yaml"
    empty.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    for path in (str(tmp_path / "missing.yaml"), str(empty)):
        run = run_cli("lint", "-", "--crd", path, input=BACKUP)
        assert run.exit_code == 2
        assert "--crd" in run.stderr


def test_report_with_not_validated_matches_report_schema() -> None:
    text = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: a}\n"
    report, _, _ = lint("-", input=text)
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(report)


def test_validators_are_compiled_once_per_version_api_version_kind() -> None:
    first = k8s_schemas.builtin_schema((1, 33), "apps/v1", "Deployment")
    assert first is not None
    assert k8s_schemas.builtin_schema((1, 33), "apps/v1", "Deployment") is first
    assert k8s_schemas.builtin_schema((1, 34), "apps/v1", "Deployment") is not first
    # The bundled file names keep only the group's first label: another group's kind of the
    # same name must not borrow the built-in schema.
    assert k8s_schemas.builtin_schema((1, 37), "networking.istio.io/v1", "Ingress") is None


def test_int_or_string_and_quantity_accept_null_and_both_forms() -> None:
    pod = k8s_schemas.builtin_schema((1, 37), "v1", "Pod")
    assert pod is not None

    def pod_with(probe_port: Any, cpu: Any) -> dict[str, Any]:
        container = {
            "name": "c",
            "image": "i",
            "readinessProbe": {"httpGet": {"port": probe_port}},
            "resources": {"limits": {"cpu": cpu}},
        }
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                "spec": {"containers": [container]}}  # fmt: skip

    for port in (8080, "http"):
        for cpu in (1, 0.5, "500m", None):
            assert pod.validator.is_valid(pod_with(port, cpu)), (port, cpu)
    assert not pod.validator.is_valid(pod_with(True, "1"))
    assert not pod.validator.is_valid(pod_with(8080, {"a": 1}))


def test_crd_schema_conversion_keeps_kubernetes_semantics() -> None:
    converted = k8s_schemas.convert_crd_schema(
        {
            "type": "object",
            "properties": {
                "port": {"x-kubernetes-int-or-string": True,
                         "anyOf": [{"type": "integer"}, {"type": "string"}]},
                "count": {"type": "integer", "maximum": 5, "exclusiveMaximum": True},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                         "properties": {"a": {"type": "string"}}},
                "note": {"type": "string", "nullable": True},
            },
        }
    )  # fmt: skip
    props = converted["properties"]
    assert converted["additionalProperties"] is False
    assert "additionalProperties" not in props["free"]
    assert props["count"]["exclusiveMaximum"] == 5 and "maximum" not in props["count"]
    assert {"type": "null"} in props["port"]["anyOf"]
    assert "null" in props["note"]["type"]


@pytest.mark.skipif(not ARGO_CRDS.is_dir(), reason="../shared/corpus is not available")
def test_argo_cd_application_validated_by_its_real_crd(tmp_path: Path) -> None:
    app = tmp_path / "app.yaml"
    app.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        "metadata: {name: guestbook, namespace: argocd}\n"
        "spec:\n"
        "  project: default\n"
        "  source:\n"
        "    repoURL: https://github.com/argoproj/argocd-example-apps.git\n"
        "    targetRevision: HEAD\n"
        "    path: guestbook\n"
        "    helm: {valuesObject: {replicaCount: 2, anything: {goes: true}}}\n"
        "  destination:\n"
        "    server: https://kubernetes.default.svc\n"
        "    namespace: guestbook\n"
        "  syncPolicy:\n"
        "    automated: {prune: true, selfHeal: true}\n"
        "    retry: {limit: 5, backoff: {duration: 5s, factor: 2}}\n"
    )
    report, stderr, _ = lint(str(app), "--crd", str(ARGO_CRDS), *SCHEMA_RULES)
    assert report["findings"] == [], report["findings"]
    assert report["summary"]["not_validated"] == [], stderr
    app.write_text(app.read_text().replace("targetRevision: HEAD", "targetRevison: HEAD"))
    report, _, _ = lint(str(app), "--crd", str(ARGO_CRDS), *SCHEMA_RULES)
    assert [(f["line"], f["rule"]) for f in report["findings"]] == [(8, "unknown-field")]
    assert 'did you mean "targetRevision"' in report["findings"][0]["message"]


# Every schema finding on the corpus was checked by hand (see CHANGELOG/README notes); each is
# a real problem of the file as written. Anything new is either a regression or a new finding
# to review.
CORPUS_FINDINGS = {
    (
        "argo-cd/manifests/base/application-controller-deployment/"
        "argocd-application-controller-statefulset.yaml",
        "schema-invalid",
        'spec: missing required field "selector"',
    ),
    (
        "kubernetes-examples/_archived/volumes/fibre_channel/fc.yaml",
        "schema-invalid",
        'spec.volumes[0].fc.lun: expected integer, got string "<ADD LUN ID Here>"',
    ),
    (
        "kubernetes-examples/_archived/volumes/rbd/rbd.yaml",
        "unknown-field",
        'unknown field "imageformat" in spec.volumes[0].rbd',
    ),
    (
        "kubernetes-examples/_archived/volumes/rbd/rbd.yaml",
        "unknown-field",
        'unknown field "imagefeatures" in spec.volumes[0].rbd',
    ),
    (
        "kubernetes-examples/_archived/volumes/scaleio/pod.yaml",
        "unknown-field",
        'unknown field "protectionDoamin" in spec.volumes[0].scaleIO '
        '(did you mean "protectionDomain"?)',
    ),
    (
        "kubernetes-examples/_archived/volumes/storageos/storageos-pod.yaml",
        "unknown-field",
        'unknown field "pool" in spec.volumes[0].storageos',
    ),
    (
        "kubernetes-examples/_archived/volumes/storageos/storageos-pv.yaml",
        "unknown-field",
        'unknown field "secretName" in spec.storageos',
    ),
}


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="../shared/corpus is not available")
def test_corpus_schema_findings_are_the_reviewed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SHARED / "corpus")
    report, _, code = lint(".", *SCHEMA_RULES)
    assert code == 0
    got = {
        (f["file"], f["rule"], f["message"])
        for f in report["findings"]
        if f["rule"] in ("schema-invalid", "unknown-field")
    }
    assert got == CORPUS_FINDINGS
