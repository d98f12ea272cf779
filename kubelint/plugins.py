"""The plugin manager: built-in plugin plus third-party plugins from entry points."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pluggy

from kubelint import cache as disk_cache
from kubelint import hookspecs
from kubelint.lazy import LazyMap

if TYPE_CHECKING:
    from kubelint.model import K8sObject, PodLocator

ENTRY_POINT_GROUP = "kubelint"


class PluginError(Exception):
    """A plugin failed to load or conflicts with another one."""


@dataclass
class Plugins:
    manager: pluggy.PluginManager
    names: list[str] = field(default_factory=list)  # loaded plugin names, built-in first

    def checks(self) -> LazyMap:
        """Every plugin's checks; lazily provided ones are imported only when looked up."""
        found = LazyMap()
        owners: dict[str, str] = {}
        for impl in self.manager.hook.kubelint_checks.get_hookimpls():
            result = cast("Mapping[str, Any]", _call_hook(impl) or {})
            for name in result:
                where = result.origin(name) if isinstance(result, LazyMap) else None
                if name in found:
                    same = (where is not None and where == found.origin(name)) or found[
                        name
                    ] is result[name]
                    if not same:
                        raise PluginError(
                            f'duplicate check "{name}": provided by {owners[name]} '
                            f"and {impl.plugin_name}"
                        )
                if where is not None:
                    found.add_lazy(name, *where)
                else:
                    found.add(name, result[name])
                owners[name] = impl.plugin_name
        return found

    def rule_dirs(self) -> list[tuple[str, Path]]:
        dirs: list[tuple[str, Path]] = []
        impls = list(reversed(self.manager.hook.kubelint_rule_dirs.get_hookimpls()))
        for impl in impls:
            returned = cast("list[Path]", _call_hook(impl) or [])
            for d in returned:
                dirs.append((impl.plugin_name, Path(d)))
        return dirs

    def pod_locator(self) -> PodLocator | None:
        """A function (object) -> (pod spec pointer, metadata pointer) | None asking plugins'
        ``kubelint_pod_spec`` hook, or None when no plugin implements it."""
        hook = self.manager.hook.kubelint_pod_spec
        if not hook.get_hookimpls():
            return None

        def locate(obj: K8sObject) -> tuple[str, str | None] | None:
            found: tuple[str, str | None] | None = hook(obj=obj)
            return found

        return locate

    def reporters(self) -> LazyMap:
        """Report formats by name (later plugins win); imported only when looked up."""
        found = LazyMap()
        for impl in reversed(self.manager.hook.kubelint_reporters.get_hookimpls()):
            returned = cast("Mapping[str, Any]", _call_hook(impl) or {})
            for name in returned:
                if not name:  # "" is no format (an abstract base class, a plugin's mistake)
                    continue
                where = returned.origin(name) if isinstance(returned, LazyMap) else None
                if where is not None:
                    found.add_lazy(name, *where)
                else:
                    found.add(name, returned[name])
        return found


def _call_hook(impl: Any) -> Any:
    """Call one plugin's hook implementation; whatever it raises (``sys.exit`` included) is a
    PluginError naming the plugin and the hook, so the run ends with exit 2 and one line."""
    try:
        return impl.function()
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        hook = getattr(impl.function, "__name__", "hook")
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise PluginError(f"plugin {impl.plugin_name} failed in {hook}: {detail}") from exc


def load_plugins(autoload: bool = True) -> Plugins:
    """Register the built-in plugin and, unless disabled, every ``kubelint`` entry point."""
    from kubelint import builtin

    manager = pluggy.PluginManager("kubelint")
    manager.add_hookspecs(hookspecs)
    manager.register(builtin, name="kubelint.builtin")
    plugins = Plugins(manager, ["kubelint.builtin"])
    if autoload and os.environ.get("KUBELINT_DISABLE_PLUGIN_AUTOLOAD", "") in ("", "0"):
        found = _entry_points()
        if found:
            from importlib import metadata
        for name, value, dist in found:
            ep = metadata.EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)
            label = f"{dist}[{name}]"
            try:
                plugin = ep.load()
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # SystemExit from plugin code is an error too
                raise PluginError(
                    f"plugin {label} failed to load: {type(exc).__name__}: {exc}"
                ) from exc
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


def _environment_identity() -> tuple[object, ...]:
    """What decides which distributions (and entry points) are installed: every ``sys.path``
    directory with its mtime and each of its ``*.dist-info``/``*.egg-info`` entry-point files."""
    out: list[object] = []
    for entry in sys.path:
        path = entry or os.getcwd()
        try:
            st = os.stat(path)
            names = sorted(os.listdir(path)) if os.path.isdir(path) else []
        except OSError:
            out.append((path, None))
            continue
        metas = tuple(
            disk_cache.file_identity(os.path.join(path, name, "entry_points.txt"))
            for name in names
            if name.endswith((".dist-info", ".egg-info"))
        )
        out.append((path, st.st_mtime_ns, metas))
    return tuple(out)


def _entry_points() -> list[tuple[str, str, str]]:
    """(name, value, distribution) of every ``kubelint`` entry point, sorted by name. The
    scan is cached on the environment's identity (importing importlib.metadata and scanning
    every distribution costs more than the rest of plugin loading)."""

    def scan() -> list[tuple[str, str, str]]:
        from importlib import metadata

        eps = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)
        return [(ep.name, ep.value, ep.dist.name if ep.dist else "?") for ep in eps]

    return disk_cache.cached("entry-points", _environment_identity(), scan)
