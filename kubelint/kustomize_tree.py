"""The kustomizations of a linted tree: which to build, which files they own, what they fill in.

A directory holding a kustomization is deployed by building it, so ``kubelint lint DIR`` builds
the *top-level* kustomizations below DIR (those no other kustomization of the tree includes;
a ``kind: Component`` is never built on its own) and lints the files they own through those
builds instead of on their own. A kustomization owns the files it names: ``resources`` /
``bases`` files, the files of the kustomizations and Components it includes (``resources``,
``bases``, ``components``, followed to the end), its patches, and the files it only reads as
configuration (generator sources, transformer/generator/validator configurations,
``replacements``, ``configurations``, ``crds``, ``openapi``). Files of the tree that no
kustomization names are linted as files.

When a file of a kustomization is linted as a plain file (no kustomize or kubectl on PATH,
``--no-kustomize``, a build that failed, a Component no kustomization uses), its findings on
values the kustomizations above it would fill in are not reported: ``Fills`` says which
(namespace, name prefix/suffix, labels and selectors, annotations, images).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kubelint.kustomization import kustomization_file, read_kustomization
from kubelint.model import K8sObject, get_path
from kubelint.positions import split
from kubelint.records import dataclass, field
from kubelint.sources import VENDORED_DIRS, is_dir

# Where a workload keeps its pod template metadata and its selector (pointer prefixes).
_SELECTORS = ("/spec/selector", "/spec/jobTemplate/spec/selector")
_META = ("/metadata", "/spec/template/metadata", "/spec/jobTemplate/spec/template/metadata")
_CONTAINERS = ("containers", "initContainers", "ephemeralContainers")


@dataclass(frozen=True)
class Fills:
    """What the kustomizations that include a file set on its objects when they are built."""

    kustomizations: tuple[str, ...] = ()  # the kustomization files, as shown to the user
    namespace: bool = False  # `namespace:`
    names: bool = False  # `namePrefix:` / `nameSuffix:`
    labels: frozenset[str] = frozenset()  # label keys (`commonLabels`, `labels`)
    selectors: bool = False  # `commonLabels`, or `labels` with includeSelectors
    annotations: frozenset[str] = frozenset()  # `commonAnnotations` keys
    images: frozenset[str] = frozenset()  # image names an `images:` entry rewrites

    def merge(self, other: Fills) -> Fills:
        return Fills(
            tuple(dict.fromkeys((*self.kustomizations, *other.kustomizations))),
            self.namespace or other.namespace,
            self.names or other.names,
            self.labels | other.labels,
            self.selectors or other.selectors,
            self.annotations | other.annotations,
            self.images | other.images,
        )

    def hides(self, obj: K8sObject, pointer: str) -> bool:
        """Whether a finding at ``pointer`` (relative to ``obj``) is about a value a build
        would fill in, so that the file as written cannot be judged on it."""
        if self.namespace and _under(pointer, "/metadata/namespace"):
            return True
        if self.names and _under(pointer, "/metadata/name"):
            return True
        if self.selectors and any(_under(pointer, s) for s in _SELECTORS):
            return True
        for meta in _META:
            for fld, keys in (("labels", self.labels), ("annotations", self.annotations)):
                prefix = f"{meta}/{fld}"
                if (
                    keys
                    and pointer.startswith(prefix + "/")
                    and split(pointer)[len(split(prefix))] in keys
                ):
                    return True
        if self.images:
            tokens = split(pointer)
            if tokens and tokens[-1] in ("image", "imagePullPolicy"):
                for i, token in enumerate(tokens[:-2]):
                    if token in _CONTAINERS and tokens[i + 1].isdigit():
                        container = "/" + "/".join(tokens[: i + 2])
                        image = get_path(obj.raw, container + "/image")
                        if isinstance(image, str) and image_name(image) in self.images:
                            return True
        return False


def _under(pointer: str, prefix: str) -> bool:
    return pointer == prefix or pointer.startswith(prefix + "/")


def image_name(image: str) -> str:
    """``registry/repo:tag@digest`` -> ``registry/repo`` (what `images:` entries match)."""
    name = image.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def fills_of(data: dict[str, Any], shown: str) -> Fills:
    """What one kustomization (or Component) sets on the resources it builds."""
    labels: set[str] = set()
    selectors = False
    common = data.get("commonLabels")
    if isinstance(common, dict) and common:
        labels |= {str(k) for k in common}
        selectors = True
    entries = data.get("labels")
    for entry in entries if isinstance(entries, list) else []:
        pairs = entry.get("pairs") if isinstance(entry, dict) else None
        if isinstance(pairs, dict):
            labels |= {str(k) for k in pairs}
            selectors = selectors or entry.get("includeSelectors") is True
    annotations = data.get("commonAnnotations")
    images: set[str] = set()
    entries = data.get("images")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            images.add(entry["name"])
    return Fills(
        (shown,),
        namespace=isinstance(data.get("namespace"), str) and bool(data["namespace"]),
        names=bool(data.get("namePrefix") or data.get("nameSuffix")),
        labels=frozenset(labels),
        selectors=selectors,
        annotations=frozenset(str(k) for k in annotations)
        if isinstance(annotations, dict)
        else frozenset(),
        images=frozenset(images),
    )


@dataclass
class _Node:
    shown: str  # the directory as the user spelled it
    component: bool
    fills: Fills
    dirs: list[Path] = field(default_factory=list)  # kustomization dirs it includes
    files: set[Path] = field(default_factory=set)  # files it owns directly
    context: bool = False  # found above a file named on the command line: never built


@dataclass
class KustomizeTree:
    """The kustomizations found below the linted paths (directories resolved)."""

    nodes: dict[Path, _Node] = field(default_factory=dict)
    config: set[Path] = field(default_factory=set)  # files read as configuration only
    # _links, with len(nodes) when made
    _links_made: tuple[int, dict[Path, list[Path]], dict[Path, list[Path]]] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def roots(self) -> list[Path]:
        """Buildable kustomizations no other one of the tree includes, in path order."""
        included = {d for node in self.nodes.values() for d in node.dirs}
        return sorted(
            d
            for d, n in self.nodes.items()
            if d not in included and not n.component and not n.context
        )

    def shown(self, directory: Path) -> str:
        return self.nodes[directory].shown

    def owned(self, root: Path) -> set[Path]:
        """Every file the build of ``root`` reads (its own and its includes', to the end)."""
        files: set[Path] = set()
        todo, seen = [root], set()
        while todo:
            cur = todo.pop()
            if cur in seen:
                continue
            seen.add(cur)
            node = self.nodes.get(cur)
            if node is None:
                continue
            files |= node.files
            todo.extend(node.dirs)
        return files

    def fills_for(self, file: Path) -> Fills | None:
        """What the kustomizations that (directly or through others) include ``file`` fill
        in; None when no kustomization of the tree names it."""
        named_by, parents = self._links()
        todo = list(named_by.get(file, ()))
        if not todo:  # most files: no kustomization names them
            return None
        out = Fills()
        seen: set[Path] = set()
        while todo:
            cur = todo.pop()
            if cur in seen:
                continue
            seen.add(cur)
            out = out.merge(self.nodes[cur].fills)
            for comp in self._components(cur):  # they transform all of cur's resources
                out = out.merge(self.nodes[comp].fills)
            todo.extend(parents.get(cur, []))
        return out

    def _links(self) -> tuple[dict[Path, list[Path]], dict[Path, list[Path]]]:
        """(file -> the kustomizations naming it, directory -> those including it), made once
        the tree is scanned (asked for every linted file)."""
        if self._links_made is None or self._links_made[0] != len(self.nodes):
            named_by: dict[Path, list[Path]] = {}
            parents: dict[Path, list[Path]] = {}
            for d, node in self.nodes.items():
                for f in node.files:
                    named_by.setdefault(f, []).append(d)
                for child in node.dirs:
                    parents.setdefault(child, []).append(d)
            self._links_made = (len(self.nodes), named_by, parents)
        return self._links_made[1], self._links_made[2]

    def _components(self, directory: Path) -> list[Path]:
        """The Components ``directory`` uses, and those they use."""
        out: list[Path] = []
        todo = list(self.nodes[directory].dirs)
        while todo:
            cur = todo.pop()
            node = self.nodes.get(cur)
            if node is None or not node.component or cur in out:
                continue
            out.append(cur)
            todo.extend(node.dirs)
        return out


def scan(paths: Iterable[str]) -> KustomizeTree:
    """The kustomizations in the directories below ``paths`` (hidden and vendored directories
    left out, as the file walk leaves them out), and those they include from elsewhere."""
    tree = KustomizeTree()
    todo: list[tuple[Path, str]] = []
    context: list[Path] = []
    for raw in paths:
        root = Path(raw)
        if raw == "-":
            continue
        if not is_dir(root):
            context.extend(_above(root))
            continue
        for dirpath, dirnames, _ in os.walk(root):
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and d not in VENDORED_DIRS
            )
            if kustomization_file(Path(dirpath)) is not None:
                todo.append((Path(dirpath), Path(dirpath).as_posix()))
    queue = [(d, shown, False) for d, shown in todo]
    queue += [(d, d.as_posix(), True) for d in dict.fromkeys(context)]
    resolved: dict[Path, Path] = {}

    def resolve(path: Path) -> Path:  # each path met resolved once (they repeat)
        real = resolved.get(path)
        if real is None:
            real = resolved[path] = Path(os.path.realpath(path))
        return real

    while queue:
        directory, shown, context_only = queue.pop(0)
        real = resolve(directory)
        if real in tree.nodes:
            continue
        k = read_kustomization(directory)
        if k is None or k.data is None:
            continue
        dirs, files = k.includes()
        node = _Node(
            shown,
            k.kind == "Component",
            fills_of(k.data, Path(shown, k.path.name).as_posix()),
            [resolve(d) for d in dirs if kustomization_file(d) is not None],
            {resolve(f) for f in files} | {resolve(p) for p in k.patch_files()} | k.config_files(),
        )
        tree.nodes[real] = node
        tree.config |= k.config_files()
        if context_only:
            node.context = True
            continue
        for d in dirs:  # an include outside the linted paths: followed for what it owns
            if resolve(d) not in tree.nodes:
                queue.append((d, d.as_posix(), False))
    return tree


def _above(file: Path) -> list[Path]:
    """The kustomization directories at and above a file named on the command line, up to its
    repository's top level: a kustomization there may name it (what it fills in is not
    reported on the file; a file named alone is not built)."""
    from kubelint.config import repository_root

    start = Path(os.path.realpath(file)).parent
    try:
        top = repository_root(start)
    except OSError:  # a directory we may not search: the file read reports it
        return []
    out: list[Path] = []
    for directory in (start, *start.parents):
        if not directory.is_relative_to(top):
            break
        if kustomization_file(directory) is not None:
            out.append(directory)
    return out
