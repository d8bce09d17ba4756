"""The diagram as a Mermaid flowchart: a subgraph per lane, a node per barrier joining the lanes."""

from __future__ import annotations

from ..terminal import guard, printable
from . import draw
from .layout import Cell, Frame, Layout, frames


def render(layout: Layout) -> str:
    lines = [f"%% barrierlint graph: {printable(layout.title)} ({printable(layout.path)})", "flowchart LR"]  # a comment ends at a line break
    for frame in frames(layout):
        _frame(lines, layout, frame, "  ")
    for bar in layout.bars:
        if bar.aligned:
            lines.append(f"  {bar.id}{{{{\"{_text(bar.title)}\"}}}}")
    for source, target in layout.edges:
        lines.append(f"  {source} --> {target}")
    links = len(layout.edges)
    red = []
    for bar in layout.bars:
        if not bar.aligned:  # participants that can never meet: a dotted link between them
            for first, second in zip(bar.cells, bar.cells[1:]):
                lines.append(f"  {first.id} -. {_link(bar.ref)} .- {second.id}")
                if bar.deadlock:
                    red.append(str(links))
                links += 1
    if red:
        lines.append(f"  linkStyle {','.join(red)} stroke:{draw.COLOURS['deadlock'][1]},stroke-width:2px")
    lines.extend(_classes(layout))
    return guard("\n".join(lines) + "\n", "#58;", "#35;")


def _frame(lines: list[str], layout: Layout, frame: Frame, indent: str) -> None:
    if frame.block is not None:
        lines.append(f'{indent}subgraph P{layout.number(frame.block)}["{_text(frame.block.label)}"]')
    else:
        lane = frame.lane
        own = layout.own_cells(lane)
        if not own and not frame.children and not lane.locks:
            return  # a lane whose only cell is a whole bar: the bar node stands for it (unless it holds a lock)
        title = " · ".join((lane.label,) + lane.description)
        lines.append(f'{indent}subgraph {lane.id}["{_text(title)}"]')
        lines.append(f"{indent}  direction LR")
        lines.extend(f"{indent}  {cell.id}{_shape(cell)}" for cell in own)
    for child in frame.children:
        _frame(lines, layout, child, indent + "  ")
    lines.append(f"{indent}end")


def _shape(cell: Cell) -> str:
    label = ("rollback: " if cell.rollback else "") + (cell.ref if cell.kind == "barrier" else cell.label)
    if cell.kind == "barrier":
        return f'{{{{"{_text(label)}"}}}}'
    return f'["{_text(label)}"]'


def _classes(layout: Layout) -> list[str]:
    styles = {
        "work": draw.COLOURS["work"],
        "rollback": draw.COLOURS["rollback"],
        "barrier": draw.COLOURS["barrier"],
        "deadlock": draw.COLOURS["deadlock"],
    }
    lines = []
    for name, (fill, stroke) in styles.items():
        colour = ",color:#ffffff" if name == "barrier" else ""
        lines.append(f"  classDef {name} fill:{fill},stroke:{stroke}{colour}")
    lines.append(f"  classDef blocked fill:{draw.COLOURS['failed'][0]},stroke:{draw.COLOURS['failed'][1]},stroke-width:3px")
    members: dict[str, list[str]] = {}
    for cell in layout.cells:
        if layout.node(cell) == cell.id:
            members.setdefault(_class(cell, [cell]), []).append(cell.id)
    for bar in layout.bars:
        if bar.aligned:
            members.setdefault(_class(bar.cells[0], bar.cells), []).append(bar.id)
    for name, nodes in members.items():
        lines.append(f"  class {','.join(nodes)} {name}")
    return lines


def _class(cell: Cell, participants: list[Cell]) -> str:
    if cell.kind == "work":
        return "rollback" if cell.rollback else "work"
    if any(c.blocked for c in participants):
        return "blocked"
    return "deadlock" if cell.bar.deadlock else "barrier"


def _text(content: str) -> str:
    """Mermaid label text (inside quotes): control characters shown as the terminal shows them
    (a line break would end the statement), `#` (which starts Mermaid's entity codes), quotes
    and angle brackets as entity codes."""
    content = printable(content).replace("#", "#35;")
    return content.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _link(content: str) -> str:
    """Link text, which Mermaid reads unquoted up to `.-`: every character but letters, digits,
    `_` and blanks as a numeric entity code."""
    return "".join(c if c.isalnum() or c in "_ " else f"#{ord(c)};" for c in printable(content))
