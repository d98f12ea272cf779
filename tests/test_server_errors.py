"""`kubelint server` when kubelint itself fails: the document still gets diagnostics (what can be
published, else an empty list) and the error reaches the client's log (window/logMessage).

The server runs as a subprocess, as in test_server.py, with one internal stage made to raise."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from tests.helpers import DEPLOYMENT
from tests.lsp_helpers import Session, session, uri

pytestmark = pytest.mark.asyncio

# Started as `python -c FAULTY STAGE`: break STAGE, then serve as `kubelint server` does.
FAULTY = """\
import sys

from kubelint.dispatch import Engine
from kubelint.server import lsp, project

stage = sys.argv[1]


def fail(*args, **kwargs):
    raise RuntimeError(f"injected failure in {stage}")


if stage == "lint":
    project.Project.lint = fail
elif stage == "cross-object":
    Engine.cross_object = fail
elif stage == "convert":
    to_lsp = lsp.KubelintServer.to_lsp

    def convert(self, d, *args):
        if d.finding.rule == "latest-tag":
            fail()
        return to_lsp(self, d, *args)

    lsp.KubelintServer.to_lsp = convert
elif stage == "project":
    project.Project.__init__ = fail
lsp.serve()
"""

CLEAN = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  mode: production
"""


def errors_logged(s: Session) -> list[str]:
    return [
        m.message
        for m in s.client.log_messages
        if m.type == types.MessageType.Error and "internal error" in m.message
    ]


@pytest.mark.parametrize("stage", ["lint", "project"])
async def test_a_lint_that_raises_still_publishes_and_logs(tmp_path: Path, stage: str) -> None:
    pod = tmp_path / "pod.yaml"
    pod.write_text(DEPLOYMENT)
    async with session([tmp_path], command=["-c", FAULTY, stage]) as s:
        assert await s.open(pod) == []
        # logged before the publish; "project" also fails once at initialization
        logged = errors_logged(s)[-1]
        assert f"injected failure in {stage}" in logged
        assert str(pod) in logged  # which document it was
        # the server goes on: a change is answered too
        assert await s.change(pod, DEPLOYMENT.replace("nginx:latest", "nginx:1.27.2")) == []


async def test_cross_object_failure_keeps_the_per_file_findings(tmp_path: Path) -> None:
    pod = tmp_path / "pod.yaml"
    pod.write_text(DEPLOYMENT)
    async with session([tmp_path], command=["-c", FAULTY, "cross-object"]) as s:
        diags = await s.open(pod)
        assert "latest-tag" in {d.code for d in diags}
        assert any("injected failure in cross-object" in m for m in errors_logged(s))


async def test_a_finding_that_cannot_be_shown_does_not_hide_the_others(tmp_path: Path) -> None:
    pod = tmp_path / "pod.yaml"
    pod.write_text(DEPLOYMENT)
    async with session([tmp_path], command=["-c", FAULTY, "convert"]) as s:
        diags = await s.open(pod)
        codes = {d.code for d in diags}
        assert "latest-tag" not in codes
        assert "missing-liveness-probe" in codes
        assert any("latest-tag finding" in m for m in errors_logged(s))


async def test_a_clean_file_gets_an_empty_publish_on_open_and_change(tmp_path: Path) -> None:
    config = tmp_path / "settings.yaml"
    config.write_text(CLEAN)
    async with session([tmp_path]) as s:
        assert await s.open(config) == []
        assert await s.change(config, CLEAN.replace("production", "staging")) == []
        assert uri(config) in s.client.diagnostics
        assert errors_logged(s) == []
