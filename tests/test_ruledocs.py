"""Rule documentation: one source per rule (its docstring) for explain, SARIF help and docs/rules/."""

from __future__ import annotations

import pytest

from barrierlint import ruledocs
from barrierlint.rule import all_rules

from expectations import ROOT
from helpers import run

REQUIRED = ("What goes wrong", "At run time", "How to fix")  # then optionally "Example"


def test_generated_pages_are_fresh():
    """docs/rules/ holds exactly the pages generated from the installed rules."""
    folder = ROOT / ruledocs.DOCS_FOLDER
    expected = ruledocs.generated()
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in folder.glob("*.md")}
    stale = sorted(name for name in expected.keys() | on_disk.keys() if expected.get(name) != on_disk.get(name))
    assert not stale, f"docs/rules is stale ({', '.join(stale)}): run `{ruledocs.REGENERATE}` and commit the result"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_docstring_has_every_section(rule):
    assert rule.summary().endswith("."), f"{rule.code}: the first docstring line is a one-sentence summary"
    assert tuple(ruledocs.sections(rule))[:3] == REQUIRED, f"{rule.code}: the docstring sections start with {REQUIRED}"
    assert all(ruledocs.sections(rule).values()), f"{rule.code}: a docstring section is empty"


def test_help_uri_is_absolute_and_points_at_the_page():
    rule = all_rules()[0]
    assert ruledocs.help_uri(rule) == f"https://github.com/barrierlint/barrierlint/blob/main/docs/rules/{rule.code}.md"


def test_write_regenerates_and_removes_pages_of_rules_that_are_gone(tmp_path):
    (tmp_path / "BL999.md").write_text("a rule that was removed")
    (tmp_path / "notes.md").write_text("not a rule page")
    changed = ruledocs.write(str(tmp_path))
    assert "BL999.md" in changed and not (tmp_path / "BL999.md").exists()
    assert (tmp_path / "notes.md").exists()
    assert ruledocs.write(str(tmp_path)) == []


def test_explain_prints_the_docstring_and_the_page():
    rule = all_rules()[0]
    result = run("explain", rule.name)
    assert result.exit_code == 0
    assert rule.doc() in result.stdout and ruledocs.help_uri(rule) in result.stdout
