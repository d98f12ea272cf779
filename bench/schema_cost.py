"""Cost of schema validation (schema-invalid + unknown-field) on a corpus.

Runs ``kubelint lint`` on the corpus in fresh processes, alternating the default rule set with
and without the two schema rules, and prints the median CPU time of each and the extra cost.
CPU time (not wall time) is compared, so other load on the machine does not skew it.
Fresh processes include what a user pays once per run: reading the bundled definitions and
compiling each validator.

    python bench/schema_cost.py [CORPUS] [--runs N]

A corpus that does not exist, or a lint run that fails (exit 2), is an error (exit 2), never a
figure measured on nothing.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
SCHEMA_RULES = ("schema-invalid", "unknown-field")


class BenchError(Exception):
    """A run that measured nothing (a missing corpus, a failed lint): exit 2 with this."""


def timed(args: list[str]) -> float:
    """CPU time (user + system) of one child run: robust on a busy machine, unlike wall time.
    A run that fails (exit 2: nothing was linted) raises BenchError: its time means nothing."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):  # 1: findings, as a real corpus has
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        raise BenchError(f"lint failed (exit {proc.returncode}): {detail[-1] if detail else ''}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--runs", type=int, default=5)
    ns = parser.parse_args(argv)
    if not Path(ns.corpus).is_dir():
        print(f"schema_cost: corpus {ns.corpus} is not a directory", file=sys.stderr)
        return 2
    base = [sys.executable, "-m", "kubelint", "lint", ns.corpus, "--format", "json"]
    without = [*base]
    for rule in SCHEMA_RULES:
        without += ["--disable", rule]
    with_times: list[float] = []
    without_times: list[float] = []
    try:
        timed(base)  # warm the file cache
        for _ in range(ns.runs):
            without_times.append(timed(without))
            with_times.append(timed(base))
    except BenchError as exc:
        print(f"schema_cost: {exc}", file=sys.stderr)
        return 2
    a, b = statistics.median(without_times), statistics.median(with_times)
    print(f"corpus: {ns.corpus}")
    print(f"lint without schema rules: {a:.3f}s CPU (median of {ns.runs})")
    print(f"lint with schema rules:    {b:.3f}s CPU (median of {ns.runs})")
    print(f"extra cost: {b - a:+.3f}s ({(b - a) / a * 100:+.1f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
