"""The removed-api-version / deprecated-api-version logic over the shipped table: lookups by
(apiVersion, kind), replacement chains at different target versions, and messages."""

from __future__ import annotations

import pytest

from kubelint.checks.apiversions import (
    advice,
    api_version_table,
    interim_api,
    parse_table,
    resolve_replacement,
)
from tests.conftest import run_cli


def test_table_is_loaded_once_and_keyed_on_the_pair() -> None:
    table = api_version_table()
    assert api_version_table() is table
    assert ("extensions/v1beta1", "Ingress") in table
    assert ("extensions/v1beta1", "Deployment") in table
    assert ("networking.k8s.io/v1beta1", "IPAddress") in table
    assert ("networking.k8s.io/v1", "Ingress") not in table


def test_parse_table_rejects_duplicates() -> None:
    row = {"apiVersion": "a/v1", "kind": "K", "deprecatedIn": "1.2", "removedIn": None}
    with pytest.raises(ValueError, match="duplicate"):
        parse_table([row, row])
    with pytest.raises(ValueError, match="list"):
        parse_table({"a": 1})


@pytest.mark.parametrize(
    ("api_version", "kind", "target", "expected"),
    [
        # flowcontrol v1beta1 -> v1beta2 (removed 1.29) -> v1beta3 (removed 1.32) -> v1
        (
            "flowcontrol.apiserver.k8s.io/v1beta1",
            "FlowSchema",
            (1, 26),
            ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema"),
        ),
        (
            "flowcontrol.apiserver.k8s.io/v1beta1",
            "FlowSchema",
            (1, 29),
            ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema"),
        ),
        (
            "flowcontrol.apiserver.k8s.io/v1beta1",
            "FlowSchema",
            (1, 37),
            ("flowcontrol.apiserver.k8s.io/v1", "FlowSchema"),
        ),
        # PodSecurityPolicy: extensions -> policy/v1beta1 (served until 1.25) -> nothing
        (
            "extensions/v1beta1",
            "PodSecurityPolicy",
            (1, 20),
            ("policy/v1beta1", "PodSecurityPolicy"),
        ),
        ("extensions/v1beta1", "PodSecurityPolicy", (1, 25), None),
        ("policy/v1beta1", "PodSecurityPolicy", (1, 25), None),
        # kind changes with the replacement
        ("v1", "Endpoints", (1, 33), ("discovery.k8s.io/v1", "EndpointSlice")),
        ("extensions/v1beta1", "Ingress", (1, 22), ("networking.k8s.io/v1", "Ingress")),
    ],
)
def test_replacement_chain(
    api_version: str,
    kind: str,
    target: tuple[int, int],
    expected: tuple[str, str] | None,
) -> None:
    entry = api_version_table()[(api_version, kind)]
    assert resolve_replacement(entry, target)[0] == expected


def _findings(text: str, *args: str) -> list[dict[str, object]]:
    run = run_cli(
        "lint",
        "-",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--only",
        "removed-api-version",
        "--only",
        "deprecated-api-version",
        *args,
        input=text,
    )
    assert run.exit_code == 0, run.stderr
    findings: list[dict[str, object]] = run.json()["findings"]
    return findings


INGRESS = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: web}\n"


@pytest.mark.parametrize(
    ("version", "rule"),
    [
        ("1.13", None),
        ("1.14", "deprecated-api-version"),
        ("1.16", "deprecated-api-version"),
        ("1.21", "deprecated-api-version"),
        ("1.22", "removed-api-version"),
        ("1.30", "removed-api-version"),
        ("1.37", "removed-api-version"),
    ],
)
def test_every_target_version(version: str, rule: str | None) -> None:
    found = _findings(INGRESS, "--kubernetes-version", version)
    assert [f["rule"] for f in found] == ([rule] if rule else [])
    if rule:
        assert found[0]["line"] == 1 and found[0]["column"] == 13
        # networking.k8s.io/v1 serves Ingress from 1.19: before that the advice is v1beta1
        advised = (
            "networking.k8s.io/v1beta1" if version in ("1.14", "1.16") else "networking.k8s.io/v1"
        )
        assert f'use apiVersion "{advised}" instead' in str(found[0]["message"])


def test_messages_name_versions_and_replacement() -> None:
    (removed,) = _findings(INGRESS)
    assert removed["message"] == (
        'Ingress "web" uses apiVersion "extensions/v1beta1", which no longer serves Ingress since '
        'Kubernetes 1.22 (target 1.37): use apiVersion "networking.k8s.io/v1" instead'
    )
    (deprecated,) = _findings(INGRESS, "--kubernetes-version", "1.21")
    assert deprecated["message"] == (
        'Ingress "web" uses apiVersion "extensions/v1beta1", deprecated for Ingress since '
        'Kubernetes 1.14, removed in 1.22 (target 1.21): use apiVersion "networking.k8s.io/v1" '
        "instead"
    )


def test_pod_security_policy_says_there_is_no_replacement() -> None:
    psp = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: p}\n"
    (found,) = _findings(psp)
    assert "no replacement" in str(found["message"])
    assert "Pod Security Admission" in str(found["message"])
    (old,) = _findings(psp, "--kubernetes-version", "1.22")
    assert old["rule"] == "deprecated-api-version"
    assert "no replacement" in str(old["message"])


def test_unknown_and_current_pairs_are_silent() -> None:
    text = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n---\n"
        "apiVersion: example.com/v1alpha1\nkind: Ingress\nmetadata: {name: b}\n"
    )
    assert _findings(text, "--kubernetes-version", "1.16") == []


DEPLOYMENT = (
    "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
    "  selector: {matchLabels: {app: web}}\n"
    "  template:\n    metadata: {labels: {app: web}}\n"
    "    spec: {containers: [{name: web, image: 'web:1.0'}]}\n"
)
CRONJOB = (
    "apiVersion: batch/v2alpha1\nkind: CronJob\nmetadata: {name: job}\nspec:\n"
    "  schedule: '0 * * * *'\n"
    "  jobTemplate: {spec: {template: {spec: {containers: [{name: j, image: 'j:1'}]}}}}\n"
)


@pytest.mark.parametrize(
    ("text", "version", "advice"),
    [
        # Ingress: networking.k8s.io/v1 from 1.19, networking.k8s.io/v1beta1 from 1.14
        (
            INGRESS,
            "1.18",
            'use apiVersion "networking.k8s.io/v1beta1" instead (networking.k8s.io/v1 is '
            "served from Kubernetes 1.19)",
        ),
        (INGRESS, "1.19", 'use apiVersion "networking.k8s.io/v1" instead'),
        # Deployment: apps/v1 from 1.9; at 1.8 apps/v1beta2 (new in 1.8, not deprecated yet)
        (
            DEPLOYMENT,
            "1.8",
            'use apiVersion "apps/v1beta2" instead (apps/v1 is served from Kubernetes 1.9)',
        ),
        (DEPLOYMENT, "1.9", 'use apiVersion "apps/v1" instead'),
        # CronJob: batch/v1 from 1.21, batch/v1beta1 from 1.8
        (
            CRONJOB,
            "1.20",
            'use apiVersion "batch/v1beta1" instead (batch/v1 is served from Kubernetes 1.21)',
        ),
    ],
)
def test_advice_never_names_an_api_not_served_at_the_target(
    text: str, version: str, advice: str
) -> None:
    (found,) = _findings(text, "--kubernetes-version", version)
    assert found["rule"] == "deprecated-api-version"
    assert str(found["message"]).endswith(f"(target {version}): {advice}")


def test_replacement_not_served_yet_and_no_interim_says_from_when() -> None:
    rows = [
        {
            "apiVersion": "example.k8s.io/v1alpha1",
            "kind": "Widget",
            "deprecatedIn": "1.30",
            "removedIn": "1.33",
            "introducedIn": "1.28",
            "replacement": "example.k8s.io/v1",
            "replacementIntroducedIn": "1.32",
            "source": "https://example.com",
        }
    ]
    table = parse_table(rows)
    entry = table[("example.k8s.io/v1alpha1", "Widget")]
    assert interim_api(entry, ("example.k8s.io/v1", "Widget"), (1, 30), table) is None
    assert advice(entry, (1, 30), table) == (
        "; its replacement example.k8s.io/v1 is served from Kubernetes 1.32, after the target "
        "version"
    )
    assert advice(entry, (1, 32), table) == ': use apiVersion "example.k8s.io/v1" instead'
