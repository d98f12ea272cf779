"""Integrity checks for kubelint/data/api-versions.yaml.

The table feeds the `removed-api-version` and `deprecated-api-version` rules. These tests only
check the data file itself (shape, version strings, uniqueness of the (apiVersion, kind) key,
sources, replacement chains) plus spot checks against the Kubernetes deprecation guide.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

DATA_FILE = Path(__file__).resolve().parents[1] / "kubelint" / "data" / "api-versions.yaml"

REQUIRED_FIELDS = ("apiVersion", "kind", "deprecatedIn", "removedIn", "replacement", "source")
OPTIONAL_FIELDS = ("replacementKind", "note", "introducedIn", "replacementIntroducedIn")
VERSION_RE = re.compile(r"^1\.(0|[1-9][0-9]*)$")
API_VERSION_RE = re.compile(
    r"^(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$"
)
KIND_RE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
NEWEST_COVERED = (1, 37)


def _load() -> list[dict[str, Any]]:
    yaml = YAML(typ="safe")
    with DATA_FILE.open(encoding="utf-8") as fh:
        data = yaml.load(fh)
    assert isinstance(data, list), "the document must be a list of entries"
    return data


ENTRIES = _load()


def _ver(value: str) -> tuple[int, int]:
    major, minor = value.split(".")
    return int(major), int(minor)


def _index() -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["apiVersion"], e["kind"]): e for e in ENTRIES}


def _get(api_version: str, kind: str) -> dict[str, Any]:
    entry = _index().get((api_version, kind))
    assert entry is not None, f"missing entry for {api_version} {kind}"
    return entry


def _ids(entry: dict[str, Any]) -> str:
    return f"{entry.get('apiVersion')}:{entry.get('kind')}"


# --- shape ---------------------------------------------------------------------------------------


def test_file_is_a_non_trivial_list() -> None:
    assert len(ENTRIES) >= 80
    assert all(isinstance(e, dict) for e in ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids)
def test_entry_has_exactly_the_known_fields(entry: dict[str, Any]) -> None:
    for field in REQUIRED_FIELDS:
        assert field in entry, f"missing field {field!r}"
    unknown = set(entry) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS)
    assert not unknown, f"unknown fields {sorted(unknown)}"


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids)
def test_api_version_and_kind_are_well_formed(entry: dict[str, Any]) -> None:
    assert isinstance(entry["apiVersion"], str) and API_VERSION_RE.match(entry["apiVersion"])
    assert isinstance(entry["kind"], str) and KIND_RE.match(entry["kind"])
    assert not entry["kind"].endswith("List"), "List kinds are not listed; lint their items instead"


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids)
def test_versions_are_quoted_x_y_strings(entry: dict[str, Any]) -> None:
    for field in ("deprecatedIn", "removedIn"):
        value = entry[field]
        if value is None:
            continue
        # A float (1.16 unquoted) would lose the difference between 1.1 and 1.10.
        assert isinstance(value, str), f"{field} must be a quoted string, got {value!r}"
        assert VERSION_RE.match(value), f"{field} {value!r} is not X.Y"
        assert (1, 0) < _ver(value) <= NEWEST_COVERED, f"{field} {value!r} is out of range"


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids)
def test_entry_is_deprecated_or_removed(entry: dict[str, Any]) -> None:
    assert entry["deprecatedIn"] is not None or entry["removedIn"] is not None


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids)
def test_deprecated_not_after_removed(entry: dict[str, Any]) -> None:
    dep, rem = entry["deprecatedIn"], entry["removedIn"]
    if dep is not None and rem is not None:
        assert _ver(dep) <= _ver(rem), f"deprecatedIn {dep} is after removedIn {rem}"


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids)
def test_removals_cover_1_16_onwards(entry: dict[str, Any]) -> None:
    if entry["removedIn"] is not None:
        assert _ver(entry["removedIn"]) >= (1, 16)


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids)
def test_source_is_an_https_url(entry: dict[str, Any]) -> None:
    source = entry["source"]
    assert isinstance(source, str)
    assert re.match(r"^https://[A-Za-z0-9.-]+\.[a-z]{2,}/\S*$", source), source


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids)
def test_optional_fields_are_strings(entry: dict[str, Any]) -> None:
    if "note" in entry:
        assert isinstance(entry["note"], str) and entry["note"].strip()
    if "replacementKind" in entry:
        assert isinstance(entry["replacementKind"], str) and KIND_RE.match(entry["replacementKind"])
        assert entry["replacement"] is not None, "replacementKind needs a replacement apiVersion"
        assert entry["replacementKind"] != entry["kind"], "only set when the kind changes"


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids)
def test_replacement_is_an_api_version_other_than_itself(entry: dict[str, Any]) -> None:
    replacement = entry["replacement"]
    if replacement is None:
        return
    assert isinstance(replacement, str) and API_VERSION_RE.match(replacement), replacement
    new_kind = entry.get("replacementKind", entry["kind"])
    assert (replacement, new_kind) != (entry["apiVersion"], entry["kind"])


def test_no_duplicate_api_version_kind_pairs() -> None:
    seen: dict[tuple[str, str], int] = {}
    for e in ENTRIES:
        key = (e["apiVersion"], e["kind"])
        seen[key] = seen.get(key, 0) + 1
    duplicates = sorted(k for k, n in seen.items() if n > 1)
    assert not duplicates, f"duplicate (apiVersion, kind) pairs: {duplicates}"


def test_replacement_chains_terminate_and_outlive_their_predecessor() -> None:
    index = _index()
    for e in ENTRIES:
        seen = {(e["apiVersion"], e["kind"])}
        current = e
        while current["replacement"] is not None:
            nxt_key = (current["replacement"], current.get("replacementKind", current["kind"]))
            assert nxt_key not in seen, f"replacement cycle through {nxt_key}"
            seen.add(nxt_key)
            nxt = index.get(nxt_key)
            if nxt is None:
                break
            # A replacement may itself be removed later, never at or before its predecessor.
            if current["removedIn"] is not None and nxt["removedIn"] is not None:
                assert _ver(nxt["removedIn"]) > _ver(current["removedIn"]), (
                    f"{nxt_key} (removed {nxt['removedIn']}) cannot replace "
                    f"{current['apiVersion']} {current['kind']} (removed {current['removedIn']})"
                )
            current = nxt


# --- spot checks (deprecation guide and release notes) --------------------------------------------


def test_extensions_ingress_removed_in_1_22() -> None:
    e = _get("extensions/v1beta1", "Ingress")
    assert e["removedIn"] == "1.22"
    assert e["deprecatedIn"] == "1.14"
    assert e["replacement"] == "networking.k8s.io/v1"
    assert "replacementKind" not in e


def test_networking_v1beta1_ingress_and_ingressclass_removed_in_1_22() -> None:
    for kind in ("Ingress", "IngressClass"):
        e = _get("networking.k8s.io/v1beta1", kind)
        assert e["removedIn"] == "1.22"
        assert e["replacement"] == "networking.k8s.io/v1"


def test_batch_v1beta1_cronjob_removed_in_1_25() -> None:
    e = _get("batch/v1beta1", "CronJob")
    assert (e["deprecatedIn"], e["removedIn"], e["replacement"]) == ("1.21", "1.25", "batch/v1")


def test_pod_security_policy_removed_in_1_25_without_replacement() -> None:
    e = _get("policy/v1beta1", "PodSecurityPolicy")
    assert e["removedIn"] == "1.25"
    assert e["replacement"] is None
    # The extensions/v1beta1 variant points at policy/v1beta1, whose chain ends with no replacement.
    ext = _get("extensions/v1beta1", "PodSecurityPolicy")
    assert (ext["removedIn"], ext["replacement"]) == ("1.16", "policy/v1beta1")


def test_autoscaling_v2beta2_hpa_removed_in_1_26() -> None:
    e = _get("autoscaling/v2beta2", "HorizontalPodAutoscaler")
    assert (e["removedIn"], e["replacement"]) == ("1.26", "autoscaling/v2")
    assert _get("autoscaling/v2beta1", "HorizontalPodAutoscaler")["removedIn"] == "1.25"


def test_flowcontrol_beta_removals() -> None:
    for kind in ("FlowSchema", "PriorityLevelConfiguration"):
        assert _get("flowcontrol.apiserver.k8s.io/v1beta1", kind)["removedIn"] == "1.26"
        assert _get("flowcontrol.apiserver.k8s.io/v1beta2", kind)["removedIn"] == "1.29"
        v1beta3 = _get("flowcontrol.apiserver.k8s.io/v1beta3", kind)
        assert (v1beta3["deprecatedIn"], v1beta3["removedIn"]) == ("1.29", "1.32")
        assert v1beta3["replacement"] == "flowcontrol.apiserver.k8s.io/v1"


def test_validating_admission_policy_not_keyed_with_webhook_configurations() -> None:
    webhook = _get("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration")
    assert webhook["removedIn"] == "1.22"
    policy = _get("admissionregistration.k8s.io/v1beta1", "ValidatingAdmissionPolicy")
    # Same group/version, unrelated lifecycle: the table must be keyed on the pair.
    assert policy["removedIn"] != webhook["removedIn"]
    assert _ver(policy["deprecatedIn"]) >= (1, 30)
    assert policy["replacement"] == "admissionregistration.k8s.io/v1"


def test_networking_v1beta1_later_kinds_are_separate_from_ingress() -> None:
    ingress = _get("networking.k8s.io/v1beta1", "Ingress")
    for kind in ("IPAddress", "ServiceCIDR"):
        e = _get("networking.k8s.io/v1beta1", kind)
        assert _ver(e["deprecatedIn"]) > _ver(ingress["removedIn"])


def test_guide_v1_16_removals_present() -> None:
    expected = {
        ("extensions/v1beta1", "NetworkPolicy"),
        ("extensions/v1beta1", "DaemonSet"),
        ("apps/v1beta2", "DaemonSet"),
        ("extensions/v1beta1", "Deployment"),
        ("apps/v1beta1", "Deployment"),
        ("apps/v1beta2", "Deployment"),
        ("apps/v1beta1", "StatefulSet"),
        ("apps/v1beta2", "StatefulSet"),
        ("extensions/v1beta1", "ReplicaSet"),
        ("apps/v1beta1", "ReplicaSet"),
        ("apps/v1beta2", "ReplicaSet"),
        ("extensions/v1beta1", "PodSecurityPolicy"),
    }
    index = _index()
    for key in expected:
        assert key in index, key
        assert index[key]["removedIn"] == "1.16", key


def test_guide_v1_22_removals_present() -> None:
    expected = [
        ("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration"),
        ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
        ("apiregistration.k8s.io/v1beta1", "APIService"),
        ("authentication.k8s.io/v1beta1", "TokenReview"),
        ("authorization.k8s.io/v1beta1", "SubjectAccessReview"),
        ("authorization.k8s.io/v1beta1", "LocalSubjectAccessReview"),
        ("authorization.k8s.io/v1beta1", "SelfSubjectAccessReview"),
        ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
        ("coordination.k8s.io/v1beta1", "Lease"),
        ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
        ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
        ("rbac.authorization.k8s.io/v1beta1", "Role"),
        ("rbac.authorization.k8s.io/v1beta1", "RoleBinding"),
        ("scheduling.k8s.io/v1beta1", "PriorityClass"),
        ("storage.k8s.io/v1beta1", "CSIDriver"),
        ("storage.k8s.io/v1beta1", "CSINode"),
        ("storage.k8s.io/v1beta1", "StorageClass"),
        ("storage.k8s.io/v1beta1", "VolumeAttachment"),
    ]
    for api_version, kind in expected:
        e = _get(api_version, kind)
        assert e["removedIn"] == "1.22", (api_version, kind)
        assert e["replacement"] == api_version.replace("v1beta1", "v1"), (api_version, kind)


def test_guide_v1_25_to_v1_27_removals_present() -> None:
    expected = {
        ("discovery.k8s.io/v1beta1", "EndpointSlice"): ("1.25", "discovery.k8s.io/v1"),
        ("events.k8s.io/v1beta1", "Event"): ("1.25", "events.k8s.io/v1"),
        ("policy/v1beta1", "PodDisruptionBudget"): ("1.25", "policy/v1"),
        ("node.k8s.io/v1beta1", "RuntimeClass"): ("1.25", "node.k8s.io/v1"),
        ("storage.k8s.io/v1beta1", "CSIStorageCapacity"): ("1.27", "storage.k8s.io/v1"),
    }
    for (api_version, kind), (removed, replacement) in expected.items():
        e = _get(api_version, kind)
        assert (e["removedIn"], e["replacement"]) == (removed, replacement), (api_version, kind)


def test_guide_sourced_entries_point_at_the_guide() -> None:
    guide = "https://kubernetes.io/docs/reference/using-api/deprecation-guide/#"
    for api_version, kind in [
        ("extensions/v1beta1", "Ingress"),
        ("batch/v1beta1", "CronJob"),
        ("policy/v1beta1", "PodSecurityPolicy"),
        ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema"),
    ]:
        assert _get(api_version, kind)["source"].startswith(guide)


def test_still_served_deprecations_have_no_removal() -> None:
    endpoints = _get("v1", "Endpoints")
    assert endpoints["deprecatedIn"] == "1.33"
    assert endpoints["removedIn"] is None
    assert (endpoints["replacement"], endpoints["replacementKind"]) == (
        "discovery.k8s.io/v1",
        "EndpointSlice",
    )


def _minor(value: str | None) -> tuple[int, int] | None:
    return None if value is None else (int(value.split(".")[0]), int(value.split(".")[1]))


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids)
def test_introduced_versions_are_consistent(entry: dict[str, Any]) -> None:
    """Every pair says when it was first served and, with a replacement, when that was (null
    only where unknown); a pair is served before it is deprecated or removed."""
    assert "introducedIn" in entry
    assert ("replacementIntroducedIn" in entry) is (entry["replacement"] is not None)
    introduced = _minor(entry["introducedIn"])
    for later in ("deprecatedIn", "removedIn"):
        if introduced is not None and entry[later] is not None:
            assert introduced <= _minor(entry[later])


def test_removed_pairs_get_advice_served_at_their_removal() -> None:
    """Where the table names a replacement that came later than an interim (flowcontrol
    v1alpha1 -> v1), the advice at the removal names the interim that was served then."""
    from kubelint.checks.apiversions import advice, api_version_table

    for entry in api_version_table().values():
        if entry.removed_in is None or entry.replacement is None:
            continue
        text = advice(entry, entry.removed_in)
        assert "after the target version" not in text, (entry.api_version, entry.kind, text)


def test_replacement_introduced_matches_the_replacement_row() -> None:
    rows = {(e["apiVersion"], e["kind"]): e for e in ENTRIES}
    for e in ENTRIES:
        if e["replacement"] is None:
            continue
        target = rows.get((e["replacement"], e.get("replacementKind") or e["kind"]))
        if target is not None:
            assert target["introducedIn"] == e["replacementIntroducedIn"], _ids(e)
