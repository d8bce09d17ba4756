from __future__ import annotations

from barrierlint.finding import Related, route_text
from barrierlint.firstgen import NOT_CONCURRENT, looped, not_concurrent
from barrierlint.model import Parallel, Stage, Step, StepGroup, children, is_expression
from barrierlint.rules._ordering import DeadlockRule, ordering


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

    The same holds inside one `rollbackSteps` section: when its stage or step group rolls
    back, the second Barrier step of the section waits behind the first (reported as a
    may-finding: it hangs whenever that rollback runs).

    ## How to fix
    Every Barrier step in one stage or step group needs its own barrier: declare a second barrier
    in `flowControl.barriers` for the later step, or remove the duplicate.

    ## Fix
    `--unsafe-fixes` gives the later Barrier step its own barrier, `<barrier>_again`, and
    declares it. Unsafe: the step then meets the other participants of the new barrier (the later
    steps of other stages fixed the same way) instead of hanging, which changes the run.

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
            yield from self._rollback_sections(pipeline, project)
            return
        # FirstGen checks this itself when the pipeline is triggered, per group of workflows that
        # run in parallel, unless a looped workflow is in the group; then the duplicate hangs.
        for earlier, occurrence in not_concurrent(project.occurrences(pipeline)):
            yield self.finding(
                occurrence.step.barrier_ref_origin,
                f"barrier '{occurrence.ref}' is used twice by the workflow of stage '{occurrence.stage.label}' (steps "
                f"'{earlier.step.label}' and '{occurrence.step.label}') among the workflows that run in parallel: Harness "
                f"refuses to trigger the pipeline (\"{NOT_CONCURRENT}\")",
                related=[Related(earlier.step.barrier_ref_origin, f"step '{earlier.step.label}' uses '{occurrence.ref}' first")],
                fix=f"give Barrier step '{occurrence.step.label}' an identifier of its own, or remove it",
                key=occurrence.ref,
            )
        result = ordering(pipeline, project)
        for deadlock in result.deadlocks if result else ():
            if deadlock.kind in self.kinds and looped(self.primary(deadlock).path[0]):
                yield self.report(deadlock)

    def _rollback_sections(self, pipeline, project):
        """The same barrier twice on one path of a rollbackSteps section: the graph follows a
        successful run, where such positions arrive together when their owner finishes, but
        when the owner rolls back the second step waits behind the first (Harness's save-time
        check calls it a deadlock in 'rollback flow')."""
        by_step = {id(o.step): o for o in project.occurrences(pipeline) if o.in_rollback and o.ref and not is_expression(o.ref)}
        if len(by_step) < 2:
            return  # a repeat takes two Barrier steps in rollback sections
        stack = list(pipeline.stages)
        while stack:
            item = stack.pop()
            stack.extend(sub for sub, _ in children(item))
            for earlier, later in _repeats(getattr(item, "rollback_steps", ()), {}, by_step):
                yield self._rollback_finding(item, by_step[id(earlier)], by_step[id(later)])

    def _rollback_finding(self, owner, earlier, later):
        from barrierlint.graph import POLL_SECONDS, timeout_text

        condition = f" and '{earlier.step.label}' runs" if earlier.step.when is not None and earlier.step.when.conditional else ""
        return self.finding(
            later.step.barrier_ref_origin,
            f"barrier '{later.ref}' is used twice on one path of the rollbackSteps of '{owner.label}': when "
            f"'{owner.label}' rolls back{condition}, Barrier step '{later.step.label}' starts only after "
            f"'{earlier.step.label}' has passed '{later.ref}', and '{earlier.step.label}' cannot pass before "
            f"'{later.step.label}' arrives; the rollback waits until '{earlier.step.label}' expires after "
            f"{timeout_text(earlier)}, then within the next {POLL_SECONDS} s poll every participant still waiting at "
            f"'{later.ref}' expires with it and follows its failure strategy",
            related=[Related(earlier.step.barrier_ref_origin, f"step '{earlier.step.label}' of the same rollbackSteps reaches '{later.ref}' first")],
            witness=[f"'{earlier.where}' waits at '{later.ref}' (step '{earlier.step.label}') for step '{later.step.label}', which starts only after it passes"],
            fix=f"give Barrier step '{later.step.label}' a barrier of its own (declare it in flowControl.barriers), or remove it",
            key=later.ref,
            verdict="may",
            barriers=[later.ref],
            waiting=[route_text(earlier.step.origin.route)],
            rollback_owner=route_text(owner.origin.route),
        )

    def headline(self, deadlock, primary):
        wait = deadlock.cycle[0]
        first = wait.blocker
        later, earlier = _step_name(primary, first), _step_name(first, primary)
        if wait.deferred:
            return (
                f"barrier '{primary.ref}' is used twice on one path of '{_common(first, primary)}': when a `when` skips a step "
                f"group around Barrier step {later} ('{primary.where}'), below its nearest step group, its position counts "
                f"as arrived only when '{primary.stage.label}' finishes, so {earlier}, later in '{first.where}', waits for it"
            )
        return (
            f"barrier '{primary.ref}' is used twice on one path of '{_common(first, primary)}': Barrier step "
            f"{later} starts only after {earlier} has passed '{primary.ref}', and {earlier} cannot pass before "
            f"{later} arrives"
        )

    def fix_hint(self, deadlock, primary):
        return f"give Barrier step '{primary.step.label}' a barrier of its own (declare it in flowControl.barriers), or remove it"


    def fix(self, finding, project):
        from barrierlint.fixes.barriers import occurrence_at

        pipeline, occurrence = occurrence_at(finding, project)
        uses: dict[tuple, list] = {}  # each participant's uses of the barrier, in the order written
        for other in project.occurrences(pipeline):
            if other.ref == occurrence.ref and other.in_rollback == occurrence.in_rollback and other.step.origin.doc is finding.origin.doc:
                uses.setdefault(id(other.stage), []).append(other)
        mine = uses[id(occurrence.stage)]
        position = mine.index(occurrence)
        together = [steps[position] for steps in uses.values() if len(steps) > position]  # the same use in every participant
        return moved_to_own_barrier(finding, project, "again", "give the Barrier steps that reach '{ref}' a second time their own barrier '{name}'", together)


def moved_to_own_barrier(finding, project, suffix: str, description: str, together=()):
    """The fix of BL201 and BL301: the Barrier step the finding points at (and the steps
    `together` with it) join a new barrier `<barrier>_<suffix>`, declared in its pipeline."""
    from barrierlint.fixes import Fix
    from barrierlint.fixes.barriers import occurrence_at, own_barrier, point_at

    pipeline, occurrence = occurrence_at(finding, project)
    name, edits = own_barrier(occurrence, pipeline, project, f"{occurrence.ref}_{suffix}")
    edits += tuple(point_at(other, name) for other in together if other.step is not occurrence.step)
    return Fix(description.format(step=occurrence.step.label, name=name, ref=occurrence.ref), False, finding.origin.doc, edits)


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


def _repeats(items, before: dict, by_step: dict):
    """(earlier, later) Barrier steps of one barrier on one sequential path of `items`; `before`
    maps the barriers already reached on the path to their first step (it is extended).
    Parallel branches each follow `before` but not each other; a step group's own
    rollbackSteps run only when it fails, so they are not on the path."""
    for item in items:
        if isinstance(item, Step):
            occurrence = by_step.get(id(item))
            if occurrence is None:
                continue
            if occurrence.ref in before:
                yield before[occurrence.ref], item
            else:
                before[occurrence.ref] = item
        elif isinstance(item, Parallel):
            reached = {}
            for branch in item.branches:
                path = dict(before)
                yield from _repeats((branch,), path, by_step)
                reached.update((ref, step) for ref, step in path.items() if ref not in before)
            before.update((ref, step) for ref, step in reached.items() if ref not in before)
        else:
            yield from _repeats(item.steps if isinstance(item, StepGroup) else getattr(item, "items", ()), before, by_step)
