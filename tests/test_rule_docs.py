"""Rule documentation: docs/rules.md has a section per rule, reports link to it, and `kubelint
rules` / `explain` filter and print JSON (newcomer #29, #37)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

DOCS_URL = "https://github.com/kubelint/kubelint/blob/main/docs/rules.md#"


def rules_json(*args: str) -> list[dict[str, object]]:
    run = run_cli("rules", "--no-plugins", "--format", "json", *args)
    assert run.exit_code == 0, run.stderr
    data = json.loads(run.stdout)
    assert isinstance(data, list)
    return data


def test_every_rule_has_a_section_that_its_url_points_to() -> None:
    docs = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^### ([a-z0-9-]+)$", docs, flags=re.M))
    categories = set(re.findall(r"^## ([a-z0-9-]+)$", docs, flags=re.M))
    rules = rules_json()
    assert {r["id"] for r in rules} == headings
    assert not headings & categories  # no anchor is taken twice
    for rule in rules:
        assert rule["url"] == DOCS_URL + str(rule["id"])
        assert str(rule["why"]) in docs


def test_rules_filters() -> None:
    everything = rules_json()
    rbac = rules_json("--category", "rbac")
    assert rbac and {r["category"] for r in rbac} == {"rbac"}
    both = rules_json("--category", "rbac", "--category", "images")
    assert {r["category"] for r in both} == {"rbac", "images"}
    opt_in = rules_json("--opt-in")
    on = rules_json("--default")
    assert opt_in and on and not any(r["default"] for r in opt_in)
    assert all(r["default"] for r in on) and len(opt_in) + len(on) == len(everything)
    security = rules_json("--tag", "security")
    assert security and all("security" in r["tags"] for r in security)
    narrow = rules_json("--tag", "security", "--category", "images", "--default")
    assert narrow == [r for r in security if r["category"] == "images" and r["default"]]
    text = run_cli("rules", "--no-plugins", "--category", "rbac")
    assert text.exit_code == 0
    listed = [line.split()[0] for line in text.stdout.splitlines()[:-1]]
    assert listed == [r["id"] for r in rbac]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--category", "rback"], 'unknown category "rback" (did you mean "rbac"?)'),
        (["--tag", "securty"], 'unknown tag "securty" (did you mean "security"?)'),
        (["--format", "yaml"], 'unknown format "yaml"'),
    ],
)
def test_rules_filter_mistakes_are_usage_errors(args: list[str], message: str) -> None:
    run = run_cli("rules", "--no-plugins", *args)
    assert run.exit_code == 2
    assert message in run.stderr


def test_rules_json_carries_the_whole_rule() -> None:
    (latest,) = [r for r in rules_json() if r["id"] == "latest-tag"]
    assert latest["severity"] == "warning" and latest["default"] is True
    assert latest["tags"] == ["security", "reliability"]
    assert latest["references"] and latest["example"] and latest["fixed"]
    assert latest["origin"] == "kubelint.builtin:latest-tag.yaml"
    (registry,) = [r for r in rules_json() if r["id"] == "untrusted-registry"]
    assert "allowedRegistries" in registry["params"]  # type: ignore[operator]


def test_explain_json_is_the_rules_entry() -> None:
    run = run_cli("explain", "latest-tag", "--no-plugins", "--format", "json")
    assert run.exit_code == 0
    (entry,) = [r for r in rules_json() if r["id"] == "latest-tag"]
    assert json.loads(run.stdout) == entry
    bad = run_cli("explain", "latest-tag", "--format", "xml")
    assert bad.exit_code == 2 and 'unknown format "xml"' in bad.stderr


def test_custom_rules_link_to_their_reference(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "team-label.yaml").write_text(
        "id: team-label\nsummary: Objects carry a team label.\ncategory: labels\n"
        "severity: warning\ndefault: true\ntarget: object\nwhy: Ownership.\n"
        "remediation: Add a team label.\nreferences: ['https://example.com/policy']\n"
        "schema:\n  type: object\n  required: [metadata]\n"
    )
    (rule,) = [r for r in rules_json("--rules-dir", str(policies)) if r["id"] == "team-label"]
    assert rule["url"] == "https://example.com/policy"
