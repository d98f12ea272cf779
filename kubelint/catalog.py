"""Rule definitions (rules/<id>.yaml) and profiles (rules/profiles/<name>.yaml).

Rules are discovered by globbing the rule directories that plugins declare (the built-in plugin
declares kubelint's own ``rules/``); each file is validated against schemas/rule.schema.json and
its params against the params schema it declares. Nothing here lists rules by hand.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from kubelint.findings import Severity
from kubelint.resources import load_schema


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
            validator = jsonschema.Draft202012Validator(self.params_schema)
            errors = sorted(validator.iter_errors(merged), key=lambda e: list(e.path))
            if errors:
                err = errors[0]
                loc = ".".join(str(p) for p in err.absolute_path)
                raise CatalogError(
                    f"{where}: invalid params for rule {self.id}"
                    f"{' at ' + loc if loc else ''}: {err.message}"
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


def _load_yaml(path: Path) -> Any:
    from kubelint.loader import decode, load_text

    text, problem = decode(path.read_bytes())
    if text is None:
        raise CatalogError(f"{path}: {problem.message if problem else 'cannot decode'}")
    result = load_text(text)
    problems = result.problems + [p for d in result.documents for p in d.problems]
    if problems:
        p = problems[0]
        raise CatalogError(f"{path}:{p.line}:{p.column}: {p.message}")
    if len(result.documents) != 1:
        raise CatalogError(f"{path}: expected exactly one YAML document")
    return result.documents[0].data


def parse_rule(data: Any, origin: str) -> RuleSpec:
    validator = jsonschema.Draft202012Validator(load_schema("rule.schema.json"))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        loc = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise CatalogError(f"{origin}: invalid rule at {loc}: {err.message}")
    params = data.get("params") or {}
    try:
        jsonschema.Draft202012Validator.check_schema(params)
        if data.get("schema") is not None:
            jsonschema.Draft202012Validator.check_schema(data["schema"])
    except jsonschema.SchemaError as exc:
        raise CatalogError(f"{origin}: invalid JSON Schema in rule: {exc.message}") from exc
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
        check=data.get("check"),
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


def load_rules(dirs: Iterable[tuple[str, Path]]) -> dict[str, RuleSpec]:
    """Load every ``*.yaml`` of the given (owner, directory) pairs; IDs must be unique."""
    rules: dict[str, RuleSpec] = {}
    for owner, directory in dirs:
        for path in sorted(directory.glob("*.yaml")):
            spec = parse_rule(_load_yaml(path), f"{owner}:{path.name}")
            if spec.id != path.stem:
                raise CatalogError(f"{path}: rule id {spec.id!r} does not match the file name")
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
        for path in sorted(pdir.glob("*.yaml")):
            data = _load_yaml(path)
            if not isinstance(data, dict) or not isinstance(data.get("rules"), (dict, list)):
                raise CatalogError(f"{path}: a profile needs a `rules` mapping")
            raw_rules = data["rules"]
            if isinstance(raw_rules, list):
                raw_rules = {r: {} for r in raw_rules}
            rules: dict[str, Mapping[str, Any]] = {}
            for rid, conf in raw_rules.items():
                conf = conf or {}
                if not isinstance(conf, dict):
                    raise CatalogError(f"{path}: rule {rid}: expected a mapping")
                rules[str(rid)] = conf.get("params") or {}
            name = str(data.get("name") or path.stem)
            profiles[name] = Profile(
                name=name,
                description=str(data.get("description") or ""),
                rules=rules,
                extends=tuple(data.get("extends") or ()),
                origin=f"{owner}:{path.name}",
                raw=data,
            )
    return profiles


def suggest(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` or an empty string."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def profile_rules(
    name: str, profiles: Mapping[str, Profile], seen: tuple[str, ...] = ()
) -> dict[str, dict[str, Any]]:
    """Rules (with params) of a profile, following ``extends`` (later entries win)."""
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
