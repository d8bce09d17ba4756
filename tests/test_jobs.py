"""`check --jobs N` loads files in N processes; what it reports must not depend on N."""

from __future__ import annotations

from pathlib import Path

import pytest

from barrierlint import engine, report

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "real"


def rendered(paths: list[str], jobs: int) -> tuple[str, str]:
    result = engine.check(paths, jobs=jobs)
    return report.render("text", result, colour=False, category="barrierlint"), report.render("json", result, colour=False, category="barrierlint")


def test_two_processes_report_what_one_reports():
    one = rendered([str(ROOT / "fixtures")], jobs=1)
    assert "BL101" in one[0]  # the fixtures hold mistakes: the comparison is not between two empty reports
    assert rendered([str(ROOT / "fixtures")], jobs=2) == one


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared/corpus/real is not beside the repository")
def test_two_processes_on_the_real_corpus():
    assert rendered([str(CORPUS)], jobs=2) == rendered([str(CORPUS)], jobs=1)


def test_document_sent_between_processes_composes_its_nodes_again():
    import pickle

    from barrierlint import source

    doc = source.load("p.yaml", b"pipeline:\n  stages:\n    - stage: {identifier: a}\n")
    copy = pickle.loads(pickle.dumps(doc))
    assert "roots" not in copy.__dict__
    assert copy.span((0, "pipeline", "stages", 0, "stage")) == doc.span((0, "pipeline", "stages", 0, "stage"))
