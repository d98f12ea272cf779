"""The effective settings: the configuration file merged with the command line's flags.

``effective(settings)`` is the one merge (flags win over ``.kubelint.yaml``, which wins over the
built-in defaults); ``lint``, ``baseline create|prune``, ``fix`` and ``config show`` all use it,
and ``config_document`` renders its result back as a configuration file for ``config show``.
The flags themselves are declared in kubelint.settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubelint.records import dataclass
from kubelint.settings import DEFAULT_FAIL_ON, FAIL_ON, Settings, SettingsError

if TYPE_CHECKING:
    from kubelint.config import Config


@dataclass
class Effective:
    """The settings in effect: the configuration file merged with the command line."""

    flags: Settings
    config: Config
    fail_on: str
    kubernetes_version: tuple[int, int]
    complete: bool
    namespace: str | None
    profiles: list[str]
    enable: list[str]  # configuration `enabled: true` rules, then --enable
    disable: list[str]  # configuration `enabled: false` rules not --enable'd, then --disable
    only: list[str]
    paths: list[str]
    rule_dirs: list[Path]  # customRules from the configuration, then --rules-dir
    params: dict[str, dict[str, Any]]
    severities: dict[str, str]
    foreign_suppressions: bool

    def version_text(self) -> str:
        return "{}.{}".format(*self.kubernetes_version)


def load_file_config(settings: Settings) -> Config:
    """The configuration file in effect (or an empty one), validated."""
    from kubelint.config import Config, ConfigError, find_config, load_config

    if settings.config:
        path: Path | None = Path(settings.config)
    elif settings.no_config:
        return Config()
    else:
        path = find_config()
    if path is None:
        return Config()
    try:
        return load_config(path)
    except ConfigError as exc:
        raise SettingsError(str(exc)) from exc


def effective(settings: Settings, cfg: Config | None = None) -> Effective:
    """Merge the configuration file with the flags (flags win); raise SettingsError on a bad
    value. ``lint``, ``baseline create|prune`` and ``config show`` all use this."""
    from kubelint.messages import suggest
    from kubelint.options import Options, UsageError, parse_kubernetes_version

    if cfg is None:
        cfg = load_file_config(settings)
    fail_on = settings.fail_on or cfg.fail_on or DEFAULT_FAIL_ON
    if fail_on not in FAIL_ON:
        raise SettingsError(
            f"--fail-on must be one of {', '.join(FAIL_ON)}{suggest(fail_on, FAIL_ON)}"
        )
    version_text = settings.kubernetes_version or cfg.kubernetes_version
    try:
        version = (
            parse_kubernetes_version(version_text) if version_text else Options().kubernetes_version
        )
    except UsageError as exc:
        raise SettingsError(str(exc)) from exc
    cfg_enable, cfg_disable = cfg.enabled_overrides()
    params = cfg.params()
    if settings.require_schemas:
        params["schema-invalid"] = {**params.get("schema-invalid", {}), "requireSchemas": True}
    paths = settings.paths or cfg.paths
    if not paths:
        paths = [] if settings.helm or settings.kustomize else ["."]
    return Effective(
        flags=settings,
        config=cfg,
        fail_on=fail_on,
        kubernetes_version=version,
        complete=settings.complete if settings.complete is not None else bool(cfg.complete),
        namespace=settings.namespace or cfg.namespace,
        profiles=settings.profile or cfg.profiles,
        enable=[*cfg_enable, *settings.enable],
        disable=[*(r for r in cfg_disable if r not in settings.enable), *settings.disable],
        only=settings.only,
        paths=paths,
        rule_dirs=[*cfg.custom_rules, *(Path(d) for d in settings.rules_dir)],
        params=params,
        severities=cfg.severities(),
        foreign_suppressions=cfg.foreign_suppressions and not settings.no_foreign_suppressions,
    )


def config_document(eff: Effective) -> dict[str, Any]:
    """The effective settings as a configuration file (valid against config.schema.json), with
    paths relative to the configuration file's directory (or the current one)."""
    import os

    cfg = eff.config
    base = cfg.base

    def rel(p: str | Path) -> str:
        return Path(os.path.relpath(Path(p).absolute(), base.absolute())).as_posix()

    doc: dict[str, Any] = {
        "kubernetesVersion": eff.version_text(),
        "failOn": eff.fail_on,
        "complete": eff.complete,
    }
    if eff.namespace:
        doc["namespace"] = eff.namespace
    doc["paths"] = [rel(p) for p in (cfg.paths or ["."])]
    doc["exclude"] = list(cfg.exclude)
    doc["profiles"] = eff.profiles or ["default"]
    rules = {rid: dict(conf) for rid, conf in cfg.rules.items()}
    for rid in eff.flags.enable:
        rules.setdefault(rid, {})["enabled"] = True
    for rid in eff.flags.disable:
        rules.setdefault(rid, {})["enabled"] = False
    doc["rules"] = rules
    exemptions = []
    for ex in cfg.exemptions:
        entry: dict[str, Any] = {"rules": list(ex.rules)}
        for key in ("kind", "namespace", "name", "container", "path", "expires"):
            value = getattr(ex, key)
            if value is not None:
                entry[key] = value if isinstance(value, str) else str(value)
        entry["reason"] = ex.reason
        exemptions.append(entry)
    doc["exemptions"] = exemptions
    doc["customRules"] = [rel(p) for p in eff.rule_dirs]
    doc["foreignSuppressions"] = eff.foreign_suppressions
    return doc
