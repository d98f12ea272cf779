"""Every fixture under fixtures/<rule-id>/ is linted with its rule and compared, line by line,
with its `# expect:` markers: the set of (file, line, rule) found must equal the set expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, case_args, expectations, run_cli

RULE_DIRS = sorted(p for p in FIXTURES.iterdir() if (ROOT / "rules" / f"{p.name}.yaml").exists())
CASES = [
    case
    for rule_dir in RULE_DIRS
    for case in sorted(rule_dir.iterdir())
    if case.name.startswith(("pass-", "fail-")) and case.suffix not in (".expect",)
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.parent.name}/{c.name}")
def test_fixture(case: Path, in_root: Path) -> None:
    rule = case.parent.name
    expected = expectations(case, ROOT)
    rules = {rule} | {r for _, _, r in expected}
    args = ["lint", case.relative_to(ROOT).as_posix(), "--format", "json", "--fail-on", "never"]
    for r in sorted(rules):
        args += ["--only", r]
    result = run_cli(*args, *case_args(case))
    assert result.exit_code == 0, result.stderr
    found = {(f["file"], f["line"], f["rule"]) for f in result.json()["findings"]}
    if case.name.startswith("pass-"):
        assert not [e for e in expected if e[2] == rule], (
            "pass fixtures carry no markers for their rule"
        )
    assert found == expected, (
        f"missing: {sorted(expected - found)}\nunexpected: {sorted(found - expected)}\n"
        f"messages: {[(f['line'], f['rule'], f['message']) for f in result.json()['findings']]}"
    )
    if case.name.startswith("fail-"):
        assert any(r == rule for _, _, r in found)
