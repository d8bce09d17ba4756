"""Fixes: edits of the original text that remove a finding, offered by the rule that reports it.

Each rule that can repair what it finds has a `fix(finding, project)` method beside its check
and its documentation (the rule knows its mistake, and whether its repair changes what the
pipeline does at run time); the edit vocabulary is `fixes.edits`, the barrier-level helpers are
`fixes.barriers`, and `fixes.apply` verifies fixes and writes them (`check --fix`, `--diff`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from .edits import Edit, Unfixable

if TYPE_CHECKING:
    from ..finding import Finding
    from ..project import Project
    from ..source import Document


@dataclass(frozen=True)
class Fix:
    """Edits of one file that remove a finding. `safe` fixes keep what the pipeline does at run
    time; unsafe ones change it (`--unsafe-fixes`). With `alternatives` (candidate edit lists),
    the fix is the one alternative that passes verification, and there is none if several do."""

    description: str
    safe: bool
    doc: "Document"
    edits: tuple[Edit, ...] = ()
    alternatives: tuple[tuple[Edit, ...], ...] = ()

    @property
    def applicability(self) -> str:
        return "safe" if self.safe else "unsafe"

    def choices(self) -> tuple[tuple[Edit, ...], ...]:
        return self.alternatives or (self.edits,)

    def summary(self) -> dict:
        """What every output format says about the fix: whether it is safe, what it does, and
        its replacements as 1-based line and column ranges (the end exclusive)."""
        return {
            "applicability": self.applicability,
            "description": self.description,
            "path": self.doc.path,
            "alternatives": [[self._place(edit) for edit in sorted(choice)] for choice in self.choices()],
        }

    def _place(self, edit: Edit) -> dict:
        line, column = self.doc.position(edit.start)
        end_line, end_column = self.doc.position(edit.end)
        return {"line": line, "column": column, "end_line": end_line, "end_column": end_column, "text": edit.text}


def fix_for(finding: "Finding", project: "Project", rules: dict) -> Fix | None:
    """The fix the finding's rule offers, or None (no fix, or the text cannot be edited there)."""
    rule = rules.get(finding.code)
    if rule is None:
        return None
    try:
        fix = rule().fix(finding, project)
    except Unfixable:
        return None
    return fix if fix is not None and fix.doc is finding.origin.doc else None  # a fix edits the finding's own file


def annotate(findings: Iterable["Finding"], project: "Project") -> list["Finding"]:
    """The findings, each with an `autofix` property when its rule offers a fix for it."""
    from ..rule import all_rules

    rules = {rule.code: rule for rule in all_rules()}
    out = []
    for finding in findings:
        fix = fix_for(finding, project, rules) if project is not None else None
        out.append(finding.with_properties(autofix=fix.summary()) if fix else finding)
    return out
