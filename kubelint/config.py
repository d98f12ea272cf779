"""The configuration file (.kubelint.yaml): discovery, validation with exact positions, merging.

The file is found in the current directory or a parent up to the repository root (the first
directory holding ``.git``; outside a repository only the current directory), or named with
``--config``. Discovery never climbs into a directory owned by another user or writable by
everyone, and never uses a config file owned by another user (see find_config). It is
validated against schemas/config.schema.json; every error names the file, line and key and
suggests the closest valid key or rule ID. Command-line flags override it.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from kubelint.loader import first_problem, read_yaml_file
from kubelint.messages import suggest
from kubelint.positions import PositionIndex, join
from kubelint.resources import load_schema
from kubelint.versions import DEFAULT, format_version

if TYPE_CHECKING:
    import jsonschema

CONFIG_NAMES = (".kubelint.yaml", ".kubelint.yml")


class ConfigError(Exception):
    """An invalid configuration file: the message names file, line and key."""


@dataclass(frozen=True)
class Exemption:
    rules: tuple[str, ...]
    reason: str
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    container: str | None = None
    path: str | None = None
    expires: str | None = None
    origin: str = ""  # file:line, for reports


@dataclass
class Config:
    path: Path | None = None
    kubernetes_version: str | None = None
    fail_on: str | None = None
    complete: bool | None = None
    namespace: str | None = None
    paths: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    exemptions: list[Exemption] = field(default_factory=list)
    custom_rules: list[Path] = field(default_factory=list)
    foreign_suppressions: bool = True

    @property
    def base(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()

    def enabled_overrides(self) -> tuple[list[str], list[str]]:
        enable = [r for r, c in self.rules.items() if c.get("enabled") is True]
        disable = [r for r, c in self.rules.items() if c.get("enabled") is False]
        return enable, disable

    def params(self) -> dict[str, dict[str, Any]]:
        return {r: dict(c["params"]) for r, c in self.rules.items() if "params" in c}

    def severities(self) -> dict[str, str]:
        return {r: str(c["severity"]) for r, c in self.rules.items() if "severity" in c}


def _trusted(st: os.stat_result) -> bool:
    """Owned by the current user (or root) and not writable by everyone."""
    owner_ok = st.st_uid in (os.geteuid(), 0) if hasattr(os, "geteuid") else True
    return owner_ok and not st.st_mode & stat.S_IWOTH


def _warn(message: str) -> None:
    sys.stderr.write(f"kubelint: {message}\n")


def find_config(start: Path | None = None, warn: Callable[[str], None] = _warn) -> Path | None:
    """The nearest .kubelint.yaml from ``start`` up to the repository root.

    Discovery trusts only what the user controls: it never climbs into a directory owned by
    another user or writable by everyone (``/tmp``, a shared workspace), and stops at the
    repository root (``.git``). A config file owned by another user or writable by everyone is
    ignored with a warning, never used silently.
    """
    here = (start or Path.cwd()).resolve()
    chain: list[Path] = []
    in_repository = False
    for directory in (here, *here.parents):
        try:
            trusted = _trusted(directory.stat())
        except OSError:
            break
        if chain and not trusted:
            break  # never climb into another user's or a world-writable directory
        chain.append(directory)
        if (directory / ".git").exists():
            in_repository = True
            break
    if not in_repository:
        chain = chain[:1]  # outside a repository only the current directory counts
    for directory in chain:
        for name in CONFIG_NAMES:
            candidate = directory / name
            try:
                st = candidate.stat()
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            if not _trusted(st):
                warn(
                    f"ignoring {candidate}: owned by another user or writable by everyone "
                    "(name it with --config to use it)"
                )
                return None
            return candidate
    return None


def repository_root(start: Path) -> Path:
    """The git top level holding ``start`` (the nearest directory with ``.git``), else
    ``start`` itself."""
    start = Path(os.path.realpath(start))
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def _where(path: Path, positions: PositionIndex, pointer: str, at: str = "key") -> str:
    line, column, _ = positions.locate(pointer, "key" if at == "key" else "value")
    return f"{path}:{line}:{column}"


def load_config(path: Path, known_rules: Iterable[str] = ()) -> Config:
    """Read and validate a config file; raise ConfigError with file:line and a suggestion."""
    try:
        _, loaded = read_yaml_file(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror or exc}") from exc
    p = first_problem(loaded)
    if p is not None:
        raise ConfigError(f"{path}:{p.line}:{p.column}: {p.message}")
    docs = [d for d in loaded.documents if d.data is not None]
    if not docs:
        return Config(path=path)
    if len(docs) > 1:
        raise ConfigError(f"{path}:{docs[1].line}:1: a config file holds one YAML document")
    doc = docs[0]
    data = doc.data
    positions = doc.positions
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:{doc.line}:1: the config file must be a mapping")
    schema = load_schema("config.schema.json")
    errors: list[Any] = []
    if not jsonschema_rs.validator_for(schema, validate_formats=False).is_valid(data):
        import jsonschema  # pure Python, only to explain the error with its key and position

        errors = sorted(
            jsonschema.Draft202012Validator(schema).iter_errors(data),
            key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
        )
    if errors:
        raise ConfigError(_describe(errors[0], path, positions, schema))
    known = set(known_rules)
    if known:
        for rid in data.get("rules") or {}:
            if rid not in known:
                where = _where(path, positions, join("/rules", rid))
                raise ConfigError(f'{where}: unknown rule "{rid}"{suggest(rid, known)}')
        for i, ex in enumerate(data.get("exemptions") or []):
            for j, rid in enumerate(ex.get("rules") or []):
                if rid != "*" and rid not in known:
                    where = _where(path, positions, join("/exemptions", i, "rules", j), "value")
                    raise ConfigError(f'{where}: unknown rule "{rid}"{suggest(rid, known)}')
    version = data.get("kubernetesVersion")
    if isinstance(version, float):
        where = _where(path, positions, "/kubernetesVersion", "value")
        raise ConfigError(
            f'{where}: kubernetesVersion {version} is a number; quote it ("1.30" unquoted is 1.3)'
        )
    base = path.parent
    exemptions = [
        Exemption(
            rules=tuple(ex["rules"]),
            reason=ex["reason"],
            kind=ex.get("kind"),
            namespace=ex.get("namespace"),
            name=ex.get("name"),
            container=ex.get("container"),
            path=ex.get("path"),
            expires=ex.get("expires"),
            origin=_where(path, positions, join("/exemptions", i)),
        )
        for i, ex in enumerate(data.get("exemptions") or [])
    ]
    return Config(
        path=path,
        kubernetes_version=None if version is None else str(version),
        fail_on=data.get("failOn"),
        complete=data.get("complete"),
        namespace=data.get("namespace"),
        paths=[str(base / p) for p in data.get("paths") or []],
        exclude=list(data.get("exclude") or []),
        profiles=list(data.get("profiles") or []),
        rules={k: dict(v) for k, v in (data.get("rules") or {}).items()},
        exemptions=exemptions,
        custom_rules=_custom_rules(data.get("customRules") or [], path, positions),
        foreign_suppressions=bool(data.get("foreignSuppressions", True)),
    )


def _custom_rules(entries: list[str], path: Path, positions: PositionIndex) -> list[Path]:
    """customRules directories, which must lie inside the repository holding the config file
    (a directory elsewhere is named on the command line with --rules-dir)."""
    root = repository_root(path.parent)
    out: list[Path] = []
    for i, entry in enumerate(entries):
        directory = path.parent / entry
        target = Path(os.path.realpath(directory))
        if not (target == root or target.is_relative_to(root)):
            where = _where(path, positions, join("/customRules", i), "value")
            raise ConfigError(
                f'{where}: customRules entry "{entry}" lies outside the repository ({root}); '
                "give a directory outside it on the command line with --rules-dir"
            )
        out.append(directory)
    return out


def _describe(
    err: jsonschema.ValidationError, path: Path, positions: PositionIndex, schema: Mapping[str, Any]
) -> str:
    pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in err.absolute_path)
    if err.validator == "additionalProperties":
        allowed = _allowed_keys(err.schema)
        instance = err.instance if isinstance(err.instance, dict) else {}
        extra = [k for k in instance if k not in allowed]
        if extra:
            key = extra[0]
            where = _where(path, positions, join(pointer, key))
            return f'{where}: unknown key "{key}"{suggest(key, allowed)}'
    where = _where(path, positions, pointer, "value")
    field_name = ".".join(str(p) for p in err.absolute_path) or "(top level)"
    return f"{where}: {field_name}: {err.message}"


def _allowed_keys(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        return list((schema.get("properties") or {}).keys())
    return []


STARTER = """\
# kubelint configuration. Schema for editors (YAML language server):
# yaml-language-server: $schema=https://kubelint.dev/schemas/config.schema.json
# (the same schema ships in kubelint as schemas/config.schema.json)

# Target Kubernetes minor for version-dependent rules (quote it).
kubernetesVersion: "@DEFAULT_VERSION@"

# Lowest severity that fails the run: error | warning | info | never
failOn: warning

# The linted paths form a whole application: cross-object rules may then report
# references to objects that are missing (a Service selecting nothing, ...).
complete: false

# What `kubelint lint` with no PATH (and the pre-commit hook) lints.
paths: ["."]

# Files not to lint (globs relative to this file; ** matches any depth).
exclude: []

# Rule sets: `default` is the built-in default set; add e.g. recommended-labels,
# pss-baseline or pss-restricted.
profiles: [default]

# Per-rule settings: enabled, severity, params.
rules: {}
#  latest-tag: {enabled: false}
#  missing-required-label:
#    enabled: true
#    severity: error
#    params: {labels: [{key: team}]}

# Accepted findings, with a reason (and optionally an expiry date).
exemptions: []
#  - rules: [host-network]
#    kind: DaemonSet
#    namespace: kube-system
#    name: "node-*"
#    reason: node agents need the host network
#    expires: "2027-03-31"

# Directories with your own rules (same format as kubelint's rules/).
customRules: []
""".replace("@DEFAULT_VERSION@", format_version(DEFAULT))
