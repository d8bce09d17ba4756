"""A simulated run as swimlanes: what each stage and step group did, and when.

`Timeline` is the small interface the swimlane and Chrome-trace renderers draw: lanes (stages
and step groups, each loop copy its own), spans (work, waiting at a barrier, rollback work, and
the lane's own life) and marks (a barrier's release, failure or timeout across the lanes that
waited; a step failure or timeout; a rollback; quiescence). `from_runs` reads it off the
reference runtime's `Run` objects (`barrierlint.runtime.simulate`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ..runtime.simulator import clock_text

# span kinds
LANE, WORK, WAIT, ROLLBACK = "lane", "work", "wait", "rollback"
# mark kinds
RELEASE, FAILURE, TIMEOUT, ROLLED_BACK, QUIESCENCE = "release", "failure", "timeout", "rollback", "quiescence"

_BARRIER_FATES = {"DOWN": RELEASE, "ENDURE": FAILURE, "TIMED_OUT": TIMEOUT}  # runtime barrier states


@dataclass(frozen=True)
class Lane:
    id: str
    label: str
    depth: int
    process: str  # the pipeline run it belongs to


@dataclass(frozen=True)
class Span:
    lane: Lane
    kind: str  # lane | work | wait | rollback
    name: str
    start: float  # seconds of virtual time
    end: float
    outcome: str  # the final status, lower case ("succeeded", "expired", ...); "running" if it never ended
    barrier: str | None = None  # the barrier a wait span waits at


@dataclass(frozen=True)
class Mark:
    lanes: tuple[Lane, ...]  # empty: the whole run
    time: float
    kind: str  # release | failure | timeout | rollback | quiescence
    name: str
    detail: str = ""


@dataclass
class Timeline:
    title: str
    lanes: list[Lane] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    end: float = 0.0
    status: str = ""


def from_runs(runs: list) -> Timeline:
    """The timeline of one or more simulated runs (one process per pipeline)."""
    titles = [run.pipeline.label for run in runs]
    timeline = Timeline(", ".join(titles), status=", ".join(run.status.lower() for run in runs))
    for run in runs:
        _add_run(timeline, run, prefix=len(runs) > 1)
    return timeline


def _add_run(timeline: Timeline, run, prefix: bool) -> None:
    process = run.pipeline.label
    lanes: dict[int, Lane] = {}  # id(node) of a stage or step group -> its lane
    order: dict[Lane | None, tuple[int, ...]] = {}  # a lane right after its parent's lane

    def lane_of(node) -> Lane | None:
        while node is not None and id(node) not in lanes:
            node = node.parent
        return lanes.get(id(node)) if node is not None else None

    arrivals = {event["node"]: event["barrier"] for event in run.events if event["event"] == "arrive"}
    waits: dict[str, list[tuple[Span, object]]] = {}
    for node in run.nodes:
        end = node.ended if node.ended is not None else run.ended
        kind = type(node.element).__name__
        if kind in ("Stage", "StepGroup"):
            label = node.label.replace(".", " > ")
            lane = Lane(f"{process}/{node.label}", f"{process}: {label}" if prefix else label, node.label.count("."), process)
            lanes[id(node)] = lane
            order[lane] = order.get(lane_of(node.parent), ()) + (len(order),)
            timeline.lanes.append(lane)
            timeline.spans.append(Span(lane, LANE, label, node.started, end, node.status.lower()))
            continue
        lane = lane_of(node.parent)
        if lane is None:
            continue
        name = getattr(node.element, "label", "?")
        barrier = arrivals.get(node.label) if getattr(node.element, "is_barrier", False) else None
        span_kind = WAIT if barrier is not None else ROLLBACK if node.rollback else WORK
        span = Span(lane, span_kind, name, node.started, end, node.status.lower(), barrier)
        timeline.spans.append(span)
        if barrier is not None:
            waits.setdefault(barrier, []).append((span, node))
        elif node.status in ("FAILED", "EXPIRED") and node.ended is not None:
            fate = TIMEOUT if node.status == "EXPIRED" else FAILURE
            timeline.marks.append(Mark((lane,), node.ended, fate, name, node.message))
    for event in run.events:
        kind = event["event"]
        if kind == "barrier" and event.get("state") in _BARRIER_FATES:
            at = event["t"]
            waited = tuple(dict.fromkeys(s.lane for s, _ in waits.get(event["barrier"], []) if s.start <= at <= s.end))
            cause = f"decided by {event['cause']}" if event.get("cause") else ""
            timeline.marks.append(Mark(waited, at, _BARRIER_FATES[event["state"]], event["barrier"], cause))
        elif kind == "rollback":
            lane = next((l for l in timeline.lanes if l.id == f"{process}/{event['node']}"), None)
            timeline.marks.append(Mark((lane,) if lane else (), event["t"], ROLLED_BACK, event["node"], event.get("action", "")))
        elif kind == "quiescence":
            parts = [f"{what}: {', '.join(event[what])}" for what in ("blocked", "held", "queued") if event.get(what)]  # locks held, stages queued on them
            timeline.marks.append(Mark((), event["t"], QUIESCENCE, "nothing can move", "; ".join(parts)))
    first = len(timeline.lanes) - len(lanes)
    timeline.lanes[first:] = sorted(timeline.lanes[first:], key=order.__getitem__)
    timeline.end = max(timeline.end, run.ended)
