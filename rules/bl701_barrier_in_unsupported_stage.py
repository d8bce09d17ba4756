from __future__ import annotations

from barrierlint.rule import Rule

# Stage types whose step palette has no Barrier step (the CI step set and its relatives).
UNSUPPORTED = {
    "CI": "CI (Build)",
    "SecurityTests": "Security Tests",
    "IACM": "Infrastructure as Code Management",
}


class BarrierInUnsupportedStage(Rule):
    """A Barrier step sits in a stage type that does not support Barrier steps.

    ## What goes wrong
    Barrier steps belong to the flow-control steps of Deploy and Custom stages. A CI (Build)
    stage, a Security Tests stage or an IaCM stage runs the CI step set, which has no Barrier
    step; the step was usually copied from a Deploy stage.

    ## At run time
    Harness's pipeline schema does not accept a Barrier step in these stages, so the pipeline
    cannot be saved; a Git-synced copy is invalid and does not run. The stages that wait at the
    barrier for this one could never be released by it.

    ## How to fix
    Put the synchronization point in a Custom stage (it can run in parallel with the CI stage
    and hold the Barrier step), or move the work that must wait into a Deploy or Custom stage.

    ## Which stage types are reported
    Only stage types known to lack Barrier steps: CI, SecurityTests and IACM. The docs name
    Deploy and Custom as the supported stages, and Harness's schema also admits Barrier steps
    in Approval and Feature Flag stages, so those are not reported; neither is a stage type
    barrierlint does not know (a new module, or a stage template whose type is not visible),
    because reporting it could be untrue.

    ## Example
    ```yaml
    - stage:
        type: CI
        spec:
          execution:
            steps:
              - step: {type: Barrier, ...}   # BL701
    ```
    """

    code = "BL701"
    name = "barrier-in-unsupported-stage"
    tags = ("correctness",)

    def check_pipeline(self, pipeline, project):
        if pipeline.syntax == "firstgen":
            return
        for occurrence in project.occurrences(pipeline):
            if occurrence.chained:
                continue  # a child pipeline's step: checked with the child, or only partly visible in inputs
            kind = occurrence.stage.type
            if kind not in UNSUPPORTED:
                continue
            ref = f" (barrier '{occurrence.ref}')" if occurrence.ref else ""
            yield self.finding(
                occurrence.step.origin.at("type"),
                f"Barrier step '{occurrence.step.label}'{ref} is in stage '{occurrence.stage.label}' of type {UNSUPPORTED[kind]}, "
                "which has no Barrier steps: Harness does not accept the pipeline, and no other stage can be released by "
                "this step",
                fix="hold the barrier in a Custom stage that runs in parallel, or move this work into a Deploy or Custom stage",
                key=occurrence.step.label,
            )
