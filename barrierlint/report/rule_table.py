"""The rule catalogue as a Markdown table (README's "Rules" section is generated from it)."""

from __future__ import annotations

from typing import Iterable


def render(rules: Iterable[type]) -> str:
    lines = ["| code | name | severity | finds |", "|---|---|---|---|"]
    for rule in rules:
        summary = rule.summary().replace("|", "\\|")
        lines.append(f"| {rule.code} | {rule.name} | {rule.severity} | {summary} |")
    return "\n".join(lines) + "\n"
