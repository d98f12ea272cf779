"""Workload rules with non-default params (resources, probes, images): behaviour a user sees
when configuring them, and configuration errors reported before anything is linted."""

from __future__ import annotations

from typing import Any

import pytest

from kubelint.catalog import load_profiles, load_rules
from kubelint.dispatch import Engine
from kubelint.options import Options, UsageError
from kubelint.plugins import load_plugins
from kubelint.selection import activate, select_rules
from kubelint.sources import Source

PLUGINS = load_plugins(autoload=False)
CATALOG = load_rules(PLUGINS.rule_dirs())
PROFILES = load_profiles(PLUGINS.rule_dirs())
CHECKS = PLUGINS.checks()

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
{containers}
"""


def lint(rule: str, params: dict[str, Any], containers: str) -> list[tuple[int, str]]:
    """(line, message) of the findings of ``rule`` with ``params`` on a Pod with ``containers``."""
    selection = select_rules(CATALOG, PROFILES, only=[rule], params={rule: params})
    active = activate(CATALOG, selection, CHECKS, Options())
    text = POD.format(containers=containers)
    result = Engine(active, Options()).run([Source("pod.yaml", None, text.encode())])
    assert not result.errors, result.errors
    assert result.objects == 1 and not [f for f in result.findings if f.rule != rule]
    return [(f.location.line, f.message) for f in result.findings if f.rule == rule]


def lines(findings: list[tuple[int, str]]) -> list[int]:
    return sorted(line for line, _ in findings)


# -- resource-out-of-range -----------------------------------------------------------------

RESOURCES = """\
    - name: small
      image: web:1.0
      resources:
        requests: {cpu: 50m, memory: 64Mi}
        limits: {cpu: 500m, memory: 64Mi}
    - name: big
      image: web:1.0
      resources:
        requests: {cpu: "2", memory: 3Gi}
        limits: {cpu: "4", memory: 4Gi}
"""


def test_custom_bounds_per_section() -> None:
    params = {
        "cpu": {"requests": {"min": "100m"}, "limits": {"max": 2}},
        "memory": {"limits": {"min": "128Mi", "max": "4Gi"}},
    }
    found = lint("resource-out-of-range", params, RESOURCES)
    # line 10: small cpu request 50m < 100m; line 11: small memory limit 64Mi < 128Mi;
    # line 16: big cpu limit 4 > 2. Big memory limit 4Gi equals the max (inclusive).
    assert lines(found) == [10, 11, 16]
    messages = " | ".join(m for _, m in found)
    assert 'container "small" cpu request 50m is below the minimum 100m' in messages
    assert 'container "small" memory limit 64Mi is below the minimum 128Mi' in messages
    assert 'container "big" cpu limit 4 is above the maximum 2' in messages


def test_setting_one_resource_keeps_the_other_defaults() -> None:
    found = lint(
        "resource-out-of-range",
        {"cpu": {}},
        "    - name: a\n      image: a:1\n      resources: {requests: {cpu: '500', memory: 10m}}\n",
    )
    # cpu has no bounds any more; memory keeps its default minimum of 1Mi.
    assert [m for _, m in found] == [
        'container "a" memory request 10m is below the minimum 1Mi '
        "(the suffix m means milli-: did you mean 10Mi?)"
    ]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"cpu": {"requests": {"min": "1 core"}}}, "cpu.requests.min"),
        ({"memory": {"limits": {"min": "2Gi", "max": "1Gi"}}}, "greater than max"),
        ({"memory": {"limit": {"max": "1Gi"}}}, "invalid params"),
        ({"gpu": {}}, "invalid params"),
    ],
)
def test_bad_range_params_are_configuration_errors(params: dict[str, Any], error: str) -> None:
    selection = select_rules(
        CATALOG, PROFILES, only=["resource-out-of-range"], params={"resource-out-of-range": params}
    )
    with pytest.raises(UsageError, match=error):
        activate(CATALOG, selection, CHECKS, Options())


# -- untrusted-registry ----------------------------------------------------------------------

IMAGES = """\
    - {name: a, image: "nginx:1.27"}
    - {name: b, image: "ghcr.io/my-org/api:1.0"}
    - {name: c, image: "ghcr.io/my-organisation/api:1.0"}
    - {name: d, image: "registry.example.com:5000/team/app:2"}
    - {name: e, image: "quay.io/other/app:1"}
    - {name: f, image: "bitnami/redis:7"}
"""


def test_allowed_registries_hosts_and_prefixes() -> None:
    params = {
        "allowedRegistries": ["ghcr.io/my-org", "registry.example.com:5000", "docker.io/bitnami"]
    }
    found = lint("untrusted-registry", params, IMAGES)
    # nginx (docker.io/library) is no longer allowed; my-organisation is not my-org; quay.io
    assert lines(found) == [7, 9, 11]
    assert "docker.io/library/nginx" in found[0][1]


def test_docker_hub_is_docker_io_and_empty_list_allows_nothing() -> None:
    assert lines(lint("untrusted-registry", {"allowedRegistries": ["docker.io"]}, IMAGES)) == [
        8,
        9,
        10,
        11,
    ]
    found = lint("untrusted-registry", {"allowedRegistries": []}, IMAGES)
    assert len(found) == 6
    assert "allowedRegistries is empty" in found[0][1]


@pytest.mark.parametrize("entry", ["", "Not A Registry", "ghcr.io/My-Org", "ghcr.io//x"])
def test_invalid_allowed_registry_is_a_configuration_error(entry: str) -> None:
    selection = select_rules(
        CATALOG,
        PROFILES,
        only=["untrusted-registry"],
        params={"untrusted-registry": {"allowedRegistries": ["docker.io", entry]}},
    )
    with pytest.raises(UsageError, match=r"allowedRegistries(\[1\]|\.1)"):
        activate(CATALOG, selection, CHECKS, Options())


# -- probe-host-override ---------------------------------------------------------------------

HOSTS = """\
    - name: web
      image: web:1.0
      livenessProbe:
        httpGet: {host: "127.0.0.1", port: 8080}
      readinessProbe:
        tcpSocket: {host: "::1", port: 8080}
      startupProbe:
        httpGet: {host: 10.0.0.1, port: 8080}
"""


def test_allowed_hosts_exempt_exact_values() -> None:
    assert lines(lint("probe-host-override", {}, HOSTS)) == [10, 12, 14]
    allowed = {"allowedHosts": ["127.0.0.1", "::1"]}
    found = lint("probe-host-override", allowed, HOSTS)
    assert lines(found) == [14]
    assert '"10.0.0.1"' in found[0][1]
