"""The diagram as Graphviz DOT: a cluster per lane, a tall bar node per barrier joining them."""

from __future__ import annotations

from ..terminal import guard, printable
from . import draw
from .layout import Cell, Frame, Layout, frames

BAR_HEIGHT = 0.45  # inches of bar per participant lane


def render(layout: Layout) -> str:
    lines = [
        f"// barrierlint graph: {printable(layout.title)} ({printable(layout.path)})",  # a comment ends at a line break
        f"digraph {_quote(layout.title)} {{",
        f"  graph [rankdir=LR, newrank=true, forcelabels=true, fontname=Helvetica, fontsize=12, labelloc=t, label={_quote(layout.title)}];",
        f'  node [fontname=Helvetica, fontsize=10, shape=box, style="rounded,filled", fillcolor="{draw.COLOURS["work"][0]}", color="{draw.COLOURS["work"][1]}"];',
        '  edge [color="#8a96a3", arrowsize=0.6, fontname=Helvetica, fontsize=9];',
    ]
    for frame in frames(layout):
        _frame(lines, layout, frame, "  ")
    for bar in layout.bars:
        if bar.aligned:
            colour = _barrier_colour(bar.deadlock, any(c.blocked for c in bar.cells))
            height = max(len(bar.lanes), 1) * BAR_HEIGHT
            lines.append(
                f'  {bar.id} [label="", xlabel={_quote(bar.ref)}, shape=box, style=filled, fixedsize=true, width=0.12, height={height:.2f}, '

                f"{colour}, tooltip={_quote(f'barrier {bar.title}: ' + ', '.join(l.label for l in bar.lanes))}];"
            )
    for source, target in layout.edges:
        lines.append(f"  {source} -> {target};")
    for bar in layout.bars:
        if not bar.aligned:  # participants that can never meet: a dashed link between them
            colour = draw.COLOURS["deadlock"][1] if bar.deadlock else draw.COLOURS["barrier"][1]
            for first, second in zip(bar.cells, bar.cells[1:]):
                lines.append(f'  {first.id} -> {second.id} [dir=none, style=dashed, constraint=false, color="{colour}", label={_quote(bar.ref)}];')
    lines.append("}")
    return guard("\n".join(lines) + "\n", sharp="&#35;")  # Graphviz reads entities in labels


def _frame(lines: list[str], layout: Layout, frame: Frame, indent: str) -> None:
    if frame.block is not None:
        name = f"cluster_P{layout.number(frame.block)}"
        fill, stroke = draw.COLOURS["parallel"]
        lines.append(f'{indent}subgraph {name} {{ label={_quote(frame.block.label)}; style="rounded,filled"; fillcolor="{fill}"; color="{stroke}";')
    else:
        lane = frame.lane
        title = "\\n".join(_escape(part) for part in (lane.label,) + lane.description)
        style = '"rounded,dashed"' if lane.loop or lane.when else "rounded"
        lines.append(f'{indent}subgraph cluster_{lane.id} {{ label="{title}"; style={style}; color="#9aa5b1";')
        for cell in layout.own_cells(lane):
            lines.append(f"{indent}  {cell.id} {_node(cell)};")
    for child in frame.children:
        _frame(lines, layout, child, indent + "  ")
    lines.append(f"{indent}}}")


def _node(cell: Cell) -> str:
    tooltip = _quote(", ".join(cell.steps) if cell.kind == "work" else f"waits at {cell.bar.title}")
    if cell.kind == "barrier":
        label = ("rollback: " if cell.rollback else "") + cell.ref
        return f"[label={_quote(label)}, shape=box, style=filled, {_barrier_colour(cell.bar.deadlock, cell.blocked)}, tooltip={tooltip}]"
    if cell.rollback:
        fill, stroke = draw.COLOURS["rollback"]
        return f'[label={_quote("rollback: " + cell.label)}, style="rounded,filled,dashed", fillcolor="{fill}", color="{stroke}", tooltip={tooltip}]'
    return f"[label={_quote(cell.label)}, tooltip={tooltip}]"


def _barrier_colour(deadlock: bool, blocked: bool) -> str:
    if blocked:
        fill, stroke = draw.COLOURS["failed"]
        return f'fillcolor="{fill}", color="{stroke}", penwidth=3, fontcolor="#000000"'
    if deadlock:
        fill, stroke = draw.COLOURS["deadlock"]
        return f'fillcolor="{fill}", color="{stroke}", penwidth=2, fontcolor="#000000"'
    fill, stroke = draw.COLOURS["barrier"]
    return f'fillcolor="{fill}", color="{stroke}", fontcolor="#ffffff"'


def _escape(content: str) -> str:
    """Text inside a DOT string: line breaks as DOT's `\\n`, other control characters shown as
    the terminal shows them."""
    return printable(content, keep="\n").replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _quote(content: str) -> str:
    return f'"{_escape(content)}"'
