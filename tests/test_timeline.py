"""Timelines: swimlane SVG/HTML and the Chrome trace of a run, from a hand-made timeline and,
when the reference runtime is present, from a real simulated run."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from barrierlint.pictures import chrome, swimlanes
from barrierlint.pictures.timeline import FAILURE, LANE, QUIESCENCE, RELEASE, ROLLBACK, ROLLED_BACK, TIMEOUT, WAIT, WORK, Lane, Mark, Span, Timeline

from expectations import ROOT

SVG = "{http://www.w3.org/2000/svg}"


def _timeline() -> Timeline:
    """Two stages meet at `ready` after 2 min; `db` then hangs at `done` until its 10 h timeout."""
    api, db = Lane("p/api", "api", 0, "p"), Lane("p/db", "db", 0, "p")
    spans = [
        Span(api, LANE, "api", 0, 180, "failed"),
        Span(api, WORK, "build", 0, 60, "succeeded"),
        Span(api, WAIT, "wait_ready", 60, 120, "succeeded", "ready"),
        Span(api, WORK, "deploy", 120, 180, "failed"),
        Span(api, ROLLBACK, "undo", 180, 200, "succeeded"),
        Span(db, LANE, "db", 0, 36120, "expired"),
        Span(db, WAIT, "wait_ready", 0, 120, "succeeded", "ready"),
        Span(db, WAIT, "wait_done", 120, 36120, "expired", "done"),
    ]
    marks = [
        Mark((api, db), 120, RELEASE, "ready"),
        Mark((api,), 180, FAILURE, "deploy", "exit code 1"),
        Mark((api,), 180, ROLLED_BACK, "api", "StageRollback"),
        Mark((), 200, QUIESCENCE, "nothing can move", "blocked: db.wait_done"),
        Mark((db,), 36120, TIMEOUT, "done"),
    ]
    return Timeline("p", [api, db], spans, marks, 36120, "failed")


def _groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if cls in g.get("class", "").split()]


def test_swimlane_svg_has_lanes_waits_and_marks():
    root = ET.fromstring(swimlanes.render_svg(_timeline()).split("\n", 1)[1])
    assert [g.get("data-lane") for g in _groups(root, "lane")] == ["api", "db"]
    waits = [(g.get("data-lane"), g.get("data-barrier"), g.get("class")) for g in _groups(root, "wait")]
    assert ("db", "done", "span wait expired") in waits and len(waits) == 3
    kinds = sorted(g.get("class") for g in _groups(root, "mark"))
    assert kinds == ["mark failure", "mark quiescence", "mark release", "mark rollback", "mark timeout"]
    # the release mark crosses both lanes at the moment both waits end
    (release,) = _groups(root, "release")
    (line,) = release.iter(f"{SVG}line")
    wait_end = {g.get("data-lane"): g for g in _groups(root, "wait") if g.get("class") == "span wait succeeded"}
    rect = next(wait_end["api"].iter(f"{SVG}rect"))
    assert float(rect.get("x")) + float(rect.get("width")) == pytest.approx(float(line.get("x1")), abs=0.2)
    # the 10-hour wait does not crush the 1-minute steps: a log-compressed axis
    build = next(g for g in _groups(root, "work") if "build" in (g.findtext(f"{SVG}title") or ""))
    assert float(next(build.iter(f"{SVG}rect")).get("width")) > 60


def test_swimlane_html_is_a_self_contained_page():
    page = swimlanes.render_html(_timeline())
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<script" not in page
    assert "10:02:00" in page  # the wait at `done` ends at its timeout (clock of the run)


def test_chrome_trace_opens_in_perfetto_shape():
    document = json.loads(chrome.render(_timeline()))
    events = document["traceEvents"]
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert names == {"api", "db"}
    complete = [e for e in events if e["ph"] == "X"]
    assert all(e["dur"] >= 0 and isinstance(e["ts"], (int, float)) for e in complete)
    wait = next(e for e in complete if e["name"] == "wait at done")
    assert wait["ts"] == 120_000_000 and wait["dur"] == 36_000_000_000 and wait["args"]["outcome"] == "expired"
    instants = {(e["cat"], e["s"]) for e in events if e["ph"] == "i"}
    assert ("release", "t") in instants and ("quiescence", "p") in instants


def test_timeline_of_a_simulated_run():
    runtime = pytest.importorskip("barrierlint.runtime", reason="the reference runtime is not on this branch yet")
    from barrierlint.engine import load_pipeline
    from barrierlint.pictures.timeline import from_runs

    _, pipeline = load_pipeline(str(ROOT / "tests" / "pictures" / "release.yaml"))
    timeline = from_runs([runtime.simulate(pipeline)])
    labels = [lane.label for lane in timeline.lanes]
    assert labels.index("deploy_api[0] > canary") == labels.index("deploy_api[0]") + 1
    fates = {(m.kind, m.name) for m in timeline.marks}
    assert (RELEASE, "artifacts") in fates and (TIMEOUT, "traffic") in fates and (QUIESCENCE, "nothing can move") in fates
    root = ET.fromstring(swimlanes.render_svg(timeline).split("\n", 1)[1])
    assert len(_groups(root, "lane")) == len(timeline.lanes)
