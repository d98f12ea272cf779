"""Helm mapping accuracy: the share of findings at the template line that renders the field.

    python bench/helm_accuracy.py [--verbose] [--helm PATH ...]

Every test chart of fixtures/helm/charts carries ``expect:`` comments on the template lines its
findings must point at (tests/helm_support.py reads them). Each chart is linted with the rules
of ``CHART_RULES`` with every helm found (``.tools/helm3``, ``.tools/helm4``, ``helm`` on PATH,
``KUBELINT_TEST_HELM3``/``4``, or the ``--helm`` paths given) in three ways:

* ``--helm``       ``kubelint lint --helm CHART`` (helm's own line map)
* ``piped``        ``helm template rel CHART | kubelint lint - --chart-dir CHART`` (kubelint may
                   re-render with helm to derive the map where that reproduces the pipe exactly)
* ``piped-text``   the same pipe with no helm for kubelint to re-render with (as when the pipe
                   used values kubelint does not know): template text matching alone

A finding counts as right when its (file, line, rule) is one of the chart's expectations and, in
the piped modes, its line is the one ``--helm`` gives the same finding (rule, object, field):
two containers rendered from different template lines cannot swap places unnoticed.
Targets: >= 98 % with ``--helm``, >= 95 % piped. Prints one line per mode and helm, and with
``--verbose`` every wrong finding and every expectation no finding met. Exit status 0 either
way (a bench is read, not asserted; tests/test_helm_charts.py asserts the exact lines).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helm_support import (  # noqa: E402
    MAJORS,
    Helm,
    _version,
    chart_dirs,
    chart_expectations,
    find,
    only_args,
)

TARGETS = {"--helm": 98.0, "piped": 95.0, "piped-text": 95.0}
Finding = tuple[str, int, str]
Key = tuple[str, str, str, str]  # rule, kind, name, path: one finding, whatever its line


def kubelint(args: list[str], stdin: str | None = None) -> list[tuple[Key, Finding]]:
    cmd = [sys.executable, "-m", "kubelint", "lint", "--no-config", "--include-tests"]
    cmd += ["--format", "json", "--fail-on", "never", *only_args(), *args]
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"kubelint failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    out: list[tuple[Key, Finding]] = []
    for f in json.loads(proc.stdout)["findings"]:
        obj = f["object"] or {}
        key = (f["rule"], str(obj.get("kind")), str(obj.get("name")), str(f["path"]))
        out.append((key, (f["file"], f["line"], f["rule"])))
    return out


def run_mode(mode: str, helm: Helm, chart: Path) -> list[tuple[Key, Finding]]:
    rel = chart.relative_to(ROOT).as_posix()
    if mode == "--helm":
        return kubelint(["--helm", rel, "--helm-bin", helm.path, "--release-name", "rel"])
    rendered = helm.template("--include-crds", "rel", rel, cwd=ROOT)
    no_helm = str(ROOT / ".tools" / "no-helm-here")  # not executable: no re-render
    helm_bin = helm.path if mode == "piped" else no_helm
    return kubelint(["-", "--chart-dir", rel, "--helm-bin", helm_bin], stdin=rendered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("--helm", action="append", default=[], help="a helm binary to use")
    args = parser.parse_args()
    helms: list[Helm] = []
    for path in args.helm:
        version = _version(path)
        if version is None:
            raise SystemExit(f"{path}: not a helm binary")
        helms.append(Helm(path, version))
    if not helms:
        for major in MAJORS:
            found = find(major)
            if isinstance(found, str):
                print(f"skipped: {found}")
            else:
                helms.append(found)
    if not helms:
        raise SystemExit("no helm to measure with")
    charts = chart_dirs()
    expected = {chart: chart_expectations(chart) for chart in charts}
    total_expected = sum(len(e) for e in expected.values())
    print(f"{len(charts)} charts, {total_expected} expected finding lines")
    reference: dict[tuple[str, Path], dict[Key, Finding]] = {}
    for mode in ("--helm", "piped", "piped-text"):
        for helm in helms:
            right = total = 0
            wrong: list[str] = []
            unmet: list[str] = []
            for chart in charts:
                found = run_mode(mode, helm, chart)
                if mode == "--helm":
                    reference[(helm.path, chart)] = dict(found)
                ref = reference.get((helm.path, chart), {})
                for key, f in found:
                    total += 1
                    if f in expected[chart] and ref.get(key, f) == f:
                        right += 1
                    else:
                        wrong.append(f"{f[0]}:{f[1]} {f[2]} ({key[1]} {key[2]} {key[3]})")
                hit = {f for _, f in found}
                unmet += [f"{e[0]}:{e[1]} {e[2]}" for e in sorted(expected[chart] - hit)]
            pct = 100.0 * right / total if total else 0.0
            target = TARGETS[mode]
            status = "ok" if pct >= target else "MISSED"
            print(
                f"{mode:<11} helm {helm.version:<8} {right:>3}/{total:<3} findings at the "
                f"expected line = {pct:5.1f} %  (target >= {target:.0f} %: {status}; "
                f"{len(unmet)} expected line(s) without a finding)"
            )
            if args.verbose:
                for w in wrong:
                    print(f"    wrong: {w}")
                for u in unmet:
                    print(f"    unmet: {u}")


if __name__ == "__main__":
    main()
