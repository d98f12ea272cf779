"""The configuration file (.kubelint.yaml): discovery, validation with exact positions, merging.

The file is found in the current directory or a parent up to the repository root (the first
directory holding ``.git``; outside a repository only the current directory), or named with
``--config``. Discovery never climbs into a directory owned by another user or writable by
everyone, and never uses a config file owned by another user (see find_config). It is
validated against schemas/config.schema.json; every error names the file, line and key and
suggests the closest valid key or rule ID. Command-line flags override it.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from kubelint.loader import first_problem, read_yaml_file
from kubelint.messages import suggest
from kubelint.positions import PositionIndex, join
from kubelint.records import dataclass, field
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
    base: str = ""  # directory of the config file: `path` globs are relative to it


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


def load_config(
    path: Path, known_rules: Iterable[str] = (), known_profiles: Iterable[str] = ()
) -> Config:
    """Read and validate a config file; raise ConfigError naming every problem, each with
    file:line:column and a suggestion. With the catalogue's rules (a mapping of rule ID to
    ``RuleSpec``) and profile names, rule IDs, params and profiles are checked too."""
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
        import jsonschema  # pure Python, only to explain the errors with keys and positions

        errors = sorted(
            jsonschema.Draft202012Validator(schema).iter_errors(data),
            key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
        )
    found: list[tuple[int, int, str]] = []  # every problem of the file, reported at once

    def add(message: str) -> None:
        where, _, _rest = message.partition(": ")
        parts = where.rsplit(":", 2)
        line, column = (int(parts[1]), int(parts[2])) if len(parts) == 3 else (0, 0)
        found.append((line, column, message))

    reported: set[tuple[str, ...]] = set()
    for error in errors:
        key = tuple(map(str, error.absolute_path))
        if any(key[: len(done)] == done for done in reported):
            continue  # one message per place: the outermost problem
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = _allowed_keys(error.schema)
            pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in key)
            for extra in (k for k in error.instance if k not in allowed):
                where = _where(path, positions, join(pointer, extra))
                add(f'{where}: unknown key "{extra}"{suggest(extra, allowed)}')
                reported.add((*key, str(extra)))
            continue
        reported.add(key)
        add(_describe(error, path, positions, schema))
    specs = known_rules if isinstance(known_rules, Mapping) else {}
    known = set(known_rules)
    if known and isinstance(data.get("rules"), dict):
        for rid, conf in data["rules"].items():
            if rid not in known:
                where = _where(path, positions, join("/rules", rid))
                add(f'{where}: unknown rule "{rid}"{suggest(rid, known)}')
            elif rid in specs and isinstance(conf, dict) and isinstance(conf.get("params"), dict):
                for message in _params_problems(specs[rid], conf["params"], path, positions):
                    add(message)
    profile_names = set(known_profiles)
    if profile_names and isinstance(data.get("profiles"), list):
        for i, name in enumerate(data["profiles"]):
            if isinstance(name, str) and name not in profile_names and name != "default":
                where = _where(path, positions, join("/profiles", i), "value")
                choices = {*profile_names, "default"}
                add(f'{where}: unknown profile "{name}"{suggest(name, choices)}')
    raw_exemptions: list[Any] = (
        data["exemptions"] if isinstance(data.get("exemptions"), list) else []
    )
    for i, ex in enumerate(raw_exemptions):
        if not isinstance(ex, dict):
            continue
        rules_list: list[Any] = ex["rules"] if isinstance(ex.get("rules"), list) else []
        for j, rid in enumerate(rules_list):
            if known and isinstance(rid, str) and rid != "*" and rid not in known:
                where = _where(path, positions, join("/exemptions", i, "rules", j), "value")
                add(f'{where}: unknown rule "{rid}"{suggest(rid, known)}')
        expires = ex.get("expires")
        if isinstance(expires, str) and ("exemptions", str(i), "expires") not in reported:
            try:
                dt.date.fromisoformat(expires)
            except ValueError:
                where = _where(path, positions, join("/exemptions", i, "expires"), "value")
                add(f"{where}: exemptions.{i}.expires: invalid date {expires} (YYYY-MM-DD)")
    version = data.get("kubernetesVersion")
    if isinstance(version, float):
        where = _where(path, positions, "/kubernetesVersion", "value")
        add(f'{where}: kubernetesVersion {version} is a number; quote it ("1.30" unquoted is 1.3)')
    elif isinstance(version, str):
        from kubelint.options import UsageError, parse_kubernetes_version

        try:
            parse_kubernetes_version(version)
        except UsageError as exc:
            where = _where(path, positions, "/kubernetesVersion", "value")
            add(f"{where}: kubernetesVersion: {str(exc).removeprefix('invalid ')}")
    if found:
        found.sort(key=lambda p: (p[0], p[1]))
        raise ConfigError("\n".join(message for _, _, message in found))
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
            expires=None if ex.get("expires") is None else str(ex.get("expires")),
            origin=_where(path, positions, join("/exemptions", i)),
            base=str(path.parent.absolute()),
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
        rules={
            k: {"enabled": v} if isinstance(v, bool) else dict(v)
            for k, v in (data.get("rules") or {}).items()
        },
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
    return f"{where}: {field_name}: {_wording(err)}"


_JSON_TYPES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (dict, list)):
        return _JSON_TYPES[type(value)]
    return str(value)


def _wording(err: jsonschema.ValidationError | _SchemaError) -> str:
    """The problem in plain words (no Python reprs)."""
    value = err.instance
    rule_value: Any = err.validator_value
    if err.validator == "type":
        expected = rule_value
        names = expected if isinstance(expected, list) else [expected]
        wanted = " or ".join(
            {"object": "a mapping", "array": "a list"}.get(str(n), f"a {n}") for n in names
        )
        got = _JSON_TYPES.get(type(value), type(value).__name__)
        shown = "" if isinstance(value, (dict, list)) or value is None else f" {_show(value)}"
        return f"expected {wanted}, got {got}{shown}"
    if err.validator == "enum":
        options = list(rule_value)
        choices = ", ".join(_show(c) for c in options)
        close = suggest(str(value), [str(c) for c in options])
        return f"{_show(value)} is not one of {choices}{close}"
    if err.validator == "pattern":
        return f"{_show(value)} does not have the expected form ({rule_value})"
    if err.validator == "required":
        missing = [k for k in rule_value if isinstance(value, dict) and k not in value]
        return f'missing required key "{missing[0]}"' if missing else err.message
    if err.validator in ("minItems", "minLength") and not value:
        return "must not be empty"
    return err.message


@dataclass(frozen=True)
class _SchemaError:
    """A jsonschema-rs error in the shape :func:`_wording` reads (keyword, value, instance)."""

    validator: str
    validator_value: Any
    instance: Any
    message: str


def _at(schema: Any, schema_path: Iterable[Any]) -> Any:
    node = schema
    for part in schema_path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _params_problems(
    spec: Any, params: Mapping[str, Any], path: Path, positions: PositionIndex
) -> list[str]:
    """A rule's params checked against its params schema, each problem at its position.

    The compiled validator (linear-time regex engine, local references only) both checks and
    explains: a params schema comes from a repository under review, so no backtracking engine
    may ever see its patterns (hardening R20)."""
    from kubelint.schema_compile import SchemaCompileError, compile_schema

    schema = spec.params_schema
    base = join("/rules", spec.id, "params")
    if not schema:
        return [f"{_where(path, positions, base)}: rule {spec.id} takes no params"]
    merged = {**spec.default_params(), **params}
    try:
        validator = compile_schema(dict(schema))
    except SchemaCompileError as exc:
        return [f"{_where(path, positions, base)}: rule {spec.id}: invalid params schema: {exc}"]
    out = []
    errors = sorted(
        validator.iter_errors(merged),
        key=lambda e: (len(e.instance_path), list(map(str, e.instance_path))),
    )
    for error in errors:
        instance_path = list(error.instance_path)
        key = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in instance_path)
        schema_path = list(error.schema_path)
        keyword = str(schema_path[-1]) if schema_path else ""
        if keyword == "additionalProperties" and isinstance(error.instance, dict):
            allowed = _allowed_keys(_at(schema, schema_path[:-1]))
            for extra in (k for k in error.instance if k not in allowed):
                where = _where(path, positions, base + key + join("", extra))
                out.append(
                    f'{where}: rule {spec.id}: unknown param "{extra}"{suggest(extra, allowed)}'
                )
            continue
        where = _where(path, positions, base + key, "value")
        name = ".".join(["params", *map(str, instance_path)])
        value = _at(schema, schema_path)
        shaped = _SchemaError(keyword, value, error.instance, str(error.message))
        out.append(f"{where}: rule {spec.id}: {name}: {_wording(shaped)}")
    return out


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
