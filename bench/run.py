"""Benchmark: every figure of kubelint's performance targets, measured side by side in one run.

    python bench/run.py [--repeat N] [--checkov] [--only CASE ...] [--skip CASE ...]

Cases (each a paired comparison: A and B alternate, A B A B …, after one warm-up of each; the
table gives medians of whole-process wall time, CPU time (user+sys) and peak RSS, and the
ratio of the medians):

* ``small``     one small manifest, text output, default rules, vs
                ``python -c "import ruamel.yaml"``
* ``startup``   ``kubelint --version`` and ``kubelint --help`` vs the same yardstick
* ``bundle``    argo-cd ``install.yaml`` (1.9 MB, CRDs), vs Checkov with ``--checkov``
* ``corpus``    all of ../shared/corpus (JSON report) vs a bare libyaml *event* parse of the same
                files in its own process (the events are what kubelint's loader consumes; the
                composer is 5× slower and no yardstick), then ``--jobs 1`` vs ``--jobs 2`` with
                a byte-for-byte comparison of the two reports
* ``kustomize`` the corpus as kubelint lints it by default (its kustomizations built with
                ``kubectl kustomize``, several at a time with ``--jobs``): ``--jobs 2`` vs
                ``--jobs 1`` and their reports compared; skipped without kubectl/kustomize
* ``scale``     1k, 10k and 50k generated objects (bench/gen_large.py): time and memory per object
* ``precommit`` the ``kubelint-files`` pre-commit hook on one changed file (``pre-commit run``
                in a scratch git repository, kubelint installed by pre-commit itself)
* with ``--checkov``, Checkov (installed from the package index into bench/.checkov-venv the first
  time) runs on the small file and the bundle, and "kubelint is N× faster" is printed.

Targets are printed next to each figure (``ok``/``MISSED``), judged on the ratio of CPU times
(user+sys, children included: on a shared machine wall time also counts waiting for a core),
except the ``--jobs`` speed-up, a wall-clock property; both ratios are printed for each. The
exit status is 0 either way:
this machine is shared, so a bench is read, not asserted in CI. Compare ratios within one run,
never absolute times across runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
BUNDLE = CORPUS / "argo-cd" / "manifests" / "install.yaml"
CHECKOV_VERSION = "3.3.30"
CHECKOV_VENV = Path(__file__).resolve().parent / ".checkov-venv"
PY = sys.executable
CASES = ("small", "startup", "bundle", "corpus", "kustomize", "scale", "precommit")

SMALL = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:latest
          ports:
            - containerPort: 80
        - name: sidecar
          image: busybox
          command: ["sleep", "3600"]
"""

EVENTS = """\
import sys
from _ruamel_yaml import CParser
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    with open(path, "rb") as fh:
        text = fh.read().decode("utf-8-sig", "replace")
    parser = CParser(text)
    try:
        while parser.get_event() is not None:
            pass
    except Exception:
        pass
    finally:
        parser.dispose()
"""


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mib: float
    code: int


def run_once(cmd: Sequence[str], cwd: Path | None = None, out: Path | None = None) -> Sample:
    """One whole-process run: wall time, CPU of the process and its children, peak RSS."""
    stdout = open(out, "wb") if out is not None else subprocess.DEVNULL  # noqa: SIM115
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=stdout, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    finally:
        if out is not None:
            stdout.close()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


@dataclass
class Pair:
    label: str
    a: list[Sample]
    b: list[Sample]

    @staticmethod
    def med(samples: list[Sample], attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in samples)

    def ratio(self, attr: str = "wall") -> float:
        return self.med(self.a, attr) / self.med(self.b, attr)


def paired(
    label: str,
    a: Sequence[str],
    b: Sequence[str],
    repeat: int,
    cwd: Path | None = None,
) -> Pair:
    run_once(a, cwd)
    run_once(b, cwd)
    pair = Pair(label, [], [])
    for _ in range(repeat):
        pair.a.append(run_once(a, cwd))
        pair.b.append(run_once(b, cwd))
    return pair


ROWS: list[tuple[str, str, str, str, str, str, str]] = []
TARGETS: list[tuple[str, str, bool]] = []


def show(pair: Pair, a_name: str, b_name: str) -> None:
    m = Pair.med
    ROWS.append(
        (
            pair.label,
            f"{a_name} {m(pair.a, 'wall'):.3f} s / {m(pair.a, 'cpu'):.3f} s",
            f"{b_name} {m(pair.b, 'wall'):.3f} s / {m(pair.b, 'cpu'):.3f} s",
            f"{pair.ratio('wall'):.2f}",
            f"{pair.ratio('cpu'):.2f}",
            f"{m(pair.a, 'rss_mib'):.0f} / {m(pair.b, 'rss_mib'):.0f}",
            f"n={len(pair.a)}",
        )
    )
    print(
        f"{pair.label}: A={a_name} B={b_name}  wall {m(pair.a, 'wall'):.3f} / "
        f"{m(pair.b, 'wall'):.3f} s = {pair.ratio('wall'):.2f}x   cpu {m(pair.a, 'cpu'):.3f} / "
        f"{m(pair.b, 'cpu'):.3f} s = {pair.ratio('cpu'):.2f}x   peak RSS "
        f"{m(pair.a, 'rss_mib'):.0f} / {m(pair.b, 'rss_mib'):.0f} MiB",
        flush=True,
    )


def target_ratio(text: str, pair: Pair, limit: float, faster: bool = False) -> None:
    """A ratio target judged on CPU time (user+sys of the process and its children: fairer than
    wall time on a shared machine, where waiting for a core inflates wall time), wall shown."""
    cpu, wall = pair.ratio("cpu"), pair.ratio("wall")
    if faster:
        cpu, wall = 1 / cpu, 1 / wall
    ok = cpu >= limit if faster else cpu <= limit
    target(f"{text} (cpu {cpu:.2f}x, wall {wall:.2f}x)", ok)


def target(text: str, ok: bool) -> None:
    TARGETS.append((text, "ok" if ok else "MISSED", ok))
    print(f"  target: {text}: {'ok' if ok else 'MISSED'}", flush=True)


def kubelint(*args: str) -> list[str]:
    """The installed console script (what users and hooks run), else ``python -m kubelint``."""
    script = Path(PY).parent / "kubelint"
    return [str(script), *args] if script.exists() else [PY, "-m", "kubelint", *args]


def checkov() -> list[str] | None:
    """Checkov in its own virtualenv (created from the package index on first use)."""
    exe = CHECKOV_VENV / "bin" / "checkov"
    if not exe.exists():
        print(f"installing checkov {CHECKOV_VERSION} into {CHECKOV_VENV} …", flush=True)
        subprocess.run([PY, "-m", "venv", str(CHECKOV_VENV)], check=True)
        pip = [str(CHECKOV_VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
        done = subprocess.run([*pip, f"checkov=={CHECKOV_VERSION}"], check=False)
        if done.returncode != 0 or not exe.exists():
            print("checkov could not be installed; its comparisons are left out")
            return None
    return [str(exe), "--quiet", "--compact", "--framework", "kubernetes", "--skip-download"]


def case_small(work: Path, repeat: int, ckv: list[str] | None) -> None:
    small = work / "small.yaml"
    small.write_text(SMALL, encoding="utf-8")
    yard = [PY, "-c", "import ruamel.yaml"]
    pair = paired("small file", kubelint("lint", str(small)), yard, repeat, cwd=work)
    show(pair, "kubelint", "import-ruamel")
    target_ratio("small file <= 3x `python -c 'import ruamel.yaml'`", pair, 3.0)
    if ckv is not None:
        vs = paired(
            "small vs checkov",
            kubelint("lint", str(small)),
            [*ckv, "-f", str(small)],
            max(3, repeat // 2),
            cwd=work,
        )
        show(vs, "kubelint", "checkov")
        target_ratio("small file >= 15x faster than Checkov", vs, 15, faster=True)


def case_startup(work: Path, repeat: int) -> None:
    yard = [PY, "-c", "import ruamel.yaml"]
    for flag in ("--version", "--help"):
        pair = paired(f"kubelint {flag}", kubelint(flag), yard, repeat, cwd=work)
        show(pair, "kubelint", "import-ruamel")
        target_ratio(f"`kubelint {flag}` <= 2x `import ruamel.yaml`", pair, 2.0)


def case_bundle(work: Path, repeat: int, ckv: list[str] | None) -> None:
    if not BUNDLE.is_file():
        print(f"bundle: {BUNDLE} not found, skipped")
        return
    lint = kubelint("lint", str(BUNDLE), "--format", "json", "--fail-on", "never")
    events = _events_cmd(work, [BUNDLE])
    pair = paired("argo-cd install.yaml", lint, events, repeat, cwd=work)
    show(pair, "kubelint", "libyaml-events")
    if ckv is not None:
        vs = paired("bundle vs checkov", lint, [*ckv, "-f", str(BUNDLE)], 2, cwd=work)
        show(vs, "kubelint", "checkov")
        target_ratio("bundle >= 25x faster than Checkov", vs, 25, faster=True)
        target("bundle peak RSS <= 1/4 of Checkov's", vs.ratio("rss_mib") <= 0.25)


def _events_cmd(work: Path, files: Sequence[Path]) -> list[str]:
    listing = work / f"files-{len(files)}.txt"
    listing.write_text("\n".join(str(f) for f in files), encoding="utf-8")
    script = work / "events.py"
    script.write_text(EVENTS, encoding="utf-8")
    return [PY, str(script), str(listing)]


def _corpus_files() -> list[Path]:
    sys.path.insert(0, str(ROOT))
    from kubelint.sources import collect

    sources, _, _ = collect([str(CORPUS)])
    return [s.path for s in sources if s.path is not None]


def case_corpus(work: Path, repeat: int) -> None:
    if not CORPUS.is_dir():
        print(f"corpus: {CORPUS} not found, skipped")
        return
    files = _corpus_files()
    # --no-kustomize: the files as they are, like the yardstick (kustomize builds run kubectl).
    base = ["lint", str(CORPUS), "--format", "json", "--fail-on", "never", "--no-kustomize"]
    pair = paired("corpus", kubelint(*base), _events_cmd(work, files), repeat, cwd=work)
    show(pair, "kubelint", "libyaml-events")
    target_ratio("corpus <= 2.5x the libyaml event parse", pair, 2.5)
    jobs = _jobs_pair(work, "corpus", base, repeat)
    # A speed-up from a second process is a wall-clock property: judged on wall time.
    target(
        f"corpus --jobs 2 >= 1.5x faster than --jobs 1 (wall {1 / jobs.ratio():.2f}x, cpu "
        f"{1 / jobs.ratio('cpu'):.2f}x)",
        1 / jobs.ratio() >= 1.5,
    )


def _jobs_pair(work: Path, label: str, base: Sequence[str], repeat: int) -> Pair:
    """``--jobs 2`` vs ``--jobs 1`` of one command, and whether their reports are identical."""
    jobs = paired(
        f"{label} --jobs",
        kubelint(*base, "--jobs", "2"),
        kubelint(*base, "--jobs", "1"),
        repeat,
        cwd=work,
    )
    show(jobs, "jobs-2", "jobs-1")
    one, two = work / f"{label}-jobs1.json", work / f"{label}-jobs2.json"
    run_once(kubelint(*base, "--jobs", "1"), work, out=one)
    run_once(kubelint(*base, "--jobs", "2"), work, out=two)
    target(
        f"{label} --jobs 2 report byte-identical to --jobs 1", one.read_bytes() == two.read_bytes()
    )
    return jobs


def case_kustomize(work: Path, repeat: int) -> None:
    if not CORPUS.is_dir() or not (shutil.which("kubectl") or shutil.which("kustomize")):
        print("kustomize: ../shared/corpus or kubectl/kustomize not found, skipped")
        return
    base = ["lint", str(CORPUS), "--format", "json", "--fail-on", "never"]
    jobs = _jobs_pair(work, "corpus with kustomize builds", base, repeat)
    print(f"  (figure) --jobs 2 is {1 / jobs.ratio():.2f}x faster than --jobs 1 (wall)")


def case_scale(work: Path, repeat: int) -> None:
    sizes = {"1k": 10, "10k": 98, "50k": 490}
    per: dict[str, tuple[float, float, float, int]] = {}
    for label, namespaces in sizes.items():
        out = work / f"gen-{label}"
        subprocess.run(
            [
                PY,
                str(ROOT / "bench" / "gen_large.py"),
                str(out),
                "--namespaces",
                str(namespaces),
                "--components",
                "20",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        objects = sum(
            f.read_text(encoding="utf-8").count("\nkind: ") + 1 for f in out.rglob("*.yaml")
        )
        runs = [
            run_once(kubelint("lint", str(out), "--format", "json", "--fail-on", "never"), work)
            for _ in range(max(1, repeat // (3 if label == "50k" else 1)))
        ]
        wall = statistics.median(r.wall for r in runs)
        cpu = statistics.median(r.cpu for r in runs)
        rss = statistics.median(r.rss_mib for r in runs)
        per[label] = (wall, cpu, rss, objects)
        print(
            f"scale {label}: {objects} objects  wall {wall:.2f} s ({wall / objects * 1e3:.3f} "
            f"ms/object)  cpu {cpu:.2f} s ({cpu / objects * 1e3:.3f} ms/object)  peak RSS "
            f"{rss:.0f} MiB",
            flush=True,
        )
    (w1, c1, r1, n1), (w10, c10, r10, n10), (w50, c50, r50, n50) = (
        per["1k"],
        per["10k"],
        per["50k"],
    )
    low, high = (w10 - w1) / (n10 - n1), (w50 - w10) / (n50 - n10)
    clow, chigh = (c10 - c1) / (n10 - n1), (c50 - c10) / (n50 - n10)
    print(
        f"  marginal wall per object: 1k->10k {low * 1e3:.3f} ms, 10k->50k {high * 1e3:.3f} ms "
        f"({(high / low - 1) * 100:+.0f}%); cpu {clow * 1e3:.3f} ms, {chigh * 1e3:.3f} ms "
        f"({(chigh / clow - 1) * 100:+.0f}%)"
    )
    print(
        f"  marginal memory per object: 1k->10k {(r10 - r1) * 1024 / (n10 - n1):.1f} KiB, "
        f"10k->50k {(r50 - r10) * 1024 / (n50 - n10):.1f} KiB"
    )
    target(
        f"time per object 1k->50k within +-20% (cpu {(chigh / clow - 1) * 100:+.0f}%, wall "
        f"{(high / low - 1) * 100:+.0f}%)",
        abs(chigh / clow - 1) <= 0.20,
    )


def case_precommit(work: Path, repeat: int) -> None:
    exe = shutil.which("pre-commit") or str(Path(PY).parent / "pre-commit")
    if not Path(exe).exists() and not shutil.which("pre-commit"):
        print("precommit: pre-commit not installed, skipped")
        return
    repo = work / "hook-src"
    shutil.copytree(
        ROOT,
        repo,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", "*.egg-info", ".checkov-venv", "build", "dist"
        ),
    )
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "bench"]):
        subprocess.run([*git, *cmd], cwd=repo, check=True)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()
    app = work / "app"
    (app / "deploy").mkdir(parents=True)
    (app / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: kubelint-files\n",
        encoding="utf-8",
    )
    changed = app / "deploy" / "web.yaml"
    changed.write_text(SMALL, encoding="utf-8")
    for cmd in (["init", "-q"], ["add", "-A"]):
        subprocess.run([*git, *cmd], cwd=app, check=True)
    env_home = work / "pre-commit-home"
    os.environ["PRE_COMMIT_HOME"] = str(env_home)
    hook = [exe, "run", "kubelint-files", "--files", "deploy/web.yaml"]
    print("precommit: installing the hook environment (first run) …", flush=True)
    run_once(hook, app)
    yard = [PY, "-c", "import ruamel.yaml"]
    pair = paired("pre-commit kubelint-files, 1 file", hook, yard, repeat, cwd=app)
    show(pair, "pre-commit", "import-ruamel")
    direct = paired(
        "same file, kubelint directly", kubelint("lint", str(changed)), yard, repeat, cwd=app
    )
    show(direct, "kubelint", "import-ruamel")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="paired runs per case (default 7)")
    parser.add_argument("--checkov", action="store_true", help="compare with Checkov as well")
    parser.add_argument("--only", action="append", choices=CASES, default=[])
    parser.add_argument("--skip", action="append", choices=CASES, default=[])
    args = parser.parse_args(argv)
    chosen = [c for c in (args.only or CASES) if c not in args.skip]
    ckv = checkov() if args.checkov else None
    # Measure kubelint as installed: with byte-code (PYTHONDONTWRITEBYTECODE would otherwise make
    # an editable checkout recompile every module on every start).
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "kubelint")], check=False)
    with tempfile.TemporaryDirectory(prefix="kubelint-bench-") as tmp:
        work = Path(tmp)
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load "
            f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}",
            flush=True,
        )
        if "small" in chosen:
            case_small(work, args.repeat, ckv)
        if "startup" in chosen:
            case_startup(work, args.repeat)
        if "bundle" in chosen:
            case_bundle(work, args.repeat, ckv)
        if "corpus" in chosen:
            case_corpus(work, max(3, args.repeat // 2))
        if "kustomize" in chosen:
            case_kustomize(work, 3)
        if "scale" in chosen:
            case_scale(work, 3)
        if "precommit" in chosen:
            case_precommit(work, max(3, args.repeat // 2))
    print(
        "\n| case | A (wall / cpu) | B (wall / cpu) | A/B wall | A/B cpu | peak MiB A / B | runs |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in ROWS:
        print("| " + " | ".join(row) + " |")
    print()
    for text, verdict, _ in TARGETS:
        print(f"- {text}: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
