"""Reporters: one module per output format, each turning located findings into text; what may
reach a CI log is escaped by `terminal`'s rule."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from ..errors import UsageError
from ..terminal import printable

if TYPE_CHECKING:
    from ..engine import Result

FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab")
_UNDECODED = re.compile("[\udc80-\udcff]")  # a byte of a file name that is not UTF-8 (surrogateescape)


def unicode_text(text: str) -> str:
    """Text that UTF-8 can hold: each undecodable byte of a file name is written as the text
    format shows it (`\\udcff`), so JSON, SARIF and baselines stay valid and name the file."""
    return _UNDECODED.sub(lambda byte: printable(byte[0]), text) if not text.isascii() else text


def unicode_values(value):
    """A JSON value with `unicode_text` applied to every string in it, keys included."""
    if isinstance(value, str):
        return unicode_text(value)
    if isinstance(value, dict):
        return {unicode_values(key): unicode_values(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [unicode_values(item) for item in value]
    return value


def render(name: str, result: "Result", *, colour: bool = False, category: str | None = None) -> str:
    """The output of one run in one format (reporters are imported only when used)."""
    from ..terminal import guard, guard_json

    if name == "json":
        from . import json

        return guard_json(json.render(result.findings, result.files))
    if name == "sarif":
        from . import sarif

        return guard_json(sarif.render(result.findings, result.suppressed, category=category))
    if name == "github":
        from . import github

        return github.render(result.findings)
    if name == "junit":
        from . import junit

        return guard(junit.render(result.findings, result.paths), colon="&#58;", sharp="&#35;")
    if name == "gitlab":
        from . import gitlab

        return guard_json(gitlab.render(result.findings))
    from . import text

    return text.render(result.findings, result.files, colour=colour, errors=len(result.errors), hidden=result.suppressed)


def autofix_line(finding) -> str | None:
    """`fix (safe, --fix): ...` for a finding whose rule offers a fix, as every format words it."""
    autofix = finding.properties.get("autofix")
    if not autofix:
        return None
    if autofix.get("failed"):
        return f"fix not applied ({autofix['applicability']}): {autofix['description']}: {autofix['failed']}"
    option = "--fix" if autofix["applicability"] == "safe" else "--fix --unsafe-fixes"
    return f"fix available ({autofix['applicability']}, {option}): {autofix['description']}"


def parse_target(spec: str) -> tuple[str, str]:
    """`sarif:results.sarif` -> ('sarif', 'results.sarif')."""
    name, _, path = spec.partition(":")
    if name not in FORMATS or not path:
        raise UsageError(f"--output takes FORMAT:PATH with FORMAT one of {', '.join(FORMATS)}, not '{spec}'")
    return name, path

def details(finding) -> list[str]:
    """A finding's message and its explanation, line by line: witness, other participants, fix
    and runtime verdict (for formats that show one block of text per finding)."""
    from ..source import repository_path

    lines = [*(f"witness: {line}" for line in finding.witness)]
    for related in finding.related:
        place = related.span
        lines.append(f"note: {repository_path(related.origin.doc.path)}:{place.line}:{place.column}: {related.message}")
    if finding.fix:
        lines.append(f"fix: {finding.fix}")
    verification = finding.properties.get("verification")
    if verification:
        lines.append(f"runtime: {verification['status']}: {verification['evidence']}")
    return [finding.message, *lines]

