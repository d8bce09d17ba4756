"""`check` part by part, in one process or N (`--jobs`); what it reports must not depend on it.

The fixtures hold every kind of dependency between files (templates, chained pipelines, FirstGen
workflows, barriers declared in another pipeline), and parts are cut small so that some of them
fall apart: the files involved must be checked again with their linked group."""

from __future__ import annotations

import gc
import pickle
import tracemalloc
from pathlib import Path

import pytest

from barrierlint import engine, parallel, report, source
from hostile import CORPUS

ROOT = Path(__file__).resolve().parent.parent
FORMATS = report.FORMATS


@pytest.fixture(autouse=True)
def small_parts(monkeypatch):
    """Parts of 16 kB: the 1.3 MB of fixtures fall into many (one part would need no workers)."""
    monkeypatch.setattr(parallel, "PART_BYTES", 16_000)


def rendered(paths: list[str], jobs: int, keep_project: bool = False) -> tuple:
    result = engine.check(paths, jobs=jobs, keep_project=keep_project)
    return (*(report.render(name, result, colour=False, category="barrierlint") for name in FORMATS), result.errors, result.files)


@pytest.mark.parametrize("jobs", [1, 2, 3, 5])
def test_every_output_is_the_same_part_by_part_with_any_number_of_processes(jobs):
    whole = rendered([str(ROOT / "fixtures")], jobs=1, keep_project=True)
    assert "BL101" in whole[0] and "BL501" in whole[0]  # the comparison is not between two empty reports
    assert rendered([str(ROOT / "fixtures")], jobs=jobs) == whole


def test_files_that_depend_on_each_other_across_parts_are_checked_together(monkeypatch):
    """Without the second, joint check the reports differ: the test above has something to catch."""
    seen = []
    monkeypatch.setattr(parallel, "_entangled", lambda parts, found=parallel._entangled: seen.append(found(parts)) or seen[-1])
    result = engine.check([str(ROOT / "fixtures")], jobs=3)
    assert len(seen[0]) > 1 and result.checked_again == sum(map(len, seen[0]))  # several linked groups, each checked on its own
    assert result.checked_again < result.files
    monkeypatch.setattr(parallel, "_entangled", lambda parts: [])
    assert rendered([str(ROOT / "fixtures")], jobs=3) != rendered([str(ROOT / "fixtures")], jobs=1, keep_project=True)


def _barrier_pipelines(folder: Path, count: int) -> str:
    """`count` pipelines of 8 parallel stages with barriers (their ordering graphs are built)."""
    for number in range(count):
        stages = "".join(
            f"""      - parallel:
          - stage: {{identifier: a{s}, name: a{s}, type: Custom, spec: {{execution: {{steps: [{{step: {{identifier: w, name: w, type: Barrier, spec: {{barrierRef: b{s}}}}}}}]}}}}}}
          - stage: {{identifier: b{s}, name: b{s}, type: Custom, spec: {{execution: {{steps: [{{step: {{identifier: w, name: w, type: Barrier, spec: {{barrierRef: b{s}}}}}}}]}}}}}}
"""
            for s in range(8)
        )
        barriers = "".join(f"          - {{identifier: b{s}, name: b{s}}}\n" for s in range(8))
        text = f"pipeline:\n  identifier: p{number}\n  name: p{number}\n  flowControl:\n    barriers:\n{barriers}  stages:\n{stages}"
        (folder / f"p{number:04}.yaml").write_text(text)
    return str(folder)


def test_memory_follows_the_largest_part_not_the_number_of_files(tmp_path, monkeypatch):
    """Twice the files, about the same working memory (the peak above what the result keeps: its
    findings grow with the files): each part is released before the next is read, with the
    cyclic collector off as in the console script (a reference cycle would keep a part)."""
    monkeypatch.setattr(parallel, "PART_BYTES", 40_000)
    peaks = {}
    for count in (40, 80):
        folder = tmp_path / str(count)
        folder.mkdir()
        _barrier_pipelines(folder, count)
        engine.check([str(folder)], keep_project=False)  # lazy imports and caches are paid first
        enabled = gc.isenabled()
        gc.disable()
        tracemalloc.start()
        try:
            result = engine.check([str(folder)], keep_project=False)
            kept, peak = tracemalloc.get_traced_memory()
            peaks[count] = peak - kept
        finally:
            tracemalloc.stop()
            if enabled:
                gc.enable()
        assert result.files == count and result.findings and not result.errors
    assert peaks[80] < 1.2 * peaks[40], peaks


def test_jobs_by_default_are_the_cores_only_when_the_files_pay_for_workers(monkeypatch):
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert parallel.jobs_for(parallel.WORKERS_PAY_FROM - 1) == 1
    assert parallel.jobs_for(parallel.WORKERS_PAY_FROM) == cores


def test_one_large_file_is_checked_without_workers(tmp_path, monkeypatch):
    """A file is never split: one file over WORKERS_PAY_FROM is one part, which workers cannot
    share (they used to be started for it, and the check ran in one of them)."""
    started = []
    checker = parallel._checker
    monkeypatch.setattr(parallel, "WORKERS_PAY_FROM", 100)
    monkeypatch.setattr(parallel, "PART_BYTES", 100)  # each file over it: a part of its own
    monkeypatch.setattr(parallel, "_checker", lambda jobs: started.append(jobs) or checker(jobs))
    _barrier_pipelines(tmp_path, 1)
    assert engine.check([str(tmp_path)], jobs=None, keep_project=False).findings
    _barrier_pipelines(tmp_path, 2)
    engine.check([str(tmp_path)], jobs=None, keep_project=False)
    assert started == [1, parallel.jobs_for(parallel.WORKERS_PAY_FROM)]


def test_a_named_file_that_is_not_harness_yaml_is_still_said_with_several_processes(tmp_path):
    (tmp_path / "other.yaml").write_text("name: not a pipeline\n")
    (tmp_path / "p.yaml").write_text("pipeline: {identifier: p, name: p, stages: []}\n")
    result = engine.check([str(tmp_path / "other.yaml"), str(tmp_path / "p.yaml")], jobs=2)
    assert any("not a Harness pipeline" in warning for warning in result.warnings)


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


def test_help_says_what_jobs_default_to():
    from helpers import run

    assert "default: the cores" in " ".join(run("check", "--help").output.split())


def test_a_file_that_cannot_be_read_again_for_its_linked_group_is_an_error(monkeypatch):
    def gone(item, max_size):
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(parallel, "read_again", gone)
    result = engine.check([str(ROOT / "fixtures")], keep_project=False)
    assert result.checked_again and len(result.errors) == result.checked_again
    assert all(error.endswith(parallel.CHANGED) for error in result.errors)


def test_a_check_leaves_no_reference_cycles():
    """The console runs with the cyclic collector off, and parts are released by reference
    counting alone: one cycle through a model element (a closure that calls itself, a graph
    caching views of itself) would keep its part's model and YAML nodes to the end."""
    for path in (str(Path(__file__).parent.parent / "fixtures"), str(CORPUS)):
        engine.check([path], keep_project=False)  # lazy imports and caches first
        gc.collect()
        enabled = gc.isenabled()
        gc.disable()
        try:
            engine.check([path], keep_project=False)
            assert gc.collect() == 0, path
        finally:
            if enabled:
                gc.enable()
