from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from barrierlint.finding import Related, Severity, route_text
from barrierlint.model import FailureStrategy, Origin, Parallel, Stage, Step, StepGroup, children, parse_duration, sections, stages
from barrierlint.rule import Rule
from barrierlint.rules._ordering import names, ordering

APPROVAL_TYPES = frozenset({"HarnessApproval", "JiraApproval", "ServiceNowApproval", "CustomApproval"})
MENTIONED = 10  # participants named in a message and shown as related places
APPROVAL_DEFAULT = "1d"  # Harness docs: "The default timeout for an Approval step is 1d"


@dataclass(frozen=True, slots=True, eq=False)
class HumanWait:
    """A step that can hold its stage for as long as a person takes."""

    kind: str  # approval | wait | intervention
    step: Step  # the step that waits (for an intervention: the step whose failure asks for it)
    seconds: float
    text: str  # how long, as written ("1d")
    origin: Origin  # what to edit: the step, or the failure strategy asking for the intervention
    default: bool = False  # an approval without a timeout: Harness's default applies

    @property
    def what(self) -> str:
        if self.kind == "approval":
            return f"{self.step.type} step '{self.step.label}' (timeout {self.text}{', the documented default' if self.default else ''})"
        if self.kind == "wait":
            return f"Wait step '{self.step.label}' (duration {self.text})"
        return f"a manual intervention when step '{self.step.label}' fails (intervention timeout {self.text})"


class HumanWaitInBarrierWindow(Rule):
    """A person can take longer to act than another participant waits at the barrier.

    ## What goes wrong
    An approval step (HarnessApproval, JiraApproval, ServiceNowApproval, CustomApproval, also
    in an Approval stage), a Wait step, or a step whose failure strategy asks for a manual
    intervention runs before a participant reaches barrier X. Meanwhile another participant,
    whose arrival does not depend on that step, may already wait at X. When the person's
    allowance (the approval timeout, 1d when none is set; the Wait duration; the intervention
    timeout) is longer than that participant's Barrier step timeout, a slow approver decides the
    run.

    ## At run time
    The waiting Barrier step expires after its own timeout (10h engine default when none is
    set) while the approval is still open; the barrier times out, and every participant still
    waiting fails with it within the next 60 s poll, then follows its failure strategy. The
    approval later succeeds into a barrier that is already gone.

    ## How to fix
    Move the approval (Wait step, risky step) out of the barrier window: before the stages that
    meet at X, for example in an Approval stage ahead of them. Or give the Barrier steps that
    wait a timeout longer than the person's allowance, or shorten the allowance below theirs.
    """

    code = "BL306"
    name = "human-wait-in-barrier-window"
    severity = Severity.WARNING
    tags = ("correctness", "timeouts")

    def check_pipeline(self, pipeline, project):
        result = ordering(pipeline, project)
        if result is None or result.graph is None:
            return
        waits = list(human_waits(pipeline))
        if not waits:
            return
        from barrierlint.graph import ENGINE_DEFAULT_TIMEOUT, timeout_text

        order = _Order(pipeline, result.graph)
        hanging = {b for d in result.deadlocks for b in d.barriers}  # a hang explains these barriers already
        participants: dict[str, list] = {}
        for occurrence in result.occurrences:
            if not occurrence.in_rollback and occurrence.ref not in hanging and id(occurrence.step) in order.occ:
                participants.setdefault(occurrence.ref, []).append(occurrence)
        limit = {id(o.step): parse_duration(o.step.timeout or ENGINE_DEFAULT_TIMEOUT) for ps in participants.values() for o in ps}
        reported: set = set()
        for wait in waits:
            after = order.after(wait.step)
            for ref, occurrences in participants.items():
                if wait.kind == "intervention" and (id(wait.origin), ref) in reported:
                    continue  # one finding per failure strategy: its first step in the window stands for the rest
                delayed = [o for o in occurrences if order.occ[id(o.step)] in after]
                waiting = [o for o in occurrences if order.occ[id(o.step)] not in after and limit[id(o.step)] is not None and limit[id(o.step)] < wait.seconds]
                if not delayed or not waiting:
                    continue
                reported.add((id(wait.origin), ref))
                yield self._finding(wait, ref, delayed, waiting, timeout_text)

    def _finding(self, wait: HumanWait, ref: str, delayed, waiting, timeout_text):
        late = names((o.where for o in delayed), limit=MENTIONED)
        early = names((o.where for o in waiting), limit=MENTIONED)
        timeouts = ", ".join(list(dict.fromkeys(f"'{o.where}' {timeout_text(o)}" for o in waiting))[:MENTIONED])
        one = len({o.where for o in waiting}) == 1
        shortest = timeout_text(min(waiting, key=lambda o: parse_duration(o.step.timeout or "10h"))).split(" ")[0]
        slow = {
            "approval": f"if the approval takes longer than {shortest}",
            "wait": f"the wait outlasts {shortest}, and a person can only shorten it by hand",
            "intervention": f"if nobody intervenes within {shortest}",
        }[wait.kind]
        message = (
            f"{wait.what} runs before {late} reach{'es' if len({o.where for o in delayed}) == 1 else ''} barrier '{ref}', "
            f"while {early} can already wait there with a shorter Barrier step timeout ({timeouts}): {slow}, "
            f"{'that Barrier step expires' if one else 'the first of those Barrier steps expires'}, times '{ref}' out and "
            "every participant still waiting fails with it"
        )
        fix = (
            f"move step '{wait.step.label}' before the stages that meet at '{ref}' (an Approval stage ahead of them), "
            f"or give the Barrier steps of {early} a timeout longer than {wait.text}"
        )
        return self.finding(
            wait.origin,
            message,
            related=[Related(o.step.barrier_ref_origin or o.step.origin, f"'{o.where}' can wait at '{ref}' here for {timeout_text(o)}") for o in waiting[:MENTIONED]]
            + [Related(o.step.barrier_ref_origin or o.step.origin, f"'{o.where}' reaches '{ref}' only after the person acts") for o in delayed[:MENTIONED]],
            witness=[
                f"{early} arrive{'s' if one else ''} at '{ref}' and wait{'s' if one else ''} for {late}",
                f"{late} first wait{'s' if len({o.where for o in delayed}) == 1 else ''} for {wait.what}",
                f"after {shortest} the waiting Barrier step expires and '{ref}' times out for every participant",
            ],
            fix=fix,
            key=f"{ref}:{wait.step.label}",
            barriers=[ref],
            human=route_text(wait.step.origin.route),
            human_kind=wait.kind,
            human_seconds=wait.seconds,
            waiting=[route_text(o.step.origin.route) for o in waiting],
            delayed=[route_text(o.step.origin.route) for o in delayed],
            timeouts={o.where: timeout_text(o) for o in waiting},
        )


def human_waits(pipeline) -> Iterator[HumanWait]:
    """Every step of the normal flow that can wait for a person, with how long it may."""
    for stage in stages(pipeline):
        stack = [(item, (stage,)) for item in reversed(stage.steps)]
        while stack:
            item, chain = stack.pop()
            if isinstance(item, Step):
                found = _human_wait(item, chain)
                if found is not None:
                    yield found
                continue
            inner = chain + (item,) if isinstance(item, (Stage, StepGroup)) else chain
            stack.extend((sub, inner) for subs, rollback in reversed(sections(item)) if not rollback for sub in reversed(subs))


def _human_wait(step: Step, chain: tuple) -> HumanWait | None:
    if step.type in APPROVAL_TYPES:
        text = step.timeout or APPROVAL_DEFAULT
        seconds = parse_duration(text)
        return HumanWait("approval", step, seconds, text, step.origin, default=step.timeout is None) if seconds else None
    if step.type == "Wait":
        seconds = parse_duration(step.duration)
        return HumanWait("wait", step, seconds, step.duration, step.origin) if seconds else None
    if step.is_barrier:
        return None  # a Barrier step's failure is its barrier's: every participant shares it already
    strategy = _applies(step, chain)
    if strategy is None or "ManualIntervention" not in (strategy.action, strategy.then):
        return None
    seconds = parse_duration(strategy.timeout)
    return HumanWait("intervention", step, seconds, strategy.timeout, strategy.origin) if seconds else None


def _applies(step: Step, chain: tuple) -> FailureStrategy | None:
    """The failure strategy that handles an ordinary error of `step`: the first one matching all
    errors from the step outwards (MarkAsFailure hands over to the next level), as the engine picks."""
    for element in (step, *reversed(chain)):
        for strategy in element.failure_strategies:
            if (not strategy.errors or {"AllErrors", "Unknown"} & set(strategy.errors)) and strategy.action != "MarkAsFailure":
                return strategy
    return None


class _Order:
    """Happens-before between any step and the Barrier step arrivals of the graph: a step comes
    before every node reachable from what follows it in its stage (later Barrier steps on its
    sequential path, and its stage's exit)."""

    def __init__(self, pipeline, graph):
        self.graph = graph
        self.occ: dict[int, int] = {}
        self.exit: dict[int, int] = {}
        for node, (kind, item) in enumerate(zip(graph.kind, graph.item)):
            if kind == "occ":
                self.occ[id(item.step)] = node
            elif kind == "exit" and isinstance(item, Stage):
                self.exit[id(item)] = node
        self.position: dict[int, tuple] = {}  # id(step) -> ((id(container), index, parallel), ...)
        self.stage_of: dict[int, Stage] = {}
        for stage in stages(pipeline):
            self._walk(stage, stage, ())
        self._reach: dict[int, set] = {}

    def _walk(self, container, stage: Stage, position: tuple) -> None:
        subs = [sub for sub, rollback in children(container) if not rollback]
        parallel = isinstance(container, Parallel)
        for index, sub in enumerate(subs):
            here = position + ((id(container), index, parallel),)
            if isinstance(sub, Step):
                self.position[id(sub)], self.stage_of[id(sub)] = here, stage
            else:
                self._walk(sub, stage, here)

    def after(self, step: Step) -> set[int]:
        """The graph nodes that cannot happen before `step` has finished."""
        stage = self.stage_of.get(id(step))
        if stage is None:
            return set()
        mine = self.position[id(step)]
        anchors = [self.exit[id(stage)]] if id(stage) in self.exit else []
        anchors += [node for other, node in self.occ.items() if self.stage_of.get(other) is stage and _before(mine, self.position[other])]
        found: set[int] = set()
        for anchor in anchors:
            if anchor not in self._reach:
                self._reach[anchor] = self.graph.reachable([anchor])
            found |= self._reach[anchor]
        return found


def _before(mine: tuple, other: tuple) -> bool:
    """True when the step at `mine` finishes before the one at `other` starts, inside one stage."""
    for (container, index, parallel), (other_container, other_index, _) in zip(mine, other):
        if container != other_container:
            return False
        if index != other_index:
            return not parallel and index < other_index
    return False
