from __future__ import annotations

from barrierlint.finding import Related, Severity
from barrierlint.rule import Rule
from barrierlint.rules._ordering import ordering


class RollbackBarrierStall(Rule):
    """A barrier used in normal flow, and in the rollbackSteps of a stage running alongside.

    ## What goes wrong
    Positions in `rollbackSteps` are participants too, but they never start on a successful
    run: such a position counts as arrived only when the stage (or step group) holding that
    rollback section finishes. A stage that waits at the barrier in its normal flow therefore
    waits until the other stage has finished, not until it reaches a matching point.

    ## At run time
    The normal-flow participants stall until every stage holding the barrier in rollbackSteps
    has finished; if that takes longer than their Barrier step timeout (10h engine default when
    none is set), they expire and fail. Harness's save-time check does not see this.

    ## How to fix
    Use a dedicated barrier for rollback steps, so rollbacks synchronize only with rollbacks.

    ## Fix
    `--unsafe-fixes` moves every rollback position of the barrier to a new barrier
    `<barrier>_rollback`, declared. Unsafe: the normal flow no longer waits for the rollback
    owners, and the rollbacks meet each other instead.
    """

    code = "BL303"
    name = "rollback-barrier-stall"
    severity = Severity.WARNING
    tags = ("correctness",)

    def check_pipeline(self, pipeline, project):
        result = ordering(pipeline, project)
        if result is None:
            return
        from barrierlint.graph import timeout_text

        for stall in result.stalls:
            owners = " and ".join(f"'{o.label}'" for o in stall.owners)
            waiting = " and ".join(dict.fromkeys(f"'{o.where}'" for o in stall.waiting))
            primary = stall.rollback[0]
            one = len({o.where for o in stall.waiting}) == 1
            wait, expire, their = ("waits", "expires", "its") if one else ("wait", "expire", "their")
            finish = "finishes" if len(stall.owners) == 1 else "finish"
            yield self.finding(
                primary.step.barrier_ref_origin or primary.step.origin,
                f"barrier '{stall.barrier}' is used in the rollbackSteps of {owners} and in the normal flow of {waiting}: "
                f"a rollback position never starts on a successful run and counts as arrived only when {owners} "
                f"{finish}, so {waiting} {wait} at '{stall.barrier}' until then and {expire} if that takes longer than "
                f"{their} timeout ({', '.join(dict.fromkeys(timeout_text(o) for o in stall.waiting))})",
                related=[Related(o.step.barrier_ref_origin or o.step.origin, f"'{o.where}' waits here until {owners} {finish}") for o in stall.waiting]
                + [Related(o.step.barrier_ref_origin or o.step.origin, "another rollback position of the barrier") for o in stall.rollback[1:]],
                witness=[f"{waiting} {wait} at '{stall.barrier}' for the rollbackSteps of {owners}, which count as arrived only when {owners} {finish}"],
                flows=[[Related(o.step.origin, f"'{o.where}' arrives at '{o.ref}' and waits")] for o in stall.waiting],
                fix=f"use a dedicated barrier for the rollback step '{primary.step.label}'",
                key=stall.barrier,
                verdict="must",
                barriers=[stall.barrier],
            )

    def fix(self, finding, project):
        from barrierlint.fixes import Fix
        from barrierlint.fixes.barriers import occurrence_at, own_barrier, point_at

        pipeline, primary = occurrence_at(finding, project)
        name, edits = own_barrier(primary, pipeline, project, f"{primary.ref}_rollback")
        others = [o for o in project.occurrences(pipeline) if o.in_rollback and o.ref == primary.ref and o.step is not primary.step]
        for other in others:
            if other.step.origin.doc is not finding.origin.doc or other.chained or other.through_template:
                return None
        moved = edits + tuple(point_at(o, name) for o in others)
        return Fix(f"move the rollback positions of '{primary.ref}' to their own barrier '{name}'", False, finding.origin.doc, moved)
