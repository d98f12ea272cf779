"""Benchmark: kubelint lint vs a bare parse with ruamel.yaml's C composer, in one run.

    python bench/run.py [PATH] [--repeat N] [-- extra kubelint args]

PATH defaults to ../shared/corpus. The lint is the real command line (`python -m kubelint lint
PATH --format json`, default rules) in a child process, so its wall time includes start-up and its
peak RSS is measured on its own; the bare parse composes every file that kubelint reads (same file
set, same decoding) with `YAML(typ="safe", pure=False).compose_all` in this process. Each is run
`--repeat` times and the fastest run is reported, which makes the ratio stable on a noisy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ruamel.yaml import YAML  # noqa: E402

from kubelint.sources import collect  # noqa: E402


def bare_parse(texts: list[str]) -> float:
    yaml = YAML(typ="safe", pure=False)
    yaml.version = (1, 1)
    start = time.perf_counter()
    for text in texts:
        try:
            for _ in yaml.compose_all(text):
                pass
        except Exception:  # syntax errors count as parsed up to the error
            continue
    return time.perf_counter() - start


def lint(path: str, extra: list[str]) -> tuple[float, dict[str, object]]:
    cmd = [sys.executable, "-m", "kubelint", "lint", path, "--format", "json"]
    cmd += ["--fail-on", "never", *extra]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"kubelint exited {proc.returncode}")
    report: dict[str, object] = json.loads(proc.stdout)
    return wall, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("extra", nargs="*", help="extra kubelint arguments (after --)")
    args = parser.parse_args()
    path = os.path.abspath(args.path)

    sources, skipped, _ = collect([path])
    texts = []
    size = 0
    for source in sources:
        assert source.data is not None
        size += len(source.data)
        try:
            texts.append(source.data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            continue
    parse_times = []
    lint_times = []
    report: dict[str, object] = {}
    for _ in range(args.repeat):
        parse_times.append(bare_parse(texts))
        wall, report = lint(path, args.extra)
        lint_times.append(wall)
    parse_wall = min(parse_times)
    lint_wall = min(lint_times)
    peak_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB -> MiB
    summary = report["summary"]
    assert isinstance(summary, dict)
    objects = int(summary["objects"])
    mb = size / 1e6
    print(f"input:        {path}")
    print(f"files:        {len(sources)} linted, {len(skipped)} skipped, {mb:.2f} MB")
    print(f"objects:      {objects}")
    print(f"bare parse:   {parse_wall:.3f} s  (ruamel.yaml C composer, {mb / parse_wall:.2f} MB/s)")
    print(f"kubelint:     {lint_wall:.3f} s  (CLI, default rules, JSON report)")
    print(f"ratio:        {lint_wall / parse_wall:.2f} x bare parse")
    print(f"throughput:   {objects / lint_wall:.0f} objects/s, {mb / lint_wall:.2f} MB/s")
    print(f"peak RSS:     {peak_rss:.0f} MiB (kubelint process)")
    print(f"runs:         parse {[round(t, 3) for t in parse_times]}")
    print(f"              lint  {[round(t, 3) for t in lint_times]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
