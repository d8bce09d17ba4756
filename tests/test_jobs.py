"""`check --jobs N` checks files in N processes; what it reports must not depend on N.

The fixtures hold every kind of dependency between files (templates, chained pipelines, FirstGen
workflows, barriers declared in another pipeline), and parts are cut so that some of them fall
apart: the files involved must be checked again together."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from barrierlint import engine, parallel, report, source
from hostile import CORPUS

ROOT = Path(__file__).resolve().parent.parent
FORMATS = report.FORMATS


def rendered(paths: list[str], jobs: int) -> tuple:
    result = engine.check(paths, jobs=jobs)
    return (*(report.render(name, result, colour=False, category="barrierlint") for name in FORMATS), result.errors, result.files)


@pytest.mark.parametrize("jobs", [2, 3, 5])
def test_every_output_is_the_same_with_any_number_of_processes(jobs):
    one = rendered([str(ROOT / "fixtures")], jobs=1)
    assert "BL101" in one[0] and "BL501" in one[0]  # the comparison is not between two empty reports
    assert rendered([str(ROOT / "fixtures")], jobs=jobs) == one


def test_files_that_depend_on_each_other_across_parts_are_checked_together(monkeypatch):
    """Without the second, joint check the reports differ: the test above has something to catch."""
    seen = []
    monkeypatch.setattr(parallel, "_entangled", lambda parts, found=parallel._entangled: seen.append(found(parts)) or seen[-1])
    engine.check([str(ROOT / "fixtures")], jobs=3)
    assert seen[0]  # some files were checked again together
    monkeypatch.setattr(parallel, "_entangled", lambda parts: set())
    assert rendered([str(ROOT / "fixtures")], jobs=3) != rendered([str(ROOT / "fixtures")], jobs=1)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared/corpus/real is not beside the repository")
def test_two_processes_on_the_real_corpus():
    assert rendered([str(CORPUS)], jobs=2) == rendered([str(CORPUS)], jobs=1)


def test_document_sent_between_processes_keeps_its_spans_and_composes_its_nodes_again():
    doc = source.load("p.yaml", b"pipeline:\n  stages:\n    - stage: {identifier: a}\n")
    route = (0, "pipeline", "stages", 0, "stage")
    span = doc.span(route)
    copy = pickle.loads(pickle.dumps(doc))
    assert "roots" not in copy.__dict__ and copy.span(route) == span  # answered without nodes
    assert "roots" not in copy.__dict__
    assert copy.span((0, "pipeline")) == doc.span((0, "pipeline"))  # composed again on demand


def test_verify_replays_findings_whatever_the_number_of_processes():
    from helpers import run

    one, two = (run("check", "--verify", "--jobs", jobs, ROOT / "fixtures" / "BL301") for jobs in (1, 2))
    assert "CONFIRMED" in one.output and (two.exit_code, two.output) == (one.exit_code, one.output)
