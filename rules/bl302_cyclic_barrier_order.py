from __future__ import annotations

from barrierlint.rules._ordering import DeadlockRule, first_use, names


class CyclicBarrierOrder(DeadlockRule):
    """Barriers crossed in orders that form a cycle: a deadlock until the timeouts fire.

    ## What goes wrong
    Stage A crosses barrier X, then Y; stage B crosses Y, then X. A waits at X for B, B waits at
    Y for A, and neither ever arrives where the other waits. The same happens with three or more
    participants (A: X then Y, B: Y then Z, C: Z then X), inside nested step groups and
    step-level parallel blocks, and with `dependsOn` stages. Harness's own save-time check
    compares occurrences of one reference pairwise and cannot see any of these.

    ## At run time
    Every participant on the cycle waits until its Barrier step's own timeout (10h engine
    default when none is set); the first to expire times out its barrier, every participant
    waiting there expires within the next 60 s poll, and each follows its failure strategy.

    ## How to fix
    Make every participant cross the barriers in one global order (the message names the step
    to move), or merge the barriers.

    A cycle through thousands of barriers exhausts the analysis budget before each barrier is
    searched for reuse in sequence (BL201, BL301): it is reported as one BL302 finding whose
    message says "analysis limit reached" (property `analysis_limit`); check again once the
    order is fixed.

    ## Fix
    When two Barrier steps of one participant are on the cycle and exchanging them removes it,
    `--unsafe-fixes` exchanges them, if exactly one such exchange removes the cycle without a new
    finding (otherwise the choice is the author's). Unsafe: the participant now crosses the
    barriers in another order.

    ## Example
    ```yaml
    - stage: {identifier: frontend, ... barrierRef: db_ready ... barrierRef: api_ready ...}
    - stage: {identifier: backend,  ... barrierRef: api_ready ... barrierRef: db_ready ...}  # BL302
    ```
    """

    code = "BL302"
    name = "cyclic-barrier-order"
    tags = ("correctness", "deadlock")
    kinds = ("cycle",)

    def inverted(self, deadlock):
        """The wait-for edge whose participant crosses the barriers against their order of first use."""
        rank = first_use(deadlock.occurrences)
        for wait in deadlock.cycle:
            if wait.blocker is not None and rank[wait.barrier] < rank[wait.blocker.ref]:
                return wait
        return deadlock.cycle[0]

    def primary(self, deadlock):
        return self.inverted(deadlock).missing

    def headline(self, deadlock, primary):
        barriers = names(w.barrier for w in deadlock.cycle)
        who = names(o.where for w in deadlock.cycle for o in (*w.waiting, w.missing))
        return f"barriers {barriers} are crossed in orders that form a cycle by {who}, so each waits for another forever"

    def fix_hint(self, deadlock, primary):
        wait = self.inverted(deadlock)
        if wait.blocker is not None and wait.blocker.stage is primary.stage:
            return (
                f"in '{primary.where}', move Barrier step '{primary.step.label}' ('{primary.ref}') before "
                f"'{wait.blocker.step.label}' ('{wait.blocker.ref}') so every participant crosses the barriers in one order"
            )
        return f"make every participant cross {names(deadlock.barriers)} in one order"

    def fix(self, finding, project):
        from barrierlint.fixes import Fix
        from barrierlint.fixes.barriers import occurrence_at
        from barrierlint.fixes.edits import Unfixable, swap
        from barrierlint.rules._ordering import ordering

        pipeline, occurrence = occurrence_at(finding, project)
        doc = finding.origin.doc
        result = ordering(pipeline, project)
        deadlock = next((d for d in result.deadlocks if d.kind in self.kinds and self.primary(d).step is occurrence.step), None)
        if deadlock is None:
            return None
        alternatives = {}
        for wait in deadlock.cycle:
            later, earlier = wait.missing, wait.blocker
            if earlier is None or not _same_participant(earlier, occurrence) or not _same_participant(later, occurrence) or earlier.step.origin.doc is not doc or later.step.origin.doc is not doc:
                continue
            try:
                alternatives[tuple(swap(doc, later.step.origin.route[:-1], earlier.step.origin.route[:-1]))] = None
            except Unfixable:
                continue
        if not alternatives:
            return None
        return Fix(f"exchange two Barrier steps of one participant so every participant crosses {names(deadlock.barriers)} in one order", False, doc, alternatives=tuple(alternatives))


def _same_participant(one, other) -> bool:
    """Both Barrier steps belong to one participant: the same stage and innermost step group."""
    return one.stage is other.stage and one.group is other.group
