from __future__ import annotations

from barrierlint.finding import Related
from barrierlint.model import Parallel
from barrierlint.rules._ordering import DeadlockRule


class DuplicateRefInStage(DeadlockRule):
    """The same barrier twice on one sequential path of a stage or step group.

    ## What goes wrong
    Every Barrier step that references a barrier is a participant of it, also two steps of the
    same stage. When one stage (or step group) reaches the barrier twice in a row, the first step
    waits for the second, and the second can only start after the first has passed.

    ## At run time
    The first Barrier step waits until its own timeout (10h engine default when none is set)
    and expires; within the next 60 s poll the barrier times out for every other participant
    waiting at it, and each follows its failure strategy. Harness rejects this on save only when
    the `PIPE_DETECT_BARRIER_CYCLES` flag is on.

    ## How to fix
    Every Barrier step in one stage or step group needs its own barrier: declare a second barrier
    in `flowControl.barriers` for the later step, or remove the duplicate.

    ## Example
    ```yaml
    steps:
      - step: {identifier: wait_db, type: Barrier, spec: {barrierRef: sync}}
      - step: {identifier: wait_cache, type: Barrier, spec: {barrierRef: sync}}  # BL201
    ```
    """

    code = "BL201"
    name = "duplicate-ref-in-stage"
    tags = ("correctness", "deadlock")
    kinds = ("reuse-in-participant",)

    def check_pipeline(self, pipeline, project):
        if pipeline.syntax != "firstgen":
            yield from super().check_pipeline(pipeline, project)
            return
        # FirstGen checks this itself when the pipeline is triggered, per group of workflows that
        # run in parallel, unless a looped workflow is in the group; then the duplicate hangs.
        looped, first = set(), {}
        for occurrence in project.occurrences(pipeline):
            group = occurrence.path[0]
            stages = group.branches if isinstance(group, Parallel) else (group,)
            if any(stage.strategy is not None for stage in stages):
                looped.add(id(group))
                continue
            earlier = first.setdefault((id(occurrence.stage), occurrence.ref), occurrence)
            if earlier is not occurrence:
                yield self.finding(
                    occurrence.step.barrier_ref_origin,
                    f"barrier '{occurrence.ref}' is used twice by the workflow of stage '{occurrence.stage.label}' (steps "
                    f"'{earlier.step.label}' and '{occurrence.step.label}') among the workflows that run in parallel: Harness "
                    "refuses to trigger the pipeline (\"Barriers are not running concurrently.\")",
                    related=[Related(earlier.step.barrier_ref_origin, f"step '{earlier.step.label}' uses '{occurrence.ref}' first")],
                    fix=f"give Barrier step '{occurrence.step.label}' an identifier of its own, or remove it",
                    key=occurrence.ref,
                )
        if not project.occurrences(pipeline):
            return  # no Barrier step: an empty analysis, and no graph module to import
        from barrierlint.graph import analysis

        for deadlock in analysis(pipeline, project).deadlocks:
            if deadlock.kind in self.kinds and id(self.primary(deadlock).path[0]) in looped:
                yield self.report(deadlock)

    def headline(self, deadlock, primary):
        first = deadlock.cycle[0].blocker
        return (
            f"barrier '{primary.ref}' is used twice on one path of '{primary.where}': Barrier step "
            f"'{primary.step.label}' starts only after '{first.step.label}' has passed '{primary.ref}', and "
            f"'{first.step.label}' cannot pass before '{primary.step.label}' arrives"
        )

    def fix_hint(self, deadlock, primary):
        return f"give Barrier step '{primary.step.label}' a barrier of its own (declare it in flowControl.barriers), or remove it"
