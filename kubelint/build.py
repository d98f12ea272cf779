"""Object building: one source's documents -> Kubernetes objects, plus input findings.

Decodes and loads a source (through the loader), attaches the mapper of rendered Helm/Kustomize
output, skips what is not a manifest (Go templates, non-mappings, Kustomize config kinds),
expands ``List`` kinds and turns input problems (``yaml-syntax-error``, ``duplicate-key``,
``input-limit``, ``invalid-object`` of a List item) into findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from kubelint.findings import Finding, Location, RunResult, fingerprint
from kubelint.loader import (
    Document,
    InputProblem,
    LoadResult,
    has_template_line,
    input_limit_problem,
    load_bytes,
)
from kubelint.mapping import detect as detect_mapper
from kubelint.model import K8sObject
from kubelint.options import Options
from kubelint.positions import PositionIndex
from kubelint.selection import ActiveRule
from kubelint.sources import Skipped, Source

if TYPE_CHECKING:
    from kubelint.mapping import Mapper

KUSTOMIZE_GROUP = "kustomize.config.k8s.io"


class ObjectBuilder:
    """Builds the objects of each source of a run; remembers the mapper of each source."""

    def __init__(self, options: Options, enabled: Mapping[str, ActiveRule]) -> None:
        self.options = options
        self.enabled = enabled  # active rules by ID (input rules' severity and category)
        self.mappers: dict[str, Mapper] = {}  # source name -> mapper of rendered output
        # The last source loaded: (name, text, documents), for planning its fixes after its lint.
        self.last_load: tuple[str, str, LoadResult] | None = None

    def load_source(self, source: Source, result: RunResult) -> list[K8sObject]:
        """Parse one source into objects; input problems become findings on ``result``."""
        assert source.data is not None
        result.files += 1
        if source.too_large:  # sources.py refused to read it: one input-limit finding
            self.input_finding(result, source.name, input_limit_problem())
            return []
        text, loaded = load_bytes(source.data)
        if text is None:
            self.input_finding(result, source.name, loaded.problems[0])
            return []
        result.sources[source.name] = text
        self.last_load = (source.name, text, loaded)
        mapper = source.mapper or detect_mapper(
            text, self.options, piped=source.path is None and source.name == "-"
        )
        if mapper is not None:
            mapper.prepare(text, loaded)
            self.mappers[source.name] = mapper
        if (
            mapper is None
            and "{{" in text
            and (
                has_template_line(text)
                or any(p.rule == "yaml-syntax-error" for p in loaded.problems)
                or any(d.complex_keys for d in loaded.documents)
            )
        ):
            result.skipped.append(
                Skipped(source.name, "Go template syntax (render it first, e.g. helm template)")
            )
            return []
        for p in loaded.problems:
            self.input_finding(result, source.name, p)
        objects: list[K8sObject] = []
        for doc in loaded.documents:
            reason = mapper.skip_reason(doc) if mapper is not None else None
            if reason is not None:
                result.skipped.append(Skipped(f"{source.name}:{doc.line}", reason))
                continue
            objects.extend(self._document_objects(source, doc, result))
        return objects

    def _document_objects(
        self, source: Source, doc: Document, result: RunResult
    ) -> list[K8sObject]:
        for p in doc.problems:
            self.input_finding(result, source.name, p)
        data = doc.data
        if not doc.loaded or data is None:
            return []
        where = f"{source.name}:{doc.line}"
        if not isinstance(data, dict):
            result.skipped.append(Skipped(where, "document is not a mapping"))
            return []
        if "apiVersion" not in data and "kind" not in data:
            result.skipped.append(Skipped(where, "no apiVersion or kind (not a Kubernetes object)"))
            return []
        api_version = data.get("apiVersion")
        if isinstance(api_version, str) and api_version.startswith(KUSTOMIZE_GROUP + "/"):
            result.skipped.append(Skipped(where, f"Kustomize {data.get('kind')}"))
            return []
        kind = data.get("kind")
        items = data.get("items")
        default_ns = self.options.namespace or "default"
        if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
            out = []
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    out.append(
                        K8sObject(
                            item,
                            source.name,
                            doc,
                            base=f"/items/{i}",
                            lint_set=source.lint_set,
                            unit=source.name,
                            default_namespace=default_ns,
                            pod_locator=self.options.pod_locator,
                        )
                    )
                else:
                    self._invalid(
                        result,
                        source.name,
                        doc.positions,
                        f"/items/{i}",
                        "List item is not a mapping",
                    )
            return out
        return [
            K8sObject(
                data,
                source.name,
                doc,
                lint_set=source.lint_set,
                unit=source.name,
                default_namespace=default_ns,
                pod_locator=self.options.pod_locator,
            )
        ]

    def input_finding(self, result: RunResult, file: str, p: InputProblem) -> None:
        rule = self.enabled.get(p.rule)
        if rule is None:
            return
        result.findings.append(
            Finding(
                rule=p.rule,
                severity=rule.spec.severity,
                message=p.message,
                location=Location(file, p.line, p.column),
                object=None,
                path=p.path,
                fingerprint=fingerprint(p.rule, None, p.path, f"{file}|{p.message}"),
                category=rule.spec.category,
            )
        )

    def _invalid(
        self, result: RunResult, file: str, positions: PositionIndex, pointer: str, message: str
    ) -> None:
        line, column, _ = positions.locate(pointer)
        self.input_finding(result, file, InputProblem("invalid-object", message, line, column))
