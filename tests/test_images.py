"""kubelint.lib.images: image references as distribution/reference (ParseNormalizedNamed)
reads them."""

from __future__ import annotations

import pytest

from kubelint.lib.images import (
    ImageRef,
    ImageRefError,
    normalize_registry_prefix,
    parse_image,
    registry_matches,
)

H = "0123456789abcdef" * 4  # 64 lowercase hex digits
D = f"sha256:{H}"
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

# ref, registry, repository, tag, digest, normalized, registry_explicit
PARSED: list[tuple[str, str, str, str | None, str | None, str, bool]] = [
    ("nginx", "docker.io", "library/nginx", None, None, "docker.io/library/nginx:latest", False),
    (
        "nginx:latest",
        "docker.io",
        "library/nginx",
        "latest",
        None,
        "docker.io/library/nginx:latest",
        False,
    ),
    (
        "nginx:1.25",
        "docker.io",
        "library/nginx",
        "1.25",
        None,
        "docker.io/library/nginx:1.25",
        False,
    ),
    (
        "library/nginx",
        "docker.io",
        "library/nginx",
        None,
        None,
        "docker.io/library/nginx:latest",
        False,
    ),
    (
        "docker.io/nginx",
        "docker.io",
        "library/nginx",
        None,
        None,
        "docker.io/library/nginx:latest",
        True,
    ),
    (
        "docker.io/library/nginx",
        "docker.io",
        "library/nginx",
        None,
        None,
        "docker.io/library/nginx:latest",
        True,
    ),
    (
        "index.docker.io/library/nginx",
        "docker.io",
        "library/nginx",
        None,
        None,
        "docker.io/library/nginx:latest",
        True,
    ),
    (
        "index.docker.io/nginx",
        "docker.io",
        "library/nginx",
        None,
        None,
        "docker.io/library/nginx:latest",
        True,
    ),
    (
        "bitnami/redis:7",
        "docker.io",
        "bitnami/redis",
        "7",
        None,
        "docker.io/bitnami/redis:7",
        False,
    ),
    # registry with a port: untagged, tagged
    (
        "registry:5000/team/app",
        "registry:5000",
        "team/app",
        None,
        None,
        "registry:5000/team/app:latest",
        True,
    ),
    ("registry:5000/app:1.2", "registry:5000", "app", "1.2", None, "registry:5000/app:1.2", True),
    # a bare name:number is an image with a tag, not a registry
    (
        "registry:5000",
        "docker.io",
        "library/registry",
        "5000",
        None,
        "docker.io/library/registry:5000",
        False,
    ),
    # pinned by digest
    ("app@" + D, "docker.io", "library/app", None, D, f"docker.io/library/app@{D}", False),
    ("app:1.2@" + D, "docker.io", "library/app", "1.2", D, f"docker.io/library/app:1.2@{D}", False),
    ("gcr.io/proj/app@" + D, "gcr.io", "proj/app", None, D, f"gcr.io/proj/app@{D}", True),
    (
        "nginx:latest@sha384:" + "a" * 96,
        "docker.io",
        "library/nginx",
        "latest",
        "sha384:" + "a" * 96,
        "docker.io/library/nginx:latest@sha384:" + "a" * 96,
        False,
    ),
    (
        "app@sha512:" + "b" * 128,
        "docker.io",
        "library/app",
        None,
        "sha512:" + "b" * 128,
        "docker.io/library/app@sha512:" + "b" * 128,
        False,
    ),
    # localhost is always a registry
    ("localhost/app", "localhost", "app", None, None, "localhost/app:latest", True),
    ("localhost:5000/app:v1", "localhost:5000", "app", "v1", None, "localhost:5000/app:v1", True),
    # other registries
    ("ghcr.io/org/app:1.0", "ghcr.io", "org/app", "1.0", None, "ghcr.io/org/app:1.0", True),
    (
        "quay.io/org/app:latest",
        "quay.io",
        "org/app",
        "latest",
        None,
        "quay.io/org/app:latest",
        True,
    ),
    (f"{ECR}/app:v1", ECR, "app", "v1", None, f"{ECR}/app:v1", True),
    ("gcr.io/a/b/c/d:x", "gcr.io", "a/b/c/d", "x", None, "gcr.io/a/b/c/d:x", True),
    ("10.0.0.1:5000/app", "10.0.0.1:5000", "app", None, None, "10.0.0.1:5000/app:latest", True),
    ("[::1]:5000/app:v2", "[::1]:5000", "app", "v2", None, "[::1]:5000/app:v2", True),
    (
        "my-registry.local/app",
        "my-registry.local",
        "app",
        None,
        None,
        "my-registry.local/app:latest",
        True,
    ),
    # an upper-case first component can only be a registry (repositories are lowercase)
    ("Registry/app", "Registry", "app", None, None, "Registry/app:latest", True),
    # separators inside path components
    (
        "my-org/my__app.v2",
        "docker.io",
        "my-org/my__app.v2",
        None,
        None,
        "docker.io/my-org/my__app.v2:latest",
        False,
    ),
    ("a--b/c", "docker.io", "a--b/c", None, None, "docker.io/a--b/c:latest", False),
    # tags
    (
        "app:V1.2_rc-1",
        "docker.io",
        "library/app",
        "V1.2_rc-1",
        None,
        "docker.io/library/app:V1.2_rc-1",
        False,
    ),
    ("app:_x", "docker.io", "library/app", "_x", None, "docker.io/library/app:_x", False),
    (
        "app:" + "t" * 128,
        "docker.io",
        "library/app",
        "t" * 128,
        None,
        "docker.io/library/app:" + "t" * 128,
        False,
    ),
]


@pytest.mark.parametrize(
    ("ref", "registry", "repository", "tag", "digest", "normalized", "explicit"),
    PARSED,
    ids=[row[0][:60] for row in PARSED],
)
def test_parse(
    ref: str,
    registry: str,
    repository: str,
    tag: str | None,
    digest: str | None,
    normalized: str,
    explicit: bool,
) -> None:
    image = parse_image(ref)
    assert image == ImageRef(ref, registry, repository, tag, digest)
    assert image.raw == ref
    assert image.normalized == normalized
    assert image.registry_explicit is explicit
    assert image.is_pinned is (digest is not None)
    assert image.name == f"{registry}/{repository}"


@pytest.mark.parametrize(
    ("ref", "tagged", "pinned"),
    [
        # the latest-tag cases of the catalogue
        ("registry:5000/team/app", False, False),
        ("registry:5000/app:1.2", True, False),
        ("app@" + D, False, True),
        ("app:1.2@" + D, True, True),
        ("localhost/app", False, False),
        ("nginx", False, False),
        ("nginx:latest", True, False),
    ],
)
def test_tagged_and_pinned(ref: str, tagged: bool, pinned: bool) -> None:
    image = parse_image(ref)
    assert (image.tag is not None) is tagged
    assert image.is_pinned is pinned


INVALID: list[tuple[str, str]] = [
    ("", "empty"),
    (" nginx", "whitespace"),
    ("nginx ", "whitespace"),
    ("my app", "whitespace"),
    ("nginx\n", "whitespace"),
    ("Nginx", "must be lowercase"),
    ("nginx/MyApp", "must be lowercase"),
    ("ghcr.io/Org/app", "must be lowercase"),
    ("nginx:", "invalid tag"),
    ("nginx:-x", "invalid tag"),
    ("nginx:.x", "invalid tag"),
    ("nginx:a:b", "invalid tag"),
    ("nginx:tag/x", "invalid registry"),  # "nginx:tag" has a colon: a registry
    ("nginx:" + "t" * 129, "invalid tag"),
    ("nginx:1.2/foo", "invalid registry"),
    ("nginx@", "invalid digest"),
    ("app@sha256:abc", "invalid digest"),
    ("app@sha256:" + "g" * 64, "invalid digest"),
    ("app@" + H, "invalid digest"),
    ("app@sha256:" + H.upper(), "lowercase"),
    ("app@sha256:" + H[:-1], "63 hex digits instead of 64"),
    ("app@sha256:" + H + "0", "65 hex digits instead of 64"),
    ("app@md5:" + "a" * 32, "unsupported digest algorithm"),
    ("app@SHA256:" + H, "unsupported digest algorithm"),
    ("app@" + D + "@" + D, "invalid digest"),
    (H, "hexadecimal"),
    (":tag", "invalid repository name"),
    ("/app", "invalid repository name"),
    ("app/", "invalid repository name"),
    ("a//b", "invalid repository name"),
    ("-app", "invalid repository name"),
    ("app-", "invalid repository name"),
    ("a..b", "invalid repository name"),
    ("a___b", "invalid repository name"),
    ("a_/b", "invalid repository name"),
    ("localhost:5000/", "invalid repository name"),
    ("registry:port/app", "invalid registry"),
    ("a_b.c/app", "invalid registry"),
    ("-reg.io/app", "invalid registry"),
    ("[::1/app", "invalid registry"),
    ("reg.io/" + "a" * 250, "longer than 255"),
]


@pytest.mark.parametrize(("ref", "problem"), INVALID, ids=[r[:40] or "empty" for r, _ in INVALID])
def test_invalid(ref: str, problem: str) -> None:
    with pytest.raises(ImageRefError) as caught:
        parse_image(ref)
    assert isinstance(caught.value, ValueError)
    assert problem in str(caught.value)


@pytest.mark.parametrize("value", [None, 1, ["nginx"]])
def test_non_string(value: object) -> None:
    with pytest.raises(ImageRefError):
        parse_image(value)  # type: ignore[arg-type]


def test_name_length_limit_counts_normalised_name() -> None:
    # docker.io/library/ + 237 characters = 255: the limit itself is fine
    assert parse_image("a" * 237).repository == "library/" + "a" * 237
    with pytest.raises(ImageRefError):
        parse_image("a" * 238)


def test_frozen() -> None:
    image = parse_image("nginx")
    with pytest.raises(AttributeError):
        image.tag = "x"  # type: ignore[misc]
    assert hash(image) == hash(parse_image("nginx"))


MATCHES: list[tuple[str, str, bool]] = [
    # registry hosts
    ("nginx", "docker.io", True),
    ("docker.io/library/nginx", "docker.io", True),
    ("index.docker.io/library/nginx", "docker.io", True),
    ("nginx", "index.docker.io", True),
    ("bitnami/redis", "docker.io", True),
    ("nginx", "gcr.io", False),
    ("gcr.io/proj/app", "gcr.io", True),
    ("gcr.io/proj/app@" + D, "gcr.io", True),
    ("gcr.io/proj/app", "GCR.io", True),
    ("gcr.io/proj/app", "gcr.io/", True),
    ("us.gcr.io/proj/app", "gcr.io", False),
    ("quay.io/org/app", "docker.io", False),
    (f"{ECR}/app:v1", ECR, True),
    ("registry:5000/app", "registry:5000", True),
    ("registry:5000/app", "registry:5001", False),
    ("registry:5000/app", "registry", False),  # a bare name is a Docker Hub image
    ("localhost/app", "localhost", True),
    ("localhost:5000/app", "localhost", False),
    ("localhost:5000/app", "localhost:5000", True),
    # Docker Hub names: "nginx" means docker.io/library/nginx
    ("nginx", "nginx", True),
    ("nginx:1.25", "nginx", True),
    ("nginx@" + D, "nginx", True),
    ("docker.io/library/nginx", "nginx", True),
    ("nginx", "library/nginx", True),
    ("nginx", "docker.io/nginx", True),
    ("nginx", "docker.io/library/nginx", True),
    ("nginxinc/nginx-unprivileged", "nginx", False),
    ("nginx-extra", "nginx", False),
    ("bitnami/redis", "nginx", False),
    ("gcr.io/nginx", "nginx", False),
    # Docker Hub organisations
    ("bitnami/redis", "bitnami/redis", True),
    ("bitnami/redis", "docker.io/bitnami", True),
    ("bitnami", "docker.io/bitnami", True),
    ("bitnami/redis", "bitnami", False),  # a bare name is an official image
    ("bitnamilabs/redis", "docker.io/bitnami", False),
    # host/path prefixes, on path component boundaries only
    ("ghcr.io/myorg/app", "ghcr.io/myorg", True),
    ("ghcr.io/myorg/app:1.0", "ghcr.io/myorg/", True),
    ("ghcr.io/myorg", "ghcr.io/myorg", True),
    ("ghcr.io/myorg/team/app", "ghcr.io/myorg", True),
    ("ghcr.io/myorg/team/app", "ghcr.io/myorg/team", True),
    ("ghcr.io/myorg/app", "ghcr.io/my", False),
    ("ghcr.io/myorganisation/app", "ghcr.io/myorg", False),
    ("ghcr.io/myorg/app", "ghcr.io/myorg/app/sub", False),
    ("ghcr.io/other/app", "ghcr.io/myorg", False),
    ("gcr.io/myorg/app", "ghcr.io/myorg", False),
]


@pytest.mark.parametrize(
    ("image", "allowed", "expected"), MATCHES, ids=[f"{i[:40]}~{a}" for i, a, _ in MATCHES]
)
def test_registry_matches(image: str, allowed: str, expected: bool) -> None:
    assert registry_matches(parse_image(image), allowed) is expected


@pytest.mark.parametrize(
    ("allowed", "expected"),
    [
        ("docker.io", ("docker.io", ())),
        ("index.docker.io", ("docker.io", ())),
        ("Docker.IO", ("docker.io", ())),
        ("gcr.io", ("gcr.io", ())),
        ("registry:5000", ("registry:5000", ())),
        ("localhost", ("localhost", ())),
        ("nginx", ("docker.io", ("library/nginx",))),
        ("library/nginx", ("docker.io", ("library/nginx",))),
        ("docker.io/nginx", ("docker.io", ("library/nginx", "nginx"))),
        ("bitnami/redis", ("docker.io", ("bitnami/redis",))),
        ("ghcr.io/myorg", ("ghcr.io", ("myorg",))),
        ("ghcr.io/myorg/", ("ghcr.io", ("myorg",))),
        (" quay.io/org/team ", ("quay.io", ("org/team",))),
    ],
)
def test_normalize_registry_prefix(allowed: str, expected: tuple[str, tuple[str, ...]]) -> None:
    assert normalize_registry_prefix(allowed) == expected


@pytest.mark.parametrize(
    "allowed",
    ["", " ", "/", "my registry", "ghcr.io/My Org", "ghcr.io/MyOrg", "bad_host.io/x", "Nginx"],
)
def test_invalid_allowed_entry(allowed: str) -> None:
    with pytest.raises(ImageRefError):
        normalize_registry_prefix(allowed)
    with pytest.raises(ImageRefError):
        registry_matches(parse_image("nginx"), allowed)
