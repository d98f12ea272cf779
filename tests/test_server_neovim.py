"""A real editor: headless Neovim opens a manifest with `kubelint server` configured, and the test
reads the diagnostics Neovim received (Neovim's own LSP client: `vim.lsp.start_client`, available
from Neovim 0.7, Debian's `neovim` package)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.helpers import DEPLOYMENT

NVIM = shutil.which("nvim")

INIT = """\
local out = vim.env.KUBELINT_NVIM_OUT
local id = vim.lsp.start_client({
  name = "kubelint",
  cmd = { vim.env.KUBELINT_PYTHON, "-m", "kubelint", "server" },
  root_dir = vim.fn.getcwd(),
})
vim.lsp.buf_attach_client(0, id)
local got = vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local items = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  local lsp = (d.user_data or {}).lsp or {}
  table.insert(items, {
    lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
    severity = d.severity, source = d.source, message = d.message,
    code = d.code or lsp.code,
  })
end
vim.fn.writefile({ vim.fn.json_encode({ got = got, items = items }) }, out)
vim.lsp.stop_client(id)
vim.wait(2000, function() return vim.lsp.get_client_by_id(id) == nil end, 50)
vim.cmd("qa!")
"""

MANIFEST = DEPLOYMENT + "          securityContext:\n            privileged: true\n"


@pytest.mark.slow
@pytest.mark.skipif(NVIM is None, reason="neovim is not installed (.ci/run installs it)")
def test_neovim_receives_the_cli_findings(tmp_path: Path) -> None:
    assert NVIM is not None
    manifest = tmp_path / "web.yaml"
    manifest.write_text(MANIFEST)
    init = tmp_path / "init.lua"
    init.write_text(INIT)
    out = tmp_path / "diagnostics.json"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "KUBELINT_NVIM_OUT": str(out),
        "KUBELINT_PYTHON": sys.executable,
        "PYTHONPATH": str(ROOT),
    }
    cmd = [NVIM, "--headless", "-n", "-i", "NONE", "-u", "NONE", "-c", f"luafile {init}"]
    done = subprocess.run(
        [*cmd, str(manifest)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.exists(), f"Neovim wrote nothing: {done.stdout}\n{done.stderr}"
    received = json.loads(out.read_text())
    assert received["got"] is True
    got = {(d["lnum"] + 1, d["col"] + 1, d["code"]) for d in received["items"]}
    cli = run_cli("lint", str(manifest), "--format", "json", "--fail-on", "never").json()
    assert got == {(f["line"], f["column"], f["rule"]) for f in cli["findings"]}
    by_code = {d["code"]: d for d in received["items"]}
    latest = by_code["latest-tag"]
    line = MANIFEST.splitlines()[latest["lnum"]]
    assert line[latest["col"] : latest["end_col"]] == "nginx:latest"
    assert by_code["privileged-container"]["severity"] == 1  # vim.diagnostic.severity.ERROR
    assert {d["source"] for d in received["items"]} == {"kubelint"}
