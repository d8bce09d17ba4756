"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding.

GitHub shows at most 10 annotations of each kind per step; SARIF upload has no such limit.
"""

from __future__ import annotations

from typing import Iterable

from ..finding import Finding, Severity
from ..source import repository_path
from ..terminal import inline
from . import autofix_line

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    """The runner's own escapes for a command's data (actions/runner, ActionCommand.UnescapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """The runner's escapes for a property value (ActionCommand.UnescapeProperty)."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """One workflow command; every piece of pipeline text or file name in it is shown as the
    terminal rule shows it (`terminal.inline`: no escape sequence, no `##[`), then escaped as
    the runner unescapes it, so it can neither end the command nor start another."""
    span = finding.span
    where = f"file={_property(inline(repository_path(finding.path)))},line={span.line}"
    if span.end_line == span.line:
        where += f",col={span.column},endLine={span.end_line},endColumn={span.end_column}"
    else:  # GitHub takes columns only for an annotation on one line
        where += f",endLine={span.end_line}"
    lines = [inline(finding.message), *(f"witness: {inline(line)}" for line in finding.witness)]
    for related in finding.related:
        place = related.span
        lines.append(f"note: {inline(repository_path(related.origin.doc.path))}:{place.line}:{place.column}: {inline(related.message)}")
    if finding.fix:
        lines.append(f"fix: {inline(finding.fix)}")
    if (autofix := autofix_line(finding)) is not None:
        lines.append(inline(autofix))
    verification = finding.properties.get("verification")
    if verification:
        lines.append(f"runtime: {inline(verification['status'])}: {inline(verification['evidence'])}")
    title = _property(f"{finding.code} {finding.name}")
    return f"::{COMMAND[finding.severity]} {where},title={title}::{_data(chr(10).join(lines))}"


def render(findings: Iterable[Finding]) -> str:
    return "".join(annotation(finding) + "\n" for finding in findings)
