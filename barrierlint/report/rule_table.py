"""The rule catalogue as a Markdown table (README's "Rules" section is generated from it)."""

from __future__ import annotations

from typing import Iterable


def render(rules: Iterable[type], page: str | None = None) -> str:
    """`page` (e.g. `{code}.md`) links each code to the rule's page."""
    lines = ["| code | name | severity | finds |", "|---|---|---|---|"]
    for rule in rules:
        summary = rule.summary().replace("|", "\\|")
        code = f"[{rule.code}]({page.format(code=rule.code)})" if page else rule.code
        lines.append(f"| {code} | {rule.name} | {rule.severity} | {summary} |")
    return "\n".join(lines) + "\n"
