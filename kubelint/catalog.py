"""Rule definitions (rules/<id>.yaml) and profiles (rules/profiles/<name>.yaml).

Rules are discovered by globbing the rule directories that plugins declare (the built-in plugin
declares kubelint's own ``rules/``); each file is validated against schemas/rule.schema.json and
its params against the params schema it declares. Nothing here lists rules by hand.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import jsonschema_rs

from kubelint import versions
from kubelint.findings import Severity
from kubelint.message_template import TemplateError
from kubelint.message_template import check as check_template
from kubelint.messages import suggest
from kubelint.records import dataclass, field
from kubelint.resources import load_schema
from kubelint.schema_compile import SchemaCompileError, compile_schema, explain

T = TypeVar("T")
CUSTOM_OWNER = "custom:"  # owner prefix of custom rule directories (never cached)


class CatalogError(Exception):
    """A rule or profile file is invalid, or a rule/profile name is unknown."""


@dataclass(frozen=True)
class RuleSpec:
    id: str
    summary: str
    category: str
    severity: Severity
    default: bool
    target: str
    why: str
    remediation: str
    references: tuple[str, ...]
    params_schema: Mapping[str, Any]
    check: str | None
    schema: Any
    message: str | None
    kinds: tuple[str, ...]
    containers: tuple[str, ...]
    tags: tuple[str, ...]
    security_severity: float | None
    example: str | None
    fix: str | None
    origin: str  # file (or plugin) that defined it
    raw: Mapping[str, Any] = field(repr=False, compare=False, hash=False)

    def default_params(self) -> dict[str, Any]:
        props = self.params_schema.get("properties", {})
        return {k: v["default"] for k, v in props.items() if isinstance(v, dict) and "default" in v}

    def validate_params(self, params: Mapping[str, Any], where: str) -> dict[str, Any]:
        merged = {**self.default_params(), **params}
        if self.params_schema:
            try:
                validator = compile_schema(dict(self.params_schema))
            except SchemaCompileError as exc:
                raise CatalogError(f"{self.origin}: invalid params schema: {exc}") from exc
            if validator.is_valid(merged):
                return merged
            # The compiled validator explains the error too: params patterns run on the
            # linear-time engine only, whatever the config holds.
            errors = explain(validator, merged)
            if errors:
                loc, message = errors[0]
                raise CatalogError(
                    f"{where}: invalid params for rule {self.id}"
                    f"{' at ' + loc if loc else ''}: {message}"
                )
        elif params:
            raise CatalogError(f"{where}: rule {self.id} takes no params")
        return merged


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    rules: Mapping[str, Mapping[str, Any]]  # rule id -> params
    extends: tuple[str, ...]
    origin: str
    raw: Mapping[str, Any] = field(repr=False, compare=False, hash=False)
    # rule id -> minimum Kubernetes version (``since: "X.Y"``) from which the profile runs it
    since: Mapping[str, tuple[int, int]] = field(default_factory=dict)


def _load_yaml(path: Path) -> Any:
    from kubelint.loader import first_problem, read_yaml_file
    from kubelint.sources import read_error

    try:
        text, result = read_yaml_file(path)
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read rule file: {read_error(exc)}") from exc
    if text is None:
        raise CatalogError(f"{path}: {result.problems[0].message}")
    p = first_problem(result)
    if p is not None:
        raise CatalogError(f"{path}:{p.line}:{p.column}: {p.message}")
    if len(result.documents) != 1:
        raise CatalogError(f"{path}: expected exactly one YAML document")
    return result.documents[0].data


def _describe(err: Any) -> str:
    """What is wrong, in terms of the schema only: a rule file's content (which may be any
    file a misconfigured path reached) is never quoted back."""
    keyword: Any = err.validator
    expected: Any = err.validator_value
    if keyword == "type":
        wanted = expected if isinstance(expected, str) else " or ".join(map(str, expected))
        return f"expected {wanted}, got {_json_type(err.instance)}"
    if keyword == "required":
        missing = [k for k in expected if isinstance(err.instance, dict) and k not in err.instance]
        return f"missing required key {', '.join(missing) or expected}"
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        known = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
        instance: Any = err.instance if isinstance(err.instance, dict) else {}
        extra = [str(k)[:40] for k in instance if k not in known]
        return f"unknown key {', '.join(extra[:3])} (schemas/rule.schema.json lists the keys)"
    if keyword in ("enum", "const"):
        allowed = expected if isinstance(expected, list) else [expected]
        return f"must be one of {', '.join(map(str, allowed))}"
    if keyword == "format" and expected == "regex":
        return "not a valid regular expression"
    return f"fails the {keyword!s} constraint ({expected!s:.80})"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


@cache
def _rule_validator() -> Any:
    return jsonschema_rs.validator_for(load_schema("rule.schema.json"))


def _check_name(data: Mapping[str, Any]) -> str | None:
    """The Python check of a rule: ``check:``, or by default the rule ID in snake case
    (``latest-tag`` -> ``latest_tag``); None for declarative (``schema:``) and input rules."""
    if "check" in data:
        return str(data["check"])
    if data.get("schema") is not None or data.get("target") == "input":
        return None
    return str(data["id"]).replace("-", "_")


def parse_rule(data: Any, origin: str, where: str | None = None) -> RuleSpec:
    """Validate one rule definition. The compiled (Rust) validators make this cheap enough for
    every run; the pure-Python validator is only used to explain an invalid file well.
    Errors name ``where`` (the file as the user knows it) when given, else ``origin``."""
    shown = where or origin
    errors: list[Any] = []
    if not _rule_validator().is_valid(data):
        import jsonschema  # pure Python: only to explain an invalid file well

        errors = sorted(
            jsonschema.Draft202012Validator(load_schema("rule.schema.json")).iter_errors(data),
            key=lambda e: list(e.absolute_path),
        )
    if errors:
        err = errors[0]
        loc = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise CatalogError(f"{shown}: invalid rule at {loc}: {_describe(err)}")
    params = data.get("params") or {}
    for schema in (params, data.get("schema")):
        if isinstance(schema, dict) and not jsonschema_rs.meta.is_valid(schema):
            import jsonschema

            try:
                jsonschema.Draft202012Validator.check_schema(schema)
            except jsonschema.SchemaError as exc:
                loc = "/".join(str(p) for p in exc.absolute_path)
                at = f" at {loc}" if loc else ""
                message = f"{shown}: invalid JSON Schema in rule{at}: {_describe(exc)}"
                raise CatalogError(message) from exc
    for key in ("params", "schema"):
        schema = data.get(key)
        if isinstance(schema, dict):
            try:  # refs, nesting and regexes, exactly as the run will compile it
                compile_schema(schema)
            except SchemaCompileError as exc:
                raise CatalogError(f"{shown}: invalid JSON Schema in rule ({key}): {exc}") from exc
    if isinstance(data.get("message"), str):
        try:
            check_template(data["message"])
        except TemplateError as exc:
            raise CatalogError(f"{shown}: invalid message template: {exc}") from exc
    return RuleSpec(
        id=data["id"],
        summary=data["summary"],
        category=data["category"],
        severity=Severity.parse(data["severity"]),
        default=bool(data["default"]),
        target=data["target"],
        why=data["why"],
        remediation=data["remediation"],
        references=tuple(data.get("references") or ()),
        params_schema=params,
        check=_check_name(data),
        schema=data.get("schema"),
        message=data.get("message"),
        kinds=tuple(data.get("kinds") or ()),
        containers=tuple(data.get("containers") or ()),
        tags=tuple(data.get("tags") or ()),
        security_severity=data.get("securitySeverity"),
        example=data.get("example"),
        fix=data.get("fix"),
        origin=origin,
        raw=data,
    )


_DIR_CACHE: dict[tuple[str, Path], tuple[tuple[tuple[str, int, int], ...], list[RuleSpec]]] = {}


def _load_dir(owner: str, directory: Path) -> list[RuleSpec]:
    """The rules of one directory, re-read only when a file changed (long-lived processes and
    the test suite create many runs)."""
    paths = sorted(directory.glob("*.yaml"))
    signature = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    cached = _DIR_CACHE.get((owner, directory))
    if cached is not None and cached[0] == signature:
        return cached[1]

    def parse() -> list[RuleSpec]:
        specs = []
        for path in paths:
            spec = parse_rule(_load_yaml(path), f"{owner}:{path.name}", _shown_path(path))
            if spec.id != path.stem:
                raise CatalogError(f"{path}: rule id {spec.id!r} does not match the file name")
            specs.append(spec)
        return specs

    specs = _cached_parse("rules", owner, directory, signature, parse)
    _DIR_CACHE[(owner, directory)] = (signature, specs)
    return specs


def _shown_path(path: Path) -> str:
    """A rule file as the user knows it: relative to the current directory when below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return path.as_posix()


def _cached_parse(
    namespace: str, owner: str, directory: Path, signature: Any, parse: Callable[[], T]
) -> T:
    """``parse()``, kept in the user cache for kubelint's own and installed plugins' rule
    directories. Custom rule directories (a linted repository's ``customRules``,
    ``--rules-dir``) are always parsed afresh: nothing a repository holds enters the cache."""
    if owner.startswith(CUSTOM_OWNER):
        return parse()
    from kubelint import cache as disk_cache

    return disk_cache.cached(namespace, (owner, str(directory), signature), parse)


def load_rules(dirs: Iterable[tuple[str, Path]]) -> dict[str, RuleSpec]:
    """Load every ``*.yaml`` of the given (owner, directory) pairs; IDs must be unique."""
    rules: dict[str, RuleSpec] = {}
    for owner, directory in dirs:
        for spec in _load_dir(owner, directory):
            if spec.id in rules:
                raise CatalogError(
                    f"duplicate rule id {spec.id!r}: defined by {rules[spec.id].origin} "
                    f"and by {spec.origin}"
                )
            rules[spec.id] = spec
    return rules


def load_profiles(dirs: Iterable[tuple[str, Path]]) -> dict[str, Profile]:
    profiles: dict[str, Profile] = {}
    for owner, directory in dirs:
        pdir = directory / "profiles"
        if not pdir.is_dir():
            continue
        paths = sorted(pdir.glob("*.yaml"))
        signature = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
        found = _cached_parse(
            "profiles", owner, pdir, signature, functools.partial(_parse_profiles, owner, paths)
        )
        profiles.update(found)
    return profiles


def _parse_profiles(owner: str, paths: list[Path]) -> dict[str, Profile]:
    profiles: dict[str, Profile] = {}
    for path in paths:
        data = _load_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("rules"), (dict, list)):
            raise CatalogError(f"{path}: a profile needs a `rules` mapping")
        raw_rules = data["rules"]
        if isinstance(raw_rules, list):
            raw_rules = {r: {} for r in raw_rules}
        rules: dict[str, Mapping[str, Any]] = {}
        since: dict[str, tuple[int, int]] = {}
        for rid, conf in raw_rules.items():
            conf = conf or {}
            if not isinstance(conf, dict):
                raise CatalogError(f"{path}: rule {rid}: expected a mapping")
            rules[str(rid)] = conf.get("params") or {}
            if conf.get("since") is not None:
                since[str(rid)] = _parse_since(conf["since"], f"{path}: rule {rid}")
        name = str(data.get("name") or path.stem)
        profiles[name] = Profile(
            name=name,
            description=str(data.get("description") or ""),
            rules=rules,
            extends=tuple(data.get("extends") or ()),
            origin=f"{owner}:{path.name}",
            raw=data,
            since=since,
        )
    return profiles


def _parse_since(value: Any, where: str) -> tuple[int, int]:
    """``since: "1.34"`` -> (1, 34); a string is required (YAML reads 1.30 as the float 1.3)."""
    version = versions.parse_minor(value)
    if version is None:
        raise CatalogError(f'{where}: `since` must be a quoted "MAJOR.MINOR" string, got {value!r}')
    return version


def profile_since(
    name: str, profiles: Mapping[str, Profile], seen: tuple[str, ...] = ()
) -> dict[str, tuple[int, int]]:
    """Per-rule ``since`` gates of a profile, following ``extends`` (the child's entry wins)."""
    if name not in profiles or name in seen:
        return {}
    out: dict[str, tuple[int, int]] = {}
    for parent in profiles[name].extends:
        out.update(profile_since(parent, profiles, (*seen, name)))
    out.update(profiles[name].since)
    return out


def profile_rules(
    name: str,
    profiles: Mapping[str, Profile],
    seen: tuple[str, ...] = (),
    kubernetes_version: tuple[int, int] | None = None,
) -> dict[str, dict[str, Any]]:
    """Rules (with params) of a profile, following ``extends`` (later entries win).

    With ``kubernetes_version``, rules whose ``since`` is newer than that version are left out.
    """
    if kubernetes_version is not None:
        gates = profile_since(name, profiles)
        return {
            rid: params
            for rid, params in profile_rules(name, profiles, seen).items()
            if gates.get(rid, (0, 0)) <= kubernetes_version
        }
    if name not in profiles:
        raise CatalogError(f'unknown profile "{name}"{suggest(name, profiles)}')
    if name in seen:
        raise CatalogError(f"profile cycle: {' -> '.join((*seen, name))}")
    profile = profiles[name]
    out: dict[str, dict[str, Any]] = {}
    for parent in profile.extends:
        for rid, params in profile_rules(parent, profiles, (*seen, name)).items():
            out[rid] = {**out.get(rid, {}), **params}
    for rid, own in profile.rules.items():
        out[rid] = {**out.get(rid, {}), **dict(own)}
    return out
