"""A line map derived from helm itself: which template line wrote each line of ``helm template``.

kubelint renders a chart twice: once as asked (that output is linted) and once from a temporary
copy whose template lines end with a *marker*, a YAML comment naming the file and line
(`` #kl1a2b3c4d:3:17#``). Markers are placed only where they cannot change what the template
emits besides themselves:

* not inside an action (``{{ ... }}`` spanning lines, ``{{/* ... */}}`` comments, raw strings),
* not on a line that ends with a right-trimming action (``-}}``: it would stop the trim),
* not on blank lines (a left trim ``{{-`` on the next line would stop at the marker),
* not inside ``define``/``block`` bodies (text from ``include``/``template`` belongs to the
  line that includes it, the line a user edits),
* not on ``---`` separators.

Each rendered line of the instrumented output belongs to the first marker at or after its end:
the marker closes the text its template line emitted, so lines written by ``toYaml``,
``include``, ``tpl`` or a values block map to the line of that expression. The two renders are
aligned document by document after removing the markers; lines that differ (a checksum of a
template computed with ``include``, say) stay unmapped and are counted, so callers can say so
and fall back to template text matching for them.
"""

from __future__ import annotations

import difflib
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path

from kubelint.records import dataclass, field

#: Documents in ``helm template`` output start with these two lines.
_HEADER_RE = re.compile(r"^# Source: (\S.*?)\s*$")

_BLOCK_OPEN = {"if", "range", "with", "define", "block"}
_DEFINE = {"define", "block"}


@dataclass
class HelmTrace:
    """Rendered line (1-based, of the real output) -> (file index, template line)."""

    files: list[Path] = field(default_factory=list)  # the user's template files, by index
    lines: dict[int, tuple[int, int]] = field(default_factory=dict)
    unaligned: int = 0  # non-blank rendered lines the instrumented render did not reproduce
    problem: str | None = None  # why no map could be derived at all

    def lookup(self, line: int) -> tuple[Path, int] | None:
        hit = self.lines.get(line)
        if hit is None:
            return None
        return self.files[hit[0]], hit[1]


# --- instrumentation ----------------------------------------------------------------------------


def new_nonce() -> str:
    return "kl" + secrets.token_hex(4)


def _action_word(body: str) -> str:
    """The keyword of an action's text (``if``, ``end``, ``define``...), or ''."""
    text = body.strip()
    if text.startswith("-"):
        text = text[1:].lstrip()
    if text.endswith("-"):
        text = text[:-1].rstrip()
    m = re.match(r"[a-z]+", text)
    return m.group(0) if m else ""


_CONTROL = {"if", "else", "end", "range", "with", "break", "continue"}
_ACTION_RE = re.compile(r"\{\{(.*?)\}\}", re.S)


def _control_only(line: str) -> bool:
    """A template line of only control actions (``{{- end }}``, ``{{ else }}``) and comments:
    it writes no text of its own."""
    if _ACTION_RE.sub("", line).strip():
        return False
    for body in _ACTION_RE.findall(line):
        text = body.strip().strip("-").strip()
        if text.startswith("/*") or re.match(r"\$[A-Za-z_][A-Za-z0-9_]*\s*:?=", text):
            continue
        if _action_word(body) not in _CONTROL:
            return False
    return bool(_ACTION_RE.search(line))


def markable_lines(text: str) -> dict[int, int]:
    """Template lines (1-based) that may carry a marker -> the line the marker should name.

    The named line is the line itself, or for the end of an action spanning lines, the line
    where that action began.
    """
    out: dict[int, int] = {}
    n = len(text)
    i = 0
    line = 1
    content = False  # the current line has non-whitespace text
    trim_end = False  # the last non-whitespace on the line closes a ``-}}`` action
    action_start = 0  # line where the action that ended last on this line began
    line_start_inside = 0  # the line began inside an action that started on this line no.
    stack: list[str] = []
    defines = 0
    pending = 0  # a line that wrote text but could not be marked (it ends with ``-}}``)
    while i < n:
        c = text[i]
        if c == "\n":
            if content and not trim_end and defines == 0:
                bare = text[text.rfind("\n", 0, i) + 1 : i].strip()
                if bare != "---" and not bare.startswith("--- "):
                    named = line_start_inside or action_start or line
                    if pending and _control_only(bare):
                        named = pending  # what comes before this marker, that line wrote
                    out[line] = named
                    pending = 0
            elif (
                content
                and trim_end
                and defines == 0
                and not _control_only(text[text.rfind("\n", 0, i) + 1 : i].strip())
            ):
                pending = line_start_inside or action_start or line  # ``{{ toYaml . -}}``
            line += 1
            content = trim_end = False
            action_start = line_start_inside = 0
            i += 1
            continue
        if c == "{" and text.startswith("{{", i):
            start_line = line
            j = i + 2
            comment = text.startswith("/*", j) or text.startswith("- /*", j)
            in_str = ""
            while j < n:
                ch = text[j]
                if ch == "\n":
                    line += 1
                    line_start_inside = start_line
                    j += 1
                    continue
                if comment:
                    if text.startswith("*/", j):
                        k = j + 2
                        while k < n and text[k] in " \t":
                            k += 1
                        if text.startswith("-}}", k) or text.startswith("}}", k):
                            j = k
                            comment = False
                            continue
                    j += 1
                    continue
                if in_str:
                    if ch == "\\" and in_str != "`":
                        j += 2
                        continue
                    if ch == in_str:
                        in_str = ""
                    j += 1
                    continue
                if ch in "\"'`":
                    in_str = ch
                    j += 1
                    continue
                if text.startswith("}}", j):
                    break
                j += 1
            if j >= n:  # unterminated action: helm fails on it anyway
                return out
            body = text[i + 2 : j]
            trimmed = body.endswith(" -") or body == "-"
            word = _action_word(body)
            if word in _BLOCK_OPEN:
                stack.append(word)
                if word in _DEFINE:
                    defines += 1
            elif word == "end" and stack and stack.pop() in _DEFINE:
                defines -= 1
            i = j + 2
            content = True
            trim_end = trimmed
            action_start = start_line if start_line != line else 0
            continue
        if c not in " \t\r":
            content = True
            trim_end = False
        i += 1
    if content and not trim_end and defines == 0:
        out[line] = line_start_inside or action_start or line
    return out


def instrument(text: str, file_id: int, nonce: str) -> str:
    """``text`` with a marker at the end of every markable line."""
    marks = markable_lines(text)
    if not marks:
        return text
    lines = text.split("\n")
    for no, named in marks.items():
        raw = lines[no - 1]
        cr = "\r" if raw.endswith("\r") else ""
        body = raw[:-1] if cr else raw
        lines[no - 1] = f"{body} #{nonce}:{file_id}:{named}#{cr}"
    return "\n".join(lines)


def _is_template(rel: Path) -> bool:
    """A file helm renders into output: under a ``templates/`` directory, not a partial."""
    name = rel.name
    return "templates" in rel.parts[:-1] and not name.startswith("_") and name != "NOTES.txt"


def copy_instrumented(chart: Path, dest: Path, nonce: str) -> list[Path]:
    """Copy ``chart`` to ``dest`` with markers in its templates (and those of unpacked
    subcharts); returns the user's template files by marker file index. Symlinks are followed
    (their targets are copied, never written)."""
    chart = chart.resolve()
    shutil.copytree(chart, dest, symlinks=False)
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(dest):
        dirnames.sort()
        for name in sorted(filenames):
            copied = Path(dirpath) / name
            rel = copied.relative_to(dest)
            if not _is_template(rel):
                continue
            try:
                raw = copied.read_bytes()
                text = raw.decode("utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            marked = instrument(text, len(files), nonce)
            files.append(chart / rel)
            if marked != text:
                copied.write_text(marked, encoding="utf-8", newline="")
    return files


# --- alignment ----------------------------------------------------------------------------------


@dataclass
class _Doc:
    source: str
    lines: list[tuple[int, str]]  # (line number in its output, text without markers)
    marks: list[tuple[int, int] | None]  # per line: the marker it belongs to


def _split(text: str) -> list[tuple[str, int, list[str]]]:
    """Documents of ``helm template`` output: (source, first line number, lines)."""
    docs: list[tuple[str, int, list[str]]] = []
    lines = text.split("\n")
    cur: list[str] | None = None
    source = ""
    first = 0
    i = 0
    while i < len(lines):
        raw = lines[i]
        if raw.rstrip() == "---" and i + 1 < len(lines):
            m = _HEADER_RE.match(lines[i + 1])
            if m:
                if cur is not None:
                    docs.append((source, first, cur))
                source, cur, first = m.group(1), [], i + 3
                i += 2
                continue
        if cur is not None:
            cur.append(raw)
        i += 1
    if cur is not None:
        docs.append((source, first, cur))
    return docs


def _traced_docs(text: str, nonce: str) -> list[_Doc]:
    marker = re.compile(r" ?#" + re.escape(nonce) + r":(\d+):(\d+)#")
    out: list[_Doc] = []
    nxt: tuple[int, int] | None = None
    after = ""  # the source of the document after this one (walking backwards)
    for source, first, lines in reversed(_split(text)):
        clean: list[tuple[int, str]] = []
        own: list[tuple[int, int] | None] = []
        for offset, raw in enumerate(lines):
            m = marker.search(raw)
            own.append((int(m.group(1)), int(m.group(2))) if m else None)
            clean.append((first + offset, marker.sub("", raw).rstrip()))
        if source != after:
            nxt = None  # the next marker of the same template file only
        after = source
        marks: list[tuple[int, int] | None] = [None] * len(own)
        # A line belongs to the next marker, also one in a later document of the same file
        # (an ``include`` that writes several documents is followed by one marker).
        for k in range(len(own) - 1, -1, -1):
            if own[k] is not None:
                nxt = own[k]
            marks[k] = nxt
        if not any(t for _, t in clean):
            continue  # a document that held only markers: helm drops it when unmarked
        out.append(_Doc(source, clean, marks))
    out.reverse()
    return out


def _real_docs(text: str) -> list[_Doc]:
    out: list[_Doc] = []
    for source, first, lines in _split(text):
        clean = [(first + k, raw.rstrip()) for k, raw in enumerate(lines)]
        out.append(_Doc(source, clean, [None] * len(clean)))
    return out


def align(real: str, traced: str, nonce: str, files: list[Path], partial: bool = True) -> HelmTrace:
    """The line map of ``real`` from the instrumented render ``traced``.

    Documents are paired by their ``# Source:`` in order; a pair whose text (markers removed,
    blank lines ignored) is identical maps line by line. Otherwise, with ``partial``, the equal
    runs of lines map and the rest is counted as unaligned; without it the whole document is.
    """
    trace = HelmTrace(files=files)
    rdocs, tdocs = _real_docs(real), _traced_docs(traced, nonce)
    matcher = difflib.SequenceMatcher(
        None, [d.source for d in rdocs], [d.source for d in tdocs], autojunk=False
    )
    for tag, r0, r1, t0, t1 in matcher.get_opcodes():
        if tag != "equal":
            trace.unaligned += sum(
                1 for d in rdocs[r0:r1] for _, t in d.lines if t and not _is_comment(t)
            )
            continue
        for rd, td in zip(rdocs[r0:r1], tdocs[t0:t1], strict=True):
            _align_doc(rd, td, trace, partial)
    return trace


def _is_comment(text: str) -> bool:
    return text.lstrip().startswith("#")


def _align_doc(rd: _Doc, td: _Doc, trace: HelmTrace, partial: bool) -> None:
    rl = [(no, t) for no, t in rd.lines if t]
    tl = [(k, t) for k, (_, t) in enumerate(td.lines) if t]
    if [t for _, t in rl] == [t for _, t in tl]:
        for (no, _), (k, _) in zip(rl, tl, strict=True):
            mark = td.marks[k]
            if mark is not None:
                trace.lines[no] = mark
        return
    if not partial:
        trace.unaligned += len(rl)
        return
    sm = difflib.SequenceMatcher(None, [t for _, t in rl], [t for _, t in tl], autojunk=False)
    for tag, a0, a1, b0, b1 in sm.get_opcodes():
        if tag != "equal":
            trace.unaligned += a1 - a0
            continue
        for (no, _), (k, _) in zip(rl[a0:a1], tl[b0:b1], strict=True):
            mark = td.marks[k]
            if mark is not None:
                trace.lines[no] = mark


# --- the instrumented render --------------------------------------------------------------------


def trace_render(
    cmd: list[str], release: str, chart: Path, real: str, partial: bool = True
) -> HelmTrace:
    """Render ``chart`` again, from an instrumented temporary copy, with the same helm command
    (``cmd`` without its positionals), and align it with ``real``. The user's chart is only
    read; the copy is removed when done, also when interrupted (Ctrl-C). The render runs under
    the same bounds as the real one (kubelint.render_guard)."""
    from kubelint.loader import MAX_BYTES
    from kubelint.render_guard import render_timeout, run_bounded

    nonce = new_nonce()
    try:
        with tempfile.TemporaryDirectory(prefix="kubelint-helm-") as tmp:
            dest = Path(tmp) / "chart"
            files = copy_instrumented(chart, dest, nonce)
            proc = run_bounded([*cmd, "--", release, str(dest)], None, MAX_BYTES)
    except (OSError, shutil.Error) as exc:
        return HelmTrace(problem=f"cannot instrument a copy of the chart ({exc})")
    if proc.timed_out:
        return HelmTrace(problem=f"the instrumented render timed out after {render_timeout()}s")
    if proc.too_large:
        return HelmTrace(problem="the instrumented render's output is too large")
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
        why = detail[-1] if detail else f"exit {proc.returncode}"
        return HelmTrace(problem=f"the instrumented render failed: {why}")
    traced = proc.stdout.decode("utf-8", errors="replace")
    return align(real, traced, nonce, files, partial)


# --- piped output: reproduce it before trusting a re-render ------------------------------------


def plain_render(cmd: list[str], release: str, chart: Path) -> str | None:
    """``helm template`` of the user's chart as it is (no copy, nothing written), under the
    render bounds; None when it fails."""
    from kubelint.loader import MAX_BYTES
    from kubelint.render_guard import run_bounded

    try:
        proc = run_bounded([*cmd, "--", release, str(chart)], None, MAX_BYTES)
    except OSError:
        return None
    if proc.timed_out or proc.too_large or proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", errors="replace")


def _doc_texts(text: str) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (source, tuple(t for t in (raw.rstrip() for raw in lines) if t))
        for source, _, lines in _split(text)
    ]


def reproduces(piped: str, rendered: str) -> bool:
    """Whether ``rendered`` holds every document of ``piped``, in order and identical (blank
    lines and trailing spaces aside): the pipe came from the same chart and values, possibly
    with CRDs, tests or documents left out (``--show-only``, ``--skip-tests``)."""
    want, have = _doc_texts(piped), _doc_texts(rendered)
    if not want:
        return False
    i = 0
    for doc in want:
        while i < len(have) and have[i] != doc:
            i += 1
        if i == len(have):
            return False
        i += 1
    return True


_NAME_CHARS = r"([a-z0-9](?:[a-z0-9.-]{0,51}[a-z0-9])?)"


def release_from_probe(piped: str, probe: str, sentinel: str) -> str | None:
    """The release name of ``piped``, learnt from a render ``probe`` made with release name
    ``sentinel``: lines that differ only where the sentinel stands give the name."""
    a = [line.rstrip() for line in probe.split("\n")]
    b = [line.rstrip() for line in piped.split("\n")]
    counts: dict[str, int] = {}
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, a0, a1, b0, b1 in sm.get_opcodes():
        if tag != "replace" or a1 - a0 != b1 - b0:
            continue
        for x, y in zip(a[a0:a1], b[b0:b1], strict=True):
            if sentinel not in x:
                continue
            pattern = _NAME_CHARS.join(re.escape(part) for part in x.split(sentinel))
            m = re.fullmatch(pattern, y)
            if m and len(set(m.groups())) == 1:
                counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    if not counts:
        return None
    return max(sorted(counts), key=lambda name: counts[name])
