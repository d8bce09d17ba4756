from __future__ import annotations

from barrierlint.rules._ordering import DeadlockRule
from barrierlint.rules.bl201_duplicate_ref_in_stage import moved_to_own_barrier


class SequentialReuse(DeadlockRule):
    """The same barrier in participants that can never run at the same time.

    ## What goes wrong
    A barrier releases only when every Barrier step that references it has arrived, and a step
    that has not started keeps it standing. Using one reference in stages that run one after the
    other (sequential stages, successive parallel groups, a `dependsOn` ancestor and its
    descendant), or in a stage's normal flow and its `rollbackSteps`, makes the earlier
    participant wait for one that can only start after it. A `when` that skips the later one
    does not help: a skip counts as arrived only once execution reaches it.

    ## At run time
    The earlier Barrier step waits until its own timeout (10h engine default when none is set)
    and expires; the stage fails and the later stage never runs with it. Harness rejects this on
    save only when the `PIPE_DETECT_BARRIER_CYCLES` flag is on.

    ## How to fix
    Use a different barrier for each group of stages that really run in parallel, and a
    dedicated barrier for rollback steps.

    ## Fix
    `--unsafe-fixes` gives the later participant its own barrier, declared: `<barrier>_later`
    (every later participant fixed in one run shares it, so a later parallel group still meets),
    or `<barrier>_rollback` for a step in rollbackSteps. Unsafe: the later participants now
    synchronize with each other instead of hanging, which changes the run.

    ## Example
    ```yaml
    stages:
      - stage: {identifier: build, ... barrierRef: sync ...}
      - stage: {identifier: deploy, ... barrierRef: sync ...}   # BL301: deploy starts after build
    ```
    """

    code = "BL301"
    name = "sequential-reuse"
    tags = ("correctness", "deadlock")
    kinds = ("sequential-reuse",)

    def headline(self, deadlock, primary):
        wait = deadlock.cycle[0]
        first = wait.blocker
        if primary.in_rollback:
            owner = wait.owner or primary.stage
            rollback = (
                f"barrier '{primary.ref}' is used in the normal flow of '{first.where}' and by step '{primary.step.label}' in "
                f"the rollbackSteps of '{owner.label}', which never start on a successful run and count as arrived only when "
                f"'{owner.label}' finishes"
            )
            if any(element is owner for element in first.path):
                return f"{rollback}, so '{first.where}' waits at '{primary.ref}' for its own rollback section"
            return f"{rollback}, and '{owner.label}' can only finish after '{first.where}' has passed '{primary.ref}'"
        if "resolve" in wait.kinds and not wait.kinds & {"seq", "dependsOn"}:
            return (
                f"barrier '{primary.ref}' is used by '{first.where}' and later by '{primary.where}', which a `when` may "
                f"skip, but a skip counts as arrived only when execution reaches it, after '{first.where}' passed"
            )
        skipped = ", even when a `when` skips it (a skip counts as arrived only when execution reaches it)" if "resolve" in wait.kinds else ""
        return (
            f"barrier '{primary.ref}' is used by '{first.where}' and by '{primary.where}', which can never run at the "
            f"same time: '{primary.where}' can start only after '{first.where}' has passed '{primary.ref}', so "
            f"'{first.where}' waits there for it until the timeouts fire{skipped}"
        )

    def fix_hint(self, deadlock, primary):
        if primary.in_rollback:
            return f"use a dedicated barrier for the rollback step '{primary.step.label}'"
        return f"use a different barrier in '{primary.where}', or run the participants in one parallel group"

    def fix(self, finding, project):
        from barrierlint.fixes.barriers import occurrence_at

        pipeline, occurrence = occurrence_at(finding, project)
        wave = occurrence.step.origin.route[:4]  # the item of pipeline.stages that runs the later participant
        together = [  # every rollback position, or every participant of the later wave
            o for o in project.occurrences(pipeline)
            if o.ref == occurrence.ref and o.in_rollback == occurrence.in_rollback and o.step.origin.doc is finding.origin.doc
            and (o.in_rollback or o.step.origin.route[:4] == wave)
        ]
        if occurrence.in_rollback:
            return moved_to_own_barrier(finding, project, "rollback", "move the rollback positions of '{ref}' to their own barrier '{name}'", together)
        return moved_to_own_barrier(finding, project, "later", "give the Barrier steps of '{ref}' in the later stages their own barrier '{name}'", together)
