"""A timeline in the Chrome trace event format (JSON), which Perfetto and chrome://tracing open.

One process per pipeline run, one thread per lane (stage, step group, loop copy); complete
events ("X") for the lane's life, work, waits and rollback, nested as they happened; instant
events ("i") for barrier releases, failures, timeouts, rollbacks and quiescence.
"""

from __future__ import annotations

import json

from .timeline import LANE, Timeline

MICROSECONDS = 1_000_000


def render(timeline: Timeline) -> str:
    pids = {process: index + 1 for index, process in enumerate(dict.fromkeys(lane.process for lane in timeline.lanes))}
    tids = {lane: index + 1 for index, lane in enumerate(timeline.lanes)}
    events: list[dict] = []
    for process, pid in pids.items():
        events.append({"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": f"pipeline {process}"}})
    for lane, tid in tids.items():
        pid = pids[lane.process]
        events.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid, "args": {"name": lane.label}})
        events.append({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid, "args": {"sort_index": tid}})
    for span in sorted(timeline.spans, key=lambda s: (s.start, s.kind != LANE, -s.end)):
        args = {"outcome": span.outcome}
        if span.barrier:
            args["barrier"] = span.barrier
        events.append(
            {
                "ph": "X",
                "name": f"wait at {span.barrier}" if span.barrier else span.name,
                "cat": span.kind,
                "ts": _us(span.start),
                "dur": _us(span.end - span.start),
                "pid": pids[span.lane.process],
                "tid": tids[span.lane],
                "args": args,
            }
        )
    first_pid = next(iter(pids.values()), 1)
    for mark in sorted(timeline.marks, key=lambda m: m.time):
        name = f"{mark.name} {mark.kind}" if mark.kind != "quiescence" else f"quiescence: {mark.name}"
        common = {"ph": "i", "name": name, "cat": mark.kind, "ts": _us(mark.time), "args": {"detail": mark.detail}}
        if not mark.lanes:
            events.append({**common, "s": "p", "pid": first_pid, "tid": 0})
        for lane in mark.lanes:
            events.append({**common, "s": "t", "pid": pids[lane.process], "tid": tids[lane]})
    document = {"traceEvents": events, "displayTimeUnit": "ms", "otherData": {"pipeline": timeline.title, "status": timeline.status}}
    return json.dumps(document, indent=1) + "\n"


def _us(seconds: float) -> float:
    return round(seconds * MICROSECONDS, 3)
