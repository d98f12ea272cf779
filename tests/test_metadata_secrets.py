"""Labels/metadata (catalogue section 4) and secrets/service accounts (section 6): behaviour the
fixtures cannot show — rule params other than the defaults, finding counts, stdin streams and the
secret-name word splitting table."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from kubelint.catalog import load_profiles, load_rules
from kubelint.checks.secrets import is_reference_name, secret_word, split_words, token_format
from kubelint.dispatch import Engine
from kubelint.findings import Finding
from kubelint.options import Options
from kubelint.plugins import load_plugins
from kubelint.selection import activate, select_rules
from kubelint.sources import Source
from tests.conftest import run_cli

PLUGINS = load_plugins(autoload=False)
CATALOG = load_rules(PLUGINS.rule_dirs())
PROFILES = load_profiles(PLUGINS.rule_dirs())
CHECKS = PLUGINS.checks()


def lint(
    text: str, rule: str, params: Mapping[str, Any] | None = None, complete: bool = False
) -> list[Finding]:
    """Lint one in-memory file with one rule and the given params."""
    options = Options(complete=complete)
    selection = select_rules(CATALOG, PROFILES, only=[rule], params={rule: dict(params or {})})
    engine = Engine(activate(CATALOG, selection, CHECKS, options), options)
    source = Source("manifest.yaml", Path("manifest.yaml"), text.encode())
    result = engine.run([source])
    assert not result.errors, result.errors
    return [f for f in result.findings if f.rule == rule]


# --- secret-looking names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("DB_PASSWORD", ["db", "password"]),
        ("dbPassword", ["db", "password"]),
        ("APIKey", ["api", "key"]),
        ("OAuthToken", ["o", "auth", "token"]),
        ("spring.datasource.password", ["spring", "datasource", "password"]),
        ("x-api-key", ["x", "api", "key"]),
        ("TOKEN2", ["token", "2"]),
    ],
)
def test_split_words(name: str, words: list[str]) -> None:
    assert split_words(name) == words


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("AUTHOR", None),
        ("OAUTH_URL", None),
        ("TOKENIZER", None),
        ("PASSWORDLESS", None),
        ("SECRETARY", None),
        ("PUBLIC_KEY", None),
        ("KEY_ID", None),
        ("DB_PASSWORD", "password"),
        ("MY_PWD", "pwd"),
        ("keycloakPasswd", "passwd"),
        ("APIKEY", "apikey"),
        ("apiKey", "api key"),
        ("PRIVATEKEY", "privatekey"),
        ("private-key", "private key"),
        ("awsAccessKeyId", "access key"),
        ("GCP_CREDENTIALS", "credentials"),
        ("credential", "credential"),
        ("AUTH_TOKENS", "tokens"),
    ],
)
def test_secret_word(name: str, word: str | None) -> None:
    assert secret_word(name) == word


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("DB_PASSWORD_FILE", True),
        ("passwordFile", True),
        ("CREDENTIALS_PATH", True),
        ("TLS_SECRET_NAME", True),
        ("jwt-secret-ref", True),
        ("DB_PASSWORD", False),
        ("FILE_PASSWORD", False),
        ("SECRET_NAME_PREFIX", False),
    ],
)
def test_reference_names(name: str, reference: bool) -> None:
    assert is_reference_name(name) is reference


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("-----BEGIN PRIVATE KEY-----\nMIIE", "a private key"),
        ("-----BEGIN ENCRYPTED PRIVATE KEY-----", "a private key"),
        ("-----BEGIN PGP PRIVATE KEY BLOCK-----", "a private key"),
        ("-----BEGIN PUBLIC KEY-----", None),
        ("-----BEGIN CERTIFICATE-----", None),
        ("AKIAIOSFODNN7EXAMPLE", "an AWS access key ID"),
        ("key=AKIAIOSFODNN7EXAMPLE;", "an AWS access key ID"),
        ("AKIAIOSFODNN7EXAMPLEX", None),  # 17 characters after AKIA: not a key ID
        ("ghp_" + "a1B2" * 9, "a GitHub token"),
        ("ghp_short", None),
        ("xoxb-123456789012-abcdef", "a Slack token"),
        ("xoxo-hugs-and-kisses", None),
    ],
)
def test_token_formats(value: str, what: str | None) -> None:
    assert token_format(value) == what


def test_secret_values_are_not_shown() -> None:
    text = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: web
      image: web:1.4.2
      env:
        - {name: DB_PASSWORD, value: hunter2hunter2}
        - {name: GH, value: ghp_0123456789abcdefghijABCDEFGHIJ012345}
"""
    findings = lint(text, "literal-secret-in-env")
    assert len(findings) == 2
    for f in findings:
        assert "hunter2" not in f.message and "ghp_" not in f.message
        assert f.container == "web"


# --- missing-required-label / -annotation params ---------------------------------------------

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {team: payments, tier: "Front"}
  annotations: {owner: alice@example.com}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web, team: payments}
      annotations: {owner: bob}
    spec:
      containers:
        - name: web
          image: web:1.4.2
"""


def test_required_label_pattern_must_match_whole_value() -> None:
    params = {"labels": [{"key": "team", "pattern": "pay"}, {"key": "tier", "pattern": "[a-z]+"}]}
    found = {
        (f.location.line, f.message) for f in lint(DEPLOYMENT, "missing-required-label", params)
    }
    assert found == {
        (
            5,
            'Deployment "web" label "team" value "payments" does not match the required '
            'pattern "pay"',
        ),
        (
            12,
            'pod template of Deployment "web" label "team" value "payments" does not match the '
            'required pattern "pay"',
        ),
        (
            5,
            'Deployment "web" label "tier" value "Front" does not match the required '
            'pattern "[a-z]+"',
        ),
        (12, 'pod template of Deployment "web" has no label "tier"'),
    }


def test_required_label_present_everywhere_passes() -> None:
    params = {"labels": [{"key": "team", "pattern": "pay.*"}]}
    assert lint(DEPLOYMENT, "missing-required-label", params) == []


def test_required_annotation_pattern() -> None:
    params = {"annotations": [{"key": "owner", "pattern": r"[^@\s]+@[^@\s]+"}]}
    findings = lint(DEPLOYMENT, "missing-required-annotation", params)
    assert [(f.location.line, f.path) for f in findings] == [
        (13, "/spec/template/metadata/annotations/owner")
    ]
    assert 'value "bob" does not match' in findings[0].message


def test_recommended_labels_profile() -> None:
    profile = PROFILES["recommended-labels"]
    assert set(profile.rules) == {"missing-required-label"}
    keys = [entry["key"] for entry in profile.rules["missing-required-label"]["labels"]]
    assert keys == [
        f"app.kubernetes.io/{name}"
        for name in ("name", "instance", "version", "component", "part-of", "managed-by")
    ]


# --- counts and streams -----------------------------------------------------------------------


def test_pod_labels_are_reported_once() -> None:
    text = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {version: 1.0}
spec:
  containers: [{name: web, image: "web:1.4.2"}]
"""
    assert len(lint(text, "invalid-label")) == 1
    assert len(lint(text, "missing-required-label")) == 1


def test_duplicate_object_on_stdin_names_the_first() -> None:
    stream = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n" * 2
    run = run_cli("lint", "-", "--only", "duplicate-object", "--format", "json", input=stream)
    findings = run.json()["findings"]
    assert [(f["file"], f["line"]) for f in findings] == [("-", 2), ("-", 6)]
    assert "also at line 6" in findings[0]["message"]
    assert "first defined at line 2" in findings[1]["message"]
    assert run.exit_code == 1


def test_duplicate_object_not_across_files(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    run = run_cli("lint", str(tmp_path), "--only", "duplicate-object", "--format", "json")
    assert run.json()["findings"] == []
    assert run.exit_code == 0


def test_missing_service_account_gating() -> None:
    text = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  serviceAccountName: web
  containers: [{name: web, image: "web:1.4.2"}]
"""
    assert lint(text, "missing-service-account") == []
    assert len(lint(text, "missing-service-account", complete=True)) == 1
