from __future__ import annotations

from barrierlint.finding import Related
from barrierlint.graph import analysis
from barrierlint.model import Parallel, Stage, StepGroup
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
        for deadlock in analysis(pipeline, project).deadlocks:
            if deadlock.kind in self.kinds and id(self.primary(deadlock).path[0]) in looped:
                yield self.report(deadlock)

    def headline(self, deadlock, primary):
        first = deadlock.cycle[0].blocker
        later, earlier = _step_name(primary, first), _step_name(first, primary)
        return (
            f"barrier '{primary.ref}' is used twice on one path of '{_common(first, primary)}': Barrier step "
            f"{later} starts only after {earlier} has passed '{primary.ref}', and {earlier} cannot pass before "
            f"{later} arrives"
        )

    def fix_hint(self, deadlock, primary):
        return f"give Barrier step '{primary.step.label}' a barrier of its own (declare it in flowControl.barriers), or remove it"


def _common(one, other) -> str:
    """The innermost stage or step group that holds both occurrences, as 'stage > group'."""
    shared = []
    for a, b in zip(one.path, other.path):
        if a is not b:
            break
        if isinstance(a, (Stage, StepGroup)):
            shared.append(a.label)
    return " > ".join(shared) or one.stage.label


def _step_name(occurrence, other) -> str:
    """The step's label, with where it is when the other step has the same label (two uses of
    one step group template, say)."""
    if occurrence.step.label != other.step.label or occurrence.where == other.where:
        return f"'{occurrence.step.label}'"
    return f"'{occurrence.step.label}' in '{occurrence.where}'"
