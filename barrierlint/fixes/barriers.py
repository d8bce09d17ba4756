"""What the barrier fixes share: finding the Barrier step a finding points at, naming a new
barrier, declaring it and pointing a step at it, all in the file that holds the step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Occurrence, Pipeline
from .edits import IDENTIFIER, Edit, Unfixable, append_item, indent_step, insert_key, node, replace_scalar

if TYPE_CHECKING:
    from ..finding import Finding
    from ..project import Project


def occurrence_at(finding: "Finding", project: "Project") -> tuple[Pipeline, Occurrence]:
    """The pipeline and Barrier step a finding is located on (its reference, or a key of the step),
    written in the pipeline's own file: a step of a template, a chained child or an input set is
    shared with other places, so editing it is not this finding's fix."""
    doc, route = finding.origin.doc, finding.origin.route
    steps = _steps(project)
    for length in range(len(route), 0, -1):  # the step itself, or a key below it
        found = steps.get((id(doc), route[:length]))
        if found is not None:
            pipeline, occurrence = found
            if occurrence.chained or occurrence.through_template or pipeline.origin.doc is not doc or pipeline.template is not None:
                raise Unfixable("the Barrier step is written in a file shared with other pipelines")
            return pipeline, occurrence
    raise Unfixable("the finding is on no Barrier step of a pipeline")


def _steps(project: "Project") -> dict:
    """(id of the document, route of a Barrier step or of its reference) -> (pipeline, occurrence),
    built once per project."""
    key = ("fix-steps", 0)
    if key not in project._cache:
        table = {}
        for pipeline in project.pipelines:
            for occurrence in project.occurrences(pipeline):
                step = occurrence.step
                for origin in (step.origin, step.barrier_ref_origin):
                    if origin is not None:
                        table.setdefault((id(origin.doc), origin.route), (pipeline, occurrence))
        project._cache[key] = table
    return project._cache[key]


def names_in_use(pipeline: Pipeline, project: "Project") -> set[str]:
    """Identifiers declared in the pipeline and references used by its steps or chained children."""
    key = ("fix-names", id(pipeline))
    if key not in project._cache:
        found = {decl.identifier for decl in pipeline.barriers if decl.identifier}
        found |= {o.ref for o in project.occurrences(pipeline) if o.ref}
        project._cache[key] = found | set(project.child_references(pipeline))
    return project._cache[key]


def fresh(name: str, pipeline: Pipeline, project: "Project") -> str:
    """`name`, or `name_2`, `name_3`... the first no declaration or reference of the pipeline uses."""
    taken = names_in_use(pipeline, project)
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}_{number}", number + 1
    if not IDENTIFIER.fullmatch(candidate):
        raise Unfixable(f"'{candidate}' is not a Harness identifier")
    return candidate


def declare(pipeline: Pipeline, identifier: str) -> Edit:
    """An entry for `identifier` in `pipeline.flowControl.barriers`, creating the list or the
    `flowControl` section when absent; its style follows the entries already there."""
    if pipeline.syntax != "v0":
        raise Unfixable("only NextGen v0 pipelines declare barriers in flowControl")
    doc = pipeline.origin.doc
    value = IDENTIFIER.fullmatch(identifier) and identifier
    if not value:
        raise Unfixable(f"'{identifier}' is not a Harness identifier")
    flow = f"{{identifier: {value}, name: {value}}}"
    block = [f"identifier: {value}", f"name: {value}"]
    if pipeline.barriers_origin is not None:
        return append_item(doc, pipeline.barriers_origin.route, flow, block)
    step = " " * indent_step(doc)
    entry = [f"{step}- {block[0]}", f"{step}  {block[1]}"]
    control = pipeline.origin.route + ("flowControl",)
    if doc.node_at(control) is not None:
        return insert_key(doc, control, "barriers", entry)
    node(doc, pipeline.origin.route)  # written in this file, not through an alias
    return insert_key(doc, pipeline.origin.route, "flowControl", ["barriers:", *entry])


def point_at(occurrence: Occurrence, identifier: str) -> Edit:
    """The Barrier step's `barrierRef`, changed to `identifier`."""
    origin = occurrence.step.barrier_ref_origin
    if origin is None:
        raise Unfixable("the Barrier step has no barrierRef")
    return replace_scalar(origin.doc, origin.route, identifier)


def own_barrier(occurrence: Occurrence, pipeline: Pipeline, project: "Project", wanted: str) -> tuple[str, tuple[Edit, ...]]:
    """The step moved to a new barrier named after `wanted` (declared, if no other fix in this
    pass declared it already: identical declarations merge)."""
    name = fresh(wanted, pipeline, project)
    return name, (point_at(occurrence, name), declare(pipeline, name))
