"""What the ordering rules share: turning a graph `Analysis` entry into a finding.

The graph (barrierlint/graph.py) finds and explains the problems; each rule module picks its own
kind of problem and words it. Not a rule itself (no `code`), so the registry skips it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Iterable

from barrierlint.finding import Finding, Related
from barrierlint.model import Occurrence, Stage
from barrierlint.rule import Rule
from barrierlint.finding import route_text

if TYPE_CHECKING:
    from barrierlint.graph import Deadlock, LateLoop

# barrierlint.graph is imported by the methods that use it: a file without Barrier steps never
# needs it


def ordering(pipeline, project):
    """The pipeline's ordering analysis, or None when it has no Barrier step: then there is
    nothing to order, and the graph module is never imported."""
    if not project.occurrences(pipeline):
        return None
    from barrierlint.graph import analysis

    return analysis(pipeline, project)


def names(values, limit: int | None = None) -> str:
    """'a', 'b' and 'c'; past `limit` names, "'a', 'b' and 998 others" (messages stay short)."""
    quoted = [f"'{v}'" for v in dict.fromkeys(values)]
    if limit is not None and len(quoted) > limit:
        return ", ".join(quoted[:limit]) + f" and {len(quoted) - limit:,} others"
    return ", ".join(quoted[:-1]) + " and " + quoted[-1] if len(quoted) > 1 else "".join(quoted)


def verdict_text(verdict: str, conditions) -> str:
    if verdict == "must":
        return "this hangs on every run"
    return "this hangs on runs where " + " and ".join(c.text for c in conditions)


def _role(occurrence: Occurrence, deadlock: Deadlock, waiting: set[int], missing: set[int]) -> str:
    """`waiting`, `missing`: ids of the deadlock's waiting and missing positions (looked up once
    per finding: a cycle may hold thousands)."""
    if id(occurrence) in waiting:
        return f"'{occurrence.where}' arrives at '{occurrence.ref}' and waits (step '{occurrence.step.label}')"
    if occurrence.in_rollback:
        return f"'{occurrence.where}' holds '{occurrence.ref}' in rollbackSteps: it arrives only when its owner finishes"
    if id(occurrence) in missing:
        return f"'{occurrence.where}' never arrives at '{occurrence.ref}' (step '{occurrence.step.label}')"
    return f"'{occurrence.where}' uses '{occurrence.ref}' here (step '{occurrence.step.label}')"


def _at(occurrence: Occurrence):
    return occurrence.step.barrier_ref_origin or occurrence.step.origin


class DeadlockRule(Rule):
    """Base of BL201, BL301 and BL302: one finding per deadlock of the kinds a rule owns."""

    kinds: ClassVar[tuple[str, ...]]

    def check_pipeline(self, pipeline, project):
        result = ordering(pipeline, project)
        for deadlock in result.deadlocks if result else ():
            if deadlock.kind in self.kinds:
                yield self.report(deadlock)

    def primary(self, deadlock: Deadlock) -> Occurrence:
        """The Barrier step the user must edit: the position that comes too late."""
        return deadlock.cycle[0].missing

    def headline(self, deadlock: Deadlock, primary: Occurrence) -> str:
        raise NotImplementedError

    def fix_hint(self, deadlock: Deadlock, primary: Occurrence) -> str:
        raise NotImplementedError

    def report(self, deadlock: Deadlock) -> Finding:
        from barrierlint.graph import consequence, timeout_text

        primary = self.primary(deadlock)
        waiting, missing = {id(o) for o in deadlock.waiting}, {id(o) for o in deadlock.missing}
        roles = {id(o): _role(o, deadlock, waiting, missing) for o in deadlock.occurrences}
        flows = {}
        for occurrence in deadlock.occurrences:
            flows.setdefault(occurrence.where, []).append(Related(_at(occurrence), roles[id(occurrence)]))
        message = (
            f"{self.headline(deadlock, primary)}; {verdict_text(deadlock.verdict, deadlock.conditions)}: "
            f"{consequence(deadlock.waiting)}"
        )
        if deadlock.limited:
            message += (
                f" (analysis limit reached: the {len(deadlock.barriers)} barriers of this cycle were not searched one by one for a "
                "barrier reused in sequence, so they are reported as one problem)"
            )
        return self.finding(
            _at(primary),
            message,
            related=[Related(_at(o), roles[id(o)]) for o in deadlock.occurrences if o is not primary],
            witness=deadlock.witness,
            flows=flows.values(),
            fix=self.fix_hint(deadlock, primary),
            key=",".join(deadlock.barriers),
            verdict=deadlock.verdict,
            conditions=[c.text for c in deadlock.conditions],
            condition_routes=[route_text(c.element.origin.route) for c in deadlock.conditions],
            barriers=list(deadlock.barriers),
            participants=list(deadlock.participants),
            waiting=[route_text(o.step.origin.route) for o in deadlock.waiting],
            timeouts={o.where: timeout_text(o) for o in deadlock.waiting},
            **({"analysis_limit": True} if deadlock.limited else {}),
        )


class LateLoopRule(Rule):
    """Base of BL401 and BL402: one finding per loop whose late copies miss its barriers."""

    serial_deployment: ClassVar[bool]

    def check_pipeline(self, pipeline, project):
        result = ordering(pipeline, project)
        for loop in result.late_loops if result else ():
            if loop.serial_deployment == self.serial_deployment:
                yield self.report(loop, result.late_arrival)

    def report(self, loop: LateLoop, late_arrival: str) -> Finding:
        from barrierlint.graph import timeout_text

        barriers = list(dict.fromkeys(o.ref for o in loop.first))
        listed = names(barriers)
        what = "stage" if isinstance(loop.element, Stage) else "step group"
        label = loop.element.label
        at_once = f"only {loop.started} at once ({loop.limit})"
        together = (
            f"copies 1-{loop.started} of '{label}' start together and join the participants of {listed}" if loop.started != 1
            else f"only copy 1 of '{label}' starts at once and joins the participants of {listed}"
        )
        if loop.started is None:
            late = "the copies beyond that value"
            size = loop.strategy.description
            at_once = f"{loop.limit} is known only when the run starts: if it is below {loop.copies or 'the number of copies'}, only that many start at once"
            together = f"the copies of '{label}' that {loop.limit} lets start at once join the participants of {listed}"
        elif loop.copies is None:
            late = "the copies after the first" + (f" {loop.started}" if loop.started > 1 else "")
            size = f"{loop.strategy.description} (the number of copies is known only at run time)"
        else:
            late = f"copies {loop.started + 1}-{loop.copies}" if loop.copies > loop.started + 1 else f"copy {loop.copies}"
            size = loop.strategy.description
        s = "s" if late.startswith("copy ") else ""
        if late_arrival == "wait":
            outcome = (
                f"wait{s} there until {'its' if s else 'their'} own timeout ({', '.join(dict.fromkeys(timeout_text(o) for o in loop.first))}) and "
                f"expire{s}, failing {'that copy' if s else 'those copies'} (then {'its' if s else 'their'} failure strategy "
                "decides what follows) (engine profile late_arrival=wait)"
            )
        else:
            outcome = f"pass{'es' if s else ''} at once without synchronizing with anyone (engine profile late_arrival=pass)"
        message = (
            f"{what} '{label}' runs {size} but {at_once}; only the copies "
            f"that start immediately are participants of {listed}, so {late} start{s} after earlier copies finish, arrive{s} "
            f"after {listed} released, and {outcome}"
        )
        if loop.verdict == "may":
            message += f"; {verdict_text('may', loop.conditions) if loop.conditions else 'this depends on values known only at run time'}"
        origin = loop.strategy.concurrency_origin or loop.strategy.origin
        return self.finding(
            origin,
            message,
            related=[Related(_at(o), f"a late copy of '{loop.element.label}' reaches '{o.ref}' here after its release") for o in loop.first],
            witness=[
                together,
                f"{late} start{s} only when a running copy finishes, after {listed} released",
                f"{late} arrive{s} at {listed} late and {outcome}",
            ],
            flows=[[Related(_at(o), f"late copy arrives at '{o.ref}' after its release") for o in loop.first]],
            fix=self.fix_hint(loop),
            key=loop.element.label,
            verdict=loop.verdict,
            conditions=[c.text for c in loop.conditions],
            barriers=barriers,
            copies=loop.copies,
            started=loop.started,
            late_arrival=late_arrival,
        )

    def fix_hint(self, loop: LateLoop) -> str:
        raise NotImplementedError


def first_use(occurrences: Iterable[Occurrence]) -> dict[str, int]:
    rank: dict[str, int] = {}
    for occurrence in occurrences:
        rank.setdefault(occurrence.ref, len(rank))
    return rank
