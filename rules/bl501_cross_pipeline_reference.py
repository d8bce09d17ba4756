from __future__ import annotations

from barrierlint.finding import Related
from barrierlint.model import Stage, is_expression
from barrierlint.rule import Rule


class CrossPipelineReference(Rule):
    """A Barrier step references a barrier of another pipeline, or a parent that is not there.

    ## What goes wrong
    A barrier belongs to one pipeline execution. A step can only meet steps of the same run:
    its own pipeline's, or, in a chained child pipeline, its parent's through `parent.X`. Four
    mistakes break that: a plain reference to a barrier that only another pipeline declares
    (often a child that should have written `parent.X`); a `parent.X` whose parent pipeline
    does not declare X; a pipeline with `parent.X` that no pipeline runs as a chained stage;
    and chaining a pipeline from a pipeline that is itself a chained child.

    ## At run time
    The plain reference becomes a barrier of its own pipeline that nobody else joins: it passes
    alone, synchronizing nothing. A `parent.X` without X in the parent fails the step with
    "Barrier not found for identifier [X]"; run on its own, the child treats `parent.X` as its
    own barrier X. Nested chaining is not supported by Harness.

    ## How to fix
    Declare the barrier in the pipeline that runs the steps, write `parent.X` in a chained
    child to join its parent's barrier X (and declare X in the parent), and chain pipelines
    one level deep only.

    ## Example
    ```yaml
    # child pipeline, run by a Pipeline stage of `release`, which declares `db_ready`
    - step: {type: Barrier, spec: {barrierRef: db_ready}}   # BL501: write parent.db_ready
    ```
    """

    code = "BL501"
    name = "cross-pipeline-reference"
    tags = ("correctness", "cross-file")

    def check(self, project):
        for pipeline in project.pipelines:
            if pipeline.syntax == "firstgen":
                continue
            parents = project.parents(pipeline)
            declared = {d.identifier for d in pipeline.barriers if d.identifier}
            for occurrence in project.occurrences(pipeline):
                ref = occurrence.ref
                if not ref or is_expression(ref) or "${" in ref:
                    continue
                chained = next((e for e in occurrence.path if isinstance(e, Stage) and e.child is not None), None)
                if chained is not None:
                    yield from self._joins_parent(pipeline, chained, occurrence, declared)
                elif ref.startswith("parent."):
                    if not parents and pipeline.template_kind is None:  # a template may be used by a child pipeline
                        yield self.finding(
                            occurrence.step.barrier_ref_origin,
                            f"'{ref}' in pipeline '{pipeline.label}' joins a parent pipeline's barrier, but no checked pipeline runs "
                            f"'{pipeline.label}' as a chained stage: run on its own, Harness treats it as this pipeline's own barrier "
                            f"'{ref.split('.', 1)[1]}'",
                            fix="check the parent pipeline together with this one, or reference a barrier of this pipeline",
                            key=ref,
                        )
                elif ref not in declared and pipeline.declarations_known and not (pipeline.syntax == "v1" and pipeline.barriers_origin is None):
                    yield from self._declared_elsewhere(project, pipeline, parents, occurrence)
            if parents:
                for chain in project.chains:
                    if chain.parent is pipeline:
                        yield self.finding(
                            chain.stage.child.origin.at("pipeline"),
                            f"stage '{chain.stage.label}' of pipeline '{pipeline.label}' runs a chained pipeline, but "
                            f"'{pipeline.label}' itself runs as a chained child of '{parents[0].parent.label}': Harness does not "
                            "support nested chaining",
                            related=[Related(c.stage.origin, f"'{pipeline.label}' is chained here") for c in parents],
                            fix="chain the pipelines one level deep: run this stage's pipeline from the top-level parent",
                            key=chain.stage.label,
                        )

    def _joins_parent(self, pipeline, chained, occurrence, declared):
        """A `parent.X` step of a chained child, seen from the parent that runs it."""
        ref = occurrence.ref
        if not ref.startswith("parent.") or not pipeline.declarations_known:
            return
        name = ref.split(".", 1)[1]
        if name in declared:
            return
        yield self.finding(
            occurrence.step.barrier_ref_origin,
            f"'{ref}' in step '{occurrence.step.label}' joins barrier '{name}' of the parent pipeline '{pipeline.label}' "
            f"(chained stage '{chained.label}'), but '{pipeline.label}' does not declare '{name}': the step fails with "
            f"\"Barrier not found for identifier [{name}]\"",
            related=[Related(chained.origin, f"pipeline '{pipeline.label}' runs the child here")],
            fix=f"declare '{name}' in pipeline '{pipeline.label}' flowControl.barriers",
            key=f"{pipeline.label}:{ref}",
        )

    def _declared_elsewhere(self, project, pipeline, parents, occurrence):
        ref = occurrence.ref
        owners = project.declaring(ref, pipeline)
        if not owners:
            return
        parent = next((c.parent for c in parents if ref in {d.identifier for d in c.parent.barriers}), None)
        owner = parent or owners[0]
        hint = f"; to join the barrier of its parent '{owner.label}', write 'parent.{ref}'" if parent else ""
        yield self.finding(
            occurrence.step.barrier_ref_origin,
            f"barrier '{ref}' used by step '{occurrence.step.label}' in stage '{occurrence.where}' is declared in pipeline "
            f"{_named(owner)}, not in {_named(pipeline) if owner.label == pipeline.label else repr(pipeline.label)}: barriers "
            f"belong to one pipeline run, so this step never meets the steps of '{owner.label}'"
            f"{' and passes alone' if _alone(project, pipeline, occurrence) else ''}{hint}",
            related=[Related(d.origin, f"declared in pipeline '{owner.label}'") for d in owner.barriers if d.identifier == ref],
            fix=f"use 'parent.{ref}'" if parent else f"declare '{ref}' in pipeline '{pipeline.label}'",
            key=ref,
        )


def _named(pipeline) -> str:
    path = pipeline.origin.doc.path
    return f"'{pipeline.label}' ({path})" if pipeline.label != path else path


def _alone(project, pipeline, occurrence) -> bool:
    """True when the step is the only participant of its reference in its own pipeline."""
    key = ("participants", id(pipeline))
    if key not in project._cache:
        counts: dict = {}
        for o in project.occurrences(pipeline):
            counts[o.ref] = None if o.copies is None or counts.get(o.ref, 0) is None else counts.get(o.ref, 0) + o.copies
        project._cache[key] = counts
    return project._cache[key].get(occurrence.ref) == 1
