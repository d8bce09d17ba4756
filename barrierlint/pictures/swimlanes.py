"""A timeline as swimlanes (SVG, or an HTML page around it).

Virtual time runs left to right on a compressed axis: each gap between two events gets a
width that grows with the logarithm of its length, so a 10-hour timeout and a 5-second step
are both readable on one page. The axis is labelled with the real clock at every event.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from . import draw
from .timeline import FAILURE, LANE, QUIESCENCE, RELEASE, ROLLBACK, ROLLED_BACK, TIMEOUT, WAIT, Span, Timeline, clock_text

MARGIN = 16
TITLE_H = 44
AXIS_H = 26
LANE_H = 30
SPAN_H = 16
INDENT = 12
MAX_HEADING_W = 1600  # a longer title is cut rather than widening the picture further
MIN_TICK_GAP = 64  # pixels between two labelled ticks

MARK_COLOURS = {
    RELEASE: "#2e7d32",
    FAILURE: draw.COLOURS["failed"][1],
    TIMEOUT: draw.COLOURS["timeout"][1],
    ROLLED_BACK: draw.COLOURS["rollback"][1],
    QUIESCENCE: "#5f6b7a",
}


def _gap_width(seconds: float) -> float:
    return 0.0 if seconds <= 0 else 8 + 34 * math.log2(1 + seconds / 10)


class _Axis:
    def __init__(self, timeline: Timeline, left: float) -> None:
        times = {0.0, timeline.end}
        times.update(t for span in timeline.spans for t in (span.start, span.end))
        times.update(mark.time for mark in timeline.marks)
        self.times = sorted(times)
        self.x_of: dict[float, float] = {}
        x = left
        previous = self.times[0]
        for t in self.times:
            x += _gap_width(t - previous)
            self.x_of[t] = x
            previous = t
        self.right = x

    def x(self, t: float) -> float:
        return self.x_of[t]


def element(timeline: Timeline) -> ET.Element:
    widest = max((lane.depth * INDENT + draw.text_width(lane.label, 11, bold=True) for lane in timeline.lanes), default=0)
    left = MARGIN + min(max(widest + 24, 140), 320)
    axis = _Axis(timeline, left + 8)
    title = f"Simulated run of {timeline.title}"
    note = f"status {timeline.status} · ended at {clock_text(timeline.end)} · time axis compressed: gaps grow with their logarithm"
    heading = max(draw.text_width(title, 15, bold=True), draw.text_width(note, 10))
    width = max(axis.right + 40 + MARGIN, min(heading, MAX_HEADING_W) + 2 * MARGIN, 640)
    top = MARGIN + TITLE_H + AXIS_H
    rows = {lane: i for i, lane in enumerate(timeline.lanes)}
    bottom = top + len(rows) * LANE_H
    root = draw.svg_root(width, 0, title)
    draw.text(root, MARGIN, MARGIN + 16, title, "title", room=width - 2 * MARGIN)
    draw.text(root, MARGIN, MARGIN + 33, note, "note", room=width - 2 * MARGIN)

    ticks = draw.group(root, "axis")
    last = -MIN_TICK_GAP
    for t in axis.times:
        x = axis.x(t)
        draw.line(ticks, x, top - 6, x, bottom, "#eef1f5")
        if x - last >= MIN_TICK_GAP:
            draw.text(ticks, x, top - 10, clock_text(t), "note", anchor="middle")
            last = x

    lanes = draw.group(root, "lanes")
    for lane, row in rows.items():
        y = top + row * LANE_H
        g = draw.group(lanes, "lane", lane.label, **{"data-lane": lane.label})
        draw.rect(g, MARGIN, y, width - 2 * MARGIN, LANE_H, "#f7f9fb" if row % 2 else "#ffffff", "#e3e8ee", radius=0)
        draw.text(g, MARGIN + 6 + lane.depth * INDENT, y + 19, lane.label, "lane-label", room=left - MARGIN - 12 - lane.depth * INDENT)

    spans = draw.group(root, "spans")
    for span in sorted(timeline.spans, key=lambda s: s.kind != LANE):
        _span(spans, span, axis, top + rows[span.lane] * LANE_H)

    marks = draw.group(root, "marks")
    for mark in timeline.marks:
        colour = MARK_COLOURS[mark.kind]
        x = axis.x(mark.time)
        chosen = [rows[lane] for lane in mark.lanes if lane in rows]
        y1 = top + min(chosen) * LANE_H + 2 if chosen else top
        y2 = top + (max(chosen) + 1) * LANE_H - 2 if chosen else bottom
        tooltip = f"{clock_text(mark.time)} {mark.kind}: {mark.name}" + (f"\n{mark.detail}" if mark.detail else "")
        g = draw.group(marks, f"mark {mark.kind}", tooltip, **{"data-name": mark.name})
        draw.line(g, x, y1, x, y2, colour, 3 if mark.kind != QUIESCENCE else 1.5, dashed=mark.kind == QUIESCENCE)
        if mark.kind != ROLLED_BACK:
            draw.circle(g, x, y1, 4, colour)

    y = draw.legend(
        draw.group(root, "legend"),
        MARGIN,
        bottom + 22,
        [
            ("work", "work", False),
            ("waiting at a barrier", "wait", False),
            ("rollback", "rollback", True),
            ("failed", "failed", False),
            ("timed out", "timeout", False),
            ("skipped", "skipped", False),
        ],
        width - MARGIN,
    ) + draw.LEGEND_ROW
    x = MARGIN
    for kind in (RELEASE, FAILURE, TIMEOUT, QUIESCENCE):
        label = f"barrier {kind}" if kind != QUIESCENCE else "nothing can move"
        if x > MARGIN and x + 14 + draw.text_width(label, 10) > width - MARGIN:
            x, y = MARGIN, y + draw.LEGEND_ROW
        draw.line(root, x + 6, y - 9, x + 6, y + 3, MARK_COLOURS[kind], 3, dashed=kind == QUIESCENCE)
        draw.text(root, x + 14, y, label, "note")
        x += max(120, 14 + draw.text_width(label, 10) + 16)
    draw.resize(root, width, y + 10 + MARGIN)
    return root


_OUTCOME_KIND = {"failed": "failed", "errored": "failed", "aborted": "failed", "expired": "timeout", "skipped": "skipped"}


def _span(parent: ET.Element, span: Span, axis: _Axis, y: float) -> None:
    x1, x2 = axis.x(span.start), axis.x(span.end)
    waits_forever = span.outcome in ("running", "async_waiting")
    tooltip = f"{span.name}: {span.kind}, {span.outcome}" + (f" at barrier {span.barrier}" if span.barrier else "")
    attrs = {"data-lane": span.lane.label}
    if span.barrier:
        attrs["data-barrier"] = span.barrier
    g = draw.group(parent, f"span {'life' if span.kind == LANE else span.kind} {span.outcome}", tooltip, **attrs)
    if span.kind == LANE:  # the lane's life: a thin line under its steps
        stroke = draw.COLOURS[_OUTCOME_KIND.get(span.outcome, "work")][1]
        draw.line(g, x1, y + LANE_H - 5, max(x2, x1 + 2), y + LANE_H - 5, stroke, 2)
        return
    kind = _OUTCOME_KIND.get(span.outcome) or ("wait" if span.kind == WAIT else "rollback" if span.kind == ROLLBACK else "work")
    fill, stroke = draw.COLOURS[kind]
    width = max(x2 - x1, 3)
    draw.rect(g, x1, y + (LANE_H - SPAN_H) / 2 - 2, width, SPAN_H, fill, stroke, dashed=span.kind == ROLLBACK or waits_forever, radius=3)
    label = span.name
    if span.kind == WAIT:
        label = span.barrier + (" (waits forever)" if waits_forever else "")
    if width > 24:
        draw.text(g, x1 + 4, y + 17, label, "note", room=width - 6)


def render_svg(timeline: Timeline) -> str:
    return draw.svg_text(element(timeline))


def render_html(timeline: Timeline) -> str:
    e = draw.escape
    rows = "".join(
        f'<tr><td>{e(s.lane.label)}</td><td>{e(s.name)}</td><td>{clock_text(s.start)}</td><td>{clock_text(s.end)}</td>'
        f'<td class="{"ok" if s.outcome in ("succeeded", "skipped") else "bad"}">{e(s.outcome)}</td></tr>'
        for s in timeline.spans
        if s.kind == WAIT
    )
    marks = "".join(
        f'<li class="{m.kind}">{clock_text(m.time)} {e(m.kind)}: {e(m.name)}{(" — " + e(m.detail)) if m.detail else ""}</li>'
        for m in sorted(timeline.marks, key=lambda m: m.time)
    )
    body = [
        f"<h1>Simulated run of {e(timeline.title)}</h1>",
        f'<p class="sub">status {e(timeline.status)} · ended at {clock_text(timeline.end)}</p>',
        '<div class="picture">',
        element(timeline),
        "</div>",
        '<table class="waits"><tr><th>lane</th><th>barrier step</th><th>arrived</th><th>left</th><th>outcome</th></tr>',
        rows,
        "</table>",
        f'<ul class="marks">{marks}</ul>',
    ]
    return draw.html_page(f"{timeline.title}: simulated run", body)
