"""Kubernetes name syntax for ``kind`` and ``apiVersion``, checked before either is looked up.

A kind is what the API machinery accepts as ``spec.names.kind`` of a CRD (a DNS-1035 label once
lower-cased: letters, digits and ``-``, starting with a letter, at most 63 characters); an
apiVersion is ``VERSION`` (the core group) or ``GROUP/VERSION`` with GROUP a DNS-1123 subdomain
(at most 253 characters) and VERSION a DNS-1035 label. Text that fails these checks never reaches
a schema lookup, a file name or a cache key.
"""

from __future__ import annotations

import re
from typing import Any

_KIND_RE = re.compile(r"[A-Za-z](?:[-A-Za-z0-9]{0,61}[A-Za-z0-9])?")
_LABEL_1035 = r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?"
_LABEL_1123 = r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?"
_API_VERSION_RE = re.compile(rf"(?:(?:{_LABEL_1123})(?:\.{_LABEL_1123})*/)?{_LABEL_1035}")
MAX_GROUP = 253


def valid_kind(kind: Any) -> bool:
    return isinstance(kind, str) and _KIND_RE.fullmatch(kind) is not None


def valid_api_version(api_version: Any) -> bool:
    if not isinstance(api_version, str) or _API_VERSION_RE.fullmatch(api_version) is None:
        return False
    group = api_version.rpartition("/")[0]
    return len(group) <= MAX_GROUP


def kind_problem(kind: str) -> str:
    return (
        f"kind {_shown(kind)} is not a valid Kubernetes kind (letters, digits and '-', "
        "starting with a letter, at most 63 characters)"
    )


def api_version_problem(api_version: str) -> str:
    return (
        f"apiVersion {_shown(api_version)} is not a valid Kubernetes API version "
        "(VERSION or GROUP/VERSION, e.g. v1 or apps/v1)"
    )


def _shown(text: str, limit: int = 60) -> str:
    """The text quoted for a message: control characters escaped, shortened when long."""
    body = text[:limit].encode("unicode_escape").decode("ascii").replace('"', '\\"')
    return '"' + body + ('..."' if len(text) > limit else '"')
