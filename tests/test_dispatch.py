"""The engine's stage-at-a-time entry points (``lint_file``, ``cross_object``, ``suppress``, used
by the language server) give what a whole run (``Engine.run``) gives."""

from __future__ import annotations

from pathlib import Path

from kubelint.catalog import load_profiles, load_rules
from kubelint.config import Exemption
from kubelint.dispatch import Engine
from kubelint.findings import Finding, RunResult
from kubelint.lintset import LintSet
from kubelint.model import K8sObject
from kubelint.options import Options
from kubelint.plugins import load_plugins
from kubelint.selection import activate, select_rules
from kubelint.sources import Source
from kubelint.suppress import Suppressor

PLUGINS = load_plugins(autoload=False)
CATALOG = load_rules(PLUGINS.rule_dirs())
PROFILES = load_profiles(PLUGINS.rule_dirs())

FILES = {
    "deploy.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    kubelint.io/ignore: missing-liveness-probe
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:latest  # kubelint: disable=latest-tag
""",
    "pdb.yaml": """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: api
  namespace: shop
spec:
  minAvailable: 1
  selector: {matchLabels: {app: api}}
""",
}


def _engine() -> Engine:
    options = Options()
    selection = select_rules(CATALOG, PROFILES)
    rules = activate(CATALOG, selection, PLUGINS.checks(), options)
    exemption = Exemption(rules=("missing-readiness-probe",), reason="probes come later")
    return Engine(rules, options, Suppressor([exemption]))


def _sources() -> list[Source]:
    return [Source(name, Path(name), text.encode()) for name, text in FILES.items()]


def _key(f: Finding) -> tuple[str, str, int, int]:
    return (f.rule, f.location.file, f.location.line, f.location.column)


def test_stages_one_at_a_time_equal_a_run() -> None:
    whole = _engine().run(_sources())
    assert {"latest-tag", "missing-liveness-probe", "missing-readiness-probe"} <= {
        f.rule for f, _ in whole.suppressed_findings
    }
    assert "pdb-selects-nothing" in {f.rule for f in whole.findings}

    engine = _engine()
    files = [engine.lint_file(source) for source in _sources()]
    cross = engine.cross_object(LintSet("files", [o for f in files for o in f.objects]))
    run = RunResult()
    owners: dict[int, K8sObject] = {}
    for step in [*files, cross]:
        run.findings.extend(step.result.findings)
        run.sources.update(step.result.sources)
        owners.update(step.owners)
        for finding in step.result.findings:
            assert step.owner(finding) is not None
    engine.suppress(run, owners)
    assert sorted(map(_key, run.findings)) == sorted(map(_key, whole.findings))
    assert sorted(_key(f) for f, _ in run.suppressed_findings) == sorted(
        _key(f) for f, _ in whole.suppressed_findings
    )


def test_a_file_step_leaves_the_run_state_alone() -> None:
    engine = _engine()
    [deploy, pdb] = _sources()
    sets: dict[str, list[K8sObject]] = {}
    result = RunResult()
    notes = engine.start(result)
    engine.lint_source(deploy, result, sets)
    before = [engine.owner(f) for f in result.findings]
    assert all(o is not None for o in before)
    step = engine.lint_file(pdb)
    assert [o.kind for o in step.objects] == ["PodDisruptionBudget"]
    assert [engine.owner(f) for f in result.findings] == before
    assert all(engine.owner(f) is None for f in step.result.findings)
    engine.finish(sets, notes, result)
    assert "latest-tag" in {f.rule for f, _ in result.suppressed_findings}
