"""`kubelint server` code actions backed by `kubelint fix` (pytest-lsp, real server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.lsp_helpers import action_edits, apply_edits, session
from tests.test_server import DEPLOYMENT, by_rule

pytestmark = pytest.mark.asyncio


# -- fixes (kubelint fix) ------------------------------------------------------------------------


async def test_fix_action_applied_removes_the_diagnostic(tmp_path: Path) -> None:
    web = tmp_path / "web.yaml"
    web.write_text(DEPLOYMENT)
    async with session([tmp_path]) as s:
        diags = await s.open(web)
        [escalation] = by_rule(diags, "privilege-escalation-allowed")
        actions = await s.code_actions(web, escalation)
        [action] = [a for a in actions if a.title.startswith("Fix privilege-escalation-allowed")]
        assert action.is_preferred is True
        text = apply_edits(DEPLOYMENT, action_edits(action))
        assert "allowPrivilegeEscalation: false" in text
        diags = await s.change(web, text)
        assert not by_rule(diags, "privilege-escalation-allowed")
        assert by_rule(diags, "latest-tag")


async def test_unsafe_fixes_are_labelled_and_fix_all_applies_only_safe_ones(
    tmp_path: Path,
) -> None:
    web = tmp_path / "web.yaml"
    web.write_text(DEPLOYMENT)
    async with session([tmp_path]) as s:
        diags = await s.open(web)
        titles: list[str] = []
        for d in diags:
            titles += [a.title for a in await s.code_actions(web, d)]
        unsafe = [t for t in titles if t.startswith("Fix (unsafe)")]
        safe = [t for t in titles if t.startswith("Fix ") and not t.startswith("Fix all")]
        assert unsafe and [t for t in safe if t not in unsafe]

        [fix_all] = await s.code_actions(web, diags[0], only=["source.fixAll"])
        assert fix_all.kind == "source.fixAll.kubelint"
        assert fix_all.title.startswith("Fix all safe problems in this file")
        fixed = apply_edits(DEPLOYMENT, action_edits(fix_all))
        diags_after = await s.change(web, fixed)
        # what the CLI's `kubelint fix` leaves is what the editor shows after fix-all
        web.write_text(DEPLOYMENT)
        done = run_cli("fix", str(web))
        assert done.exit_code in (0, 1), done.stderr
        assert web.read_text() == fixed
        left = run_cli("lint", str(web), "--format", "json", "--fail-on", "never").json()
        assert sorted(str(d.code) for d in diags_after) == sorted(
            f["rule"] for f in left["findings"]
        )
