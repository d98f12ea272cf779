"""`kubelint server`: kubelint's findings in any editor with a Language Server Protocol client.

Nothing here imports pygls at import time: `kubelint lint` never pays for the server, and a
missing pygls is a clear message, not a traceback.
"""

from __future__ import annotations

INSTALL_HINT = "pip install 'kubelint[server]'"


class ServerUnavailable(Exception):
    """pygls/lsprotocol are not installed."""


def serve(config: str | None = None, baseline: str | None = None, no_plugins: bool = False) -> None:
    """Run the language server on stdin/stdout until the client says exit."""
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError as exc:
        raise ServerUnavailable(
            f"`kubelint server` needs pygls and lsprotocol ({exc.name} is not installed): "
            f"{INSTALL_HINT}"
        ) from exc
    from kubelint.server.lsp import serve as serve_lsp
    from kubelint.server.project import ServerSettings

    serve_lsp(ServerSettings(config=config, baseline=baseline, no_plugins=no_plugins))
