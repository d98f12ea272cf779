"""`kubelint server` takes its settings from the editor too: the client's ``kubelint`` section
(workspace/configuration, asked for after initialization and again on didChangeConfiguration,
or pushed with didChangeConfiguration) is merged over the command line's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.helpers import DEPLOYMENT, write
from tests.lsp_helpers import Session, session, uri

pytestmark = pytest.mark.asyncio

STRICT = "rules:\n  latest-tag: {enabled: false}\n"


async def settle(s: Session, path: Path, diags: list[types.Diagnostic], has: bool) -> set[str]:
    """The rule codes of ``path``'s diagnostics once latest-tag is there (``has``) or not: the
    settings may arrive after the first lint, which is then published again."""
    codes = {str(d.code) for d in diags}
    while ("latest-tag" in codes) != has:
        s.client.diagnostics.pop(uri(path), None)
        codes = {str(d.code) for d in await s.wait(uri(path))}
    return codes


async def test_workspace_configuration_settings_apply(tmp_path: Path) -> None:
    write(tmp_path, "strict.yaml", STRICT)
    web = write(tmp_path, "web.yaml", DEPLOYMENT)
    settings: dict[str, Any] = {"kubelint": {"configFile": "strict.yaml"}}
    async with session([tmp_path], settings=settings) as s:
        codes = await settle(s, web, await s.open(web), has=False)
        assert "missing-liveness-probe" in codes  # only latest-tag is disabled

        # a change notification without settings: the server asks again (pull model)
        settings["kubelint"] = {}
        s.client.diagnostics.pop(uri(web), None)
        s.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        await settle(s, web, await s.wait(uri(web)), has=True)

        # settings pushed with the notification
        s.client.diagnostics.pop(uri(web), None)
        s.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"kubelint": {"config": "strict.yaml"}})
        )
        await settle(s, web, await s.wait(uri(web)), has=False)


async def test_a_client_without_workspace_configuration_keeps_the_defaults(
    tmp_path: Path,
) -> None:
    write(tmp_path, "strict.yaml", STRICT)
    web = write(tmp_path, "web.yaml", DEPLOYMENT)
    async with session([tmp_path], init_options={"configFile": "strict.yaml"}) as s:
        assert "latest-tag" not in {d.code for d in await s.open(web)}
        # a push without a kubelint section changes nothing, the initializationOptions stay
        s.client.diagnostics.pop(uri(web), None)
        s.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"other": {}})
        )
        assert "latest-tag" not in {d.code for d in await s.change(web, DEPLOYMENT + "\n")}
