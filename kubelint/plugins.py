"""The plugin manager: built-in plugin plus third-party plugins from entry points."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, cast

import pluggy

from kubelint import hookspecs

ENTRY_POINT_GROUP = "kubelint"


class PluginError(Exception):
    """A plugin failed to load or conflicts with another one."""


@dataclass
class Plugins:
    manager: pluggy.PluginManager
    names: list[str] = field(default_factory=list)  # loaded plugin names, built-in first

    def checks(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        owners: dict[str, str] = {}
        for impl in self.manager.hook.kubelint_checks.get_hookimpls():
            result = cast("dict[str, Any]", impl.function() or {})
            for name, fn in result.items():
                if name in found and found[name] is not fn:
                    raise PluginError(
                        f'duplicate check "{name}": provided by {owners[name]} '
                        f"and {impl.plugin_name}"
                    )
                found[name] = fn
                owners[name] = impl.plugin_name
        return found

    def rule_dirs(self) -> list[tuple[str, Path]]:
        dirs: list[tuple[str, Path]] = []
        impls = list(reversed(self.manager.hook.kubelint_rule_dirs.get_hookimpls()))
        for impl in impls:
            returned = cast("list[Path]", impl.function() or [])
            for d in returned:
                dirs.append((impl.plugin_name, Path(d)))
        return dirs

    def pod_locator(self) -> Any:
        """A function (object) -> (pod spec pointer, metadata pointer) | None asking plugins'
        ``kubelint_pod_spec`` hook, or None when no plugin implements it."""
        hook = self.manager.hook.kubelint_pod_spec
        if not hook.get_hookimpls():
            return None

        def locate(obj: Any) -> Any:
            return hook(obj=obj)

        return locate

    def reporters(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for impl in reversed(self.manager.hook.kubelint_reporters.get_hookimpls()):
            returned = cast("dict[str, Any]", impl.function() or {})
            found.update({name: cls for name, cls in returned.items() if name})
        return found


def load_plugins(autoload: bool = True) -> Plugins:
    """Register the built-in plugin and, unless disabled, every ``kubelint`` entry point."""
    from kubelint import builtin

    manager = pluggy.PluginManager("kubelint")
    manager.add_hookspecs(hookspecs)
    manager.register(builtin, name="kubelint.builtin")
    plugins = Plugins(manager, ["kubelint.builtin"])
    if autoload and os.environ.get("KUBELINT_DISABLE_PLUGIN_AUTOLOAD", "") in ("", "0"):
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            label = f"{ep.dist.name if ep.dist else '?'}[{ep.name}]"
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginError(f"plugin {label} failed to load: {exc}") from exc
            try:
                manager.register(plugin, name=label)
            except Exception as exc:
                raise PluginError(f"plugin {label} could not be registered: {exc}") from exc
            plugins.names.append(label)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"invalid plugin hook: {exc}") from exc
    return plugins
