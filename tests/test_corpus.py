"""The real pipelines under shared/corpus/real/: every file is read without a traceback, and the
findings on them are the ones a person reviewed and found true.

`corpus_reviewed.txt` lists `file:line:CODE` for every finding of the rules below on the
corpus, each checked by hand against the pipeline and the engine semantics. A new finding (a
rule change, a new model feature) fails this test until someone reviews it on the pipeline: if
it is true, add it to the list; if not, fix the analyzer. A finding that disappears fails too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from barrierlint import engine
from barrierlint.cli import app

from expectations import ROOT

REVIEWED_RULES = ["BL001", "BL002", "BL101", "BL102", "BL103", "BL104", "BL105", "BL306", "BL403", "BL601", "BL701", "BL702"]
REVIEWED = Path(__file__).with_name("corpus_reviewed.txt")


def _corpus() -> Path | None:
    candidates = [os.environ.get("BARRIERLINT_CORPUS"), ROOT.parent / "shared", ROOT.parent.parent / "shared", "/work/shared"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "corpus" / "real").is_dir():
            return Path(candidate) / "corpus" / "real"
    return None


CORPUS = _corpus()
pytestmark = pytest.mark.skipif(CORPUS is None and not os.environ.get("CI"), reason="shared/corpus/real is not beside this clone")


def test_corpus_is_present():
    assert CORPUS is not None, "shared/corpus/real not found (set BARRIERLINT_CORPUS)"


def test_every_file_is_read_without_a_traceback():
    runner = CliRunner()
    failures = []
    for path in sorted(CORPUS.iterdir()):
        result = runner.invoke(app, ["check", "--format", "json", str(path)])
        if result.exit_code not in (0, 1) or (result.exception and not isinstance(result.exception, SystemExit)):
            failures.append(f"{path.name}: exit {result.exit_code}: {result.exception!r} {result.output[-300:]}")
    assert not failures, "\n".join(failures)


def test_findings_on_the_corpus_are_the_reviewed_ones():
    result = engine.check([str(CORPUS)], select_rules=REVIEWED_RULES)
    assert not result.errors, result.errors
    found = {f"{os.path.relpath(f.path, CORPUS)}:{f.span.line}:{f.code}": f.message for f in result.findings}
    reviewed = {line.strip() for line in REVIEWED.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")}
    unreviewed = sorted(set(found) - reviewed)
    vanished = sorted(reviewed - set(found))
    report = [f"new, not reviewed: {key} {found[key]}" for key in unreviewed]
    report += [f"reviewed but no longer found: {key}" for key in vanished]
    assert not report, "review these on the real pipeline (see the docstring):\n" + "\n".join(report)
