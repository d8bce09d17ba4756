"""README's rule table is the registry's, so it cannot fall behind the rules."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from barrierlint.cli import app

from expectations import ROOT

_TABLE = re.compile(r"<!-- rules:begin[^>]*-->\n(.*?)<!-- rules:end -->", re.DOTALL)


def test_readme_rule_table_is_generated_from_the_registry():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = _TABLE.search(readme)
    assert found, "README.md lacks the <!-- rules:begin --> ... <!-- rules:end --> markers"
    result = CliRunner().invoke(app, ["rules", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert found.group(1) == result.output, (
        "README.md's rule table is stale: replace it with the output of `barrierlint rules --format markdown`"
    )


_DIFF = re.compile(r"<!-- diff:begin[^>]*-->\n(.*?)<!-- diff:end -->", re.DOTALL)


def test_readme_shows_the_markdown_diff_of_the_example_as_barrierlint_writes_it(monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = _DIFF.search(readme)
    assert found, "README.md lacks the <!-- diff:begin --> ... <!-- diff:end --> markers"
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["diff", "docs/examples/release-before.yaml", "docs/examples/release-after.yaml", "-f", "markdown"])
    assert result.exit_code == 0, result.output
    assert found.group(1) == result.output, "README.md's diff example is stale: paste the output of the command above it"
