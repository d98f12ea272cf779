"""``--format junit``: JUnit XML that CI systems (GitLab, Jenkins, Azure, CircleCI) render.

One ``<testsuite>`` per linted file; in it one ``<testcase>`` per object and rule with findings
(a ``<failure>`` carrying the message, severity and every location), or a single passing
``no findings`` case when every enabled rule passed, or a ``<skipped>`` case for a file kubelint
did not lint (Go templates, …). Tool errors form a ``kubelint`` suite of ``<error>`` cases.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby

from kubelint.findings import Finding, RunResult
from kubelint.reporters import Reporter
from kubelint.reporters.text import plain_line

# Characters XML 1.0 cannot carry, even escaped (control characters from odd inputs).
_INVALID_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _case_name(f: Finding) -> str:
    return f"{f.rule} {f.object}" if f.object is not None else f.rule


def _suite(name: str) -> ET.Element:
    return ET.Element("testsuite", {"name": _clean(name)})


def _case(suite: ET.Element, name: str, classname: str, **attrs: str) -> ET.Element:
    return ET.SubElement(
        suite, "testcase", {"name": _clean(name), "classname": _clean(classname), **attrs}
    )


def _close(suite: ET.Element) -> ET.Element:
    """Fill in the counters of a suite from its cases."""
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    for tag, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        suite.set(attr, str(sum(1 for c in cases if c.find(tag) is not None)))
    suite.set("time", "0")
    return suite


def _file_suite(file: str, findings: list[Finding]) -> ET.Element:
    suite = _suite(file)
    keyed = sorted(findings, key=lambda f: (f.rule, str(f.object or ""), f.sort_key()))
    for _, group_iter in groupby(keyed, key=lambda f: (f.rule, f.object)):
        group = sorted(group_iter, key=Finding.sort_key)
        first = group[0]
        case = _case(
            suite, _case_name(first), file, file=_clean(file), line=str(first.location.line)
        )
        message = first.message if len(group) == 1 else f"{first.message} (+{len(group) - 1} more)"
        failure = ET.SubElement(
            case, "failure", {"message": _clean(message), "type": first.severity.value}
        )
        failure.text = _clean("\n".join(plain_line(f) for f in group))
    if not findings:
        _case(suite, "no findings", file, file=_clean(file))
    return _close(suite)


def junit_tree(result: RunResult) -> ET.Element:
    root = ET.Element("testsuites", {"name": "kubelint"})
    by_file: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_file.setdefault(f.location.file, []).append(f)
    skipped = {s.name: s.reason for s in result.skipped}
    for file in sorted(set(result.sources) | set(by_file)):
        if file in skipped and file not in by_file:
            suite = _suite(file)
            case = _case(suite, "kubelint", file, file=_clean(file))
            ET.SubElement(case, "skipped", {"message": _clean(skipped[file])})
            root.append(_close(suite))
            continue
        root.append(_file_suite(file, by_file.get(file, [])))
    if result.errors:
        suite = _suite("kubelint")
        for i, error in enumerate(result.errors, start=1):
            case = _case(suite, f"tool error {i}", "kubelint")
            node = ET.SubElement(case, "error", {"message": _clean(error), "type": "error"})
            node.text = _clean(error)
        root.append(_close(suite))
    suites = root.findall("testsuite")
    for attr in ("tests", "failures", "errors", "skipped"):
        root.set(attr, str(sum(int(s.get(attr, "0")) for s in suites)))
    root.set("time", "0")
    return root


class JunitReporter(Reporter):
    format_name = "junit"
    description = "JUnit XML (one testsuite per file)"

    def finish(self, result: RunResult) -> None:
        tree = ET.ElementTree(junit_tree(result))
        ET.indent(tree)
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        tree.write(self.out, encoding="unicode")
        self.out.write("\n")
