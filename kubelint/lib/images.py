"""Container image references: parsing, Docker Hub normalisation and registry allow-lists.

This module owns the reading of a container ``image:`` string the way the container runtimes
do (``github.com/distribution/reference``'s ``ParseNormalizedNamed``, which the kubelet and
containerd use), and the matching of an image against an allowed registry or repository
prefix. It is pure: no I/O, and it knows nothing about Helm templates or placeholders.

Grammar::

    reference  := name [ ":" tag ] [ "@" digest ]
    name       := [ registry "/" ] path
    registry   := host [ ":" port ]              host: DNS-ish name, IPv4 or [IPv6]
    path       := component ( "/" component )*   component: [a-z0-9]+ joined by . _ __ or -+
    tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
    digest     := algorithm ":" hex              sha256 (64), sha384 (96) or sha512 (128) hex

Normalisation: the first path component names a registry only when it contains ``.`` or
``:``, is ``localhost``, or has upper-case letters; otherwise the registry is ``docker.io``.
``index.docker.io`` is ``docker.io``, and a single-component Docker Hub path gets ``library/``
(``nginx`` is ``docker.io/library/nginx``).
"""

from __future__ import annotations

import re

from kubelint.messages import quote
from kubelint.records import dataclass

__all__ = [
    "DEFAULT_REGISTRY",
    "DEFAULT_TAG",
    "ImageRef",
    "ImageRefError",
    "normalize_registry_prefix",
    "parse_image",
    "registry_matches",
]

DEFAULT_REGISTRY = "docker.io"
LEGACY_DEFAULT_REGISTRY = "index.docker.io"
OFFICIAL_REPO_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_TOTAL_LENGTH_MAX = 255

_ALPHANUMERIC = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALPHANUMERIC}(?:{_SEPARATOR}{_ALPHANUMERIC})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[[a-fA-F0-9:]+\]"

_PATH_RE = re.compile(rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
_REGISTRY_RE = re.compile(rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?")
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST_RE = re.compile(
    r"(?P<algorithm>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):(?P<hex>[0-9a-fA-F]{32,})"
)
_IDENTIFIER_RE = re.compile(r"[a-f0-9]{64}")
# go-digest's registered algorithms and the length of their hex encoding.
_DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_LOWER_HEX_RE = re.compile(r"[a-f0-9]+")


class ImageRefError(ValueError):
    """An image reference (or an allowed-registry entry) that cannot be parsed."""


@dataclass(frozen=True)
class ImageRef:
    """A parsed, normalised image reference.

    ``registry`` is the host (with port) and ``repository`` the path on it, both normalised:
    ``nginx`` gives ``docker.io`` and ``library/nginx``. ``tag`` and ``digest`` are None when
    absent; the digest keeps its algorithm (``sha256:…``). ``raw`` is the input as written.
    """

    raw: str
    registry: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def is_pinned(self) -> bool:
        """True when the reference names a digest (whatever its tag says)."""
        return self.digest is not None

    @property
    def name(self) -> str:
        """``registry/repository`` without tag or digest: ``docker.io/library/nginx``."""
        return f"{self.registry}/{self.repository}"

    @property
    def normalized(self) -> str:
        """The fully qualified reference: ``docker.io/library/nginx:latest`` for ``nginx``.

        Like Docker's ``TagNameOnly``, the default tag ``latest`` is added only to a reference
        that has neither tag nor digest: ``app@sha256:…`` normalises to
        ``docker.io/library/app@sha256:…``, since it does not refer to the ``latest`` tag.
        """
        text = self.name
        if self.tag is not None:
            text += f":{self.tag}"
        elif self.digest is None:
            text += f":{DEFAULT_TAG}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    @property
    def registry_explicit(self) -> bool:
        """True when the reference as written names its registry (``docker.io/nginx`` does,
        ``nginx`` and ``library/nginx`` do not)."""
        first, slash, _ = self.raw.partition("/")
        return bool(slash) and _names_registry(first)


def parse_image(ref: str) -> ImageRef:
    """Parse a container image reference; raise ImageRefError when it is invalid."""
    if not isinstance(ref, str):
        raise ImageRefError(f"image reference must be a string, not {type(ref).__name__}")
    if ref == "":
        raise ImageRefError("image reference is empty")
    if any(ch.isspace() for ch in ref):
        raise ImageRefError(f"invalid image reference {quote(ref)}: contains whitespace")
    if _IDENTIFIER_RE.fullmatch(ref):
        raise ImageRefError(
            f"invalid image reference {quote(ref)}: a 64-character hexadecimal image ID is not a "
            "repository name"
        )

    first, slash, rest = ref.partition("/")
    if slash and _names_registry(first):
        registry, remainder = first, rest
        if registry == LEGACY_DEFAULT_REGISTRY:
            registry = DEFAULT_REGISTRY
        if not _REGISTRY_RE.fullmatch(registry):
            raise ImageRefError(
                f"invalid image reference {quote(ref)}: invalid registry {quote(first)}"
            )
    else:
        registry, remainder = DEFAULT_REGISTRY, ref

    name_part, at, digest = remainder.partition("@")
    path, colon, tag = name_part.partition(":")
    if not _PATH_RE.fullmatch(path):
        raise ImageRefError(f"invalid image reference {quote(ref)}: {_path_problem(path)}")
    if registry == DEFAULT_REGISTRY and "/" not in path:
        path = OFFICIAL_REPO_PREFIX + path
    if len(registry) + 1 + len(path) > NAME_TOTAL_LENGTH_MAX:
        raise ImageRefError(
            f"invalid image reference {quote(ref)}: repository name must not be longer than "
            f"{NAME_TOTAL_LENGTH_MAX} characters"
        )
    if colon and not _TAG_RE.fullmatch(tag):
        raise ImageRefError(
            f"invalid image reference {quote(ref)}: invalid tag {quote(tag)} (up to 128 letters, "
            "digits, '_', '.' and '-', not starting with '.' or '-')"
        )
    if at:
        problem = _digest_problem(digest)
        if problem:
            raise ImageRefError(f"invalid image reference {quote(ref)}: {problem}")

    return ImageRef(
        raw=ref,
        registry=registry,
        repository=path,
        tag=tag if colon else None,
        digest=digest if at else None,
    )


def normalize_registry_prefix(allowed: str) -> tuple[str, tuple[str, ...]]:
    """Normalise an allowed-registry entry into ``(host, repository prefixes)``.

    ``docker.io`` and ``gcr.io`` (hosts, with an optional port; ``localhost`` too) give no
    prefixes: the whole registry is allowed. ``ghcr.io/myorg`` gives ``("ghcr.io",
    ("myorg",))``. A name without a registry is a Docker Hub repository, normalised like an
    image: ``nginx`` is ``("docker.io", ("library/nginx",))``. ``docker.io/bitnami`` stands both
    for the official image ``library/bitnami`` and for the ``bitnami/`` organisation, since an
    allow-list entry written that way usually means the latter. Hosts are lower-cased (DNS is
    case-insensitive). Raises ImageRefError for a malformed entry, so that configuration can be
    checked once up front.
    """
    if not isinstance(allowed, str):
        raise ImageRefError(f"allowed registry must be a string, not {type(allowed).__name__}")
    entry = allowed.strip().rstrip("/")
    if not entry or any(ch.isspace() for ch in entry):
        raise ImageRefError(f"invalid allowed registry {quote(allowed)}")
    first, slash, rest = entry.partition("/")
    if slash:
        explicit = _names_registry(first)
    else:  # "gcr.io", "registry:5000", "localhost" are hosts; "nginx" is an image
        explicit = first == "localhost" or "." in first or ":" in first
    host, path = (first, rest) if explicit else (DEFAULT_REGISTRY, entry)
    host = host.lower()
    if host == LEGACY_DEFAULT_REGISTRY:
        host = DEFAULT_REGISTRY
    if not _REGISTRY_RE.fullmatch(host):
        raise ImageRefError(
            f"invalid allowed registry {quote(allowed)}: invalid host {quote(host)}"
        )
    if not path:
        return host, ()
    if not _PATH_RE.fullmatch(path):
        raise ImageRefError(f"invalid allowed registry {quote(allowed)}: {_path_problem(path)}")
    if host == DEFAULT_REGISTRY and "/" not in path:
        if explicit:  # "docker.io/bitnami": the official image or the organisation
            return host, (OFFICIAL_REPO_PREFIX + path, path)
        return host, (OFFICIAL_REPO_PREFIX + path,)
    return host, (path,)


def registry_matches(image: ImageRef, allowed: str) -> bool:
    """True when ``image`` comes from the registry or repository prefix ``allowed``.

    Prefixes match whole path components only: ``ghcr.io/my`` does not match
    ``ghcr.io/myorg/app``, while ``ghcr.io/myorg`` matches ``ghcr.io/myorg`` and
    ``ghcr.io/myorg/team/app``. See normalize_registry_prefix for how entries are read.
    """
    host, prefixes = normalize_registry_prefix(allowed)
    image_host = image.registry.lower()
    if image_host == LEGACY_DEFAULT_REGISTRY:
        image_host = DEFAULT_REGISTRY
    if image_host != host:
        return False
    if not prefixes:
        return True
    repository = image.repository
    return any(repository == p or repository.startswith(p + "/") for p in prefixes)


def _names_registry(component: str) -> bool:
    """Whether the first path component of a reference is a registry host."""
    return (
        component == "localhost"
        or "." in component
        or ":" in component
        or component.lower() != component
    )


def _path_problem(path: str) -> str:
    if path.lower() != path:
        return f"repository name {quote(path)} must be lowercase"
    return (
        f"invalid repository name {quote(path)} (lowercase letters and digits, separated by '/', "
        "'.', '_', '__' or dashes)"
    )


def _digest_problem(digest: str) -> str | None:
    match = _DIGEST_RE.fullmatch(digest)
    if match is None:
        return f"invalid digest {quote(digest)} (expected sha256:<64 hex digits>)"
    algorithm, encoded = match.group("algorithm", "hex")
    expected = _DIGEST_HEX_LENGTHS.get(algorithm)
    if expected is None:
        return f"unsupported digest algorithm {quote(algorithm)} (use sha256, sha384 or sha512)"
    if len(encoded) != expected:
        return f"invalid {algorithm} digest: {len(encoded)} hex digits instead of {expected}"
    if not _LOWER_HEX_RE.fullmatch(encoded):
        return f"invalid {algorithm} digest: hex digits must be lowercase"
    return None
