"""Run ``helm template`` and ``kustomize build`` and turn their output into lint sources.

Each render and each build becomes one ``Source`` with its own lint set and a mapper
(kubelint/mapping/) that points findings back at the files a user edits. Nothing is ever
written into the user's tree: Kustomize origin annotations are switched on through a temporary
wrapper kustomization that names the target by a relative path (kustomize refuses absolute ones).
A missing tool is a clear error (exit 2) that says how to pipe rendered output instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from kubelint import records
from kubelint.kustomization import kustomization_file
from kubelint.kustomize_tree import KustomizeTree
from kubelint.kustomize_tree import scan as scan_kustomizations
from kubelint.loader import MAX_BYTES
from kubelint.records import dataclass, field
from kubelint.sources import (
    VENDORED_DIRS,
    Skipped,
    Source,
    display_name,
    is_dir,
    is_file,
)

HELM_MISSING = (
    "helm is not installed (not found on PATH; name it with --helm-bin PATH). "
    "Or render the chart yourself and pipe the output: "
    "`helm template RELEASE ./chart | kubelint lint - --chart-dir ./chart`"
)
KUSTOMIZE_NOT_BUILT = (
    "{count} found in the linted paths {were} linted as plain files, without the values "
    "Kustomize fills in (labels, selectors, names, namespaces, images): neither kustomize nor "
    "kubectl is installed (not found on PATH). Install one to lint what `kubectl kustomize "
    "DIR` builds (--no-kustomize lints the files as files without this note)"
)
KUSTOMIZE_MISSING = (
    "neither kustomize nor kubectl is installed (not found on PATH). Or build it yourself with "
    "origin annotations (`buildMetadata: [originAnnotations]` in the kustomization) and pipe "
    "the output: `kustomize build DIR | kubelint lint - --kustomize-root DIR`"
)


class RenderError(Exception):
    """A render or build that cannot run or failed: exit code 2 with this message."""


@dataclass
class RenderOptions:
    """What the command line asked to render."""

    helm: list[str] = field(default_factory=list)  # chart directories (--helm)
    values: list[str] = field(default_factory=list)  # -f/--values, for every render
    set_values: list[str] = field(default_factory=list)  # --set k=v
    values_sets: list[str] = field(default_factory=list)  # one render each (comma-separated)
    release_name: str = "release-name"
    namespace: str | None = None
    helm_bin: str | None = None
    include_tests: bool = False
    helm_auto: bool = False
    kustomize: list[str] = field(default_factory=list)  # directories (--kustomize)
    kustomize_auto: bool = False  # build them and require a builder (--kustomize-auto)
    no_kustomize: bool = False  # lint kustomizations' files as plain files (--no-kustomize)
    kustomize_allow_remote: bool = False  # let kustomize fetch remote resources/bases
    jobs: int = 1  # renders found in the tree run this many at a time (--jobs)


# --- tools --------------------------------------------------------------------------------------


def find_helm(helm_bin: str | None = None) -> str | None:
    """The helm executable: ``--helm-bin`` (a path or a name on PATH), else ``helm`` on PATH."""
    import shutil

    if helm_bin:
        if os.sep in helm_bin or (os.altsep and os.altsep in helm_bin):
            return helm_bin if os.access(helm_bin, os.X_OK) and Path(helm_bin).is_file() else None
        return shutil.which(helm_bin)
    return shutil.which("helm")


def find_kustomize() -> list[str] | None:
    """``kustomize build`` when kustomize is installed, else ``kubectl kustomize``."""
    import shutil

    kustomize = shutil.which("kustomize")
    if kustomize:
        return [kustomize, "build"]
    kubectl = shutil.which("kubectl")
    if kubectl:
        return [kubectl, "kustomize"]
    return None


def _run(cmd: Sequence[str], what: str, cwd: str | None = None) -> bytes:
    """Run a renderer under time, memory and output bounds (render_guard.run_bounded)."""
    from kubelint.render_guard import render_memory, render_timeout, run_bounded

    try:
        proc = run_bounded(list(cmd), cwd, MAX_BYTES)
    except FileNotFoundError as exc:
        raise RenderError(f"{what}: cannot run {cmd[0]}: {exc.strerror or exc}") from exc
    except OSError as exc:
        raise RenderError(f"{what}: cannot run {cmd[0]}: {exc.strerror or exc}") from exc
    if proc.timed_out:
        raise RenderError(
            f"{what}: timed out after {render_timeout()}s (KUBELINT_RENDER_TIMEOUT sets the limit)"
        )
    if proc.too_large:
        raise RenderError(f"{what}: output larger than {MAX_BYTES // (1024 * 1024)} MiB")
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", errors="replace").strip() or f"exit {proc.returncode}"
        if proc.returncode < 0 or "memory" in detail.lower():
            detail += (
                f" (renders run with at most {render_memory() // (1024 * 1024)} MiB of memory; "
                "KUBELINT_RENDER_MEMORY_MIB sets the limit)"
            )
        raise RenderError(f"{what} failed: {detail}")
    return proc.stdout


# --- Helm ---------------------------------------------------------------------------------------


def helm_sources(chart: str, opts: RenderOptions) -> list[Source]:
    """One source per values set: ``helm template`` of ``chart``, mapped to its templates."""
    from kubelint.mapping.helm import HelmMapper
    from kubelint.mapping.helm_trace import trace_render
    from kubelint.mapping.helm_values import ValuesFiles, chart_meta, set_keys
    from kubelint.render_guard import RenderGuardError, check_namespace, check_release_name

    chart_dir = Path(chart)
    if not is_file(chart_dir / "Chart.yaml"):
        raise RenderError(f"{chart}: not a Helm chart directory (no Chart.yaml)")
    helm = find_helm(opts.helm_bin)
    if helm is None:
        raise RenderError(HELM_MISSING)
    try:  # values that reach helm as arguments must not look like options
        check_release_name(opts.release_name)
        if opts.namespace:
            check_namespace(opts.namespace)
    except RenderGuardError as exc:
        raise RenderError(str(exc)) from exc
    shown = display_name(chart_dir)
    if chart_meta(chart_dir / "Chart.yaml").get("type") == "library":
        raise RenderError(f"{chart}: a Helm library chart (type: library) cannot be rendered")
    out: list[Source] = []
    values_sets: list[str | None] = list(opts.values_sets) or [None]
    for values_set in values_sets:
        cmd = [helm, "template", "--include-crds"]
        if opts.namespace:
            cmd += ["--namespace", opts.namespace]
        for f in opts.values:
            cmd += ["--values", f]
        if values_set:
            for f in values_set.split(","):
                cmd += ["--values", f]
        for s in opts.set_values:
            cmd += ["--set", s]
        name = f"helm template {shown}" + (f" -f {values_set}" if values_set else "")
        data = _run([*cmd, "--", opts.release_name, str(chart_dir)], name)  # positionals last
        real = data.decode("utf-8", errors="replace")
        trace = trace_render(cmd, opts.release_name, chart_dir, real)
        files = [*opts.values, *(values_set.split(",") if values_set else [])]
        values = ValuesFiles(
            chart_dir.resolve(), [Path(f) for f in files], set_keys(list(opts.set_values))
        )
        mapper = HelmMapper(
            chart_dir.resolve(),
            include_tests=opts.include_tests,
            tag=values_set,
            trace=trace,
            values=values,
            name=name,
        )
        lint_set = f"helm:{shown}:{values_set or ''}"
        out.append(Source(name=name, path=None, data=data, lint_set=lint_set, mapper=mapper))
    return out


# --- Kustomize ----------------------------------------------------------------------------------


def kustomize_source(
    directory: str, allow_remote: bool = False, tree: Path | None = None
) -> Source:
    """``kustomize build`` of ``directory`` with origin annotations, mapped to its sources.

    Remote resources and bases are refused before anything runs (render_guard.py) unless
    ``allow_remote``. ``tree``: the linted directory it was found in (its files may be read
    to map findings, as the kustomization's own repository may)."""
    import tempfile

    from kubelint.mapping.kustomize import KustomizeMapper
    from kubelint.render_guard import remote_entries

    target = Path(os.path.realpath(directory))
    kfile = kustomization_file(target)
    if kfile is None:
        raise RenderError(f"{directory}: no kustomization.yaml in this directory")
    if not allow_remote:
        remote = remote_entries(target)
        if remote:
            raise RenderError("\n".join(r.message(display_name(r.file)) for r in remote))
    tool = find_kustomize()
    if tool is None:
        raise RenderError(KUSTOMIZE_MISSING)
    shown = display_name(Path(directory))
    name = f"kustomize build {shown}"
    with tempfile.TemporaryDirectory(prefix="kubelint-kustomize-") as tmp:
        wrapper = os.path.realpath(tmp)
        try:
            rel = os.path.relpath(target, wrapper)
        except ValueError as exc:  # another drive (Windows): no relative path exists
            raise RenderError(f"{name}: cannot name {target} relative to {wrapper}") from exc
        Path(wrapper, "kustomization.yaml").write_text(
            "apiVersion: kustomize.config.k8s.io/v1beta1\n"
            "kind: Kustomization\n"
            "buildMetadata: [originAnnotations]\n"
            f"resources:\n- {_yaml_str(rel)}\n",
            encoding="utf-8",
        )
        data = _run([*tool, "--", wrapper], name, cwd=wrapper)
    mapper = KustomizeMapper(Path(wrapper), target, fallback=kfile, build=shown, tree=tree)
    return Source(name=name, path=None, data=data, lint_set=f"kustomize:{shown}", mapper=mapper)


def _yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _tree_dirs(paths: Iterable[str]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        root = Path(raw)
        if raw == "-" or not is_dir(root):
            continue
        for dirpath, dirnames, _ in os.walk(root):
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and d not in VENDORED_DIRS
            )
            out.append(Path(dirpath))
    return out


def find_kustomizations(paths: Iterable[str]) -> dict[Path, set[Path]]:
    """Top-level kustomization directories below ``paths`` (those no other one includes), each
    with the files its build reads (linted through the build instead); see kustomize_tree."""
    tree = scan_kustomizations(paths)
    return {root: tree.owned(root) for root in tree.roots}


def find_charts(paths: Iterable[str]) -> list[Path]:
    """Chart directories below ``paths``; subcharts (under a chart's charts/) render with it."""
    charts: list[Path] = []
    for directory in _tree_dirs(paths):
        if not is_file(directory / "Chart.yaml"):
            continue
        if any(c in directory.parents and directory.is_relative_to(c / "charts") for c in charts):
            continue
        charts.append(directory)
    return charts


# --- the whole plan -----------------------------------------------------------------------------

_T = TypeVar("_T")
_R = TypeVar("_R")


def _each(fn: Callable[[_T], _R], items: Sequence[_T], jobs: int) -> list[_R | RenderError]:
    """``fn(item)`` of each item, in order, up to ``jobs`` at a time; a RenderError takes its
    item's place. A render is another process (helm, kustomize): the threads only wait for
    them, while the renders use the machine's cores."""

    def one(item: _T) -> _R | RenderError:
        try:
            return fn(item)
        except RenderError as exc:
            return exc

    if jobs < 2 or len(items) < 2:
        return [one(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(jobs, len(items))) as pool:
        return list(pool.map(one, items))


def render_all(
    opts: RenderOptions, paths: Sequence[str], sources: list[Source]
) -> tuple[list[Source], list[Skipped], list[str], list[str]]:
    """Sources to lint after rendering what was asked, the skipped charts, the errors and
    notes for stderr.

    Explicit ``--helm``/``--kustomize`` failures raise RenderError (exit 2). Charts met in the
    linted tree are rendered with ``--helm-auto``; top-level kustomizations are built when a
    builder is on PATH (always with ``--kustomize-auto``, never with ``--no-kustomize``).
    Failures of these are errors that do not stop the run.
    """
    out = list(sources)
    skipped: list[Skipped] = []
    errors: list[str] = []
    notes: list[str] = []
    for chart in opts.helm:
        out.extend(helm_sources(chart, opts))
    for directory in opts.kustomize:
        out.append(kustomize_source(directory, opts.kustomize_allow_remote))
    tree = [p for p in paths if p != "-"]
    if not tree:
        return out, skipped, errors, notes
    explicit_charts = {Path(c).resolve() for c in opts.helm}
    charts: list[str] = []
    for chart_dir in find_charts(tree):
        if chart_dir.resolve() in explicit_charts:
            continue
        from kubelint.mapping.helm_values import chart_meta

        shown = display_name(chart_dir)
        if chart_meta(chart_dir / "Chart.yaml").get("type") == "library":
            skipped.append(Skipped(shown, "Helm library chart (not installable)"))
        elif not opts.helm_auto:
            hint = "lint it with --helm-auto or --helm, or pipe `helm template` output to '-'"
            skipped.append(Skipped(shown, f"Helm chart ({hint})"))
        elif find_helm(opts.helm_bin) is None:
            hint = "helm not found: install it, or pipe `helm template` output to '-'"
            skipped.append(Skipped(shown, f"Helm chart ({hint})"))
        else:
            charts.append(str(chart_dir))
    for rendered in _each(lambda chart: helm_sources(chart, opts), charts, opts.jobs):
        if isinstance(rendered, RenderError):
            errors.append(str(rendered))
        else:
            out.extend(rendered)
    out, notes = _kustomize_tree(opts, tree, out, skipped, errors)
    return out, skipped, errors, notes


def _kustomize_tree(
    opts: RenderOptions,
    paths: Sequence[str],
    sources: list[Source],
    skipped: list[Skipped],
    errors: list[str],
) -> tuple[list[Source], list[str]]:
    """Build the top-level kustomizations of the linted tree (when asked or able to) in place
    of the files they own; the files they own that are still linted on their own carry the
    Fills that say what a build would have set (kustomize_tree.Fills)."""
    found: KustomizeTree = scan_kustomizations(paths)
    notes: list[str] = []
    if not found.nodes:
        return sources, notes
    explicit = {Path(os.path.realpath(d)) for d in opts.kustomize}
    covered: set[Path] = set()
    for root in explicit:
        covered |= found.owned(root)
    built: list[Source] = []
    built_roots: dict[Path, str] = {d: display_name(Path(d)) for d in explicit}
    roots = [r for r in found.roots if r not in explicit]
    if opts.no_kustomize or not roots:
        pass
    elif find_kustomize() is None and not opts.kustomize_auto:
        count = len(roots)
        notes.append(
            KUSTOMIZE_NOT_BUILT.format(
                count=f"{count} kustomization{'s' if count != 1 else ''}",
                were="were" if count != 1 else "was",
            )
        )
    else:
        lint_roots = [Path(os.path.realpath(p)) for p in paths if is_dir(Path(p))]

        def build(root: Path) -> Source:
            tree_root = next((t for t in lint_roots if root.is_relative_to(t)), None)
            return kustomize_source(found.shown(root), opts.kustomize_allow_remote, tree=tree_root)

        for root, source in zip(roots, _each(build, roots, opts.jobs), strict=True):
            if isinstance(source, RenderError):
                errors.append(str(source))
                continue
            built.append(source)
            covered |= found.owned(root)
            built_roots[root] = found.shown(root)
    kept: list[Source] = []
    for s in sources:
        real = s.real_path()
        if real is not None and real in covered:
            skipped.append(Skipped(s.name, "linted through its kustomize build"))
            continue
        if real is not None and real in found.config:
            skipped.append(Skipped(s.name, "Kustomize configuration (read by a kustomization)"))
            continue
        if real is not None and s.mapper is None:
            fills = found.fills_for(real)
            if fills is not None:
                s = records.replace(s, kustomize_fills=fills)
            home = (
                next((built_roots[d] for d in real.parents if d in built_roots), None)
                if built_roots
                else None
            )
            if home is not None:
                # a file beside a built kustomization that it does not name: what it relates
                # to is deployed through that build, so it is not judged against other files
                s = records.replace(s, lint_set=f"kustomize-dir:{home}")
        kept.append(s)
    return kept + built, notes
