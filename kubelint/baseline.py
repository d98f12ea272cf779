"""Baselines: record today's findings by fingerprint, then report only new ones.

Fingerprints (findings.fingerprint) identify a finding by rule, object identity and the field's
path with container names instead of indexes, so a baseline survives line moves, reformatting,
container reordering and value edits, while a problem on another field or object is new.
Entries are matched as a multiset: two identical findings need two entries.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kubelint import __version__
from kubelint.findings import Finding
from kubelint.records import dataclass

BASELINE_VERSION = 1


class BaselineError(Exception):
    pass


@dataclass
class Baseline:
    path: Path
    entries: list[dict[str, Any]]

    def counter(self) -> Counter[str]:
        return Counter(str(e["fingerprint"]) for e in self.entries)


def entry(f: Finding) -> dict[str, Any]:
    obj = f.object
    return {
        "fingerprint": f.fingerprint,
        "rule": f.rule,
        "file": f.location.file,
        "object": None if obj is None else f"{obj.kind} {obj.namespace or ''}/{obj.name}",
        "path": f.path,
        "message": f.message,
    }


def write(path: Path, findings: Iterable[Finding]) -> int:
    entries = sorted(
        (entry(f) for f in findings), key=lambda e: (e["file"], e["rule"], e["fingerprint"])
    )
    write_entries(path, entries)
    return len(entries)


def read(path: Path) -> Baseline:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{path}: not a kubelint baseline (version {BASELINE_VERSION})")
    findings = data.get("findings")
    if not isinstance(findings, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in findings
    ):
        raise BaselineError(f"{path}: `findings` must be a list of entries with a fingerprint")
    return Baseline(path, findings)


def split(findings: Iterable[Finding], baseline: Baseline) -> tuple[list[Finding], list[Finding]]:
    """(new findings, findings covered by the baseline)."""
    budget = baseline.counter()
    new: list[Finding] = []
    known: list[Finding] = []
    for f in findings:
        if budget[f.fingerprint] > 0:
            budget[f.fingerprint] -= 1
            known.append(f)
        else:
            new.append(f)
    return new, known


def prune(baseline: Baseline, findings: Iterable[Finding]) -> tuple[list[dict[str, Any]], int]:
    """Entries still matched by a current finding, and how many were dropped."""
    current = Counter(f.fingerprint for f in findings)
    kept: list[dict[str, Any]] = []
    for e in baseline.entries:
        fp = str(e["fingerprint"])
        if current[fp] > 0:
            current[fp] -= 1
            kept.append(e)
    return kept, len(baseline.entries) - len(kept)


def write_entries(path: Path, entries: list[dict[str, Any]]) -> None:
    data: dict[str, Any] = {
        "version": BASELINE_VERSION,
        "tool": {"name": "kubelint", "version": __version__},
        "findings": entries,
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
