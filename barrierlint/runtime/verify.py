"""`check --verify`: run each finding's pipeline in the scenario that should show the finding,
and mark it CONFIRMED, NOT REPRODUCED or INCONCLUSIVE with the evidence
(research/analysis-anchors.md §4.3). The verdict goes to `finding.properties["verification"]`
= {"status", "evidence"}, so every output format carries it.

What each rule predicts, and what the run must show:
- BL201, BL301, BL302 (a hang): every Barrier step the finding says waits is blocked at
  quiescence.
- BL303 (rollback stall): the barrier is released only when a stage or step group holding it in
  rollbackSteps finishes, after a normal-flow participant arrived; or that participant expires
  first.
- BL401, BL402 (late loop copies): a copy of the loop arrives at its barrier after the release.
- BL306 (human wait in a barrier window): with the person taking their whole allowance (an
  approval its timeout, a Wait step its duration, a manual intervention nobody answers), a
  participant already waiting at the barrier expires before the delayed one arrives.
- BL103 (lone barrier): the barrier is released the moment its only participant arrives (a
  participant in rollbackSteps: in a run where a step before it fails and its stage rolls back).
- BL403, BL601 (`<+...>` in NextGen), BL201 in FirstGen (the same identifier twice in one
  workflow): the run is rejected at start.
- BL601 (`${...}`, or any FirstGen expression): the step joins a barrier literally named so,
  which no other step joins: it is released at once.
- BL101 (an undeclared reference, current engine): the step is the only participant of a
  barrier of that name and passes at once, while the participants of the barrier it meant
  synchronise without it.
- BL304 (hold-and-wait): run with the pipeline's locks, in the acquisition order the finding says
  hangs: at quiescence the holder holds the lock, the waiter is queued on it behind the holder,
  and the holder's Barrier step is blocked.
- BL305 (re-entrant key): run with the Pipeline-scoped Queue step taking the key first: at
  quiescence the other holder is queued on the key behind it.

Other findings on a pipeline that Harness refuses to start (BL403, BL601, BL201 in FirstGen)
are run as if that were fixed (`_startable`), and the evidence says so.

Findings on one pipeline share its runs: the plain run of each scenario is simulated once and
looked up through indexes, so thousands of findings cost one run. Runs for one finding alone
(another hang in the way, a rollback, a stall) share a budget linear in the size of the
pipelines (`Runs`); past it a finding is INCONCLUSIVE with "verification limit reached".
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from ..finding import Finding, route_text
from ..firstgen import NOT_CONCURRENT, not_concurrent
from ..model import FailureStrategy, Occurrence, Pipeline, Stage, Step, StepGroup, Strategy, children, occurrences, rewrite
from .barriers import DOWN, ENDURE, TIMED_OUT
from .report import blocked_lines
from .scenario import Failure, Profile, Scenario
from .simulator import Plan, Run, clock_text, element_count, place, plan, refused, simulate

CONFIRMED, NOT_REPRODUCED, INCONCLUSIVE = "CONFIRMED", "NOT REPRODUCED", "INCONCLUSIVE"
HANGS = {"BL201", "BL301", "BL302"}
LOCKS = {"BL304", "BL305"}
LATE_LOOPS = {"BL401", "BL402"}
STRATEGY_REFUSED = "Barrier step cannot be configured with looping strategy."
# What the runs made for single findings may spend together (simulator events, nodes and
# positions): a floor, plus a share per element of the pipelines checked.
ALONE_FLOOR = 200_000
ALONE_PER_ELEMENT = 20


class _Spent(Exception):
    """The runs for single findings spent the verification budget."""


class Runs:
    """The simulations of one `--verify`, and what makes looking things up in them cheap:
    per pipeline its Barrier steps by place, `when` outcomes and startable form; per run its
    nodes by element and its late arrivals by loop."""

    def __init__(self, pipelines: list[Pipeline], profile: Profile):
        self.profile = profile
        self.order = {id(p): i for i, p in enumerate(pipelines)}
        self.at: dict[tuple, list[Pipeline]] = {}  # (id(doc), route) -> pipelines with that origin or Barrier step
        for pipeline in pipelines:
            for origin in (pipeline.origin, *(o for occ in occurrences(pipeline, _located) for o in (occ.step.origin, occ.step.barrier_ref_origin) if o is not None)):
                found = self.at.setdefault((id(origin.doc), origin.route), [])
                if not found or found[-1] is not pipeline:
                    found.append(pipeline)
        self.left = ALONE_FLOOR + ALONE_PER_ELEMENT * sum(element_count(p) for p in pipelines)
        self._memo: dict[tuple, object] = {}
        self._shared: set[int] = set()  # ids of the shared runs (kept alive in the memo)
        self._kept = {id(p): p for p in pipelines}  # pipelines many runs share: the project's, their startable forms
        self.limits: list[str] = []  # the simulator limits runs reached, in order

    def pipelines_of(self, finding: Finding) -> list[Pipeline]:
        """The pipelines a finding points into: by document and route, or through one of their
        Barrier steps (written in a template, a chained child or a FirstGen workflow, or its
        reference answered by an input set) at the finding's place."""
        doc, route = id(finding.origin.doc), finding.origin.route
        found = {id(p): p for k in range(len(route) + 1) for p in self.at.get((doc, route[:k]), ())}
        return sorted(found.values(), key=lambda p: self.order[id(p)])

    def memo(self, key: tuple, make):
        """`make()`, once per key."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def indexed(self, run: Run, kind: str, make):
        """An index over a run: kept for the shared runs, made afresh for a run of one finding."""
        return self.memo((kind, id(run)), make) if id(run) in self._shared else make()

    def shared(self, pipeline: Pipeline, scenario: Scenario, key: tuple) -> Run:
        """The run of a scenario that many findings of the pipeline look at, made once."""
        run = self.memo(("run", id(pipeline), *key), lambda: self._simulate(pipeline, scenario))
        self._shared.add(id(run))
        return run

    def affordable(self) -> None:
        """_Spent once the budget for runs of single findings is gone (called before the work
        that prepares such a run, which is linear in the pipeline too)."""
        if self.left <= 0:
            raise _Spent

    def alone(self, pipeline: Pipeline, scenario: Scenario, locks=(), lock_order: dict | None = None) -> Run:
        """A run for one finding (with `locks`, see `simulate`); _Spent once the budget is gone."""
        self.affordable()
        run = self._simulate(pipeline, scenario, locks, lock_order)
        self.left -= run.spent
        return run

    def _simulate(self, pipeline: Pipeline, scenario: Scenario, locks=(), lock_order: dict | None = None) -> Run:
        """A run. The objects of earlier runs that nobody holds any more form cycles (processes,
        signals, the simulator), and the console runs with the collector off: the young
        generation, which holds only what was made since the last run, is collected first."""
        import gc

        gc.collect(0)
        run = simulate(pipeline, scenario, locks, lock_order, self._plan(pipeline))
        if run.limit:
            self.limits.append(run.limit)
        return run

    def _plan(self, pipeline: Pipeline) -> Plan | None:
        """The plan runs of a shared pipeline start from, made once (None for a pipeline made
        for one run, such as one with a rollback strategy added: nothing would reuse it)."""
        if id(pipeline) not in self._kept:
            return None
        return self.memo(("plan", id(pipeline)), lambda: plan(pipeline))

    def barrier_places(self, pipeline: Pipeline) -> dict[str, list[tuple]]:
        """The places of a pipeline's Barrier steps, by the barrier they name."""
        return self.memo(("places", id(pipeline)), lambda: _barrier_places(pipeline)) if id(pipeline) in self._kept else _barrier_places(pipeline)

    def outcomes(self, pipeline: Pipeline, run_all: bool) -> dict:
        return self.memo(("when", id(pipeline), run_all), lambda: _outcomes(pipeline, run_all))

    def startable(self, pipeline: Pipeline) -> tuple[Pipeline, str]:
        fixed, changed = self.memo(("startable", id(pipeline)), lambda: _startable(pipeline))
        self._kept[id(fixed)] = fixed
        return fixed, changed

    def steps_at(self, pipeline: Pipeline, doc, route) -> list[Occurrence]:
        """The pipeline's Barrier steps written at a place (by step or by barrierRef)."""
        def index():
            found: dict[tuple, list[Occurrence]] = {}
            for o in occurrences(pipeline):
                for at in dict.fromkeys((o.step.barrier_ref_origin, o.step.origin)):
                    if at is not None:
                        found.setdefault((id(at.doc), at.route), []).append(o)
            return found

        return self.memo(("steps", id(pipeline)), index).get((id(doc), route), [])

    def nodes_of(self, run: Run, element) -> list:
        """The nodes of a run that execute an element, in start order, each with its place in
        the order of all: (place, node)."""
        def index():
            found: dict[int, list] = {}
            for order, node in enumerate(run.nodes):
                found.setdefault(id(node.element), []).append((order, node))
            return found

        return self.indexed(run, "nodes", index).get(id(element), [])

    def late_arrivals(self, run: Run) -> tuple[dict, dict]:
        """A run's first late arrivals, (order, instance, node, time): by the (document, route)
        of each looped element above the node; and by barrier, for nodes whose stage is written
        in some file, the first one and the first one whose stage is written in another file
        than that one's (a chained child is run without a link to its looped Pipeline stage)."""
        def index():
            by_loop: dict[tuple, tuple] = {}
            by_ref: dict[str, list] = {}
            order = 0
            for instance in run.instances.values():
                for node, time in instance.late:
                    entry = (order, instance, node, time)
                    order += 1
                    ancestor = node
                    while True:
                        element = ancestor.element
                        if getattr(element, "strategy", None) is not None:
                            by_loop.setdefault((id(element.origin.doc), element.origin.route), entry)
                        if ancestor.parent is None:
                            break
                        ancestor = ancestor.parent
                    if isinstance(ancestor.element, Stage):
                        firsts = by_ref.setdefault(instance.ref, [])
                        if not firsts or (len(firsts) == 1 and firsts[0][1] is not ancestor.element.origin.doc):
                            firsts.append((entry, ancestor.element.origin.doc))
            return by_loop, by_ref

        return self.indexed(run, "late", index)


def verify(findings: Iterable[Finding], project) -> list[Finding]:
    """The findings, each with its `verification` property, run on the project's pipelines
    (templates inlined, chained children joined, as the rules saw them).

    What exists when verification starts (the documents, the model, the findings) outlives the
    runs, so it is frozen out of the collections between runs (`Runs._simulate`): the first
    would otherwise walk all of it, as long as composing the YAML took. The cost: cyclic
    garbage left by the analysis is freed only after verification."""
    import gc

    runs = Runs(project.pipelines, Profile.of(project.settings))
    verified = []
    frozen_before = gc.get_freeze_count()  # a caller's frozen objects stay frozen
    gc.freeze()
    try:
        for finding in findings:
            status, evidence = INCONCLUSIVE, "the finding is not inside a pipeline the simulator can run"
            for pipeline in runs.pipelines_of(finding):  # a chained child also runs inside its parents
                locks = None
                if finding.code in LOCKS:
                    from ..locks import holds

                    locks = holds(pipeline, project)
                status, evidence = verdict(finding, pipeline, runs, locks)
                if status == CONFIRMED:
                    break
            verified.append(finding.with_properties(verification={"status": status, "evidence": evidence}))
    finally:
        if not frozen_before:
            gc.unfreeze()
    return verified


def _located(step: Step) -> bool:
    """The steps findings point at: Barrier steps, and Queue steps (BL304, BL305)."""
    return step.is_barrier or step.is_queue


def verdict(finding: Finding, pipeline: Pipeline, runs: Runs, locks=None) -> tuple[str, str]:
    """The verdict on one finding in one pipeline (`locks`: the pipeline's, for BL304 and BL305).
    A run stopped by the simulator's limit makes a verdict that is not CONFIRMED inconclusive;
    so does the spent verification budget."""
    limits = len(runs.limits)
    try:
        status, evidence = _locked(finding, pipeline, runs, locks) if finding.code in LOCKS else _verdict(finding, pipeline, runs)
    except _Spent:
        return INCONCLUSIVE, (
            "verification limit reached: the runs for single findings of this check spent what pipelines of this size may "
            "spend; `barrierlint run` shows this pipeline's run"
        )
    if status != CONFIRMED and len(runs.limits) > limits:
        return INCONCLUSIVE, runs.limits[-1]
    return status, evidence


def _verdict(finding: Finding, pipeline: Pipeline, runs: Runs) -> tuple[str, str]:
    code = finding.code
    refusal = _refusal(finding, pipeline)
    checks = {**dict.fromkeys(HANGS, _hang), **dict.fromkeys(LATE_LOOPS, _late_loop), "BL303": _stall, "BL103": _lone, "BL601": _literal, "BL101": _split, "BL306": _human_wait}
    if code not in checks and refusal is None:
        return INCONCLUSIVE, "this finding predicts no run-time outcome the simulator can observe"
    run_all = code not in HANGS or finding.properties.get("verdict") == "may"  # a must-hang holds with every `when` skipped
    scenario = Scenario(profile=runs.profile, when=runs.outcomes(pipeline, run_all))
    if refusal is not None:
        run = runs.shared(pipeline, scenario, ("plain", run_all))
        if run.rejected and refusal in run.rejected:
            return CONFIRMED, f"the run is rejected at start: {run.rejected}"
        return NOT_REPRODUCED, f"the run started and ended {run.status}"
    startable, changed = runs.startable(pipeline)
    check = _rollback_hang if "rollback_owner" in finding.properties else checks[code]
    status, evidence = check(finding, startable, scenario, runs, run_all)
    return status, f"with {changed} (Harness refuses to start the run until then): {evidence}" if changed else evidence


def _refusal(finding: Finding, pipeline: Pipeline) -> str | None:
    """The reason the engine must give for refusing the run, when that is the finding's claim."""
    if finding.code == "BL403":
        return STRATEGY_REFUSED
    if finding.code == "BL601" and refused(finding.key, pipeline.syntax == "firstgen"):
        return "Variable expressions are not allowed in Barrier Reference"
    if finding.code == "BL201" and pipeline.syntax == "firstgen" and not finding.properties.get("waiting"):
        return NOT_CONCURRENT
    return None


def _startable(pipeline: Pipeline) -> tuple[Pipeline, str]:
    """The pipeline as Harness would run it once what makes it refuse to start is fixed, and
    what that takes: Barrier steps without strategies of their own (BL403), without
    expression references (BL601) and without a FirstGen identifier repeated in a workflow (BL201)."""
    firstgen = pipeline.syntax == "firstgen"
    found = occurrences(pipeline)
    dropped = {id(o.step) for o in found if refused(o.ref, firstgen)}
    dropped |= {id(later.step) for _, later in not_concurrent(found)} if firstgen else set()
    looped = {id(o.step) for o in found if o.step.strategy is not None}
    if not dropped and not looped:
        return pipeline, ""

    def change(element):
        if id(element) in dropped:
            return None
        return replace(element, strategy=None) if id(element) in looped else element

    what = [text for text, done in (("the Barrier steps' own strategies removed", looped), ("the Barrier steps Harness refuses removed", dropped)) if done]
    return rewrite(pipeline, change), " and ".join(what)


def _locked(finding: Finding, pipeline: Pipeline, runs: Runs, locks) -> tuple[str, str]:
    """A lock finding: the run with the pipeline's locks, in the order the finding names, must
    stop with the waiter queued on the lock behind the holder (and, for BL304, the holder's
    Barrier step blocked). One run per finding, from the budget of runs for single findings."""
    name, order = finding.properties.get("lock"), finding.properties.get("order")
    scenario = Scenario(profile=runs.profile, when=runs.outcomes(pipeline, finding.properties.get("verdict") == "may"), stop_at_quiescence=True)
    locks = [lock for lock in locks if lock.name == name]  # this lock alone: another one's hang may stop the run first
    run = runs.alone(pipeline, scenario, locks, {name: order} if order else None)
    if (rejected := _started(run)) is not None:
        return INCONCLUSIVE, rejected
    quiescence = run.quiescence
    how = f" (acquisition order {', '.join(order)})" if order else ""
    if quiescence is None:
        return NOT_REPRODUCED, f"the run ended {run.status} at {clock_text(run.ended)}{how} with nothing queued on {name}"
    queued = [f"{waiter} is queued on {lock} behind {holder}" for lock, waiter, holder in quiescence.queued if lock == name]
    blocked = {route_text(route) for route in run.blocked}
    predicted = set(finding.properties.get("waiting") or ())
    if queued and predicted <= blocked:
        held = [f"{holder} holds {lock} since {clock_text(since)}" for lock, holder, since in quiescence.held if lock == name]
        return CONFIRMED, f"quiescent at {clock_text(quiescence.time)}{how}: " + "; ".join(held + queued + blocked_lines(run))
    return NOT_REPRODUCED, f"quiescent at {clock_text(quiescence.time)}{how} without the predicted wait: " + ("; ".join(blocked_lines(run)) or "nothing blocked")


def _outcomes(pipeline: Pipeline, run_all: bool) -> dict:
    """Every `when`-conditional element runs (a may-finding) or is skipped (a must-finding), as
    in the static verdict."""
    outcomes, stack = {}, list(pipeline.stages)
    while stack:
        item = stack.pop()
        when = getattr(item, "when", None)
        if isinstance(item, (Stage, StepGroup, Step)) and when is not None and when.conditional:
            outcomes[place(item)] = run_all
        stack.extend(sub for sub, _ in children(item))
    return outcomes


def _started(run: Run) -> str | None:
    if run.rejected:
        return f"the run is rejected at start: {run.rejected}"
    return None


def _hang(finding: Finding, pipeline: Pipeline, scenario: Scenario, runs: Runs, run_all: bool) -> tuple[str, str]:
    """The whole pipeline first; if another hang stops the run before this one can show, again
    with the Barrier steps of every other barrier skipped (this problem alone)."""
    scenario = replace(scenario, stop_at_quiescence=True)
    predicted = set(finding.properties.get("waiting") or ())
    barriers = set(finding.properties.get("barriers") or ())

    def alone() -> Run:
        runs.affordable()  # before making the scenario, which costs as much as the pipeline is large
        return runs.alone(pipeline, _alone(scenario, pipeline, barriers, runs))

    attempts = ((lambda: runs.shared(pipeline, scenario, ("quiescence", run_all)), ""), (alone, " (other barriers' steps skipped)"))
    for attempt, note in attempts:
        run = attempt()
        if (rejected := _started(run)) is not None:
            return INCONCLUSIVE, rejected
        blocked = {route_text(route) for route in run.blocked}
        if run.quiescence is not None and blocked and predicted <= blocked:
            return CONFIRMED, f"quiescent at {clock_text(run.quiescence.time)}{note}: " + "; ".join(blocked_lines(run))
    if run.quiescence is None or not blocked:
        return NOT_REPRODUCED, f"the run ended {run.status} at {clock_text(run.ended)} with no Barrier step left waiting"
    missing = ", ".join(sorted(predicted - blocked))
    return NOT_REPRODUCED, f"quiescent at {clock_text(run.quiescence.time)}: " + "; ".join(blocked_lines(run)) + f" (predicted waiting but not blocked: {missing})"


def _rollback_hang(finding: Finding, pipeline: Pipeline, scenario: Scenario, runs: Runs, run_all: bool) -> tuple[str, str]:
    """A hang inside a rollbackSteps section shows only when its owner rolls back: make the
    owner's first step fail, with a rollback failure strategy on the owner."""
    runs.affordable()
    owner = next((e for e in _normal_flow(pipeline.stages) if route_text(e.origin.route) == finding.properties["rollback_owner"] and e.origin.doc is finding.origin.doc), None)
    first = next((e for e in _normal_flow(owner.steps) if isinstance(e, Step) and not e.is_barrier), None) if owner is not None else None
    if first is None:
        return INCONCLUSIVE, "the owner of the rollbackSteps runs only in another rollback, or has no step (other than Barrier steps) to fail"
    action = "StageRollback" if isinstance(owner, Stage) else "StepGroupRollback"
    rolls_back = (FailureStrategy(("AllErrors",), action, owner.origin),)
    pipeline = rewrite(pipeline, lambda e: replace(e, failure_strategies=rolls_back) if e is owner else e)
    run = runs.alone(pipeline, replace(scenario, failures={first.origin.route: Failure()}, stop_at_quiescence=True))
    blocked = {route_text(route) for route in run.blocked}
    note = f"with '{first.label}' failing and '{owner.label}' rolling back ({action})"
    if run.quiescence is not None and set(finding.properties.get("waiting") or ()) <= blocked and blocked:
        return CONFIRMED, f"quiescent at {clock_text(run.quiescence.time)}, {note}: " + "; ".join(blocked_lines(run))
    return NOT_REPRODUCED, f"{note}, the run ended {run.status} at {clock_text(run.ended)}"


def _normal_flow(items) -> Iterable:
    """Every element of `items` and below, in document order, outside rollback sections."""
    stack = list(reversed(items))
    while stack:
        item = stack.pop()
        yield item
        stack.extend(reversed([sub for sub, rollback in children(item) if not rollback]))


def _alone(scenario: Scenario, pipeline: Pipeline, barriers: set, runs: Runs | None = None) -> Scenario:
    """The scenario with every Barrier step of other barriers skipped: this problem alone."""
    places = runs.barrier_places(pipeline) if runs is not None else _barrier_places(pipeline)
    skipped = {at: False for ref, found in places.items() if ref not in barriers for at in found}
    return replace(scenario, when={**scenario.when, **skipped})


def _barrier_places(pipeline: Pipeline) -> dict[str, list[tuple]]:
    places: dict[str, list[tuple]] = {}
    for o in occurrences(pipeline):
        places.setdefault(o.ref, []).append(place(o.step))
    return places


def _late_loop(finding: Finding, pipeline: Pipeline, scenario: Scenario, runs: Runs, run_all: bool) -> tuple[str, str]:
    note = ""
    changed = False
    if "started" in finding.properties and finding.properties["started"] is None:  # maxConcurrency is an expression
        runs.affordable()
        pipeline = rewrite(pipeline, lambda e: replace(e, max_concurrency=1) if isinstance(e, Strategy) and e.max_concurrency_expression else e)
        note = " (maxConcurrency, an expression, taken as 1)"
        changed = True
    started = finding.properties.get("started") or 1
    if finding.properties.get("copies") is None:
        scenario = replace(scenario, copies=started + 1)  # the size is an expression: one copy too many
        changed = True
    run = runs.alone(pipeline, scenario) if changed else runs.shared(pipeline, scenario, ("plain", run_all))
    if (rejected := _started(run)) is not None:
        return INCONCLUSIVE, rejected
    doc, route = finding.origin.doc, finding.origin.route
    by_loop, by_ref = runs.late_arrivals(run)
    # the first late arrival in a copy of the loop the finding points at, or in a chained child
    # (written in another file) at one of its barriers
    candidates = [by_loop[key] for key in ((id(doc), route[:k]) for k in range(len(route) + 1)) if key in by_loop]
    for ref in finding.properties.get("barriers") or ():
        candidates += [next((entry for entry, written in by_ref.get(ref, ()) if written is not doc), None)] if ref in by_ref else []
    candidates = [entry for entry in candidates if entry is not None]
    if candidates:
        _, instance, node, time = min(candidates, key=lambda entry: entry[0])
        outcome = "waits there until its own timeout" if scenario.profile.late_arrival == "wait" else "passes at once"
        return CONFIRMED, (
            f"{node.label} arrives at {instance.ref} at {clock_text(time)}, after it was {instance.state} at "
            f"{clock_text(instance.resolved_at)}, and {outcome} (late_arrival={scenario.profile.late_arrival}){note}"
        )
    return NOT_REPRODUCED, f"no copy arrived after a release; the run ended {run.status} at {clock_text(run.ended)}"


def _under_loop(node, loop_at: tuple) -> bool:
    """True when a node lies in a copy of the loop whose strategy the finding points at (by path:
    the pipeline may be a fixed copy, read again)."""
    doc, route = loop_at
    while node is not None:
        origin = node.element.origin
        if getattr(node.element, "strategy", None) is not None and origin.doc.path == doc.path and route[: len(origin.route)] == origin.route:
            return True
        node = node.parent
    return False


def _stall(finding: Finding, pipeline: Pipeline, scenario: Scenario, runs: Runs, run_all: bool) -> tuple[str, str]:
    """Alone, with the stages and step groups holding the rollback positions an hour slower, so
    the wait shows."""
    runs.affordable()
    barrier = (finding.properties.get("barriers") or [finding.key])[0]
    held = [item for o in occurrences(pipeline) if o.ref == barrier and o.in_rollback for item in o.path if isinstance(item, (Stage, StepGroup))]
    owners = {id(item) for item in held}
    slow = {place(item): 3600.0 for item in held}
    run = runs.alone(pipeline, replace(_alone(scenario, pipeline, {barrier}, runs), durations=slow))
    if (rejected := _started(run)) is not None:
        return INCONCLUSIVE, rejected
    instance = run.instances.get(barrier)
    arrivals = [n for n in run.nodes if isinstance(n.element, Step) and n.element.barrier_ref == barrier and not n.rollback]
    expired = [n for n in arrivals if n.status == "EXPIRED" and (instance is None or instance.resolved_at is None or n.ended <= instance.resolved_at)]
    if expired:
        node = expired[0]
        return CONFIRMED, f"{node.label} waited at {barrier} from {clock_text(node.started)} and expired at {clock_text(node.ended)} before the rollback owners finished"
    if instance is None or instance.state != DOWN:
        return NOT_REPRODUCED, f"barrier {barrier} was not released ({instance.state if instance else 'never used'})"
    release = instance.resolved_at
    finisher = next((n for n in run.nodes if id(n.element) in owners and n.ended == release), None)
    waited = [n for n in arrivals if n.started < release]
    if finisher is None or not waited:
        return NOT_REPRODUCED, f"barrier {barrier} was released at {clock_text(release)} without waiting for a rollback owner"
    who = ", ".join(f"{n.label} (since {clock_text(n.started)})" for n in waited)
    return CONFIRMED, f"{who} waited at {barrier} until {finisher.label} finished {finisher.status} at {clock_text(release)}, which released its rollback position"


def _lone(finding: Finding, pipeline: Pipeline, scenario: Scenario, runs: Runs, run_all: bool) -> tuple[str, str]:
    """The only participant arrives and is released at once: in the run all lone barriers
    share, else alone (the other barriers' steps skipped). One in rollbackSteps arrives in a
    run where the step before it fails."""
    found = runs.steps_at(pipeline, finding.origin.doc, finding.origin.route)
    if not found:
        return INCONCLUSIVE, "the finding points at no Barrier step of this pipeline"
    rollback = [o for o in found if o.in_rollback]
    if not rollback:
        run = runs.shared(pipeline, scenario, ("plain", run_all))
        status, evidence = _released_at_once(finding, found, run, runs, rollback)
        if status == CONFIRMED:
            return status, evidence
    runs.affordable()
    scenario, _ = _reaching(_alone(scenario, pipeline, {o.ref for o in found}, runs), found)
    return _released_at_once(finding, found, runs.alone(pipeline, scenario), runs, rollback)


def _released_at_once(finding: Finding, found: list[Occurrence], run: Run, runs: Runs, rollback: list) -> tuple[str, str]:
    if (rejected := _started(run)) is not None:
        return INCONCLUSIVE, rejected
    arrivals = [n for _, n in sorted(entry for step in dict.fromkeys(o.step for o in found) for entry in runs.nodes_of(run, step) if entry[1].status != "SKIPPED")]
    if not arrivals:
        why = " (the failure injected before it did not roll its stage back)" if rollback else ""
        return INCONCLUSIVE, f"no Barrier step reached {finding.key} in the run{why}"
    first = arrivals[0]
    instance = run.instances.get(first.element.barrier_ref)
    if instance is not None and instance.state == DOWN and instance.resolved_at == first.started:
        how = " (rolling back after an injected failure)" if first.rollback else ""
        return CONFIRMED, f"{first.label}{how} arrived at {finding.key} at {clock_text(first.started)} and the barrier was released at once"
    state = instance.state if instance else "never created"
    return NOT_REPRODUCED, f"{finding.key} was {state} at {clock_text((instance and instance.resolved_at) or run.ended)}, not at the arrival of {first.label}"


def _reaching(scenario: Scenario, found: list[Occurrence]) -> tuple[Scenario, bool]:
    """The scenario in which the found steps run: when one stands in rollbackSteps, with the
    failures that roll its owner back; and whether that was needed."""
    rollback = [o for o in found if o.in_rollback]
    return (replace(scenario, failures=_failing_before(rollback[0])), True) if rollback else (scenario, False)


def _failing_before(occurrence: Occurrence) -> dict:
    """Injected failures for every work step of the normal flow of the stage or step group whose
    rollbackSteps hold the occurrence, so that it rolls back."""
    owner = next(item for item in reversed(occurrence.path) if isinstance(item, (Stage, StepGroup)) and _holds_in_rollback(item, occurrence.step))
    failures, stack = {}, list(owner.steps)
    while stack:
        item = stack.pop()
        if isinstance(item, Step) and not item.is_barrier:
            failures[place(item)] = Failure()
        elif not isinstance(item, Step):
            stack.extend(sub for sub, in_rollback in children(item) if not in_rollback)
    return failures


def _holds_in_rollback(owner, step: Step) -> bool:
    stack = list(owner.rollback_steps)
    while stack:
        item = stack.pop()
        if item is step:
            return True
        stack.extend(sub for sub, _ in children(item))
    return False


def _literal(finding: Finding, pipeline: Pipeline, scenario: Scenario, runs: Runs, run_all: bool) -> tuple[str, str]:
    """An expression the engine takes as written: the step joins a barrier of that odd name,
    which no other step joins, and is released at once."""
    status, evidence = _lone(finding, pipeline, scenario, runs, run_all)
    if status == CONFIRMED:
        evidence = f"the reference is taken literally: {evidence}"
    return status, evidence


def _split(finding: Finding, pipeline: Pipeline, scenario: Scenario, runs: Runs, run_all: bool) -> tuple[str, str]:
    """An undeclared reference is a barrier of its own in the current engine: its steps meet
    only each other, and the steps of the barrier it meant meet without them."""
    found = runs.steps_at(pipeline, finding.origin.doc, finding.origin.route)
    if not found:
        return INCONCLUSIVE, "the finding points at no Barrier step of this pipeline"
    steps = {id(o.step) for o in found}
    ref, meant = finding.key, finding.properties.get("intended")
    scenario, rollback = _reaching(replace(scenario, stop_at_quiescence=True), found)
    for attempt, alone in ((scenario, False), (_alone(scenario, pipeline, {ref}, runs), True)):  # another hang may stop the run first
        runs.affordable()
        run = runs.alone(pipeline, attempt)
        if (rejected := _started(run)) is not None:
            return INCONCLUSIVE, rejected
        at = {name: [n for n in run.nodes if isinstance(n.element, Step) and n.element.is_barrier and n.element.barrier_ref == name and n.status != "SKIPPED"] for name in (ref, meant)}
        mine = next((n for n in at[ref] if id(n.element) in steps), at[ref][0] if at[ref] else None)  # or another step of the reference
        if mine is not None:
            break
    else:
        why = " (the failure injected before it did not roll its stage back)" if rollback else ""
        return INCONCLUSIVE, f"no Barrier step reached {ref} in the run{why}"
    how = " (rolling back after an injected failure)" if mine.rollback else ""
    evidence = f"{mine.label}{how} arrived at '{ref}' at {clock_text(mine.started)} and {_left(mine, run.instances.get(ref), at[ref])}"
    if alone:
        evidence += " (the Barrier steps of other barriers skipped, so that it is reached)"
    elif meant is not None:
        if any(id(n.element) in steps for n in at[meant]):
            return NOT_REPRODUCED, f"{mine.label} took part in '{meant}'"
        others = ", ".join(f"{n.label} at {clock_text(n.started)}" for n in at[meant]) or "none ran"
        evidence += f"; the steps at '{meant}', the barrier it was meant to join, {_left(None, run.instances.get(meant), at[meant])} without it (arrivals: {others})"
    return CONFIRMED, evidence


def _left(node, instance, participants: list) -> str:
    """How a barrier ended for its participants, in words."""
    if instance is None or instance.resolved_at is None:
        return "are still waiting" if node is None else "is still waiting there"
    company = "" if node is None else (" alone (no other step joins an undeclared barrier)" if len(participants) == 1 else f" with {len(participants) - 1} other step(s) of the same reference")
    verb = "were" if node is None else "was"
    return f"{verb} {ENDED.get(instance.state, instance.state)} at {clock_text(instance.resolved_at)}{company}"


ENDED = {DOWN: "released", TIMED_OUT: "timed out", ENDURE: "left enduring"}
FIXED_RUN = HANGS | LATE_LOOPS | {"BL303", "BL403"}  # findings whose fix the runtime must see complete


def fixed_run(finding: Finding, pipeline: Pipeline, barriers: set, profile: Profile) -> str | None:
    """Run `pipeline`, the finding's pipeline with a fix applied, in the scenario that shows the
    finding (every `when` as in the static verdict, a loop of unknown size one copy too large),
    with only the Barrier steps of `barriers` (the finding's and the fix's new ones) taking part,
    and for a rollback stall the holders of rollback positions an hour slower, as `_stall` runs
    them. None when it completes; else what went wrong, in one line."""
    run_all = finding.code not in HANGS or finding.properties.get("verdict") == "may"
    scenario = _alone(Scenario(profile=profile, when=_outcomes(pipeline, run_all)), pipeline, barriers)
    if finding.code == "BL303":
        held = [item for o in occurrences(pipeline) if o.ref in barriers and o.in_rollback for item in o.path if isinstance(item, (Stage, StepGroup))]
        scenario = replace(scenario, durations={place(item): 3600.0 for item in held})
    if finding.code in LATE_LOOPS and finding.properties.get("copies") is None:
        scenario = replace(scenario, copies=(finding.properties.get("started") or 1) + 1)
    startable, _ = _startable(pipeline)
    run = simulate(startable, scenario)
    if run.rejected:
        return f"the run is rejected at start: {run.rejected}"
    if finding.code in LATE_LOOPS:  # this loop's copies, whatever other loops do
        loop_at = (finding.origin.doc, finding.origin.route)
        late = [(node, instance) for instance in run.instances.values() for node, _ in instance.late if _under_loop(node, loop_at)]
        if late:
            node, instance = late[0]
            return f"{node.label} still arrives at {instance.ref} after it was {instance.state}"
        return None
    if run.quiescence is not None and run.blocked:
        lines = blocked_lines(run)
        more = f"; and {len(lines) - 3} more" if len(lines) > 3 else ""
        return f"the run still hangs at {clock_text(run.quiescence.time)}: " + "; ".join(lines[:3]) + more
    if run.status != "SUCCEEDED":
        return f"the run ended {run.status} at {clock_text(run.ended)}"
    return None


def _human_wait(finding: Finding, pipeline: Pipeline, scenario: Scenario, runs: Runs, run_all: bool) -> tuple[str, str]:
    """Alone, with the person taking their whole allowance: an approval its full timeout, a Wait
    step its duration, or the step failing into a manual intervention that nobody answers."""
    props = finding.properties
    barrier = props["barriers"][0]
    doc = finding.origin.doc
    human = next((e for e in _normal_flow(pipeline.stages) if isinstance(e, Step) and e.origin.doc is doc and route_text(e.origin.route) == props["human"]), None)
    if human is None:
        return INCONCLUSIVE, "the step that waits for a person is not in this pipeline"
    scenario = _alone(scenario, pipeline, {barrier}, runs)
    if props["human_kind"] == "intervention":
        scenario = replace(scenario, failures={place(human): Failure()})
        how = f"with {human.label} failing into a manual intervention that nobody answers"
    else:
        scenario = replace(scenario, durations={place(human): props["human_seconds"]})
        how = f"with {human.label} taking its whole {clock_text(props['human_seconds'])}"
    run = runs.alone(pipeline, scenario)
    if (rejected := _started(run)) is not None:
        return INCONCLUSIVE, rejected

    def nodes(routes) -> list:
        return [n for n in run.nodes if isinstance(n.element, Step) and n.element.origin.doc is doc and route_text(n.element.origin.route) in routes]

    delayed = nodes(set(props["delayed"]))
    first_late = min((n.started for n in delayed), default=None)
    for node in nodes(set(props["waiting"])):
        if node.status == "EXPIRED" and (first_late is None or node.ended < first_late):
            arrival = f"{delayed[0].label} arrived only at {clock_text(first_late)}" if first_late is not None else "the delayed participant never arrived"
            return CONFIRMED, (
                f"{how}: {node.label} waited at {barrier} from {clock_text(node.started)} and expired at {clock_text(node.ended)} "
                f"({node.message or 'its own timeout'}); {arrival}"
            )
    return NOT_REPRODUCED, f"{how}, no participant waiting at {barrier} expired before the delayed one arrived; the run ended {run.status} at {clock_text(run.ended)}"
