"""Secrets in env vars and ConfigMaps, and service accounts (catalogue section 6).

Secret detection is by *words* of a name (split on ``_``, ``-``, ``.`` and camelCase), so that
``AUTHOR`` or ``OAUTH_URL`` never look like secrets, and by a few token formats that are
unmistakable whatever the name. Secret values are never echoed in messages.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.lazy import lazy_regex
from kubelint.lintset import LintSet
from kubelint.model import Container, K8sObject, PodSpec
from kubelint.positions import join

# Words that make a name secret-looking (plural forms count too).
SECRET_WORDS = frozenset(
    {
        "password",
        "passwords",
        "passwd",
        "pwd",
        "secret",
        "secrets",
        "token",
        "tokens",
        "apikey",
        "apikeys",
        "privatekey",
        "privatekeys",
        "accesskey",
        "accesskeys",
        "credential",
        "credentials",
    }
)
# Two adjacent words that together make a secret-looking word (api+key, private+key, ...).
SECRET_PAIRS = frozenset(
    (first, second) for first in ("api", "private", "access") for second in ("key", "keys")
)
# Trailing words that make a name a reference to a secret, not the secret itself.
REFERENCE_SUFFIXES: tuple[tuple[str, ...], ...] = (
    ("file",),
    ("path",),
    ("secret", "name"),
    ("secret", "ref"),
)

# Trailing words that make a name a setting about a secret, not the secret itself
# (``PASSWORD_MIN_LENGTH``, ``TOKEN_TTL``, ``PASSWORD_AUTH_ENABLED``, ``TOKEN_ALGORITHM``).
SETTING_SUFFIXES = frozenset(
    {
        "enabled",
        "enable",
        "disabled",
        "disable",
        "ttl",
        "seconds",
        "length",
        "expiry",
        "expiration",
        "timeout",
        "lifetime",
        "interval",
        "policy",
        "algorithm",
        "type",
        "mode",
        "encryption",
    }
)
# Names of well-known credentials that the word list does not catch (shell-style patterns,
# matched case-insensitively on the whole name). A bare ``KEY`` is not a secret word: these
# are the vendors' own variable names.
CREDENTIAL_NAMES = (
    "AZURE_*_KEY",
    "AZURE_*KEY",
    "ARM_ACCESS_KEY",
    "OCI_CLI_KEY_CONTENT",
    "OCI_*_KEY_CONTENT",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "GOOGLE_API_KEY",
    "*_MASTER_KEY",
    "*_ENCRYPTION_KEY",
    "*_SIGNING_KEY",
    "*_LICENSE_KEY",
    "*_APP_KEY",
    "RABBITMQ_ERLANG_COOKIE",
    "*_ERLANG_COOKIE",
    "*_PASSPHRASE",
)
_CREDENTIAL_NAME = lazy_regex(
    lambda: "|".join(fnmatch.translate(p) for p in CREDENTIAL_NAMES), re.IGNORECASE
)

# Values that cannot be a credential: YAML 1.1 booleans and yes/no words, numbers, durations.
_FLAG_WORDS = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off"})
_NUMBER = lazy_regex(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DURATION = lazy_regex(
    r"(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w))+"
    r"|P(?:\d+[YMWD])*(?:T(?:\d+(?:\.\d+)?[HMS])+)?",
    re.IGNORECASE,
)
# A URL with a password in its user info (``postgres://app:hunter2@db/app``), anywhere in a
# value. A reference in the password's place (``$(DB_PASSWORD)``, ``${PASS}``, ``{{ .pw }}``,
# ``<password>``, ``%s``) is not a literal password.
_URL_PASSWORD = lazy_regex(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:]*:([^\s/?#@]+)@[^\s/?#@]")
_URL_QUERY = lazy_regex(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s?#]*\?([^\s#]+)")
_PLACEHOLDER = lazy_regex(r"^(?:\$\(|\$\{|\{\{|<|%|\*+$)")

# Values that are secrets whatever the name says.
TOKEN_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a private key", lazy_regex(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("an AWS access key ID", lazy_regex(r"(?<![0-9A-Z])(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])")),
    (
        "a GitHub token",
        lazy_regex(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
    ),
    ("a Slack token", lazy_regex(r"(?<![A-Za-z0-9])xox[abprs]-[A-Za-z0-9-]{10,}")),
)

_WORD = lazy_regex(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SEPARATORS = lazy_regex(r"[_.\-]+")
# A value made only of $(VAR) references: Kubernetes substitutes other env vars into it.
_ONLY_REFERENCES = lazy_regex(r"(?:\$\([A-Za-z_][A-Za-z0-9_.\-]*\))+")


def split_words(name: str) -> list[str]:
    """``DB_PASSWORD`` -> [db, password]; ``apiKey`` -> [api, key]; ``APIKey`` -> [api, key]."""
    return [
        match.group(0).lower() for part in _SEPARATORS.split(name) for match in _WORD.finditer(part)
    ]


def secret_word(name: str) -> str | None:
    """The secret-looking word of ``name`` (``"password"``, ``"api key"``), or None."""
    words = split_words(name)
    for i, word in enumerate(words):
        if word in SECRET_WORDS:
            return word
        if i + 1 < len(words) and (word, words[i + 1]) in SECRET_PAIRS:
            return f"{word} {words[i + 1]}"
    return None


def is_reference_name(name: str) -> bool:
    """``*_FILE``, ``*_PATH``, ``*_SECRET_NAME``, ``*_SECRET_REF`` (any separator or case)."""
    words = tuple(split_words(name))
    return any(words[-len(s) :] == s for s in REFERENCE_SUFFIXES)


def token_format(value: str) -> str | None:
    """What kind of key or token ``value`` contains, or None."""
    for what, pattern in TOKEN_FORMATS:
        if pattern.search(value):
            return what
    return None


def is_credential_name(name: str) -> bool:
    """A vendor's well-known credential variable (``AZURE_STORAGE_KEY``, ``OCI_CLI_KEY_CONTENT``,
    CREDENTIAL_NAMES)."""
    return _CREDENTIAL_NAME.fullmatch(name) is not None


def names_secret(name: str) -> bool:
    """Whether the name's last word is a secret word (``ADMIN_PASSWORD``, ``API_KEY``): the
    variable is the credential itself, so even a number (a PIN, ``123456``) is one."""
    words = split_words(name)
    if not words:
        return False
    return words[-1] in SECRET_WORDS or (len(words) > 1 and (words[-2], words[-1]) in SECRET_PAIRS)


def is_setting_name(name: str) -> bool:
    """``*_ENABLED``, ``*_TTL``, ``*_MIN_LENGTH``, ``*_POLICY``: a setting about a secret."""
    words = split_words(name)
    return bool(words) and words[-1] in SETTING_SUFFIXES


def url_credentials(value: str) -> str | None:
    """What credential a URL in ``value`` carries: a literal password in its user info, or a
    secret-looking query parameter (``?token=…``, ``&password=…``); else None."""
    if "://" not in value:
        return None
    if any(not _PLACEHOLDER.match(m.group(1)) for m in _URL_PASSWORD.finditer(value)):
        return "a URL with a password in it"
    for m in _URL_QUERY.finditer(value):
        for key, item in parse_qsl(m.group(1), keep_blank_values=True):
            if item and secret_word(key) is not None and not _PLACEHOLDER.match(item):
                return f'a URL with a "{key}" query parameter'
    return None


def _plain_url(value: str) -> bool:
    """A single URL without credentials: no password in its user info and no secret-looking
    query parameter (``?token=…``)."""
    if any(c.isspace() for c in value) or "://" not in value:
        return False
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:
        return False
    return bool(parts.scheme and parts.netloc and not password) and url_credentials(value) is None


def cannot_be_credential(value: str) -> bool:
    """Booleans and yes/no words, numbers, durations and URLs without credentials: values a
    setting takes (``ALLOW_EMPTY_PASSWORD: "no"``, ``TOKEN_TTL: 3600``). A number still counts
    for a name that is the credential itself (``ADMIN_PASSWORD: 123456``, see names_secret)."""
    text = value.strip()
    return (
        text.lower() in _FLAG_WORDS
        or _NUMBER.fullmatch(text) is not None
        or _DURATION.fullmatch(text) is not None
        or _plain_url(text)
    )


def _redacted(text: str) -> str:
    """How a secret value is named in messages: never its content."""
    return f"({len(text)} characters, not shown)"


def secret_reason(name: str, text: str) -> str | None:
    """Why a name/value pair (env var, ConfigMap entry) holds a literal secret, or None.

    A value in a key/token format, or holding a URL with a password in it, always counts.
    Values that cannot be a credential (booleans, numbers, durations, plain URLs) never do.
    Otherwise the name must be a well-known credential name, or contain a secret-looking word
    without being a reference (``*_FILE``, ...) or a setting (``*_ENABLED``, ``*_TTL``, ...),
    and the value must not be made only of ``$(VAR)`` references to other env vars.
    """
    if not text:
        return None
    fmt = token_format(text)
    if fmt is not None:
        return f"the value looks like {fmt}"
    url = url_credentials(text)
    if url is not None:
        return f"the value is {url}"
    if _ONLY_REFERENCES.fullmatch(text):
        return None
    if cannot_be_credential(text) and not (_NUMBER.fullmatch(text) and names_secret(name)):
        return None
    if is_credential_name(name):
        return f'"{name}" is a well-known credential name'
    if is_reference_name(name) or is_setting_name(name):
        return None
    word = secret_word(name)
    return None if word is None else f'the name contains "{word}"'


def _literal_text(value: object) -> str | None:
    """The text of a literal scalar value (numbers count; booleans and null do not)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


# --- env vars -------------------------------------------------------------------------------


@check("literal_secret_in_env")
def literal_secret_in_env(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    for i, item in c.env():
        name, text = item.get("name"), _literal_text(item.get("value"))
        if not isinstance(name, str) or text is None:
            continue
        reason = secret_reason(name, text)
        if reason is not None:
            yield Violation(
                c.at("env", i, "value"),
                f'container "{c.name}" env var "{name}" has a literal value {_redacted(text)} '
                f"that looks like a secret ({reason}); read it from a Secret "
                "(valueFrom.secretKeyRef or a mounted file)",
                container=c.name,
            )


@check("secret_in_env_var")
def secret_in_env_var(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    for i, item in c.env():
        source = item.get("valueFrom")
        ref = source.get("secretKeyRef") if isinstance(source, dict) else None
        if isinstance(ref, dict):
            yield Violation(
                c.at("env", i, "valueFrom", "secretKeyRef"),
                f'container "{c.name}" env var "{item.get("name")}" is read from Secret '
                f'"{ref.get("name")}" key "{ref.get("key")}"; prefer mounting the Secret as a '
                "file (env vars leak into logs, crash dumps and child processes)",
                container=c.name,
            )
    env_from = c.raw.get("envFrom")
    if isinstance(env_from, list):
        for i, item in enumerate(env_from):
            ref = item.get("secretRef") if isinstance(item, dict) else None
            if isinstance(ref, dict):
                yield Violation(
                    c.at("envFrom", i, "secretRef"),
                    f'container "{c.name}" loads every key of Secret "{ref.get("name")}" as env '
                    "vars (envFrom.secretRef); prefer mounting the Secret as a file",
                    container=c.name,
                )


@check("duplicate_env_var")
def duplicate_env_var(c: Container, ctx: CheckContext) -> Iterator[Violation]:
    first: dict[str, int] = {}
    for i, item in c.env():
        name = item.get("name")
        if not isinstance(name, str):
            continue
        if name in first:
            yield Violation(
                c.at("env", i, "name"),
                f'container "{c.name}" defines env var "{name}" again (entries {first[name] + 1} '
                f"and {i + 1}); the last definition silently wins",
                container=c.name,
            )
        else:
            first[name] = i


# --- ConfigMaps -----------------------------------------------------------------------------


@check("secret_in_configmap")
def secret_in_configmap(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    data = obj.raw.get("data")
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        text = _literal_text(value)
        if text is None:
            continue
        reason = secret_reason(key, text)
        if reason is not None:
            yield Violation(
                join("/data", key),
                f'ConfigMap "{obj.name}" key "{key}" holds a value that looks like a secret '
                f"({reason}); store it in a Secret",
            )


# --- service accounts -----------------------------------------------------------------------


def service_account(pod: PodSpec) -> tuple[str, str | None]:
    """The pod's effective ServiceAccount name and the pointer of the field that names it.

    ``serviceAccountName`` wins; the deprecated ``serviceAccount`` applies when it is unset;
    otherwise the pod runs as ``default`` (pointer None: named nowhere).
    """
    for field in ("serviceAccountName", "serviceAccount"):
        value = pod.raw.get(field)
        if isinstance(value, str) and value:
            return value, pod.at(field)
    return "default", None


def _pod_owner(obj: K8sObject) -> str:
    return obj.display if obj.kind == "Pod" else f"pod of {obj.display}"


@check("default_service_account")
def default_service_account(pod: PodSpec, ctx: CheckContext) -> Iterator[Violation]:
    name, pointer = service_account(pod)
    if name != "default":
        return
    how = (
        "serviceAccountName is not set"
        if pointer is None
        else f"{pointer.rsplit('/', 1)[-1]}: default"
    )
    yield Violation(
        pointer or pod.at("serviceAccountName"),
        f'{_pod_owner(pod.obj)} runs as the namespace\'s "default" ServiceAccount ({how}); '
        "give the workload its own ServiceAccount",
    )


def _workloads(lint_set: LintSet) -> Iterator[tuple[K8sObject, PodSpec]]:
    for obj in lint_set.objects:
        pod = obj.pod
        if pod is not None:
            yield obj, pod


@check("service_account_token_automounted")
def service_account_token_automounted(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Effective automountServiceAccountToken: the pod's own value wins; otherwise its
    ServiceAccount's when that ServiceAccount is in the lint set; otherwise true."""
    for obj, pod in _workloads(lint_set):
        pointer = pod.at("automountServiceAccountToken")
        own = pod.raw.get("automountServiceAccountToken")
        if own is False:
            continue
        if own is True:
            yield Violation(
                pointer,
                f"{_pod_owner(obj)} sets automountServiceAccountToken: true: every container "
                "gets an API token it probably does not need",
                obj=obj,
            )
            continue
        name, _ = service_account(pod)
        accounts = lint_set.find("ServiceAccount", obj.scope, name)
        sa_value = accounts[-1].raw.get("automountServiceAccountToken") if accounts else None
        if sa_value is False:
            continue
        if sa_value is True:
            why = f'its ServiceAccount "{name}" sets automountServiceAccountToken: true'
        elif accounts:
            why = f'neither the pod nor its ServiceAccount "{name}" sets it (default true)'
        else:
            why = "the pod does not set it (default true)"
        yield Violation(
            pointer,
            f"{_pod_owner(obj)} gets a ServiceAccount API token mounted: {why}; set "
            "automountServiceAccountToken: false unless it talks to the API server",
            obj=obj,
        )


@check("missing_service_account")
def missing_service_account(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Gated: only when the set holds at least one ServiceAccount, or is declared complete."""
    if not (lint_set.has_kind("ServiceAccount") or lint_set.complete):
        return
    for obj, pod in _workloads(lint_set):
        name, pointer = service_account(pod)
        if pointer is None or name == "default" or not lint_set.knows(obj, "ServiceAccount"):
            continue
        if lint_set.find("ServiceAccount", obj.scope, name):
            continue
        elsewhere = sorted(
            {
                sa.namespace
                for sa in lint_set.of_kind("ServiceAccount")
                if sa.name == name and sa.namespace
            }
        )
        hint = ""
        if elsewhere:
            hint = " (it exists in namespace " + ", ".join(f'"{ns}"' for ns in elsewhere) + ")"
        yield Violation(
            pointer,
            f'{_pod_owner(obj)} uses ServiceAccount "{name}", which is not defined in namespace '
            f'"{obj.namespace}"{hint}: the pod will not be created',
            obj=obj,
        )
