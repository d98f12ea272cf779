"""kubelint: a Kubernetes manifest linter with exact file:line:column findings."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
