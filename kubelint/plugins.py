"""The plugin manager: built-in plugin plus third-party plugins from entry points."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from kubelint import cache as disk_cache
from kubelint.lazy import LazyMap
from kubelint.records import dataclass, field

if TYPE_CHECKING:
    import pluggy

    from kubelint.model import K8sObject, PodLocator

ENTRY_POINT_GROUP = "kubelint"


class PluginError(Exception):
    """A plugin failed to load or conflicts with another one."""


BUILTIN = "kubelint.builtin"


@dataclass
class Plugins:
    """The loaded plugins. With no third-party plugin, ``manager`` is None and the built-in
    plugin's hooks are called directly (pluggy and what it imports are not loaded: about a
    tenth of a small lint's start-up); the results are the same as through pluggy."""

    manager: pluggy.PluginManager | None
    names: list[str] = field(default_factory=list)  # loaded plugin names, built-in first

    def _impls(self, hook: str) -> list[tuple[str, Any]]:
        """(plugin name, function) of each implementation of ``hook``, in pluggy's order."""
        if self.manager is None:
            from kubelint import builtin

            fn = getattr(builtin, hook, None)
            return [] if fn is None else [(BUILTIN, fn)]
        impls = getattr(self.manager.hook, hook).get_hookimpls()
        return [(impl.plugin_name, impl.function) for impl in impls]

    def checks(self) -> LazyMap:
        """Every plugin's checks; lazily provided ones are imported only when looked up."""
        found = LazyMap()
        owners: dict[str, str] = {}
        for plugin, fn in self._impls("kubelint_checks"):
            result = cast("Mapping[str, Any]", _call_hook(plugin, fn) or {})
            for name in result:
                where = result.origin(name) if isinstance(result, LazyMap) else None
                if name in found:
                    same = (where is not None and where == found.origin(name)) or found[
                        name
                    ] is result[name]
                    if not same:
                        raise PluginError(
                            f'duplicate check "{name}": provided by {owners[name]} and {plugin}'
                        )
                if where is not None:
                    found.add_lazy(name, *where)
                else:
                    found.add(name, result[name])
                owners[name] = plugin
        return found

    def rule_dirs(self) -> list[tuple[str, Path]]:
        dirs: list[tuple[str, Path]] = []
        for plugin, fn in reversed(self._impls("kubelint_rule_dirs")):
            returned = cast("list[Path]", _call_hook(plugin, fn) or [])
            for d in returned:
                dirs.append((plugin, Path(d)))
        return dirs

    def pod_locator(self) -> PodLocator | None:
        """A function (object) -> (pod spec pointer, metadata pointer) | None asking plugins'
        ``kubelint_pod_spec`` hook, or None when no plugin implements it."""
        impls = self._impls("kubelint_pod_spec")
        if not impls:
            return None
        if self.manager is None:  # the built-in plugin alone: its answer is the first result
            direct: PodLocator = impls[0][1]
            return direct
        hook = self.manager.hook.kubelint_pod_spec

        def locate(obj: K8sObject) -> tuple[str, str | None] | None:
            found: tuple[str, str | None] | None = hook(obj=obj)
            return found

        return locate

    def reporters(self) -> LazyMap:
        """Report formats by name (later plugins win); imported only when looked up."""
        found = LazyMap()
        for plugin, fn in reversed(self._impls("kubelint_reporters")):
            returned = cast("Mapping[str, Any]", _call_hook(plugin, fn) or {})
            for name in returned:
                if not name:  # "" is no format (an abstract base class, a plugin's mistake)
                    continue
                where = returned.origin(name) if isinstance(returned, LazyMap) else None
                if where is not None:
                    found.add_lazy(name, *where)
                else:
                    found.add(name, returned[name])
        return found


def _call_hook(plugin: str, fn: Any) -> Any:
    """Call one plugin's hook implementation; whatever it raises (``sys.exit`` included) is a
    PluginError naming the plugin and the hook, so the run ends with exit 2 and one line."""
    try:
        return fn()
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        hook = getattr(fn, "__name__", "hook")
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise PluginError(f"plugin {plugin} failed in {hook}: {detail}") from exc


def load_plugins(autoload: bool = True, *, manager: bool = False) -> Plugins:
    """Register the built-in plugin and, unless disabled, every ``kubelint`` entry point.
    pluggy is used when a third-party plugin is found, or always with ``manager=True``."""
    found: list[tuple[str, str, str]] = []
    if autoload and os.environ.get("KUBELINT_DISABLE_PLUGIN_AUTOLOAD", "") in ("", "0"):
        found = _entry_points()
    if not found and not manager:
        return Plugins(None, [BUILTIN])

    import pluggy

    from kubelint import builtin, hookspecs

    pm = pluggy.PluginManager("kubelint")
    pm.add_hookspecs(hookspecs)
    for name in dir(builtin):  # the built-in plugin's hooks are plain functions: mark them
        if name.startswith("kubelint_"):
            hookspecs.hookimpl(getattr(builtin, name))
    pm.register(builtin, name=BUILTIN)
    plugins = Plugins(pm, [BUILTIN])
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
            pm.register(plugin, name=label)
        except Exception as exc:
            raise PluginError(f"plugin {label} could not be registered: {exc}") from exc
        plugins.names.append(label)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"invalid plugin hook: {exc}") from exc
    return plugins


def _environment_identity() -> tuple[object, ...]:
    """What decides which distributions (and entry points) are installed: every ``sys.path``
    directory with the identity of each of its ``*.dist-info``/``*.egg-info`` entry-point files
    (not the directory's mtime: the script's directory or the working directory, often on
    ``sys.path``, changes whenever any file in it is written)."""
    out: list[object] = []
    for entry in sys.path:
        path = entry or os.getcwd()
        try:
            names = sorted(os.listdir(path)) if os.path.isdir(path) else []
        except OSError:
            out.append((path, None))
            continue
        metas = tuple(
            disk_cache.file_identity(os.path.join(path, name, "entry_points.txt"))
            for name in names
            if name.endswith((".dist-info", ".egg-info"))
        )
        out.append((path, metas))
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
