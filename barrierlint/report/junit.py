"""JUnit XML for CI test tabs (Harness CI, Jenkins, GitLab, Azure Pipelines).

One test suite per checked file; one test case per finding, and one passing test case for a
file without findings, so that a clean pipeline shows as passed rather than as absent. Errors
and warnings are failures (they fail the run by default); info findings are passing test cases
that carry their note as system-out. Only the elements and attributes of the Jenkins xUnit
plugin's junit-10.xsd are written, which every consumer above reads. Text from pipelines and
file names goes through `printable`: XML 1.0 cannot hold most control characters at all.
"""

from __future__ import annotations

from typing import Iterable
from xml.etree import ElementTree as ET

from ..finding import Finding, Severity
from ..terminal import printable
from . import details

CLEAN = "no barrier problems"


def render(findings: Iterable[Finding], paths: Iterable[str]) -> str:
    by_file: dict[str, list[Finding]] = {path: [] for path in paths}
    for finding in findings:
        by_file.setdefault(finding.path, []).append(finding)
    failures = sum(1 for found in by_file.values() for f in found if f.severity > Severity.INFO)
    tests = sum(len(found) or 1 for found in by_file.values())
    root = ET.Element("testsuites", name="barrierlint", tests=str(tests), failures=str(failures), errors="0", time="0")
    for path, found in by_file.items():
        shown = printable(path)
        suite = ET.SubElement(
            root, "testsuite", name=shown, tests=str(len(found) or 1),
            failures=str(sum(1 for f in found if f.severity > Severity.INFO)), errors="0", skipped="0", time="0",
        )
        if not found:
            ET.SubElement(suite, "testcase", name=CLEAN, classname=shown, time="0")
        for finding in found:
            suite.append(_case(finding, shown))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _case(finding: Finding, path: str) -> ET.Element:
    span = finding.span
    case = ET.Element("testcase", name=f"{finding.code} {finding.name} at {span.line}:{span.column}", classname=path, time="0")
    body = "\n".join(printable(line) for line in [f"{path}:{span.line}:{span.column}", *details(finding)])
    if finding.severity > Severity.INFO:
        failure = ET.SubElement(case, "failure", type=f"{finding.code} {finding.severity}", message=printable(finding.message))
        failure.text = body
    else:
        ET.SubElement(case, "system-out").text = body
    return case
