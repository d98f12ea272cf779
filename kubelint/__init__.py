"""kubelint: a Kubernetes manifest linter with exact file:line:column findings.

Plugins import what they need from ``kubelint.api`` (the public plugin API); other modules are
internal and may change."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
