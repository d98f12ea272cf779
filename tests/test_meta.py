"""Meta-tests that keep the catalogue honest: rule files, fixtures, docs and the spec agree."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from kubelint import docgen
from kubelint.catalog import load_profiles, load_rules
from kubelint.plugins import load_plugins
from tests.conftest import FIXTURES, ROOT, RULES, SHARED, run_cli

PLUGINS = load_plugins(autoload=False)
CATALOG = load_rules(PLUGINS.rule_dirs())
PROFILES = load_profiles(PLUGINS.rule_dirs())
RULE_IDS = sorted(CATALOG)


def test_rule_ids_match_file_names() -> None:
    # Read each file's own `id:` (not the catalogue, which is keyed on it): a file whose id
    # differs from its name, or a rules/ file the catalogue did not load, fails here.
    from kubelint.loader import read_yaml_file

    for path in sorted(RULES.glob("*.yaml")):
        _, loaded = read_yaml_file(path)
        data = loaded.documents[0].data if loaded.documents else None
        assert isinstance(data, dict), f"{path.name}: not a mapping"
        assert data.get("id") == path.stem, f"{path.name} declares id {data.get('id')!r}"
        assert CATALOG[path.stem].origin.endswith(path.name), f"{path.name} not loaded"
    assert sorted(CATALOG) == sorted(p.stem for p in RULES.glob("*.yaml"))


# fixtures/ directories that are not a rule's, each used by the tests that name it
NON_RULE_FIXTURES = {"demo", "helm", "kustomize", "kustomize-components", "kustomize-plain"}


def test_no_fixture_directory_is_orphaned() -> None:
    """The other direction of "every rule has fixtures": every directory under fixtures/ is a
    rule's (whose pass-/fail- cases test_fixtures.py runs) or is named by a test module."""
    tests_text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("*.py"))
    for directory in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        name = directory.name
        if name in CATALOG:
            stray = [
                p.name for p in directory.iterdir() if not p.name.startswith(("pass-", "fail-"))
            ]
            assert not stray, f"fixtures/{name}: {stray} are neither pass- nor fail- cases"
            continue
        assert name in NON_RULE_FIXTURES, f"fixtures/{name} is no rule's and no test's"
        named = (f'FIXTURES / "{name}"', f'"fixtures/{name}', f"fixtures/{name}/")
        assert any(n in tests_text for n in named), f"no test uses fixtures/{name}"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_has_pass_and_fail_fixtures(rule_id: str) -> None:
    directory = FIXTURES / rule_id
    assert list(directory.glob("pass-*")), f"fixtures/{rule_id}/pass-* missing"
    assert list(directory.glob("fail-*")), f"fixtures/{rule_id}/fail-* missing"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_id_is_in_the_catalogue(rule_id: str) -> None:
    catalogue = (SHARED / "rule-catalog.md").read_text() if SHARED.exists() else None
    if catalogue is None:
        pytest.skip("../shared/rule-catalog.md is not available")
    ids = set(re.findall(r"^\| ([a-z0-9-]+(?: / [a-z0-9-]+)*) \|", catalogue, re.MULTILINE))
    flat = {part.strip() for entry in ids for part in entry.split("/")}
    assert rule_id in flat, f"{rule_id} is not a rule ID of shared/rule-catalog.md"


def test_every_check_is_used() -> None:
    used = {r.check for r in CATALOG.values() if r.check}
    unused = set(PLUGINS.checks()) - used
    assert not unused, f"checks no rule uses: {sorted(unused)}"


def test_profiles_name_known_rules() -> None:
    for profile in PROFILES.values():
        for rid in profile.rules:
            assert rid in CATALOG, f"profile {profile.name} names unknown rule {rid}"


def test_readme_tables_are_up_to_date() -> None:
    assert docgen.main(["--check", str(ROOT / "README.md")]) == 0


@pytest.mark.parametrize(
    "rule_id", [r for r in RULE_IDS if CATALOG[r].example], ids=lambda r: str(r)
)
def test_explain_example_triggers_and_fix_does_not(rule_id: str) -> None:
    spec = CATALOG[rule_id]
    assert spec.fix, f"{rule_id} has an example but no fix"
    with tempfile.TemporaryDirectory() as tmp:
        for name, text, expect in (("example", spec.example, True), ("fix", spec.fix, False)):
            path = Path(tmp) / f"{name}.yaml"
            path.write_text(text or "", encoding="utf-8")
            run = run_cli("lint", str(path), "--only", rule_id, "--format", "json")
            found = [f for f in run.json()["findings"] if f["rule"] == rule_id]
            assert bool(found) is expect, f"{name} of {rule_id}: {found}"
    run = run_cli("explain", rule_id)
    assert run.exit_code == 0
    assert spec.summary in run.stdout and "Example" in run.stdout and "Fixed" in run.stdout


def test_rules_without_example_are_only_input_limits() -> None:
    missing = [r for r in RULE_IDS if not CATALOG[r].example]
    assert missing in ([], ["input-limit"]), missing
