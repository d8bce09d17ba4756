from __future__ import annotations

from barrierlint.finding import Related, Severity
from barrierlint.model import awaits_parent
from barrierlint.rule import Rule


class LoneBarrier(Rule):
    """A barrier has a single participant: it passes at once and synchronizes nothing.

    ## What goes wrong
    A barrier holds each participant until every other participant arrives. Participants are
    Barrier-step occurrences: every step that references the barrier, times the copies a loop
    starts at once (one step in a matrix of 3 combinations is 3 participants), rollback steps
    and steps of chained child pipelines (`parent.X`) included. When the total is one, there
    is nobody to wait for: usually the matching step in the other stage was deleted, renamed,
    or references another barrier.

    ## At run time
    The only participant arrives, the barrier is released at once, and the step succeeds: the
    stages the author meant to keep in step run unsynchronized. FirstGen counts per group of
    workflows that run in parallel: an identifier used once in its group gets no barrier at
    all and the step is a no-op.

    ## How to fix
    Reference the barrier from a Barrier step in every parallel stage or step group that must
    meet at this point, or delete the step (and the declaration) if no synchronization is
    needed.

    ## Example
    ```yaml
    - parallel:
        - stage: {identifier: migrate, ...}   # barrierRef: db_ready   (BL103: the only one)
        - stage: {identifier: deploy, ...}    # no Barrier step for db_ready
    ```

    A single participant left over by a loop's `maxConcurrency` or a serial multi-service
    deployment is reported by BL401 and BL402 instead; pipelines with unresolved templates or
    barrier references known only at run time are skipped (the count is not known).
    """

    code = "BL103"
    name = "lone-barrier"
    severity = Severity.WARNING
    tags = ("correctness",)

    def check_pipeline(self, pipeline, project):
        if project.incomplete(pipeline):
            return  # templates or runtime-input references may add participants we cannot see
        firstgen = pipeline.syntax == "firstgen"
        declared = {d.identifier: d for d in pipeline.barriers if d.identifier}
        joined_by_children = project.child_references(pipeline)
        groups: dict[tuple, list] = {}
        for occurrence in project.occurrences(pipeline):
            ref = occurrence.ref
            if ref is None or awaits_parent(ref):
                continue  # no reference (BL002), or the parent pipeline's participants are elsewhere
            if firstgen:
                if occurrence.in_rollback:
                    continue  # FirstGen leaves rollback-phase barriers out of its groups
                key = (id(occurrence.path[0]), ref)  # a top-level item: one group of parallel workflows
            elif ref in declared and ref not in joined_by_children:
                key = (ref,)
            else:
                continue  # undeclared (BL101) or joined by a child pipeline we do not see in full
            groups.setdefault(key, []).append(occurrence)
        for occurrences in groups.values():
            counts = [o.copies for o in occurrences]
            if None in counts or sum(counts) != 1:
                continue
            lone = occurrences[counts.index(1)]
            if any(loop.copies != 1 for loop in lone.loops):
                continue  # more copies exist but start later: BL401 / BL402 explain that
            yield self._finding(lone, declared.get(lone.ref), firstgen)

    def _finding(self, occurrence, declaration, firstgen):
        ref, step = occurrence.ref, occurrence.step.label
        if firstgen:
            message = (
                f"barrier '{ref}' is used only once in its group of parallel workflows, by step '{step}' of workflow "
                f"'{occurrence.where}': Harness creates no barrier for it and the step succeeds at once, synchronizing nothing"
            )
            fix = f"use '{ref}' in a workflow that runs in parallel with this one, or remove the step"
        else:
            message = (
                f"barrier '{ref}' has a single participant, step '{step}' in stage '{occurrence.where}': the barrier is "
                "released as soon as this step arrives, so it synchronizes nothing"
            )
            fix = f"reference '{ref}' from a Barrier step in each parallel stage or step group that must meet here, or remove this step"
        related = [Related(declaration.origin, f"barrier '{ref}' is declared here")] if declaration else []
        return self.finding(occurrence.step.barrier_ref_origin or occurrence.step.origin, message, related=related, fix=fix, key=ref)
