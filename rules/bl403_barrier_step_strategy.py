from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode

from barrierlint.rule import Rule


class BarrierStepStrategy(Rule):
    """A Barrier step has its own looping `strategy`: Harness refuses to start the run.

    ## What goes wrong
    `strategy` (matrix, repeat, parallelism) is written on the Barrier step itself, usually to
    make "one barrier per copy" or after copying a looped step. Harness does not support
    looping a Barrier step.

    ## At run time
    Plan creation fails when the run starts ("Barrier step cannot be configured with looping
    strategy."): the pipeline does not run at all.

    ## How to fix
    Remove the step's `strategy`. To have several copies meet at the barrier, put the loop on
    the enclosing step group or stage: every copy that starts at once then joins the barrier.

    ## Fix
    `--unsafe-fixes` removes the step's `strategy`. Unsafe: the run, refused before, now starts,
    with one participant where the strategy meant several.

    ## Example
    ```yaml
    - step:
        type: Barrier
        spec: {barrierRef: wave}
        strategy:            # BL403
          parallelism: 3
    ```
    """

    code = "BL403"
    name = "barrier-step-strategy"
    tags = ("correctness",)

    def check_pipeline(self, pipeline, project):
        for occurrence in project.occurrences(pipeline):
            if occurrence.chained:
                continue  # a child pipeline's step: checked with the child, or only partly visible in inputs
            step = occurrence.step
            origin = step.origin.at("strategy")
            node = origin.doc.node_at(origin.route)
            if not _written(node):
                continue
            barrier = f" (barrier '{occurrence.ref}')" if occurrence.ref else ""
            yield self.finding(
                origin,
                f"Barrier step '{step.label}'{barrier} in stage '{occurrence.where}' has its own looping "
                "strategy: Harness refuses to start the run ('Barrier step cannot be configured with looping strategy.')",
                fix="remove the step's strategy; loop the enclosing step group or stage instead",
                key=step.label,
            )

    def fix(self, finding, project):
        from barrierlint.fixes import Fix
        from barrierlint.fixes.barriers import occurrence_at
        from barrierlint.fixes.edits import remove

        occurrence_at(finding, project)  # the step is written in its pipeline's file
        return Fix("remove the Barrier step's strategy", False, finding.origin.doc, (remove(finding.origin.doc, finding.origin.route),))


def _written(node: Node | None) -> bool:
    """A strategy with content (an empty `strategy:` or `strategy: {}` loops nothing)."""
    if isinstance(node, ScalarNode):
        return not node.tag.endswith(":null") and bool(node.value.strip())
    return node is not None and (not isinstance(node, MappingNode) or bool(node.value))
