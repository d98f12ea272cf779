"""What is checked before helm or kustomize runs on a repository kubelint does not trust.

* Values that reach helm as arguments are validated (a release name or namespace that looks
  like an option, ``--post-renderer=./x.sh``, would otherwise be parsed by helm as one); the
  commands also put ``--`` before their positional arguments (render.py).
* A kustomization is read before it is built: every ``resources``/``bases``/``components``
  entry of it, and of the local kustomizations it includes, must be a local file or directory.
  A remote one (``https://…``, ``git::…``, ``github.com/org/repo//dir?ref=…``) is refused with
  its file, line and column unless the user opted in, so a build never reaches the network.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from kubelint.positions import join
from kubelint.records import dataclass

# Helm's own rule for release names (DNS-1123 subdomain, at most 53 characters).
_RELEASE_RE = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*")
_NAMESPACE_RE = re.compile(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?")
MAX_RELEASE = 53
_REMOTE_RE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://|git::|git@|ssh:|[^/\s]+\.[^/\s]+/)")


class RenderGuardError(ValueError):
    """A value or a kustomization that must not reach helm or kustomize."""


def check_release_name(name: str) -> None:
    if len(name) > MAX_RELEASE or _RELEASE_RE.fullmatch(name) is None:
        raise RenderGuardError(
            f'--release-name "{_shown(name)}" is not a valid Helm release name (lower-case '
            f"letters, digits, '-' and '.', starting and ending alphanumeric, at most "
            f"{MAX_RELEASE} characters)"
        )


def check_namespace(namespace: str) -> None:
    if _NAMESPACE_RE.fullmatch(namespace) is None:
        raise RenderGuardError(
            f'--namespace "{_shown(namespace)}" is not a valid Kubernetes namespace (a DNS-1123 '
            "label: lower-case letters, digits and '-', at most 63 characters)"
        )


def _shown(text: str) -> str:
    return text[:80].encode("unicode_escape").decode("ascii").replace('"', '\\"')


@dataclass(frozen=True)
class RemoteEntry:
    file: Path  # the kustomization that names it
    line: int
    column: int
    field: str
    entry: str

    def message(self, shown_file: str) -> str:
        return (
            f'{shown_file}:{self.line}:{self.column}: {self.field} entry "{_shown(self.entry)}" '
            "is remote: kubelint does not let kustomize fetch remote resources or bases from a "
            "repository under review (build it yourself and pipe the output to `kubelint lint "
            "-`, or pass --kustomize-allow-remote)"
        )


def looks_remote(entry: str, base: Path) -> bool:
    """Whether kustomize would treat ``entry`` as a remote target rather than a local path."""
    if os.path.lexists(base / entry):
        return False
    return _REMOTE_RE.match(entry) is not None or "?ref=" in entry or "//" in entry


def remote_entries(directory: Path) -> list[RemoteEntry]:
    """Remote entries of the kustomization in ``directory`` and of every local kustomization
    it includes (followed through resources, bases and components, each once)."""
    from kubelint.kustomization import INCLUDE_FIELDS, read_kustomization

    found: list[RemoteEntry] = []
    todo = [Path(os.path.realpath(directory))]
    seen: set[Path] = set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        kustomization = read_kustomization(current)
        if kustomization is None:
            continue  # none here, or unreadable: kustomize itself reports that
        for doc in kustomization.documents:
            for fld in INCLUDE_FIELDS:
                entries = doc.data.get(fld)
                if not isinstance(entries, list):
                    continue
                for i, entry in enumerate(entries):
                    if not isinstance(entry, str):
                        continue
                    if looks_remote(entry, current):
                        line, column, _ = doc.positions.locate(join(f"/{fld}", i), "value")
                        found.append(RemoteEntry(kustomization.path, line, column, fld, entry))
                        continue
                    target = Path(os.path.realpath(current / entry))
                    if target.is_dir():
                        todo.append(target)
    return sorted(found, key=lambda r: (str(r.file), r.line, r.column))


# --- running a renderer with bounds ------------------------------------------------------------

DEFAULT_TIMEOUT = 120  # seconds per render or build (KUBELINT_RENDER_TIMEOUT)
DEFAULT_MEMORY_MIB = 4096  # address space of a renderer (KUBELINT_RENDER_MEMORY_MIB)


def _env_number(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        number = int(value)
    except ValueError:
        return default
    return number if number > 0 else default


def render_timeout() -> int:
    return _env_number("KUBELINT_RENDER_TIMEOUT", DEFAULT_TIMEOUT)


def render_memory() -> int:
    return _env_number("KUBELINT_RENDER_MEMORY_MIB", DEFAULT_MEMORY_MIB) * 1024 * 1024


@dataclass(frozen=True)
class Bounded:
    returncode: int
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    too_large: bool = False


def run_bounded(cmd: list[str], cwd: str | None, output_limit: int) -> Bounded:
    """Run a renderer with a time limit, a memory limit (RLIMIT_AS) and its output capped:
    stdout goes to a temporary file limited to ``output_limit + 1`` bytes (RLIMIT_FSIZE), so a
    chart that loops or prints without end costs neither kubelint's memory nor the disk."""
    import subprocess
    import tempfile

    memory, timeout = render_memory(), render_timeout()

    def limits() -> None:  # in the child, before exec
        import resource

        for which, value in (
            (resource.RLIMIT_AS, memory),
            (resource.RLIMIT_FSIZE, output_limit + 1),
        ):
            try:
                _soft, hard = resource.getrlimit(which)
                cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
                resource.setrlimit(which, (cap, hard))
            except (ValueError, OSError):
                pass

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.run(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                cwd=cwd,
                timeout=timeout,
                check=False,
                preexec_fn=limits if os.name == "posix" else None,
            )
            code, timed_out = proc.returncode, False
        except subprocess.TimeoutExpired:
            code, timed_out = -1, True
        size = out.seek(0, os.SEEK_END)
        out.seek(0)
        stdout = out.read(output_limit + 1)
        err.seek(0)
        stderr = err.read(64 * 1024)
    return Bounded(code, stdout, stderr, timed_out, size > output_limit)
