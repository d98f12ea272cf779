"""Cross-object scaling benchmark: lint 1x, 2x, 5x and 10x a generated input in one run.

Each size is generated with bench/gen_large.py (``--namespaces`` x multiplier namespaces of
``--components`` components each) and linted by a fresh ``kubelint lint`` process with the
default rules plus the opt-in cross-object rules. Printed per size: objects, wall time, CPU time
of the lint process, time per object, and (with ``--breakdown``, measured in-process) the time
spent in whole-set (cross-object) rules. Near-constant time per object means linear growth.

    python bench/scale.py                      # 2,040 .. 20,400 objects (20 .. 200 namespaces)
    python bench/scale.py --namespaces 200     # 20,400 .. 204,000 objects
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_large import generate

MULTIPLIERS = (1, 2, 5, 10)
OPT_IN_CROSS_OBJECT = (
    "missing-egress-network-policy",
    "network-policy-peer-selects-nothing",
    "missing-pod-disruption-budget",
    "low-replica-count",
    "missing-anti-affinity",
)


def lint_args(path: Path) -> list[str]:
    args = ["lint", str(path), "--format", "json", "--fail-on", "never"]
    for rule in OPT_IN_CROSS_OBJECT:
        args += ["--enable", rule]
    return args


def run_process(path: Path) -> tuple[float, float, dict[str, Any]]:
    """Wall time, CPU time (user + sys of the child) and the JSON report of one lint run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "kubelint", *lint_args(path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "KUBELINT_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"kubelint failed ({proc.returncode}): {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(proc.stdout)


def set_rule_seconds(path: Path) -> dict[str, float]:
    """CPU seconds spent in each whole-set rule, measured in-process around the engine's calls."""
    from typer.testing import CliRunner

    from kubelint import dispatch as engine
    from kubelint.cli import app

    spent: Counter[str] = Counter()
    original = engine.Engine._call

    def timed(self: Any, rule: Any, target: Any, *args: Any, **kwargs: Any) -> None:
        if rule.spec.target != "set":
            original(self, rule, target, *args, **kwargs)
            return
        start = time.process_time()
        original(self, rule, target, *args, **kwargs)
        spent[rule.id] += time.process_time() - start

    engine.Engine._call = timed  # type: ignore[method-assign]
    try:
        CliRunner().invoke(app, lint_args(path), catch_exceptions=False)
    finally:
        engine.Engine._call = original  # type: ignore[method-assign]
    return dict(spent)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=20, help="namespaces at 1x")
    parser.add_argument("--components", type=int, default=20, help="components per namespace")
    parser.add_argument(
        "--breakdown", action="store_true", help="also time the cross-object rules in-process"
    )
    args = parser.parse_args(argv)
    header = f"{'size':>4} {'objects':>8} {'wall s':>8} {'cpu s':>8} {'cpu ms/obj':>10}"
    if args.breakdown:
        header += f" {'set cpu s':>11} {'set us/obj':>10}"
    print(header + "  cross-object findings")
    with tempfile.TemporaryDirectory(prefix="kubelint-scale-") as tmp:
        for multiplier in MULTIPLIERS:
            out = Path(tmp) / f"x{multiplier}"
            generate(out, args.namespaces * multiplier, args.components)
            wall, cpu, report = run_process(out)
            objects = report["summary"]["objects"]
            counts = Counter(f["rule"] for f in report["findings"])
            line = (
                f"{multiplier:>3}x {objects:>8} {wall:>8.2f} {cpu:>8.2f} "
                f"{1000 * cpu / objects:>10.3f}"
            )
            if args.breakdown:
                spent = set_rule_seconds(out)
                total = sum(spent.values())
                line += f" {total:>11.3f} {1e6 * total / objects:>10.1f}"
            cross = {
                rule: n
                for rule, n in sorted(counts.items())
                if rule in OPT_IN_CROSS_OBJECT
                or rule
                in (
                    "missing-network-policy",
                    "network-policy-selects-nothing",
                    "network-policy-allows-all",
                    "service-selects-nothing",
                    "service-target-port-missing",
                    "ingress-missing-service",
                    "hpa-target-missing",
                    "replicas-with-hpa",
                    "pdb-selects-nothing",
                    "pdb-blocks-eviction",
                )
            }
            print(line + "  " + ", ".join(f"{k}={v}" for k, v in cross.items()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
