from __future__ import annotations

from functools import cached_property

from barrierlint.finding import Related, Severity
from barrierlint.model import Parallel, Pipeline, Sequence, Stage, StepGroup
from barrierlint.rule import Rule
from barrierlint.rules._ordering import names, ordering

SETUP_STAGE_TYPES = frozenset({"Deployment"})  # service and infrastructure set-up runs before the first step
MENTIONED = 10  # participants named in a message, shown as witnesses and related places
_FAILURE_PATHS = frozenset({"rollback", "resolve"})  # edges a successful run never takes


class RedundantBarrier(Rule):
    """A barrier that never holds anyone back: the pipeline already keeps its participants in step.

    ## What goes wrong
    A barrier makes every participant wait until all have arrived. When every participant
    reaches it at the same instant anyway (each arrives straight from the release of another
    barrier, or as the first thing its branch does when a parallel block starts them all), or
    when it is the last thing each participant does and the parallel block they end in waits
    for all of them regardless, nobody is ever held back: the happens-before graph without
    the barrier already orders everything it would order.

    ## At run time
    The barrier changes no ordering. It only adds a failure coupling (a participant that fails
    before arriving fails every participant waiting there) and one more timeout to expire.

    ## How to fix
    Remove its Barrier steps and declaration, unless failing the other participants together
    is what you want (then say so in a comment and suppress the finding).
    Deployment stages set up their service and infrastructure before their first step, so a
    barrier first in a Deployment stage is not reported; nor are barriers in loops, in
    `when`-conditional elements or in rollbackSteps, or joined by chained pipelines, nor
    FirstGen barriers.
    """

    code = "BL105"
    name = "redundant-barrier"
    severity = Severity.INFO
    tags = ("simplicity",)

    def check_pipeline(self, pipeline, project):
        if pipeline.syntax == "firstgen" or project.incomplete(pipeline):
            return  # FirstGen workflows set up their deployment before their steps, in phases
        result = ordering(pipeline, project)
        if result is None or result.graph is None:
            return
        troubled = {b for d in result.deadlocks for b in d.barriers} | {o.ref for loop in result.late_loops for o in loop.first}
        troubled |= project.child_references(pipeline)
        declared = {d.identifier: d for d in pipeline.barriers if d.identifier}  # an undeclared one is BL101's
        order = _Order(pipeline, result.graph)
        groups: dict[str, list] = {}
        for occurrence in result.occurrences:
            groups.setdefault(occurrence.ref, []).append(occurrence)
        for ref, group in groups.items():
            if ref in troubled or ref not in declared or len(group) < 2 or not all(order.plain_participant(o) for o in group):
                continue
            starts = {order.start(o) for o in group}
            if len(starts) == 1 and None not in starts:
                yield self._finding(ref, group, declared[ref], *order.start_proof(starts.pop(), group))
                continue
            ends = {order.end(o) for o in group}
            if len(ends) == 1 and None not in ends:
                yield self._finding(ref, group, declared[ref], *order.end_proof(group))

    def _finding(self, ref, group, declaration, claim, witness):
        wheres = names((o.where for o in group), limit=MENTIONED)
        return self.finding(
            declaration.origin,
            f"barrier '{ref}' never holds anyone back: {claim}; the happens-before graph without it already orders every "
            f"pair of its participants ({wheres}), so it only couples their failures (one failing before it fails the "
            "others waiting there) and adds a timeout",
            related=[Related(o.step.barrier_ref_origin or o.step.origin, f"'{o.where}' uses '{ref}' here") for o in group[:MENTIONED]],
            witness=witness[:MENTIONED] + ([f"and {len(witness) - MENTIONED:,} more participants alike"] if len(witness) > MENTIONED else []),
            fix=f"remove the Barrier steps of '{ref}' and its declaration, unless failing its participants together is intended",
            key=ref,
            barriers=[ref],
            participants=list(dict.fromkeys(o.where for o in group)),
        )


class _Order:
    """Walks the happens-before graph from a participant's arrival backwards (or from its pass
    forwards) while the model says no step runs in between."""

    def __init__(self, pipeline, graph):
        self.graph = graph
        self.occ, self.passes = {}, {}
        for node, (kind, item) in enumerate(zip(graph.kind, graph.item)):
            if kind in ("occ", "pass"):
                (self.occ if kind == "occ" else self.passes)[id(item.step)] = node
        self.pipeline = pipeline

    @cached_property
    def parent(self) -> dict[int, tuple]:
        """id(element) -> (container, index among its normal-flow items); built at the first
        proof attempted (most barriers fail the cheaper tests first)."""
        parent = {}
        stack = [(self.pipeline, self.pipeline.stages)]
        while stack:
            container, items = stack.pop()
            for index, item in enumerate(items):
                parent[id(item)] = (container, index)
                subs = _items(item)
                if subs is not None:
                    stack.append((item, subs))
        return parent

    def plain_participant(self, occurrence) -> bool:
        step = occurrence.step
        return (
            not occurrence.in_rollback and not occurrence.loops and id(step) in self.occ
            and not (step.when is not None and (step.when.conditional or step.when.never))
        )

    def _kind(self, node) -> str:
        return self.graph.kind[node]

    def _item(self, node):
        item = self.graph.item[node]
        return item.step if self._kind(node) in ("occ", "pass") else item

    def start(self, occurrence):
        """The node at whose moment the participant arrives (a barrier's release, a fork), or None."""
        node = self.occ[id(occurrence.step)]
        while True:
            preds = [u for u, kind in self.graph.edges_into(node) if kind not in _FAILURE_PATHS]
            if len(preds) != 1:
                return None
            prev, element = preds[0], self._item(node)
            kind = self._kind(prev)
            where = self.parent.get(id(element))
            if where is None:
                return None
            container, index = where
            if kind in ("pass", "exit", "join"):  # what ends at `prev` must be the item just before
                if isinstance(container, Parallel) or index == 0 or _items(container)[index - 1] is not self._item(prev):
                    return None
                if kind != "pass" or not _plain(self._item(prev), start=True):
                    return None  # after a stage, step group or parallel block ends; or a barrier that may be skipped
                return ("release", self.graph.item[prev].ref)
            if kind not in ("entry", "fork") or container is not self._item(prev):
                return None
            if kind == "fork":
                return ("fork", prev)
            if index != 0 or not _plain(container, start=True):
                return None
            node = prev

    def end(self, occurrence):
        """The join that follows the participant's pass with no step in between, or None."""
        node = self.passes[id(occurrence.step)]
        while True:
            succs = [v for v in self.graph.succ[node] if self.graph.edge_kind[node, v] not in _FAILURE_PATHS]
            if len(succs) != 1:
                return None
            nxt, element = succs[0], self._item(node)
            kind = self._kind(nxt)
            where = self.parent.get(id(element))
            if where is None or where[0] is not self._item(nxt):
                return None
            container, index = where
            if kind == "join":
                return ("join", nxt)
            if kind != "exit" or index != len(_items(container)) - 1 or not _plain(container, start=False):
                return None
            node = nxt

    def start_proof(self, anchor, group):
        kind, what = anchor
        if kind == "release":
            moment = f"the moment barrier '{what}' releases them"
        else:
            moment = "the moment their parallel block starts them"
        claim = f"every participant reaches it {moment}, with no step in between, so all arrive together"
        return claim, [f"'{o.where}' reaches '{o.ref}' (step '{o.step.label}') {moment}" for o in group]

    def end_proof(self, group):
        claim = "it is the last thing each participant does, and the parallel block they end in waits for all of them anyway"
        return claim, [f"'{o.where}' ends right after '{o.ref}' (step '{o.step.label}'), and the parallel block waits for it" for o in group]


def _items(element) -> tuple | None:
    """The normal-flow items of a container, in order (None for a step)."""
    if isinstance(element, (Stage, StepGroup)):
        return element.steps
    if isinstance(element, Parallel):
        return element.branches
    if isinstance(element, Sequence):
        return element.items
    if isinstance(element, Pipeline):
        return element.stages
    return None


def _plain(element, start: bool) -> bool:
    """An element entered or left without delay: no loop, no `when` that may skip it, no chained
    pipeline, and (entering) no set-up before its first step."""
    when = getattr(element, "when", None)
    if getattr(element, "strategy", None) is not None or (when is not None and (when.conditional or when.never)):
        return False
    if isinstance(element, Stage):
        return element.child is None and not (start and element.type in SETUP_STAGE_TYPES)
    return True
