"""Lanes, cells and barrier bars of a pipeline diagram, computed once for every format.

A lane is a stage, or a step group or parallel branch that holds Barrier steps, in document
(execution) order. A cell is either a run of ordinary steps (work) or one Barrier step. Cells are
placed in columns by the longest chain of cells before them, and all participants of a barrier
share one column: the bar across their lanes. When the participants cannot meet because each is
ordered after another (crossed barriers, a barrier reused in sequence, rollback against normal
flow), the barrier's cells keep their own columns and its bar is drawn broken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable

from ..model import Item, Origin, Parallel, Pipeline, Sequence, Stage, Step, StepGroup, Strategy, children

PARENT = "parent."  # a chained child joins its parent's barrier with `parent.<id>`


@dataclass(eq=False)
class Lane:
    id: str
    label: str
    depth: int  # 0 for a stage, one more per enclosing step group, branch or chained stage
    origin: Origin
    parent: "Lane | None" = None  # the stage or branch lane it belongs to
    notes: tuple[str, ...] = ()  # stage type, template, chained pipeline
    loop: str | None = None  # the looping strategy, e.g. "matrix of 6 combinations, 2 at a time"
    when: str | None = None  # the condition that may skip it
    locks: tuple[str, ...] = ()  # the locks it holds and how long, who it is queued behind

    @property
    def description(self) -> tuple[str, ...]:
        return self.notes + ((f"↻ {self.loop}",) if self.loop else ()) + ((f"when {self.when}",) if self.when else ()) + self.locks


@dataclass(eq=False)
class Cell:
    id: str
    lane: Lane
    kind: str  # "work" or "barrier"
    label: str
    origin: Origin
    rollback: bool = False
    steps: tuple[str, ...] = ()  # the ordinary steps a work cell stands for
    ref: str | None = None  # the barrier a barrier cell waits at
    column: int = 0
    bar: "Bar | None" = None
    blocked: bool = False  # waits forever (from the ordering analysis)


@dataclass(eq=False)
class Bar:
    """One barrier: the cells that wait at it, drawn as a bar across their lanes."""

    id: str
    ref: str
    name: str | None  # the declared display name, when it differs from the identifier
    cells: list[Cell]
    declared: bool = True
    aligned: bool = True  # False: the participants can never be at the barrier together
    deadlock: bool = False

    @property
    def lanes(self) -> list[Lane]:
        return list(dict.fromkeys(cell.lane for cell in self.cells))

    @property
    def title(self) -> str:
        if not self.declared:
            return f"{self.ref} (not declared)"
        return f"{self.ref} ({self.name})" if self.name else self.ref


@dataclass(eq=False)
class Block:
    """A frame around lanes: a parallel group or a loop."""

    kind: str  # "parallel" or "loop"
    label: str
    lanes: list[Lane]
    cells: list[Cell]
    inline: bool = False  # some branches run inside the enclosing lane (its own steps)

    @property
    def columns(self) -> tuple[int, int]:
        columns = [cell.column for cell in self.cells] or [0]
        return min(columns), max(columns)


@dataclass(frozen=True)
class Witness:
    """A deadlock as the ordering analysis explains it."""

    barriers: tuple[str, ...]
    lines: tuple[str, ...]
    must: bool


@dataclass(eq=False)
class Layout:
    title: str
    path: str
    lanes: list[Lane]
    cells: list[Cell]
    bars: list[Bar]
    blocks: list[Block]
    edges: list[tuple[str, str]]  # happens-before between nodes (cells, aligned bars)
    witnesses: list[Witness] = field(default_factory=list)

    @property
    def columns(self) -> int:
        return 1 + max((cell.column for cell in self.cells), default=0)

    def node(self, cell: Cell) -> str:
        """The graph node a cell belongs to: its bar when the bar is whole, else the cell."""
        return cell.bar.id if cell.bar is not None and cell.bar.aligned else cell.id

    def own_cells(self, lane: Lane) -> list[Cell]:
        """A lane's cells that are graph nodes of their own (not merged into a whole bar)."""
        return self._own_cells.get(lane, [])

    def number(self, block: Block) -> int:
        """A block's place in `blocks` (graph formats name its frame by it)."""
        return self._numbers[block]

    @cached_property
    def _own_cells(self) -> dict[Lane, list[Cell]]:
        found: dict[Lane, list[Cell]] = {}
        for cell in self.cells:
            if self.node(cell) == cell.id:
                found.setdefault(cell.lane, []).append(cell)
        return found

    @cached_property
    def _numbers(self) -> dict[Block, int]:
        return {block: index for index, block in reversed(list(enumerate(self.blocks)))}  # the first place, as list.index


@dataclass(eq=False)
class Frame:
    """Nesting for the graph formats: a lane with the lanes inside it, or a parallel group."""

    lane: Lane | None
    block: Block | None
    children: list["Frame"]


def frames(result: Layout) -> list[Frame]:
    """Lanes nested in their parents, sibling lanes that start together wrapped in their group.

    A group is wrapped when the frames among its parent's children that hold its lanes hold no
    other lane. Linear in lanes times nesting depth: each lane knows the frame that holds it
    among its parent's children (`top`), each frame the lanes it holds (`holds`).
    """
    own = {lane: Frame(lane, None, []) for lane in result.lanes}
    top = dict(own)
    holds: dict[Frame, set[Lane]] = {frame: {lane} for lane, frame in own.items()}
    for lane in reversed(result.lanes):  # inner lanes come after their parents
        if lane.parent is not None:
            holds[own[lane.parent]] |= holds[own[lane]]
    for block in result.blocks:
        if block.kind != "parallel" or block.inline:
            continue  # an inline group is shown by the fork of its edges
        members = set(block.lanes)
        parents = {lane.parent for lane in members if lane.parent not in members}
        if len(parents) != 1:
            continue  # lanes under two parents: no frame among either parent's children holds them all
        parent = parents.pop()
        direct = [lane for lane in block.lanes if lane.parent is parent]
        inside = [frame for frame in dict.fromkeys(top[lane] for lane in direct) if holds[frame] <= members]
        if inside and set().union(*(holds[frame] for frame in inside)) == members:
            wrapper = Frame(None, block, inside)
            holds[wrapper] = members
            for lane in direct:
                top[lane] = wrapper
    roots: list[Frame] = []
    placed: set[Frame] = set()
    for lane in result.lanes:  # a parent's children in the order of their first lanes
        if top[lane] not in placed:
            placed.add(top[lane])
            (own[lane.parent].children if lane.parent is not None else roots).append(top[lane])
    return roots


def layout(pipeline: Pipeline, analysis=None, locks=()) -> Layout:
    """The diagram of one pipeline; `analysis` (from `barrierlint.graph.analyze`) adds deadlocks,
    `locks` (`barrierlint.locks.holds`) what each lane holds and, with the analysis, who is
    queued behind whom."""
    builder = _Builder()
    builder.stage_list(pipeline.stages, frozenset(), None, None)
    names = {d.identifier: d.name for d in pipeline.barriers if d.identifier}
    bars = _bars(builder.cells, names)
    edges = _place(builder.cells, builder.preds, bars)
    result = Layout(pipeline.label, pipeline.origin.doc.path, builder.lanes, builder.cells, bars, builder.blocks, edges)
    if analysis is not None:
        _mark_deadlocks(result, analysis)
    if locks:
        _mark_locks(result, locks, analysis)
    return result


# -- walking the pipeline -------------------------------------------------------------------


class _Builder:
    def __init__(self) -> None:
        self.lanes: list[Lane] = []
        self.cells: list[Cell] = []
        self.blocks: list[Block] = []
        self.preds: dict[Cell, frozenset[Cell]] = {}
        self.last: dict[Lane, Cell] = {}
        self.stage_exits: dict[str, frozenset[Cell]] = {}
        self._holds: dict[int, bool] = {}
        self.rows: dict[Lane, int] = {}  # a lane's place in `lanes`

    # lanes and cells

    def lane(self, label: str, parent: Lane | None, origin: Origin, notes: Iterable[str] = (), **context) -> Lane:
        lane = Lane(f"L{len(self.lanes)}", label, 0 if parent is None else parent.depth + 1, origin, parent, tuple(notes), **context)
        self.rows[lane] = len(self.lanes)
        self.lanes.append(lane)
        return lane

    def cell(self, lane: Lane, kind: str, label: str, origin: Origin, preds: frozenset[Cell], rollback: bool, **extra) -> frozenset[Cell]:
        cell = Cell(f"c{len(self.cells)}", lane, kind, label, origin, rollback, **extra)
        self.cells.append(cell)
        self.preds[cell] = preds
        self.last[lane] = cell
        return frozenset((cell,))

    def work(self, lane: Lane, steps: list[str], origin: Origin, preds: frozenset[Cell], rollback: bool) -> frozenset[Cell]:
        """Ordinary steps: they extend the lane's current work cell when nothing came between."""
        last = self.last.get(lane)
        if last is not None and last.kind == "work" and last.rollback == rollback and preds == {last}:
            last.steps += tuple(steps)
            last.label = _work_label(last.steps)
            return preds
        return self.cell(lane, "work", _work_label(steps), origin, preds, rollback, steps=tuple(steps))

    # structure

    def stage_list(self, items: Iterable[Item], preds: frozenset[Cell], parent: Lane | None, chained: str | None) -> frozenset[Cell]:
        """Stages in list order; a stage with `dependsOn` starts after the stages it names."""
        for item in items:
            if isinstance(item, Stage) and item.depends_on is not None:
                start = frozenset().union(*(self.stage_exits.get(name, frozenset()) for name in item.depends_on))
                preds = self.item(item, parent, start, False, chained)
            else:
                preds = self.item(item, parent, preds, False, chained)
        return preds

    def steps(self, items: Iterable[Item], lane: Lane, preds: frozenset[Cell], rollback: bool, chained: str | None) -> frozenset[Cell]:
        for item in items:
            preds = self.item(item, lane, preds, rollback, chained)
        return preds

    def item(self, item: Item, lane: Lane | None, preds: frozenset[Cell], rollback: bool, chained: str | None) -> frozenset[Cell]:
        if isinstance(item, Stage):
            return self.stage(item, lane, preds, chained)
        if isinstance(item, Sequence):
            if lane is None:
                return self.stage_list(item.items, preds, None, chained)
            return self.steps(item.items, lane, preds, rollback, chained)
        if isinstance(item, Parallel):
            return self.parallel(item, lane, preds, rollback, chained)
        if lane is None:  # a step or step group where stages belong: nothing to draw
            return preds
        if isinstance(item, StepGroup):
            if not self.holds_barrier(item):
                return self.work(lane, _step_names(item), item.origin, preds, rollback)
            return self.group(item, lane, preds, rollback, chained)
        if item.is_barrier and item.barrier_ref is not None:
            ref = _scoped(item.barrier_ref, chained)
            return self.cell(lane, "barrier", ref, item.origin, preds, rollback, ref=ref)
        return self.work(lane, [item.label], item.origin, preds, rollback)

    def stage(self, stage: Stage, parent: Lane | None, preds: frozenset[Cell], chained: str | None) -> frozenset[Cell]:
        notes = [stage.type or "stage"]
        if stage.template is not None:
            notes.append(f"template {stage.template.ref}")
        if stage.child is not None:
            notes.append(f"chained pipeline {stage.child.pipeline or '?'}")
        lane, first = self.framed(stage, parent, notes)
        if stage.child is not None and stage.child.inputs is not None:
            exits = self.stage_list(stage.child.inputs.stages, preds, lane, stage.label)
        elif not stage.steps:
            exits = self.work(lane, [notes[-1] if len(notes) > 1 else "no steps"], stage.origin, preds, False)
        elif not self.holds_barrier(stage):
            exits = self.work(lane, _step_names(stage), stage.origin, preds, False)
        else:
            exits = self.steps(stage.steps, lane, preds, False, chained)
        self.rollback(stage, lane, exits, chained)
        self.close_loop(stage, lane, first)
        if stage.identifier:
            self.stage_exits[stage.identifier] = exits
        return exits

    def group(self, group: StepGroup, parent: Lane, preds: frozenset[Cell], rollback: bool, chained: str | None) -> frozenset[Cell]:
        lane, first = self.framed(group, parent, ["step group"], f"{parent.label} > {group.label}")
        exits = self.steps(group.steps, lane, preds, rollback, chained)
        self.rollback(group, lane, exits, chained)
        self.close_loop(group, lane, first)
        return exits

    def framed(self, element: Stage | StepGroup, parent: Lane | None, notes: list[str], label: str | None = None) -> tuple[Lane, int]:
        """A lane for a stage or step group with its loop and `when`; returns the first cell index."""
        loop = _loop_label(element.strategy) if element.strategy is not None else None
        when = (element.when.condition or element.when.status) if element.when is not None and element.when.conditional else None
        lane = self.lane(label or element.label, parent, element.origin, notes, loop=loop, when=when)
        return lane, len(self.cells)

    def rollback(self, element: Stage | StepGroup, lane: Lane, exits: frozenset[Cell], chained: str | None) -> None:
        """Rollback steps run after the normal steps, and only when they fail."""
        if element.rollback_steps and self.holds_barrier_in(element.rollback_steps):
            self.steps(element.rollback_steps, lane, exits, True, chained)

    def close_loop(self, element: Stage | StepGroup, lane: Lane, first: int) -> None:
        if element.strategy is not None:
            self.blocks.append(Block("loop", _loop_label(element.strategy), self.lanes[self.rows[lane] :], self.cells[first:]))

    def parallel(self, block: Parallel, lane: Lane | None, preds: frozenset[Cell], rollback: bool, chained: str | None) -> frozenset[Cell]:
        """Branches start together; each branch that holds a barrier gets a lane of its own."""
        first_lane, first_cell = len(self.lanes), len(self.cells)
        exits: frozenset[Cell] = frozenset()
        idle: list[str] = []
        for branch in block.branches:
            if lane is None or isinstance(branch, (Stage, StepGroup)) and self.holds_barrier(branch):
                exits |= self.item(branch, lane, preds, rollback, chained)
            elif self.holds_barrier(branch):
                own = self.lane(f"{lane.label} ∥ {_first_label(branch)}", lane, branch.origin, ["parallel branch"])
                exits |= self.item(branch, own, preds, rollback, chained)
            else:
                idle.extend(_step_names(branch))
        if idle:
            exits |= self.work(lane, idle, block.origin, preds, rollback)
        lanes = ([lane] if idle else []) + self.lanes[first_lane:]
        if len(block.branches) > 1 and lanes:
            self.blocks.append(Block("parallel", f"parallel ({len(block.branches)})", lanes, self.cells[first_cell:], inline=bool(idle)))
        return exits or preds

    def holds_barrier(self, item: Item) -> bool:
        key = id(item)
        if key not in self._holds:
            if isinstance(item, Step):
                self._holds[key] = item.is_barrier and item.barrier_ref is not None
            else:
                inner = [sub for sub, _ in children(item)]
                if isinstance(item, Stage) and item.child is not None and item.child.inputs is not None:
                    inner.extend(item.child.inputs.stages)
                self._holds[key] = self.holds_barrier_in(inner)
        return self._holds[key]

    def holds_barrier_in(self, items: Iterable[Item]) -> bool:
        return any(self.holds_barrier(sub) for sub in items)


def _scoped(ref: str, chained: str | None) -> str:
    """The parent's barrier for `parent.X` in a chained child; the child's own names stay apart."""
    if chained is None:
        return ref
    return ref[len(PARENT):] if ref.startswith(PARENT) else f"{chained}/{ref}"


def _step_names(item: Item) -> list[str]:
    if isinstance(item, Step):
        return [item.label]
    return [name for sub, _ in children(item) for name in _step_names(sub)]


def _first_label(item: Item) -> str:
    if isinstance(item, (Step, StepGroup, Stage)):
        return item.label
    inner = [sub for sub, _ in children(item)]
    return _first_label(inner[0]) if inner else "branch"


def _work_label(steps: tuple[str, ...] | list[str]) -> str:
    return steps[0] if len(steps) == 1 else f"{len(steps)} steps"


def _loop_label(strategy: Strategy) -> str:
    text = strategy.description or strategy.kind
    if strategy.max_concurrency and strategy.copies and strategy.max_concurrency < strategy.copies:
        text += f", {strategy.max_concurrency} at a time"
    return text


# -- placing cells in columns ---------------------------------------------------------------


def _bars(cells: list[Cell], names: dict[str, str | None]) -> list[Bar]:
    by_ref: dict[str, list[Cell]] = {}
    for cell in cells:
        if cell.kind == "barrier":
            by_ref.setdefault(cell.ref, []).append(cell)
    bars = []
    for index, (ref, members) in enumerate(by_ref.items()):
        name = names.get(ref)
        bar = Bar(f"bar{index}", ref, name if name and name != ref else None, members, declared=ref in names)
        for cell in members:
            cell.bar = bar
        bars.append(bar)
    return bars


def _place(cells: list[Cell], preds: dict[Cell, frozenset[Cell]], bars: list[Bar]) -> list[tuple[str, str]]:
    """Columns by longest path, a barrier's cells merged into one node unless that closes a cycle.

    The structure alone is acyclic, so a cycle through merged barriers means their participants
    wait for each other: those barriers are split back into their cells (marked not aligned).
    Returns the happens-before edges between the final nodes.
    """
    import networkx as nx

    def graph(node_of) -> "nx.DiGraph":
        g = nx.DiGraph()
        for cell in cells:
            g.add_node(node_of(cell))
            for pred in preds[cell]:
                g.add_edge(node_of(pred), node_of(cell))
        return g

    merged = graph(lambda cell: cell.bar.id if cell.bar is not None else cell.id)
    cyclic = {n for scc in nx.strongly_connected_components(merged) if len(scc) > 1 for n in scc}
    cyclic |= {n for n, _ in nx.selfloop_edges(merged)}
    for bar in bars:
        bar.aligned = bar.id not in cyclic
    node_of = lambda cell: cell.bar.id if cell.bar is not None and cell.bar.aligned else cell.id  # noqa: E731
    final = graph(node_of)
    column: dict[str, int] = {}
    for node in nx.topological_sort(final):
        column[node] = max((column[p] + 1 for p in final.predecessors(node)), default=0)
    for cell in cells:
        cell.column = column[node_of(cell)]
    return list(final.edges)


# -- deadlocks from the ordering analysis ---------------------------------------------------


def _mark_deadlocks(result: Layout, analysis) -> None:
    by_ref = {bar.ref: bar for bar in result.bars}
    for deadlock in analysis.deadlocks:
        barriers = tuple(deadlock.barriers)
        for ref in barriers:
            if ref in by_ref:
                by_ref[ref].deadlock = True
        result.witnesses.append(Witness(barriers, deadlock.witness, deadlock.verdict == "must"))
    for cell in result.cells:
        cell.blocked = cell.kind == "barrier" and cell.origin.route in analysis.blocked


def _mark_locks(result: Layout, locks, analysis) -> None:
    """A note on each stage lane for the locks it takes and how long it holds them (its span),
    one on each lane queued behind a holder across a barrier (BL304), the barrier drawn as a
    deadlock and the hold-and-wait's witness beside the others."""
    lanes = {(id(lane.origin.doc), lane.origin.route): lane for lane in result.lanes}

    def lane_of(stage) -> Lane | None:
        return lanes.get((id(stage.origin.doc), stage.origin.route))

    for lock in locks:
        lane = lane_of(lock.stage)
        if lane is not None:
            start = f" from step '{lock.step.label}'" if lock.step is not None else ""
            lane.locks += (f"holds {lock.name}{start} to the end of the {lock.scope.lower()}",)
    by_ref = {bar.ref: bar for bar in result.bars}
    for found in analysis.hold_and_wait if analysis is not None else ():
        lane = lane_of(found.waiter.stage)
        if lane is not None and found.waiter is not found.holder:
            lane.locks += (f"queued on {found.waiter.name} behind '{found.holder.where}'",)
        if found.barrier in by_ref:
            by_ref[found.barrier].deadlock = True
        result.witnesses.append(Witness((found.barrier,), (found.line,), found.verdict == "must"))
