"""Terminal output in the style of ruff: `path:line:col: CODE message`, a code frame, a summary."""

from __future__ import annotations

from typing import Iterable

from ..finding import Finding, Severity
from ..terminal import guard, printable
from . import autofix_line

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def _location(finding_path: str, line: int, column: int) -> str:
    return f"{finding_path}:{line}:{column}"


FRAME_WIDTH = 200  # longer source lines (flow style, generated files) are shown around the finding


def frame(finding: Finding, colour: bool = False) -> list[str]:
    """The source line of the finding with a caret underline."""
    span = finding.span
    text = finding.origin.doc.line(span.line)
    if not text or text.isspace():
        return []
    width = len(str(span.line))
    column = span.column
    end = span.end_column if span.end_line == span.line else len(text) + 1
    if len(text) > FRAME_WIDTH:  # else thousands of findings on one long line print it thousands of times
        start = max(0, min(column - 1 - FRAME_WIDTH // 4, len(text) - FRAME_WIDTH))
        text, column, end = text[start : start + FRAME_WIDTH], column - start, end - start
    end = max(column + 1, min(end, len(text) + 1))
    carets = "^" * _width(printable(text[column - 1 : end - 1]))
    gutter = " " * width + " |"
    shown = printable(text.rstrip(), keep="\t")  # a file may hold control characters YAML forbids
    return [
        gutter,
        f"{span.line} | {shown}",
        f"{gutter} {_blank(printable(text[: column - 1], keep=chr(9)))}{_paint(carets, _COLOURS[finding.severity], colour)}",
    ]


def _width(text: str) -> int:
    """Terminal columns of text: East Asian wide characters take two, combining marks none."""
    import unicodedata

    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _blank(prefix: str) -> str:
    """Blanks as wide as prefix, keeping its tabs so that the caret lines up under the text."""
    return "".join("\t" if c == "\t" else " " * _width(c) for c in prefix)


def render(findings: Iterable[Finding], files: int, colour: bool = False, show_frames: bool = True, errors: int = 0, hidden: Iterable[Finding] = ()) -> str:
    findings = list(findings)
    out: list[str] = []
    for finding in findings:
        span = finding.span
        head = _location(printable(finding.path), span.line, span.column)
        code = _paint(finding.code, "1;" + _COLOURS[finding.severity], colour)
        out.append(f"{_paint(head, '1', colour)}: {code} [{finding.severity}] {printable(finding.message)}")
        if show_frames:
            out.extend(frame(finding, colour))
        for line in finding.witness:
            out.append(f"  = witness: {printable(line)}")
        for related in finding.related:
            rspan = related.origin.doc.span(related.origin.route)
            out.append(f"  = note: {_location(printable(related.origin.doc.path), rspan.line, rspan.column)}: {printable(related.message)}")
        if finding.fix:
            out.append(f"  = help: {printable(finding.fix)}")
        if (autofix := autofix_line(finding)) is not None:
            out.append(f"  = {printable(autofix)}")
        verdict = finding.properties.get("verification")
        if verdict:
            out.append(f"  = runtime: {printable(verdict['status'])}: {printable(verdict['evidence'])}")
        if show_frames:
            out.append("")
    out.append(summary(findings, files, errors, hidden))
    return guard("\n".join(out) + "\n")


HIDERS = {"baseline": "the baseline", "comment": "suppression comments", "per-file-ignores": "per-file-ignores"}


def summary(findings: list[Finding], files: int, errors: int = 0, hidden: Iterable[Finding] = ()) -> str:
    """The last line; it says what the baseline and suppressions hid, so that a clean-looking
    run does not hide that findings were accepted rather than absent."""
    noun = "file" if files == 1 else "files"
    unread = f"; {errors} input{'s' if errors != 1 else ''} could not be checked (see the errors on standard error)" if errors else ""
    counts = {by: 0 for by in HIDERS}
    for finding in hidden:
        counts[finding.properties["suppression"]["by"]] += 1
    hiders = [by for by, count in counts.items() if count]
    if hiders:
        total = sum(counts.values())
        hid = f"{total} {'more ' if findings else ''}finding{'s' if total != 1 else ''} hidden"
        if len(hiders) == 1:
            unread += f"; {hid} by {HIDERS[hiders[0]]}"
        else:
            unread += f"; {hid}: " + ", ".join(f"{counts[by]} by {HIDERS[by]}" for by in hiders)
    if not findings:
        return f"No barrier problems in {files} {noun}{unread}." if errors or hiders else f"All clear: no barrier problems in {files} {noun}."
    counts = {severity: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity] += 1
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in sorted(Severity, reverse=True) if counts[s]]
    total = len(findings)
    return f"Found {total} problem{'s' if total != 1 else ''} ({', '.join(parts)}) in {files} {noun}{unread}."
