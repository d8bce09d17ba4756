"""The diagram as a self-contained HTML page: the SVG inline, the barriers and deadlocks listed."""

from __future__ import annotations

from . import draw, svg
from .layout import Layout


def render(layout: Layout) -> str:
    e = draw.escape
    rows = []
    for bar in layout.bars:
        participants = ", ".join(e(lane.label) for lane in bar.lanes)
        state = _state(bar)
        css = ' class="bad"' if state != "synchronizes" else ""
        rows.append(f'<tr data-barrier="{e(bar.ref)}"><td>{e(bar.title)}</td><td>{len(bar.cells)}</td><td>{participants}</td><td{css}>{state}</td></tr>')
    witnesses = "".join(
        f"<li><b>{'deadlock' if w.must else 'possible deadlock'} at {e(', '.join(w.barriers))}</b>"
        + "".join(f"<br>{e(line)}" for line in w.lines)
        + "</li>"
        for w in layout.witnesses
    )
    body = [
        f"<h1>{e(layout.title)}</h1>",
        f'<p class="sub">{e(layout.path)} · {len(layout.lanes)} lanes · {len(layout.bars)} barriers</p>',
        '<div class="picture">',
        svg.element(layout),
        "</div>",
        f'<ul class="witness">{witnesses}</ul>' if witnesses else "",
        '<table class="barriers"><tr><th>barrier</th><th>barrier steps</th><th>lanes</th><th>state</th></tr>',
        "".join(rows),
        "</table>",
    ]
    return draw.html_page(f"{layout.title}: barrier diagram", body)


def _state(bar) -> str:
    if bar.deadlock:
        return "deadlock"
    if not bar.declared:
        return "not declared"
    if not bar.aligned:
        return "participants can never meet"
    if len(bar.cells) == 1:
        return "one participant: passes at once"
    return "synchronizes"
