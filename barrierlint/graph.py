r"""The happens-before graph of a pipeline, and what it says about its barriers.

One `HappensBefore` graph `G` per pipeline (integer nodes, built only when the pipeline has
Barrier steps). An edge `u -> v` means "v cannot happen before u has happened". Every element gets an
entry and an exit node; parallel blocks get a fork and a join; every Barrier step occurrence is
one `occ` node (the participant arrives) followed by a `pass` node (it goes on), and all
occurrences of one `barrierRef` meet in one `barrier` node: the contraction of the engine's one
barrier instance per reference and execution. No edge ever joins two occurrences directly, so
the graph is linear in the size of the YAML.

    stages:  [A] -seq-> fork -> [B] -> join -seq-> [C]
                            \-> [D] -/
    stage B: entry -po-> occ(b1) -arrive-> (X) -release-> pass(b1) -po-> occ(b2) ... -> exit
    stage D: entry -po-> occ(d1) -arrive-> (X) -release-> pass(d1) -po-> exit
    rollbackSteps of B using X:    exit(B) -rollback-> resolve -arrive-> (X)
    `when` skipped element E:      entry(E) -skip-> [no body]; entry(E) -resolve-> resolve -> (X)
    loop whose late copies hang:   last(body) -slot-> late -> exit(loop)
    dependsOn:                     exit(dep) -dependsOn-> entry(stage)

Node kinds: start, entry, exit, fork, join, skip, occ, pass, resolve, never, barrier, late. Node
attributes: `kind`, `item` (the model element, or the `Occurrence` for occ/pass/resolve, or the
reference for a barrier node). Edge attribute `kind`: seq, po, fork, join, dependsOn, skip,
resolve, rollback, slot, arrive, release. Containment: every node's `scope` attribute is the
innermost undecided `when`-conditional element it lies in (None outside any).

Semantics modelled (research/harness-semantics.md §3): a barrier releases when every position
has arrived; a skipped element's positions arrive when execution reaches the element; a
rollbackSteps position never starts on a successful run and counts as arrived when the stage or
step group holding that rollbackSteps section finishes, except that a position under a loop
that never spawns (inside a skipped element or a rollback section) never arrives (engine
profile `Settings.unspawned_loops` "pending"; "arrived" resolves it like the others); a loop (matrix, repeat, parallelism,
multi-service/environment spawner) registers only the copies that start immediately,
`min(copies, effective concurrency)` where the effective concurrency is `maxConcurrency` if
`0 < maxConcurrency < edition cap`, else the edition cap (`Settings.edition_cap`); copies
started later are no participants and reach every barrier after its release (late_arrival
"wait": they wait there until their own timeout; "pass": they pass at once). One
representative copy per loop is exact for cycles: every copy carries the same references.
References that are expressions or `parent.X` are not participants of this pipeline's barriers.

Verdicts. The graph is a marked graph (no choice), so the pipeline deadlocks iff a strongly
connected component that holds a barrier node is cyclic, whatever the durations, and the
nodes that never complete are exactly the descendants of those components (and of active late
nodes). `when` conditions are sandwiched: `min` skips every undecided conditional element,
`max` runs them all; a cycle in `min` deadlocks on every run ("must"), a cycle only in `max`
deadlocks when the conditional elements it passes through run ("may", `conditions`).

`Analysis.blocked` (the contract with the reference runtime; a disagreement is a bug in one
of the two): fix every conditional element's outcome, `outcomes[route]` where given and
*skipped* otherwise (for a pipeline without undecided conditions this is the run; otherwise
it is the must case); let the pipeline run with no failures and no timeouts firing. At
quiescence, `blocked` is the set of `occurrence.step.origin.route` of the Barrier steps that
have started and wait at a barrier that will never release (the frontier), plus, under
late_arrival "wait", the Barrier steps at which late loop copies wait for a barrier that was
released before they arrived. Steps that never start are not in it; a run that the engine
rejects at start (a Barrier step with its own `strategy`, a FirstGen identifier repeated in one
workflow of a parallel group) blocks nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable, Iterator

from .model import Occurrence, Parallel, Pipeline, Sequence, Stage, Step, StepGroup, Strategy, awaits_parent, children, is_expression, occurrences, parse_duration
from .memory import collector_paused

if TYPE_CHECKING:
    from .locks import Lock
    from .project import Project, Settings

ENGINE_DEFAULT_TIMEOUT = "10h"
POLL_SECONDS = 60
MAX_CONTENDERS = 5  # contenders of one key whose acquisition orders are enumerated (5! = 120 orders at most)
# Explaining a cyclic component searches forward from each barrier of it; together the searches
# of one graph visit at most this many nodes per node of the graph (plus a floor), so that
# thousands of barriers crossed in one cycle cost time linear in the pipeline.
SEARCH_PER_NODE = 16
SEARCH_FLOOR = 200_000
_SAME_PARTICIPANT = frozenset({"po", "fork", "join", "resolve", "slot"})  # edges that stay inside one stage


# -- the graph -----------------------------------------------------------------------------


class HappensBefore:
    """The graph as lists indexed by node: node `n` has `kind[n]`, `item[n]`, `scope[n]` and its
    successors `succ[n]` (each once, in the order the edges were made); `edge_kind[u, v]` is the
    kind of edge `u -> v`. Plain lists, not networkx: a DiGraph keeps a dict per node and per edge
    (28 MiB for a 10,000-stage pipeline, against 10 MiB with `pred`) and importing networkx costs
    a start-up 100 ms, so a check never imports it."""

    __slots__ = ("kind", "item", "scope", "succ", "edge_kind", "_pred")

    def __init__(self, kind: list[str], item: list, scope: list, succ: list[list[int]], edge_kind: dict[tuple[int, int], str]):
        self.kind, self.item, self.scope, self.succ, self.edge_kind = kind, item, scope, succ, edge_kind
        self._pred: list[list[int]] | None = None

    def number_of_nodes(self) -> int:
        return len(self.kind)

    def number_of_edges(self) -> int:
        return len(self.edge_kind)

    @property
    def pred(self) -> list[list[int]]:
        """Each node's predecessors, in the order the edges were made (built on first use)."""
        if self._pred is None:
            self._pred = [[] for _ in self.kind]
            for u, v in self.edge_kind:
                self._pred[v].append(u)
        return self._pred

    def edges_into(self, node: int) -> list[tuple[int, str]]:
        """(predecessor, edge kind) for every edge into `node`."""
        return [(u, self.edge_kind[u, node]) for u in self.pred[node]]

    def reachable(self, sources: Iterable[int]) -> set[int]:
        """The nodes reachable from `sources`, themselves included."""
        seen = set(sources)
        stack = list(seen)
        while stack:
            for following in self.succ[stack.pop()]:
                if following not in seen:
                    seen.add(following)
                    stack.append(following)
        return seen


def components(nodes: Iterable, succ) -> Iterator[set]:
    """The strongly connected components of the graph of `nodes` and their successors `succ[n]`,
    each one after every component it reaches: Nuutila's iterative form of Tarjan's algorithm,
    visiting `nodes` and successors in order. It is the one networkx 3 runs, step for step, so each
    component's set is filled, and iterates, as it did when networkx found them (the witnesses
    of `_Graph.later` follow that order)."""
    preorder: dict = {}
    lowlink: dict = {}
    done: set = set()
    pending: list = []  # visited nodes whose component is not complete yet
    neighbours: dict = {}
    counter = 0
    for source in nodes:
        if source in done:
            continue
        queue = [source]
        while queue:
            node = queue[-1]
            if node not in preorder:
                counter += 1
                preorder[node] = counter
                neighbours[node] = iter(succ[node])
            descended = False
            for following in neighbours[node]:
                if following not in preorder:
                    queue.append(following)
                    descended = True
                    break
            if descended:
                continue
            low = preorder[node]
            for following in succ[node]:
                if following not in done:
                    low = min(low, lowlink[following] if preorder[following] > preorder[node] else preorder[following])
            lowlink[node] = low
            queue.pop()
            if low == preorder[node]:
                component = {node}
                while pending and preorder[pending[-1]] > preorder[node]:
                    component.add(pending.pop())
                done.update(component)
                yield component
            else:
                pending.append(node)


def topological_order(nodes: list, succ) -> list:
    """`nodes` of an acyclic graph in topological order: Kahn's algorithm, one generation of
    sources after the other, in the order networkx's `topological_sort` gives."""
    indegree = dict.fromkeys(nodes, 0)
    for node in nodes:
        for following in succ[node]:
            indegree[following] += 1
    sources = [node for node in nodes if indegree[node] == 0]
    order = []
    while sources:
        order += sources
        generation, sources = sources, []
        for node in generation:
            for following in succ[node]:
                indegree[following] -= 1
                if indegree[following] == 0:
                    sources.append(following)
    return order


# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Condition:
    """A `when`-conditional element that must run for a may-verdict to hold."""

    element: Stage | StepGroup | Step

    @property
    def text(self) -> str:
        when = self.element.when
        what = "stage" if isinstance(self.element, Stage) else "step group" if isinstance(self.element, StepGroup) else "step"
        detail = [f"{k} {v}" for k, v in (("status", when and when.status), ("condition", when and when.condition)) if v]
        return f"{what} '{self.element.label}' runs" + (f" (when: {', '.join(detail)})" if detail else "")


@dataclass(frozen=True, slots=True, eq=False)
class Wait:
    """One edge of a wait-for witness: who waits at `barrier` for `missing`, and why it is late."""

    barrier: str
    waiting: tuple[Occurrence, ...]  # participants that arrived at `barrier` and wait
    missing: Occurrence  # a position of `barrier` that never arrives
    blocker: Occurrence | None  # the arrived participant that `missing` is stuck behind
    kinds: frozenset[str]  # edge kinds between blocker and missing
    line: str
    owner: "Stage | StepGroup | None" = None  # whose finishing a rollbackSteps `missing` waits for
    deferred: bool = False  # `missing` is skipped below its nearest step group: it arrives when its stage finishes


@dataclass(frozen=True, slots=True, eq=False)
class Deadlock:
    """One problem of a cyclic strongly connected component that holds barriers: a barrier whose
    own positions are ordered (reuse), or the cycle through several barriers that remains once
    each reused barrier is split. A component holds one problem or more."""

    kind: str  # reuse-in-participant (BL201) | sequential-reuse (BL301) | cycle (BL302)
    barriers: tuple[str, ...]  # in order of first use
    occurrences: tuple[Occurrence, ...]  # every position of those barriers, document order
    waiting: tuple[Occurrence, ...]  # the positions that arrive and wait (this problem alone)
    missing: tuple[Occurrence, ...]  # the positions that never arrive
    cycle: tuple[Wait, ...]  # the wait-for cycle, one edge per line of the witness
    verdict: str  # must | may
    conditions: tuple[Condition, ...] = ()
    limited: bool = False  # the analysis budget ran out: the component is one problem, not split into its parts

    @property
    def witness(self) -> tuple[str, ...]:
        return tuple(wait.line for wait in self.cycle)

    @property
    def participants(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o.where for o in self.occurrences))


@dataclass(frozen=True, slots=True, eq=False)
class LateLoop:
    """A loop whose later copies are no participants and reach its barriers after release."""

    element: Stage | StepGroup
    strategy: Strategy
    copies: int | None  # None: only known at run time
    started: int | None  # copies that start at once (and register as participants); None: maxConcurrency is an expression
    limit: str  # what limits them: "maxConcurrency 2", "the edition cap of 20", "metadata.parallel: false"
    first: tuple[Occurrence, ...]  # the Barrier steps a late copy reaches first
    verdict: str
    conditions: tuple[Condition, ...] = ()

    @property
    def serial_deployment(self) -> bool:
        return self.limit.startswith("metadata.parallel")


@dataclass(frozen=True, slots=True, eq=False)
class RollbackStall:
    """A barrier whose normal-flow participants wait until stages holding it in rollbackSteps finish."""

    barrier: str
    rollback: tuple[Occurrence, ...]  # rollbackSteps positions that hold the barrier
    owners: tuple[Stage | StepGroup, ...]  # whose finishing releases them
    waiting: tuple[Occurrence, ...]  # normal-flow positions that can arrive before an owner finishes


@dataclass(frozen=True, slots=True, eq=False)
class HoldAndWait:
    """A lock held across a barrier wait by `holder` while `waiter` must take the same lock before
    it reaches a barrier on the wait-for cycle (`holder is waiter`: copies of one looped stage)."""

    holder: "Lock"
    waiter: "Lock"
    waiting: Occurrence  # the holder's Barrier step where it waits, holding the lock
    missing: Occurrence  # the waiter's Barrier step that it reaches only after taking the lock
    verdict: str  # must: every acquisition order hangs; may: the orders in `orders`, or under `conditions`
    orders: tuple[tuple["Lock", ...], ...] = ()  # acquisition orders that hang (may)
    tried: int = 1  # acquisition orders that happens-before allows
    conditions: tuple[Condition, ...] = ()
    copies: int | None = None  # copies of the looped stage that contend with each other
    awaited: tuple[Occurrence, ...] = ()  # the positions of the holder's barrier that never arrive

    @property
    def barrier(self) -> str:
        return self.waiting.ref

    @property
    def line(self) -> str:
        lock = self.holder.name
        if self.copies is not None:
            return (
                f"the {self.copies} copies of '{self.holder.stage.label}' start together: the first to take {lock} "
                f"({self.holder.at}) waits at '{self.barrier}' for the others, which are queued on {lock} until it finishes"
            )
        awaited = ", ".join(dict.fromkeys(f"'{o.where}'" for o in self.awaited)) or f"'{self.missing.where}'"
        line = f"'{self.holder.where}' holds {lock} ({self.holder.at}) and waits at '{self.barrier}' for {awaited}"
        if self.missing.ref == self.barrier:
            return f"{line}, which is queued on {lock} ({self.waiter.at}) and so never reaches '{self.barrier}'"
        return (
            f"{line}, which waits at '{self.missing.ref}' for '{self.missing.where}', queued on {lock} ({self.waiter.at}) "
            f"behind '{self.holder.where}'"
        )


@dataclass(frozen=True, slots=True, eq=False)
class LockLimit:
    """The lock searches spent their budget: keys from `first`'s on were not examined."""

    first: "Lock"
    examined: int
    keys: int


@dataclass(frozen=True, eq=False)
class Analysis:
    pipeline: Pipeline
    occurrences: tuple[Occurrence, ...] = ()
    graph: "HappensBefore | None" = None  # the max variant (every undecided condition runs)
    deadlocks: tuple[Deadlock, ...] = ()
    late_loops: tuple[LateLoop, ...] = ()
    stalls: tuple[RollbackStall, ...] = ()
    blocked: frozenset = frozenset()
    late_arrival: str = "wait"
    hold_and_wait: tuple[HoldAndWait, ...] = ()
    lock_limit: LockLimit | None = None


# -- entry points --------------------------------------------------------------------------


def analysis(pipeline: Pipeline, project: "Project") -> Analysis:
    """The cached analysis of a pipeline (rules call this; one graph per pipeline and run)."""
    key = ("analysis", id(pipeline))
    if key not in project._cache:
        project._cache[key] = analyze(pipeline, project)
    return project._cache[key]


def analyze(pipeline: Pipeline, project: "Project | None" = None, *, outcomes: dict | None = None) -> Analysis:
    """Build the graph of a pipeline and find its deadlocks, late loops, rollback stalls and the
    blocked set. `outcomes` maps `origin.route` of a conditional element to True (runs) or False
    (skipped); undecided conditional elements are sandwiched (see the module docstring)."""
    from .project import Settings

    settings = project.settings if project is not None else Settings()
    found = project.occurrences(pipeline) if project is not None else occurrences(pipeline)
    literal = tuple(o for o in found if _literal(o.ref))
    if not literal:
        return Analysis(pipeline, late_arrival=settings.late_arrival)
    decided = dict(outcomes or {})
    locks = ()
    if project is not None:
        from .locks import holds

        locks = holds(pipeline, project)
    with collector_paused():  # the graph allocates many small containers while the YAML nodes stay alive
        low = _Graph(pipeline, literal, decided, settings, run_undecided=False, locks=locks)
        high = _Graph(pipeline, literal, decided, settings, run_undecided=True, locks=locks) if low.undecided else low
    must = low.deadlocks("must")
    must_barriers = {b for d in must for b in d.barriers}
    may = [d for d in high.deadlocks("may") if not must_barriers.intersection(d.barriers)] if high is not low else []
    must_loops = {id(loop.element) for loop in low.late_info}
    loops = list(low.late_info)
    if high is not low:
        loops += [replace(loop, verdict="may") for loop in high.late_info if id(loop.element) not in must_loops]
    holding = low.hold_and_wait() if locks else []
    if locks and high is not low:
        seen = {h.holder.key for h in holding}
        holding += [replace(h, verdict="may") for h in high.hold_and_wait() if h.holder.key not in seen]
    return Analysis(
        pipeline=pipeline,
        occurrences=literal,
        graph=high.graph,
        deadlocks=tuple(must) + tuple(may),
        late_loops=tuple(loops),
        stalls=tuple(high.stalls()),
        blocked=frozenset() if refused_at_start(pipeline, found) else low.blocked(),
        late_arrival=settings.late_arrival,
        hold_and_wait=tuple(holding),
        lock_limit=low.lock_limit or high.lock_limit,
    )


def structure(pipeline: Pipeline, project: "Project") -> "HappensBefore":
    """The happens-before graph of every stage, step group and parallel block with the Barrier
    steps, every undecided `when` running: what `diff` compares between two versions (a pipeline
    without Barrier steps included)."""
    found = tuple(o for o in project.occurrences(pipeline) if _literal(o.ref))
    with collector_paused():
        return _Graph(pipeline, found, {}, project.settings, run_undecided=True, whole=True).graph


def refused_at_start(pipeline: Pipeline, found: list[Occurrence]) -> bool:
    """True when the engine refuses to start the run: a Barrier step with its own strategy
    (BL403), or a FirstGen identifier twice in one workflow of a parallel group (BL201)."""
    from .firstgen import not_concurrent

    return any(o.step.strategy for o in found) or (pipeline.syntax == "firstgen" and next(not_concurrent(found), None) is not None)


def _literal(ref: str | None) -> bool:
    return bool(ref) and not is_expression(ref) and not awaits_parent(ref)  # `${...}` is a literal name to the engine


def concurrency(strategy: Strategy, cap: int) -> tuple[int, str]:
    """How many copies of a loop run at once, and what limits them: the user's value if
    `0 < value < cap`, else the account edition cap (research/harness-semantics.md §3.12)."""
    limit = strategy.max_concurrency
    if limit is not None and 0 < limit < cap:
        return limit, "metadata.parallel: false" if strategy.kind == "multi-deployment" else f"maxConcurrency {limit}"
    return cap, f"the account edition cap of {cap} concurrent copies"


def timeout_text(occurrence: Occurrence) -> str:
    timeout = occurrence.step.timeout
    if timeout is None:
        return f"{ENGINE_DEFAULT_TIMEOUT} (engine default: no timeout set)"
    if parse_duration(timeout) is None:
        return f"its timeout '{timeout}'"
    return timeout


def consequence(waiting: Iterable[Occurrence]) -> str:
    """What happens at run time to participants that wait at barriers that never release."""
    waiting = list(dict.fromkeys(waiting))
    shared = {where for where, count in Counter(o.where for o in waiting).items() if count > 1}  # name the steps there
    steps = [f"'{o.where}'{f' (step {o.step.label!r})' if o.where in shared else ''} at '{o.ref}' after {timeout_text(o)}" for o in waiting]
    if not steps:
        return "nothing ever arrives: the stages involved never run to completion"
    return (
        "the waiting Barrier steps expire after their own timeouts (" + "; ".join(steps) + "); the first expiry "
        f"times its barrier out, and within the next {POLL_SECONDS} s poll every participant still waiting there "
        "expires with it and follows its failure strategy"
    )


# -- construction --------------------------------------------------------------------------


def _barrier_steps(items: Iterable) -> Iterator[Step]:
    """Every Barrier step in a subtree, rollback sections included."""
    stack = list(items)
    while stack:
        item = stack.pop()
        if isinstance(item, Step):
            if item.is_barrier:
                yield item
        else:
            stack.extend(sub for sub, _ in children(item))


class _Graph:
    """One variant of the graph: undecided conditional elements all run, or all are skipped."""

    def __init__(self, pipeline: Pipeline, found: tuple[Occurrence, ...], decided: dict, settings: "Settings", run_undecided: bool, locks=(), whole: bool = False):
        self.decided, self.run_undecided, self.settings = decided, run_undecided, settings
        self.by_step = {id(o.step): o for o in found}
        self.rank = {}  # reference -> order of first use
        for o in found:
            self.rank.setdefault(o.ref, len(self.rank))
        self.live = {id(item) for o in found for item in o.path}
        self.locks = tuple(locks)
        self.lock_of_step = {id(lock.step): lock for lock in self.locks if lock.step is not None}
        self.live.update(id(item) for lock in self.locks if lock.occurrence is not None for item in lock.occurrence.path)
        self.stage_locks: dict[int, list] = {}
        for lock in self.locks:
            if lock.step is None:
                self.stage_locks.setdefault(id(lock.stage), []).append(lock)
        self.acquire: dict[int, int] = {}  # id(lock) -> the node where it is taken
        self.stage_exit: dict[int, int] = {}  # id(stage) -> its exit node (where Stage-scoped locks are released)
        self.whole = whole  # build every stage, step group and parallel block, not only those holding Barrier steps
        self.kind: list[str] = []
        self.item: list = []
        self.scope: list = []  # innermost undecided conditional element per node
        self.succ: list[list[int]] = []  # each successor once
        self.barrier_node: dict[str, int] = {}
        self.pass_of: dict[int, int] = {}  # pass node -> its occ node
        self.pass_by_occ: dict[int, int] = {}
        self.inputs: dict[int, int] = {}  # join node -> how many nodes lead into it
        self.edge_kind: dict[tuple[int, int], str] = {}
        self.entry_of: dict[int, int] = {}  # id(stage) -> entry node
        self.exit_of: dict[str, int] = {}  # stage identifier -> exit node
        self.parent_scope: dict[int, object] = {}  # id(conditional element) -> enclosing one
        self.owner_exit: dict[int, int] = {}  # rollback resolve node -> exit node of its owner
        self.owner_of: dict[int, Stage | StepGroup] = {}  # id(rollback Barrier step) -> its owner
        self.undecided = False
        self.current_scope = None
        self.late: list[tuple[int, int, LateLoop]] = []  # active late nodes: (late node, body last node, loop)
        self.late_info: list[LateLoop] = []  # every loop whose late copies reach a barrier
        self.never: list[int] = []  # positions under loops that never spawn
        self.deferred: dict[int, list] = {}  # id(stage) -> positions that arrive when the stage finishes
        self.deferred_steps: set[int] = set()
        self.end = None
        self.lock_limit: LockLimit | None = None
        self._topo: list[int] | None = None  # see topo()
        self._pipeline(pipeline)
        self.graph = HappensBefore(self.kind, self.item, self.scope, self.succ, self.edge_kind)
        loops = [c for c in components(range(len(self.kind)), self.succ) if len(c) > 1]
        self.cyclic = [c for c in loops if any(self.kind[n] == "barrier" for n in c)]
        self.looping = {n for c in loops for n in c}  # also dependsOn cycles, which hold no barrier
        sources = [n for c in self.cyclic for n in c] + [late for late, _, _ in self.late] + self.never
        self.stuck = self.graph.reachable(sources)  # never completes
        self.search_left = SEARCH_PER_NODE * len(self.kind) + SEARCH_FLOOR

    # nodes and edges

    def node(self, kind: str, item) -> int:
        self.kind.append(kind)
        self.item.append(item)
        self.scope.append(self.current_scope)
        self.succ.append([])
        return len(self.kind) - 1

    def edge(self, u: int, v: int, kind: str) -> None:
        """Edge `u -> v`, once (empty branches of a parallel block all join from its fork; a stage
        may name one dependency twice)."""
        if (u, v) not in self.edge_kind:
            self.succ[u].append(v)
            self.edge_kind[u, v] = kind

    def barrier(self, ref: str) -> int:
        if ref not in self.barrier_node:
            self.barrier_node[ref] = self.node("barrier", ref)
        return self.barrier_node[ref]

    def resolve(self, step: Step, after: int, kind: str, holder) -> None:
        """A position that arrives without running, after node `after` (a skipped `holder` is
        reached, or `holder` owning a rollback section finishes). The engine walks a position
        stage -> nearest step group -> step (harness-semantics §3.3), so `holder` releases it only
        when it is one of those three; otherwise the position waits for its stage to finish. Under
        a loop inside `holder` that never spawns it never arrives (profile `unspawned_loops`)."""
        occurrence = self.by_step.get(id(step))
        if occurrence is None:
            return
        if self.settings.unspawned_loops == "pending" and _unspawned(occurrence, holder):
            node = self.node("never", occurrence)
            self.edge(node, self.barrier(occurrence.ref), "arrive")
            self.never.append(node)
        elif holder is occurrence.stage or holder is occurrence.group or holder is occurrence.step:
            node = self.node("resolve", occurrence)
            self.edge(after, node, kind)
            self.edge(node, self.barrier(occurrence.ref), "arrive")
            self.owner_of[id(step)] = holder
            if kind == "rollback":
                self.owner_exit[node] = after
        else:
            self.deferred.setdefault(id(occurrence.stage), []).append((step, kind))
            self.deferred_steps.add(id(step))

    # elements

    def _pipeline(self, pipeline: Pipeline) -> None:
        start = self.node("start", pipeline)
        current = start
        for item in pipeline.stages:
            if isinstance(item, Stage) and item.depends_on is not None:
                current = self.element(item, start, "dependsOn")
            else:
                current = self.element(item, current, "seq")
        for stage in _stages(pipeline.stages):
            if stage.depends_on and id(stage) in self.entry_of:
                for dependency in stage.depends_on:
                    if dependency in self.exit_of:
                        self.edge(self.exit_of[dependency], self.entry_of[id(stage)], "dependsOn")
        if self.locks:  # the execution ends after every stage: where Pipeline-scoped locks are released
            self.end = self.node("end", pipeline)
            for node in {current, *self.stage_exit.values()}:
                self.edge(node, self.end, "seq")

    def runs(self, item) -> bool | None:
        """True/False when decided; None when the element is conditional and undecided."""
        route = item.origin.route
        if route in self.decided:
            return bool(self.decided[route])
        when = getattr(item, "when", None)
        if when is not None and when.never:
            return False
        return None if when is not None and when.conditional else True

    def element(self, item, pred: int, link: str) -> int:
        """Build one element after node `pred`; return the node after which what follows starts."""
        if isinstance(item, Step):
            return self.step(item, pred, link)
        if not isinstance(item, Stage) and id(item) not in self.live and not self.whole:
            return pred
        if isinstance(item, (Parallel, Sequence)):
            return self.block(item, pred, link)
        runs = self.runs(item)
        if runs is None:
            self.undecided = True
        if runs is False or (runs is None and not self.run_undecided):
            node = self.node("skip", item)
            self.edge(pred, node, link)
            for step in _barrier_steps(children_items(item)):
                self.resolve(step, node, "resolve", item)
            return self.record(item, node, node)
        outer = self.current_scope
        if runs is None:
            self.parent_scope[id(item)] = outer
            self.current_scope = item
        entry = self.node("entry", item)
        self.edge(pred, entry, link)
        for lock in self.stage_locks.get(id(item), ()):
            self.acquire[id(lock)] = entry  # the resource constraint is taken before the execution starts
        last = entry
        copy_end = None  # where one participating copy of a loop finishes (its own rollback positions resolve there)
        if item.strategy is None or item.strategy.copies != 0:
            for sub in item.steps:
                last = self.element(sub, last, "po")
            if item.strategy is not None:
                copy_end = last
                last = self.loop(item, entry, last)
        exit_ = self.node("exit", item)
        self.edge(last, exit_, "po")
        if isinstance(item, Stage):
            self.stage_exit[id(item)] = exit_
        self.current_scope = outer
        for step in _barrier_steps(item.rollback_steps):
            self.resolve(step, exit_ if copy_end is None else copy_end, "rollback", item)
        for step, kind in self.deferred.pop(id(item), ()):
            self.resolve(step, exit_, kind, item)
        return self.record(item, entry, exit_)

    def record(self, item, entry: int, exit_: int) -> int:
        if isinstance(item, Stage):
            self.entry_of[id(item)] = entry
            if item.identifier:
                self.exit_of[item.identifier] = exit_
        return exit_

    def block(self, item, pred: int, link: str) -> int:
        if isinstance(item, Sequence):
            for sub in item.items:
                pred = self.element(sub, pred, link)
                link = "po"
            return pred
        fork = self.node("fork", item)
        self.edge(pred, fork, link)
        ends = [self.element(branch, fork, "fork") for branch in item.branches]
        join = self.node("join", item)
        for end in ends:
            self.edge(end, join, "join")
        self.inputs[join] = len(set(ends))
        return join

    def step(self, step: Step, pred: int, link: str) -> int:
        occurrence = self.by_step.get(id(step))
        if occurrence is None:
            lock = self.lock_of_step.get(id(step))
            return pred if lock is None else self.take(lock, pred, link)
        runs = self.runs(step)
        if runs is None:
            self.undecided = True
        if runs is False or (runs is None and not self.run_undecided):
            self.resolve(step, pred, "resolve", step)
            return pred
        outer = self.current_scope
        if runs is None:
            self.parent_scope[id(step)] = outer
            self.current_scope = step
        arrive = self.node("occ", occurrence)
        self.edge(pred, arrive, link)
        self.edge(arrive, self.barrier(occurrence.ref), "arrive")
        go = self.node("pass", occurrence)
        self.edge(self.barrier(occurrence.ref), go, "release")
        self.pass_of[go] = arrive
        self.pass_by_occ[arrive] = go
        self.current_scope = outer
        return go

    def take(self, lock: "Lock", pred: int, link: str) -> int:
        """A Queue step: the node where its key is taken (nothing when the step is skipped)."""
        runs = self.runs(lock.step)
        if runs is None:
            self.undecided = True
        if runs is False or (runs is None and not self.run_undecided):
            return pred
        outer = self.current_scope
        if runs is None:
            self.parent_scope[id(lock.step)] = outer
            self.current_scope = lock.step
        node = self.node("acquire", lock)
        self.edge(pred, node, link)
        self.current_scope = outer
        self.acquire[id(lock)] = node
        return node

    def loop(self, item: Stage | StepGroup, entry: int, last: int) -> int:
        """The copies that start late: a `late` node that never completes under "wait"."""
        strategy = item.strategy
        at_once, limit = concurrency(strategy, self.settings.edition_cap)
        known_late = strategy.copies is not None and at_once < strategy.copies
        limited = strategy.max_concurrency is not None and 0 < strategy.max_concurrency < self.settings.edition_cap
        expression = strategy.max_concurrency_expression  # maxConcurrency known only when the run starts
        guessed = not known_late and expression is not None and (strategy.copies is None or strategy.copies > 1)
        if not known_late and not (strategy.copies is None and limited) and not guessed:
            return last
        first = self.first_barriers(entry, last)
        if not first:
            return last
        info = LateLoop(
            item, strategy, strategy.copies, None if guessed else at_once, f"maxConcurrency {expression}" if guessed else limit,
            tuple(self.item[n] for n in first), verdict="must" if known_late else "may", conditions=self.conditions([entry, *first]),
        )
        self.late_info.append(info)
        if not known_late or self.settings.late_arrival != "wait":
            return last
        late = self.node("late", item)
        self.edge(last, late, "slot")
        self.late.append((late, last, info))
        return late

    def first_barriers(self, entry: int, last: int) -> list[int]:
        """The Barrier steps a copy of the body reaches before any other Barrier step (past a
        parallel block only when no branch of it holds one)."""
        found, seen, stack = set(), {entry, last}, [entry]
        branches_left: dict[int, int] = {}
        while stack:
            node = stack.pop()
            for nxt in self.succ[node]:
                if nxt in seen or self.kind[nxt] in ("barrier", "resolve", "never"):
                    continue
                if self.kind[nxt] == "join":  # every branch must get here
                    branches_left[nxt] = branches_left.get(nxt, self.inputs[nxt]) - 1
                    if branches_left[nxt]:
                        continue
                seen.add(nxt)
                if self.kind[nxt] == "occ":
                    found.add(nxt)
                else:
                    stack.append(nxt)
        return sorted(found)

    # analysis

    def conditions(self, nodes: Iterable[int]) -> tuple[Condition, ...]:
        found = {}
        for node in nodes:
            element = self.scope[node]
            while element is not None and id(element) not in found:
                found[id(element)] = element
                element = self.parent_scope.get(id(element))
        return tuple(Condition(e) for e in sorted(found.values(), key=lambda e: e.origin.route))

    def blocked(self) -> frozenset:
        routes = set()
        for node, kind in enumerate(self.kind):
            if kind == "occ" and node not in self.stuck and self.barrier_node[self.item[node].ref] in self.stuck:
                routes.add(self.item[node].step.origin.route)
        for _, body_last, info in self.late:
            if body_last not in self.stuck:
                routes.update(o.step.origin.route for o in info.first)
        return frozenset(routes)

    def deadlocks(self, verdict: str) -> list[Deadlock]:
        found = [d for component in self.cyclic for d in self.explain(component, verdict)]
        return sorted(found, key=lambda d: (self.rank[d.barriers[0]], d.kind))

    def explain(self, component: set[int], verdict: str) -> list[Deadlock]:
        """The problems of one cyclic component, each as if it were the only one: every barrier
        whose own positions are ordered (reuse), then any cycle that remains once each reused
        barrier is split into one barrier per position. When the searches for reuse exhaust the
        budget, the whole component is one problem, marked `limited`."""
        barriers = sorted((n for n in component if self.kind[n] == "barrier"), key=lambda n: self.rank[self.item[n]])
        passes: dict[str, list[int]] = {}
        for n in component:
            if self.kind[n] == "pass":
                passes.setdefault(self.item[n].ref, []).append(n)
        try:
            conditions = self.conditions(component) if verdict == "may" else ()  # once: a component may hold thousands of problems
            found = [d for d in (self.reuse(b, component, passes, verdict, conditions) for b in barriers) if d is not None]
        except _BudgetSpent:
            return [replace(self.cycle(component, self.graph.edges_into, verdict), limited=True)]
        if not found:
            return [self.cycle(component, self.graph.edges_into, verdict)]
        reused = {self.barrier_node[d.barriers[0]] for d in found}
        kept = component - reused
        # the component without its reused barriers, each pass of one following its own arrival
        arrival = {node: self.pass_of[node] for node in kept if self.kind[node] == "pass" and self.barrier_node[self.item[node].ref] in reused}
        succ = {node: [v for v in self.succ[node] if v in kept] for node in kept}
        for node, arrived in arrival.items():
            succ.setdefault(arrived, []).append(node)

        def split_into(node: int) -> list[tuple[int, str]]:
            edges = [(u, kind) for u, kind in self.graph.edges_into(node) if u in kept]
            return edges + [(arrival[node], "po")] if node in arrival else edges

        for sub in components(sorted(succ), succ):
            if len(sub) > 1 and any(self.kind[n] == "barrier" for n in sub):
                found.append(self.cycle(sub, split_into, verdict))
        return found

    def forward(self, node: int) -> list[int]:
        """Happens-before successors without the contraction: an arrival leads to its own pass."""
        kind = self.kind[node]
        if kind == "occ":
            return [self.pass_by_occ[node]]
        return [] if kind in ("resolve", "barrier") else self.succ[node]

    def reuse(self, barrier: int, component: set[int], passes: dict[str, list[int]], verdict: str, conditions: tuple) -> Deadlock | None:
        """A position of this barrier that comes after another one of it, found by a forward
        search inside the component that contracts no barrier: first inside one stage (BL201),
        then anywhere (BL301), so the kind does not depend on the order of branches."""
        everywhere = self.later(barrier, component, passes, within_stage=False)
        if everywhere is None:
            return None
        found = self.later(barrier, component, passes, within_stage=True) or everywhere
        return self.deadlock([barrier], component, {self.item[barrier]: found[:3]}, verdict, late=everywhere[3], conditions=conditions)

    def later(self, barrier: int, component: set[int], passes: dict[str, list[int]], within_stage: bool):
        """(first late position, the position it comes after, edge kinds between them, every
        late position node) for positions of this barrier reached from one of its passes
        (`passes`: the component's pass nodes by reference). _BudgetSpent past the budget."""
        ref = self.item[barrier]
        seen = {n: (self.pass_of[n], frozenset()) for n in passes.get(ref, ())}
        stack, late = list(seen), []
        while stack:
            node = stack.pop()
            self.search_left -= 1
            if self.search_left < 0:
                raise _BudgetSpent
            origin, kinds = seen[node]
            # inside one stage, its exit leads only to the positions that resolve there
            leaves = within_stage and self.kind[node] == "exit" and isinstance(self.item[node], Stage)
            for nxt in self.forward(node):
                if nxt in seen or nxt not in component:
                    continue
                if leaves and not (self.kind[nxt] == "resolve" and self.item[nxt].stage is self.item[origin].stage):
                    continue
                seen[nxt] = (origin, kinds | {self.edge_kind.get((node, nxt), "po")})
                if self.kind[nxt] in ("occ", "resolve") and self.item[nxt].ref == ref:
                    if not (within_stage and self.item[nxt].in_rollback):  # a rollback mix is BL301's
                        late.append(nxt)
                else:
                    stack.append(nxt)
        if not late:
            return None
        first = min(late, key=lambda n: self.item[n].step.origin.route)
        origin, kinds = seen[first]
        return self.item[first], self.item[origin], kinds, frozenset(late)

    def cycle(self, component: set[int], edges_into, verdict: str) -> Deadlock:
        """The wait-for witness of a cycle through several barriers (research/analysis-anchors.md
        §3.6): walk back from every missing position through the component to an arrived one
        (`edges_into(node)`: (predecessor, edge kind) of the graph the component belongs to)."""
        memo: dict[int, tuple[int | None, frozenset]] = {}

        def blocker(start: int) -> tuple[int | None, frozenset]:
            path, node = [], start
            while node not in memo:
                if self.kind[node] == "pass":
                    arrived = self.pass_of[node]
                    if arrived not in component:
                        memo[node] = (arrived, frozenset())
                        break
                    path.append((node, "po"))
                    node = arrived
                    continue
                inside = sorted((kind != "po", u, kind) for u, kind in edges_into(node) if u in component)
                if not inside:
                    memo[node] = (None, frozenset())
                    break
                _, node_before, kind = inside[0]
                path.append((node, kind))
                node = node_before
            found, kinds = memo[node]
            for step, kind in reversed(path):
                kinds = kinds | {kind}
                memo[step] = (found, kinds)
            return memo[start]

        barriers = sorted((n for n in component if self.kind[n] == "barrier"), key=lambda n: self.rank[self.item[n]])
        edges: dict[str, dict] = {}
        for b in barriers:
            for p in sorted(u for u, _ in edges_into(b)):
                if p in component:
                    found, kinds = blocker(p)
                    target = self.item[found].ref if found is not None else None
                    edges.setdefault(self.item[b], {}).setdefault(target, (self.item[p], self.item[found] if found is not None else None, kinds))
        waiting = [self.item[b] for b in barriers if any(p not in component and self.kind[p] == "occ" for p, _ in edges_into(b))]
        waits = {x: edges[x][y] for x, y in self._cycle(edges, waiting)}
        return self.deadlock(barriers, component, waits, verdict)

    def deadlock(self, barriers: list[int], component: set[int], waits: dict, verdict: str, late: frozenset | None = None, conditions: tuple | None = None) -> Deadlock:
        """`late`: for a reused barrier, the positions that come after another of its own; the
        others arrive and wait when this problem is the only one (a component may hold several,
        and another one may keep them from arriving on the whole run)."""
        preds = self.graph.pred
        refs = tuple(self.item[b] for b in barriers)
        never = late if late is not None else component
        waiting = {r: tuple(self.item[p] for p in sorted(preds[b]) if p not in never and self.kind[p] == "occ") for r, b in zip(refs, barriers)}
        missing = [self.item[p] for b in barriers for p in sorted(preds[b]) if p in never]
        cycle = tuple(
            Wait(
                x, waiting[x], q, b, kinds, _line(x, waiting[x], q, b, kinds, self), self.owner_of.get(id(q.step)) if q.in_rollback else None,
                "resolve" in kinds and id(q.step) in self.deferred_steps,
            )
            for x, (q, b, kinds) in waits.items()
        )
        if len(waits) > 1:
            kind = "cycle"
        else:
            only = cycle[0]
            same_stage = only.blocker is not None and only.missing.stage is only.blocker.stage and not only.missing.in_rollback
            kind = "reuse-in-participant" if same_stage and only.kinds <= _SAME_PARTICIPANT else "sequential-reuse"
        everything = sorted((n for b in barriers for n in preds[b]), key=lambda n: self.item[n].step.origin.route)
        return Deadlock(
            kind=kind,
            barriers=refs,
            occurrences=tuple(self.item[n] for n in everything),
            waiting=tuple(o for r in refs for o in waiting[r]),
            missing=tuple(missing),
            cycle=cycle,
            verdict=verdict,
            conditions=(self.conditions(component) if verdict == "may" else ()) if conditions is None else conditions,
        )

    @staticmethod
    def _cycle(edges: dict, starts: list[str]) -> list[tuple[str, str]]:
        """A short cycle of the wait-for graph: walk to a repeated barrier, then the shortest way back."""
        if not starts:
            starts = list(edges)
        node, seen = starts[0], set()
        while node not in seen and node in edges:
            seen.add(node)
            node = next((t for t in edges[node] if t is not None), None)
        if node is None or node not in edges:
            first = starts[0]
            return [(first, next(iter(edges[first])))]
        # breadth-first from `node` back to itself
        back = {node: None}
        frontier = [node]
        while frontier:
            following = []
            for current in frontier:
                for target in edges.get(current, {}):
                    if target is None:
                        continue
                    if target == node:
                        path = [(current, target)]
                        while back[current] is not None:
                            path.append((back[current], current))
                            current = back[current]
                        return list(reversed(path))
                    if target not in back:
                        back[target] = current
                        following.append(target)
            frontier = following
        return [(node, node)]

    def stalls(self) -> list[RollbackStall]:
        """Barriers held by rollbackSteps positions whose owners can finish after a normal
        participant arrived (a bitmask of owner exits propagated over a topological order)."""
        rollback_refs = {self.item[n].ref for n in self.owner_exit}
        normal = {self.item[n].ref for n, k in enumerate(self.kind) if k == "occ"}
        refs = (rollback_refs & normal) - {self.item[n] for c in self.cyclic for n in c if self.kind[n] == "barrier"}
        if not refs:
            return []
        exits = sorted({e for n, e in self.owner_exit.items() if self.item[n].ref in refs})
        bit = {e: 1 << i for i, e in enumerate(exits)}
        mask: dict[int, int] = {}
        flowing = [n for n in range(len(self.kind)) if n not in self.looping]
        succ = {n: [v for v in self.succ[n] if v not in self.looping] for n in flowing}
        for node in topological_order(flowing, succ):
            value = bit.get(node, 0)
            for u in self.graph.pred[node]:
                value |= mask.get(u, 0)
            mask[node] = value
        holders: dict[str, list[int]] = {}
        for n in self.owner_exit:
            if self.item[n].ref in refs:
                holders.setdefault(self.item[n].ref, []).append(n)
        normal_flow: dict[str, list[int]] = {}
        for n, k in enumerate(self.kind):
            if k == "occ" and self.item[n].ref in refs:
                normal_flow.setdefault(self.item[n].ref, []).append(n)
        result = []
        for ref in sorted(refs, key=self.rank.get):
            need = 0
            for n in holders[ref]:
                need |= bit[self.owner_exit[n]]
            early = [self.item[n] for n in normal_flow[ref] if n in mask and mask[n] & need != need]
            if early:
                owners = tuple(dict.fromkeys(self.owner_of[id(self.item[n].step)] for n in holders[ref]))
                result.append(RollbackStall(ref, tuple(self.item[n] for n in holders[ref]), owners, tuple(early)))
        return result

    # locks (rule BL304)

    def release(self, lock: "Lock") -> int | None:
        return self.end if lock.scope == "Pipeline" else self.stage_exit.get(id(lock.stage))

    def contenders(self, group: list) -> list:
        """The acquisitions of one key that can make another holder wait: the first of each
        holder (a holder asking again does not wait). A key also held for a whole execution is
        BL305's (it waits for itself), not a hold-and-wait."""
        if any(lock.scope == "Pipeline" for lock in group):
            return []
        first = {}
        for lock in sorted(group, key=lambda lock: self.acquire[id(lock)]):
            first.setdefault(id(lock.stage), lock)
        return list(first.values())

    def hold_and_wait(self) -> list[HoldAndWait]:
        """Locks held across a barrier wait that another participant needs before it arrives:
        one may-wait edge from each lock's release to the next contender's acquisition, for every
        acquisition order happens-before allows, and a cycle through a barrier is a hang in that
        order (research/analysis-anchors.md §3.5 R5, §4.2). Keys are examined in document order
        until the searches spend their budget; the keys left are recorded in `lock_limit`."""
        groups: dict[tuple, list] = {}
        for lock in self.locks:
            if id(lock) in self.acquire and self.release(lock) is not None:
                groups.setdefault(lock.key, []).append(lock)
        base = {n for c in self.cyclic for n in c}
        self.lock_search_left = SEARCH_PER_NODE * len(self.kind) + SEARCH_FLOOR
        found = []
        for examined, group in enumerate(groups.values()):
            try:
                found += self.hold_and_wait_on(group, base)
            except _BudgetSpent:
                self.lock_limit = LockLimit(group[0], examined, len(groups))
                break
        return found

    def hold_and_wait_on(self, group: list, base: set) -> list[HoldAndWait]:
        """The hold-and-wait findings of one key (`group`: its acquisitions)."""
        import itertools

        contenders = self.contenders(group)
        found = [h for lock in contenders if (h := self.looped(lock)) is not None]
        contenders = contenders[:MAX_CONTENDERS]
        if len(contenders) < 2:
            return found
        first = {(a, b): self.precedes(a, b) for a in contenders for b in contenders if a is not b}
        orders = [order for order in itertools.permutations(contenders) if not any(first[b, a] for a, b in itertools.combinations(order, 2))]
        hanging = [(order, cycle) for order in orders if (cycle := self.lock_cycle(order, base)) is not None]
        if not hanging:
            return found
        order, (component, holder, waiter) = hanging[0]
        waiting, missing = self.lock_witness(component, holder, waiter)
        if waiting is None or missing is None:
            return found
        barrier = self.barrier_node[waiting.ref]
        awaited = tuple(self.item[p] for p in sorted(self.graph.pred[barrier]) if p in component and self.kind[p] in ("occ", "resolve"))
        every = len(hanging) == len(orders)
        conditions = self.conditions(component)
        found.append(HoldAndWait(
            holder, waiter, waiting, missing, "must" if every and not conditions else "may",
            () if every else tuple(o for o, _ in hanging), len(orders), conditions, awaited=awaited,
        ))
        return found

    def topo(self) -> list[int]:
        """Each node's place in a topological order of the graph's strongly connected components:
        a node can reach only nodes of the same or a higher place, so a search for a node need not
        go past its place (this keeps the lock searches near the locks they are about)."""
        if self._topo is None:
            nodes = range(len(self.kind))
            found = list(components(nodes, self.succ))
            component = [0] * len(self.kind)
            for c, members in enumerate(found):
                for n in members:
                    component[n] = c
            condensed: list[dict[int, None]] = [{} for _ in found]  # successors in order, each once
            for u in nodes:
                for v in self.succ[u]:
                    if component[u] != component[v]:
                        condensed[component[u]][component[v]] = None
            place = [0] * len(found)
            for i, c in enumerate(topological_order(list(range(len(found))), condensed)):
                place[c] = i
            self._topo = [place[component[n]] for n in nodes]
        return self._topo

    def reach(self, start: int, limit: int, extra: dict | None = None, backward: bool = False) -> set:
        """The nodes reachable from `start` (itself included; against the edges when `backward`)
        whose place is at most `limit` (at least, backward), with the `extra` edges; each visit
        spends one unit of the lock search budget."""
        topo = self.topo()
        edges = self.graph.pred if backward else self.succ
        seen, stack = {start}, [start]
        while stack:
            node = stack.pop()
            self.lock_search_left -= 1
            if self.lock_search_left < 0:
                raise _BudgetSpent
            for following in (*edges[node], *(extra.get(node, ()) if extra else ())):
                if following not in seen and (topo[following] >= limit if backward else topo[following] <= limit):
                    seen.add(following)
                    stack.append(following)
        return seen

    def precedes(self, first: "Lock", second: "Lock") -> bool:
        """True when `first` is taken before `second` can be, on every run."""
        target = self.acquire[id(second)]
        return target in self.reach(self.acquire[id(first)], self.topo()[target])

    def lock_cycle(self, order: tuple, base: set):
        """(component, holder, waiter) of a cycle through a barrier that the may-wait edges of this
        acquisition order close, or None. A node on such a cycle lies between the earliest place
        the edges lead to and the latest place they leave from, so the search stays there."""
        pairs = [(self.release(a), self.acquire[id(b)], a, b) for a, b in zip(order, order[1:])]
        forward, backward = {}, {}
        for u, v, _, _ in pairs:
            forward.setdefault(u, []).append(v)
            backward.setdefault(v, []).append(u)
        topo = self.topo()
        for u, v, holder, waiter in pairs:
            low = min(topo[u], *(topo[b] for _, b, _, _ in pairs))
            high = max(topo[a] for a, _, _, _ in pairs)
            component = self.reach(u, high, forward) & self.reach(u, low, backward, backward=True)
            if v in component and any(self.kind[n] == "barrier" and n not in base for n in component):
                return component, holder, waiter
        return None

    def lock_witness(self, component: set, holder: "Lock", waiter: "Lock"):
        """Where the holder waits (its Barrier step that arrived at a barrier of the cycle) and the
        waiter's Barrier step it reaches only after taking the lock."""
        def inside(occurrence: Occurrence, lock: "Lock") -> bool:
            return lock.stage in occurrence.path

        waiting = missing = None
        for node in sorted(self.held_span(holder)):
            if self.kind[node] == "occ" and inside(self.item[node], holder) and self.barrier_node[self.item[node].ref] in component:
                waiting = self.item[node]
                break
        for node in sorted(component):
            if self.kind[node] in ("occ", "resolve") and inside(self.item[node], waiter):
                missing = self.item[node]
                if waiting is not None and missing.ref == waiting.ref:
                    break
        return waiting, missing

    def held_span(self, lock: "Lock") -> set:
        """The nodes after a lock's acquisition that can come before its release: where it is held."""
        return self.reach(self.acquire[id(lock)], self.topo()[self.release(lock)])

    def looped(self, lock: "Lock") -> HoldAndWait | None:
        """The copies of a looped stage that all start together and hold its lock across a barrier
        they all use: the first copy to take the lock waits there for the others, queued behind it."""
        strategy = lock.stage.strategy
        copies = strategy.started_together if strategy is not None else None
        if copies is None or copies < 2:
            return None
        for node in sorted(self.held_span(lock)):
            occurrence = self.item[node] if self.kind[node] == "occ" else None
            if occurrence is not None and lock.stage in occurrence.path:
                return HoldAndWait(lock, lock, occurrence, occurrence, "must" if not self.conditions([node]) else "may",
                                   conditions=self.conditions([node]), copies=copies)
        return None


class _BudgetSpent(Exception):
    """The searches of one graph visited their share of nodes (SEARCH_PER_NODE)."""


def _unspawned(occurrence: Occurrence, holder) -> bool:
    """True when a loop lies between `holder` and the position: it never spawns its copies."""
    inside = False
    for element in occurrence.path:
        if inside and getattr(element, "strategy", None) is not None:
            return True
        inside = inside or element is holder
    return False


def children_items(item) -> list:
    return [sub for sub, _ in children(item)]


def _stages(items) -> Iterator[Stage]:
    for item in items:
        if isinstance(item, Stage):
            yield item
        elif isinstance(item, Parallel):
            yield from _stages(item.branches)
        elif isinstance(item, Sequence):
            yield from _stages(item.items)


def _name(occurrences: Iterable[Occurrence]) -> str:
    names = list(dict.fromkeys(f"'{o.where}'" for o in occurrences))
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else (names[0] if names else "nobody")


def _line(barrier: str, waiting, missing: Occurrence, blocker: Occurrence | None, kinds: frozenset, graph: _Graph) -> str:
    """One witness line: who waits at `barrier` for whom, and why that one never arrives."""
    head = f"{_name(waiting)} wait{'s' if len({o.where for o in waiting}) == 1 else ''} at '{barrier}' for '{missing.where}'"
    if blocker is None:
        return head
    there = f"'{blocker.where}' is waiting at '{blocker.ref}'"
    if blocker in waiting:
        there = ""
    tail = f", and {there}" if there else ""
    if missing.in_rollback:
        owner = graph.owner_of.get(id(missing.step), missing.stage).label
        return (
            f"{_name(waiting)} wait{'s' if len({o.where for o in waiting}) == 1 else ''} at '{barrier}' for step "
            f"'{missing.step.label}' in the rollbackSteps of '{owner}', which counts as arrived only when '{owner}' finishes{tail}"
        )
    if "slot" in kinds:
        return f"{head}, which comes after a loop whose late copies never finish{tail}"
    if "resolve" in kinds and id(missing.step) in graph.deferred_steps:
        return (
            f"{head}, which lies in a skipped step group below its nearest one and counts as arrived only when "
            f"'{missing.stage.label}' finishes (the engine checks a position's stage, nearest step group and step){tail}"
        )
    if "resolve" in kinds:
        return f"{head}, which is skipped by its `when` but counts as arrived only when execution reaches it{tail}"
    if kinds & {"seq", "dependsOn"}:
        return f"{head}, which cannot start before '{blocker.stage.label}' finishes{tail}"
    if blocker.ref == barrier:
        return (
            f"{head}, whose Barrier step '{missing.step.label}' starts only after step '{blocker.step.label}' of "
            f"'{blocker.where}' has passed '{barrier}', and that step cannot pass before '{missing.step.label}' arrives"
        )
    if missing.where == blocker.where:
        return f"{head}, which reaches '{barrier}' only after '{blocker.ref}'"
    return f"{head}, which reaches '{barrier}' only after '{blocker.where}' passes '{blocker.ref}'"

