"""The diagram as a self-contained SVG: lanes as rows, columns in execution order, bars across."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from . import draw
from .layout import Bar, Cell, Layout

MARGIN = 16
TITLE_H = 44
LANE_H = 38
COL_W = 112
CELL_W = 98
MAX_CELL_W = 420  # about 50 characters: a longer label is cut, and its tooltip holds it whole
MAX_HEADING_W = 1600  # a longer title or summary is cut rather than widening the picture further
CELL_H = 24
INDENT = 12
WITNESS_LINE_H = 16


class _Grid:
    """Where rows and columns are on the page. Columns are as wide as the longest cell label
    needs (up to MAX_CELL_W, beyond which labels are cut and shown whole in the tooltip)."""

    def __init__(self, layout: Layout) -> None:
        widest = max((lane.depth * INDENT + draw.text_width(lane.label, 11, bold=True) for lane in layout.lanes), default=0)
        notes = max((lane.depth * INDENT + draw.text_width(" · ".join(lane.description), 10) for lane in layout.lanes), default=0)
        self.label_w = min(max(widest + 24, notes + 24, 140), 320)
        labels = max((draw.text_width(_cell_label(cell), 11, bold=cell.kind == "barrier") for cell in layout.cells), default=0)
        self.cell_w = min(max(CELL_W, labels + 16), MAX_CELL_W)
        self.col_w = self.cell_w + COL_W - CELL_W
        self.row = {lane: i for i, lane in enumerate(layout.lanes)}
        self.left = MARGIN + self.label_w
        self.top = MARGIN + TITLE_H

    def x(self, column: int) -> float:
        """Left edge of a cell in this column."""
        return self.left + column * self.col_w + (self.col_w - self.cell_w) / 2

    def y(self, row: int) -> float:
        """Top edge of a lane's row."""
        return self.top + row * LANE_H

    def centre(self, cell: Cell) -> tuple[float, float]:
        return self.x(cell.column) + self.cell_w / 2, self.y(self.row[cell.lane]) + LANE_H / 2


def element(layout: Layout) -> ET.Element:
    """The picture; it is as wide as its columns, title and summary need (at least 640 pixels),
    and the legend and witness lines wrap within that width."""
    grid = _Grid(layout)
    summary = f"{layout.path} · {len(layout.lanes)} lanes · {len(layout.bars)} barriers"
    if layout.witnesses:
        summary += f" · {len(layout.witnesses)} deadlock{'s' if len(layout.witnesses) > 1 else ''}"
    heading = max(draw.text_width(layout.title, 15, bold=True), draw.text_width(summary, 10))
    width = max(grid.left + max(layout.columns, 1) * grid.col_w + MARGIN, min(heading, MAX_HEADING_W) + 2 * MARGIN, 640)
    root = draw.svg_root(width, 0, f"Barrier diagram of {layout.title}")
    draw.text(root, MARGIN, MARGIN + 16, layout.title, "title", room=width - 2 * MARGIN)
    draw.text(root, MARGIN, MARGIN + 33, summary, "note", room=width - 2 * MARGIN)
    _lanes(root, layout, grid, width)
    _blocks(root, layout, grid)
    bars = draw.group(root, "bars")
    for bar in layout.bars:
        _bar(bars, bar, grid)
    cells = draw.group(root, "cells")
    for cell in layout.cells:
        _cell(cells, cell, grid)
    bottom = _footer(root, layout, grid.y(len(layout.lanes)) + 20, width)
    draw.resize(root, width, bottom + MARGIN)
    return root


def render(layout: Layout) -> str:
    return draw.svg_text(element(layout))


def _lanes(root: ET.Element, layout: Layout, grid: _Grid, width: float) -> None:
    lanes = draw.group(root, "lanes")
    for lane, row in grid.row.items():
        y = grid.y(row)
        g = draw.group(lanes, "lane", "\n".join((lane.label,) + lane.description), **{"data-lane": lane.label})
        draw.rect(g, MARGIN, y, width - 2 * MARGIN, LANE_H, "#f7f9fb" if row % 2 else "#ffffff", "#e3e8ee", radius=0, dashed=lane.when is not None)
        indent = MARGIN + 6 + lane.depth * INDENT
        room = grid.label_w - 10 - lane.depth * INDENT
        draw.text(g, indent, y + 16, lane.label, "lane-label", room=room)
        draw.text(g, indent, y + 29, " · ".join(lane.description), "note", room=room)


def _blocks(root: ET.Element, layout: Layout, grid: _Grid) -> None:
    blocks = draw.group(root, "blocks")
    for block in sorted(layout.blocks, key=lambda b: b.kind != "parallel"):
        rows = [grid.row[lane] for lane in block.lanes]
        first, last = block.columns
        x = grid.x(first) - 6
        y = grid.y(min(rows)) + 2
        w = (last - first) * grid.col_w + grid.cell_w + 12
        h = (max(rows) - min(rows) + 1) * LANE_H - 4
        fill, stroke = draw.COLOURS[block.kind]
        g = draw.group(blocks, f"block {block.kind}", block.label)
        draw.rect(g, x, y, w, h, fill, stroke, dashed=block.kind == "loop", radius=6, width=1.5)


def _bar(parent: ET.Element, bar: Bar, grid: _Grid) -> None:
    """A bar across the lanes of its participants; broken (dashed) when they can never meet."""
    colour = draw.COLOURS["deadlock"][1] if bar.deadlock else draw.COLOURS["barrier"][1]
    state = "deadlock" if bar.deadlock else ("broken" if not bar.aligned else "whole")
    tooltip = f"barrier {bar.title}: {len(bar.cells)} participant(s) in " + ", ".join(lane.label for lane in bar.lanes)
    if not bar.aligned:
        tooltip += "\nits participants can never wait at it together"
    g = draw.group(parent, f"bar {state}", tooltip, **{"data-barrier": bar.ref})
    points = sorted((grid.centre(cell) for cell in bar.cells), key=lambda p: (p[1], p[0]))
    if len(points) == 1:
        return
    if bar.aligned:
        x = points[0][0]
        draw.line(g, x, points[0][1], x, points[-1][1], colour, 5, dashed=not bar.declared)
    else:
        for (x1, y1), (x2, y2) in zip(points, points[1:]):
            draw.line(g, x1, y1, x2, y2, colour, 2.5, dashed=True)


def _cell(parent: ET.Element, cell: Cell, grid: _Grid) -> None:
    x, y = grid.x(cell.column), grid.y(grid.row[cell.lane]) + (LANE_H - CELL_H) / 2
    width = grid.cell_w
    if cell.kind == "barrier":
        bar = cell.bar
        kind = "failed" if cell.blocked else "deadlock" if bar.deadlock else "rollback" if cell.rollback else "barrier"
        fill, stroke = draw.COLOURS[kind]
        if kind == "rollback":
            fill = stroke  # a barrier step in rollback: dark like a barrier, in the rollback colour
        classes = "cell barrier" + (" blocked" if cell.blocked else "") + (" rollback" if cell.rollback else "")
        tooltip = f"Barrier step {cell.origin.route[-1] if cell.origin.route else ''} waits at {bar.title}"
        if cell.blocked:
            tooltip += "\nblocked: waits here forever (until its timeout)"
        if not bar.declared:
            tooltip += "\nthis barrier is not declared in flowControl.barriers"
        g = draw.group(parent, classes, tooltip, **{"data-barrier": cell.ref, "data-lane": cell.lane.label})
        if cell.rollback:  # whatever its state, a rollback position keeps the rollback outline
            stroke = draw.COLOURS["rollback"][1]
        draw.rect(g, x, y, width, CELL_H, fill, stroke, radius=CELL_H / 2, width=2.5 if cell.blocked or cell.rollback else 1, dashed=cell.rollback)
        light = kind in ("failed", "deadlock")
        label = _cell_label(cell)
        draw.text(g, x + width / 2, y + 16, label, "cell-text" if light else "bar-text", anchor="middle", room=width - 14)
        if cell.blocked:
            draw.circle(g, x + width - 2, y + 2, 7, stroke)
            draw.text(g, x + width - 2, y + 6, "!", "bar-text", anchor="middle")
        return
    kind = "rollback" if cell.rollback else "work"
    fill, stroke = draw.COLOURS[kind]
    names = "\n".join(cell.steps[:30]) + ("\n…" if len(cell.steps) > 30 else "")
    g = draw.group(parent, f"cell work{' rollback' if cell.rollback else ''}", names, **{"data-lane": cell.lane.label})
    draw.rect(g, x, y, width, CELL_H, fill, stroke, dashed=cell.rollback)
    label = _cell_label(cell)
    draw.text(g, x + width / 2, y + 16, label, "cell-text", anchor="middle", room=width - 8)


def _cell_label(cell: Cell) -> str:
    if cell.kind == "barrier":
        return cell.ref if cell.bar.declared else f"{cell.ref} ?"
    return ("rollback: " if cell.rollback else "") + cell.label


def _witness_lines(layout: Layout) -> list[str]:
    lines = []
    for witness in layout.witnesses:
        kind = "deadlock" if witness.must else "possible deadlock"
        lines.append(f"{kind} at {', '.join(witness.barriers)}:")
        lines.extend(f"· {line}" for line in witness.lines)
    return lines


def _footer(root: ET.Element, layout: Layout, y: float, width: float) -> float:
    """The legend, then the witness lines wrapped to the width; returns the bottom."""
    footer = draw.group(root, "legend")
    y = draw.legend(
        footer,
        MARGIN,
        y,
        [
            ("ordinary steps", "work", False),
            ("barrier step (bar joins its participants)", "barrier", False),
            ("rollback steps", "rollback", True),
            ("parallel group", "parallel", False),
            ("loop", "loop", True),
            ("barrier in a deadlock", "deadlock", False),
            ("blocked: waits forever", "failed", False),
        ],
        width - MARGIN,
    )
    witness = draw.group(root, "witnesses")
    y += 4
    for content in _witness_lines(layout):
        indent = 10 if content.startswith("·") else 0
        for line in draw.wrap(content, width - 2 * MARGIN - indent - 10):
            y += WITNESS_LINE_H
            draw.text(witness, MARGIN + indent, y, line, "witness")
            indent = 20 if indent else 10  # continuation lines stand under the text, not the bullet
    return y + 8
