"""Latency of `kubelint server`: time from a change to the diagnostics for it, warm.

Starts the real server (`python -m kubelint server`) as a subprocess, opens a document, waits
for its first diagnostics (cold: imports, rule compilation, reading the deployment unit), then
sends N whole-document changes, each after a quiet moment (so the debounce does not delay it),
and times each one from sending `textDocument/didChange` until `publishDiagnostics` for that
version arrives. Every change alters the text (a comment line), so the document is re-parsed
and re-checked from scratch: the cache only helps the other files of its deployment unit.

    python bench/server.py                     # the generated 500-line manifest and the corpus
    python bench/server.py --repeat 30 FILE…   # other files (their folder is the workspace)

Target: median under 100 ms for the 500-line manifest.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus"
sys.path.insert(0, str(HERE))

from gen_large import namespace  # noqa: E402


def manifest(lines: int) -> str:
    """A generated application (Deployments, Services, NetworkPolicies, PDBs, HPAs, Ingress) of
    at least ``lines`` lines."""
    components = 1
    while True:
        text = namespace("shop", components)
        if text.count("\n") >= lines:
            return text
        components += 1


async def measure(path: Path, root: Path, text: str, repeat: int) -> tuple[float, list[float]]:
    client = LanguageClient("bench", "1")
    published: dict[str, asyncio.Queue[types.PublishDiagnosticsParams]] = {}
    uri = path.resolve().as_uri()
    queue: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()
    published[uri] = queue

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        if params.uri in published:
            published[params.uri].put_nowait(params)

    await client.start_io(sys.executable, "-m", "kubelint", "server")
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            workspace_folders=[types.WorkspaceFolder(uri=root.resolve().as_uri(), name="bench")],
        )
    )
    client.initialized(types.InitializedParams())
    started = time.perf_counter()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)
        )
    )
    await asyncio.wait_for(queue.get(), 300)
    cold = time.perf_counter() - started
    times: list[float] = []
    marker = "# kubelint-bench-edit"
    for version in range(2, repeat + 2):
        await asyncio.sleep(0.3)  # a quiet moment: the change is linted at once
        edited = f"{text}{marker} {version}\n"
        started = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)],
            )
        )
        while True:
            params = await asyncio.wait_for(queue.get(), 300)
            if params.version == version:
                break
        times.append(time.perf_counter() - started)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return cold, times


def report(label: str, lines: int, cold: float, times: list[float]) -> None:
    ms = sorted(t * 1000 for t in times)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    print(
        f"{label}: {lines} lines  first diagnostics {cold * 1000:.0f} ms  "
        f"change->diagnostics median {statistics.median(ms):.1f} ms  p90 {p90:.1f} ms  "
        f"min {ms[0]:.1f} ms  (n={len(ms)})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    cases: list[tuple[str, Path, Path, str]] = []
    tmp = tempfile.TemporaryDirectory()
    if args.files:
        for f in args.files:
            cases.append((str(f), f, f.resolve().parent, f.read_text(encoding="utf-8")))
    else:
        generated = Path(tmp.name) / "app.yaml"
        text = manifest(500)
        generated.write_text(text, encoding="utf-8")
        cases.append(("generated manifest", generated, generated.parent, text))
        argo = CORPUS / "argo-cd"
        for rel in (
            "manifests/base/server/argocd-server-deployment.yaml",
            "manifests/install.yaml",
        ):
            f = argo / rel
            if f.is_file():
                cases.append((f"argo-cd/{rel}", f, argo, f.read_text(encoding="utf-8")))
    try:
        for label, path, root, text in cases:
            cold, times = asyncio.run(measure(path, root, text, args.repeat))
            report(label, text.count("\n"), cold, times)
    finally:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
