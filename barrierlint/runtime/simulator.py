"""The interpreter: runs a model pipeline on the virtual clock as the Harness engine would.

Stages in sequence, `parallel` blocks, `dependsOn` DAGs, step groups, looping strategies and
multi-deployment spawners with their concurrency window, `when`, failure strategies and rollback
sections; barriers are the business of `barriers.py`. Each element is a generator: it yields
signals and returns None when the flow goes on, or an `Unwind` when a failure must end an
enclosing step group or stage (which then rolls back and fails).
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field

from .. import firstgen
from ..finding import route_text
from ..memory import collector_paused
from ..model import BarrierRef, Parallel, Pipeline, Sequence, Stage, Step, StepGroup, awaits_parent, children, is_expression, is_runtime_input, occurrences, parse_duration, stages
from .barriers import OWN_TIMEOUT, Barriers, Instance, site_of
from .clock import LATE, BudgetSpent, Clock, Process, Signal, all_of
from .locks import Locks
from .scenario import Scenario
from .status import (
    ABORTED,
    ASYNC_WAITING,
    EXPIRED,
    FAILED,
    IGNORE_FAILED,
    INTERVENTION_WAITING,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    TERMINAL,
    Node,
)

BARRIER_DEFAULT_TIMEOUT = 10 * 3600.0  # the engine's default when a Barrier step has no timeout
RESOURCE_TIMEOUT = 7 * 86400.0  # the timeout of the resource constraint step a Deploy stage runs (1w)
# What a run may spend (events processed, nodes started, barrier positions registered): a floor for small
# pipelines with loops, plus a share per element, so that a billion loop copies or retries stop
# in bounded time and memory, and the cost of a run stays linear in the pipeline's size.
BUDGET_FLOOR = 250_000
BUDGET_PER_ELEMENT = 20
ELEMENT_TIMEOUT = "Timed out: its own timeout expired"  # a stage, step group or pipeline
EXPIRY = object()  # what a stage or step group body returns when its own timeout interrupted it
_COPY = re.compile(r"\[\d+\]")
_KINDS = {Stage: "stage", StepGroup: "stepgroup", Step: "step"}


class Expired(Exception):
    """Thrown into the body of a stage or step group whose own timeout expired."""


@dataclass(frozen=True, slots=True)
class Unwind:
    """A failure leaving the flow: `target` (a step group or stage node) must end it."""

    target: Node
    action: str  # the failure strategy action that applies at the target
    expired: bool  # the cause was a timeout


@dataclass
class Wait:
    """A Barrier step waiting at quiescence, and why."""

    node: Node
    barrier: str
    since: float
    late: bool  # the barrier had resolved before the step arrived
    missing: list[str] = field(default_factory=list)  # the participants it waits for


@dataclass
class Quiescence:
    time: float
    waits: list[Wait]
    interventions: list[Node]  # steps waiting for a human
    not_started: list[str]  # stages that never started, with the reason
    held: list = field(default_factory=list)  # (lock, holder, since) of every lock held
    queued: list = field(default_factory=list)  # (lock, waiter, holder) of every request in a queue

    @property
    def blocked(self) -> frozenset:
        return frozenset(w.node.element.origin.route for w in self.waits)


@dataclass
class Run:
    pipeline: Pipeline
    scenario: Scenario
    status: str  # SUCCEEDED | FAILED | ABORTED | EXPIRED (pipeline timeout) | ERRORED (rejected at start) | RUNNING (stuck at the horizon)
    ended: float
    recorded: list[tuple]  # (time, event, fields) as the run recorded them
    nodes: list[Node]  # every node in start order
    instances: dict[str, Instance]
    quiescence: Quiescence | None
    rejected: str | None = None  # why the run did not start
    limit: str | None = None  # why the run was stopped before it ended: its budget was spent
    spent: int = 0  # events, nodes and barrier positions the run cost

    @property
    def blocked(self) -> frozenset:
        """Routes of the Barrier steps with a copy waiting at (the first) quiescence."""
        return self.quiescence.blocked if self.quiescence else frozenset()

    @property
    def events(self) -> list[dict]:
        """The trace: one dict per event, with the virtual time in seconds and as a clock."""
        return [
            {"t": time, "at": clock_text(time), "event": event, **{k: route_text(v) if k == "path" else v for k, v in fields.items()}}
            for time, event, fields in self.recorded
        ]


def simulate(pipeline: Pipeline, scenario: Scenario | None = None, locks=(), lock_order: dict | None = None, prepared: "Plan | None" = None) -> Run:
    """Run a pipeline; `locks` are its Queue steps and Deploy stage resource constraints
    (`barrierlint.locks.holds`), `lock_order` an acquisition order to force per lock (lock name
    -> stage labels, first asks first), `prepared` the pipeline's `plan` when runs share it. The
    garbage collector pauses meanwhile: a run makes many small objects while the document's YAML
    nodes stay alive, and every collection would walk all of them."""
    with collector_paused():
        return Simulator(pipeline, scenario or Scenario(), locks, lock_order, prepared).run()


@dataclass(frozen=True, eq=False)
class Plan:
    """What a run resolves before it starts, alike for every run of a pipeline whose scenario
    names no `inputs`: each Barrier step's barrier and place in the walk, the reason the engine
    refuses to start (research/harness-semantics.md §2.2), notes on runtime inputs left
    unanswered, and the pipeline's size for the budget. `--verify` makes it once per pipeline."""

    occurrences: list
    refs: dict[int, str]  # id(step) -> the barrier it joins
    notes: list[tuple[str, str]]  # (step, message) for the trace, in plan order
    rejected: str | None
    sites: list  # the barrier positions registered at start (None when rejected)
    elements: int
    stages: list[tuple[int, str]]  # (id, label) of every stage, for what never started at quiescence


def plan(pipeline: Pipeline, scenario: Scenario | None = None) -> Plan:
    """Resolve every barrierRef (with the scenario's `inputs`); stop at the first refusal."""
    in_firstgen = pipeline.syntax == "firstgen"
    found = occurrences(pipeline)
    refs: dict[int, str] = {}
    notes: list[tuple[str, str]] = []

    def done(rejected: str | None) -> Plan:
        # FirstGen builds its barriers from the normal flow only (harness-semantics.md §3.17)
        sites = None if rejected else [site_of(o, refs[id(o.step)]) for o in found if not (in_firstgen and o.in_rollback)]
        return Plan(found, refs, notes, rejected, sites, element_count(pipeline), [(id(s), s.label) for s in stages(pipeline)])

    for occurrence in found:
        step = occurrence.step
        ref = _input(scenario, occurrence) or _default_input(occurrence.ref)
        if awaits_parent(ref):  # a chained child run on its own: `parent.X` is its own X (harness-semantics.md §3.14)
            ref = BarrierRef(ref, ref.split(".", 1)[1])
        refs[id(step)] = ref
        if step.strategy is not None:
            return done(f"Barrier step cannot be configured with looping strategy. (step '{step.label}' in stage '{occurrence.stage.label}')")
        if ref is None:
            return done(f"Barrier step '{step.label}' in stage '{occurrence.stage.label}' has no barrierRef")
        if is_runtime_input(ref):  # no value given: a barrier of its own, as the static analysis sees it
            dotted = _dotted(occurrence)
            refs[id(step)] = f"{ref}@{dotted}"
            notes.append((dotted, f"barrierRef {ref} has no value in the scenario (`inputs`): a barrier no other step joins"))
            continue
        if refused(ref, in_firstgen):
            return done(f"Variable expressions are not allowed in Barrier Reference. Found: {ref}")
    if in_firstgen:
        for earlier, later in firstgen.not_concurrent(found):
            return done(
                f"{firstgen.NOT_CONCURRENT} (barrier '{later.ref}' twice in the workflow of stage '{later.stage.label}': "
                f"steps '{earlier.step.label}' and '{later.step.label}')"
            )
    return done(None)


def _input(scenario: Scenario | None, occurrence) -> str | None:
    """The scenario's value for a Barrier step's reference (`inputs`), if it names one."""
    if scenario is None or not scenario.inputs:
        return None
    route = occurrence.step.origin.route
    return scenario.lookup(scenario.inputs, (place(occurrence.step), route, route_text(route), _dotted(occurrence)))


def clock_text(seconds: float) -> str:
    """00:02:00, or 1d 02:00:00 past a day."""
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}d {text}" if days else text


class Simulator:
    def __init__(self, pipeline: Pipeline, scenario: Scenario, locks=(), lock_order: dict | None = None, prepared: Plan | None = None):
        self.pipeline, self.scenario = pipeline, scenario
        self.plan = prepared if prepared is not None and not scenario.inputs else plan(pipeline, scenario)
        self.refs = self.plan.refs
        self.budget = BUDGET_FLOOR + BUDGET_PER_ELEMENT * self.plan.elements
        self.clock = Clock(scenario.seed, scenario.shuffle_ties, self.budget)
        self.firstgen = pipeline.syntax == "firstgen"
        self.nodes: dict[tuple, Node] = {}  # (element, key) -> latest node
        self.history: list[Node] = []
        self.active: dict[int, Node] = {}  # id -> node not yet terminal
        self.events: list[tuple] = []  # (time, event, fields)
        self.barriers = Barriers(self.clock, scenario.profile, self.nodes, self.trace, self.firstgen)
        self.locks = Locks(self.clock, self.trace, lock_order)
        self.lock_of_step = {id(lock.step): lock for lock in locks if lock.step is not None}
        self.stage_locks: dict[int, list] = {}
        for lock in locks:
            if lock.step is None:
                self.stage_locks.setdefault(id(lock.stage), []).append(lock)
        self.pipeline_failed = False
        self.aborted = False  # the run was stopped: an Abort strategy, or the pipeline's timeout
        self.stopped_as = ABORTED
        self.expiring: set[int] = set()  # ids of stages and step groups whose own timeout expired
        self.quiescence: Quiescence | None = None
        self.limit: str | None = None
        self._main: Process | None = None

    # -- bookkeeping --------------------------------------------------------------------

    def trace(self, event: str, **fields) -> None:
        self.events.append((self.clock.now, event, fields))

    def _start(self, element, key: tuple, parent: Node | None, rollback: bool = False, attempt: int = 1, copy: int | None = None) -> Node:
        self.clock.spend()  # a node may start without an event of its own (a skipped loop copy)
        label = element.label + (f"[{copy}]" if copy is not None else "")
        node = Node(element, key, f"{parent.label}.{label}" if parent else label, parent, self.clock.now, attempt=attempt, rollback=rollback)
        self.nodes[(element, key)] = node
        self.history.append(node)
        self.active[id(node)] = node
        self.trace("start", node=node.label, kind=_KINDS[type(element)], path=element.origin.route, attempt=attempt)
        self.barriers.changed(node)
        return node

    def _finish(self, node: Node, status: str, message: str = "", notify: bool = True) -> None:
        node.status, node.ended, node.message = status, self.clock.now, message
        if node.timer is not None:
            self.clock.cancel(node.timer)
        self.active.pop(id(node), None)
        if node.parent is None and isinstance(node.element, Stage):
            self.locks.release(("Stage", id(node)))
            if node.element.child is not None:  # a chained child's execution ends with its stage
                self.locks.release(("Pipeline", id(node)))
        self.trace("end", node=node.label, status=status, **({"message": message} if message else {}))
        if notify:
            self.barriers.changed(node)

    def _lookup(self, table: dict, node: Node):
        """The scenario entry for a node: by place, route, YAML path, label with or without copies."""
        if not table:
            return None
        route = node.element.origin.route
        return self.scenario.lookup(table, (place(node.element), route, route_text(route), node.label, _COPY.sub("", node.label)))

    # -- the run ------------------------------------------------------------------------

    def run(self) -> Run:
        for node, message in self.plan.notes:
            self.trace("input", node=node, message=message)
        rejected = self.plan.rejected
        if rejected:
            self.trace("rejected", message=rejected)
            return self._result("ERRORED", rejected)
        try:
            self.barriers.register(self.plan.sites)
            self.trace("start", node=self.pipeline.label, kind="pipeline")
            self._main = Process(self.clock, self._stage_list(self.pipeline.stages, ()))
            timeout = self._timeout(self.pipeline, self.scenario.pipeline_timeout)
            if timeout is not None:
                self.clock.at(timeout, self._stop, EXPIRED, "timeout", self.pipeline.label, priority=LATE, work=False)
            self.clock.run(self.scenario.horizon, self._quiescent)
        except BudgetSpent:
            self.limit = (
                f"simulation limit reached at {clock_text(self.clock.now)}: {self.budget:,} events, nodes and barrier positions, what a "
                "pipeline of this size may spend (its loops or retries run longer); the run was stopped there"
            )
            self.trace("limit", message=self.limit)
        if self.aborted:
            status = self.stopped_as
        elif self._main is None or not self._main.done.fired:
            status = RUNNING
        else:
            status = FAILED if self.pipeline_failed else SUCCEEDED
        self.trace("end", node=self.pipeline.label, status=status)
        return self._result(status, None)

    def _result(self, status: str, rejected: str | None) -> Run:
        return Run(
            self.pipeline, self.scenario, status, self.clock.now, self.events, self.history, self.barriers.instances, self.quiescence, rejected,
            self.limit, self.budget - self.clock.budget,
        )

    def _quiescent(self) -> bool:
        if self.aborted or (self._main is not None and self._main.done.fired):
            return True
        if self.quiescence is None:
            self.quiescence = self._snapshot()
            held = {"held": [f"{name} by {holder}" for name, holder, _ in self.quiescence.held]} if self.quiescence.held else {}
            queued = {"queued": [f"{waiter} on {name} behind {holder}" for name, waiter, holder in self.quiescence.queued]} if self.quiescence.queued else {}
            self.trace("quiescence", blocked=[w.node.label for w in self.quiescence.waits], **held, **queued)
        return self.scenario.stop_at_quiescence

    # -- stages -------------------------------------------------------------------------

    def _parallel(self, bodies: list) -> Signal:
        return all_of(self.clock, [Process(self.clock, body).done for body in bodies])

    def _stage_list(self, items: tuple, key: tuple):
        if any(isinstance(item, Stage) and item.depends_on is not None for item in items):
            yield from self._dag(items, key)
            return
        for item in items:
            if self.aborted:
                return
            yield from self._stage_item(item, key)

    def _stage_item(self, item, key: tuple):
        if isinstance(item, Stage):
            if item.strategy is not None:
                yield from self._loop(item, key, lambda copy_key, copy: self._stage_copy(item, copy_key, copy))
            else:
                yield from self._stage_copy(item, key, None)
        elif isinstance(item, Parallel):
            yield self._parallel([self._stage_item(branch, key) for branch in item.branches])
        elif isinstance(item, Sequence):
            yield from self._stage_list(item.items, key)

    def _dag(self, items: tuple, key: tuple):
        """`dependsOn` stages start when the named stages end; a stage without the key follows
        the item before it."""
        finished = [Signal(self.clock) for _ in items]
        by_name = {item.identifier: finished[i] for i, item in enumerate(items) if isinstance(item, Stage) and item.identifier}

        def body(index: int, item):
            if isinstance(item, Stage) and item.depends_on is not None:
                needs = [by_name[name] for name in item.depends_on if name in by_name and by_name[name] is not finished[index]]
            else:
                needs = finished[index - 1 : index] if index else []
            yield all_of(self.clock, needs)
            yield from self._stage_item(item, key)
            finished[index].fire()

        yield self._parallel([body(i, item) for i, item in enumerate(items)])

    def _loop(self, element, key: tuple, copy_body):
        """Spawn a looping strategy's copies: the first `window` start at once (and register
        as barrier participants), each later copy when a running one ends."""
        strategy = element.strategy
        count = strategy.copies if strategy.copies is not None else self.scenario.copies
        limit = strategy.copies if strategy.kind == "parallelism" else strategy.max_concurrency
        if limit is None or limit <= 0:
            limit = count
        cap = self.scenario.profile.edition_cap
        window = min(count, limit if 0 < limit < cap else cap)
        self.clock.spend(window)  # the copies started at once, before they exist
        self.barriers.spawn(element, key, window)
        self.trace("spawn", node=element.label, path=element.origin.route, copies=count, window=window)
        copies = iter(range(count))
        results: list = []

        def worker():
            for copy in copies:
                unwind = yield from copy_body(key + (copy,), copy)
                if unwind is not None:
                    results.append(unwind)
                    return

        yield self._parallel([worker() for _ in range(window)])
        return _outermost(results)

    def _stage_copy(self, stage: Stage, key: tuple, copy: int | None):
        node = self._start(stage, key, None, copy=copy)
        if not self._runs(stage, node, stage_level=True):
            self._finish(node, SKIPPED)
            return
        body = self._stage_body(stage, node)
        for lock in self.stage_locks.get(id(stage), ()):
            body = self._holding(lock, node, body)
        status = yield from self._bounded(node, self._timeout(stage, self.scenario.stage_timeout), body)
        if self.aborted:
            return
        self._finish(node, EXPIRED if status is EXPIRY else status, ELEMENT_TIMEOUT if status is EXPIRY else "")
        if node.status != SUCCEEDED:
            self.pipeline_failed = True

    def _stage_body(self, stage: Stage, node: Node):
        """A stage's steps, and its rollbackSteps when a failure strategy rolls it back: its
        final status."""
        if not stage.steps and not stage.rollback_steps:  # a chained pipeline, a template, an empty stage
            yield self._work(node, self._duration(node))
            return SUCCEEDED
        provisioning = tuple(item for item in stage.steps if _provisioner(item))  # they lead the stage's steps
        unwind = yield from self._items(provisioning, node, False)
        executed = unwind is None
        if executed:
            unwind = yield from self._items(stage.steps[len(provisioning) :], node, False)
        if unwind is None:
            yield from self._wrap_up(node)
            return SUCCEEDED
        # a stage rollback runs the provisioner's rollbackSteps, then the execution's if it started
        rollback = stage.rollback_steps if executed else tuple(item for item in stage.rollback_steps if _provisioner(item))
        rolled_back = unwind.action in ("StageRollback", "PipelineRollback") and bool(rollback)
        if rolled_back and not self.aborted:
            self.trace("rollback", node=node.label, action=unwind.action)
            yield from self._items(rollback, node, True)
        return EXPIRED if unwind.expired and not rolled_back else FAILED

    def _holding(self, lock, node: Node, body):
        """A Deploy stage takes its resource constraint (timeout 1w) before its execution runs."""
        status, message = yield from self._take(lock, node, RESOURCE_TIMEOUT)
        if status != SUCCEEDED:
            node.message = message
            return status
        return (yield from body)

    def _take(self, lock, node: Node, timeout: float | None):
        """Take a lock for `node` (a Queue step, or a stage for its resource constraint)."""
        stage = _stage_of(node)
        if lock.scope == "Stage":
            holder = ("Stage", id(stage))
        else:
            chained = self.nodes.get((lock.chained, stage.key)) if lock.chained is not None else None
            holder = ("Pipeline", id(chained) if chained is not None else None)
        waiting = self.locks.acquire(lock.key, lock.name, holder, node.label, timeout, stage.element.label)
        if waiting is None:
            return SUCCEEDED, ""
        return (yield waiting)

    def _bounded(self, node: Node, timeout: float | None, body):
        """Run `body` within `node`'s own timeout: past it, everything still running inside the
        node expires and the body is interrupted (it then returns EXPIRY)."""
        if timeout is None:
            return (yield from body)
        process = Process(self.clock, _until_expired(body))
        timer = self.clock.at(timeout, self._expire, node, process, priority=LATE, work=False)
        result = yield process.done
        self.clock.cancel(timer)
        return result

    def _expire(self, node: Node, process: Process) -> None:
        self.trace("timeout", node=node.label, timeout=node.element.timeout)
        self.expiring.add(id(node))
        inside = [n for n in self.active.values() if n is not node and node in _ancestors(n)]
        for other in sorted(inside, key=lambda n: -sum(1 for _ in _ancestors(n))):  # innermost first
            self._finish(other, EXPIRED, ELEMENT_TIMEOUT)
        process.interrupt(Expired())

    def _timeout(self, element, default: float | None) -> float | None:
        """An element's own timeout in seconds, else the scenario's default (None: no limit)."""
        written = getattr(element, "timeout", None)
        return _seconds(written) if written and _seconds(written) is not None else default

    def _gone(self, node: Node) -> bool:
        """True when a node ended (or its timeout expired) while a branch inside it still ran."""
        return self.aborted or node.ended is not None or id(node) in self.expiring

    # -- step lists ---------------------------------------------------------------------

    def _items(self, items: tuple, parent: Node, rollback: bool):
        for item in items:
            if self._gone(parent):
                return None
            unwind = yield from self._item(item, parent, rollback)
            if unwind is not None:
                return unwind
        return None

    def _item(self, item, parent: Node, rollback: bool):
        if isinstance(item, Stage):  # a stage of a chained child, joined into its Pipeline stage
            yield from self._stage_item(item, parent.key)
            return None
        if isinstance(item, Step):
            return (yield from self._step(item, parent, rollback))
        if isinstance(item, StepGroup):
            if item.strategy is not None:
                return (yield from self._loop(item, parent.key, lambda copy_key, copy: self._group_copy(item, parent, copy_key, copy, rollback)))
            return (yield from self._group_copy(item, parent, parent.key, None, rollback))
        if isinstance(item, Parallel):
            results = yield self._parallel([self._item(branch, parent, rollback) for branch in item.branches])
            return _outermost(results)
        if isinstance(item, Sequence):
            return (yield from self._items(item.items, parent, rollback))
        return None

    def _group_copy(self, group: StepGroup, parent: Node, key: tuple, copy: int | None, rollback: bool):
        if self._gone(parent):
            return None
        node = self._start(group, key, parent, rollback, copy=copy)
        if not self._runs(group, node, rollback=rollback):
            self._finish(node, SKIPPED)
            return None
        unwind = yield from self._bounded(node, self._timeout(group, None), self._items(group.steps, node, rollback))
        if self.aborted or node.ended is not None:
            return None
        if unwind is EXPIRY:  # its own timeout: its failure strategies decide, as for a step
            strategy = self._strategy(node, 0, "Timeout")
            if strategy is None or strategy[0] != "StepGroupRollback":
                return (yield from self._apply(node, strategy, "Timeout", EXPIRED, ELEMENT_TIMEOUT))
            unwind = Unwind(node, "StepGroupRollback", True)
        if unwind is None:
            yield from self._wrap_up(node)
            self._finish(node, SUCCEEDED)
            return None
        if unwind.target is not node:
            self._finish(node, EXPIRED if unwind.expired else FAILED)
            return unwind
        if group.rollback_steps:
            self.trace("rollback", node=node.label, action=unwind.action)
            yield from self._items(group.rollback_steps, node, True)
            if self.aborted:
                return None
        # the rolled-back group fails; the strategies above it decide what happens next
        return (yield from self._failed(node, 1, "Unknown", EXPIRED if unwind.expired else FAILED, ""))

    def _step(self, step: Step, parent: Node, rollback: bool):
        attempt = 1
        while True:
            node = self._start(step, parent.key, parent, rollback, attempt)
            if attempt == 1 and not self._runs(step, node, rollback=rollback):
                self._finish(node, SKIPPED)
                return None
            status, message, error = yield from self._execute(step, node)
            if self.aborted or node.ended is not None:  # stopped, or expired with its stage or step group
                return None
            if status == SUCCEEDED:
                self._finish(node, SUCCEEDED)
                return None
            strategy = self._strategy(node, 0, error)
            if strategy is not None and strategy[0] == "Retry" and attempt <= (strategy[1].retry_count or 1):
                # the new attempt takes the position before anyone looks (no barrier event)
                self._finish(node, status, message, notify=False)
                attempt += 1
                continue
            if strategy is not None and strategy[0] == "Retry":
                strategy = self._then(node, strategy, error)
            return (yield from self._apply(node, strategy, error, status, message))

    def _execute(self, step: Step, node: Node):
        """Run one attempt: (status, message, error type)."""
        if step.is_barrier:
            node.status = ASYNC_WAITING
            timeout = _seconds(step.timeout) or BARRIER_DEFAULT_TIMEOUT  # FirstGen's 10m default is in the model
            ref = self.refs[id(step)]
            self.trace("arrive", node=node.label, barrier=ref)
            status, message = yield self.barriers.arrive(node, ref, timeout)
            return status, message, ("Timeout" if status != SUCCEEDED else None)
        lock = self.lock_of_step.get(id(step))
        if lock is not None:
            status, message = yield from self._take(lock, node, _seconds(step.timeout))
            return status, message, ("Timeout" if status != SUCCEEDED else None)
        duration = self._duration(node)
        timeout = _seconds(step.timeout)
        if timeout is not None and timeout < duration:
            yield self._work(node, timeout)
            return EXPIRED, OWN_TIMEOUT, "Timeout"
        yield self._work(node, duration)
        failure = self._lookup(self.scenario.failures, node)
        if failure is not None and (failure.attempts is None or node.attempt <= failure.attempts):
            return FAILED, f"injected failure ({failure.error})", failure.error
        return SUCCEEDED, "", None

    def _work(self, node: Node, seconds: float) -> Signal:
        """`node` is busy for a while; the work is dropped if the node ends first (expires)."""
        done = Signal(self.clock)
        node.timer = self.clock.at(seconds, done.fire, None)
        return done

    def _wrap_up(self, node: Node):
        """A stage or step group named in the scenario's durations spends that long after its
        last step (teardown, verification outside the model)."""
        extra = self._lookup(self.scenario.durations, node)
        if extra:
            yield self._work(node, extra)

    def _duration(self, node: Node) -> float:
        """The scenario's duration, else the default, shortened to half the step's timeout so
        that an unnamed step never times out."""
        value = self._lookup(self.scenario.durations, node)
        if value is not None:
            return value
        timeout = _seconds(getattr(node.element, "timeout", None))
        return min(self.scenario.step_duration, timeout / 2) if timeout else self.scenario.step_duration

    # -- failure strategies -------------------------------------------------------------

    def _strategy(self, node: Node, start: int, error: str):
        """The first failure strategy matching `error`, from `node`'s `start`-th ancestor
        outwards: (action, strategy, level); MarkAsFailure hands over to the next level."""
        chain = [node, *_ancestors(node)]
        for level in range(start, len(chain)):
            found = next((s for s in chain[level].element.failure_strategies if _matches(s, error)), None)
            if found is not None and found.action != "MarkAsFailure":
                return found.action, found, level
        return None

    def _then(self, node: Node, strategy, error: str):
        """After the last retry: the `onRetryFailure` action, or the next level's strategy."""
        action, found, level = strategy
        if found.then and found.then != "MarkAsFailure":
            return found.then, found, level
        return self._strategy(node, level + 1, error)

    def _failed(self, node: Node, start: int, error: str, status: str, message: str):
        return (yield from self._apply(node, self._strategy(node, start, error), error, status, message))

    def _apply(self, node: Node, strategy, error: str, status: str, message: str):
        action = strategy[0] if strategy else None
        if action == "Ignore":
            self._finish(node, IGNORE_FAILED, message)
            return None
        if action in ("MarkAsSuccess", "ProceedWithDefaultValues"):
            self._finish(node, SUCCEEDED, message)
            return None
        if action == "ManualIntervention":
            node.status, node.message = INTERVENTION_WAITING, message
            self.trace("intervention", node=node.label, message=message)
            self.barriers.changed(node)
            yield Signal(self.clock)  # nobody answers in a simulation
            return None
        self._finish(node, status, message)
        if action == "Abort":
            self._stop(ABORTED, "abort", node.label)
            return None
        target = _stage_of(node)
        if action == "StepGroupRollback":
            target = next((n for n in _ancestors(node) if isinstance(n.element, StepGroup)), target)
        return Unwind(target, action or "MarkAsFailure", status == EXPIRED)

    def _stop(self, status: str, event: str, cause: str) -> None:
        """End the whole run: an Abort strategy, or the pipeline's own timeout."""
        self.trace(event, node=cause)
        self.aborted, self.stopped_as = True, status
        for node in list(self.active.values()):
            self._finish(node, status, ELEMENT_TIMEOUT if status == EXPIRED else "", notify=False)
        self.clock.stop()

    # -- when ---------------------------------------------------------------------------

    def _runs(self, element, node: Node, stage_level: bool = False, rollback: bool = False) -> bool:
        chosen = self._lookup(self.scenario.when, node)
        if chosen is not None:
            return chosen
        when = element.when
        if when is not None and when.never:
            return False
        status = when.status if when else None
        failed = self.pipeline_failed if stage_level else rollback
        if status in (None, "Success") and failed and (stage_level or status == "Success"):
            return False
        if status == "Failure" and not failed:
            return False
        if when is not None and when.condition is not None and when.condition.strip().lower() != "true":
            return self.scenario.condition
        return True

    # -- quiescence ---------------------------------------------------------------------

    def _snapshot(self) -> Quiescence:
        waiting_in: dict[int, list[Node]] = {}
        waits, interventions = [], []
        for node in self.active.values():
            if node.status == ASYNC_WAITING:
                waiting_in.setdefault(id(_stage_of(node)), []).append(node)
            elif node.status == INTERVENTION_WAITING:
                interventions.append(node)
        for node in sorted(self.active.values(), key=lambda n: (n.started, n.label)):
            if node.status != ASYNC_WAITING:
                continue
            instance = self.barriers.instances[self.refs[id(node.element)]]
            wait = Wait(node, instance.ref, node.started, instance.state != "STANDING")
            if not wait.late:
                missing = (self._describe(p, waiting_in) for p in sorted(instance.positions, key=lambda p: p.order) if p.state == "pending")
                wait.missing = list(dict.fromkeys(missing))
            waits.append(wait)
        started = {id(n.element) for n in self.history}
        not_started = [label for stage, label in self.plan.stages if stage not in started]
        held, queued = self.locks.snapshot()
        return Quiescence(self.clock.now, waits, interventions, not_started, held, queued)

    def _describe(self, position, waiting_in: dict[int, list[Node]]) -> str:
        """A missing participant, and what it is doing instead of arriving."""
        site = position.site
        occurrence = site.occurrence
        stage_element, stage_loops = site.levels[0]
        if stage_loops > len(position.key):
            return f"the copies of {site.loop_elements[len(position.key)].label}, which have not started"
        stage = self.nodes.get((stage_element, position.key[:stage_loops]))
        if stage is None:
            return f"{occurrence.stage.label}, which has not started"
        who = f"{stage.label} ({occurrence.step.label})"
        if stage.status in TERMINAL:
            return f"{who}, which ended {stage.status}"
        if occurrence.in_rollback:
            return f"{who}, a rollback step that runs only if {stage.label} fails"
        if position.placeholder:
            return f"{who}, in copies of {site.loop_elements[len(position.key)].label} that have not started"
        step = self.nodes.get((occurrence.step, position.key))
        if step is not None and step.status == INTERVENTION_WAITING:
            return f"{who}, which waits for a manual intervention"
        blocked = waiting_in.get(id(stage), [])
        if blocked:
            return f"{who}, which waits at " + ", ".join(f"{self.refs[id(n.element)]} ({n.label})" for n in blocked)
        return f"{who}, which it has not reached yet"


def element_count(pipeline: Pipeline) -> int:
    """How many stages, step groups, steps and blocks a pipeline holds (its size for the budget)."""
    count, stack = 0, list(pipeline.stages)
    while stack:
        item = stack.pop()
        count += 1
        stack.extend(sub for sub, _ in children(item))
    return count


def refused(ref: str | None, firstgen: bool) -> bool:
    """True when the engine refuses to start a run for a barrierRef: an expression that is not
    a runtime input, or an execution-time input (answered after the participants registered).
    FirstGen takes any text literally, and so does NextGen `${...}`."""
    ref = _default_input(ref)
    return not firstgen and is_expression(ref) and (not is_runtime_input(ref) or ".executionInput()" in ref)


def place(element) -> tuple:
    """An element's unambiguous scenario key: its file and route (routes repeat across files,
    such as the steps of two FirstGen workflows or of a template and its pipeline)."""
    return (element.origin.doc.path, element.origin.route)


@lru_cache(maxsize=None)
def _seconds(text: str | None) -> float | None:
    return parse_duration(text)


def element_names(pipeline: Pipeline) -> set[str]:
    """Every name a scenario can select an element by: identifiers joined with dots from the
    stage down (a chained child's stages start anew, as their nodes do) and YAML paths."""
    names: set[str] = set()
    stack: list[tuple] = [(item, "") for item in pipeline.stages]
    while stack:
        item, prefix = stack.pop()
        if isinstance(item, (Stage, StepGroup, Step)):
            prefix = item.label if isinstance(item, Stage) or not prefix else f"{prefix}.{item.label}"
            names.update((prefix, route_text(item.origin.route)))
        stack.extend((sub, prefix) for sub, _ in children(item))
    return names


def _dotted(occurrence) -> str:
    """A Barrier step's name in scenario files: `stage.group.step`."""
    return ".".join(item.label for item in occurrence.path if isinstance(item, (Stage, StepGroup))) + f".{occurrence.step.label}"


def _default_input(ref: str | None) -> str | None:
    """`<+input>.default(x)` -> x; anything else unchanged."""
    if ref is None or "<+input>" not in ref:
        return ref
    match = re.fullmatch(r"\s*<\+input>\s*\.default\(\s*['\"]?([^'\")]+?)['\"]?\s*\).*", ref or "")
    return match.group(1) if match else ref


def _until_expired(body):
    try:
        return (yield from body)
    except Expired:
        return EXPIRY


def _matches(strategy, error: str) -> bool:
    errors = strategy.errors or ("AllErrors",)
    return "AllErrors" in errors or error in errors


def _ancestors(node: Node):
    current = node.parent
    while current is not None:
        yield current
        current = current.parent


def _stage_of(node: Node) -> Node:
    while node.parent is not None:
        node = node.parent
    return node


def _outermost(results) -> Unwind | None:
    """Of the failures leaving parallel branches, the one that ends the outermost element."""
    unwinds = [r for r in results or () if isinstance(r, Unwind)]
    if not unwinds:
        return None
    return min(unwinds, key=lambda u: sum(1 for _ in _ancestors(u.target)))


def _provisioner(item) -> bool:
    return isinstance(item, Sequence) and item.section == "provisioner"
