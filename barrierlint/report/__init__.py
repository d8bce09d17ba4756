"""Reporters: one module per output format, each turning located findings into text."""

from __future__ import annotations

from typing import TYPE_CHECKING
from ..errors import UsageError

if TYPE_CHECKING:
    from ..engine import Result

FORMATS = ("text", "json", "sarif", "github")


def render(name: str, result: "Result", *, colour: bool = False, category: str | None = None) -> str:
    """The output of one run in one format (reporters are imported only when used)."""
    if name == "json":
        from . import json

        return json.render(result.findings, result.files)
    if name == "sarif":
        from . import sarif

        return sarif.render(result.findings, result.suppressed, category=category)
    if name == "github":
        from . import github

        return github.render(result.findings)
    from . import text

    return text.render(result.findings, result.files, colour=colour, errors=len(result.errors))


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

def printable(text: str, keep: str = "") -> str:
    """Text from a pipeline or a file name, safe for a terminal line: line breaks, escape
    sequences and undecodable bytes are shown escaped (`\\n`, `\\x1b`, `\\udce9`)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in text)
