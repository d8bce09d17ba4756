"""Reporters: one module per output format, each turning located findings into text; what may
reach a CI log is escaped by `terminal`'s rule."""

from __future__ import annotations

from typing import TYPE_CHECKING
from ..errors import UsageError

if TYPE_CHECKING:
    from ..engine import Result

FORMATS = ("text", "json", "sarif", "github")


def render(name: str, result: "Result", *, colour: bool = False, category: str | None = None) -> str:
    """The output of one run in one format (reporters are imported only when used)."""
    from ..terminal import guard_json

    if name == "json":
        from . import json

        return guard_json(json.render(result.findings, result.files))
    if name == "sarif":
        from . import sarif

        return guard_json(sarif.render(result.findings, result.suppressed, category=category))
    if name == "github":
        from . import github

        return github.render(result.findings)
    from . import text

    return text.render(result.findings, result.files, colour=colour, errors=len(result.errors))


def parse_target(spec: str) -> tuple[str, str]:
    """`sarif:results.sarif` -> ('sarif', 'results.sarif')."""
    name, _, path = spec.partition(":")
    if name not in FORMATS or not path:
        raise UsageError(f"--output takes FORMAT:PATH with FORMAT one of {', '.join(FORMATS)}, not '{spec}'")
    return name, path
