"""Rule documentation from one source, the rule's docstring: `barrierlint explain`, the SARIF
rule help, and the page per rule under docs/rules/ that the SARIF `helpUri` points to.

Regenerate the pages after changing a rule's docstring (a test fails while they are stale):

    python -m barrierlint.ruledocs
"""

from __future__ import annotations

import os
import re
import sys

from .report import rule_table
from .rule import Rule, all_rules
from .writing import write_text

DOCS_FOLDER = "docs/rules"
REGENERATE = "python -m barrierlint.ruledocs"
# pyproject.toml's [project.urls] Homepage (tests/test_ci_wiring.py holds them equal); reading it
# from the package metadata would cost a SARIF run the import of importlib.metadata
HOMEPAGE = "https://github.com/barrierlint/barrierlint"


def help_uri(rule: type[Rule]) -> str:
    return f"{HOMEPAGE}/blob/main/{DOCS_FOLDER}/{rule.code}.md"


def sections(rule: type[Rule]) -> dict[str, str]:
    """The docstring's `## Title` sections, by title, without the summary line."""
    found: dict[str, str] = {}
    title = None
    for line in rule.doc().splitlines()[1:]:
        if line.startswith("## "):
            title = line[3:].strip()
            found[title] = ""
        elif title is not None:
            found[title] += line + "\n"
    return {key: value.strip() for key, value in found.items()}


def full_description(rule: type[Rule]) -> str:
    """The summary and the first section, as one plain paragraph (SARIF fullDescription)."""
    first = next(iter(sections(rule).values()), "")
    return " ".join(f"{rule.summary()} {first}".split())


def page(rule: type[Rule]) -> str:
    """The Markdown page of a rule (also the SARIF help.markdown)."""
    body = rule.doc().split("\n", 1)[1].strip() if "\n" in rule.doc() else ""
    tags = ", ".join(rule.tags) or "-"
    return (
        f"# {rule.code} {rule.name}\n\n{rule.summary()}\n\n"
        f"Default severity: **{rule.severity}** · Tags: {tags} · "
        f"Suppress: `# barrierlint: ignore[{rule.code}] reason`\n\n{body}\n"
    )


def generated(rules: tuple[type[Rule], ...] | None = None) -> dict[str, str]:
    """Every page as file name -> text, for the installed rules."""
    rules = all_rules() if rules is None else rules
    pages = {f"{rule.code}.md": page(rule) for rule in rules}
    pages["README.md"] = f"# Rules\n\n{rule_table.render(rules, page='{code}.md')}"
    return pages


def write(folder: str) -> list[str]:
    """Write the pages and remove pages of rules that are gone; returns the changed files."""
    os.makedirs(folder, exist_ok=True)
    pages = generated()
    changed = []
    for name in sorted(os.listdir(folder)):
        if re.fullmatch(r"[A-Z]+[0-9]+\.md", name) and name not in pages:
            os.remove(os.path.join(folder, name))
            changed.append(name)
    for name, text in pages.items():
        path = os.path.join(folder, name)
        if not os.path.exists(path) or open(path, encoding="utf-8").read() != text:
            write_text(path, text)
            changed.append(name)
    return changed


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else DOCS_FOLDER
    for name in write(target):
        print(f"updated {os.path.join(target, name)}")
